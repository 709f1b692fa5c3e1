package sim

import (
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// Table writes the outcomes as a terminal table.
func Table(w io.Writer, outs []Outcome) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %7s %9s %7s %7s %16s %8s %8s %6s\n", "policy", "DSO", "best DSO", "ADD", "CEI %", "at risk EUR", "at risk", "notices", "tasks")
	for _, o := range outs {
		f := o.Figures
		fmt.Fprintf(&b, "%-14s %7s %9s %7s %7s %16s %7s%% %8d %6d\n", o.Policy,
			f.DSO.StringFixed(1), f.BestPossibleDSO.StringFixed(1), f.AverageDaysDelinquent.StringFixed(1), f.CEI.StringFixed(1),
			f.AtRisk.StringFixed(2), f.AtRiskShare.Mul(decimal.NewFromInt(100)).StringFixed(1), o.Sent, o.Tasks)
	}
	b.WriteString("DSO, best possible DSO, ADD (average days delinquent) and CEI over the last 90 days; at risk: open > 30 days past due on the last day.\n")
	_, err := io.WriteString(w, b.String())
	return err
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

type label struct {
	X, Y   float64
	Text   string
	Anchor string
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
	c := chart{ID: id, Title: title, Width: chartW, Height: chartH, PlotLeft: padL, PlotRight: chartW - padR}
	for _, t := range ticks {
		c.Grid = append(c.Grid, label{X: padL - 6, Y: c.y(t, top), Text: trimFloat(t), Anchor: "end"})
	}
	return c
}

func (c *chart) y(v, top float64) float64 { return padT + (chartH-padT-padB)*(1-v/top) }

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

// dsoChart plots each policy's monthly DSO.
func dsoChart(outs []Outcome) chart {
	maxV := 0.0
	for _, o := range outs {
		for _, m := range o.Figures.Months {
			maxV = max(maxV, f64(m.DSO))
		}
	}
	top, ticks := yScale(maxV)
	c := newChart("dso", "DSO per month (period method, days)", top, ticks)
	n := 0
	if len(outs) > 0 {
		n = len(outs[0].Figures.Months)
	}
	x := func(i int) float64 {
		if n <= 1 {
			return padL
		}
		return padL + (chartW-padL-padR)*float64(i)/float64(n-1)
	}
	for i, o := range outs {
		s := series{Name: o.Policy, Colour: colour(i)}
		var path strings.Builder
		for j, m := range o.Figures.Months {
			p := point{X: x(j), Y: c.y(f64(m.DSO), top), Policy: o.Policy, Key: m.Month.From.Format("2006-01"), Value: m.DSO.StringFixed(1)}
			s.Points = append(s.Points, p)
			cmd := "L"
			if j == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&path, "%s%.1f %.1f ", cmd, p.X, p.Y)
		}
		s.Path = strings.TrimSpace(path.String())
		c.Series = append(c.Series, s)
		c.Legend = append(c.Legend, s)
	}
	if len(outs) > 0 {
		for j, m := range outs[0].Figures.Months {
			c.Labels = append(c.Labels, label{X: x(j), Y: chartH - padB + 18, Text: m.Month.From.Format("Jan"), Anchor: "middle"})
		}
	}
	return c
}

// agingChart stacks each policy's aging buckets on the last day.
func agingChart(outs []Outcome) chart {
	maxV := 0.0
	for _, o := range outs {
		if len(o.Figures.Aging) > 0 {
			maxV = max(maxV, f64(o.Figures.Aging[len(o.Figures.Aging)-1].Total))
		}
	}
	top, ticks := yScale(maxV)
	c := newChart("aging", "Aging on the last day (EUR, by days past due)", top, ticks)
	bucketColours := []string{"#93c5fd", "#fde68a", "#fdba74", "#f87171", "#b91c1c", "#7f1d1d"}
	slot := (chartW - padL - padR) / float64(max(1, len(outs)))
	for i, o := range outs {
		if len(o.Figures.Aging) == 0 {
			continue
		}
		ag := o.Figures.Aging[len(o.Figures.Aging)-1]
		base := 0.0
		x := padL + slot*float64(i) + slot*0.25
		for k, b := range ag.Buckets {
			v := f64(b.Amount)
			y0, y1 := c.y(base, top), c.y(base+v, top)
			c.Bars = append(c.Bars, bar{X: x, Y: y1, W: slot * 0.5, H: y0 - y1, Colour: bucketColours[k%len(bucketColours)], Policy: o.Policy, Key: b.Label, Value: b.Amount.StringFixed(2)})
			base += v
		}
		c.Labels = append(c.Labels, label{X: x + slot*0.25, Y: chartH - padB + 18, Text: o.Policy, Anchor: "middle"})
	}
	if len(outs) > 0 && len(outs[0].Figures.Aging) > 0 {
		for k, b := range outs[0].Figures.Aging[len(outs[0].Figures.Aging)-1].Buckets {
			c.Legend = append(c.Legend, series{Name: b.Label, Colour: bucketColours[k%len(bucketColours)]})
		}
	}
	return c
}

