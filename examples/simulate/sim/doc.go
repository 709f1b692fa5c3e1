// Package sim simulates dunning policies on a portfolio before they go
// live: it generates a synthetic portfolio from a seed (or loads one from
// JSON or CSV), draws every invoice's fate from a payment-behaviour model
// per segment, runs each policy day by day through overdue's real planner
// and runner (memory store; a sender that makes the simulated customers
// react), and reports DSO, best possible DSO, CEI, receivables at risk and
// notices per step, as a terminal table and a self-contained HTML report
// with inline SVG charts.
//
// The model's assumptions are written on Behaviour and DefaultModel. Every
// policy meets the same customers making the same random draws, so the
// differences between policies are theirs; the same seed gives the same
// figures.
package sim
