package dunning_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// huntUnits are the minor units of the currencies the property draws: JPY
// has none, EUR two, KWD three.
var huntUnits = map[dunning.Currency]int32{"EUR": 2, "JPY": 0, "KWD": 3}

// huntMoney draws a positive amount in cur's minor units, at most max units.
func huntMoney(t *rapid.T, cur dunning.Currency, max int64, label string) decimal.Decimal {
	return decimal.New(rapid.Int64Range(1, max).Draw(t, label), -huntUnits[cur])
}

// huntFee draws a step fee in every currency of the property (nil: none).
func huntFee(t *rapid.T, label string) *charge.Fee {
	amts := map[dunning.Currency]decimal.Decimal{"EUR": amt("5.00"), "JPY": amt("700"), "KWD": amt("1.250")}
	switch rapid.IntRange(0, 3).Draw(t, label) {
	case 1:
		return &charge.Fee{Kind: charge.FixedPerNotice, Amounts: amts}
	case 2:
		return &charge.Fee{Kind: charge.PerInvoice, Amounts: amts}
	case 3:
		return &charge.Fee{Kind: charge.Percent, Percent: amt("1.5"),
			Min: map[dunning.Currency]decimal.Decimal{"EUR": amt("2.00"), "JPY": amt("300"), "KWD": amt("0.750")}}
	}
	return nil
}

