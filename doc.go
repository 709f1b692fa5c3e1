// Package overdue is an embeddable Go library for dunning: deciding, day by
// day, which reminder, notice, letter or collector task each overdue invoice
// needs, sending it and recording it once per key, and measuring how
// collection goes.
//
// The billing app keeps its customers, invoices and payments. It hands them
// to the library with a policy and gets back actions; the library renders
// the notices, sends them through a sender the app plugs in, and records
// what it did through a store the app plugs in.
//
// # Packages
//
//   - dunning: the domain (customers, agreements, invoices, workflows,
//     policies), the pure planner Plan(asOf, policy, portfolio) -> []Action,
//     Explain, and the Runner that claims, sends and records each action:
//     at most one record per key, every notice delivered at least once, a
//     duplicate only when a process dies between the provider accepting a
//     notice and its record (under the same key; none with a sender that
//     answers look-ups or deduplicates by key). dunning/money holds the Money type, dunning/charge the
//     late fee, interest and statutory-regime calculators, dunning/send the
//     writer, recording and SMTP senders, dunning/dunningtest the test kit.
//   - schedule: step offsets ("due+14", "P14D"), timelines, business-day
//     calendars, roll rules and send windows.
//   - segment: rules over customer attributes that route each customer to a
//     workflow, template set and language, loaded from JSON, explained.
//   - notice: the notice a customer receives, its validation and its
//     templates (English and German built in).
//   - metrics: DSO, best possible DSO, average days delinquent, CEI, aging,
//     receivables at risk, step and template performance, the worklist.
//   - store/memory and store/sqlstore: the storage, in memory or on
//     PostgreSQL, both passing store/storetest.
//
// # A day of dunning
//
//	pol := &dunning.Policy{
//		Workflows: []dunning.Workflow{dunning.DefaultWorkflow("standard")},
//		Creditor:  notice.Party{Name: "Northwind GmbH", Address: []string{"Hafenstraße 12", "20457 Hamburg"}},
//	}
//	r := &dunning.Runner{Policy: pol, Store: memory.New(), Sender: mySender}
//	plan, _ := r.Plan(ctx, portfolio)   // a dry run: inspect, approve
//	report, _ := r.Execute(ctx, plan)  // claim, send, record: one record per key
//
// Everything that decides is a pure function of its inputs and an explicit
// day; everything that touches the world sits behind a small interface.
// Run the quickstart to see it: go run ./examples/quickstart.
package overdue
