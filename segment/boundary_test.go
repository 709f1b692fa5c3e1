package segment_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/overduehq/overdue/segment"
	"github.com/shopspring/decimal"
)

// The tests in this file pin boundaries a mutation run (an operator
// changed, one at a time) found no test holding: each fails on the
// mutant named beside it.

// nest wraps c in n "all" conditions: the leaf then sits at depth n.
func nest(c segment.Cond, n int) segment.Cond {
	for range n {
		c = segment.Cond{All: []segment.Cond{c}}
	}
	return c
}

// TestNestingAtMaxDepth: a leaf nested exactly MaxDepth deep is valid and
// is evaluated by Match and Explain alike (mutants of the compiled and the
// explaining walk stopped one level early); one level more is refused.
func TestNestingAtMaxDepth(t *testing.T) {
	leaf := segment.Cond{Attr: "country", Op: segment.Eq, Value: ptr(segment.String("DE"))}
	rule := func(c segment.Cond) segment.RuleSet {
		return segment.RuleSet{Rules: []segment.Rule{{Name: "deep", When: c, Target: segment.Target{Workflow: "hit"}}}, Default: segment.Target{Workflow: "miss"}}
	}
	rs := rule(nest(leaf, segment.MaxDepth))
	if err := rs.Validate(); err != nil {
		t.Fatalf("depth %d: %v", segment.MaxDepth, err)
	}
	if m := rs.Match(subject); m.Rule != "deep" {
		t.Errorf("Match at depth %d = %+v, want rule deep", segment.MaxDepth, m)
	}
	if e := rs.Explain(subject); e.Match.Rule != "deep" {
		t.Errorf("Explain at depth %d = %+v, want rule deep", segment.MaxDepth, e.Match)
	}
	too := rule(nest(leaf, segment.MaxDepth+1))
	if err := too.Validate(); err == nil || !strings.Contains(err.Error(), "nest deeper than 32") {
		t.Errorf("depth %d: %v, want refused", segment.MaxDepth+1, err)
	}
}

// TestNumberLiteralOf64Bytes: a number literal of 64 bytes parses, one of
// 65 is refused as too long (a mutant refused 64).
func TestNumberLiteralOf64Bytes(t *testing.T) {
	n64 := "0." + strings.Repeat("0", 61) + "1" // 64 bytes: 1e-62
	var v segment.Value
	if err := json.Unmarshal([]byte(n64), &v); err != nil {
		t.Fatalf("64-byte number: %v", err)
	}
	if want := segment.Number(decimal.New(1, -62)); !strings.EqualFold(v.String(), want.String()) {
		t.Errorf("64-byte number = %s, want %s", v, want)
	}
	if err := json.Unmarshal([]byte(n64+"1"), &v); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("65-byte number: %v, want too long", err)
	}
}

// TestBetweenLowBoundExponentRefusedAlone: a between whose low bound has
// an exponent beyond MaxExponent is refused for that bound alone, without
// comparing the bounds (a mutant compared them, adding "lo <= hi").
func TestBetweenLowBoundExponentRefusedAlone(t *testing.T) {
	big := segment.Number(decimal.New(1, segment.MaxExponent+1))
	rs := segment.RuleSet{Rules: []segment.Rule{{Name: "r", When: segment.Cond{Attr: "n", Op: segment.Between, Values: []segment.Value{big, segment.Int(5)}}, Target: segment.Target{Workflow: "w"}}}, Default: segment.Target{Workflow: "d"}}
	err := rs.Validate()
	if err == nil || !strings.Contains(err.Error(), "values[0]") || !strings.Contains(err.Error(), "exponent") {
		t.Fatalf("Validate: %v, want values[0]'s exponent refused", err)
	}
	if strings.Contains(err.Error(), "lo <= hi") {
		t.Errorf("Validate compared a refused bound: %v", err)
	}
}
