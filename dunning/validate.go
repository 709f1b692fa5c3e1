package dunning

import (
	"fmt"
	"strconv"
	"time"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"golang.org/x/text/language"
)

// Rejected is the kind of the actions Plan returns for records it could not
// plan from: a customer, agreement or invoice that fails validation (an
// unknown currency, a negative amount, a missing due date, an unknown time
// zone, an invoice in another currency than its agreement, ...). Such an
// action names the record in Key ("rejected/invoice/<customer>/<invoice>",
// "rejected/customer/<customer>", "rejected/agreement/<agreement>"), lists
// in InvoiceIDs the invoices left unplanned because of it, and carries the
// *FieldError's text (field and value) as its Problem. The Runner reports
// it as StatusProblem and never claims or sends it; the rest of the
// portfolio is planned as if the record were absent. Fixing the record
// makes the rejection disappear from the next plan.
const Rejected ActionKind = "rejected"

// Bounds on day counts in agreements and policies.
const (
	// MaxGraceDays is the most grace an agreement may give (a year).
	MaxGraceDays = 365
	// MaxPayByDays is the longest pay-by period a policy may set (a year).
	MaxPayByDays = 365
	// MaxOffsetDays bounds step offsets and gaps (ten years), so no date
	// arithmetic leaves the calendar.
	MaxOffsetDays = 3660
)

// minYear and maxYear bound every date in the records Plan reads.
const minYear, maxYear = 1900, 9999

// checkDay refuses a set date outside the years minYear..maxYear.
func checkDay(field string, d date.Date) error {
	if d == 0 {
		return nil
	}
	if y := d.Year(); y < minYear || y > maxYear {
		return &FieldError{Field: field, Value: d.String(), Reason: fmt.Sprintf("is outside the years %d to %d", minYear, maxYear)}
	}
	return nil
}

// checkLanguage refuses a language that is no BCP 47 tag.
func checkLanguage(field, lang string) error {
	if lang == "" {
		return nil
	}
	if _, err := language.Parse(lang); err != nil {
		return &FieldError{Field: field, Value: lang, Reason: "is not a BCP 47 language tag (like \"en\" or \"de-AT\")"}
	}
	return nil
}

// checkNumber refuses a decimal beyond money's bounds (see
// money.CheckBounds): at most 15 digits before the point and 18 after.
func checkNumber(field string, d decimal.Decimal) error {
	if err := money.CheckBounds(d); err != nil {
		return &FieldError{Field: field, Value: money.Short(d), Reason: err.Error()}
	}
	return nil
}

// checkAmount refuses an amount in currency c beyond the bounds or with
// more decimals than the currency's minor unit.
func checkAmount(field string, d decimal.Decimal, c Currency) error {
	if err := checkNumber(field, d); err != nil {
		return err
	}
	if err := (Money{Amount: d, Currency: c}).Validate(); err != nil {
		return &FieldError{Field: field, Value: d.String(), Reason: err.Error()}
	}
	return nil
}

// checkHold refuses a hold ending before it starts.
func checkHold(path string, h *Hold) error {
	if h == nil {
		return nil
	}
	if err := checkDay(path+".since", h.Since); err != nil {
		return err
	}
	if err := checkDay(path+".until", h.Until); err != nil {
		return err
	}
	if h.Until != 0 && h.Until < h.Since {
		return &FieldError{Field: path + ".until", Value: h.Until.String(), Reason: "is before the hold's start " + h.Since.String()}
	}
	return nil
}

// Validate checks the customer: an ID, a BCP 47 language, an IANA time
// zone and a well-formed hold.
func (c *Customer) Validate() error { return c.validate(nil) }

// validate is Validate with a cache of time zones already loaded (zone
// name to error) shared across one plan.
func (c *Customer) validate(zones map[string]error) error {
	if c.ID == "" {
		return &FieldError{Field: "customer.id", Value: "", Reason: "must not be empty"}
	}
	p := "customer[" + c.ID + "]"
	if err := checkLanguage(p+".language", c.Language); err != nil {
		return err
	}
	if c.TimeZone != "" {
		err, seen := zones[c.TimeZone]
		if !seen {
			_, err = c.Location()
			if zones != nil {
				zones[c.TimeZone] = err
			}
		}
		if err != nil {
			return &FieldError{Field: p + ".time_zone", Value: c.TimeZone, Reason: "is not an IANA time zone"}
		}
	}
	return checkHold(p+".hold", c.Hold)
}

