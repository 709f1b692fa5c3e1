package segment_test

import (
	"cmp"
	"fmt"
	"slices"
	"testing"

	"github.com/overduehq/overdue/segment"
	"pgregory.net/rapid"
)

// TestMatcherMatchesModel: a compiled rule set of up to 150 generated
// rules (more than two words of the rule index), with priorities, routes
// every generated subject to the first rule by priority, then list order,
// whose condition modelEval holds, or to the default; RuleSet.Match and
// Explain agree with it.
func TestMatcherMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rs := &segment.RuleSet{Default: segment.Target{Workflow: "default"}}
		for i := range rapid.IntRange(0, 150).Draw(t, "rules") {
			rs.Rules = append(rs.Rules, segment.Rule{Name: fmt.Sprint("r", i), Priority: rapid.IntRange(0, 2).Draw(t, "priority"),
				When: genCond(t, 0), Target: segment.Target{Workflow: fmt.Sprint("w", i)}})
		}
		if err := rs.Validate(); err != nil {
			t.Fatalf("generated rule set invalid: %v", err)
		}
		order := make([]int, len(rs.Rules))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rs.Rules[b].Priority, rs.Rules[a].Priority) })
		m := rs.Compile()
		for range 20 {
			s := genSubject(t)
			want := segment.Match{Target: rs.Default, Index: -1, Default: true}
			for _, i := range order {
				if modelEval(rs.Rules[i].When, s) {
					want = segment.Match{Target: rs.Rules[i].Target, Rule: rs.Rules[i].Name, Index: i}
					break
				}
			}
			if got := m.Match(s); got != want {
				t.Fatalf("subject %v: compiled match %+v, the model says %+v", s, got, want)
			}
			if got := rs.Match(s); got != want {
				t.Fatalf("subject %v: RuleSet.Match %+v, the model says %+v", s, got, want)
			}
			if got := rs.Explain(s).Match; got != want {
				t.Fatalf("subject %v: Explain %+v, the model says %+v", s, got, want)
			}
		}
	})
}
