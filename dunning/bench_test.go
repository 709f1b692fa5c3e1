package dunning_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// benchPortfolio builds nInv open invoices over nCust customers, with due
// dates spread over 120 days, and a history in which every step dated
// before asOf was done (the ledger of a library that ran every day): on
// asOf only the invoices with a step dated that day get an action, 5 of
// every 120 (due-7, due, +14, +30, +45), as in a real ledger. The progress
// comes with the invoices (Invoice.Progress, as a store that loads both
// together gives it); benchPortfolioMap gives it as a HistoryMap instead.
func benchPortfolio(nCust, nInv int) dunning.Portfolio {
	pf := benchPortfolioMap(nCust, nInv)
	for i := range pf.Invoices {
		if p, ok := pf.History.Progress(pf.Invoices[i].ID); ok {
			pf.Invoices[i].Progress = &p
		}
	}
	pf.History = nil
	return pf
}

func benchPortfolioMap(nCust, nInv int) dunning.Portfolio {
	pf := dunning.Portfolio{Customers: make([]dunning.Customer, nCust), Invoices: make([]dunning.Invoice, nInv)}
	for i := range pf.Customers {
		pf.Customers[i] = dunningtest.Customer(fmt.Sprintf("c%06d", i))
	}
	base := day("2026-01-01")
	amt := decimal.RequireFromString("1234.50")
	for i := range pf.Invoices {
		due := base + date.Date(i%120)
		pf.Invoices[i] = dunning.Invoice{
			ID: fmt.Sprintf("i%07d", i), Number: fmt.Sprintf("INV-%07d", i), CustomerID: pf.Customers[i%nCust].ID,
			Currency: "EUR", Issued: due - 30, Due: due, Amount: amt,
			Lines: []dunning.Line{{Description: "Subscription", Amount: amt}},
		}
	}
	// The default cadence's offsets from the due date; index 0 (welcome,
	// agreement+3) does not apply without an agreement. Every day is a
	// business day in the policy, so nothing rolls.
	offsets := []int{1: -7, 2: 0, 3: 14, 4: 30, 5: 45}
	h := dunning.HistoryMap{}
	for i := range pf.Invoices {
		inv := &pf.Invoices[i]
		p := dunning.Progress{InvoiceID: inv.ID, Workflow: "standard", Step: -1, Fees: decimal.Zero}
		for s := 1; s < len(offsets); s++ {
			if d := inv.Due + date.Date(offsets[s]); d < benchAsOf {
				p.Step, p.Last = s, d
			}
		}
		if p.Step >= 0 {
			h[inv.ID] = p
		}
	}
	pf.History = h
	return pf
}

var benchAsOf = day("2026-05-01")

// BenchmarkPlan plans 1,000,000 open invoices of 100,000 customers;
// BenchmarkBareLoop walks the same slice doing what any planner must for
// the same answer, without the library's planner: each open balance, each
// of the cadence's due-date offsets compared with the day, and (in
// BenchmarkBareLoopHistory) the one history lookup per invoice that tells
// which steps are done. The ratio of the two is the planner's overhead per
// invoice; all three must find the same 24,999 actions.
func BenchmarkPlan(b *testing.B) { benchPlan(b, benchPortfolio(100_000, 1_000_000)) }

// BenchmarkPlanHistoryMap is BenchmarkPlan with the progress in a
// HistoryMap: one string-keyed lookup per invoice.
func BenchmarkPlanHistoryMap(b *testing.B) { benchPlan(b, benchPortfolioMap(100_000, 1_000_000)) }

// benchPlan plans pf's day on one goroutine (workers=1, the default) and
// with Policy.PlanWorkers at GOMAXPROCS (workers=N), the same plan.
func benchPlan(b *testing.B, pf dunning.Portfolio) {
	for _, w := range benchWorkers() {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			pol := stdPolicy()
			pol.PlanWorkers = w
			asOf := benchAsOf
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			var n int
			for b.Loop() {
				acts, err := dunning.Plan(asOf, pol, pf)
				if err != nil {
					b.Fatal(err)
				}
				n = len(acts)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/invoice")
			b.ReportMetric(float64(n), "actions")
			checkBenchActions(b, n)
		})
	}
}