// huntWorld draws a policy (workflow "wfzq", steps "zq...", so a leak of
// an internal name shows as "zq" in a text) and a portfolio of one or two
// customers in EUR, JPY and KWD: partial payments, credits, instalments,
// promises, unapplied money.
func huntWorld(t *rapid.T) (*dunning.Policy, dunning.Portfolio, date.Date) {
	base := day("2026-03-02")
	wf := dunning.Workflow{
		Name:       "wfzq",
		Grouping:   rapid.SampledFrom([]dunning.Grouping{dunning.PerInvoice, dunning.PerCustomer}).Draw(t, "grouping"),
		CatchUp:    rapid.SampledFrom([]dunning.CatchUp{dunning.Progressive, dunning.HighestOnly, dunning.SendAllMissed}).Draw(t, "catchup"),
		MinGapDays: rapid.IntRange(0, 7).Draw(t, "gap"),
		Roll:       schedule.NoRoll,
	}
	at := func(d int) schedule.Offset { return schedule.Offset{Anchor: schedule.Due, Days: d} }
	wf.Steps = []dunning.Step{
		{Name: "zqpre", At: at(-7), Action: dunning.Email},
		{Name: "zqdue", At: at(0), Action: dunning.Email},
		{Name: "zqone", At: at(14), Action: dunning.Email, OnBounce: dunning.Letter, Fee: huntFee(t, "fee1")},
	}
	if rapid.Bool().Draw(t, "statement") {
		wf.Steps = append(wf.Steps, dunning.Step{Name: "zqstmt", At: at(20), Action: dunning.SendStatement, LookbackDays: 30})
	}
	wf.Steps = append(wf.Steps,
		dunning.Step{Name: "zqtwo", At: at(30), Action: rapid.SampledFrom([]dunning.ActionKind{dunning.Email, dunning.Letter}).Draw(t, "two"), Fee: huntFee(t, "fee2")},
		dunning.Step{Name: "zqfin", At: at(45), Action: dunning.Letter, Fee: huntFee(t, "fee3")},
	)
	if rapid.Bool().Draw(t, "min") {
		wf.Steps[len(wf.Steps)-2].MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": amt("50"), "JPY": amt("8000"), "KWD": amt("20")}
	}
	if rapid.Bool().Draw(t, "sms") {
		wf.Steps[1].Action = dunning.SMS
	}
	wf.MaxNotices = rapid.SampledFrom([]int{0, 0, 3}).Draw(t, "maxnotices")
	pol := dunningtest.Policy(wf)
	if rapid.IntRange(0, 3).Draw(t, "limits") == 0 {
		pol.Customer = &dunning.CustomerLimits{MinGapDays: rapid.IntRange(0, 5).Draw(t, "cgap"), MaxNotices: rapid.IntRange(0, 3).Draw(t, "cmax")}
	}
	switch rapid.IntRange(0, 2).Draw(t, "interest") {
	case 1:
		pol.Charges = &dunning.Charges{Interest: &charge.Interest{Rate: amt("8"),
			Basis:    rapid.SampledFrom([]charge.Basis{charge.OnOpen, charge.OnOriginal}).Draw(t, "basis"),
			DayCount: rapid.SampledFrom([]charge.DayCount{charge.Actual365, charge.Actual360}).Draw(t, "daycount"),
			Rounding: rapid.SampledFrom([]charge.Rounding{charge.RoundTotal, charge.RoundDaily}).Draw(t, "rounding")}}
	case 2:
		pol.Charges = &dunning.Charges{Interest: &charge.Interest{Regime: charge.DEB2B}, Compensation: rapid.Bool().Draw(t, "comp"),
			Rates: charge.RateTable{{From: day("2026-01-01"), Percent: amt("1.27")}, {From: day("2026-04-01"), Percent: amt("1.5")}}}
	}
	if rapid.Bool().Draw(t, "fx") {
		perEUR := map[dunning.Currency]decimal.Decimal{"EUR": amt("1"), "JPY": amt("161.37"), "KWD": amt("0.3321")}
		pol.FX = func(v decimal.Decimal, from, to dunning.Currency, _ date.Date) (decimal.Decimal, error) {
			return v.Div(perEUR[from]).Mul(perEUR[to]), nil
		}
	}
	if rapid.Bool().Draw(t, "polmin") {
		pol.MinAmount = map[dunning.Currency]decimal.Decimal{"EUR": amt("20"), "JPY": amt("3000"), "KWD": amt("5")}
	}
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	var pf dunning.Portfolio
	curs := []dunning.Currency{"EUR", "JPY", "KWD"}
	for ci := range rapid.IntRange(1, 2).Draw(t, "customers") {
		cid := fmt.Sprintf("c%d", ci+1)
		c := dunningtest.Customer(cid)
		c.Language = rapid.SampledFrom([]string{"en", "de", "fr", "de-AT"}).Draw(t, "lang")
		c.Contacts[0].Phone = "+441130000000"
		if rapid.Bool().Draw(t, "second-contact") {
			c.Contacts = append(c.Contacts, dunning.Contact{Name: "Finance", Email: cid + "-fin@example.com", Address: c.Contacts[0].Address})
		}
		pf.Customers = append(pf.Customers, c)
		for ii := range rapid.IntRange(1, 4).Draw(t, "invoices") {
			cur := rapid.SampledFrom(curs).Draw(t, "cur")
			m := rapid.Int64Range(1, 2_000_000).Draw(t, "amount")
			issued := base + date.Date(rapid.IntRange(0, 30).Draw(t, "issued"))
			inv := dunningtest.Invoice(fmt.Sprintf("%si%d", cid, ii), cid, issued, issued+30, decimal.New(m, -huntUnits[cur]).String(), cur)
			left := m
			for range rapid.IntRange(0, 2).Draw(t, "payments") {
				if left < 1 {
					break
				}
				p := rapid.Int64Range(1, left).Draw(t, "paid")
				left -= p
				inv.Payments = append(inv.Payments, dunning.Payment{Date: issued + date.Date(rapid.IntRange(0, 90).Draw(t, "paidon")), Amount: decimal.New(p, -huntUnits[cur])})
			}
			if left >= 1 && rapid.IntRange(0, 3).Draw(t, "credit") == 0 {
				p := rapid.Int64Range(1, left).Draw(t, "credited")
				left -= p
				inv.Credits = append(inv.Credits, dunning.Credit{Date: issued + date.Date(rapid.IntRange(0, 90).Draw(t, "creditedon")), Amount: decimal.New(p, -huntUnits[cur])})
			}
			if m >= 3 && rapid.IntRange(0, 3).Draw(t, "schedule") == 0 {
				k := int64(rapid.IntRange(2, 3).Draw(t, "parts"))
				each := m / k
				for j := int64(1); j <= k; j++ {
					a := each
					if j == k {
						a = m - each*(k-1)
					}
					inv.Schedule = append(inv.Schedule, dunning.Instalment{Due: issued + date.Date(30*j/k), Amount: decimal.New(a, -huntUnits[cur])})
				}
			}
			if rapid.IntRange(0, 4).Draw(t, "promise") == 0 {
				made := inv.Due + date.Date(rapid.IntRange(1, 20).Draw(t, "made"))
				inv.Promise = &dunning.Promise{Made: made, PayBy: made + date.Date(rapid.IntRange(2, 20).Draw(t, "payby")), Amount: decimal.New(rapid.Int64Range(2, max(2, m)).Draw(t, "promised"), -huntUnits[cur])}
				if rapid.Bool().Draw(t, "plan") {
					// A payment plan of two parts, the last on PayBy.
					p := inv.Promise
					half := p.Amount.Div(decimal.NewFromInt(2)).RoundDown(huntUnits[cur])
					p.Parts = []dunning.PromisePart{{PayBy: p.Made + 1, Amount: half}, {PayBy: p.PayBy, Amount: p.Amount.Sub(half)}}
				}
			}
			if rapid.Bool().Draw(t, "agreement") {
				ag := dunningtest.Agreement("a-"+inv.ID, cid, issued-10, cur)
				ag.GraceDays = rapid.IntRange(0, 5).Draw(t, "grace")
				ag.Payment.ByLanguage = map[string]string{"en": "Pay by transfer EN.", "de": "Bitte überweisen DE.", "fr": "Payez FR."}
				pf.Agreements = append(pf.Agreements, ag)
				inv.AgreementID = ag.ID
			}
			pf.Invoices = append(pf.Invoices, inv)
		}
		for ui := range rapid.IntRange(0, 2).Draw(t, "unapplied") {
			cur := rapid.SampledFrom(curs).Draw(t, "ucur")
			pf.Unapplied = append(pf.Unapplied, dunning.Unapplied{
				ID: fmt.Sprintf("u-%s-%d", cid, ui), CustomerID: cid,
				Kind:     rapid.SampledFrom([]dunning.UnappliedKind{dunning.UnappliedPayment, dunning.UnappliedCredit}).Draw(t, "ukind"),
				Currency: cur, Date: base + date.Date(rapid.IntRange(0, 100).Draw(t, "udate")), Amount: huntMoney(t, cur, 500_000, "uamount"),
				Ref: fmt.Sprintf("PAY-%d", ui),
			})
		}
	}
	return pol, pf, base
}

