package dunning

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Locating JSON load errors. encoding/json says "unknown field" without
// saying where, names a wrong type's path without list indexes ("want a
// int"), and reports a syntax error by byte offset; a custom decoder's
// error (an offset like "due+99999") comes with no path at all. locate walks
// the document beside the Go type it decodes into and returns the first
// problem as a *FieldError with the full path
// (workflows[0].steps[2].at), the value, and a reason in plain words.

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// locate returns the first problem decoding data into a value of type t,
// or nil when it finds none. Paths start at root ("" for none).
func locate(data []byte, t reflect.Type, root string) *FieldError {
	return walkJSON(bytes.TrimSpace(data), t, root)
}

// joinPath appends a field name to a path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// pathOrTop names the document itself when path is empty.
func pathOrTop(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

// leafDecoder reports whether values of t decode themselves into a shape
// of their own (a text offset, a "09:00" time), so their JSON cannot be
// walked field by field.
func leafDecoder(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	if !pt.Implements(jsonUnmarshaler) && !pt.Implements(textUnmarshaler) {
		return false
	}
	// The record types of this package decode strictly through their own
	// plain form: their fields can be walked.
	return !plainForm[t]
}

// plainForm holds the types whose UnmarshalJSON reads their fields as
// they are (adding strict dates and no unknown fields).
var plainForm = map[reflect.Type]bool{
	reflect.TypeFor[Charges]():   true,
	reflect.TypeFor[Hold]():      true,
	reflect.TypeFor[Agreement](): true,
	reflect.TypeFor[Payment]():   true,
	reflect.TypeFor[Credit]():    true,
	reflect.TypeFor[Dispute]():   true,
	reflect.TypeFor[Promise]():   true,
	reflect.TypeFor[Invoice]():   true,
	reflect.TypeFor[Customer]():  true,
	reflect.TypeFor[Event]():     true,
}

var dateType = reflect.TypeFor[date.Date]()

// kindWord is what a JSON value of Go kind k must be, in words.
func kindWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "a value"
}

// jsonWord names the kind of JSON value raw is.
func jsonWord(raw []byte) string {
	switch {
	case len(raw) == 0:
		return "nothing"
	case raw[0] == '"':
		return "a string"
	case raw[0] == '{':
		return "an object"
	case raw[0] == '[':
		return "a list"
	case raw[0] == 't' || raw[0] == 'f':
		return "true or false"
	case raw[0] == 'n':
		return "null"
	}
	return "a number"
}

// plainReason turns a decoder's message into plain words.
func plainReason(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	if strings.Contains(err.Error(), "unexpected end of JSON input") || errors.Is(err, errUnexpectedEnd) {
		return "is not valid JSON: the document ends too early"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "is not valid JSON: " + strings.TrimPrefix(se.Error(), "json: ")
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		got := map[string]string{"string": "a string", "number": "a number", "bool": "true or false", "array": "a list", "object": "an object"}[te.Value]
		if got == "" {
			got = "a " + te.Value
		}
		return "is " + got + ": want " + kindWord(te.Type)
	}
	msg := err.Error()
	if errors.Is(err, errUnexpectedEnd) || strings.Contains(msg, "unexpected end of JSON input") {
		return "is not valid JSON: the document ends too early"
	}
	return "is not valid: " + trimPkg(msg)
}

var errUnexpectedEnd = errors.New("unexpected EOF")

// shown is a JSON value as an error quotes it: a string without its
// quotes, anything else as written, shortened.
func shown(raw []byte) string {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return clip(s)
		}
	}
	return clip(string(raw))
}

