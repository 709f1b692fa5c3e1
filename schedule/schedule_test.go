package schedule_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"pgregory.net/rapid"
)

func day(s string) date.Date { return date.MustParseISO(s) }

func TestParseOffset(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want schedule.Offset
	}{
		{"due", schedule.Offset{Anchor: schedule.Due}},
		{"due-7", schedule.Offset{Anchor: schedule.Due, Days: -7}},
		{"due+14", schedule.Offset{Anchor: schedule.Due, Days: 14}},
		{"issue+3", schedule.Offset{Anchor: schedule.Issue, Days: 3}},
		{"invoice+3", schedule.Offset{Anchor: schedule.Issue, Days: 3}},
		{"agreement+3", schedule.Offset{Anchor: schedule.Agreement, Days: 3}},
		{"  DUE+14 ", schedule.Offset{Anchor: schedule.Due, Days: 14}},
		{"P14D", schedule.Offset{Anchor: schedule.Due, Days: 14}},
		{"-P7D", schedule.Offset{Anchor: schedule.Due, Days: -7}},
		{"+P7D", schedule.Offset{Anchor: schedule.Due, Days: 7}},
		{"P2W", schedule.Offset{Anchor: schedule.Due, Days: 14}},
		{"due-P7D", schedule.Offset{Anchor: schedule.Due, Days: -7}},
		{"issue+P3D", schedule.Offset{Anchor: schedule.Issue, Days: 3}},
		{"due+0", schedule.Offset{Anchor: schedule.Due}},
		{"previous+10", schedule.Offset{Anchor: schedule.Previous, Days: 10}},
		{"Previous+P2W", schedule.Offset{Anchor: schedule.Previous, Days: 14}},
		{"previous", schedule.Offset{Anchor: schedule.Previous}},
		{"eom(due+30)", schedule.Offset{Anchor: schedule.Due, Days: 30, EOM: true}},
		{" EOM( due+30 ) ", schedule.Offset{Anchor: schedule.Due, Days: 30, EOM: true}},
		{"eom(P30D)", schedule.Offset{Anchor: schedule.Due, Days: 30, EOM: true}},
		{"eom(due)", schedule.Offset{Anchor: schedule.Due, EOM: true}},
		{"eom(previous+10)", schedule.Offset{Anchor: schedule.Previous, Days: 10, EOM: true}},
	} {
		got, err := schedule.ParseOffset(tc.in)
		if err != nil {
			t.Errorf("ParseOffset(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseOffset(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseOffsetRefuses(t *testing.T) {
	for _, tc := range []struct{ in, reason string }{
		{"", "empty"},
		{"P1M", "month"},
		{"due+P1Y", "year"},
		{"P1Y2M", "year"},
		{"tomorrow+3", `unknown anchor "tomorrow"`},
		{"due*3", `unknown anchor "due*3"`},
		{"due+", "missing number"},
		{"due+x", ""},
		{"due+99999999999999999999", ""},
		{"P", ""},
		{"eom(due+30", "eom(offset)"},
		{"eom", "eom(offset)"},
		{"eom()", "empty"},
		{"eom(eom(due))", "nested"},
		{"eom(due+P1M)", "month"},
		{"previous*2", `unknown anchor "previous*2"`},
		{"due-+3", `"+3" is not a number of days`},
		{"due++3", `"+3" is not a number of days`},
		{"issue+-0", `"-0" is not a number of days`},
	} {
		_, err := schedule.ParseOffset(tc.in)
		var oe *schedule.OffsetError
		if !errors.As(err, &oe) {
			t.Errorf("ParseOffset(%q): err = %v, want *OffsetError", tc.in, err)
			continue
		}
		if oe.Input != tc.in || !strings.Contains(err.Error(), `"`+tc.in+`"`) {
			t.Errorf("ParseOffset(%q): error %q does not name the input", tc.in, err)
		}
		if !strings.Contains(strings.ToLower(oe.Reason), tc.reason) {
			t.Errorf("ParseOffset(%q): reason %q, want it to mention %q", tc.in, oe.Reason, tc.reason)
		}
	}
	// Beyond MaxDays (100 years) is refused too.
	if _, err := schedule.ParseOffset("due+36601"); err == nil {
		t.Error("due+36601 accepted")
	}
}

func FuzzParseOffset(f *testing.F) {
	for _, s := range []string{"due", "due-7", "issue+3", "P14D", "-P7D", "P2W", "P1M", "agreement+P3D", "", "due+", "+", "p", "eom(due+30)", "previous+10", "eom(previous-3)", "eom(", "prev"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := schedule.ParseOffset(s)
		if err != nil {
			return
		}
		if o.Days > schedule.MaxDays || o.Days < -schedule.MaxDays {
			t.Fatalf("%q parsed to %d days, beyond MaxDays", s, o.Days)
		}
		back, err := schedule.ParseOffset(o.String())
		if err != nil || back != o {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, o, o.String(), back, err)
		}
	})
}

