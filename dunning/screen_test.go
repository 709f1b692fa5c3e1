package dunning_test

import (
	"encoding/json"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"pgregory.net/rapid"
)

// TestScreeningSkipsNothing: Plan screens every invoice's day on its own
// before planning the customers (screenDay), and reads only the invoices
// that may need something. Over generated portfolios (wakeWorld's, with
// segment rules that route by a customer attribute and by the customer's
// overdue invoices in half of them) and a year of days, recording each
// day's actions, Plan gives exactly the actions of planning without the
// screening, every day.
func TestScreeningSkipsNothing(t *testing.T) {
	base := date.New(2026, 1, 5)
	actions := 0
	rapid.Check(t, func(t *rapid.T) {
		pol, pf := wakeWorld(t, base)
		if len(pol.Workflows) == 2 && rapid.Bool().Draw(t, "segments") {
			rules, err := segment.Parse([]byte(`{"rules": [
				{"name": "risky", "when": {"attr": "risk", "op": "eq", "value": "high"}, "workflow": "wf1"},
				{"name": "many", "when": {"attr": "history.overdue_count", "op": "gte", "value": 2}, "workflow": "wf1"}
			], "default": {"workflow": "wf0"}}`))
			if err != nil {
				t.Fatal(err)
			}
			pol.Segments = rules
			for i := range pf.Customers {
				pf.Customers[i].Attributes = segment.Attrs{"risk": segment.String(rapid.SampledFrom([]string{"low", "high"}).Draw(t, "risk"))}
			}
			if err := pol.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		h := pf.History.(dunning.HistoryMap)
		for d := base; d < base+365; d++ {
			got, err := dunning.Plan(d, pol, pf)
			if err != nil {
				t.Fatal(err)
			}
			want, err := dunning.PlanUnscreened(d, pol, pf)
			if err != nil {
				t.Fatal(err)
			}
			b1, _ := json.Marshal(got)
			b2, _ := json.Marshal(want)
			if string(b1) != string(b2) {
				t.Fatalf("on %s, screened:\n%s\nunscreened:\n%s", d, b1, b2)
			}
			actions += len(got)
			record(h, got, d)
		}
	})
	if actions < 100 {
		t.Fatalf("only %d actions over all the years planned", actions)
	}
	t.Logf("%d actions planned", actions)
}
