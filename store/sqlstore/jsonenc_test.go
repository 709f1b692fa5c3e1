package sqlstore

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// text draws strings json.Marshal escapes in every way it can: control
// characters, quotes, backslashes, HTML's <, > and &, the line and
// paragraph separators, invalid UTF-8, and ordinary runes.
func text() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.String(),
		rapid.Custom(func(t *rapid.T) string {
			parts := rapid.SliceOf(rapid.SampledFrom([]string{
				"a", "Zürich", "\x00", "\x01", "\x1f", "\b", "\f", "\n", "\r", "\t", `"`, `\`, "<", ">", "&", "\u2028", "\u2029",
				"\x7f", "\xff", "\xc3", "\xe2\x80", "€", "😀", "/", "'", " ",
			})).Draw(t, "parts")
			var b bytes.Buffer
			for _, p := range parts {
				b.WriteString(p)
			}
			return b.String()
		}),
		rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
	)
}

func decimals() *rapid.Generator[decimal.Decimal] {
	return rapid.Custom(func(t *rapid.T) decimal.Decimal {
		return decimal.New(rapid.Int64().Draw(t, "coef"), rapid.Int32Range(-12, 12).Draw(t, "exp"))
	})
}

// times draws instants in zones with whole-minute and odd offsets, in
// years inside and outside 0..9999 (which time.MarshalJSON refuses).
func times() *rapid.Generator[time.Time] {
	return rapid.Custom(func(t *rapid.T) time.Time {
		var sec int64
		switch rapid.IntRange(0, 3).Draw(t, "era") {
		case 0:
			sec = rapid.Int64Range(-62167219200, 253402300799).Draw(t, "years0to9999")
		case 1:
			sec = rapid.Int64Range(253402300800, 300000000000).Draw(t, "after9999")
		case 2:
			sec = rapid.Int64Range(-70000000000, -62167219201).Draw(t, "beforeYear0")
		default:
			sec = rapid.Int64Range(1700000000, 1800000000).Draw(t, "now")
		}
		ts := time.Unix(sec, rapid.Int64Range(0, 999999999).Draw(t, "nsec"))
		switch rapid.IntRange(0, 3).Draw(t, "zone") {
		case 0:
			return ts.UTC()
		case 1:
			return ts.In(time.FixedZone("", 60*rapid.IntRange(-23*60, 23*60).Draw(t, "min")))
		case 2:
			return ts.In(time.FixedZone("X", rapid.IntRange(-86399, 86399).Draw(t, "offSec")))
		}
		return time.Time{}
	})
}

func maybe[T any](g *rapid.Generator[[]T]) *rapid.Generator[[]T] {
	return rapid.OneOf(g, rapid.Just[[]T](nil))
}

// TestAppendRecordAsMarshal: appendRecord writes the very bytes
// json.Marshal writes for any record, and appendPending for any pending
// action; an error json.Marshal returns (a time it refuses) comes back too.
func TestAppendRecordAsMarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 3).Draw(t, "n")
		rec := dunning.Record{
			Key: text().Draw(t, "key"), CustomerID: text().Draw(t, "customer"),
			InvoiceIDs: maybe(rapid.SliceOfN(text(), n, n)).Draw(t, "invoices"),
			Cycles:     maybe(rapid.SliceOfN(rapid.Int(), n, n)).Draw(t, "cycles"),
			Workflow:   text().Draw(t, "workflow"), Step: text().Draw(t, "step"), StepIndex: rapid.Int().Draw(t, "stepIndex"),
			Steps:  maybe(rapid.SliceOf(rapid.Int())).Draw(t, "steps"),
			Listed: maybe(rapid.SliceOf(rapid.Bool())).Draw(t, "listed"),
			Kind:   dunning.ActionKind(text().Draw(t, "kind")), Fallback: rapid.Bool().Draw(t, "fallback"),
			Date:      date.Date(rapid.IntRange(-1000000, 3000000).Draw(t, "date")),
			Outcome:   dunning.Outcome(text().Draw(t, "outcome")),
			MessageID: rapid.OneOf(rapid.Just(""), text()).Draw(t, "messageID"),
			Error:     rapid.OneOf(rapid.Just(""), text()).Draw(t, "error"),
			Template:  rapid.OneOf(rapid.Just(""), text()).Draw(t, "template"),
			Variant:   rapid.OneOf(rapid.Just(""), text()).Draw(t, "variant"),
			Currency:  dunning.Currency(text().Draw(t, "currency")),
			Amount:    decimals().Draw(t, "amount"), Fees: decimals().Draw(t, "fees"),
			FeesByInvoice: maybe(rapid.SliceOf(decimals())).Draw(t, "feesBy"),
			Interest:      decimals().Draw(t, "interest"), Compensation: rapid.Bool().Draw(t, "compensation"),
			CompensationOn: maybe(rapid.SliceOf(rapid.Bool())).Draw(t, "compensationOn"),
			Attempts:       rapid.Int().Draw(t, "attempts"), At: times().Draw(t, "at"),
			Unknown: rapid.Bool().Draw(t, "unknown"), Recovered: rapid.Bool().Draw(t, "recovered"),
		}
		want, werr := json.Marshal(rec)
		got, gerr := appendRecord([]byte("prefix"), &rec)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("error %v, json.Marshal's %v", gerr, werr)
		}
		if werr == nil && !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Fatalf("appendRecord wrote\n%s\njson.Marshal\n%s", got, want)
		}
		pe := dunning.PendingOf(&dunning.Action{Key: rec.Key, CustomerID: rec.CustomerID, InvoiceIDs: rec.InvoiceIDs, Cycles: rec.Cycles,
			Workflow: rec.Workflow, Step: rec.Step, StepIndex: rec.StepIndex, Steps: rec.Steps, Kind: rec.Kind, Fallback: rec.Fallback, Currency: rec.Currency})
		want, err := json.Marshal(pe)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendPending(nil, pe); !bytes.Equal(got, want) {
			t.Fatalf("appendPending wrote\n%s\njson.Marshal\n%s", got, want)
		}
	})
}

// TestAppendStringAsMarshal: appendString escapes every string as
// json.Marshal does, every single byte and rune among them.
func TestAppendStringAsMarshal(t *testing.T) {
	check := func(s string) {
		want, _ := json.Marshal(s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, json.Marshal %s", s, got, want)
		}
	}
	for c := range 256 {
		check(string([]byte{byte(c)}))
		check("a" + string([]byte{byte(c)}) + "b")
	}
	for _, r := range []rune{0x80, 0x7ff, 0x800, 0x2027, 0x2028, 0x2029, 0x202a, 0xfffd, 0xffff, 0x10000, 0x10ffff} {
		check(string(r) + "x" + string(r))
	}
	rapid.Check(t, func(t *rapid.T) { check(text().Draw(t, "s")) })
}

// TestAppendProgressRowsAsMarshal: appendProgressRows writes the very
// bytes json.Marshal writes for any progress rows.
func TestAppendProgressRowsAsMarshal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		days := rapid.Custom(func(t *rapid.T) date.Date { return date.Date(rapid.IntRange(-1000000, 3000000).Draw(t, "day")) })
		rows := rapid.SliceOf(rapid.Custom(func(t *rapid.T) progressRow {
			r := progressRow{InvoiceID: text().Draw(t, "invoice"), CustomerID: rapid.OneOf(rapid.Just(""), text()).Draw(t, "customer"),
				Cycle: rapid.Int().Draw(t, "cycle"), Workflow: text().Draw(t, "workflow"), Step: rapid.Int().Draw(t, "step"),
				Fees: text().Draw(t, "fees"), Compensated: rapid.Bool().Draw(t, "compensated"), Held: rapid.Bool().Draw(t, "held"),
				BouncedListed: rapid.Bool().Draw(t, "bouncedListed"), Bounced: text().Draw(t, "bounced"),
				HasNotices: rapid.Bool().Draw(t, "hasNotices"), NoticeCount: rapid.Int().Draw(t, "count"),
				Recent: maybe(rapid.SliceOf(days)).Draw(t, "recent"), Refunded: text().Draw(t, "refunded")}
			if rapid.Bool().Draw(t, "hasLast") {
				l := days.Draw(t, "last")
				r.Last = &l
			}
			if rapid.Bool().Draw(t, "hasBlock") {
				r.Block = &dunning.Block{Key: text().Draw(t, "blockKey"), Step: text().Draw(t, "blockStep"), Since: days.Draw(t, "since"), Final: rapid.Bool().Draw(t, "final")}
			}
			return r
		})).Draw(t, "rows")
		want, err := json.Marshal(rows)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			want = []byte("[]") // writeProgress never sends none; json.Marshal writes null for nil
		}
		got, err := appendProgressRows(nil, rows)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("appendProgressRows wrote (%v)\n%s\njson.Marshal\n%s", err, got, want)
		}
	})
}
