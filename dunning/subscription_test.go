package dunning_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
)

// fakeProvider answers charges by a script per attempt (a decline code,
// "" = charged, "crash" = charge, then the process dies before answering).
// It counts the money taken per key; with dedup it answers a known key
// with its first result, as providers with idempotency keys do.
type fakeProvider struct {
	mu      sync.Mutex
	script  map[int]string
	hard    map[string]bool
	dedup   bool
	look    bool
	charged map[string]int // money taken, by key
	calls   map[string]int
	byKey   map[string]dunning.ChargeResult
}

func newFakeProvider(script map[int]string) *fakeProvider {
	return &fakeProvider{script: script, hard: map[string]bool{"lost_card": true}, charged: map[string]int{}, calls: map[string]int{}, byKey: map[string]dunning.ChargeResult{}}
}

func (p *fakeProvider) Charge(_ context.Context, key string, req dunning.ChargeRequest) (dunning.ChargeResult, error) {
	p.mu.Lock()
	p.calls[key]++
	if r, ok := p.byKey[key]; ok && p.dedup {
		p.mu.Unlock()
		return r, nil
	}
	code := p.script[req.Attempt]
	r := dunning.ChargeResult{Outcome: dunning.Charged, TransactionID: "ch-" + key, Amount: req.Amount.Amount}
	if code != "" && code != "crash" {
		d := dunning.SoftDecline
		if p.hard[code] {
			d = dunning.HardDecline
		}
		r = dunning.ChargeResult{Outcome: dunning.ChargeDeclined, Decline: d, Code: code}
	} else {
		p.charged[key]++
	}
	p.byKey[key] = r
	p.mu.Unlock()
	if code == "crash" {
		p.mu.Lock()
		p.script[req.Attempt] = "" // the next process sees a working provider
		p.mu.Unlock()
		panic(crash{"after charge"})
	}
	return r, nil
}

// lookingProvider is a fakeProvider that answers look-ups by key.
type lookingProvider struct{ *fakeProvider }

func (p lookingProvider) LookupCharge(_ context.Context, key string) (dunning.ChargeResult, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.byKey[key]
	return r, ok, nil
}

type hookLog struct {
	mu      sync.Mutex
	changes []string
}

func (h *hookLog) Apply(_ context.Context, key string, c dunning.AccountChange) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.changes = append(h.changes, fmt.Sprintf("%s %s %s", c.Date, c.Kind, c.State.Name))
	return nil
}

// subsWorkflow: the default retries (due+1, 3, 5, 7), then credit hold on
// due+8, suspension on due+15 and cancellation on due+30.
func subsWorkflow() dunning.Workflow {
	w := dunning.DefaultRetryWorkflow("subs")
	at := func(d int) schedule.Offset { return schedule.Offset{Anchor: schedule.Due, Days: d} }
	w.Steps = append(w.Steps,
		dunning.Step{Name: "hold", At: at(8), Action: dunning.Suspend, State: "credit-hold"},
		dunning.Step{Name: "suspend", At: at(15), Action: dunning.Suspend, State: "suspended"},
		dunning.Step{Name: "cancel", At: at(30), Action: dunning.CancelSubscription})
	return w
}

type subsEnv struct {
	pol   *dunning.Policy
	st    dunning.Store
	clock *dunningtest.Clock
	pf    dunning.Portfolio
	prov  *fakeProvider
	hook  *hookLog
	r     *dunning.Runner
	sent  *dunningtest.Sender
}

// newSubsEnv: one invoice of GBP 50.00 due 2026-11-01.
func newSubsEnv(t *testing.T, script map[int]string) *subsEnv {
	t.Helper()
	e := &subsEnv{pol: dunningtest.Policy(subsWorkflow()), clock: dunningtest.ClockAt(dunningtest.Day("2026-11-01")), prov: newFakeProvider(script), hook: &hookLog{}, sent: &dunningtest.Sender{}}
	e.st = memory.New(memory.WithClock(e.clock))
	e.pf = dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")},
		Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", dunningtest.Day("2026-10-02"), dunningtest.Day("2026-11-01"), "50.00", "GBP")}}
	e.r = &dunning.Runner{Policy: e.pol, Store: e.st, Sender: e.sent, Collector: e.prov, Hook: e.hook, Clock: e.clock, Owner: "r1",
		Sleep: func(context.Context, time.Duration) error { return nil }}
	return e
}

