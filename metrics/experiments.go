package metrics

import (
	"fmt"
	"math"
)

// Alpha is the significance level of the experiment tests: a difference is
// reported only when its two-sided p-value is below it.
const Alpha = 0.05

// Experiment compares the template variants of one step in one currency.
type Experiment struct {
	Workflow string   `json:"workflow"`
	Step     string   `json:"step"`
	Currency Currency `json:"currency"`
	// Variants are the variants' figures (StepStats.Template is the
	// variant), by variant name; the first is the baseline the others are
	// compared with.
	Variants []*StepStats `json:"variants"`
	// Tests compare each other variant with the baseline on the opened,
	// clicked and paid-within-window rates.
	Tests []Test `json:"tests"`
}

// Test is one comparison of two proportions: successes out of sent for
// the baseline A and the variant B.
type Test struct {
	Metric string `json:"metric"` // "opened", "clicked" or "paid"
	A      string `json:"a"`
	B      string `json:"b"`
	// SuccessA of SentA, SuccessB of SentB.
	SuccessA int `json:"success_a"`
	SentA    int `json:"sent_a"`
	SuccessB int `json:"success_b"`
	SentB    int `json:"sent_b"`
	// Method is "z" (the pooled two-proportion z-test, used when every
	// expected cell count is at least 5) or "fisher" (Fisher's exact test,
	// two-sided, for smaller samples). Z is the z statistic for "z".
	Method string  `json:"method"`
	Z      float64 `json:"z,omitempty"`
	// P is the two-sided p-value.
	P float64 `json:"p"`
	// Verdict: "A", "B" (that variant's rate is higher and P < Alpha) or
	// "" when there is not enough data to tell them apart.
	Verdict string `json:"verdict"`
	// Says it in words.
	Says string `json:"says"`
}

// experiments groups variant figures (sorted by workflow, step, variant,
// currency) into experiments of two or more variants and tests them.
func experiments(vs []*StepStats) []*Experiment {
	var out []*Experiment
	byKey := map[[3]string]*Experiment{}
	for _, v := range vs {
		k := [3]string{v.Workflow, v.Step, string(v.Currency)}
		e := byKey[k]
		if e == nil {
			e = &Experiment{Workflow: v.Workflow, Step: v.Step, Currency: v.Currency}
			byKey[k] = e
			out = append(out, e)
		}
		e.Variants = append(e.Variants, v)
	}
	kept := out[:0]
	for _, e := range out {
		if len(e.Variants) < 2 {
			continue
		}
		a := e.Variants[0]
		for _, b := range e.Variants[1:] {
			for _, m := range []struct {
				name   string
				sa, sb int
			}{{"opened", a.Opened, b.Opened}, {"clicked", a.Clicked, b.Clicked}, {"paid", a.PaidWithin, b.PaidWithin}} {
				t := CompareProportions(m.sa, a.Sent, m.sb, b.Sent)
				t.Metric, t.A, t.B = m.name, a.Template, b.Template
				t.Says = t.say()
				e.Tests = append(e.Tests, t)
			}
		}
		kept = append(kept, e)
	}
	return kept
}

func (t *Test) say() string {
	ra, rb := rate(t.SuccessA, t.SentA), rate(t.SuccessB, t.SentB)
	head := fmt.Sprintf("%s: %s %d/%d (%.1f%%) vs %s %d/%d (%.1f%%), p = %.4f (%s)", t.Metric, t.A, t.SuccessA, t.SentA, 100*ra, t.B, t.SuccessB, t.SentB, 100*rb, t.P, t.Method)
	switch t.Verdict {
	case "A":
		return head + ": " + t.A + " does better"
	case "B":
		return head + ": " + t.B + " does better"
	}
	return head + ": not enough data to tell them apart"
}

func rate(s, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(s) / float64(n)
}

// CompareProportions tests whether sa of na and sb of nb differ: the
// pooled two-proportion z-test when every expected count of the 2x2 table
// is at least 5, else Fisher's exact test (two-sided: the probability of
// every table with the same margins no more likely than the one seen).
// With no notice on either side, or no success and no failure at all,
// there is nothing to tell (P = 1). The counts must satisfy 0 <= s <= n.
func CompareProportions(sa, na, sb, nb int) Test {
	t := Test{SuccessA: sa, SentA: na, SuccessB: sb, SentB: nb, P: 1, Method: "none"}
	if na <= 0 || nb <= 0 || sa < 0 || sb < 0 || sa > na || sb > nb {
		return t
	}
	n, s := na+nb, sa+sb
	if s == 0 || s == n {
		return t
	}
	p := float64(s) / float64(n)
	minExp := math.Min(math.Min(float64(na)*p, float64(na)*(1-p)), math.Min(float64(nb)*p, float64(nb)*(1-p)))
	if minExp >= 5 {
		t.Method = "z"
		se := math.Sqrt(p * (1 - p) * (1/float64(na) + 1/float64(nb)))
		t.Z = (rate(sa, na) - rate(sb, nb)) / se
		t.P = math.Erfc(math.Abs(t.Z) / math.Sqrt2)
	} else {
		t.Method = "fisher"
		t.P = fisher(sa, na, sb, nb)
	}
	if t.P < Alpha {
		t.Verdict = "B"
		if rate(sa, na) > rate(sb, nb) {
			t.Verdict = "A"
		}
	}
	return t
}

// fisher is the two-sided p-value of Fisher's exact test for the table
// [[sa, na-sa], [sb, nb-sb]].
func fisher(sa, na, sb, nb int) float64 {
	s := sa + sb
	lo, hi := max(0, s-nb), min(s, na)
	logP := func(k int) float64 { return lchoose(na, k) + lchoose(nb, s-k) - lchoose(na+nb, s) }
	obs := logP(sa)
	sum := 0.0
	for k := lo; k <= hi; k++ {
		if lp := logP(k); lp <= obs+1e-9 {
			sum += math.Exp(lp)
		}
	}
	return math.Min(sum, 1)
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
