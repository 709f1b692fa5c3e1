package dunning

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rickb777/date/v2"
)

// Advance applies a completed record to the progress of the record's i-th
// invoice. Every Store implementation calls it inside Complete, so all stores
// keep progress the same way. A fallback's fees and compensation count like
// any other record's; a Failed record's count for nothing (the notice never
// reached the customer, see Action.Record).
func Advance(p *Progress, rec Record, i int) {
	if rec.Kind == CancelTask || rec.Kind == DataFix {
		return // about a collector task, not the invoice's dunning
	}
	id := rec.InvoiceIDs[i]
	cycle := 0
	if i < len(rec.Cycles) {
		cycle = rec.Cycles[i]
	}
	if p.InvoiceID != id || p.Cycle != cycle {
		*p = Progress{InvoiceID: id, Cycle: cycle, Step: -1, Block: carriedBlock(p, id)}
	}
	if rec.Outcome != Failed {
		if rec.Kind.IsNotice() {
			l := p.log()
			l.Count++
			if n := len(l.Recent); n == 0 || l.Recent[n-1] < rec.Date {
				// A new slice: snapshots of the progress keep theirs.
				r := make([]date.Date, 0, min(n+1, MaxRecent))
				r = append(r, l.Recent[max(0, n+1-MaxRecent):]...)
				l.Recent = append(r, rec.Date)
			}
			p.Notices = l
		}
		if i < len(rec.FeesByInvoice) {
			p.Fees = p.Fees.Add(rec.FeesByInvoice[i])
		}
		if rec.compensates(i) {
			p.Compensated = true
		}
	}
	if rec.Fallback {
		if p.Bounced == replaced(rec.Key) {
			p.Bounced, p.BouncedListed = "", false
		}
		if rec.Outcome == Failed && retraceDepth(rec.Key) > 0 {
			p.Bounced = rec.Key // the next contact, or the step's OnBounce
		}
		if rec.Kind.IsNotice() && rec.Outcome != Failed && rec.Date > p.Last {
			p.Last = rec.Date
		}
		return
	}
	step := rec.StepIndex
	if i < len(rec.Steps) {
		step = rec.Steps[i]
	}
	if p.Workflow != rec.Workflow {
		p.Workflow, p.Step = rec.Workflow, step
	} else if step > p.Step {
		p.Step = step
	}
	if rec.Kind.IsNotice() && rec.Outcome != Failed && rec.Date > p.Last {
		p.Last = rec.Date // a notice that failed for good never reached the customer
	}
	if p.BouncedListed && rec.Kind.IsNotice() && rec.Outcome != Failed {
		// A notice about the invoice reached the customer since the one
		// that only listed it bounced: that one's fallback need not list it.
		p.Bounced, p.BouncedListed = "", false
	}
	if (i >= len(rec.Listed) || !rec.Listed[i]) && rec.Date > p.StepOn {
		p.StepOn = rec.Date
	}
	if rec.Kind == HoldAction {
		p.Held = true
	}
	applyBlock(p, rec)
	if rec.Outcome == Failed {
		p.Bounced, p.BouncedListed = rec.Key, i < len(rec.Listed) && rec.Listed[i]
	}
}

// compensates reports whether the record claimed the statutory
// compensation of its i-th invoice (Record.CompensationOn).
func (rec *Record) compensates(i int) bool {
	if !rec.Compensation {
		return false
	}
	if rec.CompensationOn == nil {
		return true // a record from before CompensationOn was kept
	}
	return i < len(rec.CompensationOn) && rec.CompensationOn[i]
}

