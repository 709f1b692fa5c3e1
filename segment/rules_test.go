package segment_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func num(s string) segment.Value         { return segment.Number(decimal.RequireFromString(s)) }
func day(s string) segment.Value         { return segment.Date(date.MustParseISO(s)) }
func ptr(v segment.Value) *segment.Value { return &v }

var subject = segment.Attrs{
	"industry":  segment.String("retail"),
	"employees": num("250"),
	"since":     day("2020-06-15"),
	"public":    segment.Bool(true),
	"country":   segment.String("DE"),
}

// match evaluates one condition through a one-rule set.
func match(c segment.Cond, s segment.Subject) bool {
	rs := segment.RuleSet{Rules: []segment.Rule{{Name: "r", When: c, Target: segment.Target{Workflow: "hit"}}}, Default: segment.Target{Workflow: "miss"}}
	return !rs.Match(s).Default
}

func TestOperators(t *testing.T) {
	p := func(attr string, op segment.Op, v segment.Value) segment.Cond {
		return segment.Cond{Attr: attr, Op: op, Value: ptr(v)}
	}
	ps := func(attr string, op segment.Op, vs ...segment.Value) segment.Cond {
		return segment.Cond{Attr: attr, Op: op, Values: vs}
	}
	for _, tc := range []struct {
		name string
		c    segment.Cond
		want bool
	}{
		{"eq string", p("industry", segment.Eq, segment.String("retail")), true},
		{"eq string case matters", p("industry", segment.Eq, segment.String("Retail")), false},
		{"eq number by value", p("employees", segment.Eq, num("250.00")), true},
		{"eq date", p("since", segment.Eq, day("2020-06-15")), true},
		{"eq bool", p("public", segment.Eq, segment.Bool(true)), true},
		{"ne", p("country", segment.Ne, segment.String("FR")), true},
		{"ne equal", p("country", segment.Ne, segment.String("DE")), false},
		{"ne missing is false", p("region", segment.Ne, segment.String("EU")), false},
		{"ne kind mismatch is false", p("employees", segment.Ne, segment.String("250")), false},
		{"in", ps("country", segment.In, segment.String("AT"), segment.String("DE")), true},
		{"in not listed", ps("country", segment.In, segment.String("AT"), segment.String("CH")), false},
		{"not_in", ps("country", segment.NotIn, segment.String("AT"), segment.String("CH")), true},
		{"not_in listed", ps("country", segment.NotIn, segment.String("DE")), false},
		{"not_in missing is false", ps("region", segment.NotIn, segment.String("EU")), false},
		{"lt below", p("employees", segment.Lt, num("251")), true},
		{"lt at boundary", p("employees", segment.Lt, num("250")), false},
		{"lte at boundary", p("employees", segment.Lte, num("250")), true},
		{"gt at boundary", p("employees", segment.Gt, num("250")), false},
		{"gt above", p("employees", segment.Gt, num("249.99")), true},
		{"gte at boundary", p("employees", segment.Gte, num("250")), true},
		{"lt date", p("since", segment.Lt, day("2020-06-16")), true},
		{"gt date boundary", p("since", segment.Gt, day("2020-06-15")), false},
		{"lt string never", p("industry", segment.Lt, num("1")), false},
		{"between inclusive low", ps("employees", segment.Between, num("250"), num("500")), true},
		{"between inclusive high", ps("employees", segment.Between, num("10"), num("250")), true},
		{"between outside", ps("employees", segment.Between, num("251"), num("500")), false},
		{"between dates", ps("since", segment.Between, day("2020-01-01"), day("2020-12-31")), true},
		{"exists", segment.Cond{Attr: "public", Op: segment.Exists}, true},
		{"exists missing", segment.Cond{Attr: "region", Op: segment.Exists}, false},
		{"prefix", p("industry", segment.Prefix, segment.String("ret")), true},
		{"prefix whole", p("industry", segment.Prefix, segment.String("retail")), true},
		{"prefix longer", p("industry", segment.Prefix, segment.String("retailer")), false},
		{"prefix empty", p("industry", segment.Prefix, segment.String("")), true},
		{"all", segment.Cond{All: []segment.Cond{p("country", segment.Eq, segment.String("DE")), p("employees", segment.Gte, num("100"))}}, true},
		{"all one fails", segment.Cond{All: []segment.Cond{p("country", segment.Eq, segment.String("DE")), p("employees", segment.Gte, num("1000"))}}, false},
		{"any", segment.Cond{Any: []segment.Cond{p("country", segment.Eq, segment.String("FR")), p("public", segment.Eq, segment.Bool(true))}}, true},
		{"any none", segment.Cond{Any: []segment.Cond{p("country", segment.Eq, segment.String("FR")), p("public", segment.Eq, segment.Bool(false))}}, false},
		{"not", segment.Cond{Not: ptrCond(p("country", segment.Eq, segment.String("FR")))}, true},
		{"not of missing", segment.Cond{Not: ptrCond(p("region", segment.Eq, segment.String("EU")))}, true},
		{"nested", segment.Cond{Any: []segment.Cond{{All: []segment.Cond{p("industry", segment.Prefix, segment.String("re")), {Not: ptrCond(p("public", segment.Eq, segment.Bool(false)))}}}}}, true},
	} {
		if got := match(tc.c, subject); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func ptrCond(c segment.Cond) *segment.Cond { return &c }

func TestPriorityAndDefault(t *testing.T) {
	rs, err := segment.Parse([]byte(`{
	  "rules": [
	    {"name": "german", "when": {"attr": "country", "op": "eq", "value": "DE"}, "workflow": "de", "language": "de"},
	    {"name": "big", "priority": 10, "when": {"attr": "employees", "op": "gte", "value": 200}, "workflow": "enterprise", "templates": "formal"},
	    {"name": "retail", "when": {"attr": "industry", "op": "eq", "value": "retail"}, "workflow": "retail"},
	    {"name": "also-big", "priority": 10, "when": {"attr": "employees", "op": "gte", "value": 100}, "workflow": "never"}
	  ],
	  "default": {"workflow": "standard"}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	// Priority 10 rules first, in list order: "big" wins over "also-big"
	// (tie, listed earlier) and over "german" (lower priority, listed first).
	m := rs.Match(subject)
	want := segment.Match{Target: segment.Target{Workflow: "enterprise", Templates: "formal"}, Rule: "big", Index: 1}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("match (-want +got):\n%s", diff)
	}
	small := segment.Attrs{"country": segment.String("DE"), "employees": num("5")}
	if m := rs.Match(small); m.Rule != "german" || m.Language != "de" || m.Workflow != "de" {
		t.Errorf("small German: %+v", m)
	}
	if m := rs.Match(segment.Attrs{}); !m.Default || m.Workflow != "standard" || m.Index != -1 {
		t.Errorf("empty subject: %+v", m)
	}
}

func TestParseErrorsNamePathAndValue(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{"rules": [{"name": "a", "when": {"attr": "x", "op": "eq", "value": 1}, "workflow": "w"},
		             {"name": "b", "when": {"attr": "x", "op": "eq", "value": 1}, "workflow": "w"},
		             {"name": "c", "when": {"any": [{"attr": "x", "op": "greater", "value": 1}]}, "workflow": "w"}],
		  "default": {"workflow": "w"}}`,
			[]string{`segment: rules[2].when.any[0].op: unknown operator "greater"`}},
		{`{"attributes": {"size": "string"}, "rules": [{"name": "a", "when": {"attr": "sise", "op": "eq", "value": "x"}, "workflow": "w"}], "default": {"workflow": "w"}}`,
			[]string{`rules[0].when.attr: unknown attribute "sise"`}},
		{`{"attributes": {"size": "string"}, "rules": [{"name": "a", "when": {"attr": "size", "op": "eq", "value": 3}, "workflow": "w"}], "default": {"workflow": "w"}}`,
			[]string{`rules[0].when.value`, `attribute "size" is a string, not a number`}},
		{`{"rules": [{"name": "a", "when": {"attr": "n", "op": "between", "values": [5, 1]}, "workflow": "w"}], "default": {"workflow": "w"}}`,
			[]string{`rules[0].when.values`, `5 > 1`}},
		{`{"rules": [{"name": "a", "when": {"attr": "n", "op": "lt", "value": "x"}, "workflow": "w"}], "default": {"workflow": "w"}}`,
			[]string{`rules[0].when.value`, `compares numbers or dates`}},
		{`{"rules": [{"name": "a", "when": {}, "workflow": "w"}], "default": {"workflow": "w"}}`,
			[]string{`rules[0].when`, `empty condition`}},
		{`{"rules": [], "default": {"workflow": "w"}, "colour": "red"}`,
			[]string{`unknown field "colour"`}},
		{`{"rules": [{"name": "a", "when": {"attr": "d", "op": "eq", "value": {"date": "2026-02-30"}}, "workflow": "w"}], "default": {"workflow": "w"}}`,
			[]string{`2026-02-30`}},
		{`{"rules": [{"name": "a", "when": {"attr": "x", "op": "in", "values": []}, "workflow": "w"},
		             {"name": "b", "when": {"attr": "x", "op": "exists", "value": 1}, "workflow": "w"}], "default": {"workflow": "w"}}`,
			[]string{`rules[0].when.values`, `rules[1].when`, `takes no value`}},
		{`[1, 2]`, []string{"invalid JSON"}},
	} {
		_, err := segment.Parse([]byte(tc.in))
		if err == nil {
			t.Errorf("Parse accepted %s", tc.in)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q lacks %q", err, w)
			}
		}
		var se *segment.Error
		if !errors.As(err, &se) {
			t.Errorf("error %v is not a *segment.Error", err)
		}
	}
}

func TestDeclaredDateAttributesTakeStrings(t *testing.T) {
	rs, err := segment.Parse([]byte(`{"attributes": {"since": "date"},
	  "rules": [{"name": "old", "when": {"attr": "since", "op": "lt", "value": "2021-01-01"}, "workflow": "loyal"}],
	  "default": {"workflow": "w"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m := rs.Match(subject); m.Rule != "old" {
		t.Errorf("customer since 2020-06-15 should be old: %+v", m)
	}
}

func TestExplain(t *testing.T) {
	rs, err := segment.Parse([]byte(`{"rules": [
	    {"name": "french", "when": {"attr": "country", "op": "eq", "value": "FR"}, "workflow": "fr"},
	    {"name": "big-retail", "when": {"all": [{"attr": "industry", "op": "eq", "value": "retail"}, {"attr": "employees", "op": "gt", "value": 100}]}, "workflow": "key"}
	  ], "default": {"workflow": "std"}}`))
	if err != nil {
		t.Fatal(err)
	}
	ex := rs.Explain(subject)
	if ex.Match.Rule != "big-retail" || len(ex.Rules) != 2 || ex.Rules[0].Held || !ex.Rules[1].Held {
		t.Fatalf("explanation %+v", ex)
	}
	if c := ex.Rules[0].Check; c.Actual != `"DE"` || c.Expected != `"FR"` || c.Path != "rules[0].when" {
		t.Errorf("first check %+v", c)
	}
	s := ex.String()
	for _, want := range []string{`rule "big-retail" matched: workflow "key"`, `rule "french": failed`, `country eq "FR" (actual "DE"): failed`, `employees gt 100 (actual 250): held`} {
		if !strings.Contains(s, want) {
			t.Errorf("explanation lacks %q:\n%s", want, s)
		}
	}
	if m := rs.Match(subject); m != ex.Match {
		t.Errorf("Explain's match %+v differs from Match %+v", ex.Match, m)
	}
}

// genValue draws a value of a random kind from a small domain, so that
// random rules and subjects meet often.
func genValue(t *rapid.T, label string) segment.Value {
	return genValueOf(t, label, segment.Kind(rapid.IntRange(1, 4).Draw(t, label+"-kind")))
}

// genValueOf draws a value of kind k from the same small domains.
func genValueOf(t *rapid.T, label string, k segment.Kind) segment.Value {
	switch k {
	case segment.KindString:
		return segment.String(rapid.SampledFrom([]string{"a", "ab", "b", ""}).Draw(t, label))
	case segment.KindNumber:
		// Integers and the same integers written with decimals (1 = 1.0).
		n := int64(rapid.IntRange(-2, 2).Draw(t, label))
		if rapid.Bool().Draw(t, label+"-scaled") {
			return segment.Number(decimal.New(n*10, -1))
		}
		return segment.Int(n)
	case segment.KindDate:
		return segment.Date(date.New(2026, 1, 1) + date.Date(rapid.IntRange(0, 3).Draw(t, label)))
	}
	return segment.Bool(rapid.Bool().Draw(t, label))
}

var attrNames = []string{"x", "y", "z"}

func genCond(t *rapid.T, depth int) segment.Cond {
	k := rapid.IntRange(0, 5).Draw(t, "form")
	if depth >= 3 {
		k = 0
	}
	switch k {
	case 1, 2:
		n := rapid.IntRange(1, 3).Draw(t, "n")
		cs := make([]segment.Cond, n)
		for i := range cs {
			cs[i] = genCond(t, depth+1)
		}
		if k == 1 {
			return segment.Cond{All: cs}
		}
		return segment.Cond{Any: cs}
	case 3:
		c := genCond(t, depth+1)
		return segment.Cond{Not: &c}
	}
	attr := rapid.SampledFrom(attrNames).Draw(t, "attr")
	v := genValue(t, "v")
	ops := []segment.Op{segment.Eq, segment.Ne, segment.In, segment.NotIn, segment.Exists}
	switch v.Kind() {
	case segment.KindNumber, segment.KindDate:
		ops = append(ops, segment.Lt, segment.Lte, segment.Gt, segment.Gte, segment.Between)
	case segment.KindString:
		ops = append(ops, segment.Prefix)
	}
	op := rapid.SampledFrom(ops).Draw(t, "op")
	switch op {
	case segment.Exists:
		return segment.Cond{Attr: attr, Op: op}
	case segment.In, segment.NotIn:
		vs := []segment.Value{v}
		for range rapid.IntRange(0, 2).Draw(t, "more") {
			vs = append(vs, genValueOf(t, "v", v.Kind()))
		}
		return segment.Cond{Attr: attr, Op: op, Values: vs}
	case segment.Between:
		lo, hi := v, genValueOf(t, "hi", v.Kind())
		if modelCmp(lo, hi) > 0 {
			lo, hi = hi, lo
		}
		return segment.Cond{Attr: attr, Op: op, Values: []segment.Value{lo, hi}}
	}
	return segment.Cond{Attr: attr, Op: op, Value: &v}
}

func genSubject(t *rapid.T) segment.Attrs {
	s := segment.Attrs{}
	for _, a := range attrNames {
		if rapid.Bool().Draw(t, "has-"+a) {
			s[a] = genValue(t, a)
		}
	}
	return s
}

// modelCmp orders two values of one kind, numbers by their value (1 and
// 1.0 are equal), dates by day, strings by bytes, false before true.
func modelCmp(a, b segment.Value) int {
	switch a.Kind() {
	case segment.KindNumber:
		return a.Num().Cmp(b.Num())
	case segment.KindDate:
		return int(a.Day()) - int(b.Day())
	case segment.KindString:
		return strings.Compare(a.Str(), b.Str())
	}
	x, y := 0, 0
	if a.Truth() {
		x = 1
	}
	if b.Truth() {
		y = 1
	}
	return x - y
}

// modelEval is the operators as the package doc states them, written here
// without the package's evaluator: a predicate on a missing attribute, or
// on one of another kind than its operand, is false (ne and not_in too);
// exists tests presence; eq, ne, in, not_in compare any kind by value;
// lt, lte, gt, gte and between (inclusive) order numbers and dates only;
// prefix is for strings.
func modelEval(c segment.Cond, s segment.Attrs) bool {
	switch {
	case c.All != nil:
		for _, x := range c.All {
			if !modelEval(x, s) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for _, x := range c.Any {
			if modelEval(x, s) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !modelEval(*c.Not, s)
	}
	v, ok := s[c.Attr]
	if c.Op == segment.Exists {
		return ok
	}
	if !ok {
		return false
	}
	operand := c.Value
	if operand == nil {
		operand = &c.Values[0]
	}
	if v.Kind() != operand.Kind() {
		return false
	}
	ordered := v.Kind() == segment.KindNumber || v.Kind() == segment.KindDate
	switch c.Op {
	case segment.Eq:
		return modelCmp(v, *c.Value) == 0
	case segment.Ne:
		return modelCmp(v, *c.Value) != 0
	case segment.In, segment.NotIn:
		found := false
		for _, x := range c.Values {
			found = found || modelCmp(v, x) == 0
		}
		return found == (c.Op == segment.In)
	case segment.Lt:
		return ordered && modelCmp(v, *c.Value) < 0
	case segment.Lte:
		return ordered && modelCmp(v, *c.Value) <= 0
	case segment.Gt:
		return ordered && modelCmp(v, *c.Value) > 0
	case segment.Gte:
		return ordered && modelCmp(v, *c.Value) >= 0
	case segment.Between:
		return ordered && modelCmp(c.Values[0], v) <= 0 && modelCmp(v, c.Values[1]) <= 0
	case segment.Prefix:
		return v.Kind() == segment.KindString && strings.HasPrefix(v.Str(), c.Value.Str())
	}
	panic("model: unknown operator " + string(c.Op))
}

// TestOperatorsMatchModel: every operator, on every operand and every
// subject value of the small domains (and a missing attribute), matches as
// modelEval says.
func TestOperatorsMatchModel(t *testing.T) {
	var vals []segment.Value
	for _, s := range []string{"", "a", "ab", "b"} {
		vals = append(vals, segment.String(s))
	}
	for n := int64(-2); n <= 2; n++ {
		vals = append(vals, segment.Int(n), segment.Number(decimal.New(n*10, -1)))
	}
	for i := range 4 {
		vals = append(vals, segment.Date(date.New(2026, 1, 1)+date.Date(i)))
	}
	vals = append(vals, segment.Bool(false), segment.Bool(true))
	ordered := func(v segment.Value) bool { return v.Kind() == segment.KindNumber || v.Kind() == segment.KindDate }
	var conds []segment.Cond
	conds = append(conds, segment.Cond{Attr: "x", Op: segment.Exists})
	for i := range vals {
		v := &vals[i]
		conds = append(conds, segment.Cond{Attr: "x", Op: segment.Eq, Value: v}, segment.Cond{Attr: "x", Op: segment.Ne, Value: v})
		if ordered(*v) {
			for _, op := range []segment.Op{segment.Lt, segment.Lte, segment.Gt, segment.Gte} {
				conds = append(conds, segment.Cond{Attr: "x", Op: op, Value: v})
			}
		}
		if v.Kind() == segment.KindString {
			conds = append(conds, segment.Cond{Attr: "x", Op: segment.Prefix, Value: v})
		}
		for _, w := range vals {
			if w.Kind() != v.Kind() {
				continue
			}
			conds = append(conds, segment.Cond{Attr: "x", Op: segment.In, Values: []segment.Value{*v, w}}, segment.Cond{Attr: "x", Op: segment.NotIn, Values: []segment.Value{w, *v}})
			if ordered(*v) && modelCmp(*v, w) <= 0 {
				conds = append(conds, segment.Cond{Attr: "x", Op: segment.Between, Values: []segment.Value{*v, w}})
			}
		}
	}
	subjects := []segment.Attrs{{"y": segment.Int(0)}}
	for _, v := range vals {
		subjects = append(subjects, segment.Attrs{"x": v})
	}
	n := 0
	for _, c := range conds {
		rs := segment.RuleSet{Rules: []segment.Rule{{Name: "r", When: c, Target: segment.Target{Workflow: "hit"}}}, Default: segment.Target{Workflow: "miss"}}
		if err := rs.Validate(); err != nil {
			t.Fatalf("condition %+v invalid: %v", c, err)
		}
		for _, s := range subjects {
			got := !rs.Match(s).Default
			if want := modelEval(c, s); got != want {
				b, _ := json.Marshal(c)
				t.Errorf("%s on %v: matched %v, the model says %v", b, s, got, want)
			}
			n++
		}
	}
	if n < 5000 {
		t.Fatalf("only %d cases", n)
	}
}

// Properties: every condition evaluates as the independent model says;
// evaluation is deterministic, not(not(p)) == p, not(p) == !p, and a rule
// set survives a JSON round trip with the same matches.
func TestRuleProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := genCond(t, 0)
		s := genSubject(t)
		p := match(c, s)
		if want := modelEval(c, s); p != want {
			b, _ := json.Marshal(c)
			t.Fatalf("condition %s on subject %v: matched %v, the model says %v", b, s, p, want)
		}
		if match(c, s) != p {
			t.Fatal("evaluation is not deterministic")
		}
		not := segment.Cond{Not: &c}
		notnot := segment.Cond{Not: &not}
		if match(notnot, s) != p {
			t.Fatalf("not(not(p)) = %v, p = %v", !p, p)
		}
		if match(not, s) == p {
			t.Fatal("not(p) == p")
		}

		rs := segment.RuleSet{Rules: []segment.Rule{{Name: "r", When: c, Target: segment.Target{Workflow: "hit"}}}, Default: segment.Target{Workflow: "miss"}}
		if err := rs.Validate(); err != nil {
			t.Fatalf("generated rule invalid: %v", err)
		}
		b, err := json.Marshal(rs)
		if err != nil {
			t.Fatal(err)
		}
		back, err := segment.Parse(b)
		if err != nil {
			t.Fatalf("round trip of %s: %v", b, err)
		}
		if back.Match(s) != rs.Match(s) {
			t.Fatalf("match changed by the round trip of %s", b)
		}
		b2, _ := json.Marshal(back)
		if string(b) != string(b2) {
			t.Fatalf("JSON not stable:\n%s\n%s", b, b2)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"rules": [{"name": "a", "when": {"attr": "x", "op": "eq", "value": 1}, "workflow": "w"}], "default": {"workflow": "w"}}`,
		`{"attributes": {"d": "date"}, "rules": [{"name": "a", "when": {"not": {"attr": "d", "op": "between", "values": ["2026-01-01", {"date": "2026-02-01"}]}}, "workflow": "w"}], "default": {"workflow": "w"}}`,
		`{"rules": [{"name": "a", "when": {"any": [{"all": [{"attr": "x", "op": "in", "values": ["a", "b"]}]}]}, "workflow": "w"}]}`,
		`{}`, `[]`, `null`, `{"rules": [{"when": {"not": {"not": {"not": {}}}}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := segment.Parse(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		// What parses evaluates and explains without panicking.
		s := segment.Attrs{"x": segment.Int(1), "d": segment.Date(date.New(2026, 1, 15)), "y": segment.String("ab")}
		m := rs.Match(s)
		if ex := rs.Explain(s); ex.Match != m {
			t.Fatalf("Explain %+v != Match %+v", ex.Match, m)
		}
		_ = fmt.Sprint(rs.Explain(s))
	})
}

// A rule set's errors come in one order, the attributes' names sorted.
func TestValidateErrorsInOrder(t *testing.T) {
	rs := segment.RuleSet{Default: segment.Target{Workflow: "std"}, Attributes: map[string]segment.Kind{"zeta": 98, "alpha": 99, "mid": 97}}
	want := ""
	for range 30 {
		err := rs.Validate()
		if err == nil {
			t.Fatal("unknown kinds accepted")
		}
		if want == "" {
			want = err.Error()
			if a, m, z := strings.Index(want, "attributes.alpha"), strings.Index(want, "attributes.mid"), strings.Index(want, "attributes.zeta"); !(a >= 0 && a < m && m < z) {
				t.Fatalf("errors not in the attributes' order: %s", want)
			}
		}
		if got := err.Error(); got != want {
			t.Fatalf("one rule set, two errors:\n%s\n%s", want, got)
		}
	}
}

// A number with a huge exponent parses in a microsecond but would take
// minutes to compare: Parse refuses it naming the number, and Validate
// refuses one built in Go, between's bounds included, without comparing.
func TestHugeExponentRefused(t *testing.T) {
	_, err := segment.Parse([]byte(`{"rules":[{"name":"r","when":{"attr":"n","op":"lt","value":1e999999999},"workflow":"w"}],"default":{"workflow":"d"}}`))
	if err == nil || !strings.Contains(err.Error(), "1e999999999") || !strings.Contains(err.Error(), "exponent") {
		t.Errorf("Parse: %v", err)
	}
	huge := segment.Number(decimal.New(1, 999999999))
	for _, c := range []segment.Cond{
		{Attr: "n", Op: segment.Lt, Value: &huge},
		{Attr: "n", Op: segment.Between, Values: []segment.Value{segment.Int(1), huge}},
	} {
		rs := segment.RuleSet{Rules: []segment.Rule{{Name: "r", When: c, Target: segment.Target{Workflow: "w"}}}, Default: segment.Target{Workflow: "d"}}
		start := time.Now()
		err := rs.Validate()
		if err == nil || !strings.Contains(err.Error(), "exponent") {
			t.Errorf("Validate %s: %v", c.Op, err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("Validate %s took %v", c.Op, el)
		}
	}
	ok := segment.Number(decimal.New(15, 60))
	rs := segment.RuleSet{Rules: []segment.Rule{{Name: "r", When: segment.Cond{Attr: "n", Op: segment.Lt, Value: &ok}, Target: segment.Target{Workflow: "w"}}}, Default: segment.Target{Workflow: "d"}}
	if err := rs.Validate(); err != nil {
		t.Errorf("1.5e61: %v", err)
	}
}

// Priorities order rules at the extremes of int too (the comparison
// once subtracted them and overflowed).
func TestPriorityExtremes(t *testing.T) {
	rs := &segment.RuleSet{
		Rules: []segment.Rule{
			{Name: "low", Priority: math.MinInt64 + 1, When: segment.Cond{Attr: "x", Op: segment.Exists}, Target: segment.Target{Workflow: "low"}},
			{Name: "high", Priority: math.MaxInt64, When: segment.Cond{Attr: "x", Op: segment.Exists}, Target: segment.Target{Workflow: "high"}},
		},
		Default: segment.Target{Workflow: "d"},
	}
	if err := rs.Validate(); err != nil {
		t.Fatal(err)
	}
	s := segment.Attrs{"x": segment.Int(1)}
	if m := rs.Match(s); m.Rule != "high" {
		t.Errorf("Match = %q, want high", m.Rule)
	}
	if e := rs.Explain(s); e.Match.Rule != "high" {
		t.Errorf("Explain = %q, want high", e.Match.Rule)
	}
}
