package dunning_test

import (
	"strings"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
)

// A review's day in the reasons is the customer's local day, the day its
// plan and the review's Since and Until are counted in. c2 in Auckland
// (UTC+12 in April) has its level changed at 20:00 UTC on 13 April, 08:00
// on 14 April there: "on 2026-04-14"; c3 in Los Angeles (UTC-7) at 03:00
// UTC on 14 April, 20:00 on 13 April there: "on 2026-04-13" (before the fix
// both read the UTC day, 13 and 14 April).
func TestReviewReasonNamesTheCustomersDay(t *testing.T) {
	if _, err := time.LoadLocation("Pacific/Auckland"); err != nil {
		t.Skip("no tzdata:", err)
	}
	day := dunningtest.Day
	pol, pf := reviewFixture()
	for i := range pol.Workflows[0].Steps {
		pol.Workflows[0].Steps[i].Approval = false
	}
	pf.Customers[1].TimeZone, pf.Customers[2].TimeZone = "Pacific/Auckland", "America/Los_Angeles"
	pf.Reviews = []dunning.Review{
		{CustomerID: "c2", Key: key("c2"), Decision: dunning.ChangeLevel, Step: "final", By: "anna", At: time.Date(2026, 4, 13, 20, 0, 0, 0, time.UTC)},
		{CustomerID: "c3", Key: key("c3"), Decision: dunning.ChangeLevel, Step: "final", By: "anna", At: time.Date(2026, 4, 14, 3, 0, 0, 0, time.UTC)},
	}
	acts, err := dunning.Plan(day("2026-04-14"), pol, pf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"c2": "level changed on review: change-level by anna on 2026-04-14 to step final",
		"c3": "level changed on review: change-level by anna on 2026-04-13 to step final",
	}
	for _, a := range acts {
		if w, ok := want[a.CustomerID]; ok {
			if !strings.Contains(a.Reason, w) {
				t.Errorf("%s: reason %q, want it to say %q", a.CustomerID, a.Reason, w)
			}
			delete(want, a.CustomerID)
		}
	}
	if len(want) != 0 {
		t.Errorf("no action for %v", want)
	}
}
