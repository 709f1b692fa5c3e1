package dunning_test

import (
	"context"
	"fmt"
	"os"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/store/memory"
)

// An invoice issued 2026-03-02, due 2026-03-31, under the classic cadence:
// on 2026-04-14 (due + 14) its first overdue notice is due.
func ExamplePlan() {
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	pf := dunning.Portfolio{
		Customers: []dunning.Customer{dunningtest.Customer("c1")},
		Invoices:  []dunning.Invoice{dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")},
	}
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range acts {
		fmt.Println(a.Key)
		fmt.Println(a.Kind, a.Step, a.Notice.Stage, a.Notice.Total)
		fmt.Println(a.Reason)
	}
	// Output:
	// inv/c1/i1/standard/overdue-1/c0
	// email overdue-1 overdue-notice 100
	// invoice INV-i1 (due 2026-03-31, open EUR 100.00): step "overdue-1" of workflow "standard" fell due on 2026-04-14
}

func ExampleExplain() {
	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
	inv := dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")
	pf := dunning.Portfolio{Customers: []dunning.Customer{dunningtest.Customer("c1")}, Invoices: []dunning.Invoice{inv}}
	ex, err := dunning.Explain(day("2026-03-20"), pol, pf, "i1")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ex.Reason)
	fmt.Println("next:", ex.NextStep, ex.Next)
	// Output:
	// no step due: next is "pre-due" on 2026-03-24
	// next: pre-due 2026-03-24
}

// The runner claims, sends and records each action once: the second run the
// same day reads the ledger and plans nothing.
func ExampleRunner() {
	pf := dunning.Portfolio{
		Customers: []dunning.Customer{dunningtest.Customer("c1")},
		Invoices:  []dunning.Invoice{dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")},
	}
	r := &dunning.Runner{
		Policy: dunningtest.Policy(dunning.DefaultWorkflow("standard")),
		Store:  memory.New(),
		Sender: &send.Recorder{},
		Clock:  dunningtest.ClockAt(day("2026-04-14")),
	}
	for range 2 {
		rep, err := r.Run(context.Background(), pf)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		fmt.Println("planned", rep.Planned)
		for _, res := range rep.Results {
			fmt.Println(res.Status, res.Key)
		}
	}
	// Output:
	// planned 1
	// sent inv/c1/i1/standard/overdue-1/c0
	// planned 0
}
