package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Metric is one figure of the comparison.
type Metric struct {
	Key, Label string
	Decimals   int
	Money      bool // an amount in EUR (Decimals 0: whole euros)
	// Better is -1 when lower is better, +1 when higher is, 0 when
	// neither (counts of notices).
	Better int
	value  func(Result) decimal.Decimal
}

// Metrics are the figures the table, the report and the comparisons show,
// in order.
func Metrics() []Metric {
	n := func(v int) decimal.Decimal { return decimal.NewFromInt(int64(v)) }
	return []Metric{
		{Key: "dso", Label: "DSO", Decimals: 1, Better: -1, value: func(r Result) decimal.Decimal { return r.Figures.DSO }},
		{Key: "best", Label: "best possible DSO", Decimals: 1, Better: -1, value: func(r Result) decimal.Decimal { return r.Figures.BestPossibleDSO }},
		{Key: "add", Label: "avg days delinquent", Decimals: 1, Better: -1, value: func(r Result) decimal.Decimal { return r.Figures.AverageDaysDelinquent }},
		{Key: "cei", Label: "CEI %", Decimals: 1, Better: 1, value: func(r Result) decimal.Decimal { return r.Figures.CEI }},
		{Key: "at-risk", Label: "at risk EUR", Money: true, Better: -1, value: func(r Result) decimal.Decimal { return r.Figures.AtRisk }},
		{Key: "collected", Label: "cash collected EUR", Money: true, Better: 1, value: func(r Result) decimal.Decimal { return r.Figures.Collected }},
		{Key: "notices", Label: "notices", value: func(r Result) decimal.Decimal { return n(r.Sent) }},
		{Key: "tasks", Label: "collector tasks", value: func(r Result) decimal.Decimal { return n(r.Tasks) }},
		{Key: "cost", Label: "dunning cost EUR", Money: true, Decimals: 2, Better: -1, value: func(r Result) decimal.Decimal { return r.Money.Cost }},
		{Key: "forward", Label: "cash brought forward EUR", Money: true, Better: 1, value: func(r Result) decimal.Decimal { return r.Money.Forward }},
		{Key: "financing", Label: "financing value EUR", Money: true, Better: 1, value: func(r Result) decimal.Decimal { return r.Money.Financing }},
		{Key: "net", Label: "net benefit EUR", Money: true, Better: 1, value: func(r Result) decimal.Decimal { return r.Money.Net }},
	}
}

// Diff is the paired difference A − B of one metric over the runs.
type Diff struct {
	A, B   string
	Metric Metric
	Est    Estimate
}

// Distinguishable reports whether the difference's 95 % interval excludes
// zero: with fewer than two runs, or an interval that holds 0, the
// difference is not distinguishable from noise.
func (d Diff) Distinguishable() bool { return d.Est.Excludes0() }

// Verdict says in words what the difference means.
func (d Diff) Verdict() string {
	if d.Est.N < 2 {
		return "one run: no interval, cannot tell from noise"
	}
	if !d.Distinguishable() {
		return "not distinguishable from noise"
	}
	if d.Metric.Better == 0 {
		if d.Est.Mean > 0 {
			return "more"
		}
		return "fewer"
	}
	if (d.Est.Mean < 0) == (d.Metric.Better < 0) {
		return d.A + " better"
	}
	return d.B + " better"
}

// Summary is an experiment's figures: every metric per policy as mean and
// 95 % interval over the runs, paired differences between the policies,
// and the means the charts draw.
type Summary struct {
	Policies []string
	Runs     int
	Metrics  []Metric
	Est      [][]Estimate // [policy][metric]
	Diffs    []Diff       // every later policy against every earlier one
	// Months are the simulated months ("2006-01"); Warmup how many of the
	// first ones fall before the measured period.
	Months   []string
	Warmup   int
	MonthDSO [][]decimal.Decimal // [policy][month], mean over runs (exact: the chart labels show it)
	// Buckets are the aging buckets' labels; Aging the mean amount per
	// bucket on the last day, [policy][bucket].
	Buckets []string
	Aging   [][]float64
	// Steps are the workflow steps in timeline order ("workflow/step");
	// StepNotices the mean notices per run, [policy][step].
	Steps       []string
	StepNotices [][]float64
}

// diffMetrics are the metrics compared pairwise.
var diffMetrics = []string{"dso", "at-risk", "collected", "cost", "financing", "net"}

