package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/store/memory"
	"github.com/overduehq/overdue/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Kit {
		clock := dunningtest.NewClock(time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC))
		return storetest.Kit{Store: memory.New(memory.WithClock(clock)), Advance: clock.Advance, Now: clock.Now}
	})
}

// TestRecordsAcrossBlocks: 2,500 records (more than two of the store's
// blocks of 1,024) come back from Records and RecordsWhere in completion
// order, each once, and a bounce finds the record it names in the third
// block.
func TestRecordsAcrossBlocks(t *testing.T) {
	ctx := context.Background()
	clock := dunningtest.NewClock(time.Date(2026, 4, 14, 9, 0, 0, 0, time.UTC))
	s := memory.New(memory.WithClock(clock))
	const n = 2500
	for i := range n {
		key := fmt.Sprintf("k%04d", i)
		c, err := s.Claim(ctx, dunning.ClaimParams{Key: key, Owner: "o", Lease: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		rec := dunning.Record{Key: key, CustomerID: "c", InvoiceIDs: []string{fmt.Sprintf("i%04d", i)}, Kind: dunning.Email,
			Outcome: dunning.Sent, Currency: "EUR", StepIndex: 1, At: clock.Now()}
		if err := s.Complete(ctx, c, rec); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := s.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	where, err := dunning.Collect(s.RecordsWhere(ctx, dunning.RecordFilter{}))
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range [][]dunning.Record{recs, where} {
		if len(got) != n {
			t.Fatalf("%d records, want %d", len(got), n)
		}
		for i, r := range got {
			if want := fmt.Sprintf("k%04d", i); r.Key != want {
				t.Fatalf("record %d is %s, want %s", i, r.Key, want)
			}
		}
	}
	if err := s.AppendEvent(ctx, dunning.Event{ID: "e1", Kind: dunning.NoticeBounced, Key: "k2100", CustomerID: "c", Date: dunningtest.Day("2026-04-14"), At: clock.Now()}); err != nil {
		t.Fatal(err)
	}
	h, err := s.HistoryFor(ctx, dunning.HistoryQuery{InvoiceIDs: []string{"i2100"}})
	if err != nil {
		t.Fatal(err)
	}
	if p := h.(dunning.Snapshot).HistoryMap["i2100"]; p.Bounced != "k2100" {
		t.Errorf("i2100 bounced %q, want k2100", p.Bounced)
	}
}
