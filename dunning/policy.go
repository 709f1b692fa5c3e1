package dunning

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Charges are the late fees and interest an agreement or policy applies on
// top of the per-step fees.
type Charges struct {
	// Interest accrues on overdue invoices (nil: none). Contractual (a rate)
	// or statutory (a regime with the app's rate table).
	Interest *charge.Interest `json:"interest,omitempty"`
	// Rates is the reference-rate table the interest regime reads.
	Rates charge.RateTable `json:"rates,omitempty"`
	// Compensation adds the statutory regime's fixed compensation (EUR 40,
	// GBP 40/70/100) once per invoice, on its first overdue notice; on an
	// invoice in another currency, converted through Policy.FX.
	Compensation bool `json:"compensation,omitempty"`
}

// FX converts amount from one currency to another on a day; the app
// supplies it (the same shape as metrics.FX).
type FX func(amount decimal.Decimal, from, to Currency, on date.Date) (decimal.Decimal, error)

// Policy is everything that decides dunning: the workflows, the rules that
// route customers to them, the notice templates and the business calendar.
type Policy struct {
	// Workflows by name; Segments routes customers to them.
	Workflows []Workflow `json:"workflows"`
	// Segments picks each customer's workflow, template set and language.
	// Nil routes everyone to the first workflow.
	Segments *segment.RuleSet `json:"segments,omitempty"`
	// Templates renders notices, statements of account too (stage
	// notice.StatementOfAccount); nil uses notice.Builtin(), and so does
	// a notice the set has no template for.
	Templates *notice.Set `json:"-"`
	// RenderLimits bound each notice's rendering (output size and, apart,
	// the strings its template functions build, written or not, each
	// default 1 MiB; time, default 1 s; see notice.Limits): a notice past
	// them is a render error, the action's Problem, and is never sent.
	// JSON: {"max_bytes": 1048576, "timeout": "1s"}.
	RenderLimits notice.Limits `json:"render_limits,omitzero"`
	// Calendar holds the business days steps roll onto; nil: every day.
	Calendar schedule.Calendar `json:"-"`
	// SendWindow, when set, is when emails and texts may go out, in each
	// customer's local time ({"days": ["monday", ...], "start": "09:00",
	// "end": "17:00"}); the Runner defers them outside it. Letters and tasks
	// are not held.
	SendWindow *schedule.SendWindow `json:"send_window,omitempty"`
	// Creditor is the company that is owed; it signs every notice.
	Creditor notice.Party `json:"creditor"`
	// Payment is how to pay when an invoice's agreement does not say (or the
	// invoice has no agreement).
	Payment PaymentInstructions `json:"payment,omitzero"`
	// Charges apply to every agreement that has none of its own.
	Charges *Charges `json:"charges,omitempty"`
	// FX converts amounts between currencies (nil: no conversion). Plan
	// uses it for a statutory regime's fixed compensation on an invoice in
	// another currency than the regime's; without it that compensation is
	// left off the notice and the action's reason (and Explain) says so.
	FX FX `json:"-"`
	// MinAmount: no notice for a customer whose open overdue items in a
	// currency total less than this (per currency code; missing = no floor).
	MinAmount map[Currency]decimal.Decimal `json:"min_amount,omitempty"`
	// Statements, when set, sends every customer a statement of account
	// each month on a fixed day ({"day": 1}: the previous calendar month),
	// whatever its workflow does (see StatementSchedule).
	Statements *StatementSchedule `json:"statements,omitempty"`
	// Customer bounds how often one customer receives notices, across its
	// invoices, currencies and workflows (nil: no bound but each workflow's
	// own MinGapDays and MaxNotices per invoice).
	Customer *CustomerLimits `json:"customer_limits,omitempty"`
	// SwitchMidCycle moves invoices already in a cycle to the workflow the
	// segment rules choose now. By default an invoice keeps the workflow its
	// cycle began with until the cycle ends.
	SwitchMidCycle bool `json:"switch_mid_cycle,omitempty"`
	// PayByDays is how many days after the notice date the notice's pay-by
	// date falls (default 7). A friendly reminder or overdue notice of
	// invoices none of which is overdue asks instead for payment by their
	// due date (none when they fall due on different days), and no notice
	// asks for payment before the due date of an invoice it carries.
	PayByDays int `json:"pay_by_days,omitempty"`
	// PayByStage sets PayByDays per stage ({"letter-before-action": 30},
	// each 0 to MaxPayByDays; not "statement-of-account", which has no
	// pay-by date); a stage it omits, or sets to 0, uses PayByDays. Either
	// way a notice gets at least the days the law of its claim expects
	// (notice.MinPayByDays: a UK letter before action 14 days to a company,
	// 30 to an individual).
	PayByStage map[notice.Stage]int `json:"pay_by_stage,omitempty"`
	// Law is the jurisdiction every claim is made under; empty: the
	// statutory interest regime's (uk, de, fr, eu), else none.
	Law notice.Jurisdiction `json:"law,omitempty"`
	// CheckNotices makes Plan hold every notice against its law's
	// checklist (notice.Check, on the notice rendered with the policy's
	// templates); a notice that fails it gets a Problem naming the items
	// and their sources, and is never sent.
	CheckNotices bool `json:"check_notices,omitempty"`
	// NoticeURL, when set, is where a customer reads a notice online, with
	// "{number}" standing for the notice number
	// ("https://pay.example.com/n/{number}"); text messages point to it.
	NoticeURL string `json:"notice_url,omitempty"`
	// PlanWorkers is how many goroutines Plan, PlanAt and the Runner's
	// planning may check a day's invoices and plan its customers with,
	// never more than runtime.GOMAXPROCS. 0 (the default) uses up to
	// GOMAXPROCS when the day calls no code of the app (no FX; a Calendar
	// that is nil, a BusinessCalendar or one of package schedule's; a
	// History that is nil, a HistoryMap or the Snapshot the stores in
	// store/ return), else only the calling goroutine. 1 always plans on
	// the calling goroutine; n > 1 uses up to n, and then the app's
	// History, Calendar and FX are called from several goroutines at once,
	// so they must be safe for concurrent use. Each worker gets at least
	// 1,024 invoices with a step due to plan (and 8,192 invoices to
	// check), so a small day runs on one; the plan is the same either way,
	// byte for byte. Negative is invalid.
	PlanWorkers int `json:"plan_workers,omitempty"`

	// byName indexes Workflows by name, built by Validate from the slice
	// indexed (its first element and length): a copy of the policy whose
	// Workflows was changed since (pol := *base; pol.Workflows = ...)
	// carries the old index, which indexed tells apart (validated).
	byName  map[string]int
	indexed struct {
		first *Workflow
		n     int
	}
	// builtin returns the built-in template set of a validated policy,
	// parsed on the first call and shared by the policy's copies
	// (templates): parsing it takes milliseconds, which Render, Statement
	// and a Plan that checks notices paid on every call before.
	builtin func() *notice.Set
}

