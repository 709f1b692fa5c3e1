// Package money is the amount type of overdue: a decimal amount with an ISO 4217
// currency.
//
// Amounts are exact decimals (github.com/shopspring/decimal), never floats. A
// Currency knows its minor unit (2 digits for EUR and USD, 0 for JPY, 3 for
// KWD), and Money.Round rounds half away from zero to that unit. Packages
// dunning, dunning/charge and metrics round amounts to a currency only
// through Money.Round; package notice, which imports no other package of
// overdue, rounds its sums in one helper of its own with the same rule; and
// an interest period (charge.Period.Amount) is shown with two digits more
// than the currency has. Text that shows an amount (decimal's StringFixed,
// Money.Fixed) formats it at the minor unit, rounding for display only.
// TestRoundingGoesThroughOneFunction (claims_test.go in the module root)
// fails on any other call of decimal's Round.
//
// Amounts from outside are bounded (CheckBounds): at most MaxIntegerDigits
// (15) digits before the decimal point and MaxDecimals (18) written after
// it, and an amount in a currency no finer than its minor unit (Validate;
// "1.005 EUR" is refused, never rounded). The checks look at the exponent
// and the coefficient's size only, so "1e50000000" is refused at once
// instead of taking minutes to print.
//
// Arithmetic between two amounts requires the same currency. Add and Sub return
// ErrCurrencyMismatch (wrapped in a *MismatchError naming both codes) instead of
// silently mixing currencies; the Sum helper adds many amounts of one currency.
//
// Money marshals to JSON as {"amount":"12.30","currency":"EUR"}, the amount a
// string fixed at the currency's minor unit so no JSON decoder turns it into a
// float.
//
// This package lives below dunning so that packages which need money but not
// the dunning engine (fee and interest calculators, metrics) can import it
// without importing the engine; dunning re-exports Money and Currency as
// aliases.
package money
