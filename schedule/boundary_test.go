package schedule_test

import (
	"testing"
	"time"

	"github.com/overduehq/overdue/schedule"
)

// The tests in this file pin boundaries a mutation run (an operator
// changed, one at a time) found no test holding: each fails on the
// mutant named beside it.

// TestOffsetAtMaxDays: an offset of exactly MaxDays (36600) is accepted,
// in days, in weeks and days, one more is refused (mutants: > made >=).
// 5228 weeks = 36596 days.
func TestOffsetAtMaxDays(t *testing.T) {
	for in, want := range map[string]int{"due+36600": 36600, "due-36600": -36600, "P36600D": 36600, "P5228W4D": 36600} {
		o, err := schedule.ParseOffset(in)
		if err != nil || o.Days != want {
			t.Errorf("ParseOffset(%q) = %+v, %v; want %d days", in, o, err, want)
		}
	}
	for _, in := range []string{"due+36601", "P36601D", "P5228W5D"} {
		if _, err := schedule.ParseOffset(in); err == nil {
			t.Errorf("ParseOffset(%q) accepted, want more than 36600 days refused", in)
		}
	}
}

// TestSendWindowFromMidnight: a window opening at 00:00 and closing at
// 06:00 is no "always" window (only 00:00-00:00 is; a mutant took either
// zero for it): 05:59 is inside, 06:00 and 10:00 are not.
func TestSendWindowFromMidnight(t *testing.T) {
	w := schedule.SendWindow{Start: 0, End: 6 * time.Hour}
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	at := func(h, m int) time.Time { return time.Date(2026, 3, 2, h, m, 0, 0, time.UTC) }
	for _, c := range []struct {
		h, m int
		in   bool
	}{{0, 0, true}, {5, 59, true}, {6, 0, false}, {10, 0, false}} {
		if got := w.Contains(at(c.h, c.m), time.UTC); got != c.in {
			t.Errorf("Contains(%02d:%02d) = %v, want %v", c.h, c.m, got, c.in)
		}
	}
}

// TestDateOfFirstStepFromPrevious: a first step anchored on "previous"
// counts from Anchors.Previous, in DateOf as in Dates (a mutant reset it
// before the first step): previous+3 and then previous+10 from 2026-03-02
// fall on 03-05 and 03-15.
func TestDateOfFirstStepFromPrevious(t *testing.T) {
	p3, err := schedule.ParseOffset("previous+3")
	if err != nil {
		t.Fatal(err)
	}
	p10, err := schedule.ParseOffset("previous+10")
	if err != nil {
		t.Fatal(err)
	}
	tl := schedule.Timeline{Steps: []schedule.Step{{Name: "a", At: p3}, {Name: "b", At: p10}}, Calendar: schedule.EveryDay()}
	a := schedule.Anchors{Previous: day("2026-03-02")}
	for i, want := range []string{"2026-03-05", "2026-03-15"} {
		got, ok := tl.DateOf(i, a)
		if !ok || got != day(want) {
			t.Errorf("DateOf(%d) = %s, %v; want %s", i, got, ok, want)
		}
	}
	ds := tl.Dates(a)
	if len(ds) != 2 || ds[0].Date != day("2026-03-05") || ds[1].Date != day("2026-03-15") {
		t.Errorf("Dates = %+v", ds)
	}
}
