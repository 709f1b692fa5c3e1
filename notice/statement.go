package notice

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// Statement is a statement of account: every invoice, payment and credit of
// one debtor in one currency over a period, with the balance before and
// after, the items open at the end and their aging. It is a document of its
// own, built from the same data as the notices (dunning.Policy.Statement, or a
// workflow's statement step).
//
// The figures reconcile: Closing = Opening + the entries' debits - their
// credits, and Closing = the open items' balances - the unapplied money
// held at the end (Validate checks both, and that the aging buckets add up
// to the open items).
type Statement struct {
	// Number is the statement's reference (NumberFor of an internal key).
	Number     string    `json:"number"`
	Date       date.Date `json:"date"`
	From       date.Date `json:"from"`
	To         date.Date `json:"to"`
	Language   string    `json:"language"`
	Creditor   Party     `json:"creditor"`
	Debtor     Party     `json:"debtor"`
	Currency   string    `json:"currency"`
	MinorUnits int32     `json:"minor_units"`
	// Opening is the balance at the end of the day before From.
	Opening decimal.Decimal  `json:"opening"`
	Entries []StatementEntry `json:"entries"`
	Closing decimal.Decimal  `json:"closing"`
	// Items are the invoices (or instalments) open at To, oldest due first.
	Items []Line `json:"items"`
	// Unapplied is the money held at To not yet matched to an invoice.
	Unapplied decimal.Decimal `json:"unapplied"`
	Aging     []AgingBucket   `json:"aging"`

	Subject string `json:"subject,omitempty"`
	Text    string `json:"text,omitempty"`
	HTML    string `json:"html,omitempty"`
}

// StatementEntry is one movement on the account.
type StatementEntry struct {
	Date date.Date `json:"date"`
	// Kind is "invoice", "payment", "credit", "unapplied-payment" or
	// "unapplied-credit".
	Kind      string          `json:"kind"`
	Reference string          `json:"reference"`
	Debit     decimal.Decimal `json:"debit,omitzero"`
	Credit    decimal.Decimal `json:"credit,omitzero"`
	Balance   decimal.Decimal `json:"balance"` // running, after the entry
}

// AgingBucket is the open items by days overdue at the statement's end:
// Lo..Hi days (Hi -1: no upper end; Lo = Hi = 0: not yet due).
type AgingBucket struct {
	Lo, Hi int
	Amount decimal.Decimal `json:"amount"`
}

// Validate checks that the statement's figures reconcile (see Statement),
// that it names both parties and its period, and that its texts (the
// parties', the entries' references, the items' numbers and descriptions)
// are fit to show (LineProblem).
func (s *Statement) Validate() error {
	var bad []string
	miss := func(ok bool, f string) {
		if !ok {
			bad = append(bad, f)
		}
	}
	miss(strings.TrimSpace(s.Creditor.Name) != "", "creditor.name")
	miss(strings.TrimSpace(s.Debtor.Name) != "", "debtor.name")
	miss(s.From != 0 && s.To >= s.From, "to")
	miss(len(s.Currency) == 3, "currency")
	bal := s.Opening
	for i, e := range s.Entries {
		bal = bal.Add(e.Debit).Sub(e.Credit)
		miss(e.Balance.Equal(bal) && e.Date >= s.From && e.Date <= s.To, fmt.Sprintf("entries[%d]", i))
	}
	miss(s.Closing.Equal(bal), "closing")
	items, aged := decimal.Zero, decimal.Zero
	for _, l := range s.Items {
		items = items.Add(l.Open)
	}
	for _, b := range s.Aging {
		aged = aged.Add(b.Amount)
	}
	miss(items.Sub(s.Unapplied).Equal(s.Closing), "items")
	miss(aged.Equal(items), "aging")
	var tc textCheck
	tc.statement(s)
	bad, text := tc.merge(bad)
	if len(bad) > 0 {
		return &ValidationError{Fields: bad, Text: text}
	}
	return nil
}

