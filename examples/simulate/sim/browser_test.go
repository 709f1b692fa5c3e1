package sim

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rickb777/date/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenExperiment is a small fixed experiment: 30 customers invoiced for
// 4 months, January to May 2026, figures from March, 2 runs from stream 1.
// Both golden tests share it (computed once).
var goldenOnce = sync.OnceValues(func() (*Summary, error) {
	cfg := DefaultConfig()
	cfg.Customers, cfg.Months = 30, 4
	pols := Policies()
	opts := Options{From: date.New(2026, 1, 1), To: date.New(2026, 5, 31), MeasureFrom: date.New(2026, 3, 1)}
	res, err := Replicate(context.Background(), Experiment{Runs: 2, Policies: pols, Options: opts, Costs: DefaultCosts(),
		World: func(r int) (*World, error) { c := cfg; c.Seed += uint64(r); return Generate(c) }})
	if err != nil {
		return nil, err
	}
	return Summarize(res, pols, opts.MeasureFrom)
})

func goldenExperiment(t *testing.T) *Summary {
	t.Helper()
	sum, err := goldenOnce()
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestTableGolden: the terminal table for the fixed random-number stream.
func TestTableGolden(t *testing.T) {
	var tbl bytes.Buffer
	if err := Table(&tbl, goldenExperiment(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden", tbl.String())
}

// golden compares got with testdata/name, or rewrites it under -update.
// The figures change whenever the planner, the world generator or the
// model changes; then review the diff and rerun with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (rerun with -update after checking the change):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// chromium finds Debian's headless browser, or skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH: install Debian's chromium (apt-get install -y chromium) to check the report in a headless browser; .ci/run does")
	return ""
}

// TestReportInHeadlessBrowser renders the report in headless Chromium,
// reads the table back from the DOM the browser built, and checks it
// against the golden figures for the fixed random-number stream and
// against the summary; the charts must come out as four SVG elements
// with the drawn marks.
func TestReportInHeadlessBrowser(t *testing.T) {
	browser := chromium(t)
	sum := goldenExperiment(t)

	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var html bytes.Buffer
	if err := HTML(&html, ReportData{Title: "Golden", Subtitle: "30 customers", Summary: sum}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	// What the browser shows in the table, one line per cell.
	cells := regexp.MustCompile(`<td data-key="([^"]+)"[^>]*>([^<]*)</td>`)
	rows := regexp.MustCompile(`(?s)<tr data-policy="([^"]+)">(.*?)</tr>`)
	var shown strings.Builder
	n := 0
	for _, r := range rows.FindAllStringSubmatch(string(dom), -1) {
		for _, c := range cells.FindAllStringSubmatch(r[2], -1) {
			shown.WriteString(r[1] + " | " + c[1] + " | " + unescape(t, c[2]) + "\n")
			n++
		}
	}
	if n != len(sum.Policies)*len(sum.Metrics) {
		t.Fatalf("browser DOM shows %d table cells, want %d:\n%.2000s", n, len(sum.Policies)*len(sum.Metrics), dom)
	}
	golden(t, "report-table.golden", shown.String())
	// The same cells, from the summary.
	var want strings.Builder
	for _, keys := range tableGroups() {
		for p, name := range sum.Policies {
			for _, k := range keys {
				want.WriteString(name + " | " + k + " | " + sum.metric(k).FormatEstimate(sum.Est[p][sum.metricIndex(k)]) + "\n")
			}
		}
	}
	if shown.String() != want.String() {
		t.Errorf("browser shows\n%s\nsummary says\n%s", shown.String(), want.String())
	}
	d := string(dom)
	if got := strings.Count(d, "<svg"); got != 4 {
		t.Errorf("browser DOM has %d svg elements, want 4", got)
	}
	for _, id := range []string{"chart-dso", "chart-aging", "chart-steps", "chart-money"} {
		if !strings.Contains(d, `id="`+id+`"`) {
			t.Errorf("browser DOM lacks %s", id)
		}
	}
	if strings.Count(d, "<circle") != len(sum.Policies)*len(sum.Months) {
		t.Errorf("DSO points in the DOM: %d, want %d", strings.Count(d, "<circle"), len(sum.Policies)*len(sum.Months))
	}
	if !strings.Contains(d, "not distinguishable from noise") && !strings.Contains(d, " better") {
		t.Errorf("no verdict on the comparisons in the DOM")
	}
}

func unescape(t *testing.T, s string) string {
	var v string
	if err := xml.Unmarshal([]byte("<x>"+s+"</x>"), &v); err != nil {
		t.Fatalf("cell %q: %v", s, err)
	}
	return v
}
