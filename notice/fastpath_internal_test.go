package notice

import (
	"slices"
	"strings"
	"testing"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// drawAmount draws amounts through every branch of minorSum: ordinary
// minor-unit amounts, zeros with odd exponents, more decimals than the
// minor unit (decimal fallback), coefficients of more than 15 digits
// (fallback) and values near 9·10^18 minor units whose sums overflow int64.
func drawAmount(t *rapid.T, u int32, label string) decimal.Decimal {
	kinds := []func() decimal.Decimal{
		func() decimal.Decimal { return decimal.New(rapid.Int64Range(-1000, 100_000).Draw(t, label+"c"), -2) },
		func() decimal.Decimal { return decimal.New(0, rapid.Int32Range(-6, 3).Draw(t, label+"zexp")) },
		func() decimal.Decimal {
			return decimal.New(rapid.Int64Range(-99_999, 999_999).Draw(t, label+"c"), rapid.Int32Range(-5, -3).Draw(t, label+"e"))
		},
		func() decimal.Decimal {
			return decimal.New(rapid.Int64Range(1e15, 1e18).Draw(t, label+"c"), rapid.Int32Range(-3, 2).Draw(t, label+"e"))
		},
		// ±5·10^18 to ±9·10^18 minor units: any two of one sign overflow
		// int64.
		func() decimal.Decimal {
			c := rapid.Int64Range(5, 9).Draw(t, label+"c")
			if rapid.Bool().Draw(t, label+"neg") {
				c = -c
			}
			return decimal.New(c, 18-u)
		},
		func() decimal.Decimal {
			return decimal.New(rapid.Int64Range(1, 5000).Draw(t, label+"c"), rapid.Int32Range(-1, 1).Draw(t, label+"e"))
		},
	}
	return kinds[rapid.IntRange(0, len(kinds)-1).Draw(t, label+"kind")]()
}

// roundedSum is the definition the totals follow: the decimal sum from
// decimal.Zero, rounded half away from zero to u decimals.
func roundedSum(u int32, ds ...decimal.Decimal) decimal.Decimal {
	s := decimal.Zero
	for _, d := range ds {
		s = s.Add(d)
	}
	return s.Round(u)
}

// TestTotalsMatchDecimalSums checks the int64 path of a notice's totals
// against the decimal formula (sum from zero, each part rounded, parts
// added): value and exponent alike, for any mix of amounts, overflow
// included; and fits against d.Equal(d.Round(u)).
func TestTotalsMatchDecimalSums(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		u := rapid.Int32Range(0, 4).Draw(t, "minorUnits")
		n := &Notice{MinorUnits: u}
		draws := func(label string, most int) []decimal.Decimal {
			ds := make([]decimal.Decimal, rapid.IntRange(0, most).Draw(t, label+"s"))
			for k := range ds {
				ds[k] = drawAmount(t, u, label)
			}
			return ds
		}
		opens, fees, interest, unapplied := draws("open", 6), draws("fee", 4), draws("interest", 4), draws("unapplied", 3)
		for _, d := range opens {
			n.Lines = append(n.Lines, Line{Open: d})
		}
		for _, d := range fees {
			n.Fees = append(n.Fees, Charge{Amount: d})
		}
		for _, d := range interest {
			n.Interest = append(n.Interest, Charge{Amount: d})
		}
		for _, d := range unapplied {
			n.Unapplied = append(n.Unapplied, Unapplied{Amount: d})
		}
		same := func(what string, got, want decimal.Decimal) {
			if !got.Equal(want) || got.Exponent() != want.Exponent() {
				t.Fatalf("%s: %s (exp %d), want %s (exp %d)", what, got, got.Exponent(), want, want.Exponent())
			}
		}
		p, f, i, un := roundedSum(u, opens...), roundedSum(u, fees...), roundedSum(u, interest...), roundedSum(u, unapplied...)
		same("principal", n.Principal(), p)
		same("fees", n.FeeTotal(), f)
		same("interest", n.InterestTotal(), i)
		same("unapplied", n.UnappliedTotal(), un)
		total := p.Add(f).Add(i)
		if len(unapplied) > 0 {
			total = total.Sub(un)
		}
		same("total", n.ComputeTotal(), total)
		n.Total = total
		if rapid.Bool().Draw(t, "otherTotal") {
			n.Total = drawAmount(t, u, "total")
		}
		if got, want := n.totalAddsUp(), n.Total.Equal(total) && n.Total.Equal(n.Total.Round(u)); got != want {
			t.Fatalf("totalAddsUp with total %s, sum %s: %v, want %v", n.Total, total, got, want)
		}
		for _, d := range append(opens, fees...) {
			if got, want := fits(d, u), d.Equal(d.Round(u)); got != want {
				t.Fatalf("fits(%s, %d) = %v, want %v", d, u, got, want)
			}
		}
	})
}

