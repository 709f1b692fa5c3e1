package storetest_test

import (
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/store/memory"
	"github.com/overduehq/overdue/store/storetest"
)

// A store implementation runs the conformance suite from its own test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) dunning.Store { return mystore.New(...) })
//	}
//
// Run needs the test's *testing.T, so this example is compiled, not run;
// store/memory and store/sqlstore run it in their tests.
func ExampleRun() {
	var t *testing.T // the test's own
	if t != nil {
		storetest.Run(t, func(*testing.T) dunning.Store { return memory.New() })
	}
}