// day runs the day and applies the payment events the report hands back.
func (e *subsEnv) day(t *testing.T, d string) dunning.Report {
	t.Helper()
	e.clock.Set(dunningtest.Day(d).MidnightUTC().Add(9 * time.Hour))
	rep, err := e.r.Run(context.Background(), e.pf)
	if err != nil {
		t.Fatalf("%s: %v", d, err)
	}
	for _, res := range rep.Results {
		if res.Event != nil {
			if err := e.pf.Invoices[0].Apply(*res.Event); err != nil {
				t.Fatal(err)
			}
		}
	}
	return rep
}

func statuses(rep dunning.Report) string {
	var s []string
	for _, r := range rep.Results {
		s = append(s, r.Key[strings.LastIndex(r.Key[:strings.LastIndex(r.Key, "/")], "/")+1:]+"="+string(r.Status))
	}
	return strings.Join(s, " ")
}

// A soft decline moves on to the next retry; the charge of the third goes
// through: recorded once, its payment event appended once (in the store and
// in the report) with the open balance, and nothing more happens.
func TestRetrySoftThenCharged(t *testing.T) {
	e := newSubsEnv(t, map[int]string{1: "insufficient_funds", 2: "insufficient_funds", 3: ""})
	want := map[string]string{
		"2026-11-01": "",
		"2026-11-02": "retry-1/c0=declined",
		"2026-11-03": "",
		"2026-11-04": "retry-3/c0=declined",
		"2026-11-05": "",
		"2026-11-06": "retry-5/c0=charged",
		"2026-11-07": "", "2026-11-08": "", "2026-11-09": "", "2026-11-16": "",
	}
	for _, d := range []string{"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05", "2026-11-06", "2026-11-07", "2026-11-08", "2026-11-09", "2026-11-16"} {
		if got := statuses(e.day(t, d)); got != want[d] {
			t.Errorf("%s: %q, want %q", d, got, want[d])
		}
	}
	evs, _ := e.st.Events(context.Background())
	key := "inv/c1/i1/subs/retry-5/c0"
	if len(evs) != 1 || evs[0].ID != "pay/"+key || evs[0].Kind != dunning.PaymentReceived || !evs[0].Amount.Equal(dunningtest.Amount("50")) || evs[0].Date != dunningtest.Day("2026-11-06") {
		t.Errorf("events %+v, want one payment of 50 on 2026-11-06 with ID pay/%s", evs, key)
	}
	recs, _ := e.st.Records(context.Background())
	if len(recs) != 3 || recs[2].Outcome != dunning.Sent || recs[2].MessageID != "ch-"+key || recs[0].Outcome != dunning.Declined || recs[0].Error != "soft decline: insufficient_funds" {
		t.Errorf("records %+v", recs)
	}
	if len(e.hook.changes) != 0 || e.prov.charged[key] != 1 {
		t.Errorf("hook %v, charges %v", e.hook.changes, e.prov.charged)
	}
}

// A hard decline stops the retries: the record is Failed, the invoice
// stands at the last retry step, the payment-update email goes out in the
// same run, and the next step is the credit hold on due+8.
func TestRetryHardDecline(t *testing.T) {
	e := newSubsEnv(t, map[int]string{1: "lost_card"})
	if got := statuses(e.day(t, "2026-11-02")); got != "retry-1/c0=failed c0/fallback=sent" {
		t.Fatalf("2026-11-02: %s", got)
	}
	msgs := e.sent.Sent()
	if len(msgs) != 1 || msgs[0].Notice.Stage != notice.PaymentUpdate || !strings.HasPrefix(msgs[0].Notice.Subject, "Payment declined: please update your payment method") {
		t.Fatalf("sent %+v", msgs)
	}
	if txt := msgs[0].Notice.Text; !strings.Contains(txt, "declined") || strings.Contains(txt, "retry-1") || strings.Contains(txt, "subs") {
		t.Errorf("text names internals or misses the decline:\n%s", txt)
	}
	h, _ := e.st.History(context.Background())
	if p, _ := h.Progress("i1"); p.Step != 3 || p.Bounced != "" {
		t.Errorf("progress %+v, want step 3 (retry-7), nothing bounced", p)
	}
	for _, d := range []string{"2026-11-03", "2026-11-04", "2026-11-06", "2026-11-08"} {
		if got := statuses(e.day(t, d)); got != "" {
			t.Errorf("%s: %q, want no retry after a hard decline", d, got)
		}
	}
	if got := statuses(e.day(t, "2026-11-09")); got != "hold/c0=sent" {
		t.Errorf("2026-11-09: %q, want the credit hold", got)
	}
	if len(e.prov.calls) != 1 {
		t.Errorf("provider called for %v, want retry-1 only", e.prov.calls)
	}
}