// stepsChart shows the notices sent per workflow step, per policy.
func stepsChart(outs []Outcome) chart {
	var keys []string
	maxV := 0
	for _, o := range outs {
		for k, v := range o.Notices {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
			maxV = max(maxV, v)
		}
	}
	slices.Sort(keys)
	top, ticks := yScale(float64(maxV))
	c := newChart("steps", "Notices sent per workflow step", top, ticks)
	slot := (chartW - padL - padR) / float64(max(1, len(keys)))
	bw := slot * 0.8 / float64(max(1, len(outs)))
	for j, k := range keys {
		for i, o := range outs {
			v := o.Notices[k]
			if v == 0 {
				continue
			}
			y := c.y(float64(v), top)
			c.Bars = append(c.Bars, bar{X: padL + slot*float64(j) + slot*0.1 + bw*float64(i), Y: y, W: bw, H: c.y(0, top) - y, Colour: colour(i), Policy: o.Policy, Key: k, Value: fmt.Sprint(v)})
		}
		c.Labels = append(c.Labels, label{X: padL + slot*(float64(j)+0.5), Y: chartH - padB + 14 + float64(j%2)*14, Text: k, Anchor: "middle"})
	}
	for i, o := range outs {
		c.Legend = append(c.Legend, series{Name: o.Policy, Colour: colour(i)})
	}
	return c
}

// ReportData is what the HTML report shows.
type ReportData struct {
	Title    string
	Subtitle string
	Outcomes []Outcome
}

// HTML writes a self-contained report (no scripts, no network): the table
// and three inline SVG charts. It is well-formed XML (XHTML syntax), and
// every plotted figure is carried in data-policy, data-key and data-value
// attributes.
func HTML(w io.Writer, d ReportData) error {
	charts := []chart{dsoChart(d.Outcomes), agingChart(d.Outcomes), stepsChart(d.Outcomes)}
	t, err := template.New("report").Funcs(template.FuncMap{
		"fixed": func(d decimal.Decimal, n int32) string { return d.StringFixed(n) },
		"pct":   pct,
		"f1":    func(v float64) string { return fmt.Sprintf("%.1f", v) },
		"add":   func(a, b float64) float64 { return a + b },
		"mul":   func(a float64, b int) float64 { return a * float64(b) },
	}).Parse(reportHTML)
	if err != nil {
		return err
	}
	return t.Execute(w, struct {
		ReportData
		Charts []chart
	}{d, charts})
}

func pct(d decimal.Decimal) string { return d.Mul(decimal.NewFromInt(100)).StringFixed(1) }

const reportHTML = `<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8" />
<title>{{.Title}}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 800px; color: #111827; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } .sub { color: #6b7280; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 1em 0 2em; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e5e7eb; text-align: right; } th:first-child, td:first-child { text-align: left; }
figure { margin: 0 0 2em; } figcaption { font-weight: 600; margin-bottom: 0.3em; }
svg text { font: 11px system-ui, sans-serif; fill: #374151; }
.note { color: #6b7280; font-size: 12px; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="sub">{{.Subtitle}}</p>
<table id="figures">
<thead><tr><th>policy</th><th>DSO</th><th>best possible DSO</th><th>avg days delinquent</th><th>CEI %</th><th>at risk EUR</th><th>at risk %</th><th>notices</th><th>tasks</th></tr></thead>
<tbody>
{{- range .Outcomes}}
<tr data-policy="{{.Policy}}"><td>{{.Policy}}</td><td data-key="dso">{{fixed .Figures.DSO 1}}</td><td data-key="best">{{fixed .Figures.BestPossibleDSO 1}}</td><td data-key="add">{{fixed .Figures.AverageDaysDelinquent 1}}</td><td data-key="cei">{{fixed .Figures.CEI 1}}</td><td data-key="at-risk">{{fixed .Figures.AtRisk 2}}</td><td data-key="at-risk-share">{{pct .Figures.AtRiskShare}}</td><td data-key="notices">{{.Sent}}</td><td data-key="tasks">{{.Tasks}}</td></tr>
{{- end}}
</tbody>
</table>
<p class="note">DSO, best possible DSO, average days delinquent and CEI over the last 90 simulated days; at risk: open more than 30 days past due on the last day.</p>
{{range .Charts}}{{$c := .}}
<figure>
<figcaption>{{.Title}}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" id="chart-{{.ID}}" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img">
<title>{{.Title}}</title>
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
{{- range .Labels}}
<text x="{{f1 .X}}" y="{{f1 .Y}}" text-anchor="{{.Anchor}}">{{.Text}}</text>
{{- end}}
{{- range $i, $l := .Legend}}
<rect x="{{add $c.PlotLeft (mul 130 $i)}}" y="8" width="10" height="10" fill="{{$l.Colour}}" />
<text x="{{add $c.PlotLeft (add 14 (mul 130 $i))}}" y="17">{{$l.Name}}</text>
{{- end}}
</svg>
</figure>
{{end}}
</body>
</html>
`
