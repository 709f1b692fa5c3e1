package dunning

import (
	"strconv"
	"strings"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"

	"github.com/overduehq/overdue/dunning/money"
)

// The planner writes a reason for every action it proposes. fmt, Date's
// String and Decimal's StringFixed allocate several times per value, and a
// plan of 25,000 actions writes 25,000 reasons, so the hot ones are
// appended to one buffer by the helpers below; each gives exactly what its
// fmt counterpart gives.

// appendDay appends d as Date.String writes it ("2026-05-01").
func appendDay(b []byte, d date.Date) []byte {
	y, mon, dd := d.Date()
	if y < 0 || y >= 10000 {
		return append(b, d.String()...) // a signed, longer year
	}
	m := int(mon)
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	return append(b, byte('0'+m/10), byte('0'+m%10), '-', byte('0'+dd/10), byte('0'+dd%10))
}

// fastDecimals is the most decimals appendFixed formats from the int64
// coefficient: MaxIntegerDigits plus these stay within 18 digits.
const fastDecimals = 18 - money.MaxIntegerDigits

// appendFixed appends d.StringFixed(places): without allocating when d has
// at most places decimals, at most fastDecimals of them, no positive
// exponent and at most 15 digits before the point (money.CheckBounds, two
// comparisons), as amounts in their currency's minor unit have: then the
// coefficient is below 10^18 and an int64 holds it.
func appendFixed(b []byte, d decimal.Decimal, places int32) []byte {
	exp := d.Exponent()
	if d.IsZero() || exp > 0 || exp < -places || exp < -fastDecimals || places > 18 || money.CheckBounds(d) != nil {
		return append(b, d.StringFixed(places)...)
	}
	c := d.CoefficientInt64()
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	var buf [40]byte
	ds := strconv.AppendInt(buf[:0], c, 10)
	for range places + exp {
		ds = append(ds, '0') // now ds counts 10^-places
	}
	frac := int(places)
	if n := len(ds) - frac; n > 0 {
		b = append(b, ds[:n]...)
		ds = ds[n:]
	} else {
		b = append(b, '0')
	}
	if frac == 0 {
		return b
	}
	b = append(b, '.')
	for range frac - len(ds) {
		b = append(b, '0')
	}
	return append(b, ds...)
}

// appendQuoted appends s as %q writes it (strconv.Quote): a name of
// printable ASCII without quotes or backslashes, as step and workflow names
// are, between double quotes as it is; any other through strconv.
func appendQuoted(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// stepReason is the reason of an invoice's due step: fmt.Sprintf("invoice
// %s (due %s, open %s %s): step %q of workflow %q fell due on %s", ...).
// The text goes into one strings.Builder sized beforehand (one allocation);
// the formatted parts are appended to a buffer on the stack first.
func stepReason(inv *Invoice, places int32, open decimal.Decimal, step, workflow string, on date.Date) string {
	var sb strings.Builder
	sb.Grow(96 + len(inv.Number) + len(step) + len(workflow))
	invoiceHead(&sb, inv, places, open)
	var buf [64]byte
	sb.WriteString("): step ")
	sb.Write(appendQuoted(buf[:0], step))
	sb.WriteString(" of workflow ")
	sb.Write(appendQuoted(buf[:0], workflow))
	sb.WriteString(" fell due on ")
	sb.Write(appendDay(buf[:0], on))
	return sb.String()
}

// listedReason is the reason of an invoice a per-customer notice lists.
func listedReason(inv *Invoice, places int32, open decimal.Decimal) string {
	var sb strings.Builder
	sb.Grow(112 + len(inv.Number))
	invoiceHead(&sb, inv, places, open)
	sb.WriteString(") is overdue and listed: no step of its own is due")
	return sb.String()
}

// invoiceHead writes "invoice <number> (due <day>, open <currency> <open>".
func invoiceHead(sb *strings.Builder, inv *Invoice, places int32, open decimal.Decimal) {
	var buf [64]byte
	sb.WriteString("invoice ")
	sb.WriteString(inv.Number)
	sb.WriteString(" (due ")
	sb.Write(appendDay(buf[:0], inv.Due))
	sb.WriteString(", open ")
	sb.WriteString(string(inv.Currency))
	sb.WriteByte(' ')
	sb.Write(appendFixed(buf[:0], open, places))
}
