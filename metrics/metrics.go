package metrics

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/money"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 code.
type Currency = dunning.Currency

// FX converts amount from one currency to another on a day; the app supplies
// it. Metrics convert each invoice's figures on the day being measured.
type FX func(amount decimal.Decimal, from, to Currency, on date.Date) (decimal.Decimal, error)

// ErrNoSales is returned by DSO figures over a period without credit sales.
var ErrNoSales = errors.New("metrics: no credit sales in the period")

// The precision of every ratio, stated once: figures in days (DSO in all
// its methods, best possible DSO, average days delinquent, days to pay,
// days late, time to collect) and in percent (CEI) have DayPlaces
// decimals; shares between 0 and 1 (paid share, open rate, on-time share,
// share at risk) have SharePlaces, which is DayPlaces in percent. Each is
// rounded once, half away from zero, by the division that makes it.
const (
	DayPlaces   = 2
	SharePlaces = 4
)

// workPlaces is the precision of intermediate terms, well beyond what a
// figure shows.
const workPlaces = 8

// ratio is num / den rounded to places decimals, half away from zero: the
// one rounding of every ratio in the package.
func ratio(num, den decimal.Decimal, places int32) decimal.Decimal {
	return num.DivRound(den, places)
}

// LowSalesShare is the threshold below which a period's credit sales are
// too small for a meaningful DSO: sales under this share (a tenth) of the
// receivables at the period's end, so that DSO exceeds ten times the
// period's length. The figure then says the period sold little (a
// quarter with one small invoice against a year of old debt), not how fast
// customers pay; Totals.LowSales flags it.
const LowSalesShare = "0.1"

// Period is an inclusive range of days.
type Period struct{ From, To date.Date }

// Days returns To-From+1.
func (p Period) Days() int { return int(p.To-p.From) + 1 }

func (p Period) check() error {
	if p.From == 0 || p.To == 0 || p.To < p.From {
		return fmt.Errorf("metrics: period %s..%s: want From <= To, both set", p.From, p.To)
	}
	return nil
}

// live reports whether the invoice is a receivable on day d.
func live(inv *dunning.Invoice, d date.Date) bool {
	return inv.Issued <= d && (inv.WrittenOff == 0 || inv.WrittenOff > d)
}

// arOn returns the open balance counted in AR on day d (zero if none).
func arOn(inv *dunning.Invoice, d date.Date) decimal.Decimal {
	if !live(inv, d) {
		return decimal.Zero
	}
	o := inv.Open(d)
	if o.Sign() <= 0 {
		return decimal.Zero
	}
	return o
}

// Totals are the sums the DSO family is computed from, for one currency.
type Totals struct {
	Currency     Currency        `json:"currency"`
	Period       Period          `json:"period"`
	BeginAR      decimal.Decimal `json:"begin_ar"`    // AR(From-1)
	EndAR        decimal.Decimal `json:"end_ar"`      // AR(To)
	EndCurrent   decimal.Decimal `json:"end_current"` // not yet due on To
	Sales        decimal.Decimal `json:"sales"`       // issued From..To
	MonthlySales []MonthSales    `json:"monthly_sales"`
	// LowSales warns that Sales are too small for a meaningful DSO: below
	// LowSalesShare (a tenth) of EndAR, so DSO exceeds ten times the
	// period's days. The DSO figures are still computed; show them with
	// the warning, or measure over a longer period.
	LowSales bool `json:"low_sales,omitempty"`
}

// MonthSales is one calendar month's credit sales (for countback).
type MonthSales struct {
	Year  int             `json:"year"`
	Month int             `json:"month"`
	Days  int             `json:"days"` // the month's actual length
	Sales decimal.Decimal `json:"sales"`
}

type acc struct {
	t      Totals
	months map[int]*MonthSales // key year*12+month-1
	// Exact int64 sums (fastsum.go), written into t when the stream ends.
	beginAR, endAR, endCurrent, sales minorSum
	monthly                           map[int]*minorSum
	lastMonth                         int // key of lastSum, to skip the map lookup
	lastSum                           *minorSum
}

