package dunning

import (
	"fmt"
	"hash/fnv"
)

// Variant is one template of a step's experiment: the template name its
// notices render with and its weight, the share of customers it gets
// (Weight over the sum of the step's weights).
type Variant struct {
	Template string `json:"template"`
	Weight   int    `json:"weight"`
}

// VariantFor returns the template variant of the step for a customer of
// workflow wf ("" when the step runs no experiment). The choice is a
// function of the workflow, step and customer IDs only (FNV-1a over them,
// modulo the sum of the weights), so a customer gets the same variant on
// every run and every notice of the step, and the shares follow the
// weights over many customers.
func (s *Step) VariantFor(wf, customerID string) string {
	total := 0
	for _, v := range s.Variants {
		total += v.Weight
	}
	if total <= 0 {
		return ""
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d:%s/%d:%s/%s", len(wf), wf, len(s.Name), s.Name, customerID)
	n := int(h.Sum64() % uint64(total))
	for _, v := range s.Variants {
		if n < v.Weight {
			return v.Template
		}
		n -= v.Weight
	}
	return "" // not reached: n < total
}

// checkVariants validates a step's experiment: named templates, each once,
// with positive weights.
func checkVariants(p string, s *Step) error {
	seen := map[string]bool{}
	for i, v := range s.Variants {
		vp := fmt.Sprintf("%s.variants[%d]", p, i)
		switch {
		case v.Template == "":
			return &FieldError{Field: vp + ".template", Value: "", Reason: "must not be empty"}
		case seen[v.Template]:
			return &FieldError{Field: vp + ".template", Value: v.Template, Reason: "is used by an earlier variant"}
		case v.Weight <= 0 || v.Weight > 1_000_000:
			return &FieldError{Field: vp + ".weight", Value: fmt.Sprint(v.Weight), Reason: "must be between 1 and 1000000"}
		}
		seen[v.Template] = true
	}
	if len(s.Variants) == 1 {
		return &FieldError{Field: p + ".variants", Value: s.Variants[0].Template, Reason: "an experiment needs at least two variants"}
	}
	return nil
}
