package dunning

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestReasonTextMatchesFmt checks the reason helpers against the fmt calls
// they replace: days of every year from before year 0 to past 9999, amounts
// with fewer, as many and more decimals than the places, zero, negative,
// with positive exponents and with long coefficients, and names that %q
// must escape.
func TestReasonTextMatchesFmt(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := date.Date(rapid.IntRange(-800_000, 4_000_000).Draw(t, "day"))
		if got, want := string(appendDay(nil, d)), d.String(); got != want {
			t.Fatalf("appendDay(%d) = %q, want %q", int(d), got, want)
		}
		places := rapid.Int32Range(0, 4).Draw(t, "places")
		var amt decimal.Decimal
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			amt = decimal.New(rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "c"), rapid.Int32Range(-6, 3).Draw(t, "e"))
		case 1:
			amt = decimal.New(rapid.Int64Range(1e14, 1e18).Draw(t, "c"), rapid.Int32Range(-4, 0).Draw(t, "e"))
		case 2:
			amt = decimal.Zero
		default:
			amt = decimal.New(rapid.Int64Range(-99, 99).Draw(t, "c"), -places)
		}
		if got, want := string(appendFixed(nil, amt, places)), amt.StringFixed(places); got != want {
			t.Fatalf("appendFixed(%s, %d) = %q, want %q", amt, places, got, want)
		}
		inv := &Invoice{Number: rapid.StringN(0, 12, -1).Draw(t, "number"), Due: d, Currency: Currency(rapid.StringN(0, 3, -1).Draw(t, "currency"))}
		// Names of plain ASCII (the fast path of appendQuoted) and with
		// every character %q escapes.
		name := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.RuneFrom([]rune("ab-1 \"\\\x7f\x1f\u00e9~"))))
		step, wf := name.Draw(t, "step"), name.Draw(t, "workflow")
		on := d + date.Date(rapid.IntRange(-100, 100).Draw(t, "on"))
		want := fmt.Sprintf("invoice %s (due %s, open %s %s): step %q of workflow %q fell due on %s", inv.Number, inv.Due, inv.Currency, amt.StringFixed(places), step, wf, on)
		if got := stepReason(inv, places, amt, step, wf, on); got != want {
			t.Fatalf("stepReason = %q, want %q", got, want)
		}
		want = fmt.Sprintf("invoice %s (due %s, open %s %s) is overdue and listed: no step of its own is due", inv.Number, inv.Due, inv.Currency, amt.StringFixed(places))
		if got := listedReason(inv, places, amt); got != want {
			t.Fatalf("listedReason = %q, want %q", got, want)
		}
	})
}

// TestAppendFixedEdges: appendFixed against StringFixed at the edges of its
// int64 path: coefficients around each power of ten from 10^13 to 10^20
// (beyond an int64), of either sign, at exponents 0 to -5 and places 0 to
// 5, so 15 digits before the point with 3 and 4 decimals both occur.
func TestAppendFixedEdges(t *testing.T) {
	ten := big.NewInt(10)
	for k := int64(13); k <= 20; k++ {
		for delta := int64(-1); delta <= 1; delta++ {
			for _, sign := range []int64{1, -1} {
				c := new(big.Int).Exp(ten, big.NewInt(k), nil)
				c.Add(c, big.NewInt(delta)).Mul(c, big.NewInt(sign))
				for exp := int32(0); exp >= -5; exp-- {
					d := decimal.NewFromBigInt(c, exp)
					for places := int32(0); places <= 5; places++ {
						if got, want := string(appendFixed(nil, d, places)), d.StringFixed(places); got != want {
							t.Fatalf("appendFixed(%se%d, %d) = %q, want %q", c, exp, places, got, want)
						}
					}
				}
			}
		}
	}
}
