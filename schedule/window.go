package schedule

import (
	"fmt"
	"slices"
	"time"
)

// SendWindow says when messages may go out, in the recipient's local time:
// on the given weekdays (none: every day), from Start to End after local
// midnight. The zero window is always open.
type SendWindow struct {
	Days       []time.Weekday
	Start, End time.Duration
}

// Validate checks 0 <= Start < End <= 24h (unless both are zero).
func (w SendWindow) Validate() error {
	if w.Start == 0 && w.End == 0 {
		return nil
	}
	if w.Start < 0 || w.End > 24*time.Hour || w.Start >= w.End {
		return fmt.Errorf("schedule: send window %s-%s: want 0 <= start < end <= 24h", w.Start, w.End)
	}
	return nil
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
// wall-clock times in loc, so a DST change moves them with the clock.
func (w SendWindow) Next(t time.Time, loc *time.Location) time.Time {
	if w.Contains(t, loc) {
		return t
	}
	lt := t.In(loc)
	for i := 0; i < 15; i++ {
		y, m, d := lt.AddDate(0, 0, i).Date()
		h, min := int(w.Start/time.Hour), int(w.Start%time.Hour/time.Minute)
		open := time.Date(y, m, d, h, min, 0, 0, loc)
		if !w.dayOK(open.Weekday()) {
			continue
		}
		if w.always() {
			open = time.Date(y, m, d, 0, 0, 0, 0, loc)
		}
		if !open.Before(t) {
			return open
		}
	}
	return t
}
