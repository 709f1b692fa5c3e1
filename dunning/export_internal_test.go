package dunning

import "github.com/rickb777/date/v2"

// PlanUnscreened is Plan without screenDay, for TestScreeningSkipsNothing.
func PlanUnscreened(asOf date.Date, policy *Policy, p Portfolio) ([]Action, error) {
	return planDay(func(*Customer) date.Date { return asOf }, policy, p, nil, false, 0)
}

// PlanWorkers is Plan with its customers planned by exactly workers
// workers (fewer when there are fewer customers), however small the day,
// for TestParallelPlanIsSequential.
func PlanWorkers(asOf date.Date, policy *Policy, p Portfolio, workers int) ([]Action, error) {
	return planDay(func(*Customer) date.Date { return asOf }, policy, p, nil, true, workers)
}

// MaxPlanWorkers is how many workers Plan may use for policy and p's
// History, for TestPlanWorkersDefault.
func MaxPlanWorkers(policy *Policy, p Portfolio) int {
	return (&planner{policy: policy, p: &p}).maxWorkers()
}