// Validate checks the agreement: an ID, an ISO 4217 currency, terms, an
// effective date, grace between 0 and MaxGraceDays, and its charges.
func (a *Agreement) Validate() error {
	if a.ID == "" {
		return &FieldError{Field: "agreement.id", Value: "", Reason: "must not be empty"}
	}
	p := "agreement[" + a.ID + "]"
	switch {
	case a.Effective == 0:
		return &FieldError{Field: p + ".effective", Value: "", Reason: "must be set"}
	case a.GraceDays < 0 || a.GraceDays > MaxGraceDays:
		return &FieldError{Field: p + ".grace_days", Value: strconv.Itoa(a.GraceDays), Reason: fmt.Sprintf("must be between 0 and %d", MaxGraceDays)}
	}
	if _, err := money.ParseCurrency(string(a.Currency)); err != nil {
		return &FieldError{Field: p + ".currency", Value: string(a.Currency), Reason: "is not an ISO 4217 code"}
	}
	if err := checkDay(p+".effective", a.Effective); err != nil {
		return err
	}
	if _, err := a.Terms.DueDate(a.Effective); err != nil {
		if fe, ok := err.(*FieldError); ok {
			return &FieldError{Field: p + "." + fe.Field, Value: fe.Value, Reason: fe.Reason}
		}
		return err
	}
	if a.Charges != nil {
		return a.Charges.validate(p + ".charges")
	}
	return nil
}

// checkNumbers refuses out-of-bounds numbers in charges before anything
// compares them (a comparison rescales, which for 1e-50000000 takes
// minutes).
func (c *Charges) checkNumbers(path string) error {
	if c.Interest != nil {
		if err := checkNumber(path+".interest.rate", c.Interest.Rate); err != nil {
			return err
		}
	}
	for i, r := range c.Rates {
		if err := checkNumber(fmt.Sprintf("%s.rates[%d].percent", path, i), r.Percent); err != nil {
			return err
		}
	}
	return nil
}

// checkStatutory refuses a statutory regime without the rate table it
// reads: every regime is a reference rate plus a margin.
func (c *Charges) checkStatutory(path string) error {
	if c.Interest != nil && c.Interest.Regime != "" && len(c.Rates) == 0 {
		return &FieldError{Field: path + ".rates", Value: "[]", Reason: "statutory interest (regime " + string(c.Interest.Regime) + ") needs the reference-rate table"}
	}
	return nil
}

