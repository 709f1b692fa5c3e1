package schedule_test

import (
	"testing"
	"time"

	"github.com/overduehq/overdue/schedule"
	"pgregory.net/rapid"
)

func mustZone(t testing.TB, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	return loc
}

// TestNextOnDSTDayEastAndMidnight: on the day of a clock change Next is
// the first instant the window's start is reached, whichever way
// time.Date normalises a wall time that does not exist or exists twice.
// Before the fix it was 30 minutes late in a Berlin gap (time.Date moves
// 02:30 forward to 03:30 CEST), an hour late in a Berlin overlap (it
// picks the second 02:30), and a day or a week late where midnight is
// skipped (Santiago, Havana: time.Date moves 00:00 back onto the day
// before, and AddDate lands on that day twice).
func TestNextOnDSTDayEastAndMidnight(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	santiago := mustZone(t, "America/Santiago")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		w    schedule.SendWindow
		loc  *time.Location
		at   string
		want string
	}{
		// Berlin springs forward on Sunday 2026-03-29 at 01:00 UTC: 02:00
		// CET becomes 03:00 CEST, so no 02:30 that day. A 02:30-17:00
		// window closed at Saturday 16:30 UTC (17:30 CET) is open from
		// the gap's end, 03:00 CEST = 01:00 UTC (not 03:30 CEST, 01:30 UTC).
		{"berlin gap", schedule.SendWindow{Start: 2*time.Hour + 30*time.Minute, End: 17 * time.Hour}, berlin,
			"2026-03-28T16:30:00Z", "2026-03-29T01:00:00Z"},
		// Berlin falls back on Sunday 2026-10-25 at 01:00 UTC: 03:00 CEST
		// becomes 02:00 CET, so 02:30 comes twice: 02:30 CEST = 00:30 UTC,
		// then 02:30 CET = 01:30 UTC. From Saturday 15:30 UTC (17:30 CEST)
		// the window opens at the first one.
		{"berlin overlap", schedule.SendWindow{Start: 2*time.Hour + 30*time.Minute, End: 17 * time.Hour}, berlin,
			"2026-10-24T15:30:00Z", "2026-10-25T00:30:00Z"},
		// Chile springs forward on Sunday 2026-09-06 at 04:00 UTC: Saturday
		// 24:00 -04 becomes Sunday 01:00 -03, so Sunday has no midnight. A
		// 00:00-08:00 window closed at Saturday 12:00 UTC (08:00 -04) opens
		// at Sunday's first instant, 01:00 -03 = 04:00 UTC (not Monday
		// 00:00 -03 = 2026-09-07T03:00Z).
		{"santiago midnight", schedule.SendWindow{Start: 0, End: 8 * time.Hour}, santiago,
			"2026-09-05T12:00:00Z", "2026-09-06T04:00:00Z"},
		// A Sundays-only window seen on Tuesday 2026-09-01 00:00 -04 (04:00
		// UTC): the same Sunday, not the next one (2026-09-13).
		{"santiago sundays", schedule.SendWindow{Days: []time.Weekday{time.Sunday}}, santiago,
			"2026-09-01T04:00:00Z", "2026-09-06T04:00:00Z"},
	} {
		got := tc.w.Next(utc(tc.at), tc.loc)
		if !got.Equal(utc(tc.want)) || !tc.w.Contains(got, tc.loc) {
			t.Errorf("%s: Next(%s) = %s (%s), want %s", tc.name, tc.at, got.UTC().Format(time.RFC3339), got.In(tc.loc), tc.want)
		}
	}
}

// TestNextIsFirstOpening (property): around every clock change of 2026
// in zones east and west of UTC, with midnight skipped, half-hour
// offsets and the date line's edges, Next(t) is inside the window, not
// before t, and no whole minute between t and it is inside the window
// (a minute-by-minute scan). Windows start and end on whole minutes,
// like every zone's changes. Deliberate break tried: Next built on
// time.Date(y, m, d, start, loc) and AddDate alone (the code before the
// fix): it fails on Berlin, London, Santiago and Havana.
func TestNextIsFirstOpening(t *testing.T) {
	names := []string{"Europe/Berlin", "Europe/London", "America/New_York", "America/Santiago", "America/Havana",
		"Australia/Lord_Howe", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Pacific/Chatham", "America/Asuncion", "UTC"}
	type zone struct {
		loc     *time.Location
		changes []time.Time // the zone's changes in 2026, or 2026-01-01 for none
	}
	var zones []zone
	for _, n := range names {
		z := zone{loc: mustZone(t, n)}
		for at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() == 2026; {
			_, end := at.In(z.loc).ZoneBounds()
			if end.IsZero() || end.Year() != 2026 {
				break
			}
			z.changes = append(z.changes, end)
			at = end
		}
		if len(z.changes) == 0 {
			z.changes = []time.Time{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		}
		zones = append(zones, z)
	}
	rapid.Check(t, func(rt *rapid.T) {
		z := zones[rapid.IntRange(0, len(zones)-1).Draw(rt, "zone")]
		at := rapid.SampledFrom(z.changes).Draw(rt, "change").
			Add(time.Duration(rapid.IntRange(-3*24*60, 3*24*60).Draw(rt, "minutes")) * time.Minute).
			Add(time.Duration(rapid.IntRange(0, 59).Draw(rt, "seconds")) * time.Second)
		var w schedule.SendWindow
		if !rapid.Bool().Draw(rt, "always") {
			start := rapid.IntRange(0, 24*60-1).Draw(rt, "start")
			end := rapid.IntRange(start+1, 24*60).Draw(rt, "end")
			w.Start, w.End = time.Duration(start)*time.Minute, time.Duration(end)*time.Minute
		}
		for d := time.Sunday; d <= time.Saturday; d++ {
			if rapid.IntRange(0, 2).Draw(rt, "day "+d.String()) == 0 {
				w.Days = append(w.Days, d)
			}
		}
		got := w.Next(at, z.loc)
		if !w.Contains(got, z.loc) || got.Before(at) {
			rt.Fatalf("Next(%s) = %s: outside the window %v or before t", at.In(z.loc), got.In(z.loc), w)
		}
		for c := at.Truncate(time.Minute).Add(time.Minute); c.Before(got); c = c.Add(time.Minute) {
			if w.Contains(c, z.loc) {
				rt.Fatalf("Next(%s) = %s, but %s is inside the window %v", at.In(z.loc), got.In(z.loc), c.In(z.loc), w)
			}
		}
	})
}

// TestSendWindowValidateDays: a window whose only day is no weekday
// (time.Weekday(7), or -1) is never open: Validate took it, every email
// of the policy was deferred for ever, Next returned its t (outside the
// window, so a deferred notice's NotBefore was the run itself), and
// MarshalJSON wrote "%!weekday(7)", which UnmarshalJSON refuses. Validate
// refuses it now; the seven weekdays pass.
func TestSendWindowValidateDays(t *testing.T) {
	for _, d := range []time.Weekday{-1, 7, 100} {
		w := schedule.SendWindow{Days: []time.Weekday{time.Monday, d}, Start: 9 * time.Hour, End: 17 * time.Hour}
		if err := w.Validate(); err == nil {
			t.Errorf("day %d accepted", d)
		}
	}
	all := schedule.SendWindow{Days: []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}}
	if err := all.Validate(); err != nil {
		t.Errorf("the seven weekdays: %v", err)
	}
}