// Blocking states day by day: credit hold on due+8 (11-09), suspended on
// due+15 (11-16); a hold placed on 11-20 resumes the account at once; the
// hold ending on 11-25 does not block again (the suspend steps are done),
// and the cancellation on due+30 (12-01) is final: a payment after it
// resumes nothing.
func TestBlockingStatesByDay(t *testing.T) {
	t.Run("memory", func(t *testing.T) { blockingByDay(t, func(*testing.T) crashEnv { return memoryEnv(1) }) })
	t.Run("postgres", func(t *testing.T) { blockingByDay(t, func(t *testing.T) crashEnv { return postgresEnv(t, 1) }) })
}

func blockingByDay(t *testing.T, mk func(*testing.T) crashEnv) {
	e := newSubsEnv(t, map[int]string{})
	e.st, _ = mk(t).fresh(t, e.clock)
	e.r.Store = e.st
	e.prov.script = map[int]string{1: "insufficient_funds", 2: "insufficient_funds", 3: "insufficient_funds", 4: "insufficient_funds"}
	ctx := context.Background()
	state := func(d string) dunning.AccountState {
		t.Helper()
		h, _ := e.st.History(ctx)
		pf := e.pf
		pf.History = h
		sts, err := dunning.AccountStates(dunningtest.Day(d), e.pol, pf)
		if err != nil || len(sts) != 1 {
			t.Fatal(sts, err)
		}
		return sts[0]
	}
	for d := dunningtest.Day("2026-11-02"); d <= dunningtest.Day("2026-11-19"); d++ {
		e.day(t, d.String())
	}
	if s := state("2026-11-19"); s.State != dunning.Suspended || s.Since != dunningtest.Day("2026-11-16") || s.Resume != "" {
		t.Errorf("11-19: %+v, want suspended since 11-16", s)
	}
	e.pf.Invoices[0].Hold = &dunning.Hold{Since: dunningtest.Day("2026-11-20"), Until: dunningtest.Day("2026-11-25"), Reason: "talking to the customer"}
	if s := state("2026-11-20"); !strings.Contains(s.Resume, "is on hold since 2026-11-20") {
		t.Errorf("11-20 before the run: %+v, want a resume due", s)
	}
	if rep := e.day(t, "2026-11-20"); len(rep.Results) != 1 || rep.Results[0].Key != "resume/inv/c1/i1/subs/suspend/c0" || rep.Results[0].Status != dunning.StatusSent {
		t.Errorf("11-20: %+v, want the resume", rep.Results)
	}
	if s := state("2026-11-21"); s.State != dunning.Active {
		t.Errorf("11-21: %+v, want active", s)
	}
	for d := dunningtest.Day("2026-11-21"); d <= dunningtest.Day("2026-11-30"); d++ {
		if got := statuses(e.day(t, d.String())); got != "" {
			t.Errorf("%s: %q, want nothing", d, got)
		}
	}
	if got := statuses(e.day(t, "2026-12-01")); got != "cancel/c0=sent" {
		t.Errorf("12-01: %q", got)
	}
	if s := state("2026-12-01"); s.State != dunning.Cancelled {
		t.Errorf("12-01: %+v", s)
	}
	e.pf.Invoices[0].Payments = []dunning.Payment{{Date: dunningtest.Day("2026-12-02"), Amount: dunningtest.Amount("50")}}
	if got := statuses(e.day(t, "2026-12-02")); got != "" {
		t.Errorf("12-02: %q, want no resume after a cancellation", got)
	}
	want := "2026-11-09 suspend credit-hold|2026-11-16 suspend suspended|2026-11-20 resume suspended|2026-12-01 cancel cancelled"
	if got := strings.Join(e.hook.changes, "|"); got != want {
		t.Errorf("hook:\n got %s\nwant %s", got, want)
	}
}