// MarkBounced records on the progress of the record's i-th invoice that the
// record's notice bounced, so the next plan sends its fallback, and takes
// back the fees the notice charged and the compensation it claimed
// (Record.CompensationOn: the fallback claims it). A bounced
// fallback is not replaced again (a collector task follows it anyway). A
// bounced statement of account (SendStatement) is replaced by its step's
// OnBounce (a task, or the statement by letter); it charged nothing and
// counted as no notice.
func MarkBounced(p *Progress, rec Record, i int) {
	if (rec.Fallback && retraceDepth(rec.Key) == 0) || !rec.Kind.SendsNotice() || p.InvoiceID != rec.InvoiceIDs[i] {
		return
	}
	if i < len(rec.Cycles) && rec.Cycles[i] != p.Cycle {
		return
	}
	if rec.Kind.IsNotice() && (p.Notices == nil || p.Notices.Refunded != rec.Key) {
		// The notice never reached the customer: its fees are not owed
		// (taken back once per key, however many bounce events arrive).
		// Nor was its compensation claimed: the invoice it was claimed on
		// is owed it on its next notice (the fallback's). A record that
		// does not say which invoice of a grouped notice it was for
		// (no CompensationOn) leaves it marked, the safe side.
		if i < len(rec.FeesByInvoice) {
			p.Fees = p.Fees.Sub(rec.FeesByInvoice[i])
		}
		if rec.Compensation && i < len(rec.CompensationOn) && rec.CompensationOn[i] {
			p.Compensated = false
		}
		l := p.log()
		if rec.Outcome != Failed && l.Count > 0 {
			l.Count-- // nor does it count towards Workflow.MaxNotices
		}
		if rec.Outcome != Failed {
			// Nor is it a notice the customer got: its day leaves the
			// recent days (the customer limits) and, if it was the last,
			// Last falls back to the latest day left (zero if none), so
			// no later notice claims it. Another notice of the same day
			// goes with it: a notice may claim too little, never too much.
			l.Recent = slices.DeleteFunc(slices.Clone(l.Recent), func(d date.Date) bool { return d == rec.Date })
			if p.Last == rec.Date {
				p.Last = 0
				if n := len(l.Recent); n > 0 {
					p.Last = l.Recent[n-1]
				}
			}
		}
		l.Refunded = rec.Key
		p.Notices = l
	}
	p.Bounced = rec.Key
	p.BouncedListed = i < len(rec.Listed) && rec.Listed[i]
}

// CheckEvent validates an event before a store keeps it.
func CheckEvent(e Event) error {
	bad := func(field, value, reason string) error {
		return &FieldError{Field: "event." + field, Value: value, Reason: reason}
	}
	switch {
	case e.ID == "":
		return bad("id", "", "must not be empty: it makes appending idempotent")
	case e.Date == 0:
		return bad("date", "", "must be set")
	}
	switch e.Kind {
	case PaymentReceived, CreditApplied, DisputeOpened, DisputeResolved, PromiseMade, HoldPlaced, HoldReleased, PromiseKeptEvent, PromiseBrokeEvent:
		if e.InvoiceID == "" && e.CustomerID == "" {
			return bad("invoice_id", "", "an invoice or customer event needs the invoice or customer id")
		}
	case NoticeDelivered, NoticeBounced, NoticeOpened, NoticeClicked:
		if e.Key == "" {
			return bad("key", "", "a delivery event needs the action key of its notice")
		}
	default:
		return bad("kind", string(e.Kind), "unknown event kind")
	}
	if e.Amount.IsNegative() {
		return bad("amount", e.Amount.String(), "must not be negative")
	}
	if e.Instalment < 0 {
		return bad("instalment", fmt.Sprint(e.Instalment), "must not be negative")
	}
	if err := checkTime("event.at", e.At); err != nil {
		return err
	}
	return checkText("event.", textField{"id", e.ID, MaxKeyLen}, textField{"customer_id", e.CustomerID, MaxIDLen}, textField{"invoice_id", e.InvoiceID, MaxIDLen},
		textField{"key", e.Key, MaxKeyLen}, textField{"reason", e.Reason, MaxTextLen})
}

