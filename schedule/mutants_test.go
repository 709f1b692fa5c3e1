package schedule_test

import (
	"testing"
	"time"

	"github.com/overduehq/overdue/schedule"
)

// Tests written against mutants of the package that its other tests
// passed; each fails with one operator of the code turned around.

// TestOffsetTextAndDigits: UnmarshalText sets the offset it parses (as
// ParseOffset does), and a 9 is a digit like any other: "due+9" and
// "due+19" are 9 and 19 days after the due date, "due+19" the same as
// ParseOffset's; so too in an ISO 8601 period ("due+P19D").
func TestOffsetTextAndDigits(t *testing.T) {
	for s, days := range map[string]int{"due+P9D": 9, "due+P19D": 19, "due+P9W": 63} {
		o, err := schedule.ParseOffset(s)
		if err != nil || o.Days != days {
			t.Errorf("ParseOffset(%q) = %+v, %v; want %d days", s, o, err, days)
		}
	}
	for _, s := range []string{"due+9", "due+19", "due-9"} {
		want, err := schedule.ParseOffset(s)
		if err != nil {
			t.Fatalf("ParseOffset(%q): %v", s, err)
		}
		var got schedule.Offset
		if err := got.UnmarshalText([]byte(s)); err != nil || got != want || got.String() != s {
			t.Errorf("UnmarshalText(%q) = %v (%q), %v; want %v", s, got, got.String(), err, want)
		}
	}
}

// TestWeekendSaturday: Saturday, the last weekday, can be a weekend day:
// under Weekend(Saturday, Sunday) Saturday 6 June 2026 is no business day
// and Monday 8 June is.
func TestWeekendSaturday(t *testing.T) {
	cal := schedule.Weekend(time.Saturday, time.Sunday)
	if cal.IsBusinessDay(day("2026-06-06")) || cal.IsBusinessDay(day("2026-06-07")) || !cal.IsBusinessDay(day("2026-06-08")) {
		t.Errorf("Weekend(Saturday, Sunday): 6 June %v, 7 June %v, 8 June %v; want false, false, true",
			cal.IsBusinessDay(day("2026-06-06")), cal.IsBusinessDay(day("2026-06-07")), cal.IsBusinessDay(day("2026-06-08")))
	}
}