// Workflow returns the named workflow. It finds it in the policy's
// Workflows as they are, even when they changed since the policy was
// validated.
func (p *Policy) Workflow(name string) (*Workflow, bool) {
	// The index answers only where it still holds: a changed copy's may
	// point past the end or at another workflow.
	if i, ok := p.byName[name]; ok && i < len(p.Workflows) && p.Workflows[i].Name == name {
		return &p.Workflows[i], true
	}
	for i := range p.Workflows {
		if p.Workflows[i].Name == name {
			return &p.Workflows[i], true
		}
	}
	return nil, false
}

// Validate checks the policy and prepares it for planning. Beyond each
// field's own rules it refuses numbers beyond money's bounds (15 integer
// digits, 18 written decimals) and charged amounts (fees, minimums) finer
// than their currency's minor unit; steps listed out of date order (a step
// surely earlier than one listed before it, like due+7 after due+14 or
// issue+10 after due+10, would never fire); step offsets and gaps beyond MaxOffsetDays; pay-by
// days beyond MaxPayByDays; statutory interest without its rate table; and
// segment languages that are no BCP 47 tag or numbers beyond the bounds;
// and creditor texts, payment instructions and a notice URL a notice
// cannot show (a line break or another control character in a one-line
// text; see notice.LineProblem and notice.TextProblem). Call it once
// after building a policy, and again after giving a policy (or a copy of
// one) other Workflows. Plan, Wake and AccountStates never write to the
// policy they are given: on one not validated (or changed since) they
// validate a copy of it, on every call, so a policy may be shared between
// goroutines before it was validated, at that cost.
func (p *Policy) Validate() error {
	if len(p.Workflows) == 0 {
		return &FieldError{Field: "workflows", Value: "[]", Reason: "a policy needs at least one workflow"}
	}
	if err := p.checkPolicyNumbers(); err != nil {
		return err
	}
	if err := p.Statements.validate(); err != nil {
		return err
	}
	byName := make(map[string]int, len(p.Workflows))
	for i := range p.Workflows {
		path := fmt.Sprintf("workflows[%d]", i)
		if err := p.Workflows[i].Validate(path); err != nil {
			return err
		}
		if err := checkWorkflowDays(path, &p.Workflows[i]); err != nil {
			return err
		}
		if _, dup := byName[p.Workflows[i].Name]; dup {
			return &FieldError{Field: path + ".name", Value: p.Workflows[i].Name, Reason: "is used by an earlier workflow"}
		}
		byName[p.Workflows[i].Name] = i
	}
	if p.PlanWorkers < 0 {
		return &FieldError{Field: "plan_workers", Value: fmt.Sprint(p.PlanWorkers), Reason: "must not be negative (0: automatic, 1: one goroutine)"}
	}
	if p.Segments != nil {
		if err := p.checkSegments(); err != nil {
			return err
		}
		if err := p.Segments.Validate(); err != nil {
			var se *segment.Error
			if errors.As(err, &se) {
				return segmentFieldError(se)
			}
			return fmt.Errorf("dunning: policy.segments: %w", err)
		}
		check := func(path, wf string) error {
			if _, ok := byName[wf]; !ok {
				return &FieldError{Field: path, Value: wf, Reason: "names no workflow of the policy"}
			}
			return nil
		}
		if err := check("segments.default.workflow", p.Segments.Default.Workflow); err != nil {
			return err
		}
		for i, r := range p.Segments.Rules {
			if err := check(fmt.Sprintf("segments.rules[%d].workflow", i), r.Workflow); err != nil {
				return err
			}
		}
	}
	if err := p.RenderLimits.Validate(); err != nil {
		return &FieldError{Field: "render_limits", Value: fmt.Sprintf("%d bytes, %s", p.RenderLimits.MaxBytes, p.RenderLimits.Timeout), Reason: err.Error()}
	}
	if p.SendWindow != nil {
		if err := p.SendWindow.Validate(); err != nil {
			var we *schedule.WindowError
			if errors.As(err, &we) {
				return &FieldError{Field: "send_window." + we.Field, Value: we.Value, Reason: we.Reason}
			}
			return fmt.Errorf("dunning: policy.send_window: %w", err)
		}
	}
	if p.Creditor.Name == "" {
		return &FieldError{Field: "creditor.name", Value: "", Reason: "must not be empty: every notice names the creditor"}
	}
	if bad := p.Creditor.TextProblems(); len(bad) > 0 {
		// Every text of the creditor is one line of a notice (checkLine).
		return &FieldError{Field: "creditor." + bad[0].Field, Value: quoteBad(bad[0].Value), Reason: bad[0].Reason}
	}
	if err := p.Payment.check(loc{field: "payment"}); err != nil {
		return err
	}
	if err := checkLine(loc{field: "notice_url"}, p.NoticeURL); err != nil {
		return err
	}
	if p.Charges != nil {
		if err := p.Charges.validate("charges"); err != nil {
			return err
		}
	}
	if p.Customer != nil {
		if err := p.Customer.validate(); err != nil {
			return err
		}
	}
	if p.PayByDays < 0 || p.PayByDays > MaxPayByDays {
		return &FieldError{Field: "pay_by_days", Value: fmt.Sprint(p.PayByDays), Reason: fmt.Sprintf("must be between 0 (the default, 7) and %d", MaxPayByDays)}
	}
	for _, st := range slices.Sorted(maps.Keys(p.PayByStage)) { // the same error for the same policy
		d, field := p.PayByStage[st], "pay_by_stage."+st.String()
		switch {
		case !st.Valid():
			return &FieldError{Field: field, Value: fmt.Sprint(d), Reason: "names no stage"}
		case st == notice.StatementOfAccount:
			return &FieldError{Field: field, Value: fmt.Sprint(d), Reason: "a statement of account has no pay-by date"}
		case d < 0 || d > MaxPayByDays:
			return &FieldError{Field: field, Value: fmt.Sprint(d), Reason: fmt.Sprintf("must be between 0 (pay_by_days) and %d", MaxPayByDays)}
		}
	}
	if p.Law != "" && !p.Law.Valid() {
		return &FieldError{Field: "law", Value: string(p.Law), Reason: `want "eu", "uk", "de" or "fr"`}
	}
	for _, c := range slices.Sorted(maps.Keys(p.MinAmount)) {
		if v := p.MinAmount[c]; v.IsNegative() {
			return &FieldError{Field: "min_amount." + string(c), Value: v.String(), Reason: "must not be negative"}
		}
	}
	p.byName = byName
	p.indexed.first, p.indexed.n = &p.Workflows[0], len(p.Workflows)
	if p.builtin == nil {
		p.builtin = sync.OnceValue(notice.Builtin)
	}
	return nil
}