func TestOffsetFrom(t *testing.T) {
	a := schedule.Anchors{Issue: day("2026-01-01"), Due: day("2026-01-31"), Agreement: day("2025-12-15")}
	for _, tc := range []struct {
		off  string
		a    schedule.Anchors
		want string
	}{
		// January has 31 days, 2026 is not a leap year: Jan 31 + 30 = Mar 2.
		{"due+30", a, "2026-03-02"},
		// 2028 is a leap year: Jan 31 + 30 = Mar 1 (Feb has 29 days).
		{"due+30", schedule.Anchors{Due: day("2028-01-31")}, "2028-03-01"},
		{"due+29", schedule.Anchors{Due: day("2028-01-31")}, "2028-02-29"},
		{"due-7", a, "2026-01-24"},
		{"issue+3", a, "2026-01-04"},
		// Across the year end: Dec 15 + 20 = Jan 4.
		{"agreement+20", a, "2026-01-04"},
	} {
		o, err := schedule.ParseOffset(tc.off)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := o.From(tc.a)
		if !ok || got != day(tc.want) {
			t.Errorf("%s from %+v = %s, %v; want %s", tc.off, tc.a, got, ok, tc.want)
		}
	}
	if _, ok := (schedule.Offset{Anchor: schedule.Agreement, Days: 3}).From(schedule.Anchors{Due: day("2026-01-01")}); ok {
		t.Error("an unset anchor gave a date")
	}
}

// Weekdays checked with `date -d 2026-10-31 +%a` (Sat), 2026-11-01 (Sun),
// 2026-12-25 (Fri), 2026-05-30 (Sat), 2026-01-31 (Sat).
func TestRoll(t *testing.T) {
	weekdays := schedule.MonToFri()
	xmas := schedule.Combine(weekdays, schedule.Holidays(day("2026-12-25"), day("2026-12-28")))
	for _, tc := range []struct {
		roll schedule.Roll
		cal  schedule.Calendar
		in   string
		want string
	}{
		{schedule.Following, weekdays, "2026-10-31", "2026-11-02"},            // Sat -> Mon
		{schedule.Preceding, weekdays, "2026-10-31", "2026-10-30"},            // Sat -> Fri
		{schedule.ModifiedFollowing, weekdays, "2026-10-31", "2026-10-30"},    // Mon is in November: back to Fri
		{schedule.ModifiedFollowing, weekdays, "2026-05-30", "2026-05-29"},    // Sat May 30 -> Mon Jun 1 leaves May: Fri
		{schedule.ModifiedPreceding, weekdays, "2026-11-01", "2026-11-02"},    // Sun Nov 1 -> Fri Oct 30 leaves Nov: Mon
		{schedule.ModifiedPreceding, weekdays, "2026-03-29", "2026-03-27"},    // Sun -> Fri, same month
		{schedule.Following, xmas, "2026-12-25", "2026-12-29"},                // Fri holiday, weekend, Mon holiday -> Tue
		{schedule.Preceding, xmas, "2026-12-28", "2026-12-24"},                // Mon holiday, weekend, Fri holiday -> Thu
		{schedule.Following, weekdays, "2026-11-02", "2026-11-02"},            // a business day stays
		{schedule.NoRoll, weekdays, "2026-10-31", "2026-10-31"},               // no roll
		{schedule.Following, nil, "2026-10-31", "2026-10-31"},                 // nil calendar: every day
		{schedule.Following, schedule.EveryDay(), "2026-10-31", "2026-10-31"}, // every day
	} {
		if got := tc.roll.Apply(tc.cal, day(tc.in)); got != day(tc.want) {
			t.Errorf("%s.Apply(%s) = %s, want %s", tc.roll, tc.in, got, tc.want)
		}
	}
}

func TestRollText(t *testing.T) {
	for _, r := range []schedule.Roll{schedule.NoRoll, schedule.Following, schedule.Preceding, schedule.ModifiedFollowing, schedule.ModifiedPreceding} {
		b, err := r.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back schedule.Roll
		if err := back.UnmarshalText(b); err != nil || back != r {
			t.Errorf("%s -> %q -> %s, %v", r, b, back, err)
		}
	}
	var r schedule.Roll
	if err := r.UnmarshalText([]byte("sideways")); err == nil || !strings.Contains(err.Error(), "sideways") {
		t.Errorf("unknown roll: %v", err)
	}
}