// checkPolicyNumbers refuses out-of-bounds numbers anywhere in the policy
// and charged amounts finer than their currency's minor unit (a fee of
// 1.005 EUR is refused, never rounded to 1.01). It runs before anything
// else in Validate compares a number.
func (p *Policy) checkPolicyNumbers() error {
	for c, v := range p.MinAmount {
		if err := checkCharged("policy.min_amount."+string(c), v, c); err != nil {
			return err
		}
	}
	for i := range p.Workflows {
		w := &p.Workflows[i]
		for j := range w.Steps {
			s := &w.Steps[j]
			path := fmt.Sprintf("policy.workflows[%d].steps[%d]", i, j)
			if err := checkNumber(path+".min_amount", s.MinAmount); err != nil {
				return err
			}
			if err := checkNumber(path+".min_share", s.MinShare); err != nil {
				return err
			}
			if f := s.Fee; f != nil {
				if err := checkNumber(path+".fee.percent", f.Percent); err != nil {
					return err
				}
				for _, m := range []struct {
					name string
					v    map[Currency]decimal.Decimal
				}{{"amounts", f.Amounts}, {"min", f.Min}, {"max", f.Max}} {
					for c, v := range m.v {
						if err := checkCharged(path+".fee."+m.name+"."+string(c), v, c); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

// checkCharged checks an amount the policy charges or compares in currency
// c: a known currency, within the bounds, not negative, and no finer than
// the currency's minor unit.
func checkCharged(field string, v decimal.Decimal, c Currency) error {
	if _, err := money.ParseCurrency(string(c)); err != nil {
		return &FieldError{Field: field, Value: string(c), Reason: "is not an ISO 4217 code"}
	}
	if err := money.CheckCharged(v, c); err != nil {
		return &FieldError{Field: field, Value: money.Short(v), Reason: err.Error()}
	}
	return nil
}

// checkWorkflowDays refuses offsets and gaps beyond MaxOffsetDays, and steps
// out of date order: a step that is surely earlier than a step listed before
// it (due+7 after due+14; issue+10 after due+10, since an invoice is never
// due before it is issued) would never fire, as the planner walks steps in
// order. Steps on different anchors that cannot be compared without an
// invoice (the agreement's date against the invoice's) are not refused.
func checkWorkflowDays(path string, w *Workflow) error {
	if w.MinGapDays > MaxOffsetDays {
		return &FieldError{Field: path + ".min_gap_days", Value: strconv.Itoa(w.MinGapDays), Reason: fmt.Sprintf("must be at most %d", MaxOffsetDays)}
	}
	for j := range w.Steps {
		s := &w.Steps[j]
		if s.At.Days > MaxOffsetDays || s.At.Days < -MaxOffsetDays {
			return &FieldError{Field: fmt.Sprintf("%s.steps[%d].at", path, j), Value: s.At.String(), Reason: fmt.Sprintf("must be within %d days of its anchor", MaxOffsetDays)}
		}
		for i := 0; i < j; i++ {
			e := &w.Steps[i]
			if surelyBefore(s.At, e.At) {
				return &FieldError{Field: fmt.Sprintf("%s.steps[%d].at", path, j), Value: s.At.String(),
					Reason: fmt.Sprintf("falls before step %q (%s) listed earlier: steps must be in date order", e.Name, e.At)}
			}
		}
	}
	return nil
}

// surelyBefore reports whether offset a falls before offset b for every
// invoice (issue <= due).
func surelyBefore(a, b schedule.Offset) bool {
	switch {
	case a.Anchor == b.Anchor:
		return a.Days < b.Days
	case a.Anchor == schedule.Issue && b.Anchor == schedule.Due:
		return a.Days < b.Days
	}
	return false
}

// checkSegmentLanguages refuses segment targets whose language is no BCP
// 47 tag: it would end up in the notices' Content-Language.
func (p *Policy) checkSegmentLanguages() error {
	if p.Segments == nil {
		return nil
	}
	if err := checkLanguage("policy.segments.default.language", p.Segments.Default.Language); err != nil {
		return err
	}
	for i, r := range p.Segments.Rules {
		if err := checkLanguage(fmt.Sprintf("policy.segments.rules[%d].language", i), r.Language); err != nil {
			return err
		}
	}
	return nil
}

// screen is one plan's validation of the portfolio.
type screen struct {
	asOf     func(*Customer) date.Date
	rejected []Action
	ex       *Explanation
}

func (s *screen) reject(key string, c *Customer, custID string, invs []string, err error) {
	a := Action{Key: key, Kind: Rejected, CustomerID: custID, InvoiceIDs: invs, Problem: err.Error(),
		Reason: "not planned: the record is invalid"}
	if c != nil {
		a.TimeZone = c.TimeZone
		a.Date = s.asOf(c)
	}
	s.rejected = append(s.rejected, a)
	if s.ex != nil {
		for _, id := range invs {
			if id == s.ex.InvoiceID {
				s.ex.Reason = "not planned: " + a.Problem
			}
		}
	}
}

// screenPortfolio validates every customer, agreement and invoice of p. It
// returns p without the records that fail (and without the invoices that
// depend on a failed customer or agreement), and one Rejected action per
// failed record. When nothing fails it returns p itself, allocating
// nothing per invoice.
func screenPortfolio(asOf func(*Customer) date.Date, p Portfolio, ex *Explanation) (Portfolio, []Action) {
	s := &screen{asOf: asOf, ex: ex}
	zones := map[string]error{}

	type custInfo struct {
		c     *Customer
		n     int // how many customers have the ID
		err   error
		invs  []string
		index int
	}
	custs := make(map[string]*custInfo, len(p.Customers))
	infos := make([]custInfo, len(p.Customers))
	for i := range p.Customers {
		c := &p.Customers[i]
		ci := &infos[i]
		ci.c, ci.index = c, i
		if prev, ok := custs[c.ID]; ok {
			prev.n++
			ci.n = prev.n
			continue
		}
		ci.n = 1
		custs[c.ID] = ci
	}
	bad := false
	for i := range infos {
		ci := &infos[i]
		switch first := custs[ci.c.ID]; {
		case first != ci:
			ci.err = &FieldError{Field: "customer[" + ci.c.ID + "].id", Value: ci.c.ID, Reason: "is used by an earlier customer"}
		case ci.n > 1:
			ci.err = &FieldError{Field: "customer[" + ci.c.ID + "].id", Value: ci.c.ID, Reason: fmt.Sprintf("is used by %d customers", ci.n)}
		default:
			ci.err = ci.c.validate(zones)
		}
		bad = bad || ci.err != nil
	}

	type agrInfo struct {
		a    *Agreement
		n    int
		err  error
		invs []string
	}
	agrs := make(map[string]*agrInfo, len(p.Agreements))
	ainfos := make([]agrInfo, len(p.Agreements))
	for i := range p.Agreements {
		a := &p.Agreements[i]
		ai := &ainfos[i]
		ai.a = a
		if prev, ok := agrs[a.ID]; ok {
			prev.n++
			ai.n = prev.n
			ai.err = &FieldError{Field: "agreement[" + a.ID + "].id", Value: a.ID, Reason: "is used by an earlier agreement"}
			continue
		}
		ai.n = 1
		agrs[a.ID] = ai
		ai.err = a.Validate()
	}
	for i := range ainfos {
		ai := &ainfos[i]
		if agrs[ai.a.ID] == ai && ai.n > 1 {
			ai.err = &FieldError{Field: "agreement[" + ai.a.ID + "].id", Value: ai.a.ID, Reason: fmt.Sprintf("is used by %d agreements", ai.n)}
		}
		bad = bad || ai.err != nil
	}

	// Invoices: their own fields, their customer and their agreement.
	invN := make(map[string]int, len(p.Invoices))
	for i := range p.Invoices {
		invN[p.Invoices[i].ID]++
	}
	keep := make([]bool, len(p.Invoices))
	seen := map[string]int{}
	for i := range p.Invoices {
		inv := &p.Invoices[i]
		ci := custs[inv.CustomerID]
		var c *Customer
		if ci != nil {
			c = ci.c
		}
		key := "rejected/invoice/" + esc(inv.CustomerID) + "/" + esc(inv.ID)
		if invN[inv.ID] > 1 {
			seen[inv.ID]++
			key += "/" + strconv.Itoa(seen[inv.ID])
		}
		if inv.ID == "" {
			key += "#" + strconv.Itoa(i)
		}
		err := inv.Validate()
		switch {
		case err != nil:
		case invN[inv.ID] > 1:
			err = &FieldError{Field: "invoice[" + inv.ID + "].id", Value: inv.ID, Reason: fmt.Sprintf("is used by %d invoices", invN[inv.ID])}
		case ci == nil:
			err = &FieldError{Field: "invoice[" + inv.ID + "].customer_id", Value: inv.CustomerID, Reason: "names no customer of the portfolio"}
		case ci.err != nil:
			ci.invs = append(ci.invs, inv.ID)
			continue
		case inv.AgreementID != "":
			ai := agrs[inv.AgreementID]
			switch {
			case ai == nil:
				err = &FieldError{Field: "invoice[" + inv.ID + "].agreement_id", Value: inv.AgreementID, Reason: "names no agreement of the portfolio"}
			case ai.err != nil:
				ai.invs = append(ai.invs, inv.ID)
				continue
			case ai.a.Currency != inv.Currency:
				err = &FieldError{Field: "invoice[" + inv.ID + "].currency", Value: string(inv.Currency), Reason: "differs from the currency " + string(ai.a.Currency) + " of agreement " + ai.a.ID}
			}
		}
		if err != nil {
			bad = true
			s.reject(key, c, inv.CustomerID, []string{inv.ID}, err)
			continue
		}
		keep[i] = true
	}
	if !bad {
		return p, nil
	}
	for i := range infos {
		ci := &infos[i]
		if ci.err == nil {
			continue
		}
		key := "rejected/customer/" + esc(ci.c.ID)
		if ci.c.ID == "" || custs[ci.c.ID].n > 1 {
			key += "#" + strconv.Itoa(ci.index)
		}
		invs := ci.invs
		if custs[ci.c.ID] != ci {
			invs = nil // the invoices are listed under the first customer of the ID
		}
		var c *Customer
		if ci.c.ID != "" {
			if _, err := ci.c.Location(); err == nil {
				c = ci.c
			}
		}
		s.reject(key, c, ci.c.ID, invs, ci.err)
	}
	for i := range ainfos {
		ai := &ainfos[i]
		if ai.err == nil {
			continue
		}
		key := "rejected/agreement/" + esc(ai.a.ID)
		if ai.a.ID == "" || agrs[ai.a.ID].n > 1 {
			key += "#" + strconv.Itoa(i)
		}
		invs := ai.invs
		if agrs[ai.a.ID] != ai {
			invs = nil
		}
		var c *Customer
		if ci := custs[ai.a.CustomerID]; ci != nil && ci.err == nil {
			c = ci.c
		}
		s.reject(key, c, ai.a.CustomerID, invs, ai.err)
	}
	out := p
	out.Customers = make([]Customer, 0, len(p.Customers))
	for i := range infos {
		if infos[i].err == nil {
			out.Customers = append(out.Customers, p.Customers[i])
		}
	}
	out.Agreements = make([]Agreement, 0, len(p.Agreements))
	for i := range ainfos {
		if ainfos[i].err == nil {
			out.Agreements = append(out.Agreements, p.Agreements[i])
		}
	}
	out.Invoices = make([]Invoice, 0, len(p.Invoices))
	for i := range p.Invoices {
		if keep[i] {
			out.Invoices = append(out.Invoices, p.Invoices[i])
		}
	}
	return out, s.rejected
}

// todayIn returns, per time zone of the customers, the civil date at now;
// zones that do not load are left out (Plan rejects their customers).
func todayIn(now time.Time, cs []Customer) map[string]date.Date {
	days := map[string]date.Date{}
	failed := map[string]bool{}
	for i := range cs {
		c := &cs[i]
		if _, ok := days[c.TimeZone]; ok || failed[c.TimeZone] {
			continue
		}
		if d, err := c.Today(now); err == nil {
			days[c.TimeZone] = d
		} else {
			failed[c.TimeZone] = true
		}
	}
	return days
}
