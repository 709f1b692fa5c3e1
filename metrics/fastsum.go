package metrics

import (
	"math"
	"math/bits"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/money"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Fast path of Sum. Every shopspring operation allocates a big.Int, so Sum
// adds amounts as int64 counts of 10^-scale (the currency's minor unit)
// whenever a value fits, and falls back to decimals for the rest: a value
// with more decimals than the scale, a coefficient of more than 15 digits,
// or a running total that would overflow int64 (the int64 part is then
// moved into the decimal part). The result is exact either way, and it
// carries the exponent the all-decimal sum would have (the smallest
// exponent added), so String, StringFixed and Exponent agree with it.

// pow10 holds 10^0..10^18, every power of ten an int64 holds.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// maxFastDigits bounds the coefficients converted to int64: NumDigits is
// allocation-free up to 2^53, and 15 digits stay below it.
const maxFastDigits = 15

// scaleOf is the number of decimals the int64 part of a sum counts in.
func scaleOf(c Currency) int32 {
	if u, ok := money.Currency(c).MinorUnits(); ok {
		return u
	}
	return 4
}

// toMinor returns d as a count of 10^-scale and d's exponent, or ok false
// when it does not fit an int64 exactly.
func toMinor(d decimal.Decimal, scale int32) (v int64, exp int32, ok bool) {
	exp = d.Exponent()
	k := exp + scale
	if k < 0 || k > 18 {
		return 0, 0, false
	}
	if d.IsZero() { // also the zero Decimal, whose coefficient is nil
		return 0, exp, true
	}
	if d.NumDigits() > maxFastDigits {
		return 0, 0, false
	}
	c := d.CoefficientInt64()
	hi, lo := bits.Mul64(uint64(abs64(c)), uint64(pow10[k]))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, 0, false
	}
	if c < 0 {
		return -int64(lo), exp, true
	}
	return int64(lo), exp, true
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v // v > -10^15 here, so no overflow
	}
	return v
}

// minorSum is an exact running sum: n counts 10^-scale, rest holds what
// did not fit, minExp is the smallest exponent added (0 for none, like
// decimal.Zero).
type minorSum struct {
	scale  int32
	minExp int32
	n      int64
	rest   decimal.Decimal
}

// addMinor adds v (a count of 10^-scale) whose decimal had exponent exp.
func (s *minorSum) addMinor(v int64, exp int32) {
	s.minExp = min(s.minExp, exp)
	if t, ok := add64(s.n, v); ok {
		s.n = t
		return
	}
	// Overflow: move the int64 part into the decimal part, with exponent
	// minExp (n is a multiple of 10^(scale+minExp), or -scale when a value with
	// more decimals is already in rest) so that rest never has a smaller exponent than the values.
	e := max(s.minExp, -s.scale)
	s.rest = s.rest.Add(decimal.New(s.n/pow10[s.scale+e], e))
	s.n = v
}

// add adds a decimal, through int64 when it fits.
func (s *minorSum) add(d decimal.Decimal) {
	if v, exp, ok := toMinor(d, s.scale); ok {
		s.addMinor(v, exp)
		return
	}
	s.minExp = min(s.minExp, d.Exponent())
	s.rest = s.rest.Add(d)
}

// value returns the sum as a decimal with the exponent the decimal sum of
// the same values would have.
func (s *minorSum) value() decimal.Decimal {
	if s.minExp >= -s.scale {
		// Every value added had exponent >= minExp, so n is a multiple of
		// 10^(scale+minExp).
		return decimal.New(s.n/pow10[s.scale+s.minExp], s.minExp).Add(s.rest)
	}
	// Some value had more decimals than the scale: it is in rest, whose
	// exponent is then minExp.
	return decimal.New(s.n, -s.scale).Add(s.rest)
}

// add64 returns a+b and whether it did not overflow.
func add64(a, b int64) (int64, bool) {
	t := a + b
	return t, (a >= 0) != (b >= 0) || (t >= 0) == (a >= 0)
}

// sub64 returns a-b and whether it did not overflow.
func sub64(a, b int64) (int64, bool) {
	t := a - b
	return t, (a >= 0) == (b >= 0) || (t >= 0) == (a >= 0)
}