// huntItem is an invoice or one instalment of it, as the property sees it.
type huntItem struct {
	inv *dunning.Invoice
	k   int // instalment, 0: the whole invoice
	due date.Date
	amt decimal.Decimal
}

// huntItems returns the items of the portfolio by ID ("ID" or "ID#k").
func huntItems(pf *dunning.Portfolio) map[string]huntItem {
	out := map[string]huntItem{}
	for i := range pf.Invoices {
		inv := &pf.Invoices[i]
		if len(inv.Schedule) == 0 {
			out[inv.ID] = huntItem{inv: inv, due: inv.Due, amt: inv.Amount}
			continue
		}
		for k, s := range inv.Schedule {
			out[dunning.InstalmentID(inv.ID, k+1)] = huntItem{inv: inv, k: k + 1, due: s.Due, amt: s.Amount}
		}
	}
	return out
}

// open computes the item's open balance on d from the inputs: the
// payments and credits dated by d, allocated to the oldest instalment first.
func (it huntItem) open(d date.Date) decimal.Decimal {
	paid := decimal.Zero
	for _, p := range it.inv.Payments {
		if p.Date <= d {
			paid = paid.Add(p.Amount)
		}
	}
	for _, c := range it.inv.Credits {
		if c.Date <= d {
			paid = paid.Add(c.Amount)
		}
	}
	if it.k == 0 {
		return it.amt.Sub(paid)
	}
	before := decimal.Zero // the instalments before this one
	for j := 0; j < it.k-1; j++ {
		before = before.Add(it.inv.Schedule[j].Amount)
	}
	rest := decimal.Max(decimal.Zero, paid.Sub(before))
	return decimal.Max(decimal.Zero, it.amt.Sub(rest))
}

