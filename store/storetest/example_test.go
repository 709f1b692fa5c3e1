package storetest_test

import (
	"testing"

	"time"

	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/memory"
	"github.com/overduehq/overdue/store/storetest"
)

// A store implementation runs the conformance suite from its own test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Kit {
//			clock := dunningtest.NewClock(time.Now())
//			return storetest.Kit{Store: mystore.New(clock), Advance: clock.Advance, Now: clock.Now}
//		})
//	}
//
// Run needs the test's *testing.T, so this example is compiled, not run;
// store/memory and store/sqlstore run it in their tests.
func ExampleRun() {
	var t *testing.T // the test's own
	if t != nil {
		storetest.Run(t, func(*testing.T) storetest.Kit {
			clock := dunningtest.NewClock(time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC))
			return storetest.Kit{Store: memory.New(memory.WithClock(clock)), Advance: clock.Advance, Now: clock.Now}
		})
	}
}
