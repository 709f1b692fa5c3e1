package segment

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Op is a predicate's operator.
type Op string

// The operators. Comparisons (lt, lte, gt, gte, between) work on numbers and
// dates; prefix on strings; eq, ne, in, not_in on any kind.
const (
	Eq      Op = "eq"
	Ne      Op = "ne"
	In      Op = "in"
	NotIn   Op = "not_in"
	Lt      Op = "lt"
	Lte     Op = "lte"
	Gt      Op = "gt"
	Gte     Op = "gte"
	Between Op = "between"
	Exists  Op = "exists"
	Prefix  Op = "prefix"
)

// MaxDepth bounds how deeply conditions nest.
const MaxDepth = 32

// Cond is a predicate over one attribute (Attr, Op and Value or Values) or a
// combination of conditions: All (and), Any (or), Not. Exactly one form is
// used.
//
// A predicate whose attribute is missing, or has another kind than the
// operand, is false, for ne and not_in too; exists tests presence.
type Cond struct {
	All    []Cond  `json:"all,omitempty"`
	Any    []Cond  `json:"any,omitempty"`
	Not    *Cond   `json:"not,omitempty"`
	Attr   string  `json:"attr,omitempty"`
	Op     Op      `json:"op,omitempty"`
	Value  *Value  `json:"value,omitempty"`
	Values []Value `json:"values,omitempty"`
}

// Target is where a match routes a customer: a workflow, and optionally a
// template set and a notice language.
type Target struct {
	Workflow  string `json:"workflow"`
	Templates string `json:"templates,omitempty"`
	Language  string `json:"language,omitempty"`
}

// Rule routes the customers matching When to its Target.
type Rule struct {
	Name     string `json:"name"`
	Priority int    `json:"priority,omitempty"`
	When     Cond   `json:"when"`
	Target
}

// RuleSet is an ordered list of rules with a default. Rules are evaluated by
// Priority, higher first, ties in list order; the first match wins; with no
// match the Default applies.
type RuleSet struct {
	// Attributes declares the attributes rules may name, with their kinds;
	// when not empty, a rule naming another attribute is refused.
	Attributes map[string]Kind `json:"attributes,omitempty"`
	Rules      []Rule          `json:"rules"`
	Default    Target          `json:"default"`
}

// Error is a problem in a rule set at a path such as
// rules[2].when.any[0].op.
type Error struct {
	Path   string
	Value  string
	Reason string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("segment: %s: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("segment: %s: %s %s", e.Path, e.Reason, e.Value)
}

// Parse decodes a rule set from JSON (unknown fields are refused) and
// validates it.
func Parse(data []byte) (*RuleSet, error) {
	var rs RuleSet
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rs); err != nil {
		return nil, &Error{Path: jsonPath(err), Reason: "invalid JSON: " + err.Error()}
	}
	if dec.More() {
		return nil, &Error{Path: "$", Reason: "trailing data after the rule set"}
	}
	rs.coerceDates()
	if err := rs.Validate(); err != nil {
		return nil, err
	}
	return &rs, nil
}

func jsonPath(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return te.Field
	}
	return "$"
}

// coerceDates turns "2026-01-31" string operands of attributes declared as
// dates into dates.
func (rs *RuleSet) coerceDates() {
	if len(rs.Attributes) == 0 {
		return
	}
	var walk func(c *Cond, depth int)
	walk = func(c *Cond, depth int) {
		if depth > MaxDepth {
			return
		}
		for i := range c.All {
			walk(&c.All[i], depth+1)
		}
		for i := range c.Any {
			walk(&c.Any[i], depth+1)
		}
		if c.Not != nil {
			walk(c.Not, depth+1)
		}
		if rs.Attributes[c.Attr] != KindDate {
			return
		}
		fix := func(v *Value) {
			if v.kind == KindString {
				var d Value
				if err := d.UnmarshalJSON([]byte(`{"date":"` + strings.ReplaceAll(v.s, `"`, ``) + `"}`)); err == nil {
					*v = d
				}
			}
		}
		if c.Value != nil {
			fix(c.Value)
		}
		for i := range c.Values {
			fix(&c.Values[i])
		}
	}
	for i := range rs.Rules {
		walk(&rs.Rules[i].When, 0)
	}
}

