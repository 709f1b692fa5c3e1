package notice_test

import (
	"crypto/sha256"
	"math/big"
	"strings"
	"testing"
	"unicode"

	"github.com/overduehq/overdue/notice"
	"pgregory.net/rapid"
)

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// numberModel derives a notice number its own way: the first 45 bits of
// SHA-256 as a big integer written in base 32, then a Luhn mod 32 check
// digit computed left to right over the digits with the check position
// weighted 1 (the digit next to it weighted 2, alternating).
func numberModel(key string) string {
	sum := sha256.Sum256([]byte(key))
	v := new(big.Int).SetBytes(sum[:])
	v.Rsh(v, 256-45)
	digits := make([]int, 9)
	for i := 8; i >= 0; i-- {
		m := new(big.Int)
		v.DivMod(v, big.NewInt(32), m)
		digits[i] = int(m.Int64())
	}
	total := 0
	for i, d := range digits {
		w := 1
		if (9-i)%2 == 1 { // distance from the check digit odd: weight 2
			w = 2
		}
		p := d * w
		total += p/32 + p%32
	}
	check := (32 - total%32) % 32
	var b strings.Builder
	for _, d := range digits {
		b.WriteByte(alphabet[d])
	}
	b.WriteByte(alphabet[check])
	return b.String()
}

func TestNumberForMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		key := rapid.String().Draw(t, "key")
		got := notice.NumberFor(key)
		if want := numberModel(key); got != want {
			t.Fatalf("NumberFor(%q) = %s, model %s", key, got, want)
		}
		if got != notice.NumberFor(key) {
			t.Fatal("not stable")
		}
		if p, err := notice.ParseNumber(got); err != nil || p != got {
			t.Fatalf("ParseNumber(%s) = %s, %v", got, p, err)
		}
	})
}

// The number is opaque: none of the key's parts (customer, invoice,
// workflow, step) can be read from it, and it is short and typeable.
func TestNumberOpaque(t *testing.T) {
	key := "inv/c-bistro/inv-2001/high-risk/overdue-1/c0"
	n := notice.NumberFor(key)
	if len(n) != 10 {
		t.Fatalf("%q: length %d", n, len(n))
	}
	for _, part := range strings.Split(strings.ToUpper(key), "/") {
		for _, w := range strings.FieldsFunc(part, func(r rune) bool { return r == '-' }) {
			if len(w) >= 3 && strings.Contains(n, w) {
				t.Errorf("%s shows %q of the key", n, w)
			}
		}
	}
	for _, r := range n {
		if !strings.ContainsRune(alphabet, r) {
			t.Errorf("%s: %q is not a Crockford digit", n, r)
		}
	}
	if notice.NumberFor(key+"x") == n {
		t.Error("two keys, one number")
	}
}

// The check digit catches every single mistyped character and every swap
// of two adjacent different characters, on many numbers; what a customer
// may write (lower case, spaces, hyphens, O for 0, I or L for 1) parses.
func TestNumberCheckDigit(t *testing.T) {
	subs, swaps := 0, 0
	for k := range 300 {
		n := notice.NumberFor("key-" + strings.Repeat("x", k))
		for i := range len(n) {
			for _, r := range alphabet {
				if byte(r) == n[i] {
					continue
				}
				b := []byte(n)
				b[i] = byte(r)
				subs++
				if _, err := notice.ParseNumber(string(b)); err == nil {
					t.Fatalf("%s: substitution %s passes", n, b)
				}
			}
			if i+1 < len(n) && n[i] != n[i+1] {
				b := []byte(n)
				b[i], b[i+1] = b[i+1], b[i]
				if _, err := notice.ParseNumber(string(b)); err == nil {
					// Luhn mod 32 misses one swap only: digits 0 and Z (31).
					if !(strings.ContainsRune("0Z", rune(n[i])) && strings.ContainsRune("0Z", rune(n[i+1]))) {
						t.Fatalf("%s: transposition %s passes", n, b)
					}
				} else {
					swaps++
				}
			}
		}
	}
	if subs < 90000 || swaps < 2000 {
		t.Errorf("only %d substitutions and %d swaps tried", subs, swaps)
	}
	n := notice.NumberFor("k")
	loose := strings.ToLower(n[:4] + " - " + n[4:])
	loose = strings.NewReplacer("0", "o", "1", "l").Replace(loose)
	if p, err := notice.ParseNumber(loose); err != nil || p != n {
		t.Errorf("ParseNumber(%q) = %q, %v; want %s", loose, p, err, n)
	}
	for _, bad := range []string{"", "ABC", n + "0", "ÄBCDEFGHJK", "UUUUUUUUUU"} {
		if _, err := notice.ParseNumber(bad); err == nil {
			t.Errorf("ParseNumber(%q) passes", bad)
		}
	}
}

