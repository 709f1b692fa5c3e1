// Command simulate shows what dunning policies do to DSO and cash before
// they go live, and whether the differences between them are real. It
// generates a synthetic portfolio (or loads yours), runs it day by day
// through overdue's planner and runner under each policy (no dunning, the
// classic cadence and a segmented policy by default, or your own policy
// JSON), repeats that over several runs with different random numbers
// (every policy meets the same customers in a run), prints means with 95 %
// intervals and paired differences, and writes a self-contained HTML
// report with charts.
//
//	go run ./examples/simulate                          # 1,000 customers, 2026, 20 runs
//	go run ./examples/simulate -policy a.json -policy b.json
//	go run ./examples/simulate -history payments.csv    # fit the payment model to your ledger
//	go run ./examples/simulate -load portfolio.json     # or invoices.csv
//
// The payment-behaviour model, its fit and their assumptions are
// documented in the sim package (examples/simulate/sim).
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

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/examples/simulate/sim"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"golang.org/x/term"
)

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// args are the command line, parsed.
type args struct {
	cfg           sim.Config
	runs, workers int
	load, history string
	from, to      string
	warmup        int
	out           string
	progress      bool
	policies      []string
	costs         sim.Costs
}

func main() {
	a := args{cfg: sim.DefaultConfig(), costs: sim.DefaultCosts()}
	flag.Uint64Var(&a.cfg.Seed, "stream", a.cfg.Seed, "random-number stream of the first run (run r uses stream+r): the same stream gives the same figures")
	flag.IntVar(&a.cfg.Customers, "customers", a.cfg.Customers, "customers to generate")
	flag.IntVar(&a.runs, "runs", 20, "runs (replications) with different random numbers, for the 95 % intervals")
	flag.IntVar(&a.workers, "workers", 0, "policy runs at once (0: one per CPU, GOMAXPROCS)")
	flag.StringVar(&a.load, "load", "", "load the portfolio from a .json or .csv file instead of generating one ("+sim.CSVHeader+")")
	flag.StringVar(&a.history, "history", "", "fit the payment model to a payment history, .csv ("+sim.HistoryHeader+") or .json")
	var pols multi
	flag.Var(&pols, "policy", "a policy JSON file (dunning.ParsePolicy); repeat for several; compared with no dunning")
	flag.StringVar(&a.from, "from", "2026-01-01", "first simulated day")
	flag.StringVar(&a.to, "to", "2026-12-31", "last simulated day")
	flag.IntVar(&a.warmup, "warmup", 59, "days at the start left out of the figures while the book fills (marked on the charts)")
	flag.StringVar(&a.out, "out", "simulation.html", "HTML report to write (empty: none)")
	quiet := flag.Bool("quiet", false, "no progress bar (drawn only when stderr is a terminal)")
	money := func(p *decimal.Decimal, name, usage string) {
		flag.Func(name, usage+" (default "+p.StringFixed(2)+")", func(v string) error {
			d, err := decimal.NewFromString(v)
			if err != nil || d.Sign() < 0 {
				return fmt.Errorf("want a non-negative decimal amount")
			}
			*p = d
			return nil
		})
	}
	money(&a.costs.Email, "cost-email", "EUR per email")
	money(&a.costs.SMS, "cost-sms", "EUR per SMS")
	money(&a.costs.Letter, "cost-letter", "EUR per letter")
	money(&a.costs.CollectorMinute, "cost-collector-minute", "EUR per collector minute")
	flag.IntVar(&a.costs.TaskMinutes, "task-minutes", a.costs.TaskMinutes, "collector minutes per task")
	capital := a.costs.CapitalRate.Mul(decimal.NewFromInt(100))
	money(&capital, "capital", "cost of capital, percent a year")
	flag.Parse()
	a.costs.CapitalRate = capital.Div(decimal.NewFromInt(100))
	a.policies, a.progress = pols, progressOn(*quiet, os.Stderr)
	if err := run(os.Stdout, os.Stderr, a); err != nil {
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

func run(stdout, stderr io.Writer, a args) error {
	from, err := sim.ParseDay(a.from)
	if err != nil {
		return fmt.Errorf("-from %q: %w", a.from, err)
	}
	to, err := sim.ParseDay(a.to)
	if err != nil {
		return fmt.Errorf("-to %q: %w", a.to, err)
	}
	if a.warmup < 0 || from+date.Date(a.warmup) > to {
		return fmt.Errorf("-warmup %d: want 0 to %d days", a.warmup, int(to-from))
	}
	cfg := a.cfg
	modelText := ""
	if a.history != "" {
		f, err := os.Open(a.history)
		if err != nil {
			return err
		}
		fit, err := sim.FitHistory(f, strings.ToLower(filepath.Ext(a.history)) == ".json")
		f.Close()
		if err != nil {
			return fmt.Errorf("-history %s: %w", a.history, err)
		}
		cfg.Model = fit.Model
		modelText = fit.String()
		fmt.Fprintf(stdout, "Payment model fitted to %s:\n%s\n", a.history, modelText)
	}
	pols := sim.Policies()
	if len(a.policies) > 0 {
		pols = []sim.Named{{Name: "no dunning"}}
		for _, p := range a.policies {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			pol, err := dunning.ParsePolicy(b)
			if err != nil {
				return fmt.Errorf("-policy %s: %w", p, err)
			}
			pols = append(pols, sim.Named{Name: strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)), Policy: pol})
		}
	}
	var load []byte
	if a.load != "" {
		if load, err = os.ReadFile(a.load); err != nil {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(a.load)); ext != ".json" && ext != ".csv" {
			return fmt.Errorf("-load %q: want a .json or .csv file", a.load)
		}
	}
	world := func(r int) (*sim.World, error) {
		stream := cfg.Seed + uint64(r)
		switch strings.ToLower(filepath.Ext(a.load)) {
		case ".json":
			return sim.LoadJSON(bytes.NewReader(load), cfg.Model, stream)
		case ".csv":
			return sim.LoadCSV(bytes.NewReader(load), cfg.Model, stream)
		}
		c := cfg
		c.Seed = stream
		return sim.Generate(c)
	}
	w0, err := world(0) // fails early on bad input, and sizes the headline
	if err != nil {
		return err
	}
	nCust, nInv := len(w0.Customers), len(w0.Invoices)
	fmt.Fprintf(stdout, "Simulating %d customers, %d invoices, %s..%s, under %d policies, %d runs\n", len(w0.Customers), len(w0.Invoices), from, to, len(pols), a.runs)
	start := time.Now()
	opts := sim.Options{From: from, To: to, MeasureFrom: from + date.Date(a.warmup)}
	if a.progress {
		opts.Progress = newBar(stderr, a.runs*len(pols)*(int(to-from)+1)).tick
	}
	res, err := sim.Replicate(context.Background(), sim.Experiment{Runs: a.runs, World: func(r int) (*sim.World, error) {
		if r == 0 {
			return w0, nil
		}
		return world(r)
	}, Policies: pols, Options: opts, Costs: a.costs, Workers: a.workers})
	if a.progress {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	w0 = nil
	fmt.Fprintf(stdout, "done in %v\n\n", time.Since(start).Round(time.Millisecond))
	sum, err := sim.Summarize(res, pols, opts.MeasureFrom)
	if err != nil {
		return err
	}
	if err := sim.Table(stdout, sum); err != nil {
		return err
	}
	if a.out == "" {
		return nil
	}
	f, err := os.Create(a.out)
	if err != nil {
		return err
	}
	if err := sim.HTML(f, sim.ReportData{
		Title: "Dunning simulation",
		Subtitle: fmt.Sprintf("%s customers, %s invoices, %s to %s (figures from %s), %d runs from random-number stream %d",
			sim.FormatAmount(decimal.NewFromInt(int64(nCust))), sim.FormatAmount(decimal.NewFromInt(int64(nInv))), from, to, opts.MeasureFrom, a.runs, cfg.Seed),
		Model:   modelText,
		Summary: sum,
	}); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nreport: %s (open it in a browser; it needs no network)\n", a.out)
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
