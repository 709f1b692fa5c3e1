package memory_test

import (
	"context"
	"fmt"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/memory"
)

func ExampleStore() {
	st := memory.New()
	ctx := context.Background()
	c, err := st.Claim(ctx, "k1", "runner-a", dunningtest.ClockAt(dunningtest.Day("2026-04-14")).Now(), 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = st.Complete(ctx, c, dunning.Record{CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{0}, Workflow: "standard", Step: "overdue-1", StepIndex: 3, Kind: dunning.Email, Outcome: dunning.Sent})
	_, err = st.Claim(ctx, "k1", "runner-b", dunningtest.ClockAt(dunningtest.Day("2026-04-15")).Now(), 0)
	fmt.Println(err)
	h, _ := st.History(ctx)
	p, _ := h.Progress("i1")
	fmt.Println(p.Workflow, p.Step)
	// Output:
	// dunning: action already done
	// standard 3
}