// TestTotalAddsUpOneLine: a notice of one line and nothing else, the
// planner's usual notice, totals its open balance: the total must be that
// balance to the cent, whatever the exponents (an exponent of -MinorUnits
// on both compares them at once; 1234.5 against 1234.50 takes the sums).
func TestTotalAddsUpOneLine(t *testing.T) {
	for _, tc := range []struct {
		open, total string
		want        bool
	}{
		{"1234.50", "1234.50", true},
		{"1234.50", "1234.51", false},
		{"1234.50", "1234.49", false},
		{"1234.50", "-1234.50", false},
		{"1234.50", "0.00", false},
		{"1234.5", "1234.50", true},
		{"1234.50", "1234.5", true},
		{"1234.50", "1234.500", true}, // a trailing zero
		{"1234.50", "1234.505", false},
	} {
		n := &Notice{MinorUnits: 2, Lines: []Line{{Open: decimal.RequireFromString(tc.open)}}, Total: decimal.RequireFromString(tc.total)}
		if got := n.totalAddsUp(); got != tc.want {
			t.Errorf("open %s, total %s: %v, want %v", tc.open, tc.total, got, tc.want)
		}
		n.Fees = []Charge{{Amount: decimal.RequireFromString("0.00")}} // the sums' way
		if got := n.totalAddsUp(); got != tc.want {
			t.Errorf("open %s, total %s, a zero fee: %v, want %v", tc.open, tc.total, got, tc.want)
		}
	}
}

// TestValidateAllocations: a valid notice is checked without allocating
// (no field paths built, totals compared in minor units, the number read
// into a buffer on the stack): Validate is on the planner's path for every
// notice.
func TestValidateAllocations(t *testing.T) {
	amt := decimal.New(123450, -2)
	n := &Notice{
		Key: "k", Number: NumberFor("k"), Date: 20000, Stage: OverdueNotice, Channel: Email, Language: "en",
		Creditor: Party{Name: "Creditor", Address: []string{"Street 1"}},
		Debtor:   Party{Name: "Debtor", Email: "d@example.com"},
		Currency: "EUR", MinorUnits: 2,
		Lines:   []Line{{Number: "INV-1", IssueDate: 19900, DueDate: 19930, Description: "Goods", Amount: amt, Open: amt}, {Number: "INV-2", IssueDate: 19900, DueDate: 19930, Description: "Goods", Amount: amt, Open: amt}},
		Fees:    []Charge{{Label: "fee", Amount: decimal.New(500, -2)}},
		Payment: Payment{IBAN: "DE89370400440532013000"},
		Earlier: []date.Date{19990},
	}
	n.Payment.Reference = PaymentReference(n.Number, []string{"INV-1", "INV-2"})
	n.Total = n.ComputeTotal()
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := testing.AllocsPerRun(100, func() { _ = n.Validate() }); got > 0 {
		t.Errorf("Validate of a valid notice: %v allocations, want none", got)
	}
}

// TestHasWordMatchesFields checks hasWord against the definition of a
// word of a payment reference: an element of strings.FieldsFunc split at
// spaces, commas, semicolons and slashes.
func TestHasWordMatchesFields(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alphabet := rapid.SampledFrom([]rune{'A', 'B', '1', ' ', ',', ';', '/', '-', 'é', '\xff'})
		ref := string(rapid.SliceOfN(alphabet, 0, 16).Draw(t, "ref"))
		w := string(rapid.SliceOfN(alphabet, 0, 3).Draw(t, "word"))
		words := strings.FieldsFunc(ref, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '/' })
		if got, want := hasWord(ref, w), slices.Contains(words, w); got != want {
			t.Fatalf("hasWord(%q, %q) = %v, want %v", ref, w, got, want)
		}
	})
}
