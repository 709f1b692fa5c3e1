package dunning_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// genPolicy draws a valid policy touching every field that has a JSON
// form: workflows and steps (offsets, actions, stages, fees, minimums),
// segments, calendar, send window, templates, render limits, creditor,
// payment, charges, minimums, customer limits, pay-by days, law, flags.
// It also returns the templates it added, in the form notice.ParseSet
// reads, sorted as Set.MarshalJSON sorts them.
func genPolicy(t *rapid.T) (*dunning.Policy, []templateEntry) {
	var entries []templateEntry
	cents := func(label string) decimal.Decimal {
		return decimal.New(rapid.Int64Range(1, 100000).Draw(t, label), -2)
	}
	stages := []notice.Stage{notice.FriendlyReminder, notice.OverdueNotice, notice.FinalNotice}
	p := &dunning.Policy{Creditor: notice.Party{Name: rapid.StringMatching(`[A-Z][a-z]{2,8} (GmbH|Ltd|SA)`).Draw(t, "creditor")}}
	nw := rapid.IntRange(1, 3).Draw(t, "workflows")
	for w := range nw {
		wf := dunning.Workflow{Name: fmt.Sprintf("w%d", w)}
		wf.Grouping = rapid.SampledFrom([]dunning.Grouping{"", dunning.PerInvoice, dunning.PerCustomer}).Draw(t, "grouping")
		wf.CatchUp = rapid.SampledFrom([]dunning.CatchUp{"", dunning.Progressive, dunning.HighestOnly, dunning.SendAllMissed}).Draw(t, "catch_up")
		wf.MinGapDays = rapid.IntRange(0, 30).Draw(t, "min_gap")
		wf.MaxNotices = rapid.IntRange(0, 10).Draw(t, "max_notices")
		wf.Roll = rapid.SampledFrom([]schedule.Roll{schedule.NoRoll, schedule.Following, schedule.Preceding, schedule.ModifiedFollowing}).Draw(t, "roll")
		at := rapid.IntRange(-10, 0).Draw(t, "first")
		for s := range rapid.IntRange(1, 4).Draw(t, "steps") {
			st := dunning.Step{Name: fmt.Sprintf("s%d", s), At: schedule.Offset{Anchor: schedule.Due, Days: at}}
			at += rapid.IntRange(1, 30).Draw(t, "gap")
			st.Action = rapid.SampledFrom([]dunning.ActionKind{dunning.Email, dunning.Letter}).Draw(t, "action")
			if rapid.Bool().Draw(t, "stage?") {
				st.Stage = rapid.SampledFrom(stages).Draw(t, "stage")
			}
			if rapid.Bool().Draw(t, "fee?") {
				st.Fee = &charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[dunning.Currency]decimal.Decimal{"EUR": cents("fee")}}
			}
			if rapid.Bool().Draw(t, "min?") {
				st.MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": cents("step_min")}
			}
			if st.Action == dunning.Email && rapid.Bool().Draw(t, "bounce?") {
				st.OnBounce = dunning.Letter
			}
			wf.Steps = append(wf.Steps, st)
		}
		p.Workflows = append(p.Workflows, wf)
	}
	if rapid.Bool().Draw(t, "segments?") {
		p.Segments = &segment.RuleSet{
			Attributes: map[string]segment.Kind{"size": segment.KindString},
			Rules: []segment.Rule{{Name: "big", Priority: rapid.IntRange(0, 5).Draw(t, "priority"),
				When:   segment.Cond{Attr: "size", Op: segment.Eq, Value: ptr(segment.String(rapid.StringMatching(`[a-z]{1,8}`).Draw(t, "size")))},
				Target: segment.Target{Workflow: fmt.Sprintf("w%d", nw-1), Language: rapid.SampledFrom([]string{"", "de", "en-GB"}).Draw(t, "lang")}}},
			Default: segment.Target{Workflow: "w0"},
		}
	}
	if rapid.Bool().Draw(t, "calendar?") {
		var cal dunning.BusinessCalendar
		for _, wd := range []time.Weekday{time.Saturday, time.Sunday, time.Friday} {
			if rapid.Bool().Draw(t, "off") {
				cal.Weekend = append(cal.Weekend, wd)
			}
		}
		for range rapid.IntRange(0, 3).Draw(t, "holidays") {
			cal.Holidays = append(cal.Holidays, date.New(2026, time.January, 1)+date.Date(rapid.IntRange(0, 364).Draw(t, "holiday")))
		}
		p.Calendar = cal
	}
	if rapid.Bool().Draw(t, "window?") {
		start := rapid.IntRange(0, 22).Draw(t, "start")
		w := &schedule.SendWindow{Start: time.Duration(start) * time.Hour, End: time.Duration(rapid.IntRange(start+1, 24).Draw(t, "end")) * time.Hour}
		if rapid.Bool().Draw(t, "days?") {
			w.Days = []time.Weekday{time.Monday, time.Wednesday}
		}
		p.SendWindow = w
	}
	if rapid.Bool().Draw(t, "templates?") {
		set := notice.NewSet()
		for i := range rapid.IntRange(1, 3).Draw(t, "templates") {
			k := notice.Key{Language: rapid.SampledFrom([]string{"en", "de", "fr"}).Draw(t, "tlang"), Stage: rapid.SampledFrom(stages).Draw(t, "tstage"), Workflow: rapid.SampledFrom([]string{"", "w0"}).Draw(t, "twf")}
			tm := notice.Template{Subject: fmt.Sprintf("Notice %d {{.Total}}", i), Text: rapid.StringMatching(`[A-Za-z ]{1,20}`).Draw(t, "text") + " {{.Total}}"}
			if rapid.Bool().Draw(t, "html?") {
				tm.HTML = "<p>{{.Total}}</p>"
			}
			if err := set.Add(k, tm); err != nil {
				t.Fatal(err)
			}
			entries = slices.DeleteFunc(entries, func(e templateEntry) bool { return e.Key == k })
			entries = append(entries, templateEntry{k, tm})
		}
		p.Templates = set
	}
	if rapid.Bool().Draw(t, "limits?") {
		p.RenderLimits = notice.Limits{MaxBytes: rapid.IntRange(1, 1<<20).Draw(t, "max_bytes"), Timeout: time.Duration(rapid.IntRange(1, 5000).Draw(t, "ms")) * time.Millisecond}
	}
	if rapid.Bool().Draw(t, "payment?") {
		p.Payment = dunning.PaymentInstructions{Text: "Please pay.", IBAN: "DE89370400440532013000", Options: []string{"bank transfer"}, ByLanguage: map[string]string{"de": "Bitte zahlen."}}
	}
	if rapid.Bool().Draw(t, "charges?") {
		p.Charges = &dunning.Charges{Interest: &charge.Interest{Rate: decimal.New(rapid.Int64Range(1, 2000).Draw(t, "rate"), -2), Per: charge.PerYear}}
	}
	if rapid.Bool().Draw(t, "min_amount?") {
		p.MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": cents("min"), "GBP": cents("min_gbp")}
	}
	if rapid.Bool().Draw(t, "limits?") {
		p.Customer = &dunning.CustomerLimits{MinGapDays: rapid.IntRange(0, 30).Draw(t, "cgap"), MaxNotices: rapid.IntRange(0, 5).Draw(t, "cmax"), PeriodDays: rapid.IntRange(0, 90).Draw(t, "cperiod")}
	}
	p.SwitchMidCycle = rapid.Bool().Draw(t, "switch")
	p.PayByDays = rapid.IntRange(0, 60).Draw(t, "pay_by")
	if rapid.Bool().Draw(t, "pay_by_stage?") {
		p.PayByStage = map[notice.Stage]int{rapid.SampledFrom(stages).Draw(t, "pbs"): rapid.IntRange(1, 60).Draw(t, "pbsd")}
	}
	p.Law = rapid.SampledFrom([]notice.Jurisdiction{"", notice.Jurisdiction("de"), notice.Jurisdiction("uk")}).Draw(t, "law")
	p.CheckNotices = rapid.Bool().Draw(t, "check")
	if rapid.Bool().Draw(t, "url?") {
		p.NoticeURL = "https://pay.example.com/n/{number}"
	}
	slices.SortFunc(entries, func(a, b templateEntry) int {
		return cmp.Compare(a.Templates+"/"+a.Workflow+"/"+a.Step+"/"+a.Language, b.Templates+"/"+b.Workflow+"/"+b.Step+"/"+b.Language)*4 + cmp.Compare(a.Stage, b.Stage)
	})
	return p, entries
}

