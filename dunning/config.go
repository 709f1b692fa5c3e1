package dunning

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

// ParsePolicy reads a policy from JSON and validates it. Besides the
// Policy's own fields (workflows, creditor, payment, charges, ...) it
// takes:
//
//	"segments":  a segment rule set, as segment.Parse reads it
//	"calendar":  {"weekend": ["saturday", "sunday"], "holidays": ["2026-12-25"]}
//	"templates": [{"language": "de", "stage": "final-notice", "subject": ..., "text": ..., "html": ...}]
//
// Unknown fields are refused; errors name the field and the value.
func ParsePolicy(data []byte) (*Policy, error) {
	if err := CheckDates(data); err != nil {
		return nil, err
	}
	var f policyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, &FieldError{Field: "policy." + strings.TrimPrefix(te.Field, "Policy."), Value: "a JSON " + te.Value, Reason: "is the wrong type: want a " + te.Type.String()}
		}
		if fe := locateStepError(data); fe != nil {
			return nil, fe
		}
		return nil, fmt.Errorf("dunning: policy JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("dunning: policy JSON: trailing data after the policy")
	}
	p := f.Policy
	if len(bytes.TrimSpace(f.Segments)) > 0 && string(bytes.TrimSpace(f.Segments)) != "null" {
		rs, err := segment.Parse(f.Segments)
		if err != nil {
			return nil, fmt.Errorf("dunning: policy.segments: %w", err)
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
		set, err := notice.ParseSet([]byte(`{"templates": ` + string(f.Templates) + `}`))
		if err != nil {
			return nil, fmt.Errorf("dunning: policy.templates: %w", err)
		}
		p.Templates = set
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// locateStepError finds the workflow step whose JSON does not decode (an
// offset like "due+99999" fails inside its own decoder, and encoding/json
// does not say where), so the error can name it.
func locateStepError(data []byte) *FieldError {
	var raw struct {
		Workflows []struct {
			Steps []json.RawMessage `json:"steps"`
		} `json:"workflows"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return nil
	}
	for i, w := range raw.Workflows {
		for j, st := range w.Steps {
			var s Step
			dec := json.NewDecoder(bytes.NewReader(st))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&s); err != nil {
				return &FieldError{Field: fmt.Sprintf("policy.workflows[%d].steps[%d]", i, j), Value: clip(string(st)), Reason: err.Error()}
			}
		}
	}
	return nil
}

func (c *calendarFile) calendar() (schedule.Calendar, error) {
	var off []time.Weekday
	for i, s := range c.Weekend {
		wd, ok := schedule.ParseWeekday(s)
		if !ok {
			return nil, &FieldError{Field: fmt.Sprintf("policy.calendar.weekend[%d]", i), Value: s, Reason: "is not a weekday name (monday ... sunday)"}
		}
		off = append(off, wd)
	}
	if len(off) == 7 {
		return nil, &FieldError{Field: "policy.calendar.weekend", Value: strings.Join(c.Weekend, ","), Reason: "leaves no business day"}
	}
	var hol []date.Date
	for i, s := range c.Holidays {
		d, err := parseDay(s)
		if err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("policy.calendar.holidays[%d]", i), Value: s, Reason: "is not a date (YYYY-MM-DD)"}
		}
		hol = append(hol, d)
	}
	return schedule.Combine(schedule.Weekend(off...), schedule.Holidays(hol...)), nil
}

// CheckDates reports the first string in a JSON document that has the form
// YYYY-MM-DD but is no calendar day ("2026-02-30"), naming its path. The
// date type's own JSON decoding rolls such a day over into the next month.
// ParsePolicy runs this check first; the library's record types (Invoice,
// Event, ...) decode their dates strictly by themselves, so apps need it
// only for documents of their own types.
func CheckDates(data []byte) error { return checkDatesAt(data, "$") }

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
			if err := checkDates(v[k], path+"."+k); err != nil {
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
				return &FieldError{Field: path, Value: v, Reason: "is not a calendar day"}
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
