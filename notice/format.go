package notice

import (
	"strconv"
	"strings"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// baseLang returns the primary subtag: "de" for "de-AT".
func baseLang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		return l[:i]
	}
	return l
}

// region returns the region subtag of a BCP 47 tag, upper-cased: "US" for
// "en-US" and "en_us", "AT" for "de-Latn-AT", "" when there is none. The
// subtags are the tag's non-empty parts between '-' and '_', read in place
// (FormatMoney and FormatDate call it for every figure).
func region(l string) string {
	l = strings.TrimSpace(l)
	for first := true; l != ""; {
		p := l
		if i := strings.IndexAny(l, "-_"); i >= 0 {
			p, l = l[:i], l[i+1:]
		} else {
			l = ""
		}
		switch {
		case p == "":
		case first:
			first = false
		case len(p) == 2 || (len(p) == 3 && p[0] >= '0' && p[0] <= '9'):
			return strings.ToUpper(p)
		}
	}
	return ""
}

// locale is how numbers and dates are written for a language and region.
type locale struct {
	group, decimal string // digit group and decimal separators
	currencyLast   bool   // "1.234,56 EUR" rather than "EUR 1,234.56"
	months         [12]string
	dateStyle      int // 0 "24 November 2026", 1 "November 24, 2026", 2 "24. November 2026"
}

var monthsEN = [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// monthsDE returns the German month names; Austria says "Jänner".
func monthsDE(reg string) [12]string {
	m := [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}
	if reg == "AT" {
		m[0] = "Jänner"
	}
	return m
}

// localeOf returns the conventions of a language tag: German (Germany,
// Austria: "1.234,56 EUR", "24. November 2026"; Switzerland and
// Liechtenstein group with "’" and use a decimal point), US English
// ("EUR 1,234.56", "November 24, 2026") and every other English, and any
// other language, as British English ("EUR 1,234.56", "24 November 2026").
func localeOf(lang string) locale {
	reg := region(lang)
	switch baseLang(lang) {
	case "de":
		l := locale{group: ".", decimal: ",", currencyLast: true, months: monthsDE(reg), dateStyle: 2}
		if reg == "CH" || reg == "LI" {
			l.group, l.decimal = "’", "."
		}
		return l
	case "en":
		if reg == "US" || reg == "PH" {
			return locale{group: ",", decimal: ".", months: monthsEN, dateStyle: 1}
		}
	}
	return locale{group: ",", decimal: ".", months: monthsEN}
}

// groupDigits inserts sep every three digits of the integer part.
func groupDigits(intPart, sep string) string {
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// number writes a decimal with the locale's separators and exactly places
// fraction digits (rounded half away from zero).
func (l locale) number(d decimal.Decimal, places int32) string {
	var buf [48]byte
	return string(l.appendNumber(buf[:0], d, places))
}

// appendNumber appends number(d, places): from an int64 count of
// 10^-places where d rounds to one (every amount of a notice), else from
// StringFixed (numberFixed).
func (l locale) appendNumber(b []byte, d decimal.Decimal, places int32) []byte {
	n, ok := roundedCount(d, places)
	if !ok {
		return append(b, l.numberFixed(d, places)...)
	}
	u := uint64(n)
	if n < 0 {
		u = -u
		b = append(b, '-')
	}
	// The digits, at least places+1 of them (one before the separator).
	var dig [40]byte
	i := len(dig)
	for u > 0 || i > len(dig)-int(places)-1 {
		i--
		dig[i] = byte('0' + u%10)
		u /= 10
	}
	ds := dig[i:]
	intPart, frac := ds[:len(ds)-int(places)], ds[len(ds)-int(places):]
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b = append(b, l.group...)
		}
		b = append(b, c)
	}
	if len(frac) > 0 {
		b = append(b, l.decimal...)
		b = append(b, frac...)
	}
	return b
}

