package schedule_test

import (
	"fmt"

	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
)

func ExampleParseOffset() {
	for _, s := range []string{"due-7", "issue+3", "P14D", "-P7D", "P1M"} {
		o, err := schedule.ParseOffset(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-7s -> %s\n", s, o)
	}
	// Output:
	// due-7   -> due-7
	// issue+3 -> issue+3
	// P14D    -> due+14
	// -P7D    -> due-7
	// schedule: offset "P1M": months are not allowed, give days (e.g. due+30): a month is 28 to 31 days
}

func ExampleTimeline() {
	tl := schedule.Timeline{Steps: schedule.DefaultCadence(), Calendar: schedule.MonToFri(), Roll: schedule.Following}
	a := schedule.Anchors{Issue: date.New(2026, 1, 1), Due: date.New(2026, 1, 31), Agreement: date.New(2025, 12, 29)}
	for _, d := range tl.Dates(a) {
		fmt.Printf("%-9s %s %s\n", d.Step.Name, d.Date, d.Date.Weekday())
	}
	// Output:
	// welcome   2026-01-01 Thursday
	// pre-due   2026-01-26 Monday
	// due       2026-02-02 Monday
	// overdue-1 2026-02-16 Monday
	// overdue-2 2026-03-02 Monday
	// final     2026-03-17 Tuesday
}

func ExampleRoll_Apply() {
	cal := schedule.MonToFri()
	sat := date.New(2026, 10, 31) // the last day of October is a Saturday
	fmt.Println(schedule.Following.Apply(cal, sat))
	fmt.Println(schedule.ModifiedFollowing.Apply(cal, sat))
	// Output:
	// 2026-11-02
	// 2026-10-30
}
