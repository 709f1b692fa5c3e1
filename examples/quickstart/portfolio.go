package main

import (
	"fmt"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/charge"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/schedule"
	"github.com/overduehq/overdue/segment"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// rules routes enterprise customers to a gentle per-customer workflow and
// customers with a bad payment history to a tight one; everyone else runs
// the classic cadence.
const rules = `{
  "attributes": {"size": "string", "industry": "string", "country": "string",
                 "history.broken_promises": "number", "history.max_days_late": "number"},
  "rules": [
    {"name": "enterprise", "when": {"attr": "size", "op": "eq", "value": "enterprise"},
     "workflow": "enterprise"},
    {"name": "risky", "when": {"any": [
        {"attr": "history.broken_promises", "op": "gte", "value": 1},
        {"attr": "history.max_days_late", "op": "gt", "value": 60}]},
     "workflow": "high-risk"}
  ],
  "default": {"workflow": "standard"}
}`

// Policy returns the quickstart's policy.
func Policy() (*dunning.Policy, error) {
	seg, err := segment.Parse([]byte(rules))
	if err != nil {
		return nil, err
	}
	standard := dunning.DefaultWorkflow("standard")

	enterprise := dunning.Workflow{
		Name: "enterprise", Grouping: dunning.PerCustomer, CatchUp: dunning.HighestOnly, MinGapDays: 7, Roll: schedule.Following,
		Steps: []dunning.Step{
			{Name: "due", At: at("due"), Action: dunning.Email},
			{Name: "overdue-1", At: at("due+14"), Action: dunning.Email},
			{Name: "account-manager", At: at("due+30"), Action: dunning.Task, Assignee: "key-accounts"},
			{Name: "final", At: at("due+45"), Action: dunning.Email, Stage: notice.FinalNotice, Cc: []string{dunning.RoleAccountManager}},
		},
	}
	fee := &charge.Fee{Kind: charge.FixedPerNotice, Amounts: map[dunning.Currency]decimal.Decimal{"GBP": decimal.NewFromInt(15), "EUR": decimal.NewFromInt(15), "USD": decimal.NewFromInt(15)}}
	risky := dunning.Workflow{
		Name: "high-risk", CatchUp: dunning.Progressive, MinGapDays: 3, Roll: schedule.Following,
		OnBrokenPromise: dunning.EscalateOnBroken,
		Steps: []dunning.Step{
			{Name: "pre-due", At: at("due-3"), Action: dunning.Email},
			{Name: "overdue-1", At: at("due+1"), Action: dunning.Email},
			{Name: "overdue-2", At: at("due+7"), Action: dunning.Email, Fee: fee},
			{Name: "final", At: at("due+14"), Action: dunning.Letter, Fee: fee, Stage: notice.LetterBeforeAction},
			{Name: "agency", At: at("due+21"), Action: dunning.EscalateExternal, Assignee: "collections"},
		},
	}
	p := &dunning.Policy{
		Workflows: []dunning.Workflow{standard, enterprise, risky},
		Segments:  seg,
		Calendar:  schedule.MonToFri(),
		Creditor: notice.Party{
			Name: "Northwind Supplies GmbH", Address: []string{"Hafenstraße 12", "20457 Hamburg", "Germany"},
			Email: "receivables@northwind.example", TaxID: "DE123456789", Kind: notice.Company, Country: "DE",
			// A German GmbH's business letters, emails included, name its
			// seat, register court and number and managing directors
			// (§ 35a GmbHG); the built-in texts print them as its footer.
			Registration: notice.Registration{Form: "GmbH", Office: "Hamburg", Register: "Amtsgericht Hamburg", Number: "HRB 123456", Directors: []string{"Anna Schmidt"}},
		},
		Charges: &dunning.Charges{Interest: &charge.Interest{Rate: decimal.NewFromInt(8), DayCount: charge.Actual365, Basis: charge.OnOpen, Rounding: charge.RoundTotal}},
	}
	return p, p.Validate()
}

func at(s string) schedule.Offset {
	o, err := schedule.ParseOffset(s)
	if err != nil {
		panic(err) // constants above
	}
	return o
}

func d(s string) date.Date { return date.MustParseISO(s) }

// customerDay is the local day at now of customer id, in its time zone
// (Customer.Today): the day the runner plans that customer on.
func customerDay(pf dunning.Portfolio, id string, now time.Time) (date.Date, error) {
	for i := range pf.Customers {
		if c := &pf.Customers[i]; c.ID == id {
			return c.Today(now)
		}
	}
	return 0, fmt.Errorf("no customer %s", id)
}

func money(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func inv(id, cust, agr, cur, issued, due, amount, what string) dunning.Invoice {
	return dunning.Invoice{
		ID: id, Number: id, CustomerID: cust, AgreementID: agr, Currency: dunning.Currency(cur),
		Issued: d(issued), Due: d(due), Amount: money(amount),
		Lines: []dunning.Line{{Description: what, Quantity: decimal.NewFromInt(1), Amount: money(amount)}},
	}
}

// Portfolio returns four customers in four currencies with a disputed and
// a paid invoice, an invoice payable in instalments and an unapplied
// payment.
func Portfolio() dunning.Portfolio {
	bank := dunning.PaymentInstructions{
		Text:       "Questions about an invoice? Just reply to this message.",
		ByLanguage: map[string]string{"de": "Fragen zu einer Rechnung? Antworten Sie einfach auf diese Nachricht."},
		Options:    []string{"bank transfer", "card via the payment link"},
		IBAN:       "DE89370400440532013000", BIC: "COBADEFFXXX", URL: "https://pay.northwind.example/",
	}
	contact := func(name, email string, addr ...string) []dunning.Contact {
		return []dunning.Contact{{Name: name, Role: "billing", Email: email, Address: addr}}
	}
	customers := []dunning.Customer{
		{ID: "c-acme", Name: "Acme Maschinenbau AG", Language: "de", TimeZone: "Europe/Berlin",
			Contacts: append(contact("Kreditorenbuchhaltung", "ap@acme.example", "Industriestraße 5", "70565 Stuttgart"),
				dunning.Contact{Name: "Jana Vogel", Role: dunning.RoleAccountManager, Email: "j.vogel@acme.example"}),
			Attributes: segment.Attrs{"size": segment.String("enterprise"), "industry": segment.String("manufacturing"), "country": segment.String("DE")}},
		{ID: "c-bistro", Name: "Bistro Lumière Ltd", Language: "en-GB", TimeZone: "Europe/London",
			Contacts:   contact("Claire Dubois", "claire@bistro.example", "4 Dean Street", "London W1D 3RP"),
			Attributes: segment.Attrs{"size": segment.String("small"), "industry": segment.String("hospitality"), "country": segment.String("GB")}},
		{ID: "c-corner", Name: "Corner Hardware Inc", Language: "en-US", TimeZone: "America/New_York",
			Contacts:   contact("Accounts Payable", "ap@corner.example", "18 Main St", "Springfield, IL 62701"),
			Attributes: segment.Attrs{"size": segment.String("small"), "industry": segment.String("retail"), "country": segment.String("US")}},
		{ID: "c-dental", Name: "Sakura Dental KK", Language: "en", TimeZone: "Asia/Tokyo",
			Contacts:   contact("Keiko Sato", "billing@sakura.example", "1-2-3 Shibuya", "Tokyo 150-0002"),
			Attributes: segment.Attrs{"size": segment.String("medium"), "industry": segment.String("healthcare"), "country": segment.String("JP")}},
	}
	agreements := []dunning.Agreement{
		{ID: "a-acme", CustomerID: "c-acme", Effective: d("2026-01-01"), Currency: "EUR", Terms: dunning.Terms{Kind: dunning.Net, Days: 30}, Payment: bank},
		{ID: "a-bistro", CustomerID: "c-bistro", Effective: d("2026-06-01"), Currency: "GBP", Terms: dunning.Terms{Kind: dunning.Net, Days: 14}, Payment: bank},
		{ID: "a-corner", CustomerID: "c-corner", Effective: d("2026-03-01"), Currency: "USD", Terms: dunning.Terms{Kind: dunning.Net, Days: 30}, Payment: bank},
		{ID: "a-dental", CustomerID: "c-dental", Effective: d("2026-02-01"), Currency: "JPY", Terms: dunning.Terms{Kind: dunning.Net, Days: 30}, Payment: bank},
	}
	invoices := []dunning.Invoice{
		// Acme (enterprise, one notice per customer): 45 and 14 days overdue.
		inv("inv-1001", "c-acme", "a-acme", "EUR", "2026-09-10", "2026-10-10", "12400.00", "CNC milling spindles (4 units)"),
		inv("inv-1002", "c-acme", "a-acme", "EUR", "2026-10-11", "2026-11-10", "3150.50", "Maintenance contract, October 2026"),
		// Bistro: broke a promise to pay earlier, so routed to high-risk;
		// one invoice 14 days overdue, one disputed.
		inv("inv-2001", "c-bistro", "a-bistro", "GBP", "2026-10-27", "2026-11-10", "860.00", "Espresso machine service"),
		inv("inv-2002", "c-bistro", "a-bistro", "GBP", "2026-10-20", "2026-11-03", "240.00", "Replacement grinder burrs"),
		inv("inv-2000", "c-bistro", "a-bistro", "GBP", "2026-07-01", "2026-07-15", "500.00", "Barista training"),
		// Corner: one paid, one due in 7 days.
		inv("inv-3001", "c-corner", "a-corner", "USD", "2026-10-01", "2026-10-31", "1999.99", "Shelving units"),
		inv("inv-3002", "c-corner", "a-corner", "USD", "2026-11-01", "2026-12-01", "450.00", "Paint supplies"),
		// Corner: a fit-out payable in three monthly instalments, the first
		// paid: instalment 2 is overdue, instalment 3 falls due in 6 days.
		inv("inv-3003", "c-corner", "a-corner", "USD", "2026-09-01", "2026-11-30", "3000.00", "Store fit-out, in three instalments"),
		// Sakura: 30 days overdue, in yen (no minor unit).
		inv("inv-4001", "c-dental", "a-dental", "JPY", "2026-09-25", "2026-10-25", "385000", "Dental chair upholstery"),
	}
	invoices[3].Dispute = &dunning.Dispute{Opened: d("2026-11-05"), Reason: "burrs delivered in the wrong size"}
	invoices[4].Promise = &dunning.Promise{Made: d("2026-08-01"), PayBy: d("2026-08-15"), Amount: money("500.00")}
	invoices[4].Payments = []dunning.Payment{{Date: d("2026-09-20"), Amount: money("500.00"), Ref: "late transfer"}}
	invoices[5].Payments = []dunning.Payment{{Date: d("2026-10-30"), Amount: money("1999.99"), Ref: "ACH 88213"}}
	invoices[7].Schedule = []dunning.Instalment{
		{Due: d("2026-09-30"), Amount: money("1000.00")}, {Due: d("2026-10-31"), Amount: money("1000.00")}, {Due: d("2026-11-30"), Amount: money("1000.00")},
	}
	invoices[7].Payments = []dunning.Payment{{Date: d("2026-09-29"), Amount: money("1000.00"), Ref: "ACH 87011"}}
	// Acme paid EUR 2,000 that accounts receivable has not matched to an
	// invoice yet: its notice deducts it on a line of its own.
	unapplied := []dunning.Unapplied{{ID: "u-1", CustomerID: "c-acme", Kind: dunning.UnappliedPayment, Currency: "EUR", Date: d("2026-11-20"), Amount: money("2000.00"), Ref: "SEPA 55120"}}
	return dunning.Portfolio{Customers: customers, Agreements: agreements, Invoices: invoices, Unapplied: unapplied}
}
