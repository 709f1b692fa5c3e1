package memory_test

import (
	"context"
	"fmt"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/store/memory"
)

func ExampleStore() {
	st := memory.New()
	ctx := context.Background()
	c, err := st.Claim(ctx, dunning.ClaimParams{Key: "k1", Owner: "runner-a", Lease: time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = st.Complete(ctx, c, dunning.Record{CustomerID: "c1", InvoiceIDs: []string{"i1"}, Cycles: []int{0}, Workflow: "standard", Step: "overdue-1", StepIndex: 3, Kind: dunning.Email, Outcome: dunning.Sent})
	_, err = st.Claim(ctx, dunning.ClaimParams{Key: "k1", Owner: "runner-b", Lease: time.Minute})
	fmt.Println(err)
	h, _ := st.History(ctx)
	p, _ := h.Progress("i1")
	fmt.Println(p.Workflow, p.Step)
	// Output:
	// dunning: action already done
	// standard 3
}
