package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/overduehq/overdue/examples/simulate/sim"
)

func TestRunWritesTableAndReport(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Customers = 60
	out := filepath.Join(t.TempDir(), "r.html")
	var stdout, stderr strings.Builder
	if err := run(&stdout, &stderr, cfg, "", "2026-01-01", "2026-06-30", out, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Simulating 60 customers, 720 invoices", "no dunning", "classic cadence", "segmented", "report: " + out} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "] 100%") {
		t.Errorf("progress bar did not reach 100%%: %q", stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(b), `<svg xmlns="http://www.w3.org/2000/svg" id="chart-dso"`) {
		t.Errorf("report: %v\n%.200s", err, b)
	}
	if err := run(&stdout, &stderr, cfg, "", "2026-13-01", "2026-06-30", "", false); err == nil || !strings.Contains(err.Error(), `-from "2026-13-01"`) {
		t.Errorf("bad -from: %v", err)
	}
}

// TestProgressOnlyOnATerminal: output to a file (a log, a pipe in CI) gets
// no progress bar, -quiet or not.
func TestProgressOnlyOnATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if progressOn(false, f) || progressOn(true, f) {
		t.Error("a progress bar on a file")
	}
}