// promised reports whether the invoice has a promise to pay (the property
// leaves promised invoices out of the listing check: a pending promise
// pauses them).
func (it huntItem) promised() bool { return it.inv.Promise != nil }

// fmtHunt formats money as a customer reads it: English "EUR 1,234.56",
// German "1.234,56 EUR"; computed here, not by the package.
func fmtHunt(lang string, v decimal.Decimal, cur string, u int32) string {
	s := v.Abs().StringFixed(u)
	intPart, frac, _ := strings.Cut(s, ".")
	sep, dec := ",", "."
	if strings.HasPrefix(lang, "de") {
		sep, dec = ".", ","
	}
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	num := b.String()
	if frac != "" {
		num += dec + frac
	}
	if v.Sign() < 0 {
		num = "-" + num
	}
	if strings.HasPrefix(lang, "de") {
		return num + " " + cur
	}
	return cur + " " + num
}

// fitsUnits reports whether v has at most u decimals.
func fitsUnits(v decimal.Decimal, u int32) bool { return v.Round(u).Equal(v) }

// TestHuntNoticeProperty plans random portfolios day by day over four
// months (every action recorded as sent, some notices bouncing) and holds
// every rendered notice to what a customer may read: its figures add up in
// the currency's minor units, each line's open balance, due date and days
// overdue are the invoice's (computed here from the inputs), a per-customer
// notice lists every overdue invoice of its currency, unapplied money of
// the day is deducted once and in full, earlier notices claimed were
// delivered, earlier fees are those the invoice was charged on delivered
// notices, the text is in one language (its payment text too), shows the
// total and no internal name; a statement of account lists every open item
// and its closing balance is the items less the unapplied money. Portfolios
// mix EUR, JPY and KWD, partial payments, credits, instalments, promises
// and payment plans, agreements with grace days, unapplied money, per-step
// fees, contractual or German statutory interest with compensation (FX for
// other currencies), minimums, customer limits, and customers in en, de,
// de-AT and fr (no templates: English). Deliberate breaks it caught: the
// unapplied money of a day's earlier notice not counted as used (deducted
// twice), a grouped notice dropping its last line, a bounced notice's day
// left as the invoice's last notice (an earlier notice claimed that never
// arrived), and the compensation of a listed invoice booked on the step's
// invoice.
func TestHuntNoticeProperty(t *testing.T) {
	huntSeen = map[string]int{}
	defer func() { t.Logf("covered: %v", huntSeen) }()
	rapid.Check(t, func(t *rapid.T) {
		pol, pf, base := huntWorld(t)
		items := huntItems(&pf)
		hist := dunning.HistoryMap{}
		pf.History = hist
		delivered := map[string][]date.Date{}     // item -> days a notice about it reached the customer
		feeLedger := map[string]decimal.Decimal{} // item -> fees charged on delivered notices
		langOf := map[string]string{}
		for _, c := range pf.Customers {
			langOf[c.ID] = c.Language
		}
		for d := base; d <= base+130; d++ {
			acts, err := dunning.Plan(d, pol, pf)
			if err != nil {
				t.Fatal(err)
			}
			pol.Render(acts)
			type cc struct {
				c   string
				cur dunning.Currency
			}
			unappliedUsed := map[cc]decimal.Decimal{}
			noticeIn := map[cc]bool{}
			onDay := map[string]bool{}
			for ai := range acts {
				a := &acts[ai]
				for _, id := range a.InvoiceIDs {
					onDay[id] = true
				}
				if a.Problem != "" {
					if a.Kind == dunning.Rejected || a.Kind == dunning.DataFix {
						t.Fatalf("%s %s: %s", d, a.Key, a.Problem)
					}
					t.Fatalf("%s %s: problem %s", d, a.Key, a.Problem)
				}
				n := a.Notice
				if n == nil {
					continue
				}
				checkHuntText(t, d, a, n, langOf[a.CustomerID])
				if n.Statement != nil {
					checkHuntStatement(t, d, a, n.Statement, &pf, items)
					continue
				}
				k := cc{a.CustomerID, a.Currency}
				if !a.Fallback { // a fallback re-sends a notice of an earlier day
					noticeIn[k] = true
				}
				checkHuntNotice(t, d, a, n, items, delivered, feeLedger)
				for _, u := range n.Unapplied {
					unappliedUsed[k] = unappliedUsed[k].Add(u.Amount)
				}
			}
			// Unapplied money of the day is deducted in full, once.
			for k := range noticeIn {
				avail := decimal.Zero
				for _, u := range pf.Unapplied {
					if u.CustomerID == k.c && u.Currency == k.cur && u.Date <= d {
						avail = avail.Add(u.Amount)
					}
				}
				if !unappliedUsed[k].Equal(avail) {
					t.Fatalf("%s: %s %s notices deduct %s of unapplied money, the customer holds %s", d, k.c, k.cur, unappliedUsed[k], avail)
				}
			}
			// A per-customer notice lists every overdue invoice of its
			// currency.
			if pol.Workflows[0].Grouping == dunning.PerCustomer && pol.Workflows[0].MaxNotices == 0 { // at its maximum an invoice is not listed
				for id, it := range items {
					k := cc{it.inv.CustomerID, it.inv.Currency}
					if !noticeIn[k] || it.promised() || onDay[id] {
						continue
					}
					if it.inv.Issued <= d && it.due < d && it.open(d).Sign() > 0 {
						var day []string
						for _, a := range acts {
							day = append(day, fmt.Sprintf("%s %v listed %v: %s", a.Key, a.InvoiceIDs, a.Listed, a.Reason))
						}
						ex, _ := dunning.Explain(d, pol, pf, id)
						t.Fatalf("%s: overdue %s (%s open %s) is on none of the day's %s notices of %s:\n%s\nexplain: %+v\nhist %+v", d, id, it.inv.Currency, it.open(d), it.inv.Currency, k.c, strings.Join(day, "\n"), ex, hist)
					}
				}
			}
			// Record every action as sent; some notices bounce.
			for ai := range acts {
				a := &acts[ai]
				rec := a.Record(dunning.Sent, d.MidnightUTC())
				bounce := a.Notice != nil && !a.Fallback && a.Notice.Statement == nil && rapid.IntRange(0, 5).Draw(t, "bounce") == 0
				charged := huntCharged(a)
				for i, id := range a.InvoiceIDs {
					p := hist[id]
					dunning.Advance(&p, rec, i)
					if bounce {
						dunning.MarkBounced(&p, rec, i)
					}
					hist[id] = p
					if a.Notice != nil && a.Notice.Statement == nil && !bounce {
						delivered[id] = append(delivered[id], d)
						feeLedger[id] = feeLedger[id].Add(charged[i])
					}
				}
			}
		}
	})
}

