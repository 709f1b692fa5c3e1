package dunning

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// StatementRequest asks for a statement of account of one customer in one
// currency over From..To (both days included).
type StatementRequest struct {
	CustomerID string
	Currency   Currency
	From, To   date.Date
	// Language of the texts ("" the customer's, else English); a language
	// other than English or German gets English.
	Language string
	// Date is the statement's date (zero: To).
	Date date.Date
}

// Statement builds the statement of account of r.CustomerID from the
// portfolio, with the same balance definition as the notices: an invoice
// with a Schedule shows as one open item per instalment (Parts), unapplied
// payments and credits are entries of their own and are deducted from the
// open items. Invoices written off by r.To are left out with their payments
// and credits (they are no longer claimed).
//
//	Opening = invoices issued before From - payments, credits and unapplied
//	          money dated before From
//	Closing = Opening + invoices issued in From..To - payments, credits and
//	          unapplied money dated in From..To
//	        = the open items at To - the unapplied money held at To
//
// Aging buckets the open items by days overdue at To: not yet due, 1-30,
// 31-60, 61-90, more than 90. The statement is validated and rendered
// with the policy's templates (Set.RenderStatement: the template set's
// StatementOfAccount template for its language, else the built-in English
// or German texts) before it is returned.
//
// The statement lists what the portfolio holds: the closing balance and
// the open items are right when every open invoice of the customer is in
// it (as Plan needs anyway), but an invoice paid in the period appears
// among the entries only when the portfolio carries it. An app that passes
// Plan its open invoices only passes the period's paid ones too, for the
// statement steps and Policy.Statements, or the statement lists fewer
// movements than happened (its figures still reconcile).
func (p *Policy) Statement(pf Portfolio, r StatementRequest) (*notice.Statement, error) {
	var c *Customer
	for i := range pf.Customers {
		if pf.Customers[i].ID == r.CustomerID {
			c = &pf.Customers[i]
		}
	}
	if c == nil {
		return nil, fmt.Errorf("%w: customer %q", ErrNotFound, r.CustomerID)
	}
	if r.From == 0 || r.To < r.From {
		return nil, &FieldError{Field: "statement.to", Value: r.To.String(), Reason: "must be set and not before from " + r.From.String()}
	}
	if _, err := money.ParseCurrency(string(r.Currency)); err != nil {
		return nil, &FieldError{Field: "statement.currency", Value: string(r.Currency), Reason: "is not an ISO 4217 code"}
	}
	invs := make([]*Invoice, 0, len(pf.Invoices))
	for i := range pf.Invoices {
		invs = append(invs, &pf.Invoices[i])
	}
	s := p.statement(c, invs, pf.Unapplied, r, notice.NumberFor("statement/"+esc(c.ID)+"/"+string(r.Currency)+"/"+r.From.String()+"/"+r.To.String()))
	if len(c.Contacts) > 0 {
		s.Debtor.Email, s.Debtor.Address = c.Contacts[0].Email, c.Contacts[0].Address
	}
	if err := p.templates().RenderStatement(s); err != nil {
		return nil, err
	}
	return s, nil
}