// trimPkg drops the "schedule: " style prefixes of the library's packages
// from a message shown after a path.
func trimPkg(msg string) string {
	for _, p := range []string{"schedule: ", "notice: ", "segment: ", "money: ", "charge: ", "dunning: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

// syntaxAt is the error for JSON that does not parse at path.
func syntaxAt(path string, raw []byte, err error) *FieldError {
	reason := plainReason(err)
	if !strings.HasPrefix(reason, "is not valid JSON") {
		reason = "is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
	}
	if errors.Is(err, errUnexpectedEnd) || err.Error() == "EOF" {
		reason = "is not valid JSON: the document ends too early"
	}
	return &FieldError{Field: pathOrTop(path), Value: clip(string(bytes.TrimLeft(raw, " \t\r\n,"))), Reason: reason}
}

// fieldsOf maps the JSON names of a struct's fields (embedded ones
// flattened) to their types. Shallower fields win, as in encoding/json.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var add func(t reflect.Type, depth int, seen map[string]int)
	add = func(t reflect.Type, depth int, seen map[string]int) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					add(et, depth+1, seen)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if d, ok := seen[name]; ok && d <= depth {
				continue
			}
			seen[name] = depth
			out[name] = ft
		}
	}
	add(t, 0, map[string]int{})
	return out
}

// lookupField finds a JSON key among fields as encoding/json does: exactly,
// else ignoring case.
func lookupField(fields map[string]reflect.Type, key string) (reflect.Type, bool) {
	if ft, ok := fields[key]; ok {
		return ft, true
	}
	for name, ft := range fields {
		if strings.EqualFold(name, key) {
			return ft, true
		}
	}
	return nil, false
}

// members reads the members of a JSON object or list one by one, calling
// each with its key (or index) and raw value. A member that does not parse
// is walked from where it starts, so the syntax error is found inside it.
func members(raw []byte, path string, object bool, each func(key string, idx int, raw []byte) *FieldError) *FieldError {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // { or [
		return syntaxAt(path, raw, err)
	}
	for i := 0; dec.More(); i++ {
		key := ""
		if object {
			tok, err := dec.Token()
			if err != nil {
				return syntaxAt(path, raw[dec.InputOffset():], err)
			}
			key, _ = tok.(string)
		}
		start := dec.InputOffset()
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			rest := bytes.TrimLeft(raw[start:], " \t\r\n:,")
			sub := path
			if object {
				sub = joinPath(path, key)
			} else {
				sub = fmt.Sprintf("%s[%d]", path, i)
			}
			if fe := each(key, i, rest); fe != nil {
				return fe
			}
			return syntaxAt(sub, rest, err)
		}
		if fe := each(key, i, v); fe != nil {
			return fe
		}
	}
	if _, err := dec.Token(); err != nil { // } or ]
		return syntaxAt(path, raw[dec.InputOffset():], err)
	}
	return nil
}

