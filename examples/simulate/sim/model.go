package sim

import (
	"fmt"

	"github.com/overduehq/overdue/notice"
)

// Behaviour is how the customers of one segment pay. Probabilities are
// shares in [0, 1]; they are model parameters, not money, so they are
// floats.
//
// Without dunning, each invoice is paid early (a day drawn uniformly from
// issue+1 .. due-1) with probability Early, on time (due .. due+2) with
// OnTime, never with Never, and otherwise late: LateMin .. LateMax days
// after the due date, drawn uniformly.
//
// Each notice a customer receives for an unpaid invoice gets a response
// with probability Respond[stage] (times NeverFactor for an invoice that
// would never be paid on its own): a payment RespondMin .. RespondMax days
// later, or, with probability PromiseRate, a promise to pay within 7 days,
// which is broken with probability BrokenRate. A response never makes a
// payment later than the invoice would have been paid anyway.
//
// With probability DisputeRate an invoice is disputed from due+5 for
// DisputeDays days; it is paid no sooner than the dispute is resolved.
type Behaviour struct {
	Early, OnTime, Never float64
	LateMin, LateMax     int
	Respond              map[notice.Stage]float64
	NeverFactor          float64
	RespondMin           int
	RespondMax           int
	PromiseRate          float64
	BrokenRate           float64
	DisputeRate          float64
	DisputeDays          int
}

// Segment is a share of the customers with their behaviour, invoice sizes
// and payment terms.
type Segment struct {
	Name      string
	Share     float64   // of all customers
	Behaviour Behaviour //
	// MinAmount and MaxAmount bound an invoice's amount in whole euros.
	MinAmount, MaxAmount int
	NetDays              int // payment terms
}

// Model is the portfolio's segments; shares add up to 1.
type Model struct {
	Segments []Segment
}

// DefaultModel is the model the simulator's README figures come from. Its
// assumptions, in short: enterprises pay late but surely and answer
// reminders moderately; small businesses are mixed; start-ups pay late
// often, a tenth never, and answer firm notices best. Stage responses rise
// from friendly reminder to letter before action, as collection studies
// report; the exact figures are assumptions to be replaced by a team's own
// history.
func DefaultModel() Model {
	resp := func(r, o, f, l float64) map[notice.Stage]float64 {
		return map[notice.Stage]float64{notice.FriendlyReminder: r, notice.OverdueNotice: o, notice.FinalNotice: f, notice.LetterBeforeAction: l}
	}
	return Model{Segments: []Segment{
		{Name: "enterprise", Share: 0.15, MinAmount: 5000, MaxAmount: 50000, NetDays: 45, Behaviour: Behaviour{
			Early: 0.10, OnTime: 0.35, Never: 0.01, LateMin: 10, LateMax: 60,
			Respond: resp(0.15, 0.30, 0.45, 0.60), NeverFactor: 0.3, RespondMin: 3, RespondMax: 10,
			PromiseRate: 0.20, BrokenRate: 0.10, DisputeRate: 0.05, DisputeDays: 20,
		}},
		{Name: "smb", Share: 0.60, MinAmount: 500, MaxAmount: 5000, NetDays: 30, Behaviour: Behaviour{
			Early: 0.15, OnTime: 0.30, Never: 0.04, LateMin: 5, LateMax: 75,
			Respond: resp(0.25, 0.35, 0.50, 0.60), NeverFactor: 0.3, RespondMin: 1, RespondMax: 7,
			PromiseRate: 0.15, BrokenRate: 0.30, DisputeRate: 0.03, DisputeDays: 15,
		}},
		{Name: "startup", Share: 0.25, MinAmount: 200, MaxAmount: 3000, NetDays: 14, Behaviour: Behaviour{
			Early: 0.05, OnTime: 0.20, Never: 0.10, LateMin: 10, LateMax: 120,
			Respond: resp(0.20, 0.30, 0.45, 0.55), NeverFactor: 0.4, RespondMin: 1, RespondMax: 10,
			PromiseRate: 0.25, BrokenRate: 0.45, DisputeRate: 0.02, DisputeDays: 10,
		}},
	}}
}

// Validate checks the model's shares and ranges, naming the field at fault.
func (m Model) Validate() error {
	if len(m.Segments) == 0 {
		return fmt.Errorf("sim: model.segments: none")
	}
	total := 0.0
	for i, s := range m.Segments {
		p := fmt.Sprintf("model.segments[%d]", i)
		b := s.Behaviour
		if s.Name == "" {
			return fmt.Errorf("sim: %s.name: empty", p)
		}
		for name, v := range map[string]float64{"share": s.Share, "early": b.Early, "on_time": b.OnTime, "never": b.Never,
			"never_factor": b.NeverFactor, "promise_rate": b.PromiseRate, "broken_rate": b.BrokenRate, "dispute_rate": b.DisputeRate} {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("sim: %s.%s: %v is not a share in [0, 1]", p, name, v)
			}
		}
		if b.Early+b.OnTime+b.Never > 1 {
			return fmt.Errorf("sim: %s: early+on_time+never = %v exceeds 1", p, b.Early+b.OnTime+b.Never)
		}
		for st, v := range b.Respond {
			if !(v >= 0 && v <= 1) {
				return fmt.Errorf("sim: %s.respond[%s]: %v is not a share in [0, 1]", p, st, v)
			}
		}
		if b.LateMin < 1 || b.LateMax < b.LateMin {
			return fmt.Errorf("sim: %s.late: %d..%d: want 1 <= min <= max", p, b.LateMin, b.LateMax)
		}
		if b.RespondMin < 0 || b.RespondMax < b.RespondMin {
			return fmt.Errorf("sim: %s.respond_days: %d..%d: want 0 <= min <= max", p, b.RespondMin, b.RespondMax)
		}
		if s.MinAmount < 1 || s.MaxAmount < s.MinAmount {
			return fmt.Errorf("sim: %s.amount: %d..%d: want 1 <= min <= max", p, s.MinAmount, s.MaxAmount)
		}
		if s.NetDays < 1 {
			return fmt.Errorf("sim: %s.net_days: %d: want at least 1", p, s.NetDays)
		}
		total += s.Share
	}
	if total < 0.999 || total > 1.001 {
		return fmt.Errorf("sim: model.segments: shares add up to %v, want 1", total)
	}
	return nil
}

func (m Model) segment(name string) (*Segment, bool) {
	for i := range m.Segments {
		if m.Segments[i].Name == name {
			return &m.Segments[i], true
		}
	}
	return nil, false
}