// templateEntry is one template as notice.ParseSet reads it.
type templateEntry struct {
	notice.Key
	notice.Template
}

func ptr[T any](v T) *T { return &v }

// policyCmp compares policies: decimals by value, unexported fields (the
// name index Validate builds) ignored, and template sets, which hide their
// templates, left to a comparison of their own.
func policyCmp() []gocmp.Option {
	return append(dunningtest.CmpOptions(),
		cmpopts.IgnoreUnexported(dunning.Policy{}),
		cmpopts.IgnoreFields(dunning.Policy{}, "Templates"),
		cmpopts.EquateEmpty())
}

// TestPolicyJSONRoundTrip: for generated valid policies,
// ParsePolicy(json.Marshal(p)) equals p.
func TestPolicyJSONRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p, entries := genPolicy(t)
		if err := p.Validate(); err != nil {
			t.Skip("not a valid policy: " + err.Error())
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dunning.ParsePolicy(b)
		if err != nil {
			t.Fatalf("ParsePolicy of the marshalled policy: %v\n%s", err, b)
		}
		if diff := gocmp.Diff(p, got, policyCmp()...); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s\n%s", diff, b)
		}
		// The templates read back are the ones generated, every part.
		if (got.Templates == nil) != (p.Templates == nil) {
			t.Fatalf("templates: had %v, got %v", p.Templates != nil, got.Templates != nil)
		}
		if got.Templates != nil {
			tb, err := json.Marshal(got.Templates)
			if err != nil {
				t.Fatal(err)
			}
			var back struct{ Templates []templateEntry }
			if err := json.Unmarshal(tb, &back); err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(entries, back.Templates); diff != "" {
				t.Fatalf("templates (-generated +read back):\n%s", diff)
			}
		}
	})
}
