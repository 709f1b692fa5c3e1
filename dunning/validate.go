package dunning

import (
	"fmt"
	"hash/maphash"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
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

// minYear and maxYear bound every date in the records Plan reads; minDay
// and maxDay are 1900-01-01 and 9999-12-31 as date.Date day numbers
// (TestDayBounds checks them), so the check is two comparisons.
const (
	minYear, maxYear = 1900, 9999
	minDay, maxDay   = date.Date(693595), date.Date(3652058)
)

// loc names a field for an error, built only when there is one: the
// checks run on every invoice of every plan and must not allocate.
// String gives rec[id].field followed by sub, or field and sub alone when
// rec is empty. When indexed, field is a format with one %d for i; only
// constant formats go there, never data (an ID or a name may hold a %).
type loc struct {
	rec, id, field, sub string
	i                   int
	indexed             bool
}

func (l loc) String() string {
	f := l.field
	if l.indexed {
		f = fmt.Sprintf(f, l.i)
	}
	if l.rec != "" {
		f = l.rec + "[" + l.id + "]." + f
	}
	return f + l.sub
}

func (l loc) with(sub string) loc { l.sub += sub; return l }

func (l loc) err(value, reason string) error {
	return &FieldError{Field: l.String(), Value: value, Reason: reason}
}

// dayOK reports whether d is unset or within the years minYear..maxYear.
func dayOK(d date.Date) bool { return d == 0 || d >= minDay && d <= maxDay }

// checkDay refuses a set date outside the years minYear..maxYear.
func checkDay(l loc, d date.Date) error {
	if !dayOK(d) {
		return l.err(d.String(), fmt.Sprintf("is outside the years %d to %d", minYear, maxYear))
	}
	return nil
}

// checkLanguage refuses a language that is no BCP 47 tag.
func checkLanguage(l loc, lang string) error {
	if lang == "" {
		return nil
	}
	if _, err := language.Parse(lang); err != nil {
		return l.err(lang, "is not a BCP 47 language tag (like \"en\" or \"de-AT\")")
	}
	return nil
}

// checkNumber refuses a decimal beyond money's bounds (see
// money.CheckBounds): at most 15 digits before the point and 18 after.
func checkNumber(l loc, d decimal.Decimal) error {
	if err := money.CheckBounds(d); err != nil {
		return l.err(money.Short(d), err.Error())
	}
	return nil
}

// amountOK reports whether checkAmount accepts d in c, without building
// its error: within the bounds and in a known currency's minor unit.
func amountOK(d decimal.Decimal, c Currency) bool {
	u, ok := c.MinorUnits()
	return ok && amountFits(d, u)
}

// amountFits is amountOK for a known currency of u minor units.
func amountFits(d decimal.Decimal, u int32) bool {
	return d.Exponent() >= -u && money.CheckBounds(d) == nil
}

// checkAmount refuses an amount in currency c beyond the bounds or with
// more decimals than the currency's minor unit.
func checkAmount(l loc, d decimal.Decimal, c Currency) error {
	if amountOK(d, c) {
		return nil
	}
	if err := checkNumber(l, d); err != nil {
		return err
	}
	if err := (Money{Amount: d, Currency: c}).Validate(); err != nil {
		return l.err(d.String(), err.Error())
	}
	return nil
}

// checkHold refuses a hold ending before it starts; l names the hold.
func checkHold(l loc, h *Hold) error {
	if h == nil {
		return nil
	}
	if err := checkDay(l.with(".since"), h.Since); err != nil {
		return err
	}
	if err := checkDay(l.with(".until"), h.Until); err != nil {
		return err
	}
	if h.Until != 0 && h.Until < h.Since {
		return l.with(".until").err(h.Until.String(), "is before the hold's start "+h.Since.String())
	}
	return nil
}

// Validate checks the customer: an ID, a BCP 47 language, an IANA time
// zone, a well-formed hold, and an ID (shown as the customer number), a
// name, a country and contacts (name, role, email, phone, each address
// line) that are each one line of text: no control character (a line
// break, a tab, NUL, ESC, DEL, C1), no U+2028/U+2029, no bidirectional
// override, valid UTF-8 (see notice.LineProblem).
func (c *Customer) Validate() error { return c.validate(nil) }

// checked remembers, for one plan, which languages and time zones were
// found good, since customers share a few of each.
type checked struct {
	langs, zones map[string]bool
}

// validate is Validate with a cache (nil: none) shared across one plan.
func (c *Customer) validate(ck *checked) error {
	if c.ID == "" {
		return &FieldError{Field: "customer.id", Value: "", Reason: "must not be empty"}
	}
	if why := notice.LineProblem(c.ID); why != "" {
		// Not customer[<id>].id: the ID is what is wrong with it.
		return &FieldError{Field: "customer.id", Value: quoteBad(c.ID), Reason: why}
	}
	l := loc{rec: "customer", id: c.ID}
	if err := c.checkLines(l); err != nil {
		return err
	}
	if ck == nil || !ck.langs[c.Language] {
		if err := checkLanguage(l.with("language"), c.Language); err != nil {
			return err
		}
		if ck != nil {
			ck.langs[c.Language] = true
		}
	}
	if c.TimeZone != "" && (ck == nil || !ck.zones[c.TimeZone]) {
		_, err := c.Location()
		if err == nil && ck != nil {
			ck.zones[c.TimeZone] = true
		}
		if err != nil {
			return l.with("time_zone").err(c.TimeZone, "is not an IANA time zone")
		}
	}
	if err := checkAttrNumbers(l, c.Attributes); err != nil {
		return err
	}
	return checkHold(l.with("hold"), c.Hold)
}

// checkLine refuses text a notice shows on one line that
// notice.LineProblem refuses: a line break (the data would start lines of
// its own, a forged "Total due: EUR 0.00" among them), another control
// character (NUL, which PostgreSQL cannot keep; ESC, which drives a
// terminal; a tab), U+2028/U+2029, a bidirectional override, invalid
// UTF-8. Such text is refused, never cleaned: a name or number changed by
// the library would no longer be the one the app and the customer know.
func checkLine(l loc, s string) error {
	if why := notice.LineProblem(s); why != "" {
		return l.err(quoteBad(s), why)
	}
	return nil
}

// checkLineAt is checkLine for element j of a list l names.
func checkLineAt(l loc, j int, s string) error {
	if notice.LineProblem(s) == "" { // the name only for an error
		return nil
	}
	return checkLine(l.with("["+strconv.Itoa(j)+"]"), s)
}

// checkLines checks the customer's texts a notice shows (checkLine).
func (c *Customer) checkLines(l loc) error {
	if err := checkLine(l.with("name"), c.Name); err != nil {
		return err
	}
	if err := checkLine(l.with("country"), c.Country); err != nil {
		return err
	}
	for i := range c.Contacts {
		k := &c.Contacts[i]
		at := func(f string) loc {
			return loc{rec: "customer", id: c.ID, field: "contacts[%d]." + f, i: i, indexed: true}
		}
		for _, f := range [...]struct{ name, v string }{{"name", k.Name}, {"role", k.Role}, {"email", k.Email}, {"phone", k.Phone}} {
			if err := checkLine(at(f.name), f.v); err != nil {
				return err
			}
		}
		for j, a := range k.Address {
			if err := checkLineAt(at("address"), j, a); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkLines checks the invoice's texts a notice or a statement shows:
// its number, each line's description (joined with "; " on the notice's
// one line for the invoice, so a line break in it forges lines as in a
// name) and the references of its payments and credits (checkLine).
func (inv *Invoice) checkLines() error {
	li := func(field string, i int) loc {
		return loc{rec: "invoice", id: inv.ID, field: field, i: i, indexed: true}
	}
	if err := checkLine(loc{rec: "invoice", id: inv.ID, field: "number"}, inv.Number); err != nil {
		return err
	}
	for i := range inv.Lines {
		if err := checkLine(li("lines[%d].description", i), inv.Lines[i].Description); err != nil {
			return err
		}
	}
	for i := range inv.Payments {
		if err := checkLine(li("payments[%d].ref", i), inv.Payments[i].Ref); err != nil {
			return err
		}
	}
	for i := range inv.Credits {
		if err := checkLine(li("credits[%d].ref", i), inv.Credits[i].Ref); err != nil {
			return err
		}
	}
	return nil
}

// check refuses payment instructions whose texts a notice cannot show:
// Text and the ByLanguage texts may run over several lines (a line feed;
// see notice.TextProblem), the language tags, options, IBAN, BIC and URL
// are one line each (checkLine). Options or a BIC with no text, IBAN or URL
// are refused too: they name a way to pay, not where, so every notice
// would lack the instructions (and a BIC alone would be dropped for the
// policy's). l names the instructions ("payment").
func (pi *PaymentInstructions) check(l loc) error {
	if !pi.saysWhere() && (len(pi.Options) > 0 || pi.BIC != "") {
		f, v := ".options", strings.Join(pi.Options, ", ")
		if len(pi.Options) == 0 {
			f, v = ".bic", pi.BIC
		}
		return l.with(f).err(quoteBad(v), "says how to pay but not where: give a text, an IBAN or a URL too")
	}
	if why := notice.TextProblem(pi.Text); why != "" {
		return l.with(".text").err(quoteBad(pi.Text), why)
	}
	bad, found := "", false // of several, the first by tag, so the error is the same on every run
	for lang, t := range pi.ByLanguage {
		if (notice.LineProblem(lang) != "" || notice.TextProblem(t) != "") && (!found || lang < bad) {
			bad, found = lang, true
		}
	}
	if found {
		if why := notice.LineProblem(bad); why != "" {
			return l.with(".by_language").err(quoteBad(bad), why)
		}
		return l.with(".by_language."+bad).err(quoteBad(pi.ByLanguage[bad]), notice.TextProblem(pi.ByLanguage[bad]))
	}
	for i, o := range pi.Options {
		if err := checkLineAt(l.with(".options"), i, o); err != nil {
			return err
		}
	}
	for _, f := range [...]struct{ name, v string }{{".iban", pi.IBAN}, {".bic", pi.BIC}, {".url", pi.URL}} {
		if err := checkLine(l.with(f.name), f.v); err != nil {
			return err
		}
	}
	return nil
}

// checkAttrNumbers refuses number attributes beyond money's bounds (the
// segment rules compare them, and a comparison rescales); of several, the
// first by name, so the error is the same on every run.
func checkAttrNumbers(l loc, attrs segment.Attrs) error {
	bad := ""
	for k, v := range attrs {
		if v.Kind() == segment.KindNumber && money.CheckBounds(v.Num()) != nil && (bad == "" || k < bad) {
			bad = k
		}
	}
	if bad == "" {
		return nil
	}
	return checkNumber(l.with("attributes."+bad), attrs[bad].Num())
}

// checkRuleNumbers refuses number values beyond money's bounds in the
// segment rules' conditions.
func checkRuleNumbers(path string, c *segment.Cond) error {
	if c.Value != nil && c.Value.Kind() == segment.KindNumber {
		if err := checkNumber(loc{field: path + ".value"}, c.Value.Num()); err != nil {
			return err
		}
	}
	for i, v := range c.Values {
		if v.Kind() == segment.KindNumber {
			if err := checkNumber(loc{field: fmt.Sprintf("%s.values[%d]", path, i)}, v.Num()); err != nil {
				return err
			}
		}
	}
	for i := range c.All {
		if err := checkRuleNumbers(fmt.Sprintf("%s.all[%d]", path, i), &c.All[i]); err != nil {
			return err
		}
	}
	for i := range c.Any {
		if err := checkRuleNumbers(fmt.Sprintf("%s.any[%d]", path, i), &c.Any[i]); err != nil {
			return err
		}
	}
	if c.Not != nil {
		return checkRuleNumbers(path+".not", c.Not)
	}
	return nil
}

// Validate checks the agreement: an ID, an ISO 4217 currency, terms, an
// effective date, grace between 0 and MaxGraceDays, its charges, and a
// reference and payment instructions a notice can show (one line each;
// the instructions' texts may hold line feeds, no other control
// character; see notice.LineProblem and notice.TextProblem).
func (a *Agreement) Validate() error {
	if a.ID == "" {
		return &FieldError{Field: "agreement.id", Value: "", Reason: "must not be empty"}
	}
	l := loc{rec: "agreement", id: a.ID}
	switch {
	case a.Effective == 0:
		return l.with("effective").err("", "must be set")
	case a.GraceDays < 0 || a.GraceDays > MaxGraceDays:
		return l.with("grace_days").err(strconv.Itoa(a.GraceDays), fmt.Sprintf("must be between 0 and %d", MaxGraceDays))
	}
	if _, err := money.ParseCurrency(string(a.Currency)); err != nil {
		return l.with("currency").err(string(a.Currency), "is not an ISO 4217 code")
	}
	if err := checkDay(l.with("effective"), a.Effective); err != nil {
		return err
	}
	if err := checkLine(l.with("reference"), a.Reference); err != nil {
		return err
	}
	if err := a.Payment.check(l.with("payment")); err != nil {
		return err
	}
	if _, err := a.Terms.DueDate(a.Effective); err != nil {
		if fe, ok := err.(*FieldError); ok {
			return l.with(fe.Field).err(fe.Value, fe.Reason)
		}
		return err
	}
	if a.Charges != nil {
		return a.Charges.validate(l.with("charges").String())
	}
	return nil
}

// checkNumbers refuses out-of-bounds numbers in charges before anything
// compares them (a comparison rescales, which for 1e-50000000 takes
// minutes).
func (c *Charges) checkNumbers(path string) error {
	if c.Interest != nil {
		if err := checkNumber(loc{field: path + ".interest.rate"}, c.Interest.Rate); err != nil {
			return err
		}
	}
	for i, r := range c.Rates {
		if err := checkNumber(loc{field: fmt.Sprintf("%s.rates[%d].percent", path, i)}, r.Percent); err != nil {
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
	// Every map in key order: the same policy always gets the same error.
	for _, c := range slices.Sorted(maps.Keys(p.MinAmount)) {
		if err := checkCharged("min_amount."+string(c), p.MinAmount[c], c); err != nil {
			return err
		}
	}
	for i := range p.Workflows {
		w := &p.Workflows[i]
		for j := range w.Steps {
			s := &w.Steps[j]
			path := fmt.Sprintf("workflows[%d].steps[%d]", i, j)
			for _, c := range slices.Sorted(maps.Keys(s.MinAmount)) {
				if err := checkCharged(path+".min_amount."+string(c), s.MinAmount[c], c); err != nil {
					return err
				}
			}
			if err := checkNumber(loc{field: path + ".min_share"}, s.MinShare); err != nil {
				return err
			}
			if f := s.Fee; f != nil {
				if err := checkNumber(loc{field: path + ".fee.percent"}, f.Percent); err != nil {
					return err
				}
				for _, m := range []struct {
					name string
					v    map[Currency]decimal.Decimal
				}{{"amounts", f.Amounts}, {"min", f.Min}, {"max", f.Max}} {
					for _, c := range slices.Sorted(maps.Keys(m.v)) {
						if err := checkCharged(path+".fee."+m.name+"."+string(c), m.v[c], c); err != nil {
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

// checkSegments refuses segment targets whose language is no BCP 47 tag
// (it would end up in the notices' Content-Language) and rule values beyond
// money's bounds; it runs before the rule set's own Validate compares any.
func (p *Policy) checkSegments() error {
	if p.Segments == nil {
		return nil
	}
	if err := checkLanguage(loc{field: "segments.default.language"}, p.Segments.Default.Language); err != nil {
		return err
	}
	for i, r := range p.Segments.Rules {
		if err := checkLanguage(loc{field: "segments.rules[%d].language", i: i, indexed: true}, r.Language); err != nil {
			return err
		}
		if err := checkRuleNumbers(fmt.Sprintf("segments.rules[%d].when", i), &p.Segments.Rules[i].When); err != nil {
			return err
		}
	}
	return nil
}

// warmBlock is how many invoices screenPortfolio warms at a time.
const warmBlock = 128

// screen is one plan's validation of the portfolio.
type screen struct {
	warmth   byte
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

// recState is what screening found for one customer or agreement.
type recState struct {
	n    int32    // records with this ID (on the first one)
	err  error    // why the record is rejected
	invs []string // invoices left unplanned because of it
}

// portfolioIndex is what screening learnt of a portfolio in which nothing
// failed: each customer's index by ID, and each invoice's customer index.
// Plan groups the invoices by it instead of looking every customer ID up a
// second time.
type portfolioIndex struct {
	cust  map[string]int32
	owner []int32
	// schedules: some invoice has a Schedule (else instalments need no
	// pass of their own over the invoices: screenInstalments,
	// expandInstalments).
	schedules bool
}

// screenPortfolio validates every customer, agreement and invoice of p. It
// returns p without the records that fail (and without the invoices that
// depend on a failed customer or agreement), and one Rejected action per
// failed record. When nothing fails it returns p itself and its index; the
// work per invoice is a few map lookups and allocates nothing.
//
// each, when not nil, is called with the index of every invoice that
// passes (and the index of its customer) right after the invoice's
// checks, while its fields are still in the processor's cache: Plan
// screens the invoice's day there (screenDay) instead of reading the
// invoice again in a pass of its own.
//
// The customers are checked in custParts contiguous parts, then the
// invoices in workers parts (<= 1: one, on the calling goroutine; see
// fanOut). each is called with the part k, in
// 0..workers-1, from that part's goroutine, for the part's invoices in
// their order. What a failed invoice leaves (its rejection, the invoices
// a rejected customer or agreement leaves unplanned) is done after, in the
// invoices' order, so the result does not depend on workers.
func screenPortfolio(asOf func(*Customer) date.Date, p Portfolio, ex *Explanation, custParts, workers int, each func(k, i int, ci int32)) (Portfolio, []Action, *portfolioIndex) {
	s := &screen{asOf: asOf, ex: ex}
	bad := false

	cust := make(map[string]int32, len(p.Customers)) // ID -> first index
	cs := make([]recState, len(p.Customers))
	for i := range p.Customers {
		if j, ok := cust[p.Customers[i].ID]; ok {
			cs[j].n++
			cs[i].err = loc{rec: "customer", id: p.Customers[i].ID, field: "id"}.err(p.Customers[i].ID, "is used by an earlier customer")
			continue
		}
		cust[p.Customers[i].ID] = int32(i)
		cs[i].n = 1
	}
	// The customers' checks change nothing and depend on nothing but the
	// customer: in parts as the invoices' below, each with its own cache
	// of the languages and zones it has seen.
	cbounds := partBounds(len(p.Customers), custParts)
	raise(fanOut(len(cbounds)-1, func(k int) {
		ck := &checked{langs: map[string]bool{}, zones: map[string]bool{}}
		for i := cbounds[k]; i < cbounds[k+1]; i++ {
			c := &p.Customers[i]
			switch {
			case cs[i].err != nil:
			case cs[i].n > 1:
				cs[i].err = loc{rec: "customer", id: c.ID, field: "id"}.err(c.ID, fmt.Sprintf("is used by %d customers", cs[i].n))
			default:
				cs[i].err = c.validate(ck)
			}
		}
	}))
	for i := range cs {
		bad = bad || cs[i].err != nil
	}

	agr := make(map[string]int32, len(p.Agreements))
	as := make([]recState, len(p.Agreements))
	for i := range p.Agreements {
		a := &p.Agreements[i]
		if j, ok := agr[a.ID]; ok {
			as[j].n++
			as[i].err = loc{rec: "agreement", id: a.ID, field: "id"}.err(a.ID, "is used by an earlier agreement")
			continue
		}
		agr[a.ID] = int32(i)
		as[i].n = 1
	}
	for i := range p.Agreements {
		switch {
		case as[i].err != nil:
		case as[i].n > 1:
			as[i].err = loc{rec: "agreement", id: p.Agreements[i].ID, field: "id"}.err(p.Agreements[i].ID, fmt.Sprintf("is used by %d agreements", as[i].n))
		default:
			as[i].err = p.Agreements[i].Validate()
		}
		bad = bad || as[i].err != nil
	}

	var drop []bool // invoices not planned; allocated at the first one
	dropInv := func(i int) {
		if drop == nil {
			drop = make([]bool, len(p.Invoices))
		}
		drop[i] = true
		bad = true
	}
	seen := map[string]int{}
	// The customers first, in a loop of lookups alone: they are
	// independent, so the processor overlaps their cache misses, which a
	// loop that validates each invoice in between would wait for one by
	// one (-1: no such customer). The same loop hashes the invoice IDs
	// for duplicateIDs: an ID lies beside its customer's ID in memory.
	owner := make([]int32, len(p.Invoices))
	seed := maphash.MakeSeed()
	hs := make([]uint64, len(p.Invoices))
	scratch := make([]uint64, len(p.Invoices)) // the sorts' and merges'
	bounds := partBounds(len(p.Invoices), workers)
	parts := len(bounds) - 1
	warmths := make([]byte, parts)
	raise(fanOut(parts, func(k int) {
		var warmth byte
		for lo := bounds[k]; lo < bounds[k+1]; lo += warmBlock {
			hi := min(lo+warmBlock, bounds[k+1])
			for i := lo; i < hi; i++ {
				warmth += head(p.Invoices[i].CustomerID) + head(p.Invoices[i].ID)
			}
			for i := lo; i < hi; i++ {
				inv := &p.Invoices[i]
				ci, ok := cust[inv.CustomerID]
				if !ok {
					ci = -1
				}
				owner[i] = ci
				hs[i] = maphash.String(seed, inv.ID)
			}
		}
		warmths[k] = warmth
		// Each part sorts its own hashes: duplicateIDs merges the runs.
		radixSortWith(hs[bounds[k]:bounds[k+1]], scratch[bounds[k]:bounds[k+1]])
	}))
	for _, w := range warmths {
		s.warmth += w
	}
	dups := duplicateIDs(p.Invoices, seed, hs, scratch, bounds)
	// The checks of each invoice, which change nothing: the failures of
	// each part are kept, in order, for the loop after.
	type failure struct {
		i          int
		err        error
		cust, agrm int32 // the rejected customer or agreement it belongs to (-1: none)
	}
	failed := make([][]failure, parts)
	scheduled := make([]bool, parts)
	raise(fanOut(parts, func(k int) {
		for i := bounds[k]; i < bounds[k+1]; i++ {
			inv := &p.Invoices[i]
			ci := owner[i]
			scheduled[k] = scheduled[k] || len(inv.Schedule) > 0
			f := failure{i: i, err: inv.Validate(), cust: -1, agrm: -1}
			switch {
			case f.err != nil:
			case dups[inv.ID] > 1:
				f.err = loc{rec: "invoice", id: inv.ID, field: "id"}.err(inv.ID, fmt.Sprintf("is used by %d invoices", dups[inv.ID]))
			case ci < 0:
				f.err = loc{rec: "invoice", id: inv.ID, field: "customer_id"}.err(inv.CustomerID, "names no customer of the portfolio")
			case cs[ci].err != nil:
				f.cust = ci
			case inv.AgreementID != "":
				ai, ok := agr[inv.AgreementID]
				switch {
				case !ok:
					f.err = loc{rec: "invoice", id: inv.ID, field: "agreement_id"}.err(inv.AgreementID, "names no agreement of the portfolio")
				case as[ai].err != nil:
					f.agrm = ai
				case p.Agreements[ai].Currency != inv.Currency:
					f.err = loc{rec: "invoice", id: inv.ID, field: "currency"}.err(string(inv.Currency), "differs from the currency "+string(p.Agreements[ai].Currency)+" of agreement "+inv.AgreementID)
				}
			}
			if f.err == nil && f.cust < 0 && f.agrm < 0 {
				if each != nil {
					each(k, i, ci)
				}
				continue
			}
			failed[k] = append(failed[k], f)
		}
	}))
	for _, fs := range failed {
		for _, f := range fs {
			i, inv, ci := f.i, &p.Invoices[f.i], owner[f.i]
			switch {
			case f.cust >= 0:
				cs[f.cust].invs = append(cs[f.cust].invs, inv.ID)
				dropInv(i)
				continue
			case f.agrm >= 0:
				as[f.agrm].invs = append(as[f.agrm].invs, inv.ID)
				dropInv(i)
				continue
			}
			dropInv(i)
			key := "rejected/invoice/" + esc(inv.CustomerID) + "/" + esc(inv.ID)
			if dups[inv.ID] > 1 {
				seen[inv.ID]++
				key += "/" + strconv.Itoa(seen[inv.ID])
			}
			if inv.ID == "" {
				key += "#" + strconv.Itoa(i)
			}
			var c *Customer
			if ci >= 0 {
				c = &p.Customers[ci]
			}
			s.reject(key, c, inv.CustomerID, []string{inv.ID}, f.err)
		}
	}
	if !bad {
		return p, nil, &portfolioIndex{cust: cust, owner: owner, schedules: slices.Contains(scheduled, true)}
	}
	for i := range p.Customers {
		c := &p.Customers[i]
		if cs[i].err == nil {
			continue
		}
		key := "rejected/customer/" + esc(c.ID)
		if c.ID == "" || cs[cust[c.ID]].n > 1 {
			key += "#" + strconv.Itoa(i)
		}
		s.reject(key, c, c.ID, cs[i].invs, cs[i].err)
	}
	for i := range p.Agreements {
		a := &p.Agreements[i]
		if as[i].err == nil {
			continue
		}
		key := "rejected/agreement/" + esc(a.ID)
		if a.ID == "" || as[agr[a.ID]].n > 1 {
			key += "#" + strconv.Itoa(i)
		}
		var c *Customer
		if ci, ok := cust[a.CustomerID]; ok && cs[ci].err == nil {
			c = &p.Customers[ci]
		}
		s.reject(key, c, a.CustomerID, as[i].invs, as[i].err)
	}
	out := p
	out.Customers = make([]Customer, 0, len(p.Customers))
	for i := range p.Customers {
		if cs[i].err == nil {
			out.Customers = append(out.Customers, p.Customers[i])
		}
	}
	out.Agreements = make([]Agreement, 0, len(p.Agreements))
	for i := range p.Agreements {
		if as[i].err == nil {
			out.Agreements = append(out.Agreements, p.Agreements[i])
		}
	}
	out.Invoices = make([]Invoice, 0, len(p.Invoices))
	for i := range p.Invoices {
		if drop == nil || !drop[i] {
			out.Invoices = append(out.Invoices, p.Invoices[i])
		}
	}
	return out, s.rejected, nil
}

// duplicateIDs returns, for each invoice ID that more than one invoice
// carries, how many do (nil when none: the common case). Progress and
// events are kept per invoice ID, so IDs must be unique. hs holds the
// 64-bit hashes of the IDs with seed (a few megabytes for a million
// invoices, far less than a map of the strings), sorted within each run
// hs[bounds[k]:bounds[k+1]] (each part of screening sorts its own, at once);
// duplicateIDs merges the runs and counts the strings only for hashes that
// repeat. scratch, as long as hs, is the merges' (mergeRuns).
func duplicateIDs(invs []Invoice, seed maphash.Seed, hs, scratch []uint64, bounds []int) map[string]int {
	hs = mergeRuns(hs, scratch, bounds)
	var repeated map[uint64]bool
	for i := 1; i < len(hs); i++ {
		if hs[i] == hs[i-1] {
			if repeated == nil {
				repeated = map[uint64]bool{}
			}
			repeated[hs[i]] = true
		}
	}
	if repeated == nil {
		return nil
	}
	count := map[string]int{}
	for i := range invs {
		if repeated[maphash.String(seed, invs[i].ID)] {
			count[invs[i].ID]++
		}
	}
	for id, n := range count {
		if n < 2 {
			delete(count, id) // a hash collision of different IDs
		}
	}
	if len(count) == 0 {
		return nil
	}
	return count
}

// mergeRuns returns the values of hs in order, hs being sorted within each
// run hs[bounds[k]:bounds[k+1]]: pairs of neighbouring runs merged at once
// (fanOut) into scratch (as long as hs) and back, round by round, until one
// run is left. It returns hs or scratch, and may leave either reordered.
func mergeRuns(hs, scratch []uint64, bounds []int) []uint64 {
	if len(bounds) <= 2 {
		return hs
	}
	src, dst := hs, scratch
	for len(bounds) > 2 {
		runs := len(bounds) - 1
		raise(fanOut((runs+1)/2, func(k int) {
			lo, mid, hi := bounds[2*k], bounds[min(2*k+1, runs)], bounds[min(2*k+2, runs)]
			mergeTwo(dst[lo:hi], src[lo:mid], src[mid:hi])
		}))
		next := make([]int, 0, runs/2+2)
		for k := 0; k < runs; k += 2 {
			next = append(next, bounds[k])
		}
		bounds = append(next, bounds[runs])
		src, dst = dst, src
	}
	return src
}

// mergeTwo merges the sorted a and b into out (len(a)+len(b) long).
func mergeTwo(out, a, b []uint64) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if b[j] < a[i] {
			out[k] = b[j]
			j++
		} else {
			out[k] = a[i]
			i++
		}
		k++
	}
	k += copy(out[k:], a[i:])
	copy(out[k:], b[j:])
}

// radixSort sorts hs in eight passes of one byte each (least significant
// first) through one scratch slice: linear in len(hs), where a comparison
// sort of a million hashes is the largest single cost of screening a
// portfolio. A pass whose byte is the same for every hash is skipped.
func radixSort(hs []uint64) { radixSortWith(hs, make([]uint64, len(hs))) }

// radixSortWith is radixSort through scratch, as long as hs.
func radixSortWith(hs, scratch []uint64) {
	if len(hs) < 256 {
		slices.Sort(hs)
		return
	}
	src, dst := hs, scratch
	for shift := uint(0); shift < 64; shift += 8 {
		var count [257]int
		for _, h := range src {
			count[(h>>shift)&0xff+1]++
		}
		if count[(src[0]>>shift)&0xff+1] == len(src) {
			continue
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, h := range src {
			b := (h >> shift) & 0xff
			dst[count[b]] = h
			count[b]++
		}
		src, dst = dst, src
	}
	if &src[0] != &hs[0] {
		copy(hs, src)
	}
}

// todayIn returns, per time zone of the customers, the civil date at now.
// A zone that does not load gets the UTC date: its customers are rejected
// by the validation, and their Rejected action is dated that day.
func todayIn(now time.Time, cs []Customer) map[string]date.Date {
	days := map[string]date.Date{}
	for i := range cs {
		c := &cs[i]
		if _, ok := days[c.TimeZone]; ok {
			continue
		}
		if d, err := c.Today(now); err == nil {
			days[c.TimeZone] = d
		} else {
			days[c.TimeZone] = date.NewAt(now.UTC())
		}
	}
	return days
}