// huntCharged attributes the new fees of a notice (step fee, compensation)
// to its lines, as the notice reads: a fee line to the invoice it names
// (the first line when it names none), a compensation line to its invoice.
func huntCharged(a *dunning.Action) []decimal.Decimal {
	out := make([]decimal.Decimal, len(a.InvoiceIDs))
	n := a.Notice
	if n == nil || n.Statement != nil {
		return out
	}
	compCursor := 0
	for _, c := range n.Fees {
		switch c.Label {
		case "fee":
			i := 0
			if c.Invoice != "" {
				for j := range n.Lines {
					if n.Lines[j].Number == c.Invoice && (a.Listed == nil || !a.Listed[j]) {
						i = j
						break
					}
				}
			}
			out[i] = out[i].Add(c.Amount)
		case "compensation":
			for j := compCursor; j < len(n.Lines); j++ {
				if n.Lines[j].Number == c.Invoice {
					out[j] = out[j].Add(c.Amount)
					compCursor = j + 1
					break
				}
			}
		}
	}
	return out
}

// huntSeen counts what the property's notices held, to see it covers them.
var huntSeen map[string]int

// checkHuntNotice holds a notice's figures to the inputs.
func checkHuntNotice(t *rapid.T, d date.Date, a *dunning.Action, n *notice.Notice, items map[string]huntItem, delivered map[string][]date.Date, feeLedger map[string]decimal.Decimal) {
	u := huntUnits[dunning.Currency(n.Currency)]
	for _, c := range n.Fees {
		huntSeen[c.Label+"/"+n.Currency]++
	}
	if len(n.Interest) > 0 {
		huntSeen["interest/"+n.Currency]++
	}
	if len(n.Unapplied) > 0 {
		huntSeen["unapplied/"+n.Currency]++
	}
	if a.Fallback {
		huntSeen["fallback"]++
	}
	if a.Listed != nil {
		huntSeen["listed"]++
	}
	for _, l := range n.Lines {
		if l.Instalment > 0 {
			huntSeen["instalment"]++
		}
		if l.Plan != nil {
			huntSeen["plan"]++
		}
	}
	huntSeen["lang/"+n.Language+"/"+string(n.Channel)]++
	if n.MinorUnits != u {
		t.Fatalf("%s %s: minor units %d, want %d", d, a.Key, n.MinorUnits, u)
	}
	if len(n.Lines) != len(a.InvoiceIDs) {
		t.Fatalf("%s %s: %d lines for %d invoices", d, a.Key, len(n.Lines), len(a.InvoiceIDs))
	}
	sum := decimal.Zero
	check := func(what string, v decimal.Decimal) {
		if !fitsUnits(v, u) {
			t.Fatalf("%s %s: %s %s has more than %d decimals", d, a.Key, what, v, u)
		}
	}
	wantEarlier := map[string]decimal.Decimal{}
	for i, l := range n.Lines {
		id := a.InvoiceIDs[i]
		it, ok := items[id]
		if !ok {
			t.Fatalf("%s %s: line %d is %s, no item of the portfolio", d, a.Key, i, id)
		}
		if l.Number != it.inv.Number || l.DueDate != it.due || l.Instalment != it.k {
			t.Fatalf("%s %s: line %d reads %s instalment %d due %s, want %s instalment %d due %s", d, a.Key, i, l.Number, l.Instalment, l.DueDate, it.inv.Number, it.k, it.due)
		}
		if want := it.open(d); !l.Open.Equal(want) {
			t.Fatalf("%s %s: line %s#%d open %s, want %s", d, a.Key, l.Number, l.Instalment, l.Open, want)
		}
		if l.Open.Sign() <= 0 {
			t.Fatalf("%s %s: line %s#%d open %s on a notice", d, a.Key, l.Number, l.Instalment, l.Open)
		}
		if want := max(0, int(d-it.due)); l.DaysOverdue != want {
			t.Fatalf("%s %s: line %s#%d %d days overdue, want %d", d, a.Key, l.Number, l.Instalment, l.DaysOverdue, want)
		}
		if l.LastNotice != 0 && (l.LastNotice >= d || !slices.Contains(delivered[id], l.LastNotice)) {
			t.Fatalf("%s %s: line %s claims a last notice on %s; delivered %v", d, a.Key, id, l.LastNotice, delivered[id])
		}
		check("open", l.Open)
		sum = sum.Add(l.Open)
		wantEarlier[l.Number] = wantEarlier[l.Number].Add(feeLedger[id])
	}
	// Earlier fees per invoice: those charged on its delivered notices (two
	// instalments of one invoice share its number, as the customer reads it).
	if n.Stage != notice.FriendlyReminder {
		gotEarlier := map[string]decimal.Decimal{}
		for _, c := range n.Fees {
			if c.Label == "fees-earlier" {
				gotEarlier[c.Invoice] = gotEarlier[c.Invoice].Add(c.Amount)
			}
		}
		for num, want := range wantEarlier {
			if !gotEarlier[num].Equal(want) {
				t.Fatalf("%s %s: invoice %s shows earlier fees %s, it was charged %s on delivered notices (fees %+v)", d, a.Key, num, gotEarlier[num], want, n.Fees)
			}
		}
	}
	for _, e := range n.Earlier {
		ok := false
		for _, id := range a.InvoiceIDs {
			ok = ok || slices.Contains(delivered[id], e)
		}
		if !ok || e >= d {
			t.Fatalf("%s %s: claims an earlier notice on %s that no invoice of it got", d, a.Key, e)
		}
	}
	for _, c := range n.Fees {
		check("fee "+c.Label, c.Amount)
		sum = sum.Add(c.Amount)
	}
	lastTo := map[string]date.Date{} // by line invoice: where its periods stand
	for _, c := range n.Interest {
		check("interest", c.Amount)
		sum = sum.Add(c.Amount)
		if prev, ok := lastTo[c.Invoice]; (ok && c.From > prev+1) || c.From > c.To || c.To > d {
			t.Fatalf("%s %s: interest on %s %s to %s after %s", d, a.Key, c.Invoice, c.From, c.To, prev)
		}
		lastTo[c.Invoice] = c.To
	}
	unapplied := decimal.Zero
	for _, x := range n.Unapplied {
		check("unapplied", x.Amount)
		if x.Date > d || x.Amount.Sign() <= 0 {
			t.Fatalf("%s %s: unapplied %+v", d, a.Key, x)
		}
		unapplied = unapplied.Add(x.Amount)
	}
	sum = sum.Sub(unapplied)
	check("total", n.Total)
	if !sum.Equal(n.Total) {
		t.Fatalf("%s %s: lines + fees + interest - unapplied = %s, total %s", d, a.Key, sum, n.Total)
	}
	if n.Total.Sign() <= 0 {
		t.Fatalf("%s %s: total %s", d, a.Key, n.Total)
	}
	if n.PayBy < d {
		t.Fatalf("%s %s: pay by %s before the notice", d, a.Key, n.PayBy)
	}
}

