// Command quickstart shows overdue's main job on a small portfolio: it
// routes customers to workflows by segment, prints today's plan with the
// reason for every action, runs it through a sender that writes the notices
// to stdout, and runs again to show that nothing is sent twice.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
)

func main() {
	if err := run(os.Stdout, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, now time.Time) error {
	ctx := context.Background()
	pol, err := Policy()
	if err != nil {
		return err
	}
	pf := Portfolio()
	st := memory.New()
	// The app attaches each invoice's PDF (here a stand-in document), once
	// per invoice: the lines of an invoice's instalments share its number.
	pdfs := send.AttacherFunc(func(_ context.Context, _ string, n *notice.Notice) ([]send.Attachment, error) {
		var atts []send.Attachment
		for i, l := range n.Lines {
			if slices.ContainsFunc(n.Lines[:i], func(e notice.Line) bool { return e.Number == l.Number }) {
				continue
			}
			atts = append(atts, send.Attachment{Name: l.Number + ".pdf", Data: []byte("%PDF-1.4 invoice " + l.Number + "\n%%EOF\n")})
		}
		return atts, nil
	})
	r := &dunning.Runner{Policy: pol, Store: st, Sender: &send.Writer{W: w, Attach: pdfs}, Clock: fixed(now), Owner: "quickstart"}

	fmt.Fprintf(w, "== Segments: who runs which workflow\n")
	for i := range pf.Customers {
		c := &pf.Customers[i]
		var invs []*dunning.Invoice
		for j := range pf.Invoices {
			if pf.Invoices[j].CustomerID == c.ID {
				invs = append(invs, &pf.Invoices[j])
			}
		}
		// Each customer is routed on its own local day, as the runner
		// plans it (Customer.Today in its time zone).
		day, err := c.Today(now)
		if err != nil {
			return err
		}
		m := pol.Route(day, c, invs)
		rule := m.Rule
		if m.Default {
			rule = "(default)"
		}
		fmt.Fprintf(w, "%-22s -> %-10s by rule %s\n", c.Name, m.Workflow, rule)
	}

	plan, err := r.Plan(ctx, pf)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== Plan for %s (%d actions, nothing sent yet)\n", now.Format("2006-01-02"), len(plan))
	for _, a := range plan {
		fmt.Fprintf(w, "- %-6s %-10s %-9s %s\n  why: %s\n", a.Kind, a.Step, a.CustomerID, a.Key, a.Reason)
		if a.Notice != nil {
			fmt.Fprintf(w, "  total due: %s %s\n", a.Notice.Currency, a.Notice.Total.StringFixed(a.Notice.MinorUnits))
		}
		if a.Problem != "" {
			fmt.Fprintf(w, "  problem: %s\n", a.Problem)
		}
	}
	for _, x := range []struct{ id, customer string }{{"inv-2002", "c-bistro"}, {"inv-3001", "c-corner"}} {
		id := x.id
		day, err := customerDay(pf, x.customer, now) // the invoice's customer's day
		if err != nil {
			return err
		}
		ex, err := dunning.Explain(day, pol, withHistory(ctx, st, pf), id)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n== Why no action for %s?\n%s", id, ex)
	}

	fmt.Fprintf(w, "\n== Run 1: send\n")
	rep, err := r.Execute(ctx, plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nrun 1: %d planned, %d sent, %d tasks or holds included\n", rep.Planned, rep.Counts[dunning.StatusSent], countTasks(plan))

	fmt.Fprintf(w, "\n== Run 2: the same plan executed again (a retry after a crash, say)\n")
	rep2, err := r.Execute(ctx, plan)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run 2: %d planned, %d sent, %d already done: nothing is sent twice\n", rep2.Planned, rep2.Counts[dunning.StatusSent], rep2.Counts[dunning.StatusDone])
	rep3, err := r.Run(ctx, pf)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "run 3 (plans afresh): %d planned: the ledger knows what was done\n", rep3.Planned)

	// A statement of account, for any customer and period.
	to, err := customerDay(pf, "c-acme", now)
	if err != nil {
		return err
	}
	stm, err := pol.Statement(pf, dunning.StatementRequest{CustomerID: "c-acme", Currency: "EUR", From: d("2026-09-01"), To: to})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n== Statement of account for Acme\nSubject: %s\n\n%s", stm.Subject, stm.Text)
	return nil
}

type fixed time.Time

func (f fixed) Now() time.Time { return time.Time(f) }

func countTasks(acts []dunning.Action) int {
	n := 0
	for _, a := range acts {
		if !a.Kind.IsNotice() {
			n++
		}
	}
	return n
}

func withHistory(ctx context.Context, st dunning.Store, pf dunning.Portfolio) dunning.Portfolio {
	h, err := st.History(ctx)
	if err == nil {
		pf.History = h
	}
	return pf
}