// SumOptions say what Sum measures. Period is required; the zero value
// of the rest means totals per currency.
type SumOptions struct {
	// Period is the range of days measured.
	Period Period
	// FX, when set, converts every amount to Target on the day it is
	// measured, and Sum returns one Totals, keyed by Target.
	FX     FX
	Target Currency
}

// Sum streams invoices once and returns the totals per currency (or, with
// opts.FX and opts.Target, one Totals in that currency).
func Sum(invs iter.Seq[dunning.Invoice], opts SumOptions) (map[Currency]*Totals, error) {
	p, fx, target := opts.Period, opts.FX, opts.Target
	if err := p.check(); err != nil {
		return nil, err
	}
	if fx != nil && target == "" {
		return nil, errors.New("metrics: SumOptions.FX needs a Target currency")
	}
	accs := map[Currency]*acc{}
	begin := p.From - 1
	var a *acc // the last currency's accumulator: streams are mostly one currency
	for inv := range items(invs) {
		cur := inv.Currency
		conv := func(a decimal.Decimal, on date.Date) (decimal.Decimal, error) {
			if fx == nil || cur == target || a.IsZero() {
				return a, nil
			}
			return fx(a, cur, target, on)
		}
		key := cur
		if fx != nil {
			key = target
		}
		if a == nil || a.t.Currency != key {
			if a = accs[key]; a == nil {
				a = newAcc(key, p)
				accs[key] = a
			}
		}
		if (fx == nil || cur == target) && a.addMinor(&inv, begin, p) {
			continue // no conversion and every amount fitted int64
		}
		if v := arOn(&inv, begin); v.Sign() > 0 {
			c, err := conv(v, begin)
			if err != nil {
				return nil, err
			}
			a.beginAR.add(c)
		}
		if v := arOn(&inv, p.To); v.Sign() > 0 {
			c, err := conv(v, p.To)
			if err != nil {
				return nil, err
			}
			a.endAR.add(c)
			if inv.Due >= p.To {
				a.endCurrent.add(c)
			}
		}
		if inv.Issued >= p.From && inv.Issued <= p.To {
			c, err := conv(inv.Amount, inv.Issued)
			if err != nil {
				return nil, err
			}
			a.sales.add(c)
			a.month(inv.Issued).add(c)
		}
	}
	out := make(map[Currency]*Totals, len(accs))
	for k, a := range accs {
		a.finish()
		// Every month of the period appears, with zero sales if none.
		fy, fm, _ := p.From.Date()
		ty, tm, _ := p.To.Date()
		for m := fy*12 + int(fm) - 1; m <= ty*12+int(tm)-1; m++ {
			if ms, ok := a.months[m]; ok {
				a.t.MonthlySales = append(a.t.MonthlySales, *ms)
			} else {
				y, mo := m/12, m%12+1
				a.t.MonthlySales = append(a.t.MonthlySales, MonthSales{Year: y, Month: mo, Days: date.New(y, time.Month(mo), 1).LastDayOfMonth()})
			}
		}
		t := a.t
		t.LowSales = t.Sales.Sign() > 0 && t.Sales.Cmp(t.EndAR.Mul(decimal.RequireFromString(LowSalesShare))) < 0
		out[k] = &t
	}
	return out, nil
}

func days(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }

// DSO is the period method: EndAR / Sales x days, to DayPlaces decimals.
// Check t.LowSales before reading much into it.
func (t *Totals) DSO() (decimal.Decimal, error) {
	if t.Sales.Sign() <= 0 {
		return decimal.Zero, ErrNoSales
	}
	return ratio(t.EndAR.Mul(days(t.Period.Days())), t.Sales, DayPlaces), nil
}

// DSOAverage is the average-receivables method: (BeginAR+EndAR)/2 / Sales x days.
func (t *Totals) DSOAverage() (decimal.Decimal, error) {
	if t.Sales.Sign() <= 0 {
		return decimal.Zero, ErrNoSales
	}
	avg := t.BeginAR.Add(t.EndAR)
	return ratio(avg.Mul(days(t.Period.Days())), t.Sales.Mul(decimal.NewFromInt(2)), DayPlaces), nil
}

