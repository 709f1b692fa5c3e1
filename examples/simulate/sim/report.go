package sim

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Table writes the summary as terminal tables: collection figures, money,
// and the paired comparisons with their verdicts.
func Table(w io.Writer, s *Summary) error {
	var b strings.Builder
	for _, keys := range tableGroups() {
		fmt.Fprintf(&b, "%-16s", "policy")
		for _, k := range keys {
			fmt.Fprintf(&b, " %22s", s.metric(k).Label)
		}
		b.WriteString("\n")
		for p, name := range s.Policies {
			fmt.Fprintf(&b, "%-16s", name)
			for _, k := range keys {
				m, i := s.metric(k), s.metricIndex(k)
				fmt.Fprintf(&b, " %22s", m.FormatEstimate(s.Est[p][i]))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(s.Note() + "\n")
	if len(s.Diffs) > 0 {
		b.WriteString("\nPaired differences (first minus second, same random numbers in each run):\n")
		for _, d := range s.Diffs {
			fmt.Fprintf(&b, "  %s − %s, %s: %s (95 %% interval %s): %s\n", d.A, d.B, d.Metric.Label, d.Metric.format(d.Est.Mean), d.Metric.FormatInterval(d.Est), d.Verdict())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tableGroups are the metrics of the two tables: collection, then money.
func tableGroups() [][]string {
	return [][]string{{"dso", "best", "add", "cei", "at-risk", "notices", "tasks"}, {"collected", "cost", "forward", "financing", "net"}}
}

func (s *Summary) metricIndex(key string) int {
	for i, m := range s.Metrics {
		if m.Key == key {
			return i
		}
	}
	panic("sim: no metric " + key) // keys are constants of this package
}

func (s *Summary) metric(key string) Metric { return s.Metrics[s.metricIndex(key)] }

// Note explains the figures in a sentence or two.
func (s *Summary) Note() string {
	runs := fmt.Sprintf("Mean ± half the 95 %% interval (Student's t) over %d runs with different random numbers; every policy meets the same customers in a run.", s.Runs)
	if s.Runs == 1 {
		runs = "One run: no interval, so no difference can be told from noise; use -runs 20."
	}
	return runs + " DSO, best possible DSO, average days delinquent and CEI over the last 90 measured days; at risk: open more than 30 days past due on the last day. " +
		"Cash collected and the money columns cover the measured days; cash brought forward, financing value and net benefit are against " + s.Policies[0] + "."
}

// colour is the i-th policy's colour in the charts.
func colour(i int) string {
	palette := [...]string{"#6b7280", "#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626"}
	return palette[i%len(palette)]
}

// point is one plotted figure; the charts carry each as data attributes so
// tests (and curious readers) can check them against the figures.
type point struct {
	X, Y   float64
	Policy string
	Key    string // month, bucket or step
	Value  string // the figure, as computed
}

type series struct {
	Name   string
	Colour string
	Points []point
	Path   string
}

type bar struct {
	X, Y, W, H float64
	Colour     string
	Policy     string
	Key        string
	Value      string
}

// whisker is a vertical interval line at X from Y1 to Y2.
type whisker struct{ X, Y1, Y2 float64 }

type label struct {
	X, Y   float64
	Text   string
	Anchor string
	Rotate float64 // degrees about (X, Y); 0: none
}

type chart struct {
	Title         string
	Width, Height float64
	Series        []series
	Bars          []bar
	Labels        []label
	Grid          []label // y axis ticks, drawn as lines
	PlotLeft      float64
	PlotRight     float64
	Legend        []series
	ID            string
	PadB          float64 // room below the plot
	LegendStep    float64 // legend entries' spacing
	Shade         *bar    // a shaded span (the warm-up), drawn first
	Whiskers      []whisker
}

const (
	chartW, chartH         = 760.0, 300.0
	padL, padR, padT, padB = 60.0, 20.0, 30.0, 50.0
)

func yScale(maxV float64) (float64, []float64) {
	if maxV <= 0 {
		maxV = 1
	}
	steps := []float64{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if maxV/s <= 6 {
			step = s
			break
		}
	}
	top := step * float64(int(maxV/step)+1)
	var ticks []float64
	for v := 0.0; v <= top+step/2; v += step {
		ticks = append(ticks, v)
	}
	return top, ticks
}

func newChart(id, title string, top float64, ticks []float64) chart {
	return newChartSized(id, title, top, ticks, chartH, padB)
}

// newChartSized is newChart with room below the plot for long labels.
func newChartSized(id, title string, top float64, ticks []float64, height, bottom float64) chart {
	c := chart{ID: id, Title: title, Width: chartW, Height: height, PadB: bottom, PlotLeft: padL, PlotRight: chartW - padR, LegendStep: 170}
	for _, t := range ticks {
		c.Grid = append(c.Grid, label{X: padL - 6, Y: c.y(t, top), Text: trimFloat(t), Anchor: "end"})
	}
	return c
}

func (c *chart) y(v, top float64) float64 { return padT + (c.Height-padT-c.PadB)*(1-v/top) }

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	if v >= 1e6 {
		s = fmt.Sprintf("%gM", v/1e6)
	} else if v >= 1e4 {
		s = fmt.Sprintf("%gk", v/1e3)
	}
	return s
}

func f64(d decimal.Decimal) float64 { v, _ := d.Float64(); return v } // for drawing only

// dsoChart plots each policy's monthly DSO (mean over runs) and shades
// the warm-up months.
func dsoChart(s *Summary) chart {
	maxV := 0.0
	for _, ms := range s.MonthDSO {
		for _, v := range ms {
			maxV = max(maxV, f64(v))
		}
	}
	top, ticks := yScale(maxV)
	c := newChart("dso", "DSO per month (period method, days; mean over runs)", top, ticks)
	n := len(s.Months)
	x := func(i int) float64 {
		if n <= 1 {
			return padL
		}
		return padL + (chartW-padL-padR)*float64(i)/float64(n-1)
	}
	if s.Warmup > 0 && n > 1 {
		right := x(min(s.Warmup, n-1)) - (x(1)-x(0))/2
		c.Shade = &bar{X: padL, Y: padT, W: right - padL, H: chartH - padT - padB, Colour: "#f3f4f6", Key: "warm-up"}
		c.Labels = append(c.Labels, label{X: padL + 4, Y: padT + 14, Text: "warm-up: book filling, not measured", Anchor: "start"})
	}
	for p, name := range s.Policies {
		sr := series{Name: name, Colour: colour(p)}
		var path strings.Builder
		for j, v := range s.MonthDSO[p] {
			pt := point{X: x(j), Y: c.y(f64(v), top), Policy: name, Key: s.Months[j], Value: v.StringFixed(1)}
			sr.Points = append(sr.Points, pt)
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, pt.X, pt.Y)
		}
		sr.Path = strings.TrimSpace(path.String())
		c.Series = append(c.Series, sr)
		c.Legend = append(c.Legend, sr)
	}
	for j, m := range s.Months {
		t, _ := time.Parse("2006-01", m)
		c.Labels = append(c.Labels, label{X: x(j), Y: chartH - padB + 18, Text: t.Format("Jan"), Anchor: "middle"})
	}
	return c
}

// agingChart stacks each policy's aging buckets on the last day.
func agingChart(s *Summary) chart {
	maxV := 0.0
	for _, ag := range s.Aging {
		t := 0.0
		for _, v := range ag {
			t += v
		}
		maxV = max(maxV, t)
	}
	top, ticks := yScale(maxV)
	c := newChart("aging", "Aging on the last day (EUR, by days past due; mean over runs)", top, ticks)
	bucketColours := []string{"#93c5fd", "#fde68a", "#fdba74", "#f87171", "#b91c1c", "#7f1d1d"}
	slot := (chartW - padL - padR) / float64(max(1, len(s.Policies)))
	for p, name := range s.Policies {
		base := 0.0
		x := padL + slot*float64(p) + slot*0.25
		for k, v := range s.Aging[p] {
			y0, y1 := c.y(base, top), c.y(base+v, top)
			c.Bars = append(c.Bars, bar{X: x, Y: y1, W: slot * 0.5, H: y0 - y1, Colour: bucketColours[k%len(bucketColours)], Policy: name, Key: s.Buckets[k], Value: FormatAmount(decimal.NewFromFloat(v))})
			base += v
		}
		c.Labels = append(c.Labels, label{X: x + slot*0.25, Y: chartH - padB + 18, Text: name, Anchor: "middle"})
	}
	for k, b := range s.Buckets {
		c.Legend = append(c.Legend, series{Name: b, Colour: bucketColours[k%len(bucketColours)]})
	}
	c.LegendStep = min(c.LegendStep, (c.PlotRight-c.PlotLeft)/float64(max(1, len(c.Legend))))
	return c
}

// stepsChart shows the notices sent per workflow step (mean per run), the
// steps in timeline order; a policy that sent nothing has no legend entry.
func stepsChart(s *Summary) chart {
	maxV := 0.0
	for _, st := range s.StepNotices {
		for _, v := range st {
			maxV = max(maxV, v)
		}
	}
	top, ticks := yScale(maxV)
	const stepsH, stepsPadB = 420.0, 170.0
	c := newChartSized("steps", "Notices sent per workflow step, in timeline order (mean per run)", top, ticks, stepsH, stepsPadB)
	slot := (chartW - padL - padR) / float64(max(1, len(s.Steps)))
	var senders []int
	for p := range s.Policies {
		for _, v := range s.StepNotices[p] {
			if v > 0 {
				senders = append(senders, p)
				break
			}
		}
	}
	bw := slot * 0.8 / float64(max(1, len(senders)))
	for j, k := range s.Steps {
		for i, p := range senders {
			v := s.StepNotices[p][j]
			if v == 0 {
				continue
			}
			y := c.y(v, top)
			c.Bars = append(c.Bars, bar{X: padL + slot*float64(j) + slot*0.1 + bw*float64(i), Y: y, W: bw, H: c.y(0, top) - y, Colour: colour(p), Policy: s.Policies[p], Key: k, Value: fmt.Sprintf("%.1f", v)})
		}
		c.Labels = append(c.Labels, label{X: padL + slot*(float64(j)+0.5), Y: stepsH - stepsPadB + 12, Text: k, Anchor: "end", Rotate: -45})
	}
	for _, p := range senders {
		c.Legend = append(c.Legend, series{Name: s.Policies[p], Colour: colour(p)})
	}
	return c
}

// moneyChart shows each policy's dunning cost, financing value and net
// benefit, with the net benefit's 95 % interval as a whisker.
func moneyChart(s *Summary) chart {
	keys := []string{"cost", "financing", "net"}
	colours := []string{"#f87171", "#60a5fa", "#16a34a"}
	lo, hi := 0.0, 0.0
	for p := range s.Policies {
		for _, k := range keys {
			e := s.Est[p][s.metricIndex(k)]
			lo, hi = min(lo, e.Low, e.Mean), max(hi, e.High, e.Mean)
		}
	}
	// Shift so the axis can show losses: the scale runs from -span to top.
	top, ticks := yScale(max(hi, -lo))
	bottom := 0.0
	if lo < 0 {
		bottom = -top
	}
	c := chart{ID: "money", Title: "Money against " + s.Policies[0] + " (EUR over the measured days; whisker: 95 % interval of the net benefit)", Width: chartW, Height: chartH, PadB: padB, PlotLeft: padL, PlotRight: chartW - padR, LegendStep: 170}
	yv := func(v float64) float64 { return padT + (chartH-padT-padB)*(top-v)/(top-bottom) }
	for _, t := range ticks {
		c.Grid = append(c.Grid, label{X: padL - 6, Y: yv(t), Text: trimFloat(t), Anchor: "end"})
		if bottom < 0 && t > 0 {
			c.Grid = append(c.Grid, label{X: padL - 6, Y: yv(-t), Text: "-" + trimFloat(t), Anchor: "end"})
		}
	}
	slot := (chartW - padL - padR) / float64(max(1, len(s.Policies)))
	bw := slot * 0.7 / float64(len(keys))
	for p, name := range s.Policies {
		for k, key := range keys {
			m := s.metric(key)
			e := s.Est[p][s.metricIndex(key)]
			x := padL + slot*float64(p) + slot*0.15 + bw*float64(k)
			y0, y1 := yv(0), yv(e.Mean)
			c.Bars = append(c.Bars, bar{X: x, Y: min(y0, y1), W: bw, H: max(y0, y1) - min(y0, y1), Colour: colours[k], Policy: name, Key: key, Value: m.format(e.Mean)})
			if key == "net" && e.N > 1 {
				c.Whiskers = append(c.Whiskers, whisker{X: x + bw/2, Y1: yv(e.High), Y2: yv(e.Low)})
			}
		}
		c.Labels = append(c.Labels, label{X: padL + slot*(float64(p)+0.5), Y: chartH - padB + 18, Text: name, Anchor: "middle"})
	}
	for k, key := range keys {
		c.Legend = append(c.Legend, series{Name: s.metric(key).Label, Colour: colours[k]})
	}
	return c
}

// ReportData is what the HTML report shows.
type ReportData struct {
	Title    string
	Subtitle string
	// Model, when set, is printed under the table (the fitted payment
	// model, for one).
	Model   string
	Summary *Summary
}

// cell is one table figure.
type cell struct {
	Key, Text       string
	Mean, Low, High string
}

type row struct {
	Policy string
	Cells  []cell
}

type table struct {
	ID    string
	Heads []string
	Rows  []row
}

type diffRow struct {
	Text, Verdict string
	Distinct      bool
	Key, A, B     string
	Mean          string
}

// HTML writes a self-contained report (no scripts, no network): the tables
// of means and intervals (collection figures, money), the paired comparisons, and four inline SVG
// charts. It is well-formed XML (XHTML syntax); every table figure carries
// data-key, data-mean, data-low and data-high, and every plotted figure
// data-policy, data-key and data-value.
func HTML(w io.Writer, d ReportData) error {
	s := d.Summary
	charts := []chart{dsoChart(s), agingChart(s), stepsChart(s), moneyChart(s)}
	var tables []table
	for g, keys := range tableGroups() {
		tb := table{ID: []string{"figures", "money"}[g]}
		for _, k := range keys {
			tb.Heads = append(tb.Heads, s.metric(k).Label)
		}
		for p, name := range s.Policies {
			r := row{Policy: name}
			for _, k := range keys {
				m, e := s.metric(k), s.Est[p][s.metricIndex(k)]
				r.Cells = append(r.Cells, cell{Key: m.Key, Text: m.FormatEstimate(e), Mean: m.format(e.Mean), Low: m.format(e.Low), High: m.format(e.High)})
			}
			tb.Rows = append(tb.Rows, r)
		}
		tables = append(tables, tb)
	}
	var diffs []diffRow
	for _, df := range s.Diffs {
		diffs = append(diffs, diffRow{Text: fmt.Sprintf("%s − %s, %s: %s (95 %% interval %s)", df.A, df.B, df.Metric.Label, df.Metric.format(df.Est.Mean), df.Metric.FormatInterval(df.Est)),
			Verdict: df.Verdict(), Distinct: df.Distinguishable(), Key: df.Metric.Key, A: df.A, B: df.B, Mean: df.Metric.format(df.Est.Mean)})
	}
	t, err := template.New("report").Funcs(template.FuncMap{
		"f1":  func(v float64) string { return fmt.Sprintf("%.1f", v) },
		"add": func(a, b float64) float64 { return a + b },
		"mul": func(a float64, b int) float64 { return f1v(a * float64(b)) },
	}).Parse(reportHTML)
	if err != nil {
		return err
	}
	return t.Execute(w, struct {
		ReportData
		Tables []table
		Diffs  []diffRow
		Note   string
		Charts []chart
	}{d, tables, diffs, s.Note(), charts})
}

// f1v rounds a coordinate to a tenth.
func f1v(v float64) float64 { return math.Round(v*10) / 10 }

const reportHTML = `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8" />
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #111827; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } .sub { color: #6b7280; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 1em 0 0.5em; font-size: 12px; }
th, td { padding: 4px 6px; border-bottom: 1px solid #e5e7eb; text-align: right; } td { white-space: nowrap; } th:first-child, td:first-child { text-align: left; }
figure { margin: 0 0 2em; } figcaption { font-weight: 600; margin-bottom: 0.3em; }
svg text { font: 11px system-ui, sans-serif; fill: #374151; }
.note { color: #6b7280; font-size: 12px; }
li.noise { color: #6b7280; } li.distinct { font-weight: 600; }
pre { background: #f9fafb; padding: 0.6em; font-size: 12px; overflow-x: auto; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.Subtitle}}</p>
{{- range .Tables}}
<table id="{{.ID}}">
<thead><tr><th>policy</th>{{range .Heads}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr data-policy="{{.Policy}}"><td>{{.Policy}}</td>{{range .Cells}}<td data-key="{{.Key}}" data-mean="{{.Mean}}" data-low="{{.Low}}" data-high="{{.High}}">{{.Text}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- end}}
<p class="note">{{.Note}}</p>
{{- if .Diffs}}
<h2>Is the difference real?</h2>
<p class="note">Paired differences, first policy minus second, over runs that share their random numbers. A difference whose 95 % interval holds zero is not distinguishable from noise: more runs may tell.</p>
<ul id="comparisons">
{{- range .Diffs}}
<li class="{{if .Distinct}}distinct{{else}}noise{{end}}" data-key="{{.Key}}" data-a="{{.A}}" data-b="{{.B}}" data-mean="{{.Mean}}">{{.Text}}: {{.Verdict}}</li>
{{- end}}
</ul>
{{- end}}
{{- if .Model}}
<h2>Payment model</h2>
<pre>{{.Model}}</pre>
{{- end}}
{{range .Charts}}{{$c := .}}
<figure>
<figcaption>{{.Title}}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" id="chart-{{.ID}}" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img">
<title>{{.Title}}</title>
{{- with .Shade}}
<rect x="{{f1 .X}}" y="{{f1 .Y}}" width="{{f1 .W}}" height="{{f1 .H}}" fill="{{.Colour}}" data-key="{{.Key}}" />
{{- end}}
{{- range .Grid}}
<line x1="{{$c.PlotLeft}}" x2="{{$c.PlotRight}}" y1="{{f1 .Y}}" y2="{{f1 .Y}}" stroke="#e5e7eb" />
<text x="{{f1 .X}}" y="{{f1 (add .Y 4)}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
{{- range .Series}}{{$s := .}}
<path d="{{.Path}}" fill="none" stroke="{{.Colour}}" stroke-width="2" />
{{- range .Points}}
<circle cx="{{f1 .X}}" cy="{{f1 .Y}}" r="3" fill="{{$s.Colour}}" data-policy="{{.Policy}}" data-key="{{.Key}}" data-value="{{.Value}}"><title>{{.Policy}} {{.Key}}: {{.Value}}</title></circle>
{{- end}}
{{- end}}
{{- range .Bars}}
<rect x="{{f1 .X}}" y="{{f1 .Y}}" width="{{f1 .W}}" height="{{f1 .H}}" fill="{{.Colour}}" data-policy="{{.Policy}}" data-key="{{.Key}}" data-value="{{.Value}}"><title>{{.Policy}} {{.Key}}: {{.Value}}</title></rect>
{{- end}}
{{- range .Whiskers}}
<line x1="{{f1 .X}}" x2="{{f1 .X}}" y1="{{f1 .Y1}}" y2="{{f1 .Y2}}" stroke="#111827" stroke-width="1.5" />
{{- end}}
{{- range .Labels}}
<text x="{{f1 .X}}" y="{{f1 .Y}}" text-anchor="{{.Anchor}}"{{if .Rotate}} transform="rotate({{f1 .Rotate}} {{f1 .X}} {{f1 .Y}})"{{end}}>{{.Text}}</text>
{{- end}}
{{- range $i, $l := .Legend}}
<rect x="{{add $c.PlotLeft (mul $c.LegendStep $i)}}" y="8" width="10" height="10" fill="{{$l.Colour}}" />
<text x="{{add $c.PlotLeft (add 14 (mul $c.LegendStep $i))}}" y="17">{{$l.Name}}</text>
{{- end}}
</svg>
</figure>
{{end}}
</body>
</html>
`