// StatementEntryView, StatementView: a statement formatted for its language.
type StatementEntryView struct {
	Date, Kind, Reference, Debit, Credit, Balance string
}

// StatementView is what the statement templates see.
type StatementView struct {
	S                                  *Statement
	Lang                               string
	Date, From, To                     string
	Opening, Closing, Unapplied, Items string
	Entries                            []StatementEntryView
	Open                               []LineView
	Aging                              []ChargeView // Label and Amount
}

func entryKind(lang, k string) string {
	de := map[string]string{"invoice": "Rechnung", "payment": "Zahlung", "credit": "Gutschrift", "unapplied-payment": "Zahlung, nicht zugeordnet", "unapplied-credit": "Gutschrift, nicht zugeordnet"}
	en := map[string]string{"invoice": "Invoice", "payment": "Payment", "credit": "Credit note", "unapplied-payment": "Payment, not yet allocated", "unapplied-credit": "Credit note, not yet allocated"}
	if lang == "de" {
		return de[k]
	}
	return en[k]
}

func agingLabel(lang string, b AgingBucket) string {
	switch {
	case b.Lo == 0 && b.Hi == 0:
		return map[bool]string{false: "not yet due", true: "noch nicht fällig"}[lang == "de"]
	case b.Hi < 0:
		return fmt.Sprintf(map[bool]string{false: "more than %d days overdue", true: "mehr als %d Tage überfällig"}[lang == "de"], b.Lo-1)
	}
	return fmt.Sprintf(map[bool]string{false: "%d-%d days overdue", true: "%d-%d Tage überfällig"}[lang == "de"], b.Lo, b.Hi)
}

// NewStatementView formats a statement for its templates.
func NewStatementView(s *Statement) *StatementView {
	l := s.Language
	lang := baseLang(l)
	m := func(d decimal.Decimal) string { return FormatMoney(l, d, s.Currency, s.MinorUnits) }
	opt := func(d decimal.Decimal) string {
		if d.IsZero() {
			return ""
		}
		return m(d)
	}
	dt := func(d date.Date) string { return FormatDate(l, d) }
	v := &StatementView{S: s, Lang: lang, Date: dt(s.Date), From: dt(s.From), To: dt(s.To),
		Opening: m(s.Opening), Closing: m(s.Closing), Unapplied: opt(s.Unapplied)}
	items := decimal.Zero
	for _, e := range s.Entries {
		v.Entries = append(v.Entries, StatementEntryView{Date: dt(e.Date), Kind: entryKind(lang, e.Kind), Reference: e.Reference, Debit: opt(e.Debit), Credit: opt(e.Credit), Balance: m(e.Balance)})
	}
	for _, x := range s.Items {
		items = items.Add(x.Open)
		v.Open = append(v.Open, LineView{Number: x.Number, Issued: dt(x.IssueDate), Due: dt(x.DueDate), Amount: m(x.Amount), Open: m(x.Open), DaysOverdue: x.DaysOverdue,
			Instalment: instalmentWords(lang, x.Instalment, x.Instalments)})
	}
	v.Items = m(items)
	for _, b := range s.Aging {
		v.Aging = append(v.Aging, ChargeView{Label: agingLabel(lang, b), Amount: m(b.Amount)})
	}
	return v
}

const statementTextEN = `{{.S.Creditor.Name}}
{{range .S.Creditor.Address}}{{.}}
{{end}}
{{.S.Debtor.Name}}{{with .S.Debtor.Reference}} (customer {{.}}){{end}}
Date: {{.Date}}
Our reference: {{.S.Number}}

Statement of account, {{.From}} to {{.To}}

Opening balance on {{.From}}: {{.Opening}}
{{range .Entries}}{{.Date}}  {{.Kind}} {{.Reference}}{{with .Debit}}  charged {{.}}{{end}}{{with .Credit}}  less {{.}}{{end}}  balance {{.Balance}}
{{end}}Closing balance on {{.To}}: {{.Closing}}

Open items on {{.To}}:
{{range .Open}}- Invoice {{.Number}}{{with .Instalment}} ({{.}}){{end}}, due {{.Due}}: open {{.Open}}{{if .DaysOverdue}}, {{.DaysOverdue}} days overdue{{end}}
{{end}}Open items total: {{.Items}}{{with .Unapplied}}
Less money received and not yet allocated: {{.}}{{end}}

Aging of the open items:
{{range .Aging}}- {{.Label}}: {{.Amount}}
{{end}}
If your records differ, please tell us.

Kind regards,
{{.S.Creditor.Name}}, Accounts Receivable
`

