// Package sim simulates dunning policies on a portfolio before they go
// live, and says whether the differences between them are real.
//
// A World is a portfolio (generated from a random-number stream, or loaded
// from JSON or CSV) and, for every invoice, its fate: the random draws of a
// payment-behaviour model per segment (Behaviour, DefaultModel). Each policy
// runs day by day through overdue's real planner and runner (memory store; a
// sender that makes the simulated customers react), and the outcome is DSO,
// best possible DSO, average days delinquent, CEI, receivables at risk,
// cash collected, notices per channel and step, and collector tasks.
//
// Replicate repeats that over several runs: run r uses stream+r, and every
// policy of a run meets the same world (common random numbers), so a
// policy difference within a run is the policy's doing and the spread over
// runs is the noise. Summarize reports every figure as a mean with its 95 %
// interval (Student's t on the runs' standard deviation; TQuantile975) and
// every pair of policies as the paired difference with its interval; a
// difference whose interval holds zero is reported as not distinguishable
// from noise. The worker pool runs GOMAXPROCS policy runs at once and gives
// the same results with any number of workers.
//
// Money: amounts are decimal.Decimal throughout a run (payments, balances,
// the A/R-days sum, costs, financing value, net benefit, rounded to the
// cent). Costs are per notice per channel plus collector minutes per task.
// Cash brought forward is how much less is owed on an average measured day
// than under the reference policy (the first one, no dunning by default);
// its financing value is that balance × days × the cost of capital / 365;
// net benefit is the financing value less the extra dunning cost. Only the
// statistics over runs (means, standard deviations, intervals) use float64,
// converting each run's decimal figure at that edge; they are shown rounded
// and never fed back into an amount.
//
// Warm-up: a generated book starts empty, so its first weeks flatter DSO
// and cash; Options.MeasureFrom leaves them out of the figures (the
// command's -warmup, 59 days by default: January and February), and the
// DSO chart shades them.
//
// Your ledger: FitHistory fits the model per segment to a payment history
// (HistoryHeader): the share paid before due, on time, late (and how late)
// and never, from invoices that were not under dunning (a control group),
// and the response to each notice stage, net of the payments that would
// have come anyway, with the response delay's range. The assumptions are
// listed with FitHistory's constants; promises and disputes are not
// fitted. TestFitRecoversKnownParameters fits a synthetic history drawn
// with known parameters and recovers them within stated tolerances.
//
// The report (HTML) is one self-contained file: no scripts, no network,
// inline SVG charts, every figure in data attributes; a test renders it in
// headless Chromium and checks the table against golden figures.
package sim
