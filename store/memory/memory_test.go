package memory_test

import (
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/memory"
	"github.com/overduehq/overdue/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Kit {
		clock := dunningtest.NewClock(time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC))
		return storetest.Kit{Store: memory.New(memory.WithClock(clock)), Advance: clock.Advance, Now: clock.Now}
	})
}
