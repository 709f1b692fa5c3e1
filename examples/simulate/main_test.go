package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/overduehq/overdue/examples/simulate/sim"
)

func TestRunWritesTableAndReport(t *testing.T) {
	a := args{cfg: sim.DefaultConfig(), costs: sim.DefaultCosts(), runs: 2, from: "2026-01-01", to: "2026-06-30", warmup: 59, progress: true}
	a.cfg.Customers = 60
	out := filepath.Join(t.TempDir(), "r.html")
	a.out = out
	var stdout, stderr strings.Builder
	if err := run(&stdout, &stderr, a); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Simulating 60 customers, 720 invoices", "2 runs", "Paired differences", "no dunning", "classic cadence", "segmented", "report: " + out} {
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
	a.from, a.out, a.progress = "2026-13-01", "", false
	if err := run(&stdout, &stderr, a); err == nil || !strings.Contains(err.Error(), `-from "2026-13-01"`) {
		t.Errorf("bad -from: %v", err)
	}
}