// FuzzParseNumber reads what a customer may type as a notice number. It
// never panics; a number it accepts is canonical (ten Crockford digits
// that ParseNumber returns unchanged), has one digit for each character
// typed other than a space or a hyphen, and maps each of them as the doc
// says: the same digit upper-cased, O as 0, I or L as 1.
func FuzzParseNumber(f *testing.F) {
	n := notice.NumberFor("inv/c1/i1/standard/due+14/c0")
	for _, s := range []string{n, strings.ToLower(n), n[:4] + " - " + n[4:], "oooooooooo", "", "ÄBCDEFGHJK", n + "0", "ıIlL0Oo--  "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := notice.ParseNumber(s)
		if err != nil {
			if got != "" {
				t.Fatalf("ParseNumber(%q) = %q with error %v", s, got, err)
			}
			return
		}
		if len(got) != notice.NumberLen {
			t.Fatalf("ParseNumber(%q) = %q: %d characters", s, got, len(got))
		}
		if again, err := notice.ParseNumber(got); err != nil || again != got {
			t.Fatalf("ParseNumber(%q) = %q, %v: not canonical", got, again, err)
		}
		var typed []rune
		for _, r := range s {
			if r != ' ' && r != '-' {
				typed = append(typed, r)
			}
		}
		if len(typed) != len(got) {
			t.Fatalf("ParseNumber(%q) = %q from %d characters", s, got, len(typed))
		}
		for i, r := range typed {
			want := unicode.ToUpper(r)
			switch want {
			case 'O':
				want = '0'
			case 'I', 'L':
				want = '1'
			}
			if rune(got[i]) != want || !strings.ContainsRune(alphabet, want) {
				t.Fatalf("ParseNumber(%q) = %q: character %d %q read as %q", s, got, i, r, got[i])
			}
		}
	})
}

func TestPaymentReference(t *testing.T) {
	if got := notice.PaymentReference("5KQ9MJVNK1", []string{"INV-1", "INV-2"}); got != "5KQ9MJVNK1 INV-1 INV-2" {
		t.Errorf("got %q", got)
	}
	// 20 invoice numbers of 9 characters: 10 + 20 x 10 = 210 > 140, the
	// number alone.
	many := make([]string, 20)
	for i := range many {
		many[i] = "INV-10000"
	}
	if got := notice.PaymentReference("5KQ9MJVNK1", many); got != "5KQ9MJVNK1" {
		t.Errorf("long: %q", got)
	}
	// 13 of them: 10 + 130 = 140, still fits.
	if got := notice.PaymentReference("5KQ9MJVNK1", many[:13]); len(got) != 140 {
		t.Errorf("13 invoices: %d characters", len(got))
	}
}

// BenchmarkParseNumber reads a number as NumberFor writes it (canonical:
// every notice Plan validates) and as a customer may write it (loose: lower
// case with a hyphen, the general path), the baseline in the same run.
func BenchmarkParseNumber(b *testing.B) {
	n := notice.NumberFor("inv/c1/i1/standard/due+14/c0")
	loose := strings.ToLower(n[:5] + "-" + n[5:])
	for _, tc := range []struct{ name, s string }{{"canonical", n}, {"loose", loose}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if p, err := notice.ParseNumber(tc.s); err != nil || p != n {
					b.Fatal(p, err)
				}
			}
		})
	}
}
