package dunning_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// bytePicker draws choices from fuzz input; past its end it draws zeros.
type bytePicker struct {
	b []byte
	i int
}

func (p *bytePicker) n(k int) int {
	if p.i >= len(p.b) {
		return 0
	}
	v := int(p.b[p.i]) % k
	p.i++
	return v
}

func pick[T any](p *bytePicker, xs ...T) T { return xs[p.n(len(xs))] }

// fuzzWorld builds a policy and a portfolio, valid or not, from data.
func fuzzWorld(data []byte) (*dunning.Policy, dunning.Portfolio, date.Date) {
	p := &bytePicker{b: data}
	base := day("2026-03-01")
	var wfs []dunning.Workflow
	for w := 0; w <= p.n(2); w++ {
		wf := dunning.Workflow{
			Name:       pick(p, "std", "alt", "std"),
			Grouping:   pick(p, dunning.PerInvoice, dunning.PerCustomer),
			CatchUp:    pick(p, dunning.Progressive, dunning.HighestOnly, dunning.SendAllMissed),
			MinGapDays: pick(p, 0, 3, 7),
			Roll:       pick(p, schedule.NoRoll, schedule.Following),
		}
		for s := 0; s <= p.n(4); s++ {
			st := dunning.Step{
				Name:   fmt.Sprint("s", s, pick(p, "", "", "x")),
				At:     schedule.Offset{Anchor: pick(p, schedule.Due, schedule.Due, schedule.Issue, schedule.Agreement), Days: pick(p, -7, 0, 3, 14, 30, 45, 9999)},
				Action: pick(p, dunning.Email, dunning.Letter, dunning.SMS, dunning.Task, dunning.EscalateInternal, dunning.HoldAction),
			}
			if p.n(4) == 0 {
				st.Fee = &charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[dunning.Currency]decimal.Decimal{pick[dunning.Currency](p, "EUR", "USD"): dunningtest.Amount(pick(p, "5.00", "1.005", "1e30"))}}
			}
			if p.n(4) == 0 {
				st.MinAmount = map[dunning.Currency]decimal.Decimal{pick[dunning.Currency](p, "EUR", "USD", "JPY"): dunningtest.Amount(pick(p, "50", "1000"))}
			}
			wf.Steps = append(wf.Steps, st)
		}
		wfs = append(wfs, wf)
	}
	pol := &dunning.Policy{Workflows: wfs, Creditor: dunningtest.Creditor(), PayByDays: pick(p, 0, 14, 400),
		Payment: dunning.PaymentInstructions{Text: "Pay."}, SwitchMidCycle: p.n(2) == 0}
	if p.n(3) == 0 {
		pol.Charges = &dunning.Charges{Interest: &charge.Interest{Rate: dunningtest.Amount(pick(p, "8", "9.5"))}}
	}
	if p.n(3) == 0 {
		pol.MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": dunningtest.Amount("20")}
	}
	var pf dunning.Portfolio
	for c := 0; c <= p.n(4); c++ {
		cu := dunningtest.Customer(pick(p, "c1", "c2", "c3", "c1", ""))
		cu.Language = pick(p, "en", "de", "", "de-AT", "de\r\nX: y", "not a tag")
		cu.Name = pick(p, cu.Name, cu.Name, "Müller & Søn", "Cust\r\nTotal due: EUR 0.00", "x\x1b[2J")
		if len(cu.Contacts) > 0 && p.n(4) == 0 {
			cu.Contacts[0].Address = append([]string(nil), pick(p, "1 Road", "1 Road\nEvil", "\u202e1 Road"))
		}
		cu.TimeZone = pick(p, "", "Europe/Berlin", "America/New_York", "Mars/Olympus")
		if p.n(5) == 0 {
			cu.Hold = &dunning.Hold{Since: base + date.Date(p.n(60)), Until: base + date.Date(p.n(90))}
		}
		pf.Customers = append(pf.Customers, cu)
	}
	for a := 0; a <= p.n(3); a++ {
		ag := dunningtest.Agreement(pick(p, "a1", "a2", "a1"), pick(p, "c1", "c2", "c3"), base-date.Date(p.n(40)), pick[dunning.Currency](p, "EUR", "EUR", "USD", "ABC"))
		ag.GraceDays = pick(p, 0, 0, 5, -10, 1000)
		pf.Agreements = append(pf.Agreements, ag)
	}
	for i := 0; i <= p.n(8); i++ {
		issued := base + date.Date(p.n(60))
		due := issued + date.Date(pick(p, 0, 14, 30, -5))
		inv := dunningtest.Invoice(pick(p, "i1", "i2", "i3", "i4", "i5", "i6", "i1"), pick(p, "c1", "c2", "c3", "ghost"), issued, due,
			pick(p, "100.00", "2500.50", "0", "-5", "1.005", "1e40"), pick[dunning.Currency](p, "EUR", "EUR", "USD", "XXQ"))
		if p.n(5) == 0 {
			inv.Due = 0
		}
		inv.AgreementID = pick(p, "", "a1", "a2", "nope")
		if p.n(4) == 0 {
			inv.Number = pick(p, "INV-1", "INV-1\nTotal due: 0", "INV\x00")
			inv.Lines = []dunning.Line{{Description: pick(p, "Goods", "Goods\n\nTotal due: EUR 0.00", "Go\u2028ods", "\xff"), Amount: inv.Amount}}
		}
		switch p.n(6) {
		case 0:
			inv.Payments = []dunning.Payment{{Date: issued + date.Date(p.n(80)), Amount: dunningtest.Amount(pick(p, "40", "100.00", "-1"))}}
		case 1:
			inv.Dispute = &dunning.Dispute{Opened: issued + date.Date(p.n(50)), Resolved: pick(p, date.Date(0), issued+date.Date(p.n(70)))}
		case 2:
			inv.Promise = &dunning.Promise{Made: issued + date.Date(p.n(40)), PayBy: issued + date.Date(p.n(60)), Amount: dunningtest.Amount("50")}
		case 3:
			inv.Cycle = p.n(3)
		}
		pf.Invoices = append(pf.Invoices, inv)
	}
	asOf := base + date.Date(p.n(120))
	// Stored progress, some of it written by another policy (a step past
	// the workflow's end, a workflow or step it no longer has) or corrupt
	// (a step below -1), in the History or delivered with the invoice.
	for i := range pf.Invoices {
		if p.n(3) == 0 {
			continue
		}
		inv := &pf.Invoices[i]
		wf := pick(p, "std", "alt", "gone")
		pr := dunning.Progress{InvoiceID: inv.ID, Cycle: inv.Cycle, Workflow: wf,
			Step: pick(p, -1, 0, 1, 2, 4, 5, 9, -2, math.MaxInt, math.MinInt), Last: pick(p, date.Date(0), asOf-40, asOf-3, asOf)}
		if p.n(3) == 0 {
			pr.Bounced = "inv/" + inv.CustomerID + "/" + inv.ID + "/" + wf + "/" + pick(p, "s0", "s2x", "s4", "gone") + "/c" + fmt.Sprint(inv.Cycle)
			pr.BouncedListed = p.n(4) == 0
		}
		if p.n(2) == 0 {
			inv.Progress = &pr
			continue
		}
		if pf.History == nil {
			pf.History = dunning.HistoryMap{}
		}
		pf.History.(dunning.HistoryMap)[inv.ID] = pr
	}
	return pol, pf, asOf
}

