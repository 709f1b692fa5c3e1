package sim

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/shopspring/decimal"
)

// Costs are what dunning costs and what cash is worth: a price per notice
// per channel, the collector time a task takes and a collector minute's
// price, all in EUR, and the cost of capital as a yearly rate (0.08 for
// 8 %).
type Costs struct {
	Email, SMS, Letter decimal.Decimal
	CollectorMinute    decimal.Decimal
	TaskMinutes        int
	CapitalRate        decimal.Decimal
}

// DefaultCosts are the simulator's defaults: an email 0.01, an SMS 0.08, a
// printed and posted letter 1.50, a collector minute 0.75 with 15 minutes a
// task, capital at 8 % a year. They are assumptions; set your own.
func DefaultCosts() Costs {
	return Costs{Email: decimal.New(1, -2), SMS: decimal.New(8, -2), Letter: decimal.New(150, -2),
		CollectorMinute: decimal.New(75, -2), TaskMinutes: 15, CapitalRate: decimal.New(8, -2)}
}

// Money is one policy's money in one run, against the experiment's
// reference policy (the first), in EUR rounded to the cent.
type Money struct {
	// Cost is the notices times their channel's price plus the tasks'
	// collector time.
	Cost decimal.Decimal
	// Forward is the cash brought forward: how much less was owed on an
	// average measured day than under the reference (ARDays difference
	// divided by the measured days).
	Forward decimal.Decimal
	// Financing is what having that cash earlier is worth at the cost of
	// capital: the ARDays difference × rate / 365.
	Financing decimal.Decimal
	// Net is Financing minus the difference in Cost against the
	// reference. Cash that the reference never collects at all is shown
	// in Collected, not here.
	Net decimal.Decimal
}

// Experiment is a replicated, paired comparison of policies: Runs runs,
// run r on the world World(r) that every policy meets (common random
// numbers), so the policies' differences in a run are theirs, and the
// spread over runs is the noise.
type Experiment struct {
	Runs int
	// World makes run r's world; it is called once per run, and the world
	// is shared read-only by the run's policies.
	World    func(run int) (*World, error)
	Policies []Named
	Options  Options
	Costs    Costs
	// Workers bounds how many policy runs go at once (0: GOMAXPROCS).
	Workers int
}

// Result is one policy's outcome in one run (without the invoices) with its
// money.
type Result struct {
	Outcome
	Money Money
}

// Replicate runs the experiment with a worker pool and returns the results
// as [run][policy]. Options.Progress is called from the workers.
func Replicate(ctx context.Context, e Experiment) ([][]Result, error) {
	if e.Runs < 1 {
		return nil, fmt.Errorf("sim: experiment.runs: %d: want at least 1", e.Runs)
	}
	if len(e.Policies) == 0 {
		return nil, fmt.Errorf("sim: experiment.policies: none")
	}
	if err := e.Options.check(); err != nil {
		return nil, err
	}
	workers := e.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	np := len(e.Policies)
	res := make([][]Result, e.Runs)
	for r := range res {
		res[r] = make([]Result, np)
	}
	// Worlds are made on first use and dropped when the run's last policy
	// is done, so memory holds about as many worlds as there are workers.
	type slot struct {
		once sync.Once
		w    *World
		err  error
		left int
	}
	slots := make([]*slot, e.Runs)
	for r := range slots {
		slots[r] = &slot{left: np}
	}
	var mu sync.Mutex
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan [2]int)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r, p := j[0], j[1]
				sl := slots[r]
				sl.once.Do(func() { sl.w, sl.err = e.World(r) })
				if errs[k] == nil && sl.err != nil {
					errs[k] = fmt.Errorf("sim: run %d: %w", r+1, sl.err)
				}
				if errs[k] == nil {
					o, err := simulate(ctx, sl.w, e.Policies[p], e.Options)
					if err != nil {
						errs[k] = fmt.Errorf("sim: run %d: %w", r+1, err)
					}
					o.Invoices = nil
					res[r][p].Outcome = o
				}
				if errs[k] != nil {
					cancel()
				}
				mu.Lock()
				if sl.left--; sl.left == 0 {
					sl.w = nil
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for r := range e.Runs {
		for p := range np {
			select {
			case jobs <- [2]int{r, p}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	// The first error that is not the others' cancellation caused it.
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled) && !errors.Is(err, context.Canceled)) {
			first = err
		}
	}
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	days := int64(e.Options.To-e.Options.measureFrom()) + 1
	for r := range res {
		ref := res[r][0]
		refCost := e.Costs.cost(ref.Outcome)
		for p := range res[r] {
			res[r][p].Money = e.Costs.money(res[r][p].Outcome, ref.Figures.ARDays, refCost, days)
		}
	}
	return res, nil
}

func (c Costs) cost(o Outcome) decimal.Decimal {
	n := func(ch string) decimal.Decimal { return decimal.NewFromInt(int64(o.Channels[ch])) }
	return c.Email.Mul(n("email")).Add(c.SMS.Mul(n("sms"))).Add(c.Letter.Mul(n("letter"))).
		Add(c.CollectorMinute.Mul(decimal.NewFromInt(int64(o.Tasks) * int64(c.TaskMinutes)))).Round(2)
}

func (c Costs) money(o Outcome, refARDays, refCost decimal.Decimal, days int64) Money {
	saved := refARDays.Sub(o.Figures.ARDays) // EUR × days
	m := Money{Cost: c.cost(o)}
	m.Forward = saved.DivRound(decimal.NewFromInt(days), 2)
	m.Financing = saved.Mul(c.CapitalRate).DivRound(decimal.NewFromInt(365), 2)
	m.Net = m.Financing.Sub(m.Cost.Sub(refCost))
	return m
}
