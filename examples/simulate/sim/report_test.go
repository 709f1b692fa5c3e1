package sim

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/shopspring/decimal"
	"testing"
)

// element is one XML element of the report with its attributes.
type element struct {
	Name  string
	Attrs map[string]string
	Chart string // id of the enclosing svg
}

// parseXHTML parses the report strictly as XML (a report that is not
// well-formed fails here) and returns its elements in order.
func parseXHTML(t *testing.T, b []byte) []element {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	var out []element
	chart := ""
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("report is not well-formed: %v", err)
		}
		switch se := tok.(type) {
		case xml.StartElement:
			depth++
			e := element{Name: se.Name.Local, Attrs: map[string]string{}}
			for _, a := range se.Attr {
				e.Attrs[a.Name.Local] = a.Value
			}
			if e.Name == "svg" {
				chart = e.Attrs["id"]
			}
			e.Chart = chart
			out = append(out, e)
		case xml.EndElement:
			depth--
			if se.Name.Local == "svg" {
				chart = ""
			}
		}
	}
	if depth != 0 {
		t.Fatalf("unbalanced elements: depth %d at the end", depth)
	}
	return out
}

func TestHTMLReportChartsMatchFigures(t *testing.T) {
	// Two runs: every charted figure is the mean of the two runs' figures,
	// worked out here in decimal from the raw outcomes.
	res, sum := smallExperiment(t, 50, 2)
	var buf bytes.Buffer
	if err := HTML(&buf, ReportData{Title: "Test <report> & co", Subtitle: "s", Summary: sum}); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "<title>Test &lt;report&gt; &amp; co</title>") {
		t.Fatalf("head wrong:\n%.300s", html)
	}
	for _, banned := range []string{"<script", "http://", "https://", "seed"} {
		if i := strings.Index(strings.ReplaceAll(strings.ReplaceAll(html, "http://www.w3.org/", ""), "https://www.w3.org/", ""), banned); i >= 0 {
			t.Errorf("report: %q found (self-contained, no jargon)", banned)
		}
	}
	els := parseXHTML(t, buf.Bytes())

	// What the charts say, keyed chart|policy|key.
	got := map[string]string{}
	legend := map[string][]string{}
	for _, e := range els {
		if p, ok := e.Attrs["data-policy"]; ok && e.Chart != "" {
			got[e.Chart+"|"+p+"|"+e.Attrs["data-key"]] = e.Attrs["data-value"]
		}
	}
	_ = legend
	two := decimal.NewFromInt(2)
	mean := func(a, b decimal.Decimal) decimal.Decimal { return a.Add(b).Div(two) }
	want := map[string]string{}
	a, b := res[0], res[1]
	for p := range a {
		name := a[p].Policy
		for j, m := range a[p].Figures.Months {
			want["chart-dso|"+name+"|"+m.Month.From.Format("2006-01")] = mean(m.DSO, b[p].Figures.Months[j].DSO).StringFixed(1)
		}
		la, lb := a[p].Figures.Aging[len(a[p].Figures.Aging)-1], b[p].Figures.Aging[len(b[p].Figures.Aging)-1]
		for k, bk := range la.Buckets {
			want["chart-aging|"+name+"|"+bk.Label] = FormatAmount(mean(bk.Amount, lb.Buckets[k].Amount))
		}
		for k, v := range a[p].Notices {
			want["chart-steps|"+name+"|"+k] = decimal.NewFromInt(int64(v + b[p].Notices[k])).Div(two).StringFixed(1)
		}
		for k, v := range b[p].Notices {
			want["chart-steps|"+name+"|"+k] = decimal.NewFromInt(int64(v + a[p].Notices[k])).Div(two).StringFixed(1)
		}
		want["chart-money|"+name+"|net"] = FormatAmount(mean(a[p].Money.Net, b[p].Money.Net))
		want["chart-money|"+name+"|cost"] = group(mean(a[p].Money.Cost, b[p].Money.Cost).StringFixed(2))
		want["chart-money|"+name+"|financing"] = FormatAmount(mean(a[p].Money.Financing, b[p].Money.Financing))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: chart shows %q, figure is %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: charted but not a figure", k)
		}
	}
	// 12 months of DSO for each of 3 policies.
	n := 0
	for k := range got {
		if strings.HasPrefix(k, "chart-dso|") {
			n++
		}
	}
	if n != 36 {
		t.Errorf("DSO chart has %d points, want 36", n)
	}
	// The warm-up (Jan, Feb) is shaded on the DSO chart.
	if !strings.Contains(html, `data-key="warm-up"`) || sum.Warmup != 2 {
		t.Errorf("warm-up: %d months, shaded: %v", sum.Warmup, strings.Contains(html, `data-key="warm-up"`))
	}
	// The notices legend names only policies that sent notices.
	steps := html[strings.Index(html, `id="chart-steps"`):]
	steps = steps[:strings.Index(steps, "</svg>")]
	if strings.Contains(steps, ">no dunning</text>") {
		t.Errorf("notices legend lists no dunning, which has no bars")
	}
	if !strings.Contains(steps, ">classic cadence</text>") {
		t.Errorf("notices legend lacks the classic cadence")
	}
}

func TestStepsInTimelineOrder(t *testing.T) {
	got := timeline(Policies())
	want := []string{"classic/welcome", "classic/pre-due", "tight/pre-due", "classic/due", "tight/overdue-1",
		"tight/overdue-2", "gentle/overdue-1", "classic/overdue-1", "tight/final", "tight/letter", "gentle/overdue-2",
		"classic/overdue-2", "gentle/final", "classic/final", "gentle/account-manager"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("timeline:\n got %v\nwant %v", got, want)
	}
}

func TestGroupThousands(t *testing.T) {
	for in, want := range map[string]string{"2752025.63": "2,752,025.63", "-1234": "-1,234", "999": "999", "1000": "1,000", "-0": "0", "12345678": "12,345,678"} {
		if got := group(in); got != want {
			t.Errorf("group(%s) = %s, want %s", in, got, want)
		}
	}
	if got := FormatAmount(decimal.RequireFromString("2752025.63")); got != "2,752,026" {
		t.Errorf("FormatAmount = %s", got)
	}
}