// BestPossibleDSO is EndCurrent / Sales x days.
func (t *Totals) BestPossibleDSO() (decimal.Decimal, error) {
	if t.Sales.Sign() <= 0 {
		return decimal.Zero, ErrNoSales
	}
	return ratio(t.EndCurrent.Mul(days(t.Period.Days())), t.Sales, DayPlaces), nil
}

// AverageDaysDelinquent is DSO - BestPossibleDSO, computed as one ratio,
// (EndAR - EndCurrent) / Sales x days, so that it is rounded once.
func (t *Totals) AverageDaysDelinquent() (decimal.Decimal, error) {
	if t.Sales.Sign() <= 0 {
		return decimal.Zero, ErrNoSales
	}
	return ratio(t.EndAR.Sub(t.EndCurrent).Mul(days(t.Period.Days())), t.Sales, DayPlaces), nil
}

// MonthLength chooses actual month lengths or 30-day months for countback.
type MonthLength int

const (
	// ActualMonths counts each month's real number of days.
	ActualMonths MonthLength = iota
	// ThirtyDayMonths counts every month as 30 days.
	ThirtyDayMonths
)

// DSOCountback is the countback (exhaustion) method over the period's
// calendar months, the last month first. A month the period covers whole
// counts its days (actual length, or 30 with ThirtyDayMonths); a first or
// last month the period covers only in part counts the days it covers,
// under either convention, since its sales are only those days' sales.
// exhausted is false when AR is larger than all the period's sales: the
// result is then the period's total days, a lower bound, and a longer
// period is needed to measure it.
func (t *Totals) DSOCountback(ml MonthLength) (dso decimal.Decimal, exhausted bool) {
	rest := t.EndAR
	total := decimal.Zero
	for i := len(t.MonthlySales) - 1; i >= 0; i-- {
		m := t.MonthlySales[i]
		first := date.New(m.Year, time.Month(m.Month), 1)
		whole := first.LastDayOfMonth()
		n := whole
		if t.Period.check() == nil {
			n = int(min(first+date.Date(whole)-1, t.Period.To)-max(first, t.Period.From)) + 1
		}
		if ml == ThirtyDayMonths && n == whole {
			n = 30
		}
		if rest.Sign() <= 0 {
			return total, true
		}
		if rest.Cmp(m.Sales) >= 0 {
			rest = rest.Sub(m.Sales)
			total = total.Add(days(n))
			continue
		}
		return total.Add(ratio(rest.Mul(days(n)), m.Sales, DayPlaces)), true
	}
	if rest.Sign() > 0 {
		return days(t.Period.Days()), false
	}
	return total, true
}

// CEIConvention chooses the sales term of CEI.
type CEIConvention int

const (
	// SalesTotal uses the period's total credit sales.
	SalesTotal CEIConvention = iota
	// SalesPerMonth uses the period's average monthly credit sales.
	SalesPerMonth
)

// CEI is the collection effectiveness index in percent, to DayPlaces
// decimals.
func (t *Totals) CEI(c CEIConvention) (decimal.Decimal, error) {
	sales := t.Sales
	if c == SalesPerMonth {
		if len(t.MonthlySales) == 0 {
			return decimal.Zero, ErrNoSales
		}
		sales = ratio(sales, decimal.NewFromInt(int64(len(t.MonthlySales))), workPlaces)
	}
	num := t.BeginAR.Add(sales).Sub(t.EndAR)
	den := t.BeginAR.Add(sales).Sub(t.EndCurrent)
	if den.Sign() == 0 {
		return decimal.Zero, errors.New("metrics: CEI undefined: nothing was collectible")
	}
	return ratio(num.Mul(decimal.NewFromInt(100)), den, DayPlaces), nil
}

// AgingBasis chooses what aging counts days from.
type AgingBasis int

const (
	// ByDueDate ages by days past due; not yet due is "current".
	ByDueDate AgingBasis = iota
	// ByInvoiceDate ages by days since issue.
	ByInvoiceDate
)

