package dunning_test

import (
	"context"
	"fmt"

	"github.com/overduehq/overdue/dunning"
)

// A Collector maps its payment provider's decline codes to the library's
// classes: soft when trying again later may succeed, hard when it cannot
// (the retries stop and the customer is asked to update the payment
// method). The key goes to the provider as its idempotency key.
func ExampleCollector() {
	classify := func(code string) dunning.Decline {
		switch code {
		case "lost_card", "stolen_card", "expired_card", "account_closed", "fraudulent":
			return dunning.HardDecline
		}
		return dunning.SoftDecline // insufficient_funds, do_not_honor, ...
	}
	provider := func(key string, cents int64) (txID, declineCode string) {
		return "", "expired_card" // stands in for the provider's API
	}
	col := dunning.CollectorFunc(func(ctx context.Context, key string, req dunning.ChargeRequest) (dunning.ChargeResult, error) {
		tx, code := provider(key, req.Amount.Amount.Shift(2).IntPart())
		if code != "" {
			return dunning.ChargeResult{Outcome: dunning.ChargeDeclined, Decline: classify(code), Code: code}, nil
		}
		return dunning.ChargeResult{Outcome: dunning.Charged, TransactionID: tx}, nil
	})
	res, _ := col.Charge(context.Background(), "inv/c1/i1/saas/retry-1/c0", dunning.ChargeRequest{})
	fmt.Println(res.Outcome, res.Decline, res.Code)
	for _, s := range dunning.DefaultRetryWorkflow("saas").Steps {
		fmt.Println(s.Name, s.At, s.Action)
	}
	// Output:
	// declined hard expired_card
	// retry-1 due+1 retry
	// retry-3 due+3 retry
	// retry-5 due+5 retry
	// retry-7 due+7 retry
}
