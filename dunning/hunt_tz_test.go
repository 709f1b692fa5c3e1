package dunning_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
)

// The zones of the time-zone simulations: UTC, both edges of the date
// line (UTC+14 and UTC-11), DST east and west of UTC, a skipped midnight
// (Santiago ends summer time on 2026-04-05), a half-hour shift (Lord
// Howe) and a half-hour offset (Kolkata).
var tzZones = []string{"", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin", "America/New_York", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata"}

// tzChange is the day of each zone's clock change in spring 2026 (the
// other zones get Berlin's).
var tzChange = map[string]string{"Europe/Berlin": "2026-03-29", "America/New_York": "2026-03-08", "America/Santiago": "2026-04-05", "Australia/Lord_Howe": "2026-04-05"}

// tzPortfolio gives customer c<i> the zone zones[i] and four invoices
// whose default cadence (due-7, due, due+14, due+30, due+45) falls from
// late February to the end of April 2026, across the clock changes: the
// fourth falls due on the zone's day of change.
func tzPortfolio(zones []string) dunning.Portfolio {
	var pf dunning.Portfolio
	for i, z := range zones {
		cid, aid := fmt.Sprintf("c%d", i), fmt.Sprintf("a%d", i)
		c := dunningtest.Customer(cid)
		c.TimeZone = z
		a := dunningtest.Agreement(aid, cid, day("2026-01-15"), "EUR")
		pf.Customers = append(pf.Customers, c)
		pf.Agreements = append(pf.Agreements, a)
		change := tzChange[z]
		if change == "" {
			change = "2026-03-29"
		}
		for k, due := range []string{"2026-03-01", "2026-03-08", "2026-03-15", change} {
			d := day(due)
			if k < 3 {
				d += date.Date(i)
			}
			inv := dunningtest.Invoice(fmt.Sprintf("i%d-%d", i, k), cid, d-30, d, "100.00", "EUR")
			inv.AgreementID = aid
			pf.Invoices = append(pf.Invoices, inv)
		}
	}
	return pf
}

// tzSent is one notice the simulation's sender accepted.
type tzSent struct {
	at time.Time
	n  *notice.Notice
}

// tzStep is one recorded step of an invoice and the day it was recorded.
type tzStep struct {
	Invoice, Step string
	Date          date.Date
}

func tzSteps(recs []dunning.Record) []tzStep {
	var out []tzStep
	for _, rec := range recs {
		for _, id := range rec.InvoiceIDs {
			out = append(out, tzStep{id, rec.Step, rec.Date})
		}
	}
	slices.SortFunc(out, func(a, b tzStep) int {
		if a.Invoice != b.Invoice {
			return strings.Compare(a.Invoice, b.Invoice)
		}
		return int(a.Date - b.Date)
	})
	return out
}

