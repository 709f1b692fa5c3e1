package sim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
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
	outs := smallRun(t, 150)
	var buf bytes.Buffer
	if err := HTML(&buf, ReportData{Title: "Test <report> & co", Subtitle: "s", Outcomes: outs}); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if !strings.HasPrefix(html, "<!DOCTYPE html>") || !strings.Contains(html, "<title>Test &lt;report&gt; &amp; co</title>") {
		t.Fatalf("head wrong:\n%.300s", html)
	}
	for _, banned := range []string{"<script", "http://", "https://"} {
		if i := strings.Index(strings.ReplaceAll(strings.ReplaceAll(html, "http://www.w3.org/", ""), "https://www.w3.org/", ""), banned); i >= 0 {
			t.Errorf("report is not self-contained: %q found", banned)
		}
	}
	els := parseXHTML(t, buf.Bytes())

	// What the charts and table say, keyed chart|policy|key.
	got := map[string]string{}
	for _, e := range els {
		if p, ok := e.Attrs["data-policy"]; ok && e.Chart != "" {
			got[e.Chart+"|"+p+"|"+e.Attrs["data-key"]] = e.Attrs["data-value"]
		}
	}
	want := map[string]string{}
	for _, o := range outs {
		for _, m := range o.Figures.Months {
			want["chart-dso|"+o.Policy+"|"+m.Month.From.Format("2006-01")] = m.DSO.StringFixed(1)
		}
		last := o.Figures.Aging[len(o.Figures.Aging)-1]
		for _, b := range last.Buckets {
			want["chart-aging|"+o.Policy+"|"+b.Label] = b.Amount.StringFixed(2)
		}
		for k, v := range o.Notices {
			want["chart-steps|"+o.Policy+"|"+k] = fmt.Sprint(v)
		}
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
	if len(want) < 3*12 {
		t.Errorf("only %d figures charted", len(want))
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

	// The aging buckets of a policy add up to its end A/R.
	for _, o := range outs {
		ag := o.Figures.Aging[len(o.Figures.Aging)-1]
		sum := ag.Buckets[0].Amount.Sub(ag.Buckets[0].Amount)
		for _, b := range ag.Buckets {
			sum = sum.Add(b.Amount)
		}
		if !sum.Equal(o.Figures.EndAR) {
			t.Errorf("%s: buckets sum to %s, end A/R is %s", o.Policy, sum, o.Figures.EndAR)
		}
	}
}