func TestAddBusinessDays(t *testing.T) {
	cal := schedule.Combine(schedule.MonToFri(), schedule.Holidays(day("2026-12-25")))
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-12-23", 2, "2026-12-28"},  // Wed +1 Thu 24, +2 skips Fri 25 (holiday), Sat, Sun -> Mon 28
		{"2026-12-28", -1, "2026-12-24"}, // Mon -1 skips Sun, Sat, Fri holiday -> Thu 24
		{"2026-10-30", 1, "2026-11-02"},  // Fri +1 -> Mon
		{"2026-10-31", 0, "2026-10-31"},  // zero: the day itself, even on a Saturday
		{"2026-11-02", 5, "2026-11-09"},  // a working week
	} {
		if got := schedule.AddBusinessDays(cal, day(tc.from), tc.n); got != day(tc.want) {
			t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
	if got := schedule.AddBusinessDays(nil, day("2026-10-31"), 2); got != day("2026-11-02") {
		t.Errorf("nil calendar: %s", got)
	}
}

// The default cadence on an invoice issued 2026-01-01, due 2026-01-31 (a
// Saturday), agreement effective 2025-12-29, Monday to Friday, rolling
// following:
//
//	welcome   2025-12-29 + 3  = 2026-01-01 (Thu)
//	pre-due   2026-01-31 - 7  = 2026-01-24 (Sat) -> Mon 01-26
//	due       2026-01-31 (Sat)               -> Mon 02-02
//	overdue-1 2026-01-31 + 14 = 02-14 (Sat)   -> Mon 02-16
//	overdue-2 2026-01-31 + 30 = 03-02 (Mon)
//	final     2026-01-31 + 45 = 03-17 (Tue)
func TestDefaultCadenceTimeline(t *testing.T) {
	tl := schedule.Timeline{Steps: schedule.DefaultCadence(), Calendar: schedule.MonToFri(), Roll: schedule.Following}
	a := schedule.Anchors{Issue: day("2026-01-01"), Due: day("2026-01-31"), Agreement: day("2025-12-29")}
	var got []string
	for _, d := range tl.Dates(a) {
		got = append(got, d.Step.Name+" "+d.Nominal.String()+" "+d.Date.String())
	}
	want := []string{
		"welcome 2026-01-01 2026-01-01",
		"pre-due 2026-01-24 2026-01-26",
		"due 2026-01-31 2026-02-02",
		"overdue-1 2026-02-14 2026-02-16",
		"overdue-2 2026-03-02 2026-03-02",
		"final 2026-03-17 2026-03-17",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	if d, ok := tl.DateOf(2, a); !ok || d != day("2026-02-02") {
		t.Errorf("DateOf(due) = %s, %v", d, ok)
	}
	if _, ok := tl.DateOf(9, a); ok {
		t.Error("DateOf out of range gave a date")
	}
	// Without an agreement date the welcome step is left out.
	a.Agreement = 0
	if n := len(tl.Dates(a)); n != 5 {
		t.Errorf("%d dated steps without an agreement, want 5", n)
	}
}

// Properties of rolling on random calendars (a random weekend and random
// holidays) and random dates.
func TestRollProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var wk []time.Weekday
		for d := time.Sunday; d <= time.Saturday; d++ {
			if rapid.Bool().Draw(t, "off-"+d.String()) && len(wk) < 5 {
				wk = append(wk, d)
			}
		}
		base := day("2026-01-01")
		var hol []date.Date
		for i := range rapid.IntRange(0, 20).Draw(t, "holidays") {
			_ = i
			hol = append(hol, base+date.Date(rapid.IntRange(0, 730).Draw(t, "h")))
		}
		cal := schedule.Combine(schedule.Weekend(wk...), schedule.Holidays(hol...))
		d := base + date.Date(rapid.IntRange(30, 700).Draw(t, "d"))

		f := schedule.Following.Apply(cal, d)
		p := schedule.Preceding.Apply(cal, d)
		mf := schedule.ModifiedFollowing.Apply(cal, d)
		mp := schedule.ModifiedPreceding.Apply(cal, d)
		for name, r := range map[string]date.Date{"following": f, "preceding": p, "modified-following": mf, "modified-preceding": mp} {
			if !cal.IsBusinessDay(r) {
				t.Fatalf("%s(%s) = %s is not a business day", name, d, r)
			}
		}
		if f < d || p > d {
			t.Fatalf("following %s / preceding %s on the wrong side of %s", f, p, d)
		}
		for k := d; k < f; k++ {
			if cal.IsBusinessDay(k) {
				t.Fatalf("following skipped business day %s", k)
			}
		}
		if mf != f && mf != p {
			t.Fatalf("modified following %s is neither following %s nor preceding %s", mf, f, p)
		}
		if mf != f && f.Month() == d.Month() && f.Year() == d.Year() {
			t.Fatalf("modified following went back although %s is in the month", f)
		}
		if mp != p && p.Month() == d.Month() && p.Year() == d.Year() {
			t.Fatalf("modified preceding went forward although %s is in the month", p)
		}
		if mp != p && mp != f {
			t.Fatalf("modified preceding %s is neither %s nor %s", mp, p, f)
		}
		if cal.IsBusinessDay(d) && (f != d || p != d || mf != d || mp != d) {
			t.Fatalf("a business day %s was moved", d)
		}
	})
}

