package notice

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// TestNumberAsStringFixed: the int64 path of number writes, for any
// decimal (every branch of drawAmount: odd exponents, more decimals than
// asked, long coefficients, values near the int64 range), any number of
// places and every locale, what the StringFixed path writes.
func TestNumberAsStringFixed(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		places := rapid.Int32Range(-2, 20).Draw(t, "places")
		d := drawAmount(t, max(0, min(places, 4)), "d")
		if rapid.Bool().Draw(t, "near") { // halves and their neighbours at the rounding digit, zeros and signs around them
			k := rapid.Int32Range(1, 5).Draw(t, "k")
			c := rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "c")*pow10[k] + rapid.SampledFrom([]int64{-6, -5, -4, 0, 4, 5, 6}).Draw(t, "half")*pow10[k-1]
			d = decimal.New(c, -max(places, 0)-k)
		}
		l := localeOf(rapid.SampledFrom([]string{"en", "de", "de-CH", "en-US"}).Draw(t, "lang"))
		if got, want := l.number(d, places), l.numberFixed(d, places); got != want {
			t.Fatalf("number(%s, %d) = %q, StringFixed gives %q", d, places, got, want)
		}
	})
}

// TestRegionAsFields: region reads the tag as its definition does: the
// first part after the language, of strings.FieldsFunc split at '-' and
// '_', of two letters or three digits, upper-cased.
func TestRegionAsFields(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tag := string(rapid.SliceOfN(rapid.SampledFrom([]rune{'d', 'E', '-', '_', '4', ' ', 'é', '\xff'}), 0, 12).Draw(t, "tag"))
		want := ""
		parts := strings.FieldsFunc(strings.TrimSpace(tag), func(r rune) bool { return r == '-' || r == '_' })
		for _, p := range parts[min(1, len(parts)):] {
			if len(p) == 2 || (len(p) == 3 && p[0] >= '0' && p[0] <= '9') {
				want = strings.ToUpper(p)
				break
			}
		}
		if got := region(tag); got != want {
			t.Fatalf("region(%q) = %q, want %q", tag, got, want)
		}
	})
}
