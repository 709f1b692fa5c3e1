// Package charge computes what late payment costs: fees charged with
// dunning notices (fixed per notice, per invoice, or a percentage with
// minimum and maximum, per currency), simple interest (contractual rate or a
// statutory regime: EU, UK, Germany B2B and B2C, France) with an explicit
// day count, basis and rounding policy, the regimes' fixed compensation
// (EUR 40; GBP 40/70/100), and how a partial payment is allocated (costs,
// interest, principal per BGB §367, or principal first).
//
// All functions are pure. Reference-rate tables (ECB, Bank of England,
// Bundesbank Basiszinssatz) are data the app supplies as a RateTable.
// Fees and interest round half away from zero to the currency's minor unit
// through money.Money.Round: a fee once, interest once on the total
// (RoundTotal, the default) or once per day (RoundDaily).
package charge
