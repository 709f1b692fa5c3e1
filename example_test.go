package overdue_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/metrics"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/segment"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// A billing app's day: define a policy, hand over invoices, plan, run, and
// read the metrics. (This is the README's tour.)
func Example() {
	// 1. The policy: the classic cadence for everyone, a faster one for
	// customers the segment rules call risky.
	rules, _ := segment.Parse([]byte(`{"rules": [{"name": "risky",
	  "when": {"attr": "history.max_days_late", "op": "gt", "value": 30}, "workflow": "fast"}],
	  "default": {"workflow": "standard"}}`))
	fast := dunning.DefaultWorkflow("fast")
	fast.Steps = fast.Steps[2:] // due, +14, +30, +45
	pol := &dunning.Policy{
		Workflows: []dunning.Workflow{dunning.DefaultWorkflow("standard"), fast},
		Segments:  rules,
		Creditor:  notice.Party{Name: "Northwind GmbH", Address: []string{"Hafenstraße 12", "20457 Hamburg"}},
		Payment:   dunning.PaymentInstructions{Text: "Transfer to our account, quoting the invoice number.", IBAN: "DE89370400440532013000"},
	}
	if err := pol.Validate(); err != nil {
		fmt.Println(err)
		return
	}

	// 2. The app's customers and invoices.
	d := date.MustParseISO
	pf := dunning.Portfolio{
		Customers: []dunning.Customer{{ID: "c1", Name: "Acme Ltd", Language: "en",
			Contacts: []dunning.Contact{{Email: "ap@acme.example"}}}},
		Invoices: []dunning.Invoice{{ID: "i1", Number: "INV-1", CustomerID: "c1", Currency: "EUR",
			Issued: d("2026-03-02"), Due: d("2026-03-31"), Amount: decimal.RequireFromString("1200.00"),
			Lines: []dunning.Line{{Description: "Consulting, March"}}}},
	}

	// 3. Plan and run today, 2026-04-14: the notice goes out once.
	store := memory.New()
	sender := &send.Recorder{}
	r := &dunning.Runner{Policy: pol, Store: store, Sender: sender, Clock: noon(d("2026-04-14"))}
	for range 2 {
		rep, err := r.Run(context.Background(), pf)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("planned", rep.Planned, "sent", rep.Counts[dunning.StatusSent])
	}
	fmt.Println(sender.Sent()[0].Notice.Subject)

	// 4. The payment webhook, delivered twice: stored and applied once.
	ctx := context.Background()
	pay := dunning.Event{ID: "pay-81", Kind: dunning.PaymentReceived, Date: d("2026-04-15"), Amount: decimal.RequireFromString("1200.00")}
	for range 2 {
		if err := r.Apply(ctx, &pf.Invoices[0], pay); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println("open", pf.Invoices[0].Open(d("2026-04-15")).StringFixed(2))
	r.Clock = noon(d("2026-04-15"))
	ex, _ := r.Explain(ctx, pf, "i1") // reads what the store recorded
	fmt.Println(ex.Reason)

	// 5. Metrics from March 1 to April 14 (45 days): A/R 1,200 / sales
	// 1,200 x 45 days = a DSO of 45.
	tots, _ := metrics.Sum(slices.Values(pf.Invoices), metrics.SumOptions{Period: metrics.Period{From: d("2026-03-01"), To: d("2026-04-14")}})
	dso, _ := tots["EUR"].DSO()
	fmt.Println("DSO", dso.StringFixed(1))
	// Output:
	// planned 1 sent 1
	// planned 0 sent 0
	// Overdue: EUR 1,200.00 owed to Northwind GmbH
	// open 0.00
	// paid: the open balance is 0
	// DSO 45.0
}

type clock struct{ d date.Date }

func (c clock) Now() time.Time { return c.d.MidnightUTC().Add(12 * time.Hour) }

func noon(d date.Date) clock { return clock{d} }