// Two blocked invoices resume together, only once both are paid.
func TestResumeWaitsForEveryBlock(t *testing.T) {
	e := newSubsEnv(t, map[int]string{1: "lost_card"})
	e.pf.Invoices = append(e.pf.Invoices, dunningtest.Invoice("i2", "c1", dunningtest.Day("2026-10-02"), dunningtest.Day("2026-11-01"), "20.00", "GBP"))
	for d := dunningtest.Day("2026-11-02"); d <= dunningtest.Day("2026-11-09"); d++ {
		e.day(t, d.String())
	}
	e.pf.Invoices[0].Payments = []dunning.Payment{{Date: dunningtest.Day("2026-11-10"), Amount: dunningtest.Amount("50")}}
	if got := statuses(e.day(t, "2026-11-10")); got != "" {
		t.Errorf("11-10: %q, want no resume while i2 is unpaid", got)
	}
	e.pf.Invoices[1].Payments = []dunning.Payment{{Date: dunningtest.Day("2026-11-11"), Amount: dunningtest.Amount("20")}}
	rep := e.day(t, "2026-11-11")
	if len(rep.Results) != 1 || !strings.HasPrefix(rep.Results[0].Key, "resume/cust/c1/2/") || rep.Results[0].Status != dunning.StatusSent {
		t.Errorf("11-11: %+v", rep.Results)
	}
	if got := e.hook.changes[len(e.hook.changes)-1]; got != "2026-11-11 resume credit-hold" {
		t.Errorf("last change %q", got)
	}
}

// Validation names the field and value.
func TestSubscriptionValidate(t *testing.T) {
	for _, tc := range []struct {
		step  dunning.Step
		field string
	}{
		{dunning.Step{Name: "s", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Suspend}, "w.steps[0].state"},
		{dunning.Step{Name: "s", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Suspend, State: "frozen"}, "w.steps[0].state"},
		{dunning.Step{Name: "s", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Suspend, State: "cancelled"}, "w.steps[0].state"},
		{dunning.Step{Name: "s", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Retry, State: "suspended"}, "w.steps[0].state"},
		{dunning.Step{Name: "s", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Resume}, "w.steps[0].action"},
		{dunning.Step{Name: "s", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Email, OnBounce: dunning.Email}, "w.steps[0].on_bounce"},
	} {
		w := dunning.Workflow{Name: "w", Steps: []dunning.Step{tc.step}}
		var fe *dunning.FieldError
		if err := w.Validate("w"); !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, dunning.ErrInvalid) {
			t.Errorf("%+v: %v, want a FieldError on %s", tc.step, err, tc.field)
		}
	}
	w := dunning.Workflow{Name: "w", States: []dunning.BlockingState{{Name: "read-only", BlockChanges: true}},
		Steps: []dunning.Step{{Name: "s", At: schedule.Offset{Anchor: schedule.Due}, Action: dunning.Suspend, State: "read-only"},
			{Name: "r", At: schedule.Offset{Anchor: schedule.Due, Days: 1}, Action: dunning.Retry, OnBounce: dunning.Email}}}
	if err := w.Validate("w"); err != nil {
		t.Errorf("custom state: %v", err)
	}
	w.States = append(w.States, dunning.BlockingState{Name: "noop"})
	if err := w.Validate("w"); err == nil || !strings.Contains(err.Error(), "w.states[1]") {
		t.Errorf("a state without flags: %v", err)
	}
}

// A Runner without a Collector stops at a retry instead of skipping it.
func TestRetryNeedsCollector(t *testing.T) {
	e := newSubsEnv(t, nil)
	e.r.Collector = nil
	e.clock.Set(dunningtest.Day("2026-11-02").MidnightUTC().Add(9 * time.Hour))
	if _, err := e.r.Run(context.Background(), e.pf); err == nil || !strings.Contains(err.Error(), "Collector") {
		t.Errorf("err %v", err)
	}
}

