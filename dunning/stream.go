package dunning

import (
	"context"
	"fmt"
	"iter"

	"github.com/rickb777/date/v2"
)

// ChunkHistory is what PlanChunks asks a store for: the progress of the
// given invoices (and, as a PendingHistory, the pending actions of their
// customers). It is optional on a Store; a store that reads progress by
// invoice IDs provides it with one query per chunk.
type ChunkHistory interface {
	HistoryFor(ctx context.Context, invoiceIDs []string) (History, error)
}

// PlanChunks plans a portfolio that arrives in chunks, as an app reads it
// from its database page by page: each chunk is a Portfolio holding some
// customers with all their invoices (and the agreements and open tasks
// those need). Customers must come in ascending ID order over the stream,
// each in one chunk only; a chunk that breaks the order ends the stream
// with an error naming it. For each chunk, the history of its invoices is
// read through h (when h is nil, the chunk's own History and
// Invoice.Progress are used), the chunk is planned, and its actions are
// yielded; nothing of a chunk is kept after its actions are yielded, so
// memory is bounded by the largest chunk. The actions, concatenated, are
// those of Plan over the whole portfolio (TestPlanChunksIsPlan), except
// that an invoice ID repeated in two chunks is not detected.
//
// A source that fails stops its iteration and reports its error itself
// (see examples/postgres).
func PlanChunks(ctx context.Context, asOf date.Date, policy *Policy, chunks iter.Seq[Portfolio], h ChunkHistory) iter.Seq2[[]Action, error] {
	return func(yield func([]Action, error) bool) {
		last, n := "", 0
		for ch := range chunks {
			for i := range ch.Customers {
				id := ch.Customers[i].ID
				if (n > 0 || i > 0) && id <= last {
					yield(nil, &FieldError{Field: fmt.Sprintf("chunks[%d].customers[%d].id", n, i), Value: id,
						Reason: "is not after the customer before it (" + last + "): chunks must list customers in ascending ID order, each once"})
					return
				}
				last = id
			}
			if h != nil {
				ids := make([]string, len(ch.Invoices))
				for i := range ch.Invoices {
					ids[i] = ch.Invoices[i].ID
				}
				hist, err := h.HistoryFor(ctx, ids)
				if err != nil {
					yield(nil, fmt.Errorf("dunning: history of chunk %d: %w", n, err))
					return
				}
				ch.History = hist
			}
			acts, err := Plan(asOf, policy, ch)
			if !yield(acts, err) || err != nil {
				return
			}
			n++
		}
	}
}
