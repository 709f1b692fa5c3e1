package dunning_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// parallelWorld is wakeWorld's policy and portfolio copied up to 6 times
// under other IDs (the copies' records shuffled), with unapplied money for
// some customers, an open task for some, and now and then an invalid
// invoice or two invoices of one ID, which Plan rejects.
func parallelWorld(t *rapid.T, base date.Date) (*dunning.Policy, dunning.Portfolio) {
	pol, one := wakeWorld(t, base)
	var pf dunning.Portfolio
	for r := range rapid.IntRange(1, 6).Draw(t, "copies") {
		id := func(s string) string { return fmt.Sprintf("%s-%d", s, r) }
		for _, c := range one.Customers {
			c.ID = id(c.ID)
			switch rapid.IntRange(0, 40).Draw(t, "invalidCustomer") {
			case 0:
				c.TimeZone = "Mars/Olympus_Mons" // rejected with its invoices
			case 1:
				c.Name = "Acme\nTotal due: EUR 0.00"
			}
			pf.Customers = append(pf.Customers, c)
			switch rapid.IntRange(0, 5).Draw(t, "extra") {
			case 0:
				pf.Unapplied = append(pf.Unapplied, dunning.Unapplied{ID: id("u-" + c.ID), CustomerID: c.ID, Kind: dunning.UnappliedPayment,
					Currency: "EUR", Date: base + date.Date(rapid.IntRange(0, 150).Draw(t, "unappliedOn")),
					Amount: dunningtest.Amount(rapid.SampledFrom([]string{"30.00", "100.00", "250.00"}).Draw(t, "unapplied"))})
			case 1:
				pf.Tasks = append(pf.Tasks, dunning.CollectorTask{ID: "task-" + c.ID, CustomerID: c.ID, Kind: dunning.Task,
					Title: "call", Due: base, Status: dunning.TaskOpen, Currency: "EUR", Amount: dunningtest.Amount("100.00")})
			}
		}
		for _, a := range one.Agreements {
			a.ID, a.CustomerID = id(a.ID), id(a.CustomerID)
			pf.Agreements = append(pf.Agreements, a)
		}
		for _, inv := range one.Invoices {
			inv.ID, inv.Number, inv.CustomerID = id(inv.ID), id(inv.Number), id(inv.CustomerID)
			if inv.AgreementID != "" {
				inv.AgreementID = id(inv.AgreementID)
			}
			switch rapid.IntRange(0, 30).Draw(t, "invalid") {
			case 0:
				inv.Amount = dunningtest.Amount("-1.00")
			case 1:
				// Another invoice's ID: both are rejected, wherever the
				// shuffle puts them among the workers' parts.
				if len(pf.Invoices) > 0 {
					inv.ID = pf.Invoices[rapid.IntRange(0, len(pf.Invoices)-1).Draw(t, "duplicateOf")].ID
				}
			}
			pf.Invoices = append(pf.Invoices, inv)
		}
	}
	for _, tk := range pf.Tasks {
		for _, inv := range pf.Invoices {
			if inv.CustomerID == tk.CustomerID {
				tk.InvoiceIDs = append(tk.InvoiceIDs, inv.ID)
			}
		}
	}
	pf.Customers = rapid.Permutation(pf.Customers).Draw(t, "customerOrder")
	pf.Invoices = rapid.Permutation(pf.Invoices).Draw(t, "invoiceOrder")
	pf.History = dunning.HistoryMap{}
	return pol, pf
}

