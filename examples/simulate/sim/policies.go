package sim

import (
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
)

func creditor() notice.Party {
	return notice.Party{Name: "Simulated Supplies GmbH", Address: []string{"Hafenstraße 12", "20457 Hamburg"}, Email: "ar@simulated.example"}
}

func payment() dunning.PaymentInstructions {
	return dunning.PaymentInstructions{Text: "Please transfer the amount due, quoting the payment reference.", IBAN: "DE89370400440532013000", Options: []string{"bank transfer"},
		ByLanguage: map[string]string{"de": "Bitte überweisen Sie den fälligen Betrag unter Angabe des Verwendungszwecks."}}
}

// renderLimits give each render the longest time budget a policy allows:
// a simulation must not depend on how busy the machine is, and the
// built-in templates it renders are trusted.
func renderLimits() notice.Limits { return notice.Limits{Timeout: time.Minute} }

// ClassicCadence is the classic cadence every customer gets: welcome +3,
// due-7, due, due+14, due+30, due+45, on Monday to Friday.
func ClassicCadence() *dunning.Policy {
	p := &dunning.Policy{Workflows: []dunning.Workflow{dunning.DefaultWorkflow("classic")}, Calendar: schedule.MonToFri(), Creditor: creditor(), Payment: payment(), RenderLimits: renderLimits()}
	if err := p.Validate(); err != nil {
		panic(err) // constants
	}
	return p
}

// segmentRules route start-ups to a tight workflow and enterprises to a
// gentle per-customer one; the rest get the classic cadence.
const segmentRules = `{
  "attributes": {"segment": "string", "industry": "string", "country": "string"},
  "rules": [
    {"name": "startups", "when": {"attr": "segment", "op": "eq", "value": "startup"}, "workflow": "tight"},
    {"name": "enterprises", "when": {"attr": "segment", "op": "eq", "value": "enterprise"}, "workflow": "gentle"}
  ],
  "default": {"workflow": "classic"}
}`

// Segmented is the classic cadence for most, a tight workflow for start-ups
// (reminder 3 days before due, then due+1, +7, a final notice at +14, a
// letter before action at +21) and a gentle one for enterprises (one
// notice for all their invoices, at due+7, +21, +40, and a task for the
// account manager at +50).
func Segmented() *dunning.Policy {
	seg, err := segment.Parse([]byte(segmentRules))
	if err != nil {
		panic(err)
	}
	at := func(s string) schedule.Offset {
		o, err := schedule.ParseOffset(s)
		if err != nil {
			panic(err)
		}
		return o
	}
	tight := dunning.Workflow{Name: "tight", CatchUp: dunning.Progressive, MinGapDays: 3, Roll: schedule.Following,
		OnBrokenPromise: dunning.EscalateOnBroken,
		Steps: []dunning.Step{
			{Name: "pre-due", At: at("due-3"), Action: dunning.Email},
			{Name: "overdue-1", At: at("due+1"), Action: dunning.Email},
			{Name: "overdue-2", At: at("due+7"), Action: dunning.Email},
			{Name: "final", At: at("due+14"), Action: dunning.Email, Stage: notice.FinalNotice},
			{Name: "letter", At: at("due+21"), Action: dunning.Letter, Stage: notice.LetterBeforeAction},
		}}
	gentle := dunning.Workflow{Name: "gentle", Grouping: dunning.PerCustomer, CatchUp: dunning.HighestOnly, MinGapDays: 7, Roll: schedule.Following,
		Steps: []dunning.Step{
			{Name: "overdue-1", At: at("due+7"), Action: dunning.Email},
			{Name: "overdue-2", At: at("due+21"), Action: dunning.Email},
			{Name: "final", At: at("due+40"), Action: dunning.Email, Stage: notice.FinalNotice},
			{Name: "account-manager", At: at("due+50"), Action: dunning.Task, Assignee: "key-accounts"},
		}}
	p := &dunning.Policy{Workflows: []dunning.Workflow{dunning.DefaultWorkflow("classic"), tight, gentle}, Segments: seg,
		Calendar: schedule.MonToFri(), Creditor: creditor(), Payment: payment(), RenderLimits: renderLimits()}
	if err := p.Validate(); err != nil {
		panic(err)
	}
	return p
}

// Policies are the three the simulator compares by default.
func Policies() []Named {
	return []Named{{Name: "no dunning"}, {Name: "classic cadence", Policy: ClassicCadence()}, {Name: "segmented", Policy: Segmented()}}
}
