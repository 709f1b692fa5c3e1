package metrics

import (
	"cmp"
	"iter"
	"slices"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// StepStats is how one workflow step, or one template, performs.
type StepStats struct {
	Workflow  string   `json:"workflow,omitempty"`
	Step      string   `json:"step,omitempty"`
	Template  string   `json:"template,omitempty"`
	Currency  Currency `json:"currency"`
	Sent      int      `json:"sent"`
	Failed    int      `json:"failed"`
	Delivered int      `json:"delivered"`
	Bounced   int      `json:"bounced"`
	Opened    int      `json:"opened"`
	Clicked   int      `json:"clicked"`
	// PaidWithin counts notices whose invoices were all settled within N
	// days after the notice (N = Performance's window), and PaidAmount the
	// amount the notice asked for (Record.Amount) of those notices.
	PaidWithin int             `json:"paid_within"`
	PaidAmount decimal.Decimal `json:"paid_amount"`
	Asked      decimal.Decimal `json:"asked"` // sum of Record.Amount of sent notices
	// PaidShare = PaidWithin / Sent; OpenRate = Opened / Delivered (or Sent
	// when no delivery events are reported).
	PaidShare decimal.Decimal `json:"paid_share"`
	OpenRate  decimal.Decimal `json:"open_rate"`
}

// PerformanceReport lists step and template performance, sorted.
type PerformanceReport struct {
	Window    int          `json:"window_days"`
	Steps     []*StepStats `json:"steps"`
	Templates []*StepStats `json:"templates"`
	// Experiments compare the template variants of each step that ran an
	// experiment (dunning.Step.Variants, Record.Variant).
	Experiments []*Experiment `json:"experiments,omitempty"`
}

// Performance measures notices in the ledger: for each (workflow, step,
// currency) and each (template, currency), how many were sent, delivered,
// bounced, opened and clicked (from events, each counted once per notice),
// and how many were followed by payment in full of all their invoices
// within window days of the notice date. invoices must hold the invoices
// the records name (others are taken as unpaid). Only notice records count.
func Performance(records []dunning.Record, events []dunning.Event, invoices iter.Seq[dunning.Invoice], window int) *PerformanceReport {
	paid := map[string]date.Date{}
	for inv := range invoices {
		if d, ok := inv.PaidOn(date.Max()); ok {
			paid[inv.ID] = d
		}
	}
	type flags struct{ delivered, bounced, opened, clicked bool }
	seen := map[string]*flags{}
	for _, e := range events {
		f := seen[e.Key]
		if f == nil {
			f = &flags{}
			seen[e.Key] = f
		}
		switch e.Kind {
		case dunning.NoticeDelivered:
			f.delivered = true
		case dunning.NoticeBounced:
			f.bounced = true
		case dunning.NoticeOpened:
			f.opened = true
		case dunning.NoticeClicked:
			f.clicked = true
		}
	}
	type key struct {
		a, b string
		c    Currency
	}
	steps, tmpls, variants := map[key]*StepStats{}, map[key]*StepStats{}, map[key]*StepStats{}
	get := func(m map[key]*StepStats, k key, mk func() *StepStats) *StepStats {
		s := m[k]
		if s == nil {
			s = mk()
			m[k] = s
		}
		return s
	}
	for _, r := range records {
		if !r.Kind.IsNotice() {
			continue
		}
		targets := []*StepStats{get(steps, key{r.Workflow, r.Step, r.Currency}, func() *StepStats {
			return &StepStats{Workflow: r.Workflow, Step: r.Step, Currency: r.Currency}
		})}
		if r.Variant != "" {
			targets = append(targets, get(variants, key{r.Workflow + "\x00" + r.Step, r.Variant, r.Currency}, func() *StepStats {
				return &StepStats{Workflow: r.Workflow, Step: r.Step, Template: r.Variant, Currency: r.Currency}
			}))
		}
		if r.Template != "" {
			targets = append(targets, get(tmpls, key{r.Template, "", r.Currency}, func() *StepStats {
				return &StepStats{Template: r.Template, Currency: r.Currency}
			}))
		}
		allPaid := len(r.InvoiceIDs) > 0
		for _, id := range r.InvoiceIDs {
			d, ok := paid[id]
			if !ok || d < r.Date || int(d-r.Date) > window {
				allPaid = false
			}
		}
		f := seen[r.Key]
		if f == nil {
			f = &flags{}
		}
		for _, s := range targets {
			if r.Outcome == dunning.Failed {
				s.Failed++
				continue
			}
			s.Sent++
			s.Asked = s.Asked.Add(r.Amount)
			if f.delivered {
				s.Delivered++
			}
			if f.bounced {
				s.Bounced++
			}
			if f.opened {
				s.Opened++
			}
			if f.clicked {
				s.Clicked++
			}
			if allPaid {
				s.PaidWithin++
				s.PaidAmount = s.PaidAmount.Add(r.Amount)
			}
		}
	}
	finish := func(m map[key]*StepStats) []*StepStats {
		out := make([]*StepStats, 0, len(m))
		for _, s := range m {
			if s.Sent > 0 {
				s.PaidShare = ratio(decimal.NewFromInt(int64(s.PaidWithin)), decimal.NewFromInt(int64(s.Sent)), SharePlaces)
				base := s.Delivered
				if base == 0 {
					base = s.Sent
				}
				s.OpenRate = ratio(decimal.NewFromInt(int64(s.Opened)), decimal.NewFromInt(int64(base)), SharePlaces)
			}
			out = append(out, s)
		}
		slices.SortFunc(out, func(a, b *StepStats) int {
			return cmp.Or(cmp.Compare(a.Workflow, b.Workflow), cmp.Compare(a.Step, b.Step), cmp.Compare(a.Template, b.Template), cmp.Compare(a.Currency, b.Currency))
		})
		return out
	}
	return &PerformanceReport{Window: window, Steps: finish(steps), Templates: finish(tmpls), Experiments: experiments(finish(variants))}
}