// statement builds (does not render) the statement of account of customer
// c that r asks for, from the invoices and unapplied money given (those of
// other customers and currencies are passed over), with the reference
// number given.
func (p *Policy) statement(c *Customer, invs []*Invoice, unapplied []Unapplied, r StatementRequest, number string) *notice.Statement {
	places := p.places(r.Currency)
	lang := cmp.Or(r.Language, c.Language, "en")
	if base, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(lang, "_", "-")), "-"); base != "en" && base != "de" {
		lang = "en" // the statement texts are English and German: one language per document
	}
	s := &notice.Statement{
		Number: number, Date: cmp.Or(r.Date, r.To), From: r.From, To: r.To, Language: lang, Creditor: p.Creditor,
		Debtor:   notice.Party{Name: c.Name, Reference: c.ID, Kind: c.kind(), Country: c.Country},
		Currency: string(r.Currency), MinorUnits: places,
	}
	var entries []notice.StatementEntry
	opening := decimal.Zero
	move := func(d date.Date, kind, ref string, debit, credit decimal.Decimal) {
		if d < r.From {
			opening = opening.Add(debit).Sub(credit)
		} else if d <= r.To {
			entries = append(entries, notice.StatementEntry{Date: d, Kind: kind, Reference: ref, Debit: debit, Credit: credit})
		}
	}
	var items []notice.Line
	for _, inv := range invs {
		if inv.CustomerID != c.ID || inv.Currency != r.Currency || inv.Issued > r.To || inv.WrittenOff != 0 && inv.WrittenOff <= r.To {
			continue
		}
		move(inv.Issued, "invoice", inv.Number, inv.Amount, decimal.Zero)
		for _, pay := range inv.Payments {
			move(pay.Date, "payment", cmp.Or(pay.Ref, inv.Number), decimal.Zero, pay.Amount)
		}
		for _, cr := range inv.Credits {
			move(cr.Date, "credit", cmp.Or(cr.Ref, inv.Number), decimal.Zero, cr.Amount)
		}
		parts := []Invoice{*inv}
		if len(inv.Schedule) > 0 {
			parts = inv.Parts()
		}
		for k := range parts {
			pt := &parts[k]
			o := pt.Open(r.To)
			if o.IsZero() {
				continue
			}
			l := notice.Line{Number: inv.Number, IssueDate: inv.Issued, DueDate: pt.Due, Amount: pt.Amount, Open: o, DaysOverdue: max(0, int(r.To-pt.Due))}
			if len(inv.Schedule) > 0 {
				l.Instalment, l.Instalments = k+1, len(inv.Schedule)
			}
			items = append(items, l)
		}
	}
	held := decimal.Zero
	for i := range unapplied {
		u := &unapplied[i]
		if u.CustomerID != c.ID || u.Currency != r.Currency || u.Date > r.To {
			continue
		}
		held = held.Add(u.Amount)
		move(u.Date, "unapplied-"+string(u.Kind), u.Ref, decimal.Zero, u.Amount)
	}
	order := map[string]int{"invoice": 0, "payment": 1, "credit": 2}
	slices.SortStableFunc(entries, func(a, b notice.StatementEntry) int {
		return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(order[a.Kind], order[b.Kind]), strings.Compare(a.Reference, b.Reference))
	})
	bal := opening
	for i := range entries {
		bal = bal.Add(entries[i].Debit).Sub(entries[i].Credit)
		entries[i].Balance = bal
	}
	slices.SortStableFunc(items, func(a, b notice.Line) int {
		return cmp.Or(cmp.Compare(a.DueDate, b.DueDate), strings.Compare(a.Number, b.Number))
	})
	s.Opening, s.Entries, s.Closing, s.Items, s.Unapplied = opening, entries, bal, items, held
	s.Aging = []notice.AgingBucket{{Lo: 0, Hi: 0}, {Lo: 1, Hi: 30}, {Lo: 31, Hi: 60}, {Lo: 61, Hi: 90}, {Lo: 91, Hi: -1}}
	for _, l := range items {
		for k := range s.Aging {
			b := &s.Aging[k]
			if l.DaysOverdue >= b.Lo && (b.Hi < 0 || l.DaysOverdue <= b.Hi) {
				b.Amount = b.Amount.Add(l.Open)
				break
			}
		}
	}
	return s
}

func (p *Policy) places(c Currency) int32 {
	if u, ok := c.MinorUnits(); ok {
		return u
	}
	return 2
}

// Statement steps: a statement of account as a workflow step's action.
//
// A step with Action SendStatement is dated and decided like any step of
// the invoice's workflow (its offset, catch-up, minimum amounts, holds,
// disputes and promises), but what it sends is one statement of account
// per customer, workflow, currency and day, covering every invoice of the
// customer in that currency, not only the ones whose step fell due:
//
//   - Key: the invoices whose statement step is due that day, like a
//     per-customer notice's ("inv/<customer>/<invoice>/<workflow>/<step>/c<cycle>"
//     for one invoice, "cust/<customer>/<workflow>/<step>/<currency>/<hash>"
//     for several), so the same invoices at the same step give the same key
//     on every run and every day; the record advances those invoices past
//     the step.
//   - Period: From is the planning day - Step.LookbackDays + 1, or with no
//     LookbackDays the earliest issue date of the customer's items open that
//     day in the currency; To is the planning day. The statement is
//     Policy.Statement's over that period (opening balance, entries,
//     closing balance, open items, unapplied money, aging), checked to
//     reconcile when planned (a Problem, never claimed, if it does not),
//     and sent by email to the step's contact (Step.To) with its number
//     (notice.NumberFor of the key) as its reference.
//   - Texts: Plan leaves the notice unrendered, like every notice; the
//     Runner (or Policy.Render, for a preview) renders it with the
//     policy's templates: the notice.StatementOfAccount template for the
//     customer's template set, the workflow, the step (Step.Template, if
//     set, names it instead) and the customer's language, with the
//     fallbacks of any notice, then the built-in English or German texts
//     (any other language reads English). A template that leaves out the
//     closing balance or an open item does not render (notice.Set.Render),
//     so the statement is not sent; with Policy.CheckNotices Plan renders
//     it on a copy and gives it the Problem at once.
//   - It is no dunning notice: it charges no fee or interest, is not held
//     back by the unapplied money (it shows it), the customer limits or
//     Workflow.MaxNotices, and does not count towards them or the minimum
//     gap. A statement the Sender fails for good, or that bounces, is
//     followed by the step's OnBounce: a task (task or escalate-internal),
//     or with "letter" a statement by post (Channel notice.Letter, to the
//     contact's address) under the key's "/fallback" key, planned on a
//     later day and so covering the period up to that day; it is a
//     SendStatement action and record like the first. Like every
//     statement it waits for Policy.SendWindow.
//   - It is true and complete or not sent: a customer with a record Plan
//     rejects (an invalid invoice or unapplied payment) gets its statement
//     with a Problem naming the record, and a task to fix the data.

