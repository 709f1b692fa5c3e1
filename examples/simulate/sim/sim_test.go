package sim

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

func smallRun(t *testing.T, customers int) []Outcome {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Customers = customers
	w, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Simulate(context.Background(), w, Policies(), Options{From: date.New(2026, 1, 1), To: date.New(2026, 12, 31), Parallel: true})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// smallExperiment runs the default policies over runs runs of a small
// generated book (2026, figures from March) with the default costs.
func smallExperiment(t *testing.T, customers, runs int) ([][]Result, *Summary) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Customers = customers
	pols := Policies()
	opts := Options{From: date.New(2026, 1, 1), To: date.New(2026, 12, 31), MeasureFrom: date.New(2026, 3, 1)}
	res, err := Replicate(context.Background(), Experiment{Runs: runs, Policies: pols, Options: opts, Costs: DefaultCosts(),
		World: func(r int) (*World, error) { c := cfg; c.Seed += uint64(r); return Generate(c) }})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Summarize(res, pols, opts.MeasureFrom)
	if err != nil {
		t.Fatal(err)
	}
	return res, sum
}

func TestClassicCadenceLowersDSO(t *testing.T) {
	out := smallRun(t, 300)
	none, seed, segd := out[0].Figures, out[1].Figures, out[2].Figures
	for _, o := range out {
		t.Logf("%-13s DSO %s best %s ADD %s CEI %s at risk %s sent %d", o.Policy, o.Figures.DSO.StringFixed(1), o.Figures.BestPossibleDSO.StringFixed(1), o.Figures.AverageDaysDelinquent.StringFixed(1), o.Figures.CEI.StringFixed(1), o.Figures.AtRisk.StringFixed(2), o.Sent)
	}
	if seed.DSO.Cmp(none.DSO) >= 0 {
		t.Errorf("classic cadence DSO %s, no dunning %s: want lower", seed.DSO, none.DSO)
	}
	if segd.DSO.Cmp(none.DSO) >= 0 {
		t.Errorf("segmented DSO %s, no dunning %s: want lower", segd.DSO, none.DSO)
	}
	if out[0].Sent != 0 || out[1].Sent == 0 {
		t.Errorf("sent: no dunning %d, seed %d", out[0].Sent, out[1].Sent)
	}
	_ = decimal.Zero
}

func TestDeterministic(t *testing.T) {
	a, b := smallRun(t, 60), smallRun(t, 60)
	for i := range a {
		if diff := cmp.Diff(a[i].Figures, b[i].Figures, cmp.Comparer(func(x, y decimal.Decimal) bool { return x.Equal(y) })); diff != "" {
			t.Errorf("%s differs between runs:\n%s", a[i].Policy, diff)
		}
		if diff := cmp.Diff(a[i].Notices, b[i].Notices); diff != "" {
			t.Errorf("%s notices differ:\n%s", a[i].Policy, diff)
		}
	}
}
