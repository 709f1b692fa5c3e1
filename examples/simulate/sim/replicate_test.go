package sim

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

func TestReplicateSameResultsWithAnyWorkerCount(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Customers, cfg.Months = 30, 3
	var calls atomic.Int32
	exp := func(workers int) Experiment {
		return Experiment{Runs: 2, Policies: Policies(), Costs: DefaultCosts(), Workers: workers,
			Options: Options{From: date.New(2026, 1, 1), To: date.New(2026, 5, 31), MeasureFrom: date.New(2026, 2, 1)},
			World: func(r int) (*World, error) {
				calls.Add(1)
				c := cfg
				c.Seed += uint64(r)
				return Generate(c)
			}}
	}
	one, err := Replicate(context.Background(), exp(1))
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.Swap(0); n != 2 {
		t.Errorf("world made %d times for 2 runs: every policy of a run must meet the same world", n)
	}
	two, err := Replicate(context.Background(), exp(2))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(one, two, cmp.Comparer(func(x, y decimal.Decimal) bool { return x.Equal(y) })); diff != "" {
		t.Errorf("1 worker and 2 workers differ:\n%s", diff)
	}
	// Runs differ from each other (different random numbers).
	if one[0][1].Figures.Collected.Equal(one[1][1].Figures.Collected) {
		t.Errorf("two runs collected the same %s: are the streams different?", one[0][1].Figures.Collected)
	}
	// The reference's money is zero by definition.
	if m := one[0][0].Money; !m.Forward.IsZero() || !m.Net.IsZero() || !m.Cost.IsZero() {
		t.Errorf("no dunning against itself: %+v", m)
	}
}

func TestReplicateErrors(t *testing.T) {
	ok := func(int) (*World, error) { return Generate(DefaultConfig()) }
	opts := Options{From: date.New(2026, 1, 1), To: date.New(2026, 1, 31)}
	for _, c := range []struct {
		e    Experiment
		want string
	}{
		{Experiment{Runs: 0, World: ok, Policies: Policies(), Options: opts}, "experiment.runs: 0"},
		{Experiment{Runs: 1, World: ok, Options: opts}, "experiment.policies: none"},
		{Experiment{Runs: 1, World: ok, Policies: Policies(), Options: Options{From: opts.From, To: opts.To, MeasureFrom: date.New(2026, 3, 1)}}, "measured from 2026-03-01"},
		{Experiment{Runs: 2, World: func(r int) (*World, error) {
			c := DefaultConfig()
			c.Customers = 5 - 5*r
			return Generate(c)
		}, Policies: Policies(), Options: opts}, "run 2: sim: config.customers: 0"},
	} {
		if _, err := Replicate(context.Background(), c.e); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
}
