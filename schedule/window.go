package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SendWindow says when messages may go out, in the recipient's local time:
// on the given weekdays (none: every day), from Start to End after local
// midnight. The zero window is always open.
type SendWindow struct {
	Days       []time.Weekday
	Start, End time.Duration
}

// Validate checks that every day is a weekday (Sunday to Saturday) and
// 0 <= Start < End <= 24h (unless both are zero). Its error is a
// *WindowError.
func (w SendWindow) Validate() error {
	for i, d := range w.Days {
		if d < time.Sunday || d > time.Saturday {
			return &WindowError{Field: fmt.Sprintf("days[%d]", i), Value: strconv.Itoa(int(d)), Reason: "is not a weekday (0 Sunday to 6 Saturday)"}
		}
	}
	if w.Start == 0 && w.End == 0 {
		return nil
	}
	if w.Start < 0 || w.End > 24*time.Hour || w.Start >= w.End {
		return &WindowError{Field: "start", Value: clock(w.Start) + "-" + clock(w.End), Reason: "want 00:00 <= start < end <= 24:00"}
	}
	return nil
}

// WindowError is a send window's problem: the field ("days[1]", "start"),
// the value, and why.
type WindowError struct {
	Field, Value, Reason string
}

// Error implements error.
func (e *WindowError) Error() string {
	return fmt.Sprintf("schedule: send window %s %s: %s", e.Field, e.Value, e.Reason)
}

func (w SendWindow) dayOK(d time.Weekday) bool { return len(w.Days) == 0 || slices.Contains(w.Days, d) }

func (w SendWindow) always() bool { return w.Start == 0 && w.End == 0 }

// Contains reports whether instant t falls inside the window in loc.
func (w SendWindow) Contains(t time.Time, loc *time.Location) bool {
	lt := t.In(loc)
	if !w.dayOK(lt.Weekday()) {
		return false
	}
	if w.always() {
		return true
	}
	// Wall-clock time since midnight, robust to a DST change earlier that day.
	wall := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
	return wall >= w.Start && wall < w.End
}

// Next returns the earliest instant at or after t inside the window (t
// itself if inside), looking up to two weeks ahead; the window's times are
// wall-clock times in loc, so a DST change moves them with the clock. On
// the day of a change the window opens at the first instant its start
// time is reached: the first of two in an hour that repeats, the end of
// the gap when the clock skips over it (midnight included).
func (w SendWindow) Next(t time.Time, loc *time.Location) time.Time {
	if w.Contains(t, loc) {
		return t
	}
	start := w.Start
	if w.always() {
		start = 0
	}
	ly, lm, ld := t.In(loc).Date()
	for i := 0; i < 15; i++ {
		// Civil days counted in UTC: a local midnight that does not exist
		// would put AddDate on the day before.
		day := time.Date(ly, lm, ld+i, 0, 0, 0, 0, time.UTC)
		if !w.dayOK(day.Weekday()) {
			continue
		}
		y, m, d := day.Date()
		// The window enters that day either where the wall clock reaches
		// its start (at an instant start - offset for one of the day's UTC
		// offsets; two of them in an hour that repeats) or where the
		// offset changes (a skipped or repeated stretch). Each is tried;
		// the earliest inside the window, on the day and not before t,
		// wins. time.Date alone would pick one side of a change at will.
		var best time.Time
		try := func(c time.Time) {
			if c.IsZero() || c.Before(t) || !w.Contains(c, loc) {
				return
			}
			if cy, cm, cd := c.In(loc).Date(); cy != y || cm != m || cd != d {
				return
			}
			if best.IsZero() || c.Before(best) {
				best = c
			}
		}
		wall := day.Add(start) // the start's wall time, read as UTC
		from, to := wall.Add(-start-26*time.Hour), wall.Add(-start+50*time.Hour)
		for seg, k := from.In(loc), 0; k < 8 && seg.Before(to); k++ {
			_, off := seg.Zone()
			try(wall.Add(-time.Duration(off) * time.Second))
			_, end := seg.ZoneBounds()
			if end.IsZero() {
				break
			}
			try(end)
			seg = end.In(loc)
		}
		if !best.IsZero() {
			return best
		}
	}
	return t
}