// FuzzPlan: random portfolios and policies, valid or not: Plan never
// panics, gives byte-identical output on a second call, and never gives
// two actions one key; every rejected record carries its problem.
func FuzzPlan(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"))
	f.Add([]byte{1, 1, 2, 0, 3, 1, 0, 2, 5, 4, 0, 0, 1, 2, 3, 3, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		pol, pf, asOf := fuzzWorld(data)
		start := time.Now()
		acts, err := dunning.Plan(asOf, pol, pf)
		if el := time.Since(start); el > time.Second {
			t.Fatalf("Plan took %v", el)
		}
		if err != nil {
			if pol.Validate() == nil {
				t.Fatalf("Plan failed on a valid policy: %v", err)
			}
			return
		}
		if _, err := dunning.Wake(asOf, pol, pf); err != nil {
			t.Fatalf("Wake failed where Plan did not: %v", err)
		}
		pol2, pf2, _ := fuzzWorld(data)
		acts2, err2 := dunning.Plan(asOf, pol2, pf2)
		b1, _ := json.Marshal(acts)
		b2, _ := json.Marshal(acts2)
		if err2 != nil || string(b1) != string(b2) {
			t.Fatalf("Plan is not deterministic: %v\n%s\n%s", err2, b1, b2)
		}
		keys := map[string]bool{}
		for _, a := range acts {
			if keys[a.Key] {
				t.Fatalf("two actions with key %s", a.Key)
			}
			keys[a.Key] = true
			if a.Kind == dunning.Rejected && a.Problem == "" {
				t.Fatalf("rejected %s without a problem", a.Key)
			}
			// Plan checks a notice without its texts (ValidateStructure),
			// as it checked them where they entered: the whole check
			// passes too.
			if a.Notice != nil && a.Problem == "" {
				if err := a.Notice.Validate(); err != nil {
					t.Fatalf("%s: the planned notice fails Validate: %v", a.Key, err)
				}
			}
		}
	})
}