// Summarize turns an experiment's results ([run][policy]) into a Summary.
// policies give the steps' timeline order; measureFrom marks the warm-up.
func Summarize(res [][]Result, policies []Named, measureFrom date.Date) (*Summary, error) {
	if len(res) == 0 || len(res[0]) != len(policies) {
		return nil, fmt.Errorf("sim: summary: %d runs for %d policies", len(res), len(policies))
	}
	s := &Summary{Runs: len(res), Metrics: Metrics()}
	np := len(policies)
	vals := make([][][]float64, np) // [policy][metric][run]
	for p := range np {
		s.Policies = append(s.Policies, policies[p].Name)
		vals[p] = make([][]float64, len(s.Metrics))
		for m, mt := range s.Metrics {
			for r := range res {
				vals[p][m] = append(vals[p][m], f64(mt.value(res[r][p])))
			}
		}
		row := make([]Estimate, len(s.Metrics))
		for m := range s.Metrics {
			row[m] = Estimate95(vals[p][m])
		}
		s.Est = append(s.Est, row)
	}
	for b := range np {
		for a := b + 1; a < np; a++ {
			for m, mt := range s.Metrics {
				if !slices.Contains(diffMetrics, mt.Key) {
					continue
				}
				e, err := Paired95(vals[a][m], vals[b][m])
				if err != nil {
					return nil, err
				}
				s.Diffs = append(s.Diffs, Diff{A: s.Policies[a], B: s.Policies[b], Metric: mt, Est: e})
			}
		}
	}
	runs := float64(len(res))
	for _, m := range res[0][0].Figures.Months {
		s.Months = append(s.Months, m.Month.From.Format("2006-01"))
		if m.Month.To < measureFrom {
			s.Warmup++
		}
	}
	if ag := res[0][0].Figures.Aging; len(ag) > 0 {
		for _, b := range ag[len(ag)-1].Buckets {
			s.Buckets = append(s.Buckets, b.Label)
		}
	}
	s.Steps = timeline(policies)
	for p := range np {
		months := make([]decimal.Decimal, len(s.Months))
		aging := make([]float64, len(s.Buckets))
		steps := make([]float64, len(s.Steps))
		for r := range res {
			o := res[r][p]
			for j, m := range o.Figures.Months {
				if j < len(months) {
					months[j] = months[j].Add(m.DSO)
				}
			}
			if ag := o.Figures.Aging; len(ag) > 0 {
				for k, b := range ag[len(ag)-1].Buckets {
					if k < len(aging) {
						aging[k] += f64(b.Amount) / runs
					}
				}
			}
			for k, key := range s.Steps {
				steps[k] += float64(o.Notices[key]) / runs
			}
		}
		for j := range months {
			months[j] = months[j].Div(decimal.NewFromInt(int64(len(res))))
		}
		s.MonthDSO = append(s.MonthDSO, months)
		s.Aging = append(s.Aging, aging)
		s.StepNotices = append(s.StepNotices, steps)
	}
	return s, nil
}

// timeline lists the policies' steps ("workflow/step") in the order they
// fall in an invoice's life: by their day relative to the due date
// (agreement steps first, issue steps 30 days before due, "previous"
// steps after the step before them), then in policy and workflow order.
func timeline(policies []Named) []string {
	type st struct {
		key       string
		day, rank int
	}
	var all []st
	seen := map[string]bool{}
	for _, pol := range policies {
		if pol.Policy == nil {
			continue
		}
		for _, w := range pol.Policy.Workflows {
			prev := 0
			for _, step := range w.Steps {
				day := step.At.Days
				switch step.At.Anchor {
				case schedule.Issue:
					day -= 30
				case schedule.Agreement:
					day -= 1000
				case schedule.Previous:
					day += prev
				}
				prev = day
				key := w.Name + "/" + step.Name
				if !seen[key] {
					seen[key] = true
					all = append(all, st{key, day, len(all)})
				}
			}
		}
	}
	slices.SortStableFunc(all, func(a, b st) int {
		if a.day != b.day {
			return a.day - b.day
		}
		return a.rank - b.rank
	})
	keys := make([]string, len(all))
	for i, a := range all {
		keys[i] = a.key
	}
	return keys
}

// FormatAmount writes an amount rounded to whole euros with thousands
// separators: 2752025.63 is "2,752,026".
func FormatAmount(d decimal.Decimal) string { return group(d.StringFixed(0)) }

// group puts a comma between each three digits of s's integer part.
func group(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0,.") != "" {
		out = "-" + out
	}
	return out
}

// format writes v as metric m shows it (amounts with separators).
func (m Metric) format(v float64) string {
	return group(decimal.NewFromFloat(v).StringFixed(int32(m.Decimals)))
}

// FormatEstimate writes e as "mean ± half-width" (just the mean for one
// run).
func (m Metric) FormatEstimate(e Estimate) string {
	if e.N < 2 {
		return m.format(e.Mean)
	}
	return m.format(e.Mean) + " ± " + m.format(e.HalfWidth())
}

// FormatInterval writes e's interval as "low to high".
func (m Metric) FormatInterval(e Estimate) string {
	return m.format(e.Low) + " to " + m.format(e.High)
}