// CheckTask validates a collector task before a store keeps it.
func CheckTask(t CollectorTask) error {
	switch {
	case t.ID == "":
		return &FieldError{Field: "task.id", Value: "", Reason: "must not be empty"}
	case t.CustomerID == "":
		return &FieldError{Field: "task[" + t.ID + "].customer_id", Value: "", Reason: "must not be empty"}
	}
	switch t.Status {
	case TaskOpen, TaskDone, TaskCancelled:
	default:
		return &FieldError{Field: "task[" + t.ID + "].status", Value: string(t.Status), Reason: `want "open", "done" or "cancelled"`}
	}
	p := "task[" + quoteBad(strings.ToValidUTF8(strings.ReplaceAll(t.ID, "\x00", ""), "?")) + "]."
	if err := checkText(p, textField{"id", t.ID, MaxKeyLen}, textField{"customer_id", t.CustomerID, MaxIDLen}, textField{"kind", string(t.Kind), MaxIDLen},
		textField{"title", t.Title, MaxTextLen}, textField{"assignee", t.Assignee, MaxIDLen}, textField{"currency", string(t.Currency), MaxIDLen},
		textField{"cancel_reason", t.CancelReason, MaxTextLen}); err != nil {
		return err
	}
	if err := checkIDs(p, t.InvoiceIDs); err != nil {
		return err
	}
	for i, n := range t.Notes {
		if err := checkText(p, textField{fmt.Sprintf("notes[%d].author", i), n.Author, MaxIDLen}, textField{fmt.Sprintf("notes[%d].text", i), n.Text, MaxTextLen}); err != nil {
			return err
		}
		if !timeOK(n.At) { // the field's name is made only for an error
			return checkTime(fmt.Sprintf("%snotes[%d].at", p, i), n.At)
		}
	}
	return nil
}

// Limits on what a store keeps, checked by CheckRecord, CheckPending and
// CheckTask: a key or id longer than this is refused rather than cut.
const (
	// MaxKeyLen is the longest action key, in bytes.
	MaxKeyLen = 1024
	// MaxIDLen is the longest customer, invoice, workflow or step name, in
	// bytes.
	MaxIDLen = 512
	// MaxTextLen is the longest free text (an error, a task title, a note),
	// in bytes.
	MaxTextLen = 16 << 10
	// MaxInvoices is the most invoices one record or task may name.
	MaxInvoices = 10000
)

// storable reports why s cannot be kept as text by every store (PostgreSQL
// refuses invalid UTF-8 and NUL), or "" if it can.
func storable(s string, max int) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte"
	case len(s) > max:
		return fmt.Sprintf("is %d bytes long, more than %d", len(s), max)
	}
	return ""
}

// checkText returns a *FieldError for the first unstorable field.
func checkText(prefix string, fields ...textField) error {
	for _, f := range fields {
		if why := storable(f.v, f.max); why != "" {
			return &FieldError{Field: prefix + f.name, Value: quoteBad(f.v), Reason: why}
		}
	}
	return nil
}

type textField struct {
	name string
	v    string
	max  int
}

// quoteBad shows a refused value readably: invalid bytes and NULs escaped
// by FieldError's %q, long values cut to 64 bytes.
func quoteBad(v string) string {
	if len(v) > 64 {
		v = strings.ToValidUTF8(v[:64], "") + "..."
	}
	return v
}

func checkIDs(prefix string, ids []string) error {
	if len(ids) > MaxInvoices {
		return &FieldError{Field: prefix + "invoice_ids", Value: fmt.Sprint(len(ids)), Reason: fmt.Sprintf("names more than %d invoices", MaxInvoices)}
	}
	for i, id := range ids {
		if id == "" {
			return &FieldError{Field: fmt.Sprintf("%sinvoice_ids[%d]", prefix, i), Value: "", Reason: "must not be empty"}
		}
		if storable(id, MaxIDLen) != "" { // the field's name is made only for an error
			return checkText(prefix, textField{fmt.Sprintf("invoice_ids[%d]", i), id, MaxIDLen})
		}
	}
	return nil
}

