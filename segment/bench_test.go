package segment_test

import (
	"fmt"
	"testing"

	"github.com/overduehq/overdue/segment"
)

// benchRules are 50 rules on country and size; only the last one matches
// the benchmark's subjects with employees >= 900, so most subjects are
// checked against all 50 rules and fall to the default.
func benchRules() *segment.RuleSet {
	rs := &segment.RuleSet{Default: segment.Target{Workflow: "standard"}}
	for i := range 49 {
		lo, hi := segment.Int(int64(i*10)), segment.Int(int64(i*10+5))
		rs.Rules = append(rs.Rules, segment.Rule{Name: fmt.Sprintf("r%d", i), Target: segment.Target{Workflow: fmt.Sprintf("w%d", i)},
			When: segment.Cond{All: []segment.Cond{
				{Attr: "country", Op: segment.In, Values: []segment.Value{segment.String("XX"), segment.String(fmt.Sprintf("C%d", i))}},
				{Attr: "employees", Op: segment.Between, Values: []segment.Value{lo, hi}},
			}}})
	}
	big := segment.Int(900)
	rs.Rules = append(rs.Rules, segment.Rule{Name: "big", Target: segment.Target{Workflow: "enterprise"}, When: segment.Cond{Attr: "employees", Op: segment.Gte, Value: &big}})
	if err := rs.Validate(); err != nil {
		panic(err)
	}
	return rs
}

func benchSubjects() []segment.Attrs {
	s := make([]segment.Attrs, 100_000)
	for i := range s {
		s[i] = segment.Attrs{"country": segment.String("DE"), "employees": segment.Int(int64(i % 1000)), "industry": segment.String("retail")}
	}
	return s
}

// BenchmarkMatch routes 100,000 customers through 50 rules compiled once
// (as Plan does); one op is all 100,000.
func BenchmarkMatch(b *testing.B) {
	rs, subs := benchRules(), benchSubjects()
	m := rs.Compile()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, s := range subs {
			if !m.Match(s).Default {
				n++
			}
		}
	}
	// employees = i % 1000 >= 900 for 100 of every 1,000: 10,000 subjects.
	if n != 10_000 {
		b.Fatalf("matched %d, want 10,000", n)
	}
}

// BenchmarkMatchBaseline reads one attribute of each subject and compares
// it: the least a router must do per customer.
func BenchmarkMatchBaseline(b *testing.B) {
	subs := benchSubjects()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, s := range subs {
			if v, ok := s.Attr("employees"); ok && v.Num().IntPart() >= 900 {
				n++
			}
		}
	}
	if n != 10_000 {
		b.Fatalf("matched %d", n)
	}
}