const statementTextDE = `{{.S.Creditor.Name}}
{{range .S.Creditor.Address}}{{.}}
{{end}}
{{.S.Debtor.Name}}{{with .S.Debtor.Reference}} (Kundennummer {{.}}){{end}}
Datum: {{.Date}}
Unser Zeichen: {{.S.Number}}

Kontoauszug vom {{.From}} bis {{.To}}

Anfangssaldo am {{.From}}: {{.Opening}}
{{range .Entries}}{{.Date}}  {{.Kind}} {{.Reference}}{{with .Debit}}  belastet {{.}}{{end}}{{with .Credit}}  abzüglich {{.}}{{end}}  Saldo {{.Balance}}
{{end}}Endsaldo am {{.To}}: {{.Closing}}

Offene Posten am {{.To}}:
{{range .Open}}- Rechnung {{.Number}}{{with .Instalment}} ({{.}}){{end}}, fällig am {{.Due}}: offen {{.Open}}{{if .DaysOverdue}}, {{.DaysOverdue}} Tage überfällig{{end}}
{{end}}Summe der offenen Posten: {{.Items}}{{with .Unapplied}}
Abzüglich erhaltener, noch nicht zugeordneter Zahlungen: {{.}}{{end}}

Altersstruktur der offenen Posten:
{{range .Aging}}- {{.Label}}: {{.Amount}}
{{end}}
Sollten Ihre Unterlagen abweichen, teilen Sie uns dies bitte mit.

Mit freundlichen Grüßen
{{.S.Creditor.Name}}, Debitorenbuchhaltung
`

// statementHTML is the HTML layout of both languages; the words come from
// statementWordsEN or statementWordsDE.
const statementHTML = `<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{template "subject" .}}</title></head>
<body style="font-family: sans-serif; max-width: 42em">
<p>{{.S.Creditor.Name}}</p><p>{{.S.Debtor.Name}}</p>
<p>{{template "date" .}} {{.Date}}<br>{{template "ref" .}} {{.S.Number}}</p>
<h1>{{template "subject" .}}</h1>
<table border="1" cellpadding="4" style="border-collapse: collapse">
<tr><td colspan="4">{{template "opening" .}} {{.From}}</td><td style="text-align:right">{{.Opening}}</td></tr>
{{range .Entries}}<tr><td>{{.Date}}</td><td>{{.Kind}} {{.Reference}}</td><td style="text-align:right">{{.Debit}}</td><td style="text-align:right">{{.Credit}}</td><td style="text-align:right">{{.Balance}}</td></tr>
{{end}}<tr><th colspan="4" style="text-align:left">{{template "closing" .}} {{.To}}</th><th style="text-align:right">{{.Closing}}</th></tr>
</table>
<h2>{{template "open" .}}</h2>
<table border="1" cellpadding="4" style="border-collapse: collapse">
{{range .Open}}<tr><td>{{.Number}}{{with .Instalment}} ({{.}}){{end}}</td><td>{{.Due}}</td><td style="text-align:right">{{.Open}}</td><td style="text-align:right">{{.DaysOverdue}}</td></tr>
{{end}}<tr><th colspan="2" style="text-align:left">{{template "total" .}}</th><th style="text-align:right">{{.Items}}</th><th></th></tr>
{{with .Unapplied}}<tr><td colspan="2">{{template "unapplied" $}}</td><td style="text-align:right">{{.}}</td><td></td></tr>
{{end}}</table>
<h2>{{template "aging" .}}</h2>
<ul>{{range .Aging}}<li>{{.Label}}: {{.Amount}}</li>{{end}}</ul>
</body></html>
`

