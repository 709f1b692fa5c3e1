package charge

import "github.com/shopspring/decimal"

// Allocation is the order a partial payment settles what is owed.
type Allocation string

const (
	// CostsInterestPrincipal: costs first, then interest, then principal
	// (BGB §367(1)).
	CostsInterestPrincipal Allocation = "costs-interest-principal"
	// PrincipalFirst: principal first, then interest, then costs.
	PrincipalFirst Allocation = "principal-first"
)

// Allocate splits a payment over costs, interest and principal in the given
// order; what is left over is the surplus.
func Allocate(order Allocation, payment, costs, interest, principal decimal.Decimal) (toCosts, toInterest, toPrincipal, surplus decimal.Decimal, err error) {
	for _, v := range []struct {
		f string
		d decimal.Decimal
	}{{"payment", payment}, {"costs", costs}, {"interest", interest}, {"principal", principal}} {
		if v.d.IsNegative() {
			return decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero, &Error{Field: v.f, Value: v.d.String(), Reason: "must not be negative"}
		}
	}
	rest := payment
	take := func(owed decimal.Decimal) decimal.Decimal {
		t := decimal.Min(rest, owed)
		rest = rest.Sub(t)
		return t
	}
	switch order {
	case CostsInterestPrincipal, "":
		toCosts = take(costs)
		toInterest = take(interest)
		toPrincipal = take(principal)
	case PrincipalFirst:
		toPrincipal = take(principal)
		toInterest = take(interest)
		toCosts = take(costs)
	default:
		return decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero, &Error{Field: "allocation", Value: string(order), Reason: `want "costs-interest-principal" or "principal-first"`}
	}
	return toCosts, toInterest, toPrincipal, rest, nil
}
