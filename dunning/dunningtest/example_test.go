package dunningtest_test

import (
	"fmt"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
)

// printingT stands in for *testing.T in this example.
type printingT struct{}

func (printingT) Helper()                           {}
func (printingT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (printingT) Fatalf(format string, args ...any) { fmt.Printf("FATAL: "+format+"\n", args...) }

func ExampleExpectStep() {
	var t printingT // in a test: the *testing.T
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	c := dunningtest.Customer("c1")
	inv := dunningtest.Invoice("i1", c.ID, dunningtest.Day("2026-03-01"), dunningtest.Day("2026-03-31"), "100.00", "EUR")
	pf := dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{inv}}

	dunningtest.ExpectStep(t, pol, pf, "i1", dunningtest.Day("2026-04-14"), "overdue-1")
	dunningtest.ExpectNothing(t, pol, pf, dunningtest.Day("2026-03-20")) // before pre-due (03-24)
	fmt.Println("both hold")
	// Output:
	// both hold
}