// checkHuntText holds a rendered notice's text to the customer's standard:
// one language, the total as computed here, no internal name.
func checkHuntText(t *rapid.T, d date.Date, a *dunning.Action, n *notice.Notice, custLang string) {
	if n.Text == "" || (n.Subject == "" && n.Channel != notice.SMS) {
		t.Fatalf("%s %s: not rendered", d, a.Key)
	}
	wantLang := "en"
	if strings.HasPrefix(custLang, "de") {
		wantLang = custLang
	}
	if n.Language != wantLang {
		t.Fatalf("%s %s: language %q for a customer in %q", d, a.Key, n.Language, custLang)
	}
	all := n.Subject + "\n" + n.Text + "\n" + n.HTML
	if strings.Contains(all, "zq") {
		i := strings.Index(all, "zq")
		t.Fatalf("%s %s: the text shows an internal name: ...%s...", d, a.Key, all[max(0, i-60):min(len(all), i+30)])
	}
	de := strings.HasPrefix(wantLang, "de")
	for _, w := range []string{"Gesamtbetrag", "Rechnung", "Sehr geehrte"} {
		if !de && strings.Contains(n.Text, w) {
			t.Fatalf("%s %s: English notice says %q:\n%s", d, a.Key, w, n.Text)
		}
	}
	for _, w := range []string{"Total due", "Invoice ", "Dear "} {
		if de && strings.Contains(n.Text, w) {
			t.Fatalf("%s %s: German notice says %q:\n%s", d, a.Key, w, n.Text)
		}
	}
	if n.Statement != nil {
		st := n.Statement
		closing := fmtHunt(wantLang, st.Closing, st.Currency, st.MinorUnits)
		if !strings.Contains(n.Text, closing) {
			t.Fatalf("%s %s: statement text lacks the closing balance %q:\n%s", d, a.Key, closing, n.Text)
		}
		return
	}
	if n.Channel != notice.SMS && n.Payment.ByLanguage != nil {
		want := map[bool]string{false: "Pay by transfer EN.", true: "Bitte überweisen DE."}[de]
		if !strings.Contains(n.Text, want) || strings.Contains(n.Text, "Payez FR.") {
			t.Fatalf("%s %s: a notice in %s lacks its payment text %q:\n%s", d, a.Key, wantLang, want, n.Text)
		}
	}
	total := fmtHunt(wantLang, n.Total, n.Currency, n.MinorUnits)
	if !strings.Contains(n.Text, total) || (n.Channel != notice.SMS && !strings.Contains(n.Subject, total)) {
		t.Fatalf("%s %s: text or subject lacks the total %q:\n%s\n%s", d, a.Key, total, n.Subject, n.Text)
	}
	if n.Channel != notice.SMS {
		for _, l := range n.Lines {
			if !strings.Contains(n.Text, l.Number) {
				t.Fatalf("%s %s: text lacks invoice %s", d, a.Key, l.Number)
			}
		}
	}
	if len(n.Earlier) == 0 && (strings.Contains(n.Text, "We wrote to you") || strings.Contains(n.Text, "geschrieben")) {
		t.Fatalf("%s %s: a first notice claims an earlier one:\n%s", d, a.Key, n.Text)
	}
}

