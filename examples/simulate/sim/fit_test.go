package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
)

// syntheticHistory writes a payment history as CSV drawn from known
// behaviour, exactly as the fit assumes it arises: each invoice's natural
// payment day from b, and, for customers not in the control group, notices
// at due+3, +17, +31 and +45 while the invoice is open, each answered with
// probability b.Respond[stage] by a payment RespondMin..RespondMax days
// later (the earlier of that and the natural day).
func syntheticHistory(rng *rand.Rand, segs []Segment, perSeg int, control float64) string {
	var sb strings.Builder
	sb.WriteString(HistoryHeader + "\n")
	start := date.New(2024, 1, 1)
	stages := []struct {
		st  notice.Stage
		off int
	}{{notice.FriendlyReminder, 3}, {notice.OverdueNotice, 17}, {notice.FinalNotice, 31}, {notice.LetterBeforeAction, 45}}
	for si, s := range segs {
		b := s.Behaviour
		for k := range perSeg {
			cust := fmt.Sprintf("%s-%03d", s.Name, k/12)
			issued := start + date.Date(rng.IntN(365))
			due := issued + date.Date(s.NetDays)
			var pay date.Date // 0: never
			u := rng.Float64()
			switch {
			case u < b.Early:
				pay = issued + 1 + date.Date(rng.IntN(s.NetDays-1))
			case u < b.Early+b.OnTime:
				pay = due + date.Date(rng.IntN(3))
			case u < b.Early+b.OnTime+b.Never:
			default:
				pay = due + date.Date(b.LateMin+rng.IntN(b.LateMax-b.LateMin+1))
			}
			var notes []string
			dunned := rng.Float64() >= control
			if dunned {
				for _, st := range stages {
					t := due + date.Date(st.off)
					if pay != 0 && pay <= t {
						break
					}
					notes = append(notes, st.st.String()+"@"+t.String())
					if rng.Float64() < b.Respond[st.st] {
						r := t + date.Date(b.RespondMin+rng.IntN(b.RespondMax-b.RespondMin+1))
						if pay == 0 || r < pay {
							pay = r
						}
					}
				}
			}
			paid := ""
			if pay != 0 {
				paid = pay.String()
			}
			yes := map[bool]string{true: "yes", false: "no"}[dunned]
			amount := s.MinAmount + rng.IntN(s.MaxAmount-s.MinAmount+1)
			fmt.Fprintf(&sb, "%s,%s,I%d-%05d,%s,%s,%d.00,%s,%s,%s\n", cust, s.Name, si, k, issued, due, amount, paid, yes, strings.Join(notes, ";"))
		}
	}
	return sb.String()
}

