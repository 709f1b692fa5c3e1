package money

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestRound(t *testing.T) {
	// Half away from zero at the ISO 4217 minor unit.
	cases := []struct {
		in   string
		cur  Currency
		want string
	}{
		{"12.345", "EUR", "12.35"},
		{"12.344", "EUR", "12.34"},
		{"-12.345", "EUR", "-12.35"},
		{"1234.5", "JPY", "1235"},
		{"1.2345", "KWD", "1.235"}, // KWD has 3 decimals
		{"0.005", "USD", "0.01"},
	}
	for _, c := range cases {
		got := New(d(c.in), c.cur).Round()
		if !got.Amount.Equal(d(c.want)) {
			t.Errorf("Round(%s %s) = %s, want %s", c.in, c.cur, got.Amount, c.want)
		}
	}
}

func TestParseAndString(t *testing.T) {
	for _, s := range []string{"12.30 EUR", "EUR 12.30", "12.3 EUR"} {
		m, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if got := m.String(); got != "EUR 12.30" {
			t.Errorf("Parse(%q).String() = %q, want EUR 12.30", s, got)
		}
	}
	for _, s := range []string{"", "12.30", "12.30 XXX", "abc EUR", "12.345 EUR", "1.5 JPY"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", s)
		}
	}
	if _, err := Parse("1 eur"); !errors.Is(err, ErrUnknownCurrency) {
		t.Errorf("lower-case code: err = %v, want ErrUnknownCurrency", err)
	}
}

func TestArithmeticRefusesMixedCurrencies(t *testing.T) {
	a, b := New(d("1"), "EUR"), New(d("1"), "USD")
	if _, err := a.Add(b); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Add: err = %v", err)
	}
	if _, err := a.Sub(b); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Sub: err = %v", err)
	}
	if _, err := Sum("EUR", a, b); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Sum: err = %v", err)
	}
	s, err := Sum("EUR", a, New(d("2.50"), "EUR"))
	if err != nil || !s.Amount.Equal(d("3.5")) {
		t.Errorf("Sum = %v, %v; want 3.50", s, err)
	}
}

func TestJSON(t *testing.T) {
	b, err := json.Marshal(New(d("12.3"), "EUR"))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"amount":"12.30","currency":"EUR"}` {
		t.Errorf("Marshal = %s", b)
	}
	var m Money
	if err := json.Unmarshal([]byte(`{"amount":12.5,"currency":"JPY"}`), &m); err == nil {
		t.Errorf("12.5 JPY accepted")
	}
	if err := json.Unmarshal([]byte(`{"amount":"7","currency":"JPY"}`), &m); err != nil || m.String() != "JPY 7" {
		t.Errorf("got %v, %v", m, err)
	}
	if err := json.Unmarshal([]byte(`{"amount":"7","currency":"JPY","x":1}`), &m); err == nil {
		t.Errorf("unknown field accepted")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	codes := []Currency{"EUR", "JPY", "KWD", "GBP"}
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.SampledFrom(codes).Draw(t, "cur")
		u, _ := c.MinorUnits()
		units := rapid.Int64Range(-1e12, 1e12).Draw(t, "units")
		m := New(decimal.New(units, -u), c)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !back.Equal(m) {
			t.Fatalf("round trip %v -> %s -> %v", m, b, back)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12.30 EUR", "EUR 1", "-0.001 KWD", "1e5 JPY", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(m.String())
		if err != nil || !back.Equal(m) {
			t.Fatalf("%q -> %v -> %v, %v", s, m, back, err)
		}
	})
}

// TestMinorUnitsEveryCode: MinorUnits against the ISO list itself for every
// string of three upper-case letters, and for codes one byte off the
// alphabet ('@' and '[' border 'A' and 'Z'), lower case, short and long.
func TestMinorUnitsEveryCode(t *testing.T) {
	known := 0
	for a := byte('@'); a <= '['; a++ {
		for b := byte('@'); b <= '['; b++ {
			for d := byte('@'); d <= '['; d++ {
				c := Currency([]byte{a, b, d})
				want, wantOK := minorUnits[c]
				if got, ok := c.MinorUnits(); got != want || ok != wantOK {
					t.Fatalf("%q.MinorUnits() = %d, %v; want %d, %v", c, got, ok, want, wantOK)
				}
				if wantOK {
					known++
				}
			}
		}
	}
	if known != len(minorUnits) || known != 156 {
		t.Errorf("%d codes known, want the list's %d (156)", known, len(minorUnits))
	}
	for _, c := range []Currency{"eur", "Eur", "EU", "EURO", "", "\xc3\x89UR", "E\x00R"} {
		if u, ok := c.MinorUnits(); ok || u != 0 {
			t.Errorf("%q.MinorUnits() = %d, %v; want 0, false", c, u, ok)
		}
	}
	for c, want := range map[Currency]int32{"EUR": 2, "JPY": 0, "BHD": 3, "KWD": 3, "XPF": 0, "AED": 2, "ZWG": 2} {
		if got, ok := c.MinorUnits(); got != want || !ok {
			t.Errorf("%q.MinorUnits() = %d, %v; want %d, true", c, got, ok, want)
		}
	}
}