func TestEndOfMonthAndPreviousOffsets(t *testing.T) {
	// eom(due+30): Jan 31 + 30 = Mar 2 (2026 is no leap year) -> Mar 31;
	// Jan 15 + 30 = Feb 14 -> Feb 28; in 2028 (leap) -> Feb 29; Dec 15 + 30
	// = Jan 14 2027 -> Jan 31 2027.
	for _, tc := range []struct{ off, due, want string }{
		{"eom(due+30)", "2026-01-31", "2026-03-31"},
		{"eom(due+30)", "2026-01-15", "2026-02-28"},
		{"eom(due+30)", "2028-01-15", "2028-02-29"},
		{"eom(due+30)", "2026-12-15", "2027-01-31"},
		{"eom(due)", "2026-04-30", "2026-04-30"},
	} {
		o, err := schedule.ParseOffset(tc.off)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := o.From(schedule.Anchors{Due: day(tc.due)})
		if !ok || got != day(tc.want) {
			t.Errorf("%s from due %s = %s, want %s", tc.off, tc.due, got, tc.want)
		}
	}
	// previous+10 counts from the previous step's rolled date. Due
	// 2026-01-31; due+14 = Sat 2026-02-14, rolled (following, Mon-Fri) to
	// Mon 02-16; previous+10 = Thu 02-26; eom(previous+10) = Sat 02-28,
	// rolled to Mon 03-02.
	steps := []schedule.Step{
		{Name: "a", At: schedule.Offset{Anchor: schedule.Due, Days: 14}},
		{Name: "b", At: schedule.Offset{Anchor: schedule.Previous, Days: 10}},
		{Name: "c", At: schedule.Offset{Anchor: schedule.Previous, Days: 0, EOM: true}},
	}
	tl := schedule.Timeline{Steps: steps, Calendar: schedule.MonToFri(), Roll: schedule.Following}
	a := schedule.Anchors{Due: day("2026-01-31")}
	var got []string
	for _, d := range tl.Dates(a) {
		got = append(got, d.Step.Name+" "+d.Date.String())
	}
	if diff := cmp.Diff([]string{"a 2026-02-16", "b 2026-02-26", "c 2026-03-02"}, got); diff != "" {
		t.Errorf("dates (-want +got):\n%s", diff)
	}
	if d, ok := tl.DateOf(2, a); !ok || d != day("2026-03-02") {
		t.Errorf("DateOf(2) = %s %v, want 2026-03-02", d, ok)
	}
	// The first step has no previous step.
	if _, ok := (schedule.Timeline{Steps: steps[1:]}).DateOf(0, a); ok {
		t.Error("previous+10 as the first step got a date")
	}
}

// appCalendar is a calendar of the app's: not one of the package's.
type appCalendar struct{}

func (appCalendar) IsBusinessDay(date.Date) bool { return true }

func TestBuiltin(t *testing.T) {
	xmas := date.New(2026, time.December, 25)
	for _, tc := range []struct {
		name string
		cal  schedule.Calendar
		want bool
	}{
		{"EveryDay", schedule.EveryDay(), true},
		{"Weekend", schedule.Weekend(time.Friday), true},
		{"MonToFri", schedule.MonToFri(), true},
		{"Holidays", schedule.Holidays(xmas), true},
		{"Combine of the package's", schedule.Combine(schedule.MonToFri(), schedule.Holidays(xmas), nil), true},
		{"Combine of none", schedule.Combine(), true},
		{"nested Combine", schedule.Combine(schedule.Combine(schedule.EveryDay()), schedule.MonToFri()), true},
		{"nil", nil, false},
		{"the app's", appCalendar{}, false},
		{"Combine with the app's", schedule.Combine(schedule.MonToFri(), appCalendar{}), false},
		{"nested Combine with the app's", schedule.Combine(schedule.Combine(appCalendar{}), schedule.MonToFri()), false},
	} {
		if got := schedule.Builtin(tc.cal); got != tc.want {
			t.Errorf("Builtin(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
