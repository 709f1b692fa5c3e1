package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/overduehq/overdue/examples/simulate/sim"
	"github.com/rickb777/date/v2"
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

func TestRunLoadsPoliciesAndFitsHistory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	weekly := write("weekly.json", `{"workflows": [{"name": "weekly", "roll": "following", "steps": [
  {"name": "first", "at": "due+1", "action": "email"},
  {"name": "second", "at": "due+8", "action": "email", "stage": "overdue-notice"},
  {"name": "letter", "at": "due+15", "action": "letter", "stage": "final-notice"}]}],
  "creditor": {"name": "Northwind GmbH", "address": ["Hafenstraße 12", "20457 Hamburg"]},
  "payment": {"text": "Please transfer the amount due.", "iban": "DE89370400440532013000"}}`)
	broken := write("broken.json", `{"workflows": []}`)
	// A history with 30 invoices not under dunning per segment (paid 0 to
	// 29 days after due) and 30 dunned ones, half paid 3 days after a
	// reminder sent on the due date.
	var h strings.Builder
	h.WriteString(sim.HistoryHeader + "\n")
	for _, seg := range []string{"enterprise", "smb", "startup"} {
		for i := range 60 {
			issued := date.New(2025, 1, 1) + date.Date(i)
			due := issued + 30
			paid, dunned, notices := due+date.Date(i%30), "no", ""
			if i >= 30 {
				dunned, notices = "yes", "friendly-reminder@"+due.String()
				paid = due + 3 + date.Date(20*(i%2))
			}
			fmt.Fprintf(&h, "C-%s-%d,%s,I-%s-%d,%s,%s,%d.00,%s,%s,%s\n", seg, i%10, seg, seg, i, issued, due, 100+i, paid, dunned, notices)
		}
		// A recent invoice, which makes the others mature (due 180 days
		// before the history's last date).
		fmt.Fprintf(&h, "C-%s-0,%s,I-%s-last,2025-12-01,2025-12-31,100.00,2025-12-20,no,\n", seg, seg, seg)
	}
	hist := write("history.csv", h.String())

	a := args{cfg: sim.DefaultConfig(), costs: sim.DefaultCosts(), runs: 2, from: "2026-01-01", to: "2026-03-31", warmup: 31, policies: []string{weekly}, history: hist}
	a.cfg.Customers = 20
	var stdout, stderr strings.Builder
	if err := run(&stdout, &stderr, a); err != nil {
		t.Fatal(err)
	}
	// By hand: the control group pays due+0 .. due+29, so 3 of 30 on
	// time (due..due+2), none early, the rest 3 to 29 days late. Of the 30
	// reminders sent on the due date, 15 are paid 3 days later (within the
	// 14-day window) and 15 after it; the control group pays in that window
	// with probability 14/29, so the response is (15 − 30·14/29) /
	// (30 − 30·14/29) = 3.3 %, and the excess payments all fall on day 3.
	for _, want := range []string{"Payment model fitted to " + hist, "smb: ", "no dunning",
		"0.0 % before due, 10.0 % on time (due to due+2), 0.0 % never, the rest 3 to 29 days late",
		"friendly-reminder 3.3 % (of 30), within 3 to 3 days", "weekly", "weekly − no dunning, DSO"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "classic cadence") {
		t.Errorf("with -policy the built-in policies are replaced:\n%s", stdout.String())
	}
	a.policies = []string{weekly, broken}
	if err := run(&stdout, &stderr, a); err == nil || !strings.Contains(err.Error(), "-policy "+broken) || !strings.Contains(err.Error(), "workflows: ") {
		t.Errorf("broken policy: %v", err)
	}
}