// Validate checks every rule; the error names the path of the first
// problems found (joined).
func (rs *RuleSet) Validate() error {
	var errs []error
	add := func(path, value, reason string) {
		if len(errs) < 20 {
			errs = append(errs, &Error{Path: path, Value: value, Reason: reason})
		}
	}
	if rs.Default.Workflow == "" {
		add("default.workflow", "", "must name a workflow")
	}
	for _, name := range slices.Sorted(maps.Keys(rs.Attributes)) { // errors in one order
		if k := rs.Attributes[name]; k < KindString || k > KindBool {
			add("attributes."+name, fmt.Sprint(int(k)), "unknown kind")
		}
	}
	names := map[string]bool{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		p := fmt.Sprintf("rules[%d]", i)
		if r.Name == "" {
			add(p+".name", "", "must not be empty")
		} else if names[r.Name] {
			add(p+".name", fmt.Sprintf("%q", r.Name), "is used by an earlier rule:")
		}
		names[r.Name] = true
		if r.Workflow == "" {
			add(p+".workflow", "", "must name a workflow")
		}
		rs.validateCond(&r.When, p+".when", 0, add)
	}
	return errors.Join(errs...)
}

func (rs *RuleSet) validateCond(c *Cond, p string, depth int, add func(path, value, reason string)) {
	if depth > MaxDepth {
		add(p, "", fmt.Sprintf("conditions nest deeper than %d", MaxDepth))
		return
	}
	forms := 0
	if c.All != nil {
		forms++
	}
	if c.Any != nil {
		forms++
	}
	if c.Not != nil {
		forms++
	}
	if c.Attr != "" || c.Op != "" {
		forms++
	}
	switch {
	case forms == 0:
		add(p, "", "empty condition: give all, any, not, or attr with op")
		return
	case forms > 1:
		add(p, "", "give only one of all, any, not, or attr with op")
		return
	}
	switch {
	case c.All != nil:
		if len(c.All) == 0 {
			add(p+".all", "", "must not be empty")
		}
		for i := range c.All {
			rs.validateCond(&c.All[i], fmt.Sprintf("%s.all[%d]", p, i), depth+1, add)
		}
		return
	case c.Any != nil:
		if len(c.Any) == 0 {
			add(p+".any", "", "must not be empty")
		}
		for i := range c.Any {
			rs.validateCond(&c.Any[i], fmt.Sprintf("%s.any[%d]", p, i), depth+1, add)
		}
		return
	case c.Not != nil:
		rs.validateCond(c.Not, p+".not", depth+1, add)
		return
	}
	if c.Attr == "" {
		add(p+".attr", "", "must name an attribute")
		return
	}
	declared, isDeclared := rs.Attributes[c.Attr]
	if len(rs.Attributes) > 0 && !isDeclared {
		add(p+".attr", fmt.Sprintf("%q", c.Attr), "unknown attribute")
		return
	}
	checkKind := func(path string, v Value) {
		if v.kind == 0 {
			add(path, "", "missing value")
			return
		}
		if v.kind == KindNumber {
			if why := exponentProblem(v.n); why != "" {
				add(path, v.n.Coefficient().String()+"e"+fmt.Sprint(v.n.Exponent()), why)
				return
			}
		}
		if isDeclared && v.kind != declared {
			add(path, v.String(), fmt.Sprintf("attribute %q is a %s, not a %s:", c.Attr, declared, v.kind))
		}
	}
	one := func() {
		if c.Value == nil {
			add(p+".value", "", fmt.Sprintf("operator %q needs a value", c.Op))
			return
		}
		if len(c.Values) > 0 {
			add(p+".values", "", fmt.Sprintf("operator %q takes value, not values", c.Op))
		}
		checkKind(p+".value", *c.Value)
	}
	ordered := func(v Value) bool { return v.kind == KindNumber || v.kind == KindDate }
	switch c.Op {
	case Eq, Ne:
		one()
	case Lt, Lte, Gt, Gte:
		one()
		if c.Value != nil && c.Value.kind != 0 && !ordered(*c.Value) {
			add(p+".value", c.Value.String(), fmt.Sprintf("operator %q compares numbers or dates, not", c.Op))
		}
	case Prefix:
		one()
		if c.Value != nil && c.Value.kind != 0 && c.Value.kind != KindString {
			add(p+".value", c.Value.String(), `operator "prefix" needs a string, not`)
		}
	case In, NotIn:
		if len(c.Values) == 0 {
			add(p+".values", "", fmt.Sprintf("operator %q needs at least one value", c.Op))
		}
		for i, v := range c.Values {
			checkKind(fmt.Sprintf("%s.values[%d]", p, i), v)
		}
	case Between:
		if len(c.Values) != 2 {
			add(p+".values", fmt.Sprint(len(c.Values)), `operator "between" needs exactly 2 values [lo, hi], got`)
			return
		}
		for i, v := range c.Values {
			checkKind(fmt.Sprintf("%s.values[%d]", p, i), v)
			if v.kind != 0 && !ordered(v) {
				add(fmt.Sprintf("%s.values[%d]", p, i), v.String(), `operator "between" compares numbers or dates, not`)
			}
		}
		if c.Values[0].kind == KindNumber && exponentProblem(c.Values[0].n) != "" || c.Values[1].kind == KindNumber && exponentProblem(c.Values[1].n) != "" {
			return // refused above; comparing would expand the exponent
		}
		if o, ok := c.Values[0].cmp(c.Values[1]); ok && o > 0 {
			add(p+".values", c.Values[0].String()+" > "+c.Values[1].String(), "between needs lo <= hi:")
		} else if !ok && c.Values[0].kind != c.Values[1].kind {
			add(p+".values", "", "between's two values must have one kind")
		}
	case Exists:
		if c.Value != nil || len(c.Values) > 0 {
			add(p, "", `operator "exists" takes no value`)
		}
	case "":
		add(p+".op", "", "missing operator")
	default:
		add(p+".op", fmt.Sprintf("%q", c.Op), "unknown operator")
	}
}

