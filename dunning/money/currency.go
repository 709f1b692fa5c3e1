package money

import (
	"errors"
	"fmt"
)

// Currency is an ISO 4217 alphabetic currency code such as "EUR".
//
// The zero Currency is invalid. Use ParseCurrency to check a code coming from
// user data; a Currency built by conversion from a string is checked wherever
// it is used (Money.Validate, MinorUnits).
type Currency string

// ErrUnknownCurrency is returned (wrapped) for a code that is not an active ISO
// 4217 currency known to this package.
var ErrUnknownCurrency = errors.New("money: unknown currency")

// CurrencyError reports a currency code that cannot be used.
type CurrencyError struct {
	Code string // the code as given
}

// Error implements error.
func (e *CurrencyError) Error() string {
	return fmt.Sprintf("money: currency %q is not an ISO 4217 code known to overdue", e.Code)
}

// Unwrap lets errors.Is match ErrUnknownCurrency.
func (e *CurrencyError) Unwrap() error { return ErrUnknownCurrency }

// ParseCurrency checks that code is a known ISO 4217 code (upper case, as the
// standard writes it) and returns it as a Currency.
func ParseCurrency(code string) (Currency, error) {
	c := Currency(code)
	if _, ok := c.MinorUnits(); !ok {
		return "", &CurrencyError{Code: code}
	}
	return c, nil
}

// MinorUnits returns the number of digits after the decimal point of the
// currency's minor unit (2 for EUR, 0 for JPY, 3 for BHD) and whether the code
// is known.
func (c Currency) MinorUnits() (int32, bool) {
	i, ok := codeIndex(c)
	if !ok {
		return 0, false
	}
	if u := minorUnitsByCode[i]; u >= 0 {
		return int32(u), true
	}
	return 0, false
}

// codeIndex numbers the codes of three upper-case letters A-Z 0 to
// 26^3-1; any other string has none.
func codeIndex(c Currency) (int, bool) {
	if len(c) != 3 {
		return 0, false
	}
	a, b, d := c[0]-'A', c[1]-'A', c[2]-'A' // bytes below 'A' wrap past 25
	if a > 25 || b > 25 || d > 25 {
		return 0, false
	}
	return (int(a)*26+int(b))*26 + int(d), true
}

// minorUnitsByCode is minorUnits by codeIndex, -1 for unknown codes: an
// array lookup where the map would hash the code. It is built once from
// minorUnits and only read.
var minorUnitsByCode = func() (t [26 * 26 * 26]int8) {
	for i := range t {
		t[i] = -1
	}
	for c, u := range minorUnits {
		i, _ := codeIndex(c)
		t[i] = int8(u)
	}
	return t
}()

// String returns the code.
func (c Currency) String() string { return string(c) }

// minorUnits is the ISO 4217 list of active codes (amendment 176, 2024) with
// their minor units. It is read-only.
var minorUnits = map[Currency]int32{
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2, "AZN": 2,
	"BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2, "BOB": 2, "BRL": 2,
	"BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2, "CAD": 2, "CDF": 2, "CHF": 2, "CLP": 0, "CNY": 2,
	"COP": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2, "DJF": 0, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2,
	"ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2, "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2,
	"GNF": 0, "GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2,
	"IQD": 3, "IRR": 2, "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0,
	"KPW": 2, "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2,
	"LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2,
	"MVR": 2, "MWK": 2, "MXN": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2, "NOK": 2, "NPR": 2,
	"NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2, "PLN": 2, "PYG": 0, "QAR": 2,
	"RON": 2, "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2,
	"SHP": 2, "SLE": 2, "SOS": 2, "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2, "THB": 2,
	"TJS": 2, "TMT": 2, "TND": 3, "TOP": 2, "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0,
	"USD": 2, "UYU": 2, "UZS": 2, "VES": 2, "VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2, "XCG": 2,
	"XOF": 0, "XPF": 0, "YER": 2, "ZAR": 2, "ZMW": 2, "ZWG": 2,
}
