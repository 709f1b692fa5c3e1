// Command subscription shows subscription dunning on a small SaaS book:
// five renewals whose card charge failed on the due date. Payment retries
// (days 1, 3, 5 and 7) succeed for some; a lost card gets the
// "update your payment method" email at once; the rest go on credit hold,
// then are suspended; those who pay (or keep a promise to pay) are resumed,
// and the last is cancelled at the end of dunning. It runs the book day by
// day, prints each customer's timeline and ends with the recovery rate.
//
//	go run ./examples/subscription
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

func main() {
	res, err := simulate(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "subscription:", err)
		os.Exit(1)
	}
	res.print(os.Stdout)
}

// entry is one line of a customer's timeline.
type entry struct {
	Day  date.Date
	Text string
}

// change is a blocking state change as AccountStates reports it.
type change struct {
	Day      date.Date
	From, To string
}

// outcome is what the simulation saw.
type outcome struct {
	ids      []string
	names    map[string]string
	timeline map[string][]entry
	changes  map[string][]change
	open     map[string]decimal.Decimal // each customer's open balance at the end
	billed   map[string]decimal.Decimal
	hook     *accounts
	provider *provider
	records  []dunning.Record
}

type fixed time.Time

func (f *fixed) Now() time.Time { return time.Time(*f) }

// simulate runs the book from the day after the renewal to LastDay, one
// Run a day at 09:00 UTC, reporting the app's events of each day first.
func simulate(ctx context.Context) (*outcome, error) {
	pol, err := Policy()
	if err != nil {
		return nil, err
	}
	scripts := book()
	pf := portfolio(scripts)
	st := memory.New()
	out := &outcome{ids: sortedIDs(scripts), names: map[string]string{}, timeline: map[string][]entry{}, changes: map[string][]change{},
		open: map[string]decimal.Decimal{}, billed: map[string]decimal.Decimal{},
		hook:     &accounts{state: map[string]dunning.BlockingState{}, ended: map[string]dunning.ActionKind{}},
		provider: newProvider(scripts)}
	subjects := map[string]string{}
	sender := dunning.SenderFunc(func(_ context.Context, key string, n *notice.Notice) (string, error) {
		subjects[key] = n.Subject
		return "msg-" + n.Number, nil
	})
	clock := new(fixed)
	r := &dunning.Runner{Policy: pol, Store: st, Sender: sender, Collector: out.provider, Hook: out.hook, Clock: clock, Owner: "subscription"}
	state := map[string]string{}
	for _, sc := range scripts {
		out.names[sc.c.ID] = sc.c.Name
		state[sc.c.ID] = dunning.Active.Name
	}
	seen := 0
	for day := date.MustParseISO(Renewal) + 1; day <= date.MustParseISO(LastDay); day++ {
		for _, sc := range scripts {
			for _, e := range sc.events[day] {
				e.CustomerID, e.InvoiceID = sc.c.ID, "inv-"+sc.c.ID
				if err := r.Record(ctx, e); err != nil {
					return nil, err
				}
				if err := apply(&pf, e); err != nil {
					return nil, err
				}
				out.timeline[sc.c.ID] = append(out.timeline[sc.c.ID], entry{day, eventText(e)})
			}
		}
		*clock = fixed(time.Date(day.Year(), day.Month(), day.Day(), 9, 0, 0, 0, time.UTC))
		rep, err := r.Run(ctx, pf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", day, err)
		}
		for _, res := range rep.Results {
			if res.Event != nil { // a charged retry: the app applies its payment
				if err := apply(&pf, *res.Event); err != nil {
					return nil, err
				}
			}
		}
		recs, err := st.Records(ctx)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs[seen:] {
			out.timeline[rec.CustomerID] = append(out.timeline[rec.CustomerID], entry{day, recordText(rec, subjects[rec.Key])})
		}
		seen = len(recs)
		h, err := st.History(ctx)
		if err != nil {
			return nil, err
		}
		pf.History = h
		states, err := dunning.AccountStates(day, pol, pf)
		if err != nil {
			return nil, err
		}
		pf.History = nil
		for _, s := range states {
			if s.State.Name != state[s.CustomerID] {
				out.changes[s.CustomerID] = append(out.changes[s.CustomerID], change{day, state[s.CustomerID], s.State.Name})
				out.timeline[s.CustomerID] = append(out.timeline[s.CustomerID], entry{day, "account " + stateText(s.State) + ": " + s.Reason})
				state[s.CustomerID] = s.State.Name
			}
		}
		out.records = recs
	}
	end := date.MustParseISO(LastDay)
	for _, inv := range pf.Invoices {
		out.open[inv.CustomerID] = inv.Open(end)
		out.billed[inv.CustomerID] = inv.Amount
	}
	return out, nil
}

func eventText(e dunning.Event) string {
	switch e.Kind {
	case dunning.PaymentReceived:
		return "the app books a bank transfer of EUR " + e.Amount.StringFixed(2)
	case dunning.PromiseMade:
		return "the customer promises EUR " + e.Amount.StringFixed(2) + " by " + e.Until.String()
	case dunning.PromiseKeptEvent:
		return "the app declares the promise kept (the transfer is on its way)"
	}
	return string(e.Kind)
}

func recordText(rec dunning.Record, subject string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-13s %-15s ", rec.Step, rec.Kind)
	switch {
	case rec.Kind == dunning.Retry && rec.Outcome == dunning.Sent:
		fmt.Fprintf(&b, "charged EUR %s (%s)", rec.Amount.StringFixed(2), rec.MessageID)
	case rec.Kind == dunning.Retry:
		b.WriteString(rec.Error)
	case rec.Kind.IsNotice() || rec.Fallback:
		fmt.Fprintf(&b, "%q", subject)
	default:
		b.WriteString(string(rec.Outcome))
	}
	return b.String()
}

func stateText(s dunning.BlockingState) string {
	var flags []string
	if s.BlockChanges {
		flags = append(flags, "changes blocked")
	}
	if s.BlockNewOrders {
		flags = append(flags, "new orders blocked")
	}
	if s.DisableEntitlements {
		flags = append(flags, "service off")
	}
	if len(flags) == 0 {
		return s.Name
	}
	return s.Name + " (" + strings.Join(flags, ", ") + ")"
}

func (o *outcome) print(w io.Writer) {
	recovered, total := 0, 0
	recAmt, billed := decimal.Zero, decimal.Zero
	for _, id := range o.ids {
		fmt.Fprintf(w, "== %s\n", o.names[id])
		for _, e := range o.timeline[id] {
			fmt.Fprintf(w, "%s  %s\n", e.Day, e.Text)
		}
		total++
		billed = billed.Add(o.billed[id])
		if o.open[id].Sign() <= 0 {
			recovered++
			recAmt = recAmt.Add(o.billed[id])
			fmt.Fprintf(w, "   recovered\n\n")
		} else {
			fmt.Fprintf(w, "   not recovered: EUR %s open, account %s\n\n", o.open[id].StringFixed(2), o.hook.state[id].Name)
		}
	}
	fmt.Fprintf(w, "Recovery rate: %d of %d failed renewals (%s%%), EUR %s of EUR %s (%s%%)\n",
		recovered, total, decimal.NewFromInt(int64(100*recovered)).DivRound(decimal.NewFromInt(int64(total)), 1).StringFixed(1),
		recAmt.StringFixed(2), billed.StringFixed(2), recAmt.Mul(decimal.NewFromInt(100)).DivRound(billed, 1).StringFixed(1))
}
