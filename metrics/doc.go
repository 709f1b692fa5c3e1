// Package metrics measures collection: DSO (period, average-receivables and
// countback methods), best possible DSO, average days delinquent, CEI, aging
// buckets, receivables at risk, days to pay, days late and time to collect,
// an allowance for doubtful accounts, step and template performance, and the
// collector's worklist ranked by risk and value.
//
// Every figure is a pure function of the invoices (and, for performance,
// the ledger and events) and explicit dates. Invoices stream in as
// iter.Seq[dunning.Invoice], so a figure over millions of invoices needs no
// slice of them. Figures are per currency (a map keyed by ISO code), or in
// one currency when the app supplies an FX function (SumOptions).
//
// Precision: figures in days and percent have DayPlaces (2) decimals,
// shares between 0 and 1 have SharePlaces (4); each is rounded once, half
// away from zero. A DSO over a period whose sales are under a tenth of its
// closing receivables is flagged (Totals.LowSales, LowSalesShare).
//
// # Definitions
//
// Receivables on day d, AR(d): the sum of Invoice.Open(d) over invoices
// issued on or before d and not written off by d. Credit sales over [from,
// to]: the sum of amounts of invoices issued in that range (inclusive).
// Current receivables: the part of AR(d) not yet due (due >= d).
//
//   - DSO, period method: AR(to) / sales(from..to) x days, days = to-from+1
//     (Investopedia "Days Sales Outstanding"; Hill & Sartoris, Short-Term
//     Financial Management).
//   - DSO, average-receivables method: (AR(from-1) + AR(to)) / 2 / sales x days.
//   - DSO, countback (exhaustion) method: walk back month by month from the
//     last, subtracting each month's sales from AR(to) while AR covers them,
//     adding that month's days (actual length, or 30); the rest adds
//     remaining AR / that month's sales x its days (Credit Research
//     Foundation; Salek, Accounts Receivable Management Best Practices).
//   - Best possible DSO: current AR(to) / sales x days (CRF).
//   - Average days delinquent: DSO - best possible DSO (CRF).
//   - CEI: (AR(from-1) + sales - AR(to)) / (AR(from-1) + sales - current
//     AR(to)) x 100. The sales term is either the period's sales
//     (SalesTotal) or the average monthly sales (SalesPerMonth), the two
//     conventions in use (CRF; Investopedia "Collection Effectiveness Index").
//   - Aging: open balances in buckets by days past due (or days since issue)
//     with configurable edges; "current" holds what is not yet due.
//   - Days to pay: paid day - issue day; days late: max(0, paid day - due
//     day); both averaged plainly and weighted by amount, over invoices paid
//     in the range.
//   - Time to collect: for invoices paid after their due date, paid day -
//     due day, averaged.
package metrics
