package sim

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/metrics"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Named is a policy under a name; a nil Policy is "no dunning".
type Named struct {
	Name   string
	Policy *dunning.Policy
}

// Options control a simulation.
type Options struct {
	From, To date.Date // the simulated days, inclusive
	// MeasureFrom is the first day the figures cover (0: From): the days
	// before it are the warm-up, while a generated book fills up (every
	// customer's first invoice falls in the first month and none is
	// overdue yet), which would flatter DSO and cash. It must lie in
	// From..To.
	MeasureFrom date.Date
	// Progress, when set, is called after every simulated day of every
	// policy (from several goroutines when Parallel).
	Progress func(policy string, day, days int)
	// Parallel runs the policies at once, one goroutine each.
	Parallel bool
}

// Outcome is what one policy did to the world.
type Outcome struct {
	Policy string
	// Invoices are the world's invoices with the payments, promises and
	// disputes the simulation gave them.
	Invoices []dunning.Invoice
	// Notices counts the notices sent per workflow step ("workflow/step").
	Notices map[string]int
	Sent    int // notices sent
	// Channels counts the notices sent per channel ("email", "sms",
	// "letter").
	Channels map[string]int
	Tasks    int // collector tasks opened
	// Figures are the metrics over the simulated period.
	Figures Figures
}

// Figures are an outcome's metrics, in EUR.
type Figures struct {
	// DSO, BestPossibleDSO and CEI over the last 90 simulated days
	// (period method; CEI with the period's credit sales).
	DSO, BestPossibleDSO, AverageDaysDelinquent, CEI decimal.Decimal
	// AtRisk: open more than 30 days past due on the last day; Share of AR.
	AtRisk, AtRiskShare decimal.Decimal
	EndAR               decimal.Decimal
	// Collected is the payments received from MeasureFrom to To.
	Collected decimal.Decimal
	// ARDays is the open receivables summed over each day from
	// MeasureFrom to To (EUR × days): the average balance outstanding
	// times the days. Its difference between two policies, times a daily
	// cost of capital, is what bringing cash forward is worth.
	ARDays decimal.Decimal
	// Months is the DSO trend, one figure per calendar month.
	Months []metrics.MonthFigures
	// Aging is the aging by due date on the last day of each month.
	Aging []*metrics.Aging
}