// The fault: the process dies after the provider charged and before the
// record (a panic in the Collector after the charge, and, in a second
// case, in the store's Complete). After the lease the next runner claims
// the key again (unknown outcome): with a looking-up collector it finds the
// charge and records it without charging (StatusRecovered); with a
// provider that deduplicates by key it charges again under the same key
// and the provider takes no second payment (StatusResent). Either way the
// key is charged once, recorded once, and its payment event stored once.
func TestRetryCrashBetweenChargeAndRecord(t *testing.T) {
	t.Run("memory", func(t *testing.T) { retryCrash(t, func(*testing.T) crashEnv { return memoryEnv(1) }) })
	t.Run("postgres", func(t *testing.T) { retryCrash(t, func(t *testing.T) crashEnv { return postgresEnv(t, 1) }) })
}

// retryCrash runs the cases, each on a fresh store (a schema of its own on
// PostgreSQL: the cases share their keys).
func retryCrash(t *testing.T, mk func(*testing.T) crashEnv) {
	for _, tc := range []struct {
		name       string
		look       bool
		crashStore bool
		want       dunning.Status
		calls      int
	}{
		{"looker/crash-after-charge", true, false, dunning.StatusRecovered, 1},
		{"looker/crash-before-record", true, true, dunning.StatusRecovered, 1},
		{"dedup/crash-after-charge", false, false, dunning.StatusResent, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSubsEnv(t, map[int]string{1: "crash"})
			var advance func(time.Duration)
			e.st, advance = mk(t).fresh(t, e.clock)
			if tc.crashStore {
				e.prov.script[1] = ""
			}
			e.prov.dedup = true
			var col dunning.Collector = e.prov
			if tc.look {
				col = lookingProvider{e.prov}
			}
			f := &faults{hits: map[string]int{}, windowHits: map[string]int{}}
			if tc.crashStore {
				f.arm("before record", 0)
			}
			r1 := &dunning.Runner{Policy: e.pol, Store: crashStore{e.st, f}, Collector: col, Hook: e.hook, Clock: e.clock, Owner: "r1", Lease: time.Minute}
			e.clock.Set(dunningtest.Day("2026-11-02").MidnightUTC().Add(9 * time.Hour))
			func() {
				defer func() {
					if c, ok := recover().(crash); !ok {
						t.Fatalf("no crash: %v", c)
					}
				}()
				_, _ = r1.Run(context.Background(), e.pf)
			}()
			f.disarm()
			key := "inv/c1/i1/subs/retry-1/c0"
			ctx := context.Background()
			if recs, _ := e.st.Records(ctx); len(recs) != 0 {
				t.Fatalf("recorded before the crash: %+v", recs)
			}
			// Within the lease nobody else charges.
			r2 := &dunning.Runner{Policy: e.pol, Store: e.st, Collector: col, Hook: e.hook, Clock: e.clock, Owner: "r2", Lease: time.Minute}
			if rep, err := r2.Run(ctx, e.pf); err != nil || rep.Counts[dunning.StatusBusy] != 1 {
				t.Fatalf("within the lease: %+v %v", rep, err)
			}
			advance(2 * time.Minute)
			rep, err := r2.Run(ctx, e.pf)
			if err != nil || len(rep.Results) != 1 || rep.Results[0].Status != tc.want || rep.Results[0].Event == nil {
				t.Fatalf("after the lease: %+v %v", rep, err)
			}
			if e.prov.charged[key] != 1 || e.prov.calls[key] != tc.calls {
				t.Errorf("charged %d, calls %d, want 1 and %d", e.prov.charged[key], e.prov.calls[key], tc.calls)
			}
			recs, _ := e.st.Records(ctx)
			if len(recs) != 1 || recs[0].Key != key || recs[0].Outcome != dunning.Sent || !recs[0].Unknown || recs[0].Recovered != tc.look {
				t.Errorf("records %+v", recs)
			}
			evs, _ := e.st.Events(ctx)
			if len(evs) != 1 || evs[0].ID != "pay/"+key {
				t.Errorf("events %+v, want the payment once", evs)
			}
			// The record advanced the invoice: the key is not planned again.
			if rep, _ := r2.Run(ctx, e.pf); rep.Planned != 0 || e.prov.calls[key] != tc.calls {
				t.Errorf("a third run: %+v", rep)
			}
		})
	}
}

