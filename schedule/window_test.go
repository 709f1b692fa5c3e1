package schedule_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/schedule"
	"pgregory.net/rapid"
)

func TestSendWindowValidate(t *testing.T) {
	for _, tc := range []struct {
		w  schedule.SendWindow
		ok bool
	}{
		{schedule.SendWindow{}, true},
		{schedule.SendWindow{Start: 9 * time.Hour, End: 17 * time.Hour}, true},
		{schedule.SendWindow{Start: 0, End: 24 * time.Hour}, true},
		{schedule.SendWindow{Start: 17 * time.Hour, End: 9 * time.Hour}, false},
		{schedule.SendWindow{Start: 9 * time.Hour, End: 9 * time.Hour}, false},
		{schedule.SendWindow{Start: -time.Hour, End: 9 * time.Hour}, false},
		{schedule.SendWindow{Start: 9 * time.Hour, End: 25 * time.Hour}, false},
	} {
		if err := tc.w.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: err = %v, want ok=%v", tc.w, err, tc.ok)
		}
	}
}

// Europe/Berlin changes to summer time on Sunday 2026-03-29 at 02:00 CET
// (UTC+1 -> UTC+2) and back on Sunday 2026-10-25 at 03:00 CEST. A window of
// 09:00-17:00 local time opens at 08:00 UTC in winter and 07:00 UTC in
// summer.
func TestSendWindowAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	w := schedule.SendWindow{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, Start: 9 * time.Hour, End: 17 * time.Hour}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		at     string
		inside bool
		next   string
	}{
		// Friday 2026-03-27, winter: 07:30 UTC = 08:30 CET, before the window.
		{"2026-03-27T07:30:00Z", false, "2026-03-27T08:00:00Z"},
		{"2026-03-27T08:00:00Z", true, "2026-03-27T08:00:00Z"},
		// Friday 16:30 UTC = 17:30 CET: closed; the weekend is skipped and
		// Monday 2026-03-30 is summer time: 09:00 CEST = 07:00 UTC.
		{"2026-03-27T16:30:00Z", false, "2026-03-30T07:00:00Z"},
		// Sunday of the change: closed all day (not a listed weekday).
		{"2026-03-29T10:00:00Z", false, "2026-03-30T07:00:00Z"},
		// Monday 2026-03-30 07:00 UTC = 09:00 CEST: open.
		{"2026-03-30T07:00:00Z", true, "2026-03-30T07:00:00Z"},
		// Friday 2026-10-23 summer: 15:30 UTC = 17:30 CEST closed; Monday
		// 2026-10-26 is winter time again: 09:00 CET = 08:00 UTC.
		{"2026-10-23T15:30:00Z", false, "2026-10-26T08:00:00Z"},
		{"2026-10-26T07:30:00Z", false, "2026-10-26T08:00:00Z"},
	} {
		at := utc(tc.at)
		if got := w.Contains(at, berlin); got != tc.inside {
			t.Errorf("Contains(%s) = %v, want %v", tc.at, got, tc.inside)
		}
		if got := w.Next(at, berlin); !got.Equal(utc(tc.next)) {
			t.Errorf("Next(%s) = %s, want %s", tc.at, got.UTC().Format(time.RFC3339), tc.next)
		}
	}
	// The zero window is always open.
	if !(schedule.SendWindow{}).Contains(utc("2026-03-29T01:30:00Z"), berlin) {
		t.Error("zero window closed")
	}
}