// checkStatementStep checks what a statement step may carry, and that
// other steps carry no LookbackDays and not the statement's stage.
func checkStatementStep(p string, s *Step) error {
	if s.Action != SendStatement {
		if s.LookbackDays != 0 {
			return &FieldError{Field: p + ".lookback_days", Value: fmt.Sprint(s.LookbackDays), Reason: "only a statement step covers a period"}
		}
		if s.Stage == notice.StatementOfAccount {
			return &FieldError{Field: p + ".stage", Value: s.Stage.String(), Reason: `is the stage of a statement step (action "statement"), not of a notice`}
		}
		return nil
	}
	switch {
	case s.LookbackDays < 0 || s.LookbackDays > maxLookback:
		return &FieldError{Field: p + ".lookback_days", Value: fmt.Sprint(s.LookbackDays), Reason: fmt.Sprintf("must be between 0 and %d", maxLookback)}
	case s.Fee != nil:
		return &FieldError{Field: p + ".fee", Value: "", Reason: "a statement of account charges no fee"}
	case s.Stage != 0:
		return &FieldError{Field: p + ".stage", Value: s.Stage.String(), Reason: "a statement of account has no dunning stage"}
	case len(s.Variants) > 0:
		return &FieldError{Field: p + ".variants", Value: fmt.Sprint(len(s.Variants)), Reason: "a statement of account runs no template experiment"}
	}
	return nil
}

// maxLookback is the longest period a statement step covers, in days.
const maxLookback = 3660

// statementStep reports whether the decision's invoice stands at a
// statement step. Its steps are all carried out one way (customer splits a
// decision whose steps are not, see parts.go), so its first step tells.
func (d *decision) statementStep() bool {
	return d.wf.way(d.steps[0]) == wayStatement
}

// grouped reports whether Plan puts the decision's invoice on one action
// with the customer's other invoices: at notice steps of a per-customer
// workflow, or at statement steps (the action takes the last of them); or
// an instalment on one notice with the other instalments of its invoice
// (decision.way).
func (d *decision) grouped() bool {
	return d.way(d.steps[0]) != wayOwn
}

// language returns the language of the customer's documents and its
// segment match: the match's language, the customer's own tag when it is
// the same language with a region ("en-US" dates), else English.
func (pl *planner) language(cs *custState) (string, segment.Match) {
	m := pl.route(cs)
	lang := m.Language
	if lang == "" || (strings.Contains(cs.c.Language, "-") && notice.SameLanguage(lang, cs.c.Language)) {
		lang = cs.c.Language
	}
	return cmp.Or(lang, "en"), m
}

// statement makes a the statement step's action: the customer's statement
// of account in a's currency up to the planning day, on a notice to send.
func (pl *planner) statement(cs *custState, a *Action, step *Step) {
	from := cs.asOf
	for _, inv := range cs.invs {
		if inv.Currency == a.Currency && inv.Issued <= cs.asOf && (inv.WrittenOff == 0 || inv.WrittenOff > cs.asOf) && !inv.Open(cs.asOf).IsZero() {
			from = min(from, inv.Issued)
		}
	}
	if step.LookbackDays > 0 {
		from = cs.asOf - date.Date(step.LookbackDays-1)
	}
	a.Number = notice.NumberFor(a.Key)
	ch := notice.Email
	if a.Kind == Letter { // the fallback of a bounced statement (Step.OnBounce)
		a.Kind, ch = SendStatement, notice.Letter
	}
	pl.sendStatement(cs, a, step, pl.statementOf(cs, a.Currency, from, cs.asOf, a.Number), ch)
}

