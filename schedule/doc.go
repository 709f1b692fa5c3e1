// Package schedule is dunning's timing: when each step of a workflow falls.
//
// A step is an Offset, a signed number of days from an Anchor: the invoice's
// due date, its issue date, or the payment agreement's effective date.
// Offsets read from text ("due-7", "due+14", "issue+3", or ISO 8601 day
// periods "P14D", "-P7D" counted from the due date); month and year periods
// are refused because they do not name one day. "previous+10" counts from
// the date of the step before it in its timeline, and "eom(due+30)" moves
// the date to the last day of its month (OCA's EOM).
//
// A Calendar says which days are business days: EveryDay, Weekend(days...),
// MonToFri, Holidays(dates...), and Combine of several. A Roll moves a step
// that falls on a non-business day: Following, Preceding, ModifiedFollowing
// (following unless that leaves the month), ModifiedPreceding. A Timeline
// applies both to a list of Steps and Anchors. DefaultCadence is the classic
// agreement+3, due-7, due, due+14, due+30, due+45.
//
// A SendWindow says at which local hours and weekdays messages may go out.
//
//	tl := schedule.Timeline{Steps: schedule.DefaultCadence(), Calendar: schedule.MonToFri(), Roll: schedule.Following}
//	for _, s := range tl.Dates(schedule.Anchors{Due: date.MustParseISO("2026-01-31")}) {
//		fmt.Println(s.Step.Name, s.Date)
//	}
//
// The package imports no other package of overdue.
package schedule