func TestSendWindowJSON(t *testing.T) {
	var w schedule.SendWindow
	if err := json.Unmarshal([]byte(`{"days": ["Mon", "tuesday"], "start": "08:30", "end": "24:00"}`), &w); err != nil {
		t.Fatal(err)
	}
	want := schedule.SendWindow{Days: []time.Weekday{time.Monday, time.Tuesday}, Start: 8*time.Hour + 30*time.Minute, End: 24 * time.Hour}
	if diff := cmp.Diff(want, w); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	b, err := json.Marshal(w)
	if err != nil || string(b) != `{"days":["monday","tuesday"],"start":"08:30","end":"24:00"}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
	for _, in := range []string{`{"days": ["funday"]}`, `{"start": "9:00", "end": "17:00"}`, `{"start": "17:00", "end": "09:00"}`, `{"start": "09:00", "end": "24:30"}`, `{"from": "09:00"}`} {
		if err := json.Unmarshal([]byte(in), &w); err == nil {
			t.Errorf("accepted %s", in)
		}
	}
}

// Next lands inside the window when the opening's wall time does not
// exist that day (New York springs from 02:00 to 03:00 on 2026-03-08): a
// window of 02:00-03:00 opens next on the 9th, one of 02:00-04:00 at
// 03:00 EDT on the 8th; and a start with seconds opens on the second.
func TestNextAcrossDSTGapAndSeconds(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	from := time.Date(2026, 3, 8, 0, 0, 0, 0, ny)
	for _, tc := range []struct {
		w    schedule.SendWindow
		want time.Time
	}{
		{schedule.SendWindow{Start: 2 * time.Hour, End: 3 * time.Hour}, time.Date(2026, 3, 9, 2, 0, 0, 0, ny)},
		{schedule.SendWindow{Start: 2 * time.Hour, End: 4 * time.Hour}, time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC)}, // 03:00 EDT
		{schedule.SendWindow{Start: 9*time.Hour + 30*time.Second, End: 17 * time.Hour}, time.Date(2026, 3, 8, 9, 0, 30, 0, ny)},
	} {
		got := tc.w.Next(from, ny)
		if !got.Equal(tc.want) || !tc.w.Contains(got, ny) {
			t.Errorf("%v-%v: Next(%s) = %s, want %s", tc.w.Start, tc.w.End, from, got.In(ny), tc.want.In(ny))
		}
	}
}

// A window's times keep their seconds, and fractions of one, through JSON:
// 08:30:15 to 17:00:00.5 is written "08:30:15" and "17:00:00.5" (before the
// fix "08:30" and "17:00", read back as another window) and read back
// equal; times without them stay HH:MM. Malformed seconds are refused.
func TestSendWindowJSONKeepsSeconds(t *testing.T) {
	w := schedule.SendWindow{Days: []time.Weekday{time.Friday}, Start: 8*time.Hour + 30*time.Minute + 15*time.Second, End: 17*time.Hour + 500*time.Millisecond}
	b, err := json.Marshal(w)
	if err != nil || string(b) != `{"days":["friday"],"start":"08:30:15","end":"17:00:00.5"}` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	var got schedule.SendWindow
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := json.Unmarshal([]byte(`{"start": "00:00:00.000000001", "end": "24:00:00"}`), &got); err != nil || got.Start != 1 || got.End != 24*time.Hour {
		t.Errorf("nanosecond start, 24:00:00 end: %+v, %v", got, err)
	}
	for _, in := range []string{`{"start": "09:00:60", "end": "17:00"}`, `{"start": "09:00:5", "end": "17:00"}`, `{"start": "09:00:05.", "end": "17:00"}`,
		`{"start": "09:00:05.1234567890", "end": "17:00"}`, `{"start": "09:00:05,5", "end": "17:00"}`, `{"start": "09:00", "end": "24:00:01"}`, `{"start": "+9:00", "end": "17:00"}`} {
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("accepted %s", in)
		}
	}
}

// Any valid window reads back from its JSON as itself.
func TestSendWindowJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var w schedule.SendWindow
		if rapid.IntRange(0, 9).Draw(t, "kind") > 0 { // mostly not the always-open window
			unit := rapid.SampledFrom([]time.Duration{time.Minute, time.Second, time.Nanosecond}).Draw(t, "unit")
			n := int64(24 * time.Hour / unit)
			a, b := rapid.Int64Range(0, n-1).Draw(t, "start"), rapid.Int64Range(1, n).Draw(t, "end")
			if a >= b {
				a, b = b-1, a+1
			}
			w.Start, w.End = time.Duration(a)*unit, time.Duration(b)*unit
		}
		for d := time.Sunday; d <= time.Saturday; d++ {
			if rapid.Bool().Draw(t, d.String()) {
				w.Days = append(w.Days, d)
			}
		}
		b, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		var got schedule.SendWindow
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !cmp.Equal(w, got) {
			t.Fatalf("%s read back as %+v, want %+v", b, got, w)
		}
	})
}
