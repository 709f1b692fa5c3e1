package dunning_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/store/memory"
)

// VariantFor is a function of workflow, step and customer: the same
// customer always gets the same variant, and over 20000 customers weights
// 1:3 give shares within 1.5 points of 25% and 75% (the binomial standard
// deviation of a 25% share over 20000 is 0.31 points).
func TestVariantForDeterministicByWeight(t *testing.T) {
	s := dunning.Step{Name: "overdue-1", Variants: []dunning.Variant{{Template: "a", Weight: 1}, {Template: "b", Weight: 3}}}
	n := map[string]int{}
	for i := range 20000 {
		c := fmt.Sprintf("cust-%d", i)
		v := s.VariantFor("standard", c)
		if v2 := s.VariantFor("standard", c); v2 != v {
			t.Fatalf("%s: %s then %s", c, v, v2)
		}
		n[v]++
	}
	if share := float64(n["a"]) / 20000; math.Abs(share-0.25) > 0.015 || n["a"]+n["b"] != 20000 {
		t.Errorf("shares %v", n)
	}
	if (&dunning.Step{Name: "x"}).VariantFor("standard", "c1") != "" {
		t.Error("a step without variants has one")
	}
}

// Validation refuses a lone variant, a repeated one and a weight below 1,
// naming the field.
func TestVariantsValidate(t *testing.T) {
	for _, tc := range []struct {
		vs    []dunning.Variant
		field string
	}{
		{[]dunning.Variant{{Template: "a", Weight: 1}}, "workflows[0].steps[2].variants"},
		{[]dunning.Variant{{Template: "a", Weight: 1}, {Template: "a", Weight: 1}}, "workflows[0].steps[2].variants[1].template"},
		{[]dunning.Variant{{Template: "a", Weight: 1}, {Template: "b", Weight: 0}}, "workflows[0].steps[2].variants[1].weight"},
		{[]dunning.Variant{{Template: "", Weight: 1}, {Template: "b", Weight: 1}}, "workflows[0].steps[2].variants[0].template"},
	} {
		wf := dunning.DefaultWorkflow("standard")
		wf.Steps[2].Variants = tc.vs
		p := &dunning.Policy{Workflows: []dunning.Workflow{wf}}
		err := p.Validate()
		var fe *dunning.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: %v, want a FieldError on %s", tc.vs, err, tc.field)
		}
	}
}

// Through the runner: each customer's notice renders with its variant's
// template name and the record keeps the variant, so Performance can
// compare them.
func TestVariantsRecorded(t *testing.T) {
	ctx := context.Background()
	day := dunningtest.Day
	wf := dunning.DefaultWorkflow("standard")
	i := wf.StepIndex("overdue-1")
	wf.Steps[i].Variants = []dunning.Variant{{Template: "overdue-1-direct", Weight: 1}, {Template: "overdue-1-friendly", Weight: 1}}
	var pf dunning.Portfolio
	for k := range 40 {
		c := fmt.Sprintf("c%02d", k)
		pf.Customers = append(pf.Customers, dunningtest.Customer(c))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i-"+c, c, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
	}
	st := memory.New()
	rec := &send.Recorder{}
	r := &dunning.Runner{Policy: dunningtest.Policy(wf), Store: st, Sender: rec, Clock: dunningtest.ClockAt(day("2026-04-14")), Owner: "t"}
	if _, err := r.Run(ctx, pf); err != nil {
		t.Fatal(err)
	}
	recs, _ := st.Records(ctx)
	n := map[string]int{}
	for _, x := range recs {
		want := wf.Steps[i].VariantFor("standard", x.CustomerID)
		if x.Variant != want || want == "" {
			t.Errorf("%s: record variant %q, want %q", x.Key, x.Variant, want)
		}
		n[x.Variant]++
	}
	for _, s := range rec.Sent() {
		if want := wf.Steps[i].VariantFor("standard", s.Notice.Debtor.Reference); s.Notice.Step != want {
			t.Errorf("%s: notice step %q, want %q", s.Key, s.Notice.Step, want)
		}
	}
	if len(recs) != 40 || n["overdue-1-direct"] == 0 || n["overdue-1-friendly"] == 0 {
		t.Errorf("records %d, variants %v", len(recs), n)
	}
}