// checkHuntStatement holds a statement of account to the inputs: every
// item of its currency open at its end with the open balance computed here,
// the customer's unapplied money by then, and closing = items - unapplied.
func checkHuntStatement(t *rapid.T, d date.Date, a *dunning.Action, st *notice.Statement, pf *dunning.Portfolio, items map[string]huntItem) {
	if st.To != d {
		t.Fatalf("%s %s: statement to %s", d, a.Key, st.To)
	}
	want := map[string]decimal.Decimal{}
	for _, it := range items {
		if it.inv.CustomerID == a.CustomerID && string(it.inv.Currency) == st.Currency && it.inv.Issued <= d {
			if o := it.open(d); o.Sign() > 0 {
				want[fmt.Sprintf("%s#%d", it.inv.Number, it.k)] = o
			}
		}
	}
	got := map[string]decimal.Decimal{}
	sum := decimal.Zero
	for _, l := range st.Items {
		got[fmt.Sprintf("%s#%d", l.Number, l.Instalment)] = l.Open
		sum = sum.Add(l.Open)
	}
	if len(got) != len(want) {
		t.Fatalf("%s %s: statement items %v, want %v", d, a.Key, got, want)
	}
	for k, v := range want {
		if !got[k].Equal(v) {
			t.Fatalf("%s %s: statement items %v, want %v", d, a.Key, got, want)
		}
	}
	un := decimal.Zero
	for _, u := range pf.Unapplied {
		if u.CustomerID == a.CustomerID && string(u.Currency) == st.Currency && u.Date <= d {
			un = un.Add(u.Amount)
		}
	}
	if !st.Unapplied.Equal(un) || !st.Closing.Equal(sum.Sub(un)) {
		t.Fatalf("%s %s: statement unapplied %s closing %s, want %s and %s", d, a.Key, st.Unapplied, st.Closing, un, sum.Sub(un))
	}
}
