package dunning_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
	"github.com/rickb777/date/v2"
)

// runDays runs the default workflow over onePortfolio day by day from
// 2026-03-01 to the last day, through the memory store, with send as the
// sender's verdict for each day and bounce (if any) run before the day's
// plan; it returns the notices planned on the last day, rendered.
func runDays(t *testing.T, last date.Date, send func(d date.Date) error, bounce func(ctx context.Context, st *memory.Store, d date.Date)) []*notice.Notice {
	t.Helper()
	pol := stdPolicy() // email steps; a failed email's fallback is a collector task
	st := memory.New()
	pf := onePortfolio()
	ctx := context.Background()
	var out []*notice.Notice
	for d := day("2026-03-01"); d <= last; d++ {
		if bounce != nil {
			bounce(ctx, st, d)
		}
		h, err := st.History(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pf.History = h
		cur := d
		s := dunning.SenderFunc(func(_ context.Context, key string, n *notice.Notice) (string, error) {
			if err := send(cur); err != nil {
				return "", err
			}
			return key, nil
		})
		r := &dunning.Runner{Policy: pol, Store: st, Sender: s, Clock: dunningtest.ClockAt(d), Owner: "t"}
		acts, err := r.Plan(ctx, pf)
		if err != nil {
			t.Fatal(err)
		}
		if d == last {
			for i := range acts {
				if n := acts[i].Notice; n != nil {
					if err := notice.Builtin().Render(n); err != nil {
						t.Fatal(err)
					}
					out = append(out, n)
				}
			}
			return out
		}
		if _, err := r.Execute(ctx, acts); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// A notice never tells the customer of an earlier one that did not reach
// them: the overdue-1 email of 14 April failed for good (its fallback, a
// collector task, went instead), or was sent and then bounced, so the
// overdue-2 notice of 30 April claims only the reminder of 31 March, the
// last notice the customer got.
func TestNoticeNeverClaimsUndeliveredNotice(t *testing.T) {
	missed, delivered := day("2026-04-14"), day("2026-03-31")
	for name, tc := range map[string]struct {
		send   func(date.Date) error
		bounce func(context.Context, *memory.Store, date.Date)
	}{
		"failed for good": {send: func(d date.Date) error {
			if d == missed {
				return fmt.Errorf("550 no such user: %w", dunning.ErrPermanent)
			}
			return nil
		}},
		"bounced": {send: func(date.Date) error { return nil }, bounce: func(ctx context.Context, st *memory.Store, d date.Date) {
			if d == missed+1 {
				if err := st.AppendEvent(ctx, dunning.Event{ID: "b1", Kind: dunning.NoticeBounced, Key: "inv/c1/i1/standard/overdue-1/c0", Date: d}); err != nil {
					t.Fatal(err)
				}
			}
		}},
	} {
		t.Run(name, func(t *testing.T) {
			ns := runDays(t, day("2026-04-30"), tc.send, tc.bounce)
			if len(ns) != 1 || ns[0].Step != "overdue-2" {
				t.Fatalf("notices on 30 April: %d, want the overdue-2 notice", len(ns))
			}
			n := ns[0]
			if !slices.Equal(n.Earlier, []date.Date{delivered}) || n.Lines[0].LastNotice != delivered {
				t.Errorf("earlier %v, last notice %s; want only the delivered %s", n.Earlier, n.Lines[0].LastNotice, delivered)
			}
			if bad := notice.FormatDate("en", missed); strings.Contains(n.Text, bad) {
				t.Errorf("the text names %s, the undelivered notice's day:\n%s", bad, n.Text)
			}
			if good := notice.FormatDate("en", delivered); !strings.Contains(n.Text, good) {
				t.Errorf("the text does not name %s, the last notice delivered:\n%s", good, n.Text)
			}
		})
	}
}

// Progress.Last is the day of the last notice that reached the customer:
// a record that failed for good leaves it, a bounce takes its day back.
func TestProgressLastIsDelivered(t *testing.T) {
	rec := func(key string, d date.Date, out dunning.Outcome) dunning.Record {
		return dunning.Record{Key: key, InvoiceIDs: []string{"i1"}, Cycles: []int{0}, Workflow: "standard", Step: key, StepIndex: 1, Kind: dunning.Email, Date: d, Outcome: out}
	}
	p := dunning.Progress{InvoiceID: "i1", Step: -1}
	dunning.Advance(&p, rec("a", day("2026-03-31"), dunning.Sent), 0)
	if p.Last != day("2026-03-31") {
		t.Fatalf("after a sent notice: last %s", p.Last)
	}
	failed := rec("b", day("2026-04-14"), dunning.Failed)
	failed.StepIndex = 2
	dunning.Advance(&p, failed, 0)
	if p.Last != day("2026-03-31") || p.Step != 2 {
		t.Errorf("after a failed notice: last %s step %d, want 2026-03-31 and step 2", p.Last, p.Step)
	}
	sent := rec("c", day("2026-04-30"), dunning.Sent)
	sent.StepIndex = 3
	dunning.Advance(&p, sent, 0)
	dunning.MarkBounced(&p, sent, 0)
	if p.Last != day("2026-03-31") {
		t.Errorf("after the 30 April notice bounced: last %s, want 2026-03-31", p.Last)
	}
	if p.Notices == nil || !slices.Equal(p.Notices.Recent, []date.Date{day("2026-03-31")}) {
		t.Errorf("recent notice days %v, want [2026-03-31]", p.Notices)
	}
	dunning.MarkBounced(&p, sent, 0) // the same bounce again takes nothing more
	if p.Last != day("2026-03-31") {
		t.Errorf("a second bounce event: last %s", p.Last)
	}
}