// TestParallelPlanIsSequential: a day's customers planned by 2 to 6
// workers, each planning a contiguous range of them, give the plan of
// planning them one after the other (Policy.PlanWorkers = 1), byte for
// byte: every action, its order, its reason, notice and key, and the
// rejected records. Over generated portfolios (parallelWorld) and a
// stretch of days, recording each day's actions, with some of each day's
// actions reviewed (skipped, or moved to another step) and the day planned
// again with the reviews, so that the reviewed levels, the unapplied money
// that covers a notice, the tasks cancelled, the statements and the
// per-customer notices all cross the workers' ranges.
func TestParallelPlanIsSequential(t *testing.T) {
	base := date.New(2026, 1, 5)
	actions, reviewed := 0, 0
	rapid.Check(t, func(t *rapid.T) {
		pol, pf := parallelWorld(t, base)
		pol.PlanWorkers = 1
		workers := rapid.IntRange(2, 6).Draw(t, "workers")
		h := pf.History.(dunning.HistoryMap)
		same := func(d date.Date) []dunning.Action {
			want, err := dunning.Plan(d, pol, pf)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dunning.PlanWorkers(d, pol, pf, workers)
			if err != nil {
				t.Fatal(err)
			}
			b1, _ := json.Marshal(got)
			b2, _ := json.Marshal(want)
			if string(b1) != string(b2) {
				t.Fatalf("on %s, %d workers:\n%s\none after the other:\n%s", d, workers, b1, b2)
			}
			return want
		}
		for d := base; d < base+240; d += date.Date(rapid.IntRange(1, 4).Draw(t, "step")) {
			acts := same(d)
			actions += len(acts)
			if len(acts) > 0 && rapid.IntRange(0, 3).Draw(t, "review") == 0 {
				a := acts[rapid.IntRange(0, len(acts)-1).Draw(t, "reviewed")]
				r := dunning.Review{CustomerID: a.CustomerID, Key: a.Key, Decision: dunning.Skip, By: "ops", At: d.MidnightUTC()}
				if wf, ok := pol.Workflow(a.Workflow); ok && rapid.Bool().Draw(t, "changeLevel") {
					r.Decision, r.Step = dunning.ChangeLevel, wf.Steps[rapid.IntRange(0, len(wf.Steps)-1).Draw(t, "level")].Name
				}
				pf.Reviews = append(pf.Reviews, r)
				acts = same(d)
				reviewed++
			}
			record(h, acts, d)
		}
	})
	if actions < 1000 || reviewed < 50 {
		t.Fatalf("only %d actions and %d reviews over all the days planned", actions, reviewed)
	}
	t.Logf("%d actions planned, %d reviews", actions, reviewed)
}

