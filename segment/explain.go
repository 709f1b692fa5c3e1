package segment

import (
	"fmt"
	"strings"
)

// Check is one evaluated condition in an explanation.
type Check struct {
	Path     string  `json:"path"`
	Attr     string  `json:"attr,omitempty"`
	Op       Op      `json:"op,omitempty"` // "" for all/any/not nodes
	Combine  string  `json:"combine,omitempty"`
	Expected string  `json:"expected,omitempty"`
	Actual   string  `json:"actual,omitempty"` // "<missing>" when absent
	Held     bool    `json:"held"`
	Children []Check `json:"children,omitempty"`
}

// RuleResult is one rule's evaluation.
type RuleResult struct {
	Rule  string `json:"rule"`
	Index int    `json:"index"`
	Held  bool   `json:"held"`
	Check Check  `json:"check"`
}

// Explanation says which rules were tried, in order, and why the match is
// what it is.
type Explanation struct {
	Match Match        `json:"match"`
	Rules []RuleResult `json:"rules"`
}

// Explain routes s like Match and records every rule tried up to the match,
// with each predicate's expected and actual value.
func (rs *RuleSet) Explain(s Subject) Explanation {
	ord := rs.order()
	if ord == nil {
		ord = make([]int, len(rs.Rules))
		for i := range ord {
			ord[i] = i
		}
	}
	var ex Explanation
	for _, i := range ord {
		r := &rs.Rules[i]
		ch := explainCond(&r.When, s, fmt.Sprintf("rules[%d].when", i), 0)
		ex.Rules = append(ex.Rules, RuleResult{Rule: r.Name, Index: i, Held: ch.Held, Check: ch})
		if ch.Held {
			ex.Match = Match{Target: r.Target, Rule: r.Name, Index: i}
			return ex
		}
	}
	ex.Match = Match{Target: rs.Default, Index: -1, Default: true}
	return ex
}

func explainCond(c *Cond, s Subject, p string, depth int) Check {
	ch := Check{Path: p}
	if depth > MaxDepth {
		return ch
	}
	switch {
	case c.All != nil, c.Any != nil:
		list, name := c.All, "all"
		if c.Any != nil {
			list, name = c.Any, "any"
		}
		ch.Combine = name
		held := name == "all" && len(list) > 0
		for i := range list {
			sub := explainCond(&list[i], s, fmt.Sprintf("%s.%s[%d]", p, name, i), depth+1)
			ch.Children = append(ch.Children, sub)
			if name == "all" {
				held = held && sub.Held
			} else {
				held = held || sub.Held
			}
		}
		ch.Held = held
		return ch
	case c.Not != nil:
		sub := explainCond(c.Not, s, p+".not", depth+1)
		ch.Combine, ch.Held, ch.Children = "not", !sub.Held, []Check{sub}
		return ch
	}
	v, ok := s.Attr(c.Attr)
	ch.Attr, ch.Op = c.Attr, c.Op
	switch {
	case c.Value != nil:
		ch.Expected = c.Value.String()
	case len(c.Values) > 0:
		parts := make([]string, len(c.Values))
		for i, x := range c.Values {
			parts[i] = x.String()
		}
		ch.Expected = "[" + strings.Join(parts, ", ") + "]"
	}
	ch.Actual = "<missing>"
	if ok {
		ch.Actual = v.String()
	}
	ch.Held = c.pred(v, ok)
	return ch
}

// String renders the explanation as indented lines.
func (e Explanation) String() string {
	var b strings.Builder
	if e.Match.Default {
		fmt.Fprintf(&b, "no rule matched: default workflow %q\n", e.Match.Workflow)
	} else {
		fmt.Fprintf(&b, "rule %q matched: workflow %q\n", e.Match.Rule, e.Match.Workflow)
	}
	for _, r := range e.Rules {
		fmt.Fprintf(&b, "  rule %q: %s\n", r.Rule, heldWord(r.Held))
		writeCheck(&b, r.Check, 2)
	}
	return b.String()
}

func heldWord(h bool) string {
	if h {
		return "held"
	}
	return "failed"
}

func writeCheck(b *strings.Builder, c Check, indent int) {
	pad := strings.Repeat("  ", indent)
	if c.Combine != "" {
		fmt.Fprintf(b, "%s%s: %s\n", pad, c.Combine, heldWord(c.Held))
		for _, ch := range c.Children {
			writeCheck(b, ch, indent+1)
		}
		return
	}
	exp := c.Expected
	if exp != "" {
		exp = " " + exp
	}
	fmt.Fprintf(b, "%s%s %s%s (actual %s): %s\n", pad, c.Attr, c.Op, exp, c.Actual, heldWord(c.Held))
}