// CheckRecord reports, as a *FieldError naming the field, why a store
// could not keep rec as it is: an empty key or invoice list, a text that
// is not valid UTF-8, holds a NUL byte or is too long (MaxKeyLen,
// MaxIDLen, MaxTextLen), per-invoice lists that do not match InvoiceIDs,
// a cycle, step or attempt outside 32 bits (the SQL store's integer
// columns), fees by invoice beyond money.CheckBounds, a Date outside the
// years 1900 to 9999 or an At outside the years 1 to 9999. Both stores call it in Complete; the Runner calls it before
// it claims an action, so a notice whose record could not be kept is never
// sent.
func CheckRecord(rec Record) error {
	if rec.Key == "" {
		return &FieldError{Field: "record.key", Value: "", Reason: "must not be empty"}
	}
	p := "record[" + quoteBad(strings.ToValidUTF8(strings.ReplaceAll(rec.Key, "\x00", ""), "?")) + "]."
	if err := checkText(p, textField{"key", rec.Key, MaxKeyLen}, textField{"customer_id", rec.CustomerID, MaxIDLen},
		textField{"workflow", rec.Workflow, MaxIDLen}, textField{"step", rec.Step, MaxIDLen}, textField{"kind", string(rec.Kind), MaxIDLen},
		textField{"outcome", string(rec.Outcome), MaxIDLen}, textField{"message_id", rec.MessageID, MaxIDLen},
		textField{"error", rec.Error, MaxTextLen}, textField{"template", rec.Template, MaxTextLen}, textField{"variant", rec.Variant, MaxIDLen},
		textField{"currency", string(rec.Currency), MaxIDLen}); err != nil {
		return err
	}
	if len(rec.InvoiceIDs) == 0 && rec.Kind != CancelTask && rec.Kind != DataFix && (rec.Kind != SendStatement || rec.Workflow != "") {
		// Only the task bookkeeping kinds and scheduled statements of
		// account touch no invoice's progress.
		return &FieldError{Field: p + "invoice_ids", Value: "", Reason: "must name at least one invoice"}
	}
	if err := checkIDs(p, rec.InvoiceIDs); err != nil {
		return err
	}
	n := len(rec.InvoiceIDs)
	for _, l := range []struct {
		name string
		len  int
	}{{"cycles", len(rec.Cycles)}, {"steps", len(rec.Steps)}, {"fees_by_invoice", len(rec.FeesByInvoice)}, {"listed", len(rec.Listed)}, {"compensation_on", len(rec.CompensationOn)}} {
		if l.len != 0 && l.len != n {
			return &FieldError{Field: p + l.name, Value: fmt.Sprint(l.len), Reason: fmt.Sprintf("entries, want one per invoice (%d)", n)}
		}
	}
	// The SQL store keeps cycles and steps in integer columns of the
	// progress, and the attempt in the claim's.
	for _, err := range []error{checkInts(p, "cycles", true, rec.Cycles...), checkInts(p, "step_index", false, rec.StepIndex),
		checkInts(p, "steps", true, rec.Steps...), checkInts(p, "attempts", false, rec.Attempts)} {
		if err != nil {
			return err
		}
	}
	if err := checkNumbers(p, "fees_by_invoice", rec.FeesByInvoice); err != nil { // added up in a numeric column
		return err
	}
	if rec.Date != 0 && !dayOK(rec.Date) { // the progress keeps it in a date column
		return checkDay(loc{field: p + "date"}, rec.Date)
	}
	return checkTime(p+"at", rec.At)
}

// CheckPending reports why a store could not keep the planned action of a
// claim, as CheckRecord does for a record.
func CheckPending(pe Pending) error {
	rec := Record{Key: pe.Key, CustomerID: pe.CustomerID, InvoiceIDs: pe.InvoiceIDs, Cycles: pe.Cycles, Workflow: pe.Workflow,
		Step: pe.Step, StepIndex: pe.StepIndex, Steps: pe.Steps, Kind: pe.Kind, Currency: pe.Currency}
	return CheckRecord(rec)
}

// Storable returns s made storable: invalid UTF-8 and NUL bytes replaced
// by U+FFFD, cut to at most max bytes. The Runner passes what senders
// return (errors, message ids) through it, since a notice already sent
// must be recorded whatever its provider answered.
func Storable(s string, max int) string {
	if storable(s, max) == "" {
		return s
	}
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// CheckKey reports why a store could not keep key as an action key (empty,
// not valid UTF-8, a NUL byte, longer than MaxKeyLen).
func CheckKey(key string) error {
	if key == "" {
		return &FieldError{Field: "key", Value: "", Reason: "must not be empty"}
	}
	return checkText("", textField{"key", key, MaxKeyLen})
}
