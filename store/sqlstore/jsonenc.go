package sqlstore

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// JSON by appending. A batch's claim rows, completions and progress rows
// travel to PostgreSQL as one JSON recordset each; encoding/json's
// reflection over every record was a tenth of a runner's CPU. The encoders
// here append the very bytes json.Marshal writes for the same values
// (pinned by TestAppendRecordAsMarshal, TestAppendStringAsMarshal and
// TestAppendProgressRowsAsMarshal), into one buffer per batch.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as json.Marshal escapes
// it: the two-character escapes for \b \f \n \r \t \" \\, \u00XX for the
// other control characters and for <, > and &, \ufffd for each invalid
// UTF-8 byte, \u2028 and \u2029 for those separators.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendList appends xs as a JSON array (null for nil), each element
// through elem.
func appendList[T any](b []byte, xs []T, elem func([]byte, T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, x)
	}
	return append(b, ']')
}

// appendStrings appends ids as a JSON array (null for nil).
func appendStrings(b []byte, ids []string) []byte { return appendList(b, ids, appendString) }

// appendInts appends ns as a JSON array (null for nil).
func appendInts(b []byte, ns []int) []byte {
	return appendList(b, ns, func(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) })
}

// appendDay appends d as its MarshalText writes it, as a JSON string.
func appendDay(b []byte, d date.Date) []byte { return appendString(b, d.String()) }

// appendDecimal appends d as shopspring's MarshalJSON writes it: its
// String between quotes.
func appendDecimal(b []byte, d decimal.Decimal) []byte {
	b = append(b, '"')
	b = append(b, d.String()...)
	return append(b, '"')
}

// appendTime appends t as time.Time's MarshalJSON writes it (RFC 3339
// with nanoseconds); ok is false for a time it refuses or might (a year
// outside 0..9999, an offset with seconds), which json.Marshal is left to.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off%60 != 0 || off <= -24*3600 || off >= 24*3600 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// field appends `,"name":` (the comma left out for the first field).
func field(b []byte, name string) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendHead appends the fields a Record and a Pending share, first in
// both: key, customer_id, invoice_ids, cycles, workflow, step, step_index
// and steps (left out when empty).
func appendHead(b []byte, key, customerID string, invoiceIDs []string, cycles []int, workflow, step string, stepIndex int, steps []int) []byte {
	b = appendString(field(b, "key"), key)
	b = appendString(field(b, "customer_id"), customerID)
	b = appendStrings(field(b, "invoice_ids"), invoiceIDs)
	b = appendInts(field(b, "cycles"), cycles)
	b = appendString(field(b, "workflow"), workflow)
	b = appendString(field(b, "step"), step)
	b = strconv.AppendInt(field(b, "step_index"), int64(stepIndex), 10)
	if len(steps) > 0 {
		b = appendInts(field(b, "steps"), steps)
	}
	return b
}

