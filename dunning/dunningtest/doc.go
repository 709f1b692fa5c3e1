// Package dunningtest is the test kit for apps that embed overdue, as
// net/http/httptest is for HTTP handlers: a controllable clock, a recording
// sender, builders for customers, agreements and invoices with sensible
// defaults, and assertions that say "this invoice gets step X on day D" and
// "nothing is sent on day D", with go-cmp diffs when they fail.
//
// A typical test:
//
//	pol := dunningtest.Policy(dunning.DefaultWorkflow("standard"))
//	c := dunningtest.Customer("c1")
//	inv := dunningtest.Invoice("i1", c.ID, dunningtest.Day("2026-03-01"), dunningtest.Day("2026-03-31"), "100.00", "EUR")
//	pf := dunning.Portfolio{Customers: []dunning.Customer{c}, Invoices: []dunning.Invoice{inv}}
//	dunningtest.ExpectStep(t, pol, pf, "i1", dunningtest.Day("2026-04-14"), "overdue-1")
//	dunningtest.ExpectNothing(t, pol, pf, dunningtest.Day("2026-04-13"))
//
// overdue's own tests use this kit, so it stays honest.
package dunningtest