// The ends of dunning go through the hook and into the ledger, one per
// step and day; a hook that refuses one for good (ErrPermanent) leaves a
// Failed record and a collector task in its place.
func TestEndOfDunning(t *testing.T) {
	at := func(d int) schedule.Offset { return schedule.Offset{Anchor: schedule.Due, Days: d} }
	w := dunning.Workflow{Name: "end", Steps: []dunning.Step{
		{Name: "uncollectible", At: at(10), Action: dunning.MarkUncollectible},
		{Name: "agency", At: at(20), Action: dunning.HandOver},
		{Name: "write-off", At: at(30), Action: dunning.WriteOff},
	}}
	e := newSubsEnv(t, nil)
	e.pol = dunningtest.Policy(w)
	e.r.Policy = e.pol
	refuse := true
	e.r.Hook = dunning.AccountHookFunc(func(ctx context.Context, key string, c dunning.AccountChange) error {
		if c.Kind == dunning.HandOver && refuse {
			return fmt.Errorf("agency refuses claims under GBP 100: %w", dunning.ErrPermanent)
		}
		return e.hook.Apply(ctx, key, c)
	})
	want := map[string]string{
		"2026-11-11": "uncollectible/c0=sent",
		"2026-11-21": "agency/c0=failed c0/fallback=sent",
		"2026-12-01": "write-off/c0=sent",
	}
	for d := dunningtest.Day("2026-11-02"); d <= dunningtest.Day("2026-12-02"); d++ {
		if got := statuses(e.day(t, d.String())); got != want[d.String()] {
			t.Errorf("%s: %q, want %q", d, got, want[d.String()])
		}
	}
	if got := strings.Join(e.hook.changes, "|"); got != "2026-11-11 uncollectible |2026-12-01 write-off " {
		t.Errorf("hook %q", got)
	}
	recs, _ := e.st.Records(context.Background())
	var kinds []string
	for _, r := range recs {
		kinds = append(kinds, fmt.Sprintf("%s:%s:%s", r.Date, r.Kind, r.Outcome))
	}
	if got := strings.Join(kinds, " "); got != "2026-11-11:uncollectible:sent 2026-11-21:hand-over:failed 2026-11-21:task:sent 2026-12-01:write-off:sent" {
		t.Errorf("ledger %s", got)
	}
	tasks, _ := e.st.Tasks(context.Background(), dunning.TaskOpen)
	if len(tasks) != 1 || tasks[0].ID != "inv/c1/i1/end/agency/c0/fallback" {
		t.Errorf("tasks %+v", tasks)
	}
}

// A collector that cannot work (ErrSenderSetup) stops the run, names
// itself, and leaves the retry pending for the next run.
func TestRetryCollectorSetup(t *testing.T) {
	e := newSubsEnv(t, map[int]string{1: ""})
	calls := 0
	e.r.Collector = dunning.CollectorFunc(func(ctx context.Context, key string, req dunning.ChargeRequest) (dunning.ChargeResult, error) {
		calls++
		return dunning.ChargeResult{}, fmt.Errorf("401 invalid API key: %w", dunning.ErrSenderSetup)
	})
	e.clock.Set(dunningtest.Day("2026-11-02").MidnightUTC().Add(9 * time.Hour))
	_, err := e.r.Run(context.Background(), e.pf)
	if err == nil || !strings.Contains(err.Error(), "collector setup failure") || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
	e.r.Collector = e.prov
	if got := statuses(e.day(t, "2026-11-02")); got != "retry-1/c0=charged" {
		t.Errorf("next run: %q", got)
	}
}