// windowJSON is a send window as JSON: {"days": ["monday", ...], "start":
// "09:00", "end": "17:30"}.
type windowJSON struct {
	Days  []string `json:"days,omitempty"`
	Start string   `json:"start,omitempty"`
	End   string   `json:"end,omitempty"`
}

// MarshalJSON writes the window as {"days": [...], "start": "HH:MM",
// "end": "HH:MM"}, a time with seconds as HH:MM:SS and one with a fraction
// of a second as HH:MM:SS.fffffffff (trailing zeros dropped), so that
// UnmarshalJSON reads back the very window.
func (w SendWindow) MarshalJSON() ([]byte, error) {
	var j windowJSON
	for _, d := range w.Days {
		j.Days = append(j.Days, strings.ToLower(d.String()))
	}
	if !w.always() {
		j.Start, j.End = clock(w.Start), clock(w.End)
	}
	return json.Marshal(j)
}

// clock writes d after midnight as HH:MM, with :SS when it has seconds and
// a fraction when it has less.
func clock(d time.Duration) string {
	s := fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	if rest := d % time.Minute; rest != 0 {
		s += fmt.Sprintf(":%02d", int(rest/time.Second))
		if ns := rest % time.Second; ns != 0 {
			s += strings.TrimRight(fmt.Sprintf(".%09d", int(ns)), "0")
		}
	}
	return s
}

// UnmarshalJSON reads what MarshalJSON writes (weekdays in full or as
// three letters, any case; times as HH:MM, HH:MM:SS or HH:MM:SS.fffffffff,
// "24:00" for the end of the day) and validates the window.
func (w *SendWindow) UnmarshalJSON(b []byte) error {
	var j windowJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("schedule: send window: %w", err)
	}
	var out SendWindow
	for _, s := range j.Days {
		d, ok := ParseWeekday(s)
		if !ok {
			return fmt.Errorf("schedule: send window: day %q is not a weekday", s)
		}
		out.Days = append(out.Days, d)
	}
	var err error
	if out.Start, err = parseClock(j.Start); err != nil {
		return fmt.Errorf("schedule: send window: start %q: %v", j.Start, err)
	}
	if out.End, err = parseClock(j.End); err != nil {
		return fmt.Errorf("schedule: send window: end %q: %v", j.End, err)
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*w = out
	return nil
}

// ParseWeekday reads a weekday's English name, in full or as three letters,
// in any case ("Saturday", "sat").
func ParseWeekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(s, d.String()) || strings.EqualFold(s, d.String()[:3]) {
			return d, true
		}
	}
	return 0, false
}

// parseClock reads a time of day as clock writes it: HH:MM, HH:MM:SS or
// HH:MM:SS with a fraction of one to nine digits, 24:00 at most; "" is 0.
func parseClock(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	bad := fmt.Errorf("want HH:MM, HH:MM:SS or HH:MM:SS.fffffffff")
	num := func(t string) (int, bool) {
		if len(t) != 2 || t[0] < '0' || t[0] > '9' || t[1] < '0' || t[1] > '9' {
			return 0, false
		}
		return int(t[0]-'0')*10 + int(t[1]-'0'), true
	}
	if len(s) < 5 || s[2] != ':' {
		return 0, bad
	}
	h, okh := num(s[:2])
	m, okm := num(s[3:5])
	if !okh || !okm || h > 24 || m > 59 {
		return 0, bad
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if rest := s[5:]; rest != "" {
		if rest[0] != ':' || len(rest) < 3 {
			return 0, bad
		}
		sec, ok := num(rest[1:3])
		if !ok || sec > 59 {
			return 0, bad
		}
		d += time.Duration(sec) * time.Second
		if frac := rest[3:]; frac != "" {
			if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
				return 0, bad
			}
			ns := 0
			for i := 1; i < 10; i++ {
				ns *= 10
				if i < len(frac) {
					c := frac[i]
					if c < '0' || c > '9' {
						return 0, bad
					}
					ns += int(c - '0')
				}
			}
			d += time.Duration(ns)
		}
	}
	if d > 24*time.Hour {
		return 0, bad
	}
	return d, nil
}
