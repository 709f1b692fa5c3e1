package dunning

import (
	"testing"
	"time"

	"github.com/rickb777/date/v2"
)

// TestDayBounds: the day numbers checkDay compares with are the first and
// last day of the years it names.
func TestDayBounds(t *testing.T) {
	if got := date.New(minYear, time.January, 1); got != minDay {
		t.Errorf("minDay = %d, want %d (%s)", minDay, got, got)
	}
	if got := date.New(maxYear, time.December, 31); got != maxDay {
		t.Errorf("maxDay = %d, want %d (%s)", maxDay, got, got)
	}
	for d, ok := range map[date.Date]bool{minDay - 1: false, minDay: true, maxDay: true, maxDay + 1: false} {
		if (checkDay(loc{field: "x"}, d) == nil) != ok {
			t.Errorf("checkDay(%s): want ok=%v", d, ok)
		}
	}
}
