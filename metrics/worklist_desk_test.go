package metrics_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/metrics"
)

// The fixture's ranking on 2026-04-30 is cD 42.75, cC 31, cE 12.5 (see
// TestWorklist). cD called yesterday and promised to pay by 05-04: it
// drops below the others until then. cC's call reached nobody: it keeps
// its place. On 05-05 the promise day has passed and cD is first again.
func TestWorklistContactedCustomerNotFirst(t *testing.T) {
	log := []dunning.Interaction{
		{ID: "i1", CustomerID: "cD", Kind: dunning.Call, Outcome: dunning.PromisedToPay, Date: day("2026-04-29"), FollowUp: day("2026-05-04"), By: "anna", Text: "pays Monday"},
		{ID: "i2", CustomerID: "cC", Kind: dunning.Call, Outcome: dunning.NoAnswer, Date: day("2026-04-29")},
		{ID: "i3", CustomerID: "cE", Kind: dunning.Call, Date: day("2026-05-01")}, // after the day: ignored
	}
	tasks := []dunning.CollectorTask{
		{ID: "d", CustomerID: "cD", Status: dunning.TaskOpen, Due: day("2026-04-20")},
		{ID: "c", CustomerID: "cC", Status: dunning.TaskOpen, Due: day("2026-04-29")},
	}
	order := func(items []metrics.WorkItem) string {
		var ids []string
		for _, it := range items {
			ids = append(ids, it.CustomerID)
		}
		return strings.Join(ids, ",")
	}
	items := metrics.Worklist(day("2026-04-30"), slices.Values(fixture()), tasks, metrics.Weights{}, log...)
	if got := order(items); got != "cC,cE,cD" {
		t.Fatalf("order %s, want cC,cE,cD", got)
	}
	d := items[2]
	if d.Rank != 3 || !d.Score.Equal(amt("42.75")) || d.QuietUntil != day("2026-05-04") || d.LastContact == nil || d.LastContact.ID != "i1" {
		t.Errorf("cD item %+v", d)
	}
	if why := d.Why[len(d.Why)-1]; why != "contacted: 2026-04-29 call (promised-to-pay by 2026-05-04) by anna: pays Monday -> after those not contacted until 2026-05-04" {
		t.Errorf("why %q", why)
	}
	if items[0].QuietUntil != 0 || items[0].LastContact.ID != "i2" || items[1].LastContact != nil {
		t.Errorf("cC %+v cE %+v", items[0], items[1])
	}
	q := metrics.TaskQueue(items)
	if len(q) != 2 || q[0].ID != "c" || q[1].ID != "d" {
		t.Errorf("task queue %+v, want c then d", q)
	}
	// Without the log, and once the promise day has passed, cD leads.
	if got := order(metrics.Worklist(day("2026-04-30"), slices.Values(fixture()), tasks, metrics.Weights{})); got != "cD,cC,cE" {
		t.Errorf("without a log: %s", got)
	}
	if got := order(metrics.Worklist(day("2026-05-05"), slices.Values(fixture()), tasks, metrics.Weights{}, log...)); !strings.HasPrefix(got, "cD,") {
		t.Errorf("on 05-05: %s, want cD first", got)
	}
	// A call yesterday without a follow-up day keeps the customer quiet
	// today only.
	call := []dunning.Interaction{{ID: "j", CustomerID: "cD", Kind: dunning.Call, Date: day("2026-04-29")}}
	if got := order(metrics.Worklist(day("2026-04-30"), slices.Values(fixture()), nil, metrics.Weights{}, call...)); got != "cC,cE,cD" {
		t.Errorf("called yesterday: %s", got)
	}
	if got := order(metrics.Worklist(day("2026-05-01"), slices.Values(fixture()), nil, metrics.Weights{}, call...)); !strings.HasPrefix(got, "cD,") {
		t.Errorf("called two days ago: %s, want cD first", got)
	}
}

// A task naming no currency belongs on each of its customer's work items
// (one per currency), but it is one task: the queue lists it once, under
// the customer's first item. Customer c owes EUR 500.00 (60 days late)
// and USD 100.00 (10 days late); its tasks: "any" (no currency) and "usd".
// The EUR item ranks first (the larger share, the older debt), so the
// queue is any (EUR item), then usd (USD item).
func TestTaskQueueTaskOfNoCurrencyOnce(t *testing.T) {
	asOf := day("2026-04-30")
	invs := []dunning.Invoice{
		{ID: "e", CustomerID: "c", Currency: "EUR", Issued: asOf - 90, Due: asOf - 60, Amount: amt("500.00")},
		{ID: "u", CustomerID: "c", Currency: "USD", Issued: asOf - 40, Due: asOf - 10, Amount: amt("100.00")},
	}
	tasks := []dunning.CollectorTask{
		{ID: "any", CustomerID: "c", Status: dunning.TaskOpen, Due: asOf - 1},
		{ID: "usd", CustomerID: "c", Status: dunning.TaskOpen, Due: asOf, Currency: "USD"},
	}
	items := metrics.Worklist(asOf, slices.Values(invs), tasks, metrics.Weights{})
	if len(items) != 2 || items[0].Currency != "EUR" || items[1].Currency != "USD" {
		t.Fatalf("items %+v, want the EUR item then the USD one", items)
	}
	var ids []string
	for _, tk := range metrics.TaskQueue(items) {
		ids = append(ids, tk.ID)
	}
	if !slices.Equal(ids, []string{"any", "usd"}) {
		t.Errorf("task queue %v, want [any usd]: each task once", ids)
	}
}
