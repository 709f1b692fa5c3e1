package dunning

import "github.com/rickb777/date/v2"

// PlanUnscreened is Plan without screenDay, for TestScreeningSkipsNothing.
func PlanUnscreened(asOf date.Date, policy *Policy, p Portfolio) ([]Action, error) {
	return planDay(func(*Customer) date.Date { return asOf }, policy, p, nil, false)
}