// Simulate runs the world day by day under each policy, through the real
// planner and runner (memory store, a sender that makes the world's
// customers react), and returns one outcome per policy, in order.
func Simulate(ctx context.Context, w *World, policies []Named, o Options) ([]Outcome, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	out := make([]Outcome, len(policies))
	errs := make([]error, len(policies))
	run := func(i int) {
		out[i], errs[i] = simulate(ctx, w, policies[i], o)
	}
	if o.Parallel {
		var wg sync.WaitGroup
		for i := range policies {
			wg.Add(1)
			go func() { defer wg.Done(); run(i) }()
		}
		wg.Wait()
	} else {
		for i := range policies {
			run(i)
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (o Options) check() error {
	if o.From == 0 || o.To < o.From {
		return fmt.Errorf("sim: options: simulated days %s..%s: want From <= To", o.From, o.To)
	}
	if o.MeasureFrom != 0 && (o.MeasureFrom < o.From || o.MeasureFrom > o.To) {
		return fmt.Errorf("sim: options: measured from %s: want a day in %s..%s", o.MeasureFrom, o.From, o.To)
	}
	return nil
}

func (o Options) measureFrom() date.Date {
	if o.MeasureFrom == 0 {
		return o.From
	}
	return o.MeasureFrom
}

// state is one policy's run over a world.
type state struct {
	w       *World
	invs    []dunning.Invoice
	pay     []date.Date // scheduled payment day (0: none)
	count   []uint8     // notices received per invoice
	byNum   map[string]int
	notices map[string]int
	chans   map[string]int
	sent    int
	today   date.Date
}

// receive is the customer reading a notice on s.today: it may pay, or
// promise to pay, per its invoice's pre-drawn fate.
func (s *state) receive(n *notice.Notice) {
	s.sent++
	s.notices[n.Workflow+"/"+n.Step]++
	s.chans[string(n.Channel)]++
	for _, l := range n.Lines {
		i, ok := s.byNum[l.Number]
		if !ok {
			continue
		}
		k := int(s.count[i])
		if k >= maxNotices {
			continue
		}
		s.count[i]++
		f := &s.w.fates[i]
		b := &s.w.Model.Segments[f.seg].Behaviour
		p := b.Respond[n.Stage]
		if f.never {
			p *= b.NeverFactor
		}
		if float64(f.u[k]) >= p {
			continue
		}
		when := s.today + date.Date(f.delay[k])
		if float64(f.promise[k]) < b.PromiseRate {
			inv := &s.invs[i]
			inv.Promise = &dunning.Promise{Made: s.today, PayBy: s.today + 7, Amount: inv.Open(s.today)}
			if float64(f.broken[k]) < b.BrokenRate {
				continue
			}
			when = min(when, s.today+7)
		}
		if d := s.w.Invoices[i].Dispute; d != nil && when < d.Resolved {
			when = d.Resolved
		}
		if s.pay[i] == 0 || when < s.pay[i] {
			s.pay[i] = when
		}
	}
}

func simulate(ctx context.Context, w *World, pol Named, o Options) (Outcome, error) {
	n := len(w.Invoices)
	s := &state{w: w, invs: slices.Clone(w.Invoices), pay: make([]date.Date, n), count: make([]uint8, n),
		byNum: make(map[string]int, n), notices: map[string]int{}, chans: map[string]int{}}
	for i := range s.invs {
		s.byNum[s.invs[i].Number] = i
		if !w.fates[i].never {
			s.pay[i] = w.fates[i].natural
		}
		if d := s.invs[i].Dispute; d != nil {
			dd := *d
			s.invs[i].Dispute = &dd
		}
	}
	clock := dunningtest.ClockAt(o.From)
	var r *dunning.Runner
	st := memory.New(memory.WithClock(clock))
	if pol.Policy != nil {
		r = &dunning.Runner{Policy: pol.Policy, Store: st, Clock: clock, Owner: "sim",
			Sender: dunning.SenderFunc(func(_ context.Context, key string, nt *notice.Notice) (string, error) {
				s.receive(nt)
				return key, nil
			})}
	}
	days := int(o.To-o.From) + 1
	next := 0 // next invoice to issue
	var open []int
	pf := dunning.Portfolio{Customers: w.Customers, Unapplied: w.Unapplied}
	for d := o.From; d <= o.To; d++ {
		if err := ctx.Err(); err != nil {
			return Outcome{}, err
		}
		s.today = d
		for next < n && s.invs[next].Issued <= d {
			open = append(open, next)
			next++
		}
		// Payments fall due before the day's dunning run.
		kept := open[:0]
		for _, i := range open {
			if s.pay[i] != 0 && s.pay[i] <= d {
				inv := &s.invs[i]
				inv.Payments = append(inv.Payments, dunning.Payment{Date: s.pay[i], Amount: inv.Open(d)})
				continue
			}
			kept = append(kept, i)
		}
		open = kept
		if r != nil {
			pf.Invoices = pf.Invoices[:0]
			for _, i := range open {
				pf.Invoices = append(pf.Invoices, s.invs[i])
			}
			clock.Set(d.MidnightUTC().Add(12 * 3600e9))
			if _, err := r.Run(ctx, pf); err != nil {
				return Outcome{}, fmt.Errorf("sim: %s on %s: %w", pol.Name, d, err)
			}
		}
		if o.Progress != nil {
			o.Progress(pol.Name, int(d-o.From)+1, days)
		}
	}
	oc := Outcome{Policy: pol.Name, Invoices: s.invs, Notices: s.notices, Channels: s.chans, Sent: s.sent}
	if tasks, err := st.Tasks(ctx, ""); err == nil {
		oc.Tasks = len(tasks)
	}
	f, err := figures(s.invs, o.From, o.measureFrom(), o.To)
	if err != nil {
		return Outcome{}, err
	}
	oc.Figures = f
	return oc, nil
}

// cashFigures sums the payments received in measure..to and the open
// balance over each of those days. Balances change only on payment days
// (the simulation pays an invoice in full), so an invoice's open balance
// is its amount from issue to the day before payment.
func cashFigures(invs []dunning.Invoice, measure, to date.Date) (collected, arDays decimal.Decimal) {
	for i := range invs {
		inv := &invs[i]
		for _, pm := range inv.Payments {
			if pm.Date >= measure && pm.Date <= to {
				collected = collected.Add(pm.Amount)
			}
		}
		start := max(inv.Issued, measure)
		d := start
		bal := inv.Amount
		for _, pm := range inv.Payments { // sorted by date: the simulation appends them in order
			if pm.Date > to {
				break
			}
			if pm.Date > d {
				if d <= to {
					arDays = arDays.Add(bal.Mul(decimal.NewFromInt(int64(pm.Date - d))))
				}
				d = pm.Date
			}
			bal = bal.Sub(pm.Amount)
		}
		if d <= to && bal.Sign() > 0 {
			arDays = arDays.Add(bal.Mul(decimal.NewFromInt(int64(to - d + 1))))
		}
	}
	return collected, arDays
}

func seq(invs []dunning.Invoice) iter.Seq[dunning.Invoice] {
	return func(yield func(dunning.Invoice) bool) {
		for i := range invs {
			if !yield(invs[i]) {
				return
			}
		}
	}
}

func figures(invs []dunning.Invoice, from, measure, to date.Date) (Figures, error) {
	var f Figures
	p := metrics.Period{From: max(measure, to-89), To: to}
	tots, err := metrics.Sum(seq(invs), metrics.SumOptions{Period: p})
	if err != nil {
		return f, err
	}
	if t := tots["EUR"]; t != nil {
		f.EndAR = t.EndAR
		if v, err := t.DSO(); err == nil {
			f.DSO = v
		}
		if v, err := t.BestPossibleDSO(); err == nil {
			f.BestPossibleDSO = v
		}
		if v, err := t.AverageDaysDelinquent(); err == nil {
			f.AverageDaysDelinquent = v
		}
		if v, err := t.CEI(metrics.SalesTotal); err == nil {
			f.CEI = v
		}
	}
	if rk := metrics.ReceivablesAtRisk(seq(invs), to, metrics.RiskOptions{DaysOverdue: 30})["EUR"]; rk != nil {
		f.AtRisk, f.AtRiskShare = rk.AtRisk, rk.Share
	}
	f.Collected, f.ARDays = cashFigures(invs, measure, to)
	months, err := metrics.Trend(seq(invs), from, to, nil, "")
	if err != nil {
		return f, err
	}
	f.Months = months["EUR"]
	for _, m := range f.Months {
		end := min(m.Month.To, to)
		a, err := metrics.AgingReport(seq(invs), end, []int{30, 60, 90}, metrics.ByDueDate)
		if err != nil {
			return f, err
		}
		if ag := a["EUR"]; ag != nil {
			f.Aging = append(f.Aging, ag)
		}
	}
	return f, nil
}