// walkJSON checks raw against type t at path.
func walkJSON(raw []byte, t reflect.Type, path string) *FieldError {
	if len(raw) == 0 {
		return &FieldError{Field: pathOrTop(path), Value: "", Reason: "is not valid JSON: the document ends too early"}
	}
	if raw[0] == 'n' && string(raw) == "null" {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[json.RawMessage]() || t.Kind() == reflect.Interface {
		if !json.Valid(raw) {
			return syntaxAt(path, raw, json.Unmarshal(raw, new(any)))
		}
		return nil
	}
	if t == reflect.TypeFor[jsonDay]() {
		t = dateType
	}
	if t == dateType {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			return &FieldError{Field: pathOrTop(path), Value: shown(raw), Reason: "is " + jsonWord(raw) + ": want a date YYYY-MM-DD"}
		}
		if _, err := parseDay(str); err != nil {
			reason := "is not a date (YYYY-MM-DD)"
			if looksLikeDate(str) {
				reason = "is not a calendar day"
			}
			return &FieldError{Field: pathOrTop(path), Value: clip(str), Reason: reason}
		}
		return nil
	}
	if t == reflect.TypeFor[decimal.Decimal]() {
		if _, err := decimal.NewFromString(shown(raw)); err != nil {
			return &FieldError{Field: pathOrTop(path), Value: shown(raw), Reason: `is not a decimal number: want one like "12.50"`}
		}
	}
	if leafDecoder(t) {
		v := reflect.New(t)
		if err := json.Unmarshal(raw, v.Interface()); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return syntaxAt(path, raw, err)
			}
			return &FieldError{Field: pathOrTop(path), Value: shown(raw), Reason: plainReason(err)}
		}
		return nil
	}
	want := kindWord(t)
	switch t.Kind() {
	case reflect.Struct:
		if raw[0] != '{' {
			return &FieldError{Field: pathOrTop(path), Value: shown(raw), Reason: "is " + jsonWord(raw) + ": want " + want}
		}
		fields := fieldsOf(t)
		return members(raw, path, true, func(key string, _ int, v []byte) *FieldError {
			ft, ok := lookupField(fields, key)
			if !ok {
				return &FieldError{Field: joinPath(path, key), Value: key, Reason: "is not a known field"}
			}
			return walkJSON(v, ft, joinPath(path, key))
		})
	case reflect.Map:
		if raw[0] != '{' {
			return &FieldError{Field: pathOrTop(path), Value: shown(raw), Reason: "is " + jsonWord(raw) + ": want " + want}
		}
		kt := t.Key()
		return members(raw, path, true, func(key string, _ int, v []byte) *FieldError {
			if reflect.PointerTo(kt).Implements(textUnmarshaler) {
				k := reflect.New(kt)
				if err := k.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(key)); err != nil {
					return &FieldError{Field: joinPath(path, key), Value: key, Reason: plainReason(err)}
				}
			}
			return walkJSON(v, t.Elem(), joinPath(path, key))
		})
	case reflect.Slice, reflect.Array:
		if raw[0] != '[' {
			return &FieldError{Field: pathOrTop(path), Value: shown(raw), Reason: "is " + jsonWord(raw) + ": want " + want}
		}
		return members(raw, path, false, func(_ string, i int, v []byte) *FieldError {
			return walkJSON(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		})
	case reflect.Func, reflect.Chan:
		return nil
	}
	// A scalar.
	v := reflect.New(t)
	if err := json.Unmarshal(raw, v.Interface()); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return syntaxAt(path, raw, err)
		}
		reason := "is " + jsonWord(raw) + ": want " + want
		if jsonWord(raw) == "a number" && want == "an integer" {
			reason = "is not an integer in range: want " + want
		}
		return &FieldError{Field: pathOrTop(path), Value: shown(raw), Reason: reason}
	}
	return nil
}

// repeatedKey returns a *FieldError for the first object in data that
// holds one key twice, or nil. encoding/json keeps the last of the two
// unsaid, and matches a struct's field names in any case, so at a struct
// "weekend" and "Weekend" are one key too; the keys of a map (currency
// codes, attribute names) and of an object whose shape is not walked
// (what a type decodes itself) repeat only as written. t is the type data
// decodes into (nil: unknown); paths start at root.
func repeatedKey(data []byte, t reflect.Type, root string) *FieldError {
	return walkKeys(bytes.TrimSpace(data), t, root)
}

func walkKeys(raw []byte, t reflect.Type, path string) *FieldError {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || t == reflect.TypeFor[json.RawMessage]() || leafDecoder(t)) {
		t = nil
	}
	if len(raw) == 0 || raw[0] != '{' && raw[0] != '[' {
		return nil
	}
	elem := func() reflect.Type {
		if t != nil && (t.Kind() == reflect.Map || t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			return t.Elem()
		}
		return nil
	}
	if raw[0] == '[' {
		et := elem()
		return members(raw, path, false, func(_ string, i int, v []byte) *FieldError {
			return walkKeys(v, et, fmt.Sprintf("%s[%d]", path, i))
		})
	}
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = fieldsOf(t)
	}
	seen := map[string]string{} // the key as matched -> as written first
	return members(raw, path, true, func(key string, _ int, v []byte) *FieldError {
		name, ft := key, elem()
		if fields != nil {
			ft = nil
			if exact, ok := fields[key]; ok {
				ft = exact
			} else {
				for n, f := range fields {
					if strings.EqualFold(n, key) {
						name, ft = n, f
						break
					}
				}
			}
		}
		if first, ok := seen[name]; ok {
			reason := "repeats a key of its object: one of the two would be dropped unsaid"
			if first != key {
				reason = fmt.Sprintf("repeats %s (a field's name matches in any case): one of the two would be dropped unsaid", joinPath(path, first))
			}
			return &FieldError{Field: joinPath(path, key), Value: key, Reason: reason}
		}
		seen[name] = key
		return walkKeys(v, ft, joinPath(path, key))
	})
}
