package dunning_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
)

// A notice announces what follows a statement of account, not the
// statement: a statement demands nothing and sets no day to pay by. The
// final notice of 14 April is followed by a statement (30 April) and the
// agency hand-over (15 May): the notice says the claim goes to a
// collection agency (before the fix it announced nothing). With the
// statement the last step, it announces nothing.
func TestNoticeAnnouncesWhatFollowsAStatement(t *testing.T) {
	wf := dunning.Workflow{Name: "w", CatchUp: dunning.Progressive, Steps: []dunning.Step{
		{Name: "final", At: dueAt(14), Action: dunning.Email, Stage: notice.FinalNotice},
		{Name: "statement", At: dueAt(30), Action: dunning.SendStatement},
		{Name: "agency", At: dueAt(45), Action: dunning.EscalateExternal},
	}}
	pol := dunningtest.Policy(wf)
	pf := onePortfolio()
	pf.History = dunning.HistoryMap{}
	acts := huntPlan(t, pol, pf, day("2026-04-14"))
	if len(acts) != 1 || acts[0].Step != "final" {
		t.Fatalf("14 April: %+v", acts)
	}
	if want := (notice.Next{Kind: notice.NextCollection}); acts[0].Notice.Next != want {
		t.Errorf("next %+v, want %+v", acts[0].Notice.Next, want)
	}
	if text := render(t, pol, &acts[0]); !strings.Contains(text, "collection agency") {
		t.Errorf("the text does not announce the hand-over:\n%s", text)
	}

	wf.Steps = wf.Steps[:2]
	pol = dunningtest.Policy(wf)
	acts = huntPlan(t, pol, pf, day("2026-04-14"))
	if len(acts) != 1 || acts[0].Notice.Next != (notice.Next{}) {
		t.Errorf("statement last: %+v, want no next", acts)
	}
}
