package sim

import (
	"context"
	"runtime"
	"strconv"
	"testing"

	"github.com/rickb777/date/v2"
)

// BenchmarkReplicate runs 4 runs × 3 policies of 100 customers over 2026
// with one worker (the baseline) and with GOMAXPROCS workers; the ratio of
// their ns/op is what the worker pool buys on this machine.
//
//	go test -run '^$' -bench Replicate -benchtime 1x -count 3 ./examples/simulate/sim
func BenchmarkReplicate(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Customers = 100
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("workers="+strconv.Itoa(workers), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := Replicate(context.Background(), Experiment{Runs: 4, Policies: Policies(), Costs: DefaultCosts(), Workers: workers,
					Options: Options{From: date.New(2026, 1, 1), To: date.New(2026, 12, 31), MeasureFrom: date.New(2026, 3, 1)},
					World:   func(r int) (*World, error) { c := cfg; c.Seed += uint64(r); return Generate(c) }})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