// validated reports whether Validate prepared the policy with its
// Workflows as they are now: not one never validated, nor a copy of a
// validated policy given other workflows since (a slice of its own, or a
// shorter or longer one).
func (p *Policy) validated() bool {
	return p.byName != nil && len(p.Workflows) == p.indexed.n && len(p.Workflows) > 0 && &p.Workflows[0] == p.indexed.first
}

// ready returns the policy to plan with, validated: policy itself when it
// is (validated); else a validated copy of it (never validated, or a copy
// whose workflows changed since it was validated), so that Plan never
// writes to a policy the app may share between goroutines
// (TestPlanSharesUnvalidatedPolicy).
func (p *Policy) ready() (*Policy, error) {
	if p.validated() {
		return p, nil
	}
	cp := *p
	if err := cp.Validate(); err != nil {
		return nil, err
	}
	return &cp, nil
}

// CustomerLimits bound the notices one customer receives. Plan holds back a
// day's notices to a customer that a limit forbids, and Explain says which
// limit and until when. Fallbacks that replace an undelivered notice are not
// held back. The notices counted are those recorded in the progress of the
// customer's invoices in the portfolio (Progress.Last and NoticeLog.Recent).
type CustomerLimits struct {
	// MinGapDays is the least number of days between two days with notices
	// to the customer: with 3, a customer notified on the 1st hears nothing
	// before the 4th.
	MinGapDays int `json:"min_gap_days,omitempty"`
	// MaxNotices is the most days with notices to the customer in any
	// PeriodDays consecutive days (several notices on one day, one per
	// currency say, count as one); 0 is no maximum. At most MaxRecent.
	MaxNotices int `json:"max_notices,omitempty"`
	// PeriodDays is the window of MaxNotices (default 30).
	PeriodDays int `json:"period_days,omitempty"`
}

