package metrics

import (
	"iter"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// MonthFigures are one month's figures for one currency.
type MonthFigures struct {
	Month           Period          `json:"month"`
	EndAR           decimal.Decimal `json:"end_ar"`
	Sales           decimal.Decimal `json:"sales"`
	DSO             decimal.Decimal `json:"dso"`
	BestPossibleDSO decimal.Decimal `json:"best_possible_dso"`
	CEI             decimal.Decimal `json:"cei"`
	// NoSales marks a month without credit sales: its DSO figures are zero.
	NoSales bool `json:"no_sales,omitempty"`
}

// Trend computes the period-method figures for every calendar month from
// the month of from to the month of to, per currency (or in target with
// fx). invs is iterated once per month.
func Trend(invs iter.Seq[dunning.Invoice], from, to date.Date, fx FX, target Currency) (map[Currency][]MonthFigures, error) {
	out := map[Currency][]MonthFigures{}
	y, m, _ := from.Date()
	for start := date.New(y, m, 1); start <= to; {
		sy, sm, _ := start.Date()
		end := date.New(sy, sm, start.LastDayOfMonth())
		p := Period{From: start, To: end}
		tots, err := Sum(invs, SumOptions{Period: p, FX: fx, Target: target})
		if err != nil {
			return nil, err
		}
		for c, t := range tots {
			f := MonthFigures{Month: p, EndAR: t.EndAR, Sales: t.Sales}
			if d, err := t.DSO(); err == nil {
				f.DSO = d
				f.BestPossibleDSO, _ = t.BestPossibleDSO()
			} else {
				f.NoSales = true
			}
			f.CEI, _ = t.CEI(SalesTotal)
			out[c] = append(out[c], f)
		}
		start = date.New(sy, sm+time.Month(1), 1)
	}
	return out, nil
}