// statementOf builds the customer's statement of account in cur over
// from..to, dated the planning day, in the customer's language.
func (pl *planner) statementOf(cs *custState, cur Currency, from, to date.Date, number string) *notice.Statement {
	invs := make([]*Invoice, 0, len(cs.invs))
	for _, inv := range cs.invs {
		if o := pl.owner(inv); len(invs) == 0 || invs[len(invs)-1] != o {
			invs = append(invs, o) // an invoice's parts come one after another
		}
	}
	var un []Unapplied
	if cs.un != nil {
		un = cs.un.recs
	}
	lang, _ := pl.language(cs)
	return pl.policy.statement(cs.c, invs, un, StatementRequest{CustomerID: cs.c.ID, Currency: cur, From: from, To: to, Language: lang, Date: cs.asOf}, number)
}

// sendStatement puts statement st on a's notice for channel ch, to the
// contact step names, validated (a Problem when it fails; with
// Policy.CheckNotices, also when it does not render with the policy's
// templates) but not rendered: the Runner renders it, or Policy.Render
// for a preview.
func (pl *planner) sendStatement(cs *custState, a *Action, step *Step, st *notice.Statement, ch notice.Channel) {
	_, m := pl.language(cs)
	n := &notice.Notice{
		Key: a.Key, Number: a.Number, Date: cs.asOf, Stage: notice.StatementOfAccount, Channel: ch, Language: st.Language,
		Workflow: a.Workflow, Step: a.Step, Templates: m.Templates, Creditor: pl.policy.Creditor, Debtor: st.Debtor,
		Currency: st.Currency, MinorUnits: st.MinorUnits, Total: st.Closing, Statement: st,
	}
	if pc, cc, ok := cs.c.Addressees(step, ch, 0); ok {
		n.Debtor.Email, n.Debtor.Phone, n.Debtor.Address = pc.Email, pc.Phone, pc.Address
		for _, k := range cc {
			n.Cc = append(n.Cc, notice.Party{Name: k.Name, Email: k.Email})
		}
	}
	if step.Template != "" {
		n.Step = step.Template
	}
	st.Debtor = n.Debtor
	a.Notice = n
	if why, ok := pl.rejected[cs.c.ID]; ok {
		a.Problem = "statement of account: it would leave out a record of the customer that is invalid: " + why
		return
	}
	a.Reason += fmt.Sprintf("; a statement of account from %s to %s goes out: closing balance %s %s", st.From, st.To, st.Currency, st.Closing.StringFixed(st.MinorUnits))
	if err := n.Validate(); err != nil {
		a.Problem = err.Error()
	} else if pl.policy.CheckNotices {
		a.Problem = pl.checkNotice(n)
	}
}

// Scheduled statements: Policy.Statements sends every customer a statement
// of account once a month, whatever its workflow does.
//
// On the schedule's day of the month (in the customer's today, like every
// action) Plan gives each customer of the portfolio, per currency, one
// SendStatement action over the month up to the day before: from that day
// of the previous month to the day before the statement day (Day 1: the
// previous calendar month), so consecutive statements cover consecutive
// days, each day once. A customer without entries in the period and with a
// closing balance of zero in a currency gets none in it, and a customer on
// hold (Customer.Hold) none while the hold lasts. Its key is
// "statement/<customer>/<currency>/<last day of the period>": the same on
// every run, so it is sent and recorded once. Plan knows no customer-level
// history, so it plans the statement again on each of the next
// WindowDays-1 days, for a run that missed its day; the Runner finds the
// key done and skips it (StatusDone); one whose outcome is unknown (a
// runner died between the send and the record: the store holds it
// pending) is planned again under its key after the window too, until it
// is recorded. One the Runner released (a send that failed for a while)
// is retried only within the window. The action names no invoice
// (InvoiceIDs is empty): its record advances no invoice's progress, and it
// never waits for, nor holds up, an invoice's dunning. Explain lists it
// among the actions of each of the customer's invoices.