// Bucket is one aging bucket: days in [Lo, Hi] (Hi -1: no upper end);
// Current marks the not-yet-due bucket of ByDueDate aging.
type Bucket struct {
	Label   string          `json:"label"`
	Lo, Hi  int             `json:"-"`
	Current bool            `json:"current,omitempty"`
	Amount  decimal.Decimal `json:"amount"`
	Count   int             `json:"count"`
}

// Aging is the aging report of one currency.
type Aging struct {
	Currency Currency        `json:"currency"`
	AsOf     date.Date       `json:"as_of"`
	Buckets  []Bucket        `json:"buckets"`
	Total    decimal.Decimal `json:"total"`
}

// DefaultEdges returns the usual 30/60/90 bucket edges.
func DefaultEdges() []int { return []int{30, 60, 90} }

// AgingReport buckets the open balances on asOf, an invoice with a
// Schedule per instalment (each by its own due date, counted once each). Edges are the upper ends of
// the buckets in days, ascending: {30, 60, 90} gives 1-30, 31-60, 61-90, 91+
// (and "current" for ByDueDate, or 0-30 ... for ByInvoiceDate).
func AgingReport(invs iter.Seq[dunning.Invoice], asOf date.Date, edges []int, basis AgingBasis) (map[Currency]*Aging, error) {
	if !slices.IsSorted(edges) || len(edges) == 0 || edges[0] < 0 {
		return nil, fmt.Errorf("metrics: aging edges %v: want ascending non-negative numbers", edges)
	}
	for i := 1; i < len(edges); i++ {
		if edges[i] == edges[i-1] {
			return nil, fmt.Errorf("metrics: aging edges %v: %d repeats", edges, edges[i])
		}
	}
	proto := bucketsFor(edges, basis)
	out := map[Currency]*Aging{}
	for inv := range items(invs) {
		v := arOn(&inv, asOf)
		if v.Sign() <= 0 {
			continue
		}
		a := out[inv.Currency]
		if a == nil {
			a = &Aging{Currency: inv.Currency, AsOf: asOf, Buckets: slices.Clone(proto)}
			out[inv.Currency] = a
		}
		n := int(asOf - inv.Issued)
		if basis == ByDueDate {
			n = int(asOf - inv.Due)
		}
		i := bucketIndex(a.Buckets, n)
		a.Buckets[i].Amount = a.Buckets[i].Amount.Add(v)
		a.Buckets[i].Count++
		a.Total = a.Total.Add(v)
	}
	return out, nil
}

func bucketsFor(edges []int, basis AgingBasis) []Bucket {
	var bs []Bucket
	lo := 0
	if basis == ByDueDate {
		bs = append(bs, Bucket{Label: "current", Lo: -1 << 31, Hi: 0, Current: true})
		lo = 1
	}
	for _, e := range edges {
		if e < lo {
			continue
		}
		bs = append(bs, Bucket{Label: fmt.Sprintf("%d-%d", lo, e), Lo: lo, Hi: e})
		lo = e + 1
	}
	bs = append(bs, Bucket{Label: fmt.Sprintf("%d+", lo), Lo: lo, Hi: -1})
	return bs
}

func bucketIndex(bs []Bucket, n int) int {
	for i, b := range bs {
		if n >= b.Lo && (b.Hi < 0 || n <= b.Hi) {
			return i
		}
	}
	return len(bs) - 1
}

// Allowance is the allowance for doubtful accounts: each bucket's amount
// times its loss rate (percent, one per bucket, same order), the sum
// rounded by money.Money.Round (half away from zero to the currency's minor
// unit; 2 digits for an unknown code).
func (a *Aging) Allowance(ratesPercent []decimal.Decimal) (decimal.Decimal, error) {
	if len(ratesPercent) != len(a.Buckets) {
		return decimal.Zero, fmt.Errorf("metrics: allowance: %d rates for %d buckets", len(ratesPercent), len(a.Buckets))
	}
	total := decimal.Zero
	for i, b := range a.Buckets {
		total = total.Add(b.Amount.Mul(ratesPercent[i]).Div(decimal.NewFromInt(100)))
	}
	return money.New(total, a.Currency).Round().Amount, nil
}