// minorOpen is an open balance in minor units and the exponent its decimal
// (Invoice.Open) would have.
type minorOpen struct {
	v   int64
	exp int32
}

// opensMinor computes Invoice.Open on days d1 and d2 in one pass over the
// payments and credits, in counts of 10^-scale; ok is false when a value
// does not fit (the caller then uses the decimal path for the invoice). It
// follows Invoice.Open term by term: amount less payments and credits dated
// on or before the day; the exponent is the smallest among the terms used
// (Amount's alone when there are none, as Open returns Amount as is).
func opensMinor(inv *dunning.Invoice, d1, d2 date.Date, scale int32) (o1, o2 minorOpen, ok bool) {
	a, e, ok := toMinor(inv.Amount, scale)
	if !ok {
		return o1, o2, false
	}
	o1, o2 = minorOpen{a, e}, minorOpen{a, e}
	sub := func(on date.Date, amt decimal.Decimal) bool {
		if on > d1 && on > d2 {
			return true
		}
		v, e, ok := toMinor(amt, scale)
		if !ok {
			return false
		}
		for _, o := range [2]struct {
			d date.Date
			o *minorOpen
		}{{d1, &o1}, {d2, &o2}} {
			if on <= o.d {
				if o.o.v, ok = sub64(o.o.v, v); !ok {
					return false
				}
				o.o.exp = min(o.o.exp, e)
			}
		}
		return true
	}
	for i := range inv.Payments {
		if !sub(inv.Payments[i].Date, inv.Payments[i].Amount) {
			return o1, o2, false
		}
	}
	for i := range inv.Credits {
		if !sub(inv.Credits[i].Date, inv.Credits[i].Amount) {
			return o1, o2, false
		}
	}
	return o1, o2, true
}

func newAcc(c Currency, p Period) *acc {
	sc := scaleOf(c)
	z := minorSum{scale: sc}
	return &acc{t: Totals{Currency: c, Period: p}, months: map[int]*MonthSales{},
		beginAR: z, endAR: z, endCurrent: z, sales: z, monthly: map[int]*minorSum{}, lastMonth: -1}
}

// month returns the sales sum of d's month, creating its MonthSales.
func (a *acc) month(d date.Date) *minorSum {
	y, m, _ := d.Date()
	k := y*12 + int(m) - 1
	if k == a.lastMonth {
		return a.lastSum
	}
	s := a.monthly[k]
	if s == nil {
		s = &minorSum{scale: a.beginAR.scale}
		a.monthly[k] = s
		a.months[k] = &MonthSales{Year: y, Month: int(m), Days: date.New(y, m, 1).LastDayOfMonth()}
	}
	a.lastMonth, a.lastSum = k, s
	return s
}

// addMinor adds one unconverted invoice in int64, as the decimal code of
// Sum would (arOn on From-1 and To, Amount when issued in the period); it
// returns false, having added nothing, when a value does not fit.
func (a *acc) addMinor(inv *dunning.Invoice, begin date.Date, p Period) bool {
	liveB, liveE := live(inv, begin), live(inv, p.To)
	sales := inv.Issued >= p.From && inv.Issued <= p.To
	if !liveB && !liveE && !sales {
		return true
	}
	ob, oe, ok := opensMinor(inv, begin, p.To, a.beginAR.scale)
	if !ok {
		return false
	}
	var amt minorOpen
	if sales {
		if amt.v, amt.exp, ok = toMinor(inv.Amount, a.sales.scale); !ok {
			return false
		}
	}
	if liveB && ob.v > 0 {
		a.beginAR.addMinor(ob.v, ob.exp)
	}
	if liveE && oe.v > 0 {
		a.endAR.addMinor(oe.v, oe.exp)
		if inv.Due >= p.To {
			a.endCurrent.addMinor(oe.v, oe.exp)
		}
	}
	if sales {
		a.sales.addMinor(amt.v, amt.exp)
		a.month(inv.Issued).addMinor(amt.v, amt.exp)
	}
	return true
}

// finish writes the sums into the Totals.
func (a *acc) finish() {
	a.t.BeginAR, a.t.EndAR, a.t.EndCurrent, a.t.Sales = a.beginAR.value(), a.endAR.value(), a.endCurrent.value(), a.sales.value()
	for k, s := range a.monthly {
		a.months[k].Sales = s.value()
	}
}
