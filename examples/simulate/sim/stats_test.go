package sim

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	gotime "time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

func TestTQuantile975(t *testing.T) {
	// Printed tables (NIST/SEMATECH 1.3.6.7.2) beyond the lookup table,
	// where the expansion takes over, and the normal limit.
	for df, want := range map[int]float64{1: 12.706, 4: 2.776, 30: 2.042, 40: 2.021, 60: 2.000, 100: 1.984, 120: 1.980, 1000000: 1.960} {
		if got := TQuantile975(df); math.Abs(got-want) > 0.0015 {
			t.Errorf("t(0.975, %d) = %.4f, want %.3f", df, got, want)
		}
	}
	if !math.IsNaN(TQuantile975(0)) {
		t.Errorf("df 0: want NaN")
	}
}

func TestEstimate95ByHand(t *testing.T) {
	// 1..5: mean 3, s = sqrt(2.5), half-width 2.776·sqrt(2.5)/sqrt(5) = 1.96293.
	e := Estimate95([]float64{1, 2, 3, 4, 5})
	if e.N != 5 || e.Mean != 3 || math.Abs(e.HalfWidth()-1.96293) > 1e-4 {
		t.Errorf("got %+v, half-width %.5f", e, e.HalfWidth())
	}
	// Paired: differences 1, 2, 1: mean 4/3, s = sqrt(1/3), half-width
	// 4.303·sqrt(1/3)/sqrt(3) = 1.43433; the interval holds 0.
	d, err := Paired95([]float64{10, 12, 14}, []float64{9, 10, 13})
	if err != nil || math.Abs(d.Mean-4.0/3) > 1e-12 || math.Abs(d.HalfWidth()-1.43433) > 1e-4 || d.Excludes0() {
		t.Errorf("paired: %+v %v", d, err)
	}
	if _, err := Paired95([]float64{1}, []float64{1, 2}); err == nil {
		t.Errorf("unequal runs: no error")
	}
	if one := Estimate95([]float64{7}); one.N != 1 || one.Low != 7 || one.High != 7 || one.Excludes0() {
		t.Errorf("one run: %+v", one)
	}
}

// TestIntervalCoverage: for samples of 5 from a normal distribution, the
// 95 % interval holds the true mean in 95 % of samples. With the normal
// quantile 1.96 instead of Student's t it would hold it in about 88 %.
func TestIntervalCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const trials = 20000
	hit := 0
	xs := make([]float64, 5)
	for range trials {
		for i := range xs {
			xs[i] = 10 + 3*rng.NormFloat64()
		}
		if e := Estimate95(xs); e.Low <= 10 && 10 <= e.High {
			hit++
		}
	}
	if c := float64(hit) / trials; c < 0.94 || c > 0.96 {
		t.Errorf("coverage %.3f, want 0.95", c)
	}
}

func TestCashFiguresAndMoneyByHand(t *testing.T) {
	d := func(m, day int) date.Date { return date.New(2026, gotime.Month(m), day) }
	eur := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	invs := []dunning.Invoice{
		// Open 1 Mar..9 Mar (paid 10 Mar): 9 measured days of 100.
		{Issued: d(2, 1), Amount: eur("100"), Payments: []dunning.Payment{{Date: d(3, 10), Amount: eur("100")}}},
		// Paid before the measured days: nothing, and not collected.
		{Issued: d(1, 5), Amount: eur("50"), Payments: []dunning.Payment{{Date: d(2, 20), Amount: eur("50")}}},
		// Never paid, issued 30 Mar: 2 days (30, 31 Mar) of 20.
		{Issued: d(3, 30), Amount: eur("20")},
		// Issued after the last day: nothing.
		{Issued: d(4, 2), Amount: eur("999")},
	}
	col, ard := cashFigures(invs, d(3, 1), d(3, 31))
	if !col.Equal(eur("100")) || !ard.Equal(eur("940")) {
		t.Errorf("collected %s (want 100), A/R days %s (want 9·100 + 2·20 = 940)", col, ard)
	}
	c := DefaultCosts() // 0.01 email, 0.08 SMS, 1.50 letter, 0.75/min × 15 min a task, 8 %
	o := Outcome{Channels: map[string]int{"email": 100, "sms": 10, "letter": 2}, Tasks: 3}
	o.Figures.ARDays = eur("100000")
	// Cost: 1.00 + 0.80 + 3.00 + 3·15·0.75 (33.75) = 38.55.
	// Against a reference with 465,000 EUR·days and cost 5.00 over 31 days:
	// forward 365,000/31 = 11,774.19; financing 365,000·0.08/365 = 80.00;
	// net 80.00 − (38.55 − 5.00) = 46.45.
	m := c.money(o, eur("465000"), eur("5"), 31)
	if !m.Cost.Equal(eur("38.55")) || !m.Forward.Equal(eur("11774.19")) || !m.Financing.Equal(eur("80")) || !m.Net.Equal(eur("46.45")) {
		t.Errorf("money %+v", m)
	}
}

func TestDiffVerdict(t *testing.T) {
	var dso, collected, notices Metric
	for _, m := range Metrics() {
		switch m.Key {
		case "dso":
			dso = m
		case "collected":
			collected = m
		case "notices":
			notices = m
		}
	}
	for _, c := range []struct {
		m    Metric
		e    Estimate
		want string
	}{
		{dso, Estimate{Mean: -2, Low: -3, High: -1, N: 20}, "new better"}, // lower DSO is better
		{dso, Estimate{Mean: 2, Low: 1, High: 3, N: 20}, "old better"},    //
		{dso, Estimate{Mean: -0.5, Low: -1, High: 0.1, N: 20}, "not distinguishable from noise"},
		{collected, Estimate{Mean: 2, Low: 1, High: 3, N: 20}, "new better"},   // more cash is better
		{collected, Estimate{Mean: -2, Low: -3, High: -1, N: 5}, "old better"}, //
		{notices, Estimate{Mean: 5, Low: 1, High: 9, N: 5}, "more"},
		{dso, Estimate95([]float64{-4}), "one run: no interval, cannot tell from noise"},
	} {
		if got := (Diff{A: "new", B: "old", Metric: c.m, Est: c.e}).Verdict(); got != c.want {
			t.Errorf("%s %+v: %q, want %q", c.m.Key, c.e, got, c.want)
		}
	}
}

func TestFitHistoryJSONMatchesCSV(t *testing.T) {
	truth := []Segment{{Name: "smb", NetDays: 30, MinAmount: 500, MaxAmount: 5000, Behaviour: Behaviour{Early: 0.15, OnTime: 0.30, Never: 0.05, LateMin: 5, LateMax: 75,
		Respond: map[notice.Stage]float64{notice.FriendlyReminder: 0.3, notice.OverdueNotice: 0.4}, RespondMin: 1, RespondMax: 7}}}
	csv := syntheticHistory(rand.New(rand.NewPCG(1, 2)), truth, 2000, 0.3)
	recs, err := readHistoryCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	a, err := FitHistory(strings.NewReader(csv), false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FitHistory(bytes.NewReader(js), true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("JSON fit differs from CSV fit:\n%s", diff)
	}
}