func (l *CustomerLimits) period() int {
	if l.PeriodDays == 0 {
		return 30
	}
	return l.PeriodDays
}

func (l *CustomerLimits) validate() error {
	switch {
	case l.MinGapDays < 0 || l.MinGapDays > 366:
		return &FieldError{Field: "customer_limits.min_gap_days", Value: fmt.Sprint(l.MinGapDays), Reason: "must be between 0 and 366"}
	case l.MaxNotices < 0 || l.MaxNotices > MaxRecent:
		return &FieldError{Field: "customer_limits.max_notices", Value: fmt.Sprint(l.MaxNotices), Reason: fmt.Sprintf("must be between 0 and %d", MaxRecent)}
	case l.PeriodDays < 0 || l.PeriodDays > 366:
		return &FieldError{Field: "customer_limits.period_days", Value: fmt.Sprint(l.PeriodDays), Reason: "must be between 0 (30) and 366"}
	}
	return nil
}

func (c *Charges) validate(path string) error {
	if err := c.checkNumbers(path); err != nil {
		return err
	}
	if c.Interest != nil {
		if err := c.Interest.Validate(); err != nil {
			return chargeError(path, "interest", err)
		}
	}
	if err := c.Rates.Validate(); err != nil {
		return chargeError(path, "rates", err)
	}
	return c.checkStatutory(path)
}

// payByDays returns the days to pay a notice of stage s gets under law j
// to a debtor of kind k: PayByStage, else PayByDays (default 7), and no
// fewer than the law's minimum.
func (p *Policy) payByDays(s notice.Stage, j notice.Jurisdiction, k notice.PartyKind) int {
	d, ok := p.PayByStage[s]
	if !ok || d == 0 {
		d = p.PayByDays
	}
	if d == 0 {
		d = 7
	}
	minDays, _ := notice.MinPayByDays(j, s, k)
	return max(d, minDays)
}

// templates returns the policy's template set backed by the built-in one,
// rendering under the policy's RenderLimits. The built-in set is parsed
// once per validated policy (builtin), on every call for a policy never
// validated; Templates and RenderLimits are read on every call, so a
// change to either after Validate holds.
func (p *Policy) templates() *notice.Set {
	var b *notice.Set
	if p.builtin != nil {
		b = p.builtin()
	} else {
		b = notice.Builtin()
	}
	if p.Templates == nil {
		return b.WithLimits(p.RenderLimits)
	}
	return p.Templates.With(b).WithLimits(p.RenderLimits)
}

// Render fills the Subject, Text and HTML of the notices of acts from the
// policy's templates (falling back to the built-in ones). Plan leaves
// notices unrendered, since most planned actions of a dry run are never
// looked at and the Runner renders each notice it sends; call Render to
// preview a plan. An action whose notice does not render gets a Problem. A
// statement of account renders from its notice.StatementOfAccount
// template (notice.Set.Render).
func (p *Policy) Render(acts []Action) {
	var set *notice.Set
	for i := range acts {
		a := &acts[i]
		if a.Notice == nil || a.Problem != "" {
			continue
		}
		if set == nil {
			set = p.templates()
		}
		if err := set.Render(a.Notice); err != nil {
			a.Problem = "render: " + err.Error()
		}
	}
}
