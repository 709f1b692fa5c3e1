package dunning

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"time"

	"github.com/rickb777/date/v2"
)

// Strict JSON decoding of the records the app hands the library.
//
// date.Date's own JSON decoding rolls an impossible day over ("2026-02-30"
// becomes 2026-03-02, "2026-13-45" becomes 2027-02-14). Every type below
// decodes its date fields itself instead: a date is "YYYY-MM-DD" and a
// calendar day, or the decoding fails with a *FieldError naming the field
// and the value. The types also refuse unknown fields, so a misspelt key
// ("due_date" for "due") is an error, not a silently missing date.

// parseDay reads a calendar day written YYYY-MM-DD, refusing days that do
// not exist.
func parseDay(s string) (date.Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, err
	}
	return date.NewAt(t), nil
}

// jsonDay decodes one date field into dst, strictly.
type jsonDay struct {
	field string
	dst   *date.Date
}

// UnmarshalJSON implements json.Unmarshaler.
func (j *jsonDay) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &FieldError{Field: j.field, Value: clip(string(b)), Reason: "is not a date: want a string YYYY-MM-DD"}
	}
	d, err := parseDay(s)
	if err != nil {
		reason := "is not a date (YYYY-MM-DD)"
		if looksLikeDate(s) {
			reason = "is not a calendar day"
		}
		return &FieldError{Field: j.field, Value: clip(s), Reason: reason}
	}
	*j.dst = d
	return nil
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// decodeStrict decodes b into v (a struct embedding the record's plain
// type, its date fields shadowed by jsonDay fields) refusing unknown
// fields; what names the record in errors.
func decodeStrict(b []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	if fe := locate(b, reflect.TypeOf(v), what); fe != nil {
		return fe
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return err
	}
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field "`); ok {
		name = strings.TrimSuffix(name, `"`)
		return &FieldError{Field: what + "." + name, Value: name, Reason: "is not a field of " + what}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &FieldError{Field: what + "." + te.Field, Value: te.Value, Reason: plainReason(err)}
	}
	return &FieldError{Field: what, Value: clip(string(b)), Reason: plainReason(err)}
}

// UnmarshalJSON decodes a hold strictly (see the package's JSON rules:
// calendar days only, no unknown fields).
func (h *Hold) UnmarshalJSON(b []byte) error {
	type plain Hold
	aux := struct {
		*plain
		Since jsonDay `json:"since"`
		Until jsonDay `json:"until"`
	}{(*plain)(h), jsonDay{"hold.since", &h.Since}, jsonDay{"hold.until", &h.Until}}
	return decodeStrict(b, &aux, "hold")
}

// UnmarshalJSON decodes an agreement strictly: calendar days only, no
// unknown fields.
func (a *Agreement) UnmarshalJSON(b []byte) error {
	type plain Agreement
	aux := struct {
		*plain
		Effective jsonDay `json:"effective"`
	}{(*plain)(a), jsonDay{"agreement.effective", &a.Effective}}
	return decodeStrict(b, &aux, "agreement")
}

// UnmarshalJSON decodes charges strictly: every YYYY-MM-DD string (the
// rate table's from dates) must be a calendar day; no unknown fields.
func (c *Charges) UnmarshalJSON(b []byte) error {
	if err := checkDatesAt(b, "charges"); err != nil {
		return err
	}
	type plain Charges
	return decodeStrict(b, (*plain)(c), "charges")
}

// UnmarshalJSON decodes a payment strictly: calendar days only, no unknown
// fields.
func (p *Payment) UnmarshalJSON(b []byte) error {
	type plain Payment
	aux := struct {
		*plain
		Date jsonDay `json:"date"`
	}{(*plain)(p), jsonDay{"payment.date", &p.Date}}
	return decodeStrict(b, &aux, "payment")
}

// UnmarshalJSON decodes a credit strictly: calendar days only, no unknown
// fields.
func (c *Credit) UnmarshalJSON(b []byte) error {
	type plain Credit
	aux := struct {
		*plain
		Date jsonDay `json:"date"`
	}{(*plain)(c), jsonDay{"credit.date", &c.Date}}
	return decodeStrict(b, &aux, "credit")
}

// UnmarshalJSON decodes a dispute strictly: calendar days only, no unknown
// fields.
func (d *Dispute) UnmarshalJSON(b []byte) error {
	type plain Dispute
	aux := struct {
		*plain
		Opened   jsonDay `json:"opened"`
		Resolved jsonDay `json:"resolved"`
	}{(*plain)(d), jsonDay{"dispute.opened", &d.Opened}, jsonDay{"dispute.resolved", &d.Resolved}}
	return decodeStrict(b, &aux, "dispute")
}

// UnmarshalJSON decodes a promise strictly: calendar days only, no unknown
// fields.
func (p *Promise) UnmarshalJSON(b []byte) error {
	type plain Promise
	aux := struct {
		*plain
		Made   jsonDay `json:"made"`
		PayBy  jsonDay `json:"pay_by"`
		Broken jsonDay `json:"broken"`
		Kept   jsonDay `json:"kept"`
	}{(*plain)(p), jsonDay{"promise.made", &p.Made}, jsonDay{"promise.pay_by", &p.PayBy}, jsonDay{"promise.broken", &p.Broken}, jsonDay{"promise.kept", &p.Kept}}
	return decodeStrict(b, &aux, "promise")
}

// UnmarshalJSON decodes an invoice strictly: calendar days only (in its
// payments, credits, dispute, promise and hold too), no unknown fields.
func (inv *Invoice) UnmarshalJSON(b []byte) error {
	type plain Invoice
	aux := struct {
		*plain
		Issued     jsonDay `json:"issued"`
		Due        jsonDay `json:"due"`
		WrittenOff jsonDay `json:"written_off"`
	}{(*plain)(inv), jsonDay{"invoice.issued", &inv.Issued}, jsonDay{"invoice.due", &inv.Due}, jsonDay{"invoice.written_off", &inv.WrittenOff}}
	return decodeStrict(b, &aux, "invoice")
}

// UnmarshalJSON decodes a customer strictly: no unknown fields, and its
// hold's dates are calendar days.
func (c *Customer) UnmarshalJSON(b []byte) error {
	type plain Customer
	return decodeStrict(b, (*plain)(c), "customer")
}

// UnmarshalJSON decodes an event strictly: calendar days only, no unknown
// fields.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	aux := struct {
		*plain
		Date  jsonDay `json:"date"`
		Until jsonDay `json:"until"`
	}{(*plain)(e), jsonDay{"event.date", &e.Date}, jsonDay{"event.until", &e.Until}}
	return decodeStrict(b, &aux, "event")
}
