package notice

import (
	"strconv"
	"strings"
	"time"

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

// FormatMoney formats an amount with the currency's minor-unit digits for
// a language: German "1.234,56 EUR", otherwise "EUR 1,234.56".
func FormatMoney(lang string, amount decimal.Decimal, currency string, minorUnits int32) string {
	s := amount.StringFixed(minorUnits)
	intPart, frac, _ := strings.Cut(s, ".")
	if baseLang(lang) == "de" {
		out := groupDigits(intPart, ".")
		if frac != "" {
			out += "," + frac
		}
		return out + " " + currency
	}
	out := groupDigits(intPart, ",")
	if frac != "" {
		out += "." + frac
	}
	return currency + " " + out
}

// FormatDate formats a date for a language: German "31.01.2026", otherwise
// "31 January 2026".
func FormatDate(lang string, d date.Date) string {
	if d == 0 {
		return ""
	}
	if baseLang(lang) == "de" {
		return d.Format("02.01.2006")
	}
	y, m, dd := d.Date()
	return strconv.Itoa(dd) + " " + time.Month(m).String() + " " + strconv.Itoa(y)
}

// FormatRate formats an annual percentage: "10.5 %" or "10,5 %".
func FormatRate(lang string, r decimal.Decimal) string {
	s := r.String()
	if baseLang(lang) == "de" {
		s = strings.ReplaceAll(s, ".", ",")
	}
	return s + " %"
}