// pred applies the predicate to the attribute value v (present: ok).
func (c *Cond) pred(v Value, ok bool) bool {
	if c.Op == Exists {
		return ok
	}
	if !ok {
		return false
	}
	switch c.Op {
	case Eq, Ne:
		if c.Value == nil || c.Value.kind != v.kind {
			return false
		}
		return v.Equal(*c.Value) == (c.Op == Eq)
	case In, NotIn:
		if len(c.Values) == 0 || c.Values[0].kind != v.kind {
			return false
		}
		return slices.ContainsFunc(c.Values, v.Equal) == (c.Op == In)
	case Lt, Lte, Gt, Gte:
		if c.Value == nil {
			return false
		}
		o, ok := v.cmp(*c.Value)
		if !ok {
			return false
		}
		switch c.Op {
		case Lt:
			return o < 0
		case Lte:
			return o <= 0
		case Gt:
			return o > 0
		}
		return o >= 0
	case Between:
		if len(c.Values) != 2 {
			return false
		}
		lo, ok1 := v.cmp(c.Values[0])
		hi, ok2 := v.cmp(c.Values[1])
		return ok1 && ok2 && lo >= 0 && hi <= 0
	case Prefix:
		return c.Value != nil && c.Value.kind == KindString && v.kind == KindString && strings.HasPrefix(v.s, c.Value.s)
	}
	return false
}

// Match is the outcome of routing a subject.
type Match struct {
	Target
	// Rule is the matching rule's name ("" for the default).
	Rule string `json:"rule,omitempty"`
	// Index is the rule's index in Rules, -1 for the default.
	Index   int  `json:"index"`
	Default bool `json:"default,omitempty"`
}

// order returns the rule indexes in evaluation order; nil means list order.
func (rs *RuleSet) order() []int {
	sorted := true
	for i := 1; i < len(rs.Rules); i++ {
		if rs.Rules[i].Priority > rs.Rules[i-1].Priority {
			sorted = false
			break
		}
	}
	if sorted {
		return nil
	}
	idx := make([]int, len(rs.Rules))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(rs.Rules[b].Priority, rs.Rules[a].Priority) })
	return idx
}

// Match routes s: the first rule (by priority, then list order) whose
// condition holds, or the default. It never changes the rule set and is
// safe for concurrent use. It compiles the rule set on every call: to
// route many subjects, Compile once and use the Matcher.
func (rs *RuleSet) Match(s Subject) Match {
	return rs.Compile().Match(s)
}