// benchWorkers is the PlanWorkers settings the plan benchmarks run: 1 and,
// on a machine with more than one, GOMAXPROCS.
func benchWorkers() []int {
	if n := runtime.GOMAXPROCS(0); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// checkBenchActions: invoice i is due 2026-01-01 + i%120. Steps dated
// 05-01 are +14 (due 04-17, day 106), +30 (due 04-01, day 90) and +45 (due
// 03-17, day 75); due-7 and due would need due dates 05-08 and 05-01 (days
// 127 and 120), which no invoice has. 1,000,000 = 120*8,333 + 40, so days
// 0..39 have 8,334 invoices and days 40..119 have 8,333: 3 * 8,333 =
// 24,999 actions.
func checkBenchActions(b *testing.B, n int) {
	b.Helper()
	if n != 24_999 {
		b.Errorf("found %d actions, want 24,999", n)
	}
}

func BenchmarkBareLoop(b *testing.B) { bareLoop(b, false) }

// BenchmarkBareLoopHistory is the bare loop plus the one history lookup per
// invoice that any planner with a ledger must make.
func BenchmarkBareLoopHistory(b *testing.B) { bareLoop(b, true) }

func bareLoop(b *testing.B, history bool) {
	pf := benchPortfolioMap(100_000, 1_000_000)
	asOf := benchAsOf
	// The default cadence's due-date steps (index: offset); welcome does
	// not apply without an agreement.
	offsets := [...]date.Date{1: -7, 2: 0, 3: 14, 4: 30, 5: 45}
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	for b.Loop() {
		n = 0
		for i := range pf.Invoices {
			inv := &pf.Invoices[i]
			if inv.Open(asOf).Sign() <= 0 {
				continue
			}
			done := -1
			if history {
				if p, ok := pf.History.Progress(inv.ID); ok {
					done = p.Step
				}
			}
			for s := done + 1; s < len(offsets); s++ {
				if s > 0 && inv.Due+offsets[s] == asOf {
					n++
				}
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/invoice")
	checkBenchActions(b, n)
}

// BenchmarkPlanWoken plans the day of BenchmarkPlan as an app with wake
// dates does: only the customers with an invoice woken on asOf (Wake,
// computed beforehand as the app keeps it), with all their invoices. It
// must find the same 24,999 actions; BenchmarkPlan in the same run is the
// baseline.
func BenchmarkPlanWoken(b *testing.B) {
	pf := benchPortfolio(100_000, 1_000_000)
	pol := stdPolicy()
	asOf := benchAsOf
	w, err := dunning.Wake(asOf, pol, pf)
	if err != nil {
		b.Fatal(err)
	}
	keep := map[string]bool{}
	woken := 0
	for i := range pf.Invoices {
		if d, ok := w[pf.Invoices[i].ID]; ok && d <= asOf {
			keep[pf.Invoices[i].CustomerID] = true
			woken++
		}
	}
	// Steps fall on asOf for 24,999 invoices (checkBenchActions); every
	// earlier step is done, so no other invoice wakes today.
	if woken != 24_999 {
		b.Fatalf("%d invoices woken, want 24,999", woken)
	}
	sub := loaded(only(pf, keep))
	// The app holds only the day's customers: the whole portfolio and its
	// wake dates are gone before the timing starts.
	pf, w, keep = dunning.Portfolio{}, nil, nil
	for _, w := range benchWorkers() {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			pol := *pol
			pol.PlanWorkers = w
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			var n int
			for b.Loop() {
				acts, err := dunning.Plan(asOf, &pol, sub)
				if err != nil {
					b.Fatal(err)
				}
				n = len(acts)
			}
			b.ReportMetric(float64(len(sub.Invoices)), "invoices")
			b.ReportMetric(float64(n), "actions")
			checkBenchActions(b, n)
		})
	}
}

// loaded returns pf as a store that reads the day's rows gives it: each
// record and string allocated afresh, in the portfolio's order, and the
// invoices' progress in one slice (rows scanned into it), not the scattered
// objects of the 1 M-invoice portfolio pf was cut from.
func loaded(pf dunning.Portfolio) dunning.Portfolio {
	out := pf
	out.Customers = make([]dunning.Customer, len(pf.Customers))
	for i, c := range pf.Customers {
		c.ID, c.Name, c.Language = strings.Clone(c.ID), strings.Clone(c.Name), strings.Clone(c.Language)
		cs := make([]dunning.Contact, len(c.Contacts))
		for k, ct := range c.Contacts {
			ct.Name, ct.Email = strings.Clone(ct.Name), strings.Clone(ct.Email)
			ad := make([]string, len(ct.Address))
			for j, l := range ct.Address {
				ad[j] = strings.Clone(l)
			}
			ct.Address = ad
			cs[k] = ct
		}
		c.Contacts = cs
		out.Customers[i] = c
	}
	out.Invoices = make([]dunning.Invoice, len(pf.Invoices))
	progs := make([]dunning.Progress, len(pf.Invoices))
	for i, inv := range pf.Invoices {
		inv.ID, inv.Number, inv.CustomerID = strings.Clone(inv.ID), strings.Clone(inv.Number), strings.Clone(inv.CustomerID)
		ls := make([]dunning.Line, len(inv.Lines))
		for k, l := range inv.Lines {
			l.Description = strings.Clone(l.Description)
			ls[k] = l
		}
		inv.Lines = ls
		if inv.Progress != nil {
			progs[i] = *inv.Progress
			progs[i].InvoiceID, progs[i].Workflow = inv.ID, strings.Clone(progs[i].Workflow)
			inv.Progress = &progs[i]
		}
		out.Invoices[i] = inv
	}
	return out
}