// tzSimulate runs one Runner over pf every step from from to to (the
// instants on the runner's clock), checking each run: every action is
// dated its customer's local day at the run's instant, a sent notice goes
// out inside the window and carries that day, and a deferred one's
// NotBefore is inside the window, after the run, and the first opening
// (no minute between the run and it is inside). It returns the records
// and what was sent, by key.
func tzSimulate(t *testing.T, pol *dunning.Policy, pf dunning.Portfolio, from, to time.Time, step time.Duration) ([]dunning.Record, map[string]tzSent) {
	t.Helper()
	ctx := context.Background()
	clock := dunningtest.NewClock(from)
	st := memory.New(memory.WithClock(clock))
	sent := map[string]tzSent{}
	snd := dunning.SenderFunc(func(_ context.Context, key string, n *notice.Notice) (string, error) {
		if _, dup := sent[key]; dup {
			t.Errorf("key %s sent twice", key)
		}
		sent[key] = tzSent{clock.Now(), n}
		return "m-" + key, nil
	})
	r := &dunning.Runner{Policy: pol, Store: st, Sender: snd, Clock: clock, Owner: "tz"}
	locs := map[string]*time.Location{}
	custs := map[string]*dunning.Customer{}
	for i := range pf.Customers {
		c := &pf.Customers[i]
		loc, err := c.Location()
		if err != nil {
			t.Fatal(err)
		}
		locs[c.ID], custs[c.ID] = loc, c
	}
	for now := from; now.Before(to); now = now.Add(step) {
		clock.Set(now)
		acts, err := r.Plan(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acts {
			if a.Problem != "" {
				t.Fatalf("%s: %s: problem %s", now, a.Key, a.Problem)
			}
			if want := date.NewAt(now.In(locs[a.CustomerID])); a.Date != want {
				t.Errorf("%s: %s of %s (%q) dated %s, want the local day %s", now.Format(time.RFC3339), a.Step, a.CustomerID, a.TimeZone, a.Date, want)
			}
			if a.Notice != nil && a.Notice.Date != a.Date {
				t.Errorf("%s: %s: notice dated %s, action %s", now, a.Key, a.Notice.Date, a.Date)
			}
		}
		rep, err := r.Execute(ctx, acts)
		if err != nil {
			t.Fatal(err)
		}
		checked := map[string]bool{}
		for _, res := range rep.Results {
			loc := locs[res.CustomerID]
			switch res.Status {
			case dunning.StatusSent:
				if w := pol.SendWindow; w != nil && !w.Contains(now, loc) {
					t.Errorf("%s: %s sent at %s, outside the window", now, res.Key, now.In(loc))
				}
			case dunning.StatusDeferred:
				if res.NotBefore.IsZero() || checked[res.CustomerID] {
					continue
				}
				checked[res.CustomerID] = true
				w := pol.SendWindow
				nb := res.NotBefore
				if !nb.After(now) || !w.Contains(nb, loc) {
					t.Errorf("%s: %s NotBefore %s: not after the run or outside the window", now, res.Key, nb.In(loc))
					continue
				}
				for c := now.Truncate(time.Minute).Add(time.Minute); c.Before(nb); c = c.Add(time.Minute) {
					if w.Contains(c, loc) {
						t.Errorf("%s: %s NotBefore %s, but the window is open at %s", now, res.Key, nb.In(loc), c.In(loc))
						break
					}
				}
			case dunning.StatusDone, dunning.StatusBusy:
			default:
				t.Errorf("%s: %s: %s %s", now, res.Key, res.Status, res.Error)
			}
		}
	}
	recs, err := st.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		s, ok := sent[rec.Key]
		if !ok {
			t.Errorf("record %s never sent", rec.Key)
			continue
		}
		local := date.NewAt(s.at.In(locs[rec.CustomerID]))
		if rec.Date != local || s.n.Date != local {
			t.Errorf("%s sent %s (%s local): record dated %s, notice %s", rec.Key, s.at.Format(time.RFC3339), local, rec.Date, s.n.Date)
		}
		for _, l := range s.n.Lines {
			for i := range pf.Invoices {
				inv := &pf.Invoices[i]
				if inv.Number == l.Number && local > inv.Due && l.DaysOverdue != int(local-inv.Due) {
					t.Errorf("%s: %s %d days overdue on %s, want %d", rec.Key, l.Number, l.DaysOverdue, local, int(local-inv.Due))
				}
			}
		}
	}
	return recs, sent
}

// tzReference runs each customer alone in UTC once a day at noon over
// the local days first..last: the steps the customer must get on those
// local days whatever its zone.
func tzReference(t *testing.T, pol *dunning.Policy, pf dunning.Portfolio, first, last date.Date) []tzStep {
	t.Helper()
	var all []dunning.Record
	for i := range pf.Customers {
		c := pf.Customers[i]
		c.TimeZone = ""
		one := dunning.Portfolio{Customers: []dunning.Customer{c}, Agreements: pf.Agreements}
		for _, inv := range pf.Invoices {
			if inv.CustomerID == c.ID {
				one.Invoices = append(one.Invoices, inv)
			}
		}
		st := memory.New()
		for d := first; d <= last; d++ {
			runDay(t, pol, st, one, d)
		}
		recs, err := st.Records(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, recs...)
	}
	return tzSteps(all)
}

