package dunning_test

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"pgregory.net/rapid"
)

// mapChunks serves HistoryFor from a HistoryMap and remembers the largest
// request.
type mapChunks struct {
	h       dunning.HistoryMap
	largest int
}

func (m *mapChunks) HistoryFor(_ context.Context, ids []string) (dunning.History, error) {
	m.largest = max(m.largest, len(ids))
	out := dunning.HistoryMap{}
	for _, id := range ids {
		if p, ok := m.h[id]; ok {
			out[id] = p
		}
	}
	return out, nil
}

// chunked cuts pf into chunks of size customers (in ID order) with their
// invoices, agreements and tasks, the way an app pages through its tables.
func chunked(pf dunning.Portfolio, size int) iter.Seq[dunning.Portfolio] {
	cs := slices.Clone(pf.Customers)
	slices.SortFunc(cs, func(a, b dunning.Customer) int { return strings.Compare(a.ID, b.ID) })
	return func(yield func(dunning.Portfolio) bool) {
		for lo := 0; lo < len(cs); lo += size {
			keep := map[string]bool{}
			for _, c := range cs[lo:min(lo+size, len(cs))] {
				keep[c.ID] = true
			}
			ch := only(pf, keep)
			ch.History = nil
			if !yield(ch) {
				return
			}
		}
	}
}

// TestPlanChunksIsPlan: a portfolio planned in chunks of any size, with
// history read per chunk, gives byte for byte the actions of Plan over the
// whole of it, and no history request is larger than a chunk's invoices.
func TestPlanChunksIsPlan(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pf := benchPortfolioMap(rapid.IntRange(1, 30).Draw(t, "customers"), rapid.IntRange(0, 400).Draw(t, "invoices"))
		pol := stdPolicy()
		want, err := dunning.Plan(benchAsOf, pol, pf)
		if err != nil {
			t.Fatal(err)
		}
		size := rapid.IntRange(1, 8).Draw(t, "chunk")
		src := &mapChunks{h: pf.History.(dunning.HistoryMap)}
		var got []dunning.Action
		maxChunk := 0
		for ch := range chunked(pf, size) {
			maxChunk = max(maxChunk, len(ch.Invoices))
		}
		for acts, err := range dunning.PlanChunks(context.Background(), benchAsOf, pol, chunked(pf, size), src) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, acts...)
		}
		b1, _ := json.Marshal(want)
		b2, _ := json.Marshal(got)
		if string(b1) != string(b2) {
			t.Fatalf("chunks of %d customers: %d actions, Plan %d\nchunks: %.600s\nplan:   %.600s", size, len(got), len(want), b2, b1)
		}
		if src.largest > maxChunk {
			t.Fatalf("history asked for %d invoices, the largest chunk has %d", src.largest, maxChunk)
		}
	})
}

// TestPlanChunksOrder: customers out of order across chunks end the stream
// with an error naming the chunk and customer.
func TestPlanChunksOrder(t *testing.T) {
	pf := benchPortfolioMap(4, 8)
	chunks := func(yield func(dunning.Portfolio) bool) {
		_ = yield(only(pf, map[string]bool{"c000002": true})) && yield(only(pf, map[string]bool{"c000001": true}))
	}
	var errs []error
	for _, err := range dunning.PlanChunks(context.Background(), benchAsOf, stdPolicy(), chunks, nil) {
		errs = append(errs, err)
	}
	var fe *dunning.FieldError
	if len(errs) != 2 || errs[0] != nil || !errors.As(errs[1], &fe) || fe.Field != "chunks[1].customers[0].id" || fe.Value != "c000001" {
		t.Fatalf("errors %v, want nil then chunks[1].customers[0].id c000001", errs)
	}
}
