// Command simulate shows what a dunning workflow does to DSO before it
// goes live. It generates a synthetic portfolio from a seed (or loads
// yours), runs it day by day through overdue's planner and runner under
// three policies (no dunning, the classic cadence, a segmented policy), prints
// a table and writes a self-contained HTML report with charts.
//
//	go run ./examples/simulate                         # 1,000 customers, 2026
//	go run ./examples/simulate -customers 10000 -out report.html
//	go run ./examples/simulate -load portfolio.json    # or invoices.csv
//
// The payment-behaviour model and its assumptions are documented in the
// sim package (examples/simulate/sim).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/overduehq/overdue/examples/simulate/sim"
	"golang.org/x/term"
)

func main() {
	cfg := sim.DefaultConfig()
	seed := flag.Uint64("seed", cfg.Seed, "random seed: the same seed gives the same figures")
	customers := flag.Int("customers", cfg.Customers, "customers to generate")
	load := flag.String("load", "", "load the portfolio from a .json or .csv file instead of generating one ("+sim.CSVHeader+")")
	from := flag.String("from", "2026-01-01", "first simulated day")
	to := flag.String("to", "2026-12-31", "last simulated day")
	out := flag.String("out", "simulation.html", "HTML report to write (empty: none)")
	quiet := flag.Bool("quiet", false, "no progress bar (drawn only when stderr is a terminal)")
	flag.Parse()
	cfg.Seed, cfg.Customers = *seed, *customers
	if err := run(os.Stdout, os.Stderr, cfg, *load, *from, *to, *out, progressOn(*quiet, os.Stderr)); err != nil {
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}

// progressOn reports whether to draw the progress bar on f: not with
// -quiet, and only on a terminal (a log file or a pipe would get every
// redraw as text).
func progressOn(quiet bool, f *os.File) bool {
	return !quiet && term.IsTerminal(int(f.Fd()))
}

func run(stdout, stderr io.Writer, cfg sim.Config, load, fromS, toS, out string, progress bool) error {
	from, err := sim.ParseDay(fromS)
	if err != nil {
		return fmt.Errorf("-from %q: %w", fromS, err)
	}
	to, err := sim.ParseDay(toS)
	if err != nil {
		return fmt.Errorf("-to %q: %w", toS, err)
	}
	var w *sim.World
	if load != "" {
		b, err := os.ReadFile(load)
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(load)) {
		case ".json":
			w, err = sim.LoadJSON(bytes.NewReader(b), cfg.Model, cfg.Seed)
		case ".csv":
			w, err = sim.LoadCSV(bytes.NewReader(b), cfg.Model, cfg.Seed)
		default:
			return fmt.Errorf("-load %q: want a .json or .csv file", load)
		}
		if err != nil {
			return err
		}
	} else if w, err = sim.Generate(cfg); err != nil {
		return err
	}
	pols := sim.Policies()
	fmt.Fprintf(stdout, "Simulating %d customers, %d invoices, %s..%s, under %d policies\n", len(w.Customers), len(w.Invoices), from, to, len(pols))
	start := time.Now()
	opts := sim.Options{From: from, To: to, Parallel: true}
	if progress {
		opts.Progress = newBar(stderr, len(pols)*(int(to-from)+1)).tick
	}
	outs, err := sim.Simulate(context.Background(), w, pols, opts)
	if progress {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "done in %v\n\n", time.Since(start).Round(time.Millisecond))
	if err := sim.Table(stdout, outs); err != nil {
		return err
	}
	if out == "" {
		return nil
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := sim.HTML(f, sim.ReportData{
		Title:    "Dunning simulation",
		Subtitle: fmt.Sprintf("%d customers, %d invoices, %s to %s, seed %d", len(w.Customers), len(w.Invoices), from, to, cfg.Seed),
		Outcomes: outs,
	}); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nreport: %s (open it in a browser; it needs no network)\n", out)
	return nil
}

// bar is a terminal progress bar over all policies' days.
type bar struct {
	w     io.Writer
	mu    sync.Mutex
	total int
	done  int
	shown int
}

func newBar(w io.Writer, total int) *bar { return &bar{w: w, total: total, shown: -1} }

func (b *bar) tick(policy string, day, days int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done++
	pct := 100 * b.done / b.total
	if pct == b.shown {
		return
	}
	b.shown = pct
	const width = 40
	n := width * b.done / b.total
	fmt.Fprintf(b.w, "\r[%s%s] %3d%%", strings.Repeat("#", n), strings.Repeat(" ", width-n), pct)
}
