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
// "en-US" and "en_us", "AT" for "de-Latn-AT", "" when there is none.
func region(l string) string {
	parts := strings.FieldsFunc(strings.TrimSpace(l), func(r rune) bool { return r == '-' || r == '_' })
	for _, p := range parts[min(1, len(parts)):] {
		if len(p) == 2 || (len(p) == 3 && p[0] >= '0' && p[0] <= '9') {
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
	l := localeOf(lang)
	if l.currencyLast {
		return l.number(amount, minorUnits) + " " + currency
	}
	return currency + " " + l.number(amount, minorUnits)
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
	if d == 0 {
		return ""
	}
	l := localeOf(lang)
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