// pow10 are the powers of ten an int64 holds.
var pow10 = [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// roundedCount returns d rounded half away from zero to places decimals,
// as a count of 10^-places, or false when places is outside 0..18 or the
// count may not fit an int64.
func roundedCount(d decimal.Decimal, places int32) (int64, bool) {
	if places < 0 || places > 18 {
		return 0, false
	}
	if n, ok := minorOf(d, places); ok {
		return n, true
	}
	k := -(d.Exponent() + places) // decimals to drop; minorOf refused k < 0 only when d does not fit
	if k <= 0 || d.NumDigits() > 15 {
		return 0, false
	}
	if k > 18 { // |d| < 10^15 x 10^-places x 10^-19: rounds to zero
		return 0, true
	}
	c, div := d.CoefficientInt64(), pow10[k]
	q, r := c/div, c%div
	if r < 0 {
		r = -r
	}
	if 2*r >= div {
		if c < 0 {
			q--
		} else {
			q++
		}
	}
	return q, true
}

// numberFixed is number through StringFixed, for any decimal.
func (l locale) numberFixed(d decimal.Decimal, places int32) string {
	intPart, frac, _ := strings.Cut(d.StringFixed(places), ".")
	out := groupDigits(intPart, l.group)
	if frac != "" {
		out += l.decimal + frac
	}
	return out
}

// FormatMoney formats an amount with the currency's minor-unit digits for
// a language tag: German "1.234,56 EUR" (Swiss German "1’234.56 CHF"),
// otherwise "EUR 1,234.56".
func FormatMoney(lang string, amount decimal.Decimal, currency string, minorUnits int32) string {
	return localeOf(lang).money(amount, currency, minorUnits)
}

// money is FormatMoney in locale l.
func (l locale) money(amount decimal.Decimal, currency string, minorUnits int32) string {
	var buf [48]byte
	b := buf[:0]
	if !l.currencyLast {
		b = append(append(b, currency...), ' ')
	}
	b = l.appendNumber(b, amount, minorUnits)
	if l.currencyLast {
		b = append(append(b, ' '), currency...)
	}
	return string(b)
}

// FormatNumber formats a decimal with the locale's separators and the
// given number of fraction digits: "1,234.56" (en), "1.234,56" (de-DE).
func FormatNumber(lang string, d decimal.Decimal, places int32) string {
	return localeOf(lang).number(d, places)
}

// FormatDate formats a date for a language tag, month spelled out: German
// "24. November 2026" (Austrian "5. Jänner 2026"), US English "November 24,
// 2026", other English "24 November 2026". The zero date is "".
func FormatDate(lang string, d date.Date) string {
	return localeOf(lang).date(d)
}

// date is FormatDate in locale l.
func (l locale) date(d date.Date) string {
	if d == 0 {
		return ""
	}
	y, m, dd := d.Date()
	month, day, year := l.months[int(m)-1], strconv.Itoa(dd), strconv.Itoa(y)
	switch l.dateStyle {
	case 1:
		return month + " " + day + ", " + year
	case 2:
		return day + ". " + month + " " + year
	}
	return day + " " + month + " " + year
}

// FormatRate formats an annual percentage with the locale's decimal
// separator and the digits it has: "10.27 %" or "10,27 %".
func FormatRate(lang string, r decimal.Decimal) string {
	_, frac, _ := strings.Cut(r.String(), ".")
	return localeOf(lang).number(r, int32(len(frac))) + " %"
}

// Plural returns n and the word in the form that goes with n, for English
// and German (and every language whose only singular is exactly 1):
// Plural(1, "day", "days") is "1 day", Plural(14, "Tag", "Tage") is
// "14 Tage". Templates call it as {{plural .DaysOverdue "day" "days"}}.
func Plural(n int, one, other string) string {
	if n == 1 || n == -1 {
		return strconv.Itoa(n) + " " + one
	}
	return strconv.Itoa(n) + " " + other
}

// SameLanguage reports whether two language tags share their base
// language: "en" and "en-US" do, "de" and "en" do not.
func SameLanguage(a, b string) bool {
	return a != "" && baseLang(a) == baseLang(b)
}