// A collector error wrapping ErrPermanent (no payment method on file) is
// a hard decline: Failed, and the payment-update email in the same run.
func TestRetryPermanentIsHard(t *testing.T) {
	e := newSubsEnv(t, nil)
	e.r.Collector = dunning.CollectorFunc(func(ctx context.Context, key string, req dunning.ChargeRequest) (dunning.ChargeResult, error) {
		return dunning.ChargeResult{}, fmt.Errorf("customer has no default payment method: %w", dunning.ErrPermanent)
	})
	if got := statuses(e.day(t, "2026-11-02")); got != "retry-1/c0=failed c0/fallback=sent" {
		t.Fatalf("2026-11-02: %s", got)
	}
	recs, _ := e.st.Records(context.Background())
	if len(recs) != 2 || !strings.HasPrefix(recs[0].Error, "hard decline: customer has no default payment method") || recs[0].Steps[0] != 3 {
		t.Errorf("records %+v", recs)
	}
	if msgs := e.sent.Sent(); len(msgs) != 1 || msgs[0].Notice.Stage != notice.PaymentUpdate {
		t.Errorf("sent %+v", msgs)
	}
}

// failEvents is a store whose AppendEvent always fails.
type failEvents struct{ dunning.Store }

func (failEvents) AppendEvent(context.Context, dunning.Event) error {
	return errors.New("connection reset")
}

// A charge whose payment event the store refuses until the lease runs out
// is still recorded (its Error says so) and the report still carries the
// event for the app.
func TestRetryChargedEventRefused(t *testing.T) {
	e := newSubsEnv(t, map[int]string{1: ""})
	e.r.Store, e.r.Lease = failEvents{e.st}, time.Minute
	rep := e.day(t, "2026-11-02")
	if len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusCharged || rep.Results[0].Event == nil || !strings.Contains(rep.Results[0].Error, "payment event: connection reset") {
		t.Fatalf("%+v", rep.Results)
	}
	recs, _ := e.st.Records(context.Background())
	if len(recs) != 1 || recs[0].Outcome != dunning.Sent || !strings.Contains(recs[0].Error, "payment event") {
		t.Errorf("records %+v", recs)
	}
}