// appendRecord appends rec as json.Marshal encodes it.
func appendRecord(b []byte, rec *dunning.Record) ([]byte, error) {
	at := len(b)
	b = append(b, '{')
	b = appendHead(b, rec.Key, rec.CustomerID, rec.InvoiceIDs, rec.Cycles, rec.Workflow, rec.Step, rec.StepIndex, rec.Steps)
	if len(rec.Listed) > 0 {
		b = appendList(field(b, "listed"), rec.Listed, strconv.AppendBool)
	}
	b = appendString(field(b, "kind"), string(rec.Kind))
	if rec.Fallback {
		b = append(field(b, "fallback"), "true"...)
	}
	b = appendDay(field(b, "date"), rec.Date)
	b = appendString(field(b, "outcome"), string(rec.Outcome))
	if rec.MessageID != "" {
		b = appendString(field(b, "message_id"), rec.MessageID)
	}
	if rec.Error != "" {
		b = appendString(field(b, "error"), rec.Error)
	}
	if rec.Template != "" {
		b = appendString(field(b, "template"), rec.Template)
	}
	if rec.Variant != "" {
		b = appendString(field(b, "variant"), rec.Variant)
	}
	b = appendString(field(b, "currency"), string(rec.Currency))
	b = appendDecimal(field(b, "amount"), rec.Amount)
	b = appendDecimal(field(b, "fees"), rec.Fees)
	if len(rec.FeesByInvoice) > 0 {
		b = appendList(field(b, "fees_by_invoice"), rec.FeesByInvoice, appendDecimal)
	}
	b = appendDecimal(field(b, "interest"), rec.Interest)
	if rec.Compensation {
		b = append(field(b, "compensation"), "true"...)
	}
	if len(rec.CompensationOn) > 0 {
		b = appendList(field(b, "compensation_on"), rec.CompensationOn, strconv.AppendBool)
	}
	b = strconv.AppendInt(field(b, "attempts"), int64(rec.Attempts), 10)
	var ok bool
	if b, ok = appendTime(field(b, "at"), rec.At); !ok {
		js, err := json.Marshal(rec)
		return append(b[:at], js...), err
	}
	if rec.Unknown {
		b = append(field(b, "unknown"), "true"...)
	}
	if rec.Recovered {
		b = append(field(b, "recovered"), "true"...)
	}
	return append(b, '}'), nil
}

// appendPending appends p as json.Marshal encodes it.
func appendPending(b []byte, p *dunning.Pending) []byte {
	b = append(b, '{')
	b = appendHead(b, p.Key, p.CustomerID, p.InvoiceIDs, p.Cycles, p.Workflow, p.Step, p.StepIndex, p.Steps)
	b = appendString(field(b, "kind"), string(p.Kind))
	if p.Fallback {
		b = append(field(b, "fallback"), "true"...)
	}
	b = appendString(field(b, "currency"), string(p.Currency))
	return append(b, '}')
}

// appendProgressRows appends rows as json.Marshal encodes them (a Block,
// seldom set, through json.Marshal itself).
func appendProgressRows(b []byte, rows []progressRow) ([]byte, error) {
	b = append(b, '[')
	for n := range rows {
		r := &rows[n]
		if n > 0 {
			b = append(b, ',')
		}
		b = appendString(append(b, `{"invoice_id":`...), r.InvoiceID)
		if r.CustomerID != "" {
			b = appendString(append(b, `,"customer_id":`...), r.CustomerID)
		}
		b = strconv.AppendInt(append(b, `,"cycle":`...), int64(r.Cycle), 10)
		b = appendString(append(b, `,"workflow":`...), r.Workflow)
		b = strconv.AppendInt(append(b, `,"step":`...), int64(r.Step), 10)
		if r.Last != nil {
			b = appendDay(append(b, `,"last":`...), *r.Last)
		}
		if r.StepOn != nil {
			b = appendDay(append(b, `,"step_on":`...), *r.StepOn)
		}
		b = appendString(append(b, `,"fees":`...), r.Fees)
		b = strconv.AppendBool(append(b, `,"compensated":`...), r.Compensated)
		b = strconv.AppendBool(append(b, `,"held":`...), r.Held)
		b = strconv.AppendBool(append(b, `,"bounced_listed":`...), r.BouncedListed)
		b = appendString(append(b, `,"bounced":`...), r.Bounced)
		b = strconv.AppendBool(append(b, `,"has_notices":`...), r.HasNotices)
		b = strconv.AppendInt(append(b, `,"notice_count":`...), int64(r.NoticeCount), 10)
		if len(r.Recent) > 0 {
			b = appendList(append(b, `,"recent":`...), r.Recent, appendDay)
		}
		b = appendString(append(b, `,"refunded":`...), r.Refunded)
		if r.Block != nil {
			js, err := json.Marshal(r.Block)
			if err != nil {
				return nil, err
			}
			b = append(append(b, `,"block":`...), js...)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}