func TestFitRecoversKnownParameters(t *testing.T) {
	resp := func(r, o, f, l float64) map[notice.Stage]float64 {
		return map[notice.Stage]float64{notice.FriendlyReminder: r, notice.OverdueNotice: o, notice.FinalNotice: f, notice.LetterBeforeAction: l}
	}
	truth := []Segment{
		{Name: "smb", NetDays: 30, MinAmount: 500, MaxAmount: 5000, Behaviour: Behaviour{Early: 0.15, OnTime: 0.30, Never: 0.05, LateMin: 5, LateMax: 75,
			Respond: resp(0.25, 0.35, 0.50, 0.60), RespondMin: 1, RespondMax: 7}},
		{Name: "startup", NetDays: 14, MinAmount: 200, MaxAmount: 3000, Behaviour: Behaviour{Early: 0.05, OnTime: 0.20, Never: 0.10, LateMin: 10, LateMax: 120,
			Respond: resp(0.20, 0.30, 0.45, 0.55), RespondMin: 2, RespondMax: 10}},
	}
	csv := syntheticHistory(rand.New(rand.NewPCG(7, 7)), truth, 12000, 0.3)
	fit, err := FitHistory(strings.NewReader(csv), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + fit.String())
	if len(fit.Model.Segments) != 2 {
		t.Fatalf("%d segments", len(fit.Model.Segments))
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s: fitted %.3f, true %.3f (tolerance %.3f)", what, got, want, tol)
		}
	}
	for i, w := range truth {
		g := fit.Model.Segments[i]
		if g.Name != w.Name || g.NetDays != w.NetDays {
			t.Errorf("segment %d: %s net %d, want %s net %d", i, g.Name, g.NetDays, w.Name, w.NetDays)
		}
		near(w.Name+" share", g.Share, 0.5, 0.01)
		near(w.Name+" min amount", float64(g.MinAmount), float64(w.MinAmount), 5)
		near(w.Name+" max amount", float64(g.MaxAmount), float64(w.MaxAmount), 5)
		gb, wb := g.Behaviour, w.Behaviour
		near(w.Name+" early", gb.Early, wb.Early, 0.025)
		near(w.Name+" on time", gb.OnTime, wb.OnTime, 0.03)
		near(w.Name+" never", gb.Never, wb.Never, 0.02)
		near(w.Name+" late min", float64(gb.LateMin), float64(wb.LateMin), 1)
		near(w.Name+" late max", float64(gb.LateMax), float64(wb.LateMax), 1)
		for st, r := range wb.Respond {
			near(w.Name+" respond "+st.String(), gb.Respond[st], r, 0.06)
		}
		near(w.Name+" respond min", float64(gb.RespondMin), float64(wb.RespondMin), 1)
		near(w.Name+" respond max", float64(gb.RespondMax), float64(wb.RespondMax), 1)
	}
}

func TestFitHistoryErrorsNameTheField(t *testing.T) {
	for in, want := range map[string]string{
		"a,b,c\n": "header",
		HistoryHeader + "\nC1,smb,I1,2026-01-01,2026-01-31,100.00,2026-02-30,no,\n":                `paid "2026-02-30"`,
		HistoryHeader + "\nC1,smb,I1,2026-01-01,2026-01-31,100.00,,yes,reminder@2026-02-01\n":      `notices "reminder@2026-02-01"`,
		HistoryHeader + "\nC1,smb,I1,2026-01-01,2026-01-31,-5,,no,\n":                              "amount -5",
		HistoryHeader + "\nC1,smb,I1,2026-01-01,2026-01-31,100.00,2026-02-03,no,\n":                `segment "smb": 0 mature invoices not under dunning`,
		HistoryHeader + "\nC1,,I1,2026-01-01,2026-01-31,100.00,2026-02-03,no,\n":                   "segment: empty",
		HistoryHeader + "\nC1,smb,I1,2026-01-01,2026-01-31,100.00,2026-02-03,yes,final-notice@x\n": `notices "final-notice@x"`,
		HistoryHeader + "\nC1,smb,I1,2026-01-01,2025-01-31,100.00,,no,\n":                          "due 2025-01-31 before issued",
		HistoryHeader + "\nC1,smb,I1,2026-01-01,2026-01-31,100.00,,maybe,\n":                       `dunned "maybe"`,
		HistoryHeader + "\nC1,smb,I1,2026-01-01,2026-01-31,100.00,,no,final-notice@2026-02-05\n":   "dunned: no, but 1 notices",
	} {
		_, err := FitHistory(strings.NewReader(in), false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to name %q", in, err, want)
		}
	}
	if _, err := FitHistory(strings.NewReader(`[{"invoice_id": "I1", "segment": "smb", "issued": "2026-01-01", "due": "2026-01-31", "amount": "0"}]`), true); err == nil || !strings.Contains(err.Error(), "history[0]: invoice I1: amount 0") {
		t.Errorf("JSON: %v", err)
	}
	if _, err := FitHistory(strings.NewReader(`[{"invoice_id": "I1", "segment": "smb", "issued": "2026-02-30", "due": "2026-03-31", "amount": "10", "dunned": false}]`), true); err == nil || !strings.Contains(err.Error(), "2026-02-30") {
		t.Errorf("JSON with 2026-02-30: %v", err)
	}
}