const (
	statementSubjectEN = `Statement of account {{.From}} – {{.To}}`
	statementSubjectDE = `Kontoauszug {{.From}} – {{.To}}`
)

const statementWordsEN = `{{define "date"}}Date:{{end}}{{define "ref"}}Our reference:{{end}}{{define "opening"}}Opening balance on{{end}}` +
	`{{define "closing"}}Closing balance on{{end}}{{define "open"}}Open items{{end}}{{define "total"}}Open items total{{end}}` +
	`{{define "unapplied"}}Less money received and not yet allocated{{end}}{{define "aging"}}Aging of the open items{{end}}`

const statementWordsDE = `{{define "date"}}Datum:{{end}}{{define "ref"}}Unser Zeichen:{{end}}{{define "opening"}}Anfangssaldo am{{end}}` +
	`{{define "closing"}}Endsaldo am{{end}}{{define "open"}}Offene Posten{{end}}{{define "total"}}Summe der offenen Posten{{end}}` +
	`{{define "unapplied"}}Abzüglich erhaltener, noch nicht zugeordneter Zahlungen{{end}}{{define "aging"}}Altersstruktur der offenen Posten{{end}}`

// builtinStatement returns the built-in StatementOfAccount templates of
// English and German, keyed by language.
func builtinStatement() map[string]Template {
	out := map[string]Template{}
	for lang, t := range map[string][3]string{"en": {statementSubjectEN, statementTextEN, statementWordsEN}, "de": {statementSubjectDE, statementTextDE, statementWordsDE}} {
		out[lang] = Template{Subject: t[0], Text: t[1], HTML: `{{define "subject"}}` + t[0] + `{{end}}` + t[2] + statementHTML}
	}
	return out
}

// RenderStatement validates the statement and renders its subject, text
// and HTML with the built-in English or German texts (other languages get
// English), as Builtin().RenderStatement(s) does, from a built-in set
// parsed once, on the first call (builtinStatements).
func RenderStatement(s *Statement) error { return builtinStatements().RenderStatement(s) }

// builtinStatements returns the built-in set RenderStatement renders
// with, parsed on the first call. It is a value computed once and never
// changed: no caller ever sees it (Builtin returns a new set each time, so
// nothing can Add to this one), and rendering, which is all it is used
// for, reads its templates and is safe for concurrent use as on every Set.
var builtinStatements = sync.OnceValue(Builtin)

// RenderStatement validates the statement and renders its subject, text
// and HTML with the set's StatementOfAccount template for the statement's
// language (Resolve's order: the exact tag, its base, then English; the
// built-in texts where the set has none), under the set's Limits. To pick
// a template by template set, workflow and step, put the statement on a
// Notice and call Render.
//
// What a statement must show is checked in what the template wrote: its
// closing balance (in the subject or text, and in the HTML where the
// template has one) and each open item's number and open amount (in the
// subject or text). A template that leaves one out gets a *TemplateError
// naming the key and the part, and the statement is left as it was, as it
// is on every error.
//
// One language per document, as with Render: a statement whose language
// has no template reads the language of the template it falls back to
// throughout, and RenderStatement sets st.Language to it.
func (s *Set) RenderStatement(st *Statement) error {
	subject, text, html, lang, err := s.renderStatement(st, Key{Language: st.Language, Stage: StatementOfAccount})
	if err != nil {
		return err
	}
	st.Subject, st.Text, st.HTML, st.Language = subject, text, html, lang
	return nil
}