// TestTZHourlyRunsMatchLocalDays (property over zones and run times): a
// runner run every hour at :30 (23:30 and 00:30 UTC included) from
// 2026-02-20 to 2026-05-05, without a send window, gives every customer
// the steps a daily run on its own local days gives, each on the same
// local day and recorded once (none twice across two runs that straddle a
// local midnight, none skipped), and each action, record and notice is
// dated the customer's local day of the run. Deliberate break tried: the
// planning day taken in UTC instead of the customer's zone (todayIn):
// the 00:30 UTC run dates Pago Pago's, New York's and Santiago's actions
// the UTC day, a day after their local one.
func TestTZHourlyRunsMatchLocalDays(t *testing.T) {
	for _, z := range tzZones {
		if _, err := time.LoadLocation(z); err != nil {
			t.Skip("no tzdata:", err)
		}
	}
	pol := stdPolicy()
	pf := tzPortfolio(tzZones)
	from := time.Date(2026, 2, 20, 0, 30, 0, 0, time.UTC)
	to := time.Date(2026, 5, 5, 0, 30, 0, 0, time.UTC)
	recs, _ := tzSimulate(t, pol, pf, from, to, time.Hour)
	got := tzSteps(recs)
	// Local days fully inside the run: from 2026-02-21 to 2026-05-03 in
	// every zone (UTC-11 to UTC+14).
	want := tzReference(t, pol, pf, day("2026-02-20"), day("2026-05-04"))
	var trimmed []tzStep
	for _, s := range want {
		if s.Date >= day("2026-02-21") && s.Date <= day("2026-05-03") {
			trimmed = append(trimmed, s)
		}
	}
	var gotIn []tzStep
	for _, s := range got {
		if s.Date >= day("2026-02-21") && s.Date <= day("2026-05-03") {
			gotIn = append(gotIn, s)
		}
	}
	if !slices.Equal(gotIn, trimmed) {
		t.Errorf("hourly runs in each zone differ from daily runs on the local days:\n got %v\nwant %v", gotIn, trimmed)
	}
	seen := map[[2]string]int{}
	for _, s := range got {
		seen[[2]string{s.Invoice, s.Step}]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s step %s recorded %d times", k[0], k[1], n)
		}
	}
}

// TestTZHourlyRunsInsideWindow: the same hourly runs under a send window
// of Monday to Friday 09:00-17:00, and one of 02:30-24:00 every day (its
// start inside Berlin's and New York's skipped hour), send each notice
// once, inside the window, on the customer's local day, never before the
// step's own local day and none skipped, and every deferred notice's
// NotBefore is the window's next opening. Deliberate breaks tried: the
// window checked in UTC instead of the customer's zone (prepare): sends
// and NotBefore outside the window in Kiritimati; and SendWindow.Next as
// it was before it handled clock changes: Berlin's NotBefore on
// 2026-03-29 03:30 CEST while the window opens at 03:00.
func TestTZHourlyRunsInsideWindow(t *testing.T) {
	for _, z := range tzZones {
		if _, err := time.LoadLocation(z); err != nil {
			t.Skip("no tzdata:", err)
		}
	}
	pf := tzPortfolio(tzZones)
	from := time.Date(2026, 2, 20, 0, 30, 0, 0, time.UTC)
	to := time.Date(2026, 5, 5, 0, 30, 0, 0, time.UTC)
	ref := tzReference(t, stdPolicy(), pf, day("2026-02-20"), day("2026-05-04"))
	refDay := map[[2]string]date.Date{}
	for _, s := range ref {
		refDay[[2]string{s.Invoice, s.Step}] = s.Date
	}
	for _, w := range []schedule.SendWindow{
		{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: 9 * time.Hour, End: 17 * time.Hour},
		{Start: 2*time.Hour + 30*time.Minute, End: 24 * time.Hour},
	} {
		pol := stdPolicy()
		pol.SendWindow = &w
		recs, _ := tzSimulate(t, pol, pf, from, to, time.Hour)
		seen := map[[2]string]int{}
		for _, s := range tzSteps(recs) {
			k := [2]string{s.Invoice, s.Step}
			seen[k]++
			if d, ok := refDay[k]; ok && s.Date < d {
				t.Errorf("window %v: %s step %s on %s, before its local day %s", w, s.Invoice, s.Step, s.Date, d)
			}
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("window %v: %s step %s recorded %d times", w, k[0], k[1], n)
			}
		}
		// None skipped: every step of the daily runs, up to a week before
		// the runs end, was sent.
		for k, d := range refDay {
			if seen[k] == 0 && d >= day("2026-02-21") && d <= day("2026-04-28") {
				t.Errorf("window %v: %s step %s (local day %s) never recorded", w, k[0], k[1], d)
			}
		}
	}
}
