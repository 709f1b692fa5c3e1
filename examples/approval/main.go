// Command approval shows review before sending: the letter before action
// requires approval, so the runner holds it back; a collector reviews the
// proposal (approves one, skips one for a week, holds a customer), the
// reviews are kept in the store, and the next run sends only what was
// approved.
//
//	go run ./examples/approval
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

func main() {
	if err := run(os.Stdout, time.Date(2026, 5, 15, 9, 0, 0, 0, time.UTC)); err != nil {
		fmt.Fprintln(os.Stderr, "approval:", err)
		os.Exit(1)
	}
}

type clock time.Time

func (c clock) Now() time.Time { return time.Time(c) }

func run(w io.Writer, now time.Time) error {
	ctx := context.Background()
	at := func(s string) schedule.Offset { o, _ := schedule.ParseOffset(s); return o }
	wf := dunning.Workflow{Name: "b2b", CatchUp: dunning.HighestOnly, Roll: schedule.Following, Steps: []dunning.Step{
		{Name: "reminder", At: at("due+7"), Action: dunning.Email},
		{Name: "letter-before-action", At: at("due+30"), Action: dunning.Letter, Stage: notice.LetterBeforeAction, Approval: true},
	}}
	pol := &dunning.Policy{Workflows: []dunning.Workflow{wf},
		Creditor: notice.Party{Name: "Northwind Supplies Ltd", Address: []string{"2 Market Road", "Leeds LS1 1AA"}, Email: "ar@northwind.example"},
		Payment:  dunning.PaymentInstructions{Text: "Please pay by bank transfer, quoting the invoice number.", IBAN: "GB33BUKB20201555555555"}}
	if err := pol.Validate(); err != nil {
		return err
	}
	d := date.MustParseISO
	var pf dunning.Portfolio
	for _, c := range []struct{ id, name string }{{"c-acme", "Acme Ltd"}, {"c-bolt", "Bolt & Nut plc"}, {"c-cog", "Cog Works Ltd"}} {
		pf.Customers = append(pf.Customers, dunning.Customer{ID: c.id, Name: c.name, Language: "en",
			Contacts: []dunning.Contact{{Name: "Accounts", Role: dunning.RoleBilling, Email: "ap@" + c.id[2:] + ".example", Address: []string{"1 High St", "York YO1 1AA"}}}})
		amt := decimal.RequireFromString("1200.00")
		pf.Invoices = append(pf.Invoices, dunning.Invoice{ID: "inv-" + c.id[2:], Number: "INV-" + c.id[2:], CustomerID: c.id, Currency: "GBP",
			Issued: d("2026-03-15"), Due: d("2026-04-14"), Amount: amt, Lines: []dunning.Line{{Description: "Fasteners", Quantity: decimal.NewFromInt(1), Amount: amt}}})
	}
	st := memory.New()
	rec := &send.Recorder{}
	r := &dunning.Runner{Policy: pol, Store: st, Sender: rec, Clock: clock(now), Owner: "approval"}

	fmt.Fprintf(w, "== Run 1 on %s: the letters before action wait for approval\n", now.Format("2006-01-02"))
	rep, err := r.Run(ctx, pf)
	if err != nil {
		return err
	}
	for _, res := range rep.Results {
		fmt.Fprintf(w, "%-48s %s\n", res.Key, res.Status)
	}

	fmt.Fprintf(w, "\n== The collector reviews the proposal\n")
	reviews := []dunning.Review{
		{CustomerID: "c-acme", Key: rep.Results[0].Key, Decision: dunning.Approve, By: "maria", At: now},
		{CustomerID: "c-bolt", Key: rep.Results[1].Key, Decision: dunning.Skip, Until: d("2026-05-22"), Reason: "remittance advice received", By: "maria", At: now},
		{CustomerID: "c-cog", Decision: dunning.HoldCustomer, Until: d("2026-06-01"), Reason: "agreeing a payment plan", By: "maria", At: now},
	}
	for _, rv := range reviews {
		if err := st.SaveReview(ctx, rv); err != nil {
			return err
		}
		fmt.Fprintf(w, "%-7s %-6s %s\n", rv.Decision, rv.CustomerID, rv.Reason)
	}

	fmt.Fprintf(w, "\n== Run 2: only the approved letter goes out\n")
	if rep, err = r.Run(ctx, pf); err != nil {
		return err
	}
	for _, res := range rep.Results {
		fmt.Fprintf(w, "%-48s %s\n", res.Key, res.Status)
	}
	for _, s := range rec.Sent() {
		fmt.Fprintf(w, "%s to %s, %s: %s\n", s.Notice.Channel, s.Notice.Debtor.Name, s.Notice.Debtor.Address[0], s.Notice.Subject)
	}

	r.Clock = clock(now.AddDate(0, 0, 7))
	fmt.Fprintf(w, "\n== Run 3 a week later: the skip has run out, the hold has not\n")
	if rep, err = r.Run(ctx, pf); err != nil {
		return err
	}
	for _, res := range rep.Results {
		fmt.Fprintf(w, "%-48s %s\n", res.Key, res.Status)
	}
	return nil
}
