package segment_test

import (
	"fmt"

	"github.com/overduehq/overdue/segment"
)

func ExampleParse() {
	_, err := segment.Parse([]byte(`{"rules": [
	  {"name": "big", "when": {"any": [{"attr": "employees", "op": "greater", "value": 500}]}, "workflow": "enterprise"}
	], "default": {"workflow": "standard"}}`))
	fmt.Println(err)
	// Output:
	// segment: rules[0].when.any[0].op: unknown operator "greater"
}

func ExampleRuleSet_Match() {
	rs, err := segment.Parse([]byte(`{
	  "attributes": {"industry": "string", "employees": "number", "history.broken_promises": "number"},
	  "rules": [
	    {"name": "risky", "priority": 10, "when": {"attr": "history.broken_promises", "op": "gte", "value": 1}, "workflow": "tight"},
	    {"name": "enterprise", "when": {"attr": "employees", "op": "gte", "value": 500}, "workflow": "gentle", "templates": "formal", "language": "de"}
	  ],
	  "default": {"workflow": "standard"}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range []segment.Attrs{
		{"industry": segment.String("retail"), "employees": segment.Int(800), "history.broken_promises": segment.Int(0)},
		{"industry": segment.String("retail"), "employees": segment.Int(800), "history.broken_promises": segment.Int(2)},
		{"industry": segment.String("software"), "employees": segment.Int(12)},
	} {
		m := rs.Match(c)
		fmt.Printf("rule=%q workflow=%s templates=%q language=%q\n", m.Rule, m.Workflow, m.Templates, m.Language)
	}
	// Output:
	// rule="enterprise" workflow=gentle templates="formal" language="de"
	// rule="risky" workflow=tight templates="" language=""
	// rule="" workflow=standard templates="" language=""
}

func ExampleRuleSet_Explain() {
	rs, _ := segment.Parse([]byte(`{"rules": [
	  {"name": "big-retail", "when": {"all": [{"attr": "industry", "op": "eq", "value": "retail"}, {"attr": "employees", "op": "gte", "value": 500}]}, "workflow": "gentle"}
	], "default": {"workflow": "standard"}}`))
	fmt.Print(rs.Explain(segment.Attrs{"industry": segment.String("retail"), "employees": segment.Int(120)}))
	// Output:
	// no rule matched: default workflow "standard"
	//   rule "big-retail": failed
	//     all: failed
	//       industry eq "retail" (actual "retail"): held
	//       employees gte 500 (actual 120): failed
}