// TestParallelPlanPanics: a panic while planning a customer (here the
// app's FX function, called for the compensation of a USD invoice under a
// EUR regime) comes out of Plan on the calling goroutine, with its value,
// as it does when the customers are planned one after the other: the panic
// of the first customer in ID order that panics, whichever worker planned
// it, and no goroutine of the plan is left running.
func TestParallelPlanPanics(t *testing.T) {
	// 99 actions on benchAsOf (checkBenchActions' days 75, 90 and 106 of
	// 120), of the 30 customers c%06d with d%40 = 10, 26 or 35 (customer
	// d's invoices are d, d+400, ..., each due on day d%120, d+40%120, ...).
	pf := benchPortfolio(400, 4_000)
	pol := stdPolicy()
	pol.Charges = &dunning.Charges{Interest: &charge.Interest{Regime: charge.DEB2B},
		Rates: charge.RateTable{{From: day("2026-01-01"), Percent: dunningtest.Amount("1.27")}}, Compensation: true}
	pol.FX = func(amount decimal.Decimal, from, to dunning.Currency, on date.Date) (decimal.Decimal, error) {
		panic(fmt.Sprintf("FX %s", amount.StringFixed(2)))
	}
	usd := func(custs ...string) dunning.Portfolio {
		p := pf
		p.Invoices = slices.Clone(pf.Invoices)
		for i := range p.Invoices {
			if slices.Contains(custs, p.Invoices[i].CustomerID) {
				p.Invoices[i].Currency = "USD"
				// Each customer's own amount, to tell the panics apart.
				n := strings.TrimLeft(p.Invoices[i].CustomerID, "c0")
				p.Invoices[i].Amount = dunningtest.Amount(n + ".00")
				p.Invoices[i].Lines = []dunning.Line{{Description: "Subscription", Amount: p.Invoices[i].Amount}}
			}
		}
		return p
	}
	caught := func(f func() ([]dunning.Action, error)) (v any) {
		defer func() { v = recover() }()
		if _, err := f(); err != nil {
			t.Fatal(err)
		}
		return nil
	}
	plans, _ := dunning.Plan(benchAsOf, stdPolicy(), pf)
	due := map[string]bool{}
	for _, a := range plans {
		due[a.CustomerID] = true
	}
	// Customers with an action on benchAsOf, early and late in ID order.
	if len(due) != 30 || !due["c000075"] || !due["c000395"] || !due["c000090"] {
		t.Fatalf("customers with an action: %v", due)
	}
	for _, tc := range []struct {
		custs []string
		want  string
	}{
		{[]string{"c000395"}, "FX 395.00"},           // the last range's
		{[]string{"c000075"}, "FX 75.00"},            // the first range's
		{[]string{"c000395", "c000090"}, "FX 90.00"}, // the earlier of two ranges'
		{[]string{"c000090", "c000075"}, "FX 75.00"},
		{[]string{"c000395", "c000226"}, "FX 226.00"}, // the earlier of two later ranges'
		// Every customer with an action from c000226 on: the ranges after
		// the first that panics may be planned at the same time, and panic.
		{[]string{"c000395", "c000386", "c000370", "c000355", "c000346", "c000330", "c000315", "c000306",
			"c000290", "c000275", "c000266", "c000250", "c000235", "c000226"}, "FX 226.00"},
		// two in one range
	} {
		p := usd(tc.custs...)
		seq := *pol
		seq.PlanWorkers = 1
		if v := caught(func() ([]dunning.Action, error) { return dunning.Plan(benchAsOf, &seq, p) }); v != tc.want {
			t.Fatalf("%v, one after the other: panic %v, want %q", tc.custs, v, tc.want)
		}
		before := runtime.NumGoroutine()
		for _, w := range []int{2, 3, 4} {
			if v := caught(func() ([]dunning.Action, error) { return dunning.PlanWorkers(benchAsOf, pol, p, w) }); v != tc.want {
				t.Errorf("%v, %d workers: panic %v, want %q", tc.custs, w, v, tc.want)
			}
		}
		// Plan waited for its workers: none is left (allowing the runtime a
		// moment to retire the exited goroutines).
		for i := 0; runtime.NumGoroutine() > before && i < 100; i++ {
			time.Sleep(time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("%v: %d goroutines after the plans, %d before", tc.custs, n, before)
		}
	}
}

// TestParallelPlanMerge: the ranges' actions are merged in order whether
// a range's actions stayed in its window of the day's slice or outgrew it.
// benchPortfolio(400, 4,000) has 99 actions on benchAsOf, about as many as
// invoices with a step due in each range; giving the first customers in ID
// order an open task on a paid invoice adds a CancelTask action to each,
// so the first range outgrows its window (by 4 actions with 12 tasks, the
// day's slice still big enough for all: moving the first range's actions
// into it would overwrite the second range's before they move) while the
// later ones stay in theirs. Each plan must be the plan of one worker.
func TestParallelPlanMerge(t *testing.T) {
	pf := benchPortfolio(400, 4_000)
	withTasks := func(n int) dunning.Portfolio {
		p := pf
		p.Invoices = slices.Clone(pf.Invoices)
		for i := range p.Invoices[:n] { // invoice i is customer c%06d's, i < 400
			inv := &p.Invoices[i]
			inv.Payments = []dunning.Payment{{Date: benchAsOf - 1, Amount: inv.Amount}}
			p.Tasks = append(p.Tasks, dunning.CollectorTask{ID: "task-" + inv.ID, CustomerID: inv.CustomerID,
				InvoiceIDs: []string{inv.ID}, Kind: dunning.Task, Title: "call", Due: benchAsOf, Status: dunning.TaskOpen, Currency: "EUR", Amount: inv.Amount})
		}
		return p
	}
	pol := stdPolicy()
	pol.PlanWorkers = 1
	// Invoices 75, 90 and 106 have a step due: paid among the first 150.
	for _, tc := range []struct{ tasks, notices int }{{0, 99}, {12, 99}, {150, 96}} {
		p := withTasks(tc.tasks)
		want, err := dunning.Plan(benchAsOf, pol, p)
		if err != nil {
			t.Fatal(err)
		}
		cancels := 0
		for _, a := range want {
			if a.Kind == dunning.CancelTask {
				cancels++
			}
		}
		if len(want)-cancels != tc.notices || cancels != tc.tasks {
			t.Fatalf("%d tasks: %d actions, %d cancellations", tc.tasks, len(want), cancels)
		}
		b2, _ := json.Marshal(want)
		for w := 2; w <= 4; w++ {
			got, err := dunning.PlanWorkers(benchAsOf, pol, p, w)
			if err != nil {
				t.Fatal(err)
			}
			if b1, _ := json.Marshal(got); string(b1) != string(b2) {
				t.Errorf("%d tasks, %d workers: the plan differs from one worker's (%d actions, want %d)", tc.tasks, w, len(got), len(want))
			}
		}
	}
}

// TestPlanWorkersSetting: Policy.PlanWorkers reads from JSON as
// plan_workers, and a negative count is refused with its field named.
func TestPlanWorkersSetting(t *testing.T) {
	in := strings.Replace(policyJSON, "{", `{"plan_workers": 2, `, 1)
	pol, err := dunning.ParsePolicy([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if pol.PlanWorkers != 2 {
		t.Errorf("plan_workers 2 read as %d", pol.PlanWorkers)
	}
	_, err = dunning.ParsePolicy([]byte(strings.Replace(policyJSON, "{", `{"plan_workers": -1, `, 1)))
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || fe.Field != "plan_workers" || fe.Value != "-1" {
		t.Errorf("plan_workers -1: %v, want a FieldError on plan_workers", err)
	}
}

// inFlight is a History that counts how many of its calls run at once.
// When wait is set, its first call waits (up to 10 s) for a second call
// to be under way, so two goroutines calling it are seen overlapping.
type inFlight struct {
	h         dunning.History
	wait      bool
	now, most atomic.Int32
	first     atomic.Bool
}

func (f *inFlight) Progress(id string) (dunning.Progress, bool) {
	f.enter()
	defer f.now.Add(-1)
	return f.h.Progress(id)
}

// enter counts a call under way (the caller leaves with f.now.Add(-1)),
// keeping the most at once, and when wait is set holds the first call.
func (f *inFlight) enter() {
	n := f.now.Add(1)
	for {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			break
		}
	}
	if f.wait && f.first.CompareAndSwap(false, true) {
		for deadline := time.Now().Add(10 * time.Second); f.most.Load() < 2 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
}

// TestPlanWorkersDefaultIsOneGoroutine: an app's History and Calendar need
// not be safe for concurrent use unless the policy asks for workers. With
// PlanWorkers unset (and 1), a day big enough for several workers calls
// them from one goroutine only; with PlanWorkers 2 the calls overlap (the
// control that shows the count sees concurrency when there is some).
func TestPlanWorkersDefaultIsOneGoroutine(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS ≥ 2 for the control")
	}
	pf := benchPortfolioMap(4_000, 120_000) // 1,000 invoices a due day, 3 steps dated asOf: 3,000 actions
	for _, tc := range []struct {
		workers int
		cal     bool // count the Calendar's calls, not the History's
		wait    bool
		want    func(most int32) bool
	}{
		{0, false, false, func(m int32) bool { return m == 1 }},
		{1, false, false, func(m int32) bool { return m == 1 }},
		{2, false, true, func(m int32) bool { return m >= 2 }},
		{0, true, false, func(m int32) bool { return m == 1 }},
		{2, true, true, func(m int32) bool { return m >= 2 }},
	} {
		pol := stdPolicy()
		pol.PlanWorkers = tc.workers
		p := pf
		var f *inFlight
		if tc.cal {
			f = &inFlight{wait: tc.wait}
			pol.Calendar = f
		} else {
			f = &inFlight{h: pf.History, wait: tc.wait}
			p.History = f
		}
		acts, err := dunning.Plan(benchAsOf, pol, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 3_000 {
			t.Fatalf("PlanWorkers %d: %d actions, want 3,000", tc.workers, len(acts))
		}
		if m := f.most.Load(); !tc.want(m) {
			t.Errorf("PlanWorkers %d (calendar %v): the app's code ran %d calls at once", tc.workers, tc.cal, m)
		}
	}
}

// IsBusinessDay makes inFlight an app's calendar (every day a business
// day), counted as Progress counts.
func (f *inFlight) IsBusinessDay(date.Date) bool {
	f.enter()
	defer f.now.Add(-1)
	return true
}

// TestPlanWorkersDefault: by default Plan uses every core only when the day
// calls no code of the app; PlanWorkers 1 never does, and n > 1 uses up to
// n, at most GOMAXPROCS.
func TestPlanWorkersDefault(t *testing.T) {
	g := runtime.GOMAXPROCS(0)
	own := dunning.BusinessCalendar{Weekend: []time.Weekday{time.Saturday, time.Sunday}}
	app := &inFlight{}
	fx := func(a decimal.Decimal, _, _ dunning.Currency, _ date.Date) (decimal.Decimal, error) { return a, nil }
	for _, tc := range []struct {
		name    string
		workers int
		cal     schedule.Calendar
		fx      bool
		h       dunning.History
		want    int
	}{
		{"nothing of the app's", 0, nil, false, nil, g},
		{"HistoryMap", 0, nil, false, dunning.HistoryMap{}, g},
		{"Snapshot", 0, nil, false, dunning.Snapshot{}, g},
		{"BusinessCalendar", 0, own, false, nil, g},
		{"schedule's calendars", 0, schedule.Combine(schedule.MonToFri(), schedule.Holidays(day("2026-12-25"))), false, nil, g},
		{"the app's History", 0, nil, false, app, 1},
		{"the app's Calendar", 0, app, false, nil, 1},
		{"the app's Calendar in Combine", 0, schedule.Combine(schedule.MonToFri(), app), false, nil, 1},
		{"FX", 0, nil, true, nil, 1},
		{"one", 1, nil, false, nil, 1},
		{"two, the app's History", 2, nil, false, app, min(2, g)},
		{"more than the cores", g + 3, nil, false, nil, g},
	} {
		pol := stdPolicy()
		pol.PlanWorkers, pol.Calendar = tc.workers, tc.cal
		if tc.fx {
			pol.FX = fx
		}
		if got := dunning.MaxPlanWorkers(pol, dunning.Portfolio{History: tc.h}); got != tc.want {
			t.Errorf("%s: PlanWorkers %d plans on %d goroutines, want %d", tc.name, tc.workers, got, tc.want)
		}
	}
}