// StatementSchedule sends each customer a statement of account every
// month (Policy.Statements; see statement.go).
type StatementSchedule struct {
	// Day is the day of the month (1-28) the statements go out.
	Day int `json:"day"`
	// To lists the contact roles the statements go to, in order of
	// preference (empty: DefaultRoles).
	To []string `json:"to,omitempty"`
	// WindowDays is how many days from Day on a statement not yet recorded
	// is planned (0: 7; at most 28).
	WindowDays int `json:"window_days,omitempty"`
}

// validate checks the schedule (nil: none).
func (s *StatementSchedule) validate() error {
	switch {
	case s == nil:
	case s.Day < 1 || s.Day > 28:
		return &FieldError{Field: "statements.day", Value: fmt.Sprint(s.Day), Reason: "must be between 1 and 28 (a day every month has)"}
	case s.WindowDays < 0 || s.WindowDays > 28:
		return &FieldError{Field: "statements.window_days", Value: fmt.Sprint(s.WindowDays), Reason: "must be between 0 and 28"}
	}
	return nil
}

// due returns the statement day whose window holds day d, if one does.
func (s *StatementSchedule) due(d date.Date) (date.Date, bool) {
	y, m, _ := d.Date()
	t := date.New(y, m, s.Day)
	if t > d {
		t = t.AddDate(0, -1, 0)
	}
	return t, d-t < date.Date(cmp.Or(s.WindowDays, 7))
}

// wake returns the first day on or after d a statement is planned.
func (s *StatementSchedule) wake(d date.Date) date.Date {
	t, ok := s.due(d)
	if ok {
		return d
	}
	return t.AddDate(0, 1, 0)
}

// scheduledStatements adds the customer's monthly statements of account
// due on its day (see StatementSchedule).
func (pl *planner) scheduledStatements(cs *custState, actions []Action) []Action {
	s := pl.policy.Statements
	if s == nil {
		return actions
	}
	if cs.c.Hold.ActiveOn(cs.asOf) {
		return actions
	}
	type period struct {
		t   date.Date // the statement day
		cur Currency
	}
	var todo []period
	if t, ok := s.due(cs.asOf); ok {
		var curs []Currency
		for _, inv := range cs.invs {
			curs = append(curs, inv.Currency)
		}
		if cs.un != nil {
			for _, u := range cs.un.recs {
				curs = append(curs, u.Currency)
			}
		}
		slices.Sort(curs)
		for _, cur := range slices.Compact(curs) {
			todo = append(todo, period{t, cur})
		}
	}
	// A statement whose outcome is unknown (claimed, its runner gone) is
	// planned again under its key after its window, until recorded.
	for _, pe := range pl.pendingOf(cs.c.ID) {
		prefix := "statement/" + esc(cs.c.ID) + "/" + string(pe.Currency) + "/"
		if pe.Kind != SendStatement || len(pe.InvoiceIDs) != 0 || !strings.HasPrefix(pe.Key, prefix) {
			continue
		}
		to, err := date.ParseISO(pe.Key[len(prefix):])
		if p := (period{to + 1, pe.Currency}); err == nil && !slices.Contains(todo, p) {
			todo = append(todo, p)
		}
	}
	for _, p := range todo {
		t, cur := p.t, p.cur
		from, to := t.AddDate(0, -1, 0), t-1
		a := Action{
			Key: "statement/" + esc(cs.c.ID) + "/" + string(cur) + "/" + to.String(), Kind: SendStatement, Date: cs.asOf, Scheduled: t,
			CustomerID: cs.c.ID, TimeZone: cs.c.TimeZone, StepIndex: -1, Currency: cur,
			Reason: fmt.Sprintf("the monthly statement of account (day %d)", s.Day),
		}
		a.Number = notice.NumberFor(a.Key)
		st := pl.statementOf(cs, cur, from, to, a.Number)
		if len(st.Entries) == 0 && st.Closing.IsZero() {
			continue
		}
		a.Open = st.Closing
		pl.sendStatement(cs, &a, &Step{To: s.To}, st, notice.Email)
		actions = append(actions, a)
	}
	return actions
}

// rejectedRecords returns the Problem of the first rejected record of each
// customer among the Rejected actions (nil: none).
func rejectedRecords(rejected []Action) map[string]string {
	var out map[string]string
	for _, a := range rejected {
		if _, ok := out[a.CustomerID]; !ok && a.CustomerID != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[a.CustomerID] = a.Problem
		}
	}
	return out
}
