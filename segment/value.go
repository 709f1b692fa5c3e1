package segment

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Kind is the type of an attribute value.
type Kind uint8

const (
	// KindString is text.
	KindString Kind = iota + 1
	// KindNumber is an exact decimal number.
	KindNumber
	// KindDate is a civil date.
	KindDate
	// KindBool is true or false.
	KindBool
)

var kindNames = [...]string{"", "string", "number", "date", "bool"}

// String returns "string", "number", "date" or "bool".
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) {
	if k == 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("segment: invalid kind %d", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i := 1; i < len(kindNames); i++ {
		if string(b) == kindNames[i] {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown kind %q: want string, number, date or bool", b)
}

// Value is one typed attribute value. The zero Value has no kind.
type Value struct {
	kind Kind
	s    string
	n    decimal.Decimal
	d    date.Date
	b    bool
}

// String returns a string value.
func String(s string) Value { return Value{kind: KindString, s: s} }

// Number returns a number value.
func Number(d decimal.Decimal) Value { return Value{kind: KindNumber, n: d} }

// Int returns a whole-number value.
func Int(n int64) Value { return Value{kind: KindNumber, n: decimal.NewFromInt(n)} }

// Date returns a date value.
func Date(d date.Date) Value { return Value{kind: KindDate, d: d} }

// Bool returns a boolean value.
func Bool(b bool) Value { return Value{kind: KindBool, b: b} }

// Kind returns the value's kind (0 for the zero Value).
func (v Value) Kind() Kind { return v.kind }

// Str returns a string value's text.
func (v Value) Str() string { return v.s }

// Num returns a number value's number.
func (v Value) Num() decimal.Decimal { return v.n }

// Day returns a date value's date.
func (v Value) Day() date.Date { return v.d }

// Truth returns a bool value's truth.
func (v Value) Truth() bool { return v.b }

// String renders the value: strings quoted, numbers and dates plain.
func (v Value) String() string {
	switch v.kind {
	case KindString:
		return fmt.Sprintf("%q", v.s)
	case KindNumber:
		return v.n.String()
	case KindDate:
		return v.d.String()
	case KindBool:
		return fmt.Sprint(v.b)
	}
	return "<none>"
}

// Equal reports whether two values have the same kind and value (numbers
// by value: 10 equals 10.00).
func (v Value) Equal(o Value) bool {
	if v.kind != o.kind {
		return false
	}
	switch v.kind {
	case KindString:
		return v.s == o.s
	case KindNumber:
		return v.n.Equal(o.n)
	case KindDate:
		return v.d == o.d
	case KindBool:
		return v.b == o.b
	}
	return true
}

// cmp orders two values of one orderable kind (number or date).
func (v Value) cmp(o Value) (int, bool) {
	if v.kind != o.kind {
		return 0, false
	}
	switch v.kind {
	case KindNumber:
		return v.n.Cmp(o.n), true
	case KindDate:
		switch {
		case v.d < o.d:
			return -1, true
		case v.d > o.d:
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// MarshalJSON writes strings as JSON strings, numbers as JSON numbers,
// bools as bools and dates as {"date":"2026-01-31"}.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.kind {
	case KindString:
		return json.Marshal(v.s)
	case KindNumber:
		return []byte(v.n.String()), nil
	case KindDate:
		return []byte(`{"date":"` + v.d.String() + `"}`), nil
	case KindBool:
		return json.Marshal(v.b)
	}
	return nil, fmt.Errorf("segment: cannot marshal a value without a kind")
}

// UnmarshalJSON reads what MarshalJSON writes. A number keeps its exact
// decimal digits.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return fmt.Errorf("empty value")
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = String(s)
	case 't', 'f':
		var x bool
		if err := json.Unmarshal(b, &x); err != nil {
			return err
		}
		*v = Bool(x)
	case '{':
		var x struct {
			Date string `json:"date"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&x); err != nil {
			return fmt.Errorf("a value object must be {\"date\":\"YYYY-MM-DD\"}: %v", err)
		}
		d, err := date.ParseISO(x.Date)
		// ParseISO rolls 2026-02-30 over into March; only a real day passes.
		if err != nil || d.String() != x.Date {
			return fmt.Errorf("date %q is not YYYY-MM-DD", x.Date)
		}
		*v = Date(d)
	case 'n':
		return fmt.Errorf("null is not a value")
	default:
		if len(b) > 64 {
			return fmt.Errorf("number %.20s... is too long", b)
		}
		n, err := decimal.NewFromString(string(b))
		if err != nil {
			return fmt.Errorf("%s is not a number", b)
		}
		if why := exponentProblem(n); why != "" {
			return fmt.Errorf("number %s %s", b, why)
		}
		*v = Number(n)
	}
	return nil
}

// Subject exposes a customer's attributes to the rules.
type Subject interface {
	Attr(name string) (Value, bool)
}

// Attrs is a Subject backed by a map.
type Attrs map[string]Value

// Attr implements Subject.
func (a Attrs) Attr(name string) (Value, bool) {
	v, ok := a[name]
	return v, ok
}

// MaxExponent bounds a number's decimal exponent in a rule: no more than
// the 64 characters a number may be written with can reach plainly.
// Comparing 1e999999999, which parses at once, with 5 would build a
// billion-digit integer.
const MaxExponent = 64

// exponentProblem says why n's exponent is out of bounds, or "".
func exponentProblem(n decimal.Decimal) string {
	if e := n.Exponent(); e > MaxExponent || e < -MaxExponent {
		return fmt.Sprintf("has the exponent %d, beyond ±%d", e, MaxExponent)
	}
	return ""
}