// renderStatement validates st and renders it with the template k
// resolves to (Builtin's where s has none), in the language it returns
// (renderedLanguage).
func (s *Set) renderStatement(st *Statement, k Key) (subject, text, html, lang string, err error) {
	if err := st.Validate(); err != nil {
		return "", "", "", "", err
	}
	k.Stage = StatementOfAccount
	p, key, err := s.resolve(k)
	if err != nil {
		if p, key, err = s.builtin.get().resolve(k); err != nil {
			return "", "", "", "", err
		}
	}
	// One language per document: a statement in a language without
	// templates of its own reads the fallback's (English) throughout, its
	// words, dates and amounts too.
	if lang = renderedLanguage(st.Language, key); lang != st.Language {
		c := *st
		c.Language = lang
		st = &c
	}
	v := NewStatementView(st)
	v.Lang = baseLang(key.Language)
	subject, text, html, err = s.execute(p, v, false)
	if err != nil {
		return "", "", "", "", err
	}
	money := func(d decimal.Decimal) string { return FormatMoney(st.Language, d, st.Currency, st.MinorUnits) }
	shown := subject + "\n" + text
	closing := money(st.Closing)
	switch {
	case !strings.Contains(shown, closing):
		return "", "", "", "", &TemplateError{Key: key, Part: "text", Err: fmt.Errorf("the statement does not show its closing balance %s", closing)}
	case p.html != nil && !strings.Contains(html, closing):
		return "", "", "", "", &TemplateError{Key: key, Part: "html", Err: fmt.Errorf("the statement does not show its closing balance %s", closing)}
	}
	for _, l := range st.Items {
		if !strings.Contains(shown, l.Number) || !strings.Contains(shown, money(l.Open)) {
			return "", "", "", "", &TemplateError{Key: key, Part: "text", Err: fmt.Errorf("the statement does not show open item %s with its open amount %s", l.Number, money(l.Open))}
		}
	}
	return subject, text, html, lang, nil
}

// validateStatement checks a notice that carries a statement of account:
// both parties, its date and number, an address for its channel (email or
// letter), the statement's own figures (Statement.Validate), and that the
// statement is the notice's (same number, date, currency and language).
func (n *Notice) validateStatement() error {
	var bad []string
	miss := func(ok bool, f string) {
		if !ok {
			bad = append(bad, f)
		}
	}
	s := n.Statement
	miss(strings.TrimSpace(n.Creditor.Name) != "", "creditor.name")
	miss(strings.TrimSpace(n.Debtor.Name) != "", "debtor.name")
	miss(n.Date != 0 && s.Date == n.Date, "date")
	_, err := ParseNumber(n.Number)
	miss(err == nil && len(n.Number) == NumberLen && s.Number == n.Number, "number")
	miss(s.Currency == n.Currency && s.Language == n.Language, "statement")
	switch n.Channel {
	case Email:
		miss(strings.Contains(n.Debtor.Email, "@"), "debtor.email")
	case Letter:
		miss(len(n.Debtor.Address) > 0, "debtor.address")
	default:
		bad = append(bad, "channel")
	}
	var tc textCheck
	tc.party(&n.Creditor, "creditor.")
	tc.party(&n.Debtor, "debtor.")
	tc.line(n.Language, "language", -1, "")
	tc.line(n.Link, "link", -1, "")
	if err := s.Validate(); err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				bad = append(bad, "statement."+f)
			}
			for _, t := range ve.Text {
				t.Field = "statement." + t.Field
				tc.bad = append(tc.bad, t)
			}
		} else {
			bad = append(bad, "statement")
		}
	}
	bad, text := tc.merge(bad)
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return &ValidationError{Fields: bad, Text: text}
}

// renderNoticeStatement renders the notice's statement with the set's
// StatementOfAccount template for the notice's template set, workflow,
// step and language, and takes its subject, text and HTML (the statement's
// too).
func (s *Set) renderNoticeStatement(n *Notice) error {
	subject, text, html, lang, err := s.renderStatement(n.Statement, Key{Templates: n.Templates, Workflow: n.Workflow, Step: n.Step, Language: n.Language})
	if err != nil {
		return err
	}
	// The notice's language is its statement's (validateStatement): both
	// say the language the statement was rendered in.
	n.Subject, n.Text, n.HTML, n.Language = subject, text, html, lang
	n.Statement.Subject, n.Statement.Text, n.Statement.HTML, n.Statement.Language = subject, text, html, lang
	return nil
}