// A subscription workflow loads from JSON: retries, a custom state, the
// built-in ones, an end step; an unknown state is refused by its path.
func TestSubscriptionPolicyJSON(t *testing.T) {
	const in = `{
  "workflows": [{"name": "saas", "states": [{"name": "read-only", "block_changes": true}], "steps": [
    {"name": "retry-1", "at": "due+1", "action": "retry"},
    {"name": "ro", "at": "due+5", "action": "suspend", "state": "read-only"},
    {"name": "off", "at": "due+10", "action": "suspend", "state": "suspended"},
    {"name": "end", "at": "due+30", "action": "cancel"}]}],
  "creditor": {"name": "Cloudlet GmbH", "address": ["Torstraße 1", "10119 Berlin"]}
}`
	pol, err := dunning.ParsePolicy([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := pol.Workflow("saas")
	if st, ok := w.State("read-only"); !ok || !st.BlockChanges || st.DisableEntitlements || w.Steps[0].Action != dunning.Retry || w.Steps[3].Action != dunning.CancelSubscription {
		t.Errorf("%+v", w)
	}
	_, err = dunning.ParsePolicy([]byte(strings.Replace(in, `"state": "suspended"`, `"state": "frozen"`, 1)))
	var fe *dunning.FieldError
	if !errors.As(err, &fe) || fe.Field != "workflows[0].steps[2].state" || fe.Value != "frozen" {
		t.Errorf("err %v", err)
	}
}

// A block outlives a new dunning cycle: the app's account stays blocked
// until a Resume is recorded, so a new cycle neither forgets the block nor
// drops its resume.
func TestBlockCarriesAcrossCycles(t *testing.T) {
	e := newSubsEnv(t, map[int]string{1: "insufficient_funds", 2: "insufficient_funds", 3: "insufficient_funds", 4: "insufficient_funds"})
	for d := dunningtest.Day("2026-11-02"); d <= dunningtest.Day("2026-11-09"); d++ {
		e.day(t, d.String())
	}
	e.pf.Invoices[0].Cycle = 1 // the app starts the invoice's dunning over
	if got := statuses(e.day(t, "2026-11-10")); got != "retry-1/c1=declined" {
		t.Errorf("11-10: %q, want the new cycle's first retry", got)
	}
	h, _ := e.st.History(context.Background())
	pf := e.pf
	pf.History = h
	sts, _ := dunning.AccountStates(dunningtest.Day("2026-11-10"), e.pol, pf)
	if sts[0].State != dunning.CreditHold || sts[0].Since != dunningtest.Day("2026-11-09") {
		t.Errorf("11-10: %+v, want the credit hold of cycle 0", sts[0])
	}
	e.pf.Invoices[0].Payments = []dunning.Payment{{Date: dunningtest.Day("2026-11-11"), Amount: dunningtest.Amount("50")}}
	rep := e.day(t, "2026-11-11")
	if len(rep.Results) != 1 || rep.Results[0].Key != "resume/inv/c1/i1/subs/hold/c0" || rep.Results[0].Status != dunning.StatusSent {
		t.Errorf("11-11: %+v", rep.Results)
	}
	if got := statuses(e.day(t, "2026-11-12")); got != "" {
		t.Errorf("11-12: %q, want nothing: resumed", got)
	}
}

// The payment event goes to the store before the record: a crash right
// after the record leaves both, so the payment is never recorded without
// its event.
func TestRetryCrashAfterRecordKeepsEvent(t *testing.T) {
	e := newSubsEnv(t, map[int]string{1: ""})
	f := &faults{hits: map[string]int{}, windowHits: map[string]int{}}
	f.arm("after record", 0)
	r1 := &dunning.Runner{Policy: e.pol, Store: crashStore{e.st, f}, Collector: e.prov, Clock: e.clock, Owner: "r1"}
	e.clock.Set(dunningtest.Day("2026-11-02").MidnightUTC().Add(9 * time.Hour))
	func() {
		defer func() {
			if c, ok := recover().(crash); !ok || c.where != "after record" {
				t.Fatalf("crash %v", c)
			}
		}()
		_, _ = r1.Run(context.Background(), e.pf)
	}()
	recs, _ := e.st.Records(context.Background())
	evs, _ := e.st.Events(context.Background())
	if len(recs) != 1 || len(evs) != 1 || evs[0].ID != "pay/"+recs[0].Key {
		t.Errorf("records %+v, events %+v: want the record and its payment event", recs, evs)
	}
}

// A Runner without a Collector stops at the retry in plan order, within a
// chunk too: the notice before it is sent and recorded, the notice after
// it (another invoice, same chunk) is neither claimed nor sent.
func TestRetryNeedsCollectorStopsInChunk(t *testing.T) {
	e := newSubsEnv(t, nil)
	e.r.Collector = nil
	e.clock.Set(dunningtest.Day("2026-11-02").MidnightUTC().Add(9 * time.Hour))
	ctx := context.Background()
	acts, err := e.r.Plan(ctx, e.pf)
	if err != nil || len(acts) != 1 || acts[0].Kind != dunning.Retry {
		t.Fatalf("plan %+v, %v; want the one retry", acts, err)
	}
	mk := func(key, inv string) dunning.Action {
		a := acts[0]
		a.Key, a.Kind, a.Charge, a.InvoiceIDs = key, dunning.Email, nil, []string{inv}
		a.Notice = &notice.Notice{Subject: "Reminder", Text: "Please pay."}
		return a
	}
	plan := []dunning.Action{mk("inv/c1/x1/subs/before/c0", "x1"), acts[0], mk("inv/c1/x2/subs/after/c0", "x2")}
	rep, err := e.r.Execute(ctx, plan)
	if err == nil || !strings.Contains(err.Error(), "Collector") {
		t.Fatalf("err %v, want the missing Collector", err)
	}
	if got := statuses(rep); got != "before/c0=sent" {
		t.Errorf("results %q, want before=sent only", got)
	}
	if msgs := e.sent.Sent(); len(msgs) != 1 || msgs[0].Key != "inv/c1/x1/subs/before/c0" {
		t.Errorf("sent %+v, want before only", msgs)
	}
	c, err := e.st.Claim(ctx, dunning.ClaimParams{Key: "inv/c1/x2/subs/after/c0", Owner: "other", Lease: time.Minute})
	if err != nil || c.Attempt != 1 || c.Unknown {
		t.Errorf("claim of after: %+v, %v; want a first, clean claim", c, err)
	}
}
