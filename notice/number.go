package notice

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// crockford is Crockford's base-32 alphabet: digits and capitals without
// I, L, O and U, so a number read aloud or typed from paper survives.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// digitValue is each byte's value as a crockford digit, -1 for none (what
// strings.IndexByte(crockford, b) gives, without the search). Read-only.
var digitValue = func() (t [256]int8) {
	for i := range t {
		t[i] = int8(strings.IndexByte(crockford, byte(i)))
	}
	return t
}()

// NumberLen is the length of a notice number: nine base-32 digits (45 bits
// of the key's SHA-256) and one check digit.
const NumberLen = 10

// NumberFor returns the notice number of an idempotency key: what the
// customer sees as the notice's reference and quotes when paying. It is
// stable (the same key always gives the same number), opaque (a hash: no
// workflow, segment, step or customer name can be read from it) and
// checksummed (Luhn mod 32: any one mistyped character is detected, and
// any swap of two adjacent characters but "0Z" and "Z0"). Two keys share a number with
// probability 2^-45 per pair, so a number finds its notice together with
// the customer; the key stays the identity inside the library.
func NumberFor(key string) string {
	var buf [128]byte // keys are shorter: no copy of the key on the heap
	sum := sha256.Sum256(append(buf[:0], key...))
	v := binary.BigEndian.Uint64(sum[:8]) >> (64 - 5*(NumberLen-1))
	b := make([]byte, NumberLen)
	for i := NumberLen - 2; i >= 0; i-- {
		b[i] = crockford[v&31]
		v >>= 5
	}
	b[NumberLen-1] = crockford[luhn32(b[:NumberLen-1], 2)]
	return string(b)
}

// luhn32 runs Luhn mod 32 over s from the right, the rightmost digit
// weighted first. With first = 2 it returns the check digit to append;
// with first = 1 over a number including its check digit it returns 0 for
// a valid number.
func luhn32(s []byte, first int) int {
	factor, sum := first, 0
	for i := len(s) - 1; i >= 0; i-- {
		a := factor * int(digitValue[s[i]])
		sum += a/32 + a%32
		factor = 3 - factor
	}
	if first == 2 {
		return (32 - sum%32) % 32
	}
	return sum % 32
}

// ParseNumber reads a notice number as a customer may write it (lower
// case, with spaces or hyphens, O for 0, I or L for 1) and returns it in
// its canonical form, or an error when it is not a notice number or its
// check digit does not match.
func ParseNumber(s string) (string, error) {
	var buf [NumberLen + 6]byte // a number as written fits: no buffer on the heap
	b, err := readNumber(s, buf[:0])
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// readNumber is ParseNumber appending the canonical digits to b.
func readNumber(s string, b []byte) ([]byte, error) {
	if canonical(s) {
		// Written as NumberFor writes it (every notice Plan builds): only
		// the check digit is left to test.
		b = append(b, s...)
		if luhn32(b[len(b)-NumberLen:], 1) != 0 {
			return nil, fmt.Errorf("notice: number %q: check digit does not match", s)
		}
		return b, nil
	}
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if r > 127 || digitValue[r] < 0 {
			return nil, fmt.Errorf("notice: number %q: character %q is not a base-32 digit", s, r)
		}
		b = append(b, byte(r))
	}
	if len(b) != NumberLen {
		return nil, fmt.Errorf("notice: number %q: want %d digits, have %d", s, NumberLen, len(b))
	}
	if luhn32(b, 1) != 0 {
		return nil, fmt.Errorf("notice: number %q: check digit does not match", s)
	}
	return b, nil
}

// canonical reports whether s is NumberLen crockford digits in their
// canonical form (upper case, no O, I or L, no separators).
func canonical(s string) bool {
	if len(s) != NumberLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if digitValue[s[i]] < 0 {
			return false
		}
	}
	return true
}

// maxReference is the length of a SEPA credit transfer's unstructured
// remittance information, the shortest common limit on a payment reference.
const maxReference = 140

// PaymentReference returns the reference a debtor quotes when paying a
// notice: its number followed by every invoice it covers ("K7M39QXR2A
// INV-1 INV-2"), or the number alone when the invoice numbers would make
// it longer than a SEPA transfer carries (140 characters).
func PaymentReference(number string, invoices []string) string {
	s := number
	for _, inv := range invoices {
		s += " " + inv
	}
	if len(s) > maxReference {
		return number
	}
	return s
}
