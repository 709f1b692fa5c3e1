package dunning

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
)

// policyFile is the JSON form of a Policy: the Policy's own fields plus the
// calendar, segments and templates in their JSON forms.
type policyFile struct {
	Policy
	Segments  json.RawMessage `json:"segments,omitempty"`
	Calendar  *calendarFile   `json:"calendar,omitempty"`
	Templates json.RawMessage `json:"templates,omitempty"`
}

// calendarFile is a business calendar: the weekdays off and the holidays.
type calendarFile struct {
	Weekend  []string `json:"weekend"`
	Holidays []string `json:"holidays,omitempty"`
}

// templateShape is one entry of a policy's "templates".
type templateShape struct {
	notice.Key
	notice.Template
}

// policyShape is the JSON form of a policy as locate walks it.
type policyShape struct {
	Policy
	Segments  *segment.RuleSet `json:"segments"`
	Calendar  *calendarFile    `json:"calendar"`
	Templates []templateShape  `json:"templates"`
}

// ParsePolicy reads a policy from JSON and validates it. Besides the
// Policy's own fields (workflows, creditor, payment, charges, ...) it
// takes:
//
//	"segments":  a segment rule set, as segment.Parse reads it
//	"calendar":  {"weekend": ["saturday", "sunday"], "holidays": ["2026-12-25"]}
//	"templates": [{"language": "de", "stage": "final-notice", "subject": ..., "text": ..., "html": ...}]
//
// Each template's key (templates, workflow, step, language in any case,
// stage) comes once.
//
// Every error it returns is a *FieldError (so errors.Is(err, ErrInvalid))
// naming the path of the bad value from the document's top, such as
// workflows[0].steps[2].at or calendar.holidays[1], with the value and the
// reason in words: JSON that does not parse, an unknown field, a value of
// the wrong type ("want an integer"), a key an object holds twice (of a
// field, in any case: "weekend" and "Weekend"), a value its field refuses,
// a rule the policy breaks. Policy.MarshalJSON writes what ParsePolicy reads.
func ParsePolicy(data []byte) (*Policy, error) {
	var f policyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		if fe := locate(data, reflect.TypeFor[policyShape](), ""); fe != nil {
			return nil, fe
		}
		var fe *FieldError
		if errors.As(err, &fe) {
			return nil, fe
		}
		return nil, &FieldError{Field: "(top level)", Value: clip(string(bytes.TrimSpace(data))), Reason: plainReason(err)}
	}
	if dec.More() {
		return nil, &FieldError{Field: "(top level)", Value: clip(string(data[dec.InputOffset():])), Reason: "is more data after the policy: want one JSON object"}
	}
	if fe := repeatedKey(data, reflect.TypeFor[policyShape](), ""); fe != nil {
		return nil, fe
	}
	if err := checkDatesAt(data, ""); err != nil {
		return nil, err
	}
	p := f.Policy
	if len(bytes.TrimSpace(f.Segments)) > 0 && string(bytes.TrimSpace(f.Segments)) != "null" {
		rs, err := segment.Parse(f.Segments)
		if err != nil {
			if fe := locate(f.Segments, reflect.TypeFor[segment.RuleSet](), "segments"); fe != nil {
				return nil, fe
			}
			var se *segment.Error
			if errors.As(err, &se) {
				return nil, segmentFieldError(se)
			}
			return nil, &FieldError{Field: "segments", Value: "", Reason: err.Error()}
		}
		p.Segments = rs
	}
	if f.Calendar != nil {
		cal, err := f.Calendar.calendar()
		if err != nil {
			return nil, err
		}
		p.Calendar = cal
	}
	if len(bytes.TrimSpace(f.Templates)) > 0 && string(bytes.TrimSpace(f.Templates)) != "null" {
		var ts []templateShape
		tdec := json.NewDecoder(bytes.NewReader(f.Templates))
		tdec.DisallowUnknownFields()
		if err := tdec.Decode(&ts); err != nil {
			if fe := locate(f.Templates, reflect.TypeFor[[]templateShape](), "templates"); fe != nil {
				return nil, fe
			}
			return nil, &FieldError{Field: "templates", Value: clip(string(f.Templates)), Reason: plainReason(err)}
		}
		set := notice.NewSet()
		at := map[notice.Key]int{} // the entry that added each key
		for i, t := range ts {
			k := t.Key
			k.Language = strings.ToLower(k.Language) // as the set keys it
			if j, ok := at[k]; ok {
				// The set keeps one template per key: the later entry
				// would replace the earlier one unsaid.
				return nil, &FieldError{Field: fmt.Sprintf("templates[%d]", i), Value: k.String(), Reason: fmt.Sprintf("has the key of templates[%d] (templates/workflow/step/language/stage): one template per key", j)}
			}
			at[k] = i
			if err := set.Add(t.Key, t.Template); err != nil {
				part, reason := "", err.Error()
				var te *notice.TemplateError
				if errors.As(err, &te) {
					part, reason = te.Part, te.Err.Error()
				}
				value := map[string]string{"subject": t.Subject, "text": t.Text, "html": t.HTML, "sms": t.SMS, "language": t.Language, "stage": t.Stage.String()}[part]
				return nil, &FieldError{Field: joinPath(fmt.Sprintf("templates[%d]", i), part), Value: clip(value), Reason: reason}
			}
		}
		p.Templates = set
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// segmentFieldError is a rule set's error as a *FieldError under
// "segments".
func segmentFieldError(se *segment.Error) *FieldError {
	return &FieldError{Field: joinPath("segments", strings.TrimPrefix(strings.TrimPrefix(se.Path, "$"), ".")), Value: shown([]byte(se.Value)), Reason: se.Reason}
}

// BusinessCalendar is a business calendar with a JSON form: the weekdays
// off and the holidays. ParsePolicy makes the policy's Calendar one; a
// Policy whose Calendar is one (or nil) marshals to JSON that ParsePolicy
// reads back. A calendar of another type (schedule.Combine, the app's
// own) has no JSON form.
type BusinessCalendar struct {
	Weekend  []time.Weekday
	Holidays []date.Date
}

// IsBusinessDay implements schedule.Calendar.
func (c BusinessCalendar) IsBusinessDay(d date.Date) bool {
	return !slices.Contains(c.Weekend, d.Weekday()) && !slices.Contains(c.Holidays, d)
}

func (c BusinessCalendar) file() *calendarFile {
	f := &calendarFile{Weekend: []string{}}
	for _, wd := range c.Weekend {
		f.Weekend = append(f.Weekend, strings.ToLower(wd.String()))
	}
	for _, d := range c.Holidays {
		f.Holidays = append(f.Holidays, d.String())
	}
	return f
}

// MarshalJSON writes the policy in the form ParsePolicy reads, so that
// ParsePolicy(json.Marshal(p)) gives a policy equal to p: workflows,
// segments, calendar, send window, templates, render limits, creditor,
// payment, charges and every other field. Two things have no JSON form
// and make it fail: a Calendar that is not a BusinessCalendar, and
// Templates made with notice.Set.With. FX is a function: it is left out,
// and the app sets it again after ParsePolicy.
func (p Policy) MarshalJSON() ([]byte, error) {
	type plain Policy
	f := struct {
		plain
		Calendar  *calendarFile   `json:"calendar,omitempty"`
		Templates json.RawMessage `json:"templates,omitempty"`
	}{plain: plain(p)}
	switch c := p.Calendar.(type) {
	case nil:
	case BusinessCalendar:
		f.Calendar = c.file()
	case *BusinessCalendar:
		f.Calendar = c.file()
	default:
		return nil, fmt.Errorf("dunning: policy.calendar: a %T has no JSON form; use dunning.BusinessCalendar", p.Calendar)
	}
	if p.Templates != nil {
		b, err := json.Marshal(p.Templates)
		if err != nil {
			return nil, fmt.Errorf("dunning: policy.templates: %w", err)
		}
		var set struct {
			Templates json.RawMessage `json:"templates"`
		}
		if err := json.Unmarshal(b, &set); err != nil {
			return nil, fmt.Errorf("dunning: policy.templates: %w", err)
		}
		f.Templates = set.Templates
	}
	return json.Marshal(f)
}

func (c *calendarFile) calendar() (schedule.Calendar, error) {
	var off []time.Weekday
	for i, s := range c.Weekend {
		wd, ok := schedule.ParseWeekday(s)
		if !ok {
			return nil, &FieldError{Field: fmt.Sprintf("calendar.weekend[%d]", i), Value: s, Reason: "is not a weekday name (monday ... sunday)"}
		}
		if k := slices.Index(off, wd); k >= 0 {
			// Each day once: a repeated day would also throw off the
			// count below (seven entries of two days, or eight of seven).
			return nil, &FieldError{Field: fmt.Sprintf("calendar.weekend[%d]", i), Value: s, Reason: fmt.Sprintf("repeats calendar.weekend[%d]", k)}
		}
		off = append(off, wd)
	}
	if len(off) == 7 {
		return nil, &FieldError{Field: "calendar.weekend", Value: strings.Join(c.Weekend, ","), Reason: "leaves no business day"}
	}
	var hol []date.Date
	for i, s := range c.Holidays {
		d, err := parseDay(s)
		if err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("calendar.holidays[%d]", i), Value: s, Reason: "is not a date (YYYY-MM-DD)"}
		}
		hol = append(hol, d)
	}
	return BusinessCalendar{Weekend: off, Holidays: hol}, nil
}

// CheckDates reports the first string in a JSON document that has the form
// YYYY-MM-DD but is no calendar day ("2026-02-30"), naming its path. The
// date type's own JSON decoding rolls such a day over into the next month.
// ParsePolicy runs this check too; the library's record types (Invoice,
// Event, ...) decode their dates strictly by themselves, so apps need it
// only for documents of their own types.
func CheckDates(data []byte) error { return checkDatesAt(data, "") }

// checkDatesAt is CheckDates with paths starting at root.
func checkDatesAt(data []byte, root string) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil // not JSON: the decoder proper reports it
	}
	return checkDates(v, root)
}

func checkDates(v any, path string) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := checkDates(v[k], joinPath(path, k)); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := checkDates(e, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case string:
		if looksLikeDate(v) {
			if _, err := parseDay(v); err != nil {
				return &FieldError{Field: pathOrTop(path), Value: v, Reason: "is not a calendar day"}
			}
		}
	}
	return nil
}

func looksLikeDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, r := range s {
		if i != 4 && i != 7 && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
