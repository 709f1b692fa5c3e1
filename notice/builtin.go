package notice

// The built-in templates: English and German, every stage. Each language has
// one layout (letterhead, invoice list, charges, total, how to pay,
// signature) and per stage a subject, an opening and a closing paragraph.

type words struct {
	subject, opening, closing, sms string
}

const textEN = `{{.Creditor.Name}}
{{range .Creditor.Address}}{{.}}
{{end}}
{{.Debtor.Name}}{{with .Debtor.Reference}} (customer {{.}}){{end}}
{{range .Debtor.Address}}{{.}}
{{end}}
Date: {{.Date}}
Our reference: {{.Key}}

Dear {{.Debtor.Name}},

{{template "opening" .}}

{{range .Lines}}- Invoice {{.Number}} of {{.Issued}}, due {{.Due}}: {{.Description}}
  amount {{.Amount}}, open {{.Open}}{{if .DaysOverdue}}, {{.DaysOverdue}} days overdue{{end}}
{{end}}{{if .Fees}}
{{range .Fees}}- {{.Label}}{{with .Invoice}} (invoice {{.}}){{end}}: {{.Amount}}
{{end}}{{end}}{{if .Interest}}
{{range .Interest}}- {{.Label}}{{with .Invoice}} on invoice {{.}}{{end}}: {{.Rate}} a year from {{.From}} to {{.To}}: {{.Amount}}
{{end}}{{end}}
Total due: {{.Total}}

How to pay{{if .PayBy}} (by {{.PayBy}}){{end}}:
{{with .Payment.Instructions}}{{.}}
{{end}}{{with .Options}}Ways to pay: {{.}}
{{end}}{{with .Payment.IBAN}}IBAN: {{.}}
{{end}}{{with .Payment.BIC}}BIC: {{.}}
{{end}}{{with .Payment.Reference}}Payment reference: {{.}}
{{end}}{{with .Payment.URL}}Pay online: {{.}}
{{end}}
{{template "closing" .}}

Kind regards,
{{.Creditor.Name}}, Accounts Receivable{{with .Creditor.Email}}
{{.}}{{end}}{{with .Creditor.Phone}}
{{.}}{{end}}
`

const textDE = `{{.Creditor.Name}}
{{range .Creditor.Address}}{{.}}
{{end}}
{{.Debtor.Name}}{{with .Debtor.Reference}} (Kundennummer {{.}}){{end}}
{{range .Debtor.Address}}{{.}}
{{end}}
Datum: {{.Date}}
Unser Zeichen: {{.Key}}

Sehr geehrte Damen und Herren,

{{template "opening" .}}

{{range .Lines}}- Rechnung {{.Number}} vom {{.Issued}}, fällig am {{.Due}}: {{.Description}}
  Betrag {{.Amount}}, offen {{.Open}}{{if .DaysOverdue}}, {{.DaysOverdue}} Tage überfällig{{end}}
{{end}}{{if .Fees}}
{{range .Fees}}- {{.Label}}{{with .Invoice}} (Rechnung {{.}}){{end}}: {{.Amount}}
{{end}}{{end}}{{if .Interest}}
{{range .Interest}}- {{.Label}}{{with .Invoice}} auf Rechnung {{.}}{{end}}: {{.Rate}} p. a. vom {{.From}} bis {{.To}}: {{.Amount}}
{{end}}{{end}}
Gesamtbetrag: {{.Total}}

So zahlen Sie{{if .PayBy}} (bis zum {{.PayBy}}){{end}}:
{{with .Payment.Instructions}}{{.}}
{{end}}{{with .Options}}Zahlungswege: {{.}}
{{end}}{{with .Payment.IBAN}}IBAN: {{.}}
{{end}}{{with .Payment.BIC}}BIC: {{.}}
{{end}}{{with .Payment.Reference}}Verwendungszweck: {{.}}
{{end}}{{with .Payment.URL}}Online bezahlen: {{.}}
{{end}}
{{template "closing" .}}

Mit freundlichen Grüßen
{{.Creditor.Name}}, Debitorenbuchhaltung{{with .Creditor.Email}}
{{.}}{{end}}{{with .Creditor.Phone}}
{{.}}{{end}}
`

const htmlLayout = `<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{template "subject" .}}</title></head>
<body style="font-family: sans-serif; max-width: 42em">
<p>{{.Creditor.Name}}{{range .Creditor.Address}}<br>{{.}}{{end}}</p>
<p>{{.Debtor.Name}}{{range .Debtor.Address}}<br>{{.}}{{end}}</p>
<p>{{template "date" .}} {{.Date}}<br>{{template "ref" .}} {{.Key}}</p>
<p>{{template "greeting" .}}</p>
<p>{{template "opening" .}}</p>
<table style="border-collapse: collapse" border="1" cellpadding="4">
<thead><tr>{{template "head" .}}</tr></thead>
<tbody>
{{range .Lines}}<tr><td>{{.Number}}</td><td>{{.Issued}}</td><td>{{.Due}}</td><td>{{.Description}}</td><td style="text-align:right">{{.Amount}}</td><td style="text-align:right">{{.Open}}</td><td style="text-align:right">{{.DaysOverdue}}</td></tr>
{{end}}{{range .Fees}}<tr><td colspan="5">{{.Label}}{{with .Invoice}} ({{.}}){{end}}</td><td style="text-align:right">{{.Amount}}</td><td></td></tr>
{{end}}{{range .Interest}}<tr><td colspan="5">{{.Label}}{{with .Invoice}} ({{.}}){{end}}: {{.Rate}}, {{.From}} – {{.To}}</td><td style="text-align:right">{{.Amount}}</td><td></td></tr>
{{end}}<tr><th colspan="5" style="text-align:left">{{template "total" .}}</th><th style="text-align:right">{{.Total}}</th><th></th></tr>
</tbody></table>
<p>{{with .Payment.Instructions}}{{.}}<br>{{end}}{{with .Options}}{{.}}<br>{{end}}{{with .Payment.IBAN}}IBAN: {{.}}<br>{{end}}{{with .Payment.BIC}}BIC: {{.}}<br>{{end}}{{with .Payment.Reference}}{{template "payref" .}}: {{.}}<br>{{end}}{{with .Payment.URL}}<a href="{{.}}">{{.}}</a>{{end}}</p>
<p>{{template "closing" .}}</p>
<p>{{template "regards" .}}<br>{{.Creditor.Name}}{{with .Creditor.Email}}<br>{{.}}{{end}}</p>
</body></html>
`

const htmlWordsEN = `{{define "date"}}Date:{{end}}{{define "ref"}}Our reference:{{end}}{{define "greeting"}}Dear {{.Debtor.Name}},{{end}}` +
	`{{define "head"}}<th>Invoice</th><th>Issued</th><th>Due</th><th>Goods or services</th><th>Amount</th><th>Open</th><th>Days overdue</th>{{end}}` +
	`{{define "total"}}Total due{{end}}{{define "payref"}}Payment reference{{end}}{{define "regards"}}Kind regards,{{end}}`

const htmlWordsDE = `{{define "date"}}Datum:{{end}}{{define "ref"}}Unser Zeichen:{{end}}{{define "greeting"}}Sehr geehrte Damen und Herren,{{end}}` +
	`{{define "head"}}<th>Rechnung</th><th>Datum</th><th>Fällig</th><th>Leistung</th><th>Betrag</th><th>Offen</th><th>Tage überfällig</th>{{end}}` +
	`{{define "total"}}Gesamtbetrag{{end}}{{define "payref"}}Verwendungszweck{{end}}{{define "regards"}}Mit freundlichen Grüßen{{end}}`

var builtinEN = map[Stage]words{
	FriendlyReminder: {
		subject: `Friendly reminder: {{.Total}} due to {{.Creditor.Name}}`,
		opening: `This is a friendly reminder that the following invoices {{if .MaxDaysOverdue}}are now due{{else}}fall due soon{{end}}. If you have already paid, thank you, and please disregard this message: our letters may have crossed.`,
		closing: `If anything on these invoices is unclear or you believe an amount is wrong, just reply to this message and we will sort it out.`,
		sms:     `{{.Creditor.Name}}: friendly reminder, {{.Total}} is due{{if .PayBy}} by {{.PayBy}}{{end}}. Ref {{(index .Lines 0).Number}}.{{with .Payment.URL}} Pay: {{.}}{{end}}`,
	},
	OverdueNotice: {
		subject: `Overdue: {{.Total}} owed to {{.Creditor.Name}}`,
		opening: `According to our records the following invoices are overdue; the oldest by {{.MaxDaysOverdue}} days. We have not received payment despite our earlier reminder.`,
		closing: `Please pay the total due by {{.PayBy}}. If you cannot pay in full, contact us before then so we can agree a payment plan; if you dispute an invoice, tell us why and we will pause the reminders while we look into it.`,
		sms:     `{{.Creditor.Name}}: {{.Total}} is overdue ({{.MaxDaysOverdue}} days). Please pay by {{.PayBy}}.{{with .Payment.URL}} Pay: {{.}}{{end}}`,
	},
	FinalNotice: {
		subject: `Final notice: please pay {{.Total}} by {{.PayBy}}`,
		opening: `Despite our earlier reminders the following invoices remain unpaid, the oldest {{.MaxDaysOverdue}} days after its due date. This is our final notice before we take further steps.`,
		closing: `Unless we receive the total due by {{.PayBy}}, we will pass the matter to our collections team{{if .Interest}} and interest will continue to accrue{{end}}, and further costs may be charged to you. If you have paid in the meantime, please let us know.`,
		sms:     `{{.Creditor.Name}}: FINAL NOTICE. {{.Total}} must be paid by {{.PayBy}} to avoid further action.{{with .Payment.URL}} Pay: {{.}}{{end}}`,
	},
	LetterBeforeAction: {
		subject: `Letter before action: {{.Total}} owed to {{.Creditor.Name}}`,
		opening: `We have written to you several times about the following debt, which remains unpaid. This letter is formal notice that we intend to begin court proceedings to recover it.`,
		closing: `Unless you pay the total due by {{.PayBy}}, or contact us by then to agree how it will be paid, we will issue a claim against you without further notice. A court judgment may affect your ability to obtain credit, and you may be ordered to pay interest and the costs of the claim. You should consider taking independent advice about this letter.`,
		sms:     `{{.Creditor.Name}}: letter before action sent. Pay {{.Total}} by {{.PayBy}} or we will start court proceedings.`,
	},
}

var builtinDE = map[Stage]words{
	FriendlyReminder: {
		subject: `Zahlungserinnerung: {{.Total}} an {{.Creditor.Name}}`,
		opening: `sicher ist es Ihrer Aufmerksamkeit entgangen: Die folgenden Rechnungen {{if .MaxDaysOverdue}}sind fällig{{else}}werden in Kürze fällig{{end}}. Sollten Sie bereits gezahlt haben, danken wir Ihnen und bitten Sie, dieses Schreiben als gegenstandslos zu betrachten.`,
		closing: `Haben Sie Fragen zu den Rechnungen, antworten Sie uns einfach; wir klären das gern.`,
		sms:     `{{.Creditor.Name}}: Zahlungserinnerung, {{.Total}} fällig{{if .PayBy}} bis {{.PayBy}}{{end}}. Rechnung {{(index .Lines 0).Number}}.{{with .Payment.URL}} Zahlen: {{.}}{{end}}`,
	},
	OverdueNotice: {
		subject: `Mahnung: {{.Total}} überfällig`,
		opening: `trotz unserer Zahlungserinnerung konnten wir für die folgenden Rechnungen noch keinen Zahlungseingang feststellen; die älteste ist seit {{.MaxDaysOverdue}} Tagen überfällig.`,
		closing: `Bitte überweisen Sie den Gesamtbetrag bis zum {{.PayBy}}. Können Sie nicht in voller Höhe zahlen, sprechen Sie uns bitte vorher an, damit wir eine Ratenzahlung vereinbaren können. Sind Sie mit einer Rechnung nicht einverstanden, teilen Sie uns bitte den Grund mit.`,
		sms:     `{{.Creditor.Name}}: {{.Total}} seit {{.MaxDaysOverdue}} Tagen überfällig. Bitte zahlen Sie bis {{.PayBy}}.{{with .Payment.URL}} Zahlen: {{.}}{{end}}`,
	},
	FinalNotice: {
		subject: `Letzte Mahnung: Bitte zahlen Sie {{.Total}} bis {{.PayBy}}`,
		opening: `trotz unserer Mahnungen sind die folgenden Rechnungen weiterhin unbezahlt, die älteste seit {{.MaxDaysOverdue}} Tagen. Dies ist unsere letzte Mahnung.`,
		closing: `Geht der Gesamtbetrag nicht bis zum {{.PayBy}} bei uns ein, übergeben wir die Forderung ohne weitere Ankündigung an unser Inkasso{{if .Interest}}; Verzugszinsen fallen weiter an{{end}}. Die dadurch entstehenden Kosten gehen zu Ihren Lasten. Haben Sie inzwischen gezahlt, geben Sie uns bitte kurz Bescheid.`,
		sms:     `{{.Creditor.Name}}: LETZTE MAHNUNG. Bitte zahlen Sie {{.Total}} bis {{.PayBy}}.{{with .Payment.URL}} Zahlen: {{.}}{{end}}`,
	},
	LetterBeforeAction: {
		subject: `Ankündigung gerichtlicher Schritte: {{.Total}}`,
		opening: `wir haben Sie mehrfach an die folgende Forderung erinnert, die weiterhin offen ist. Hiermit kündigen wir an, die Forderung gerichtlich geltend zu machen und einen Antrag auf Erlass eines Mahnbescheids (gerichtliches Mahnverfahren) zu stellen.`,
		closing: `Zahlen Sie den Gesamtbetrag nicht bis zum {{.PayBy}} oder vereinbaren Sie bis dahin keine Zahlung mit uns, beantragen wir ohne weitere Ankündigung den Mahnbescheid. Die Kosten des Verfahrens und weitere Zinsen haben Sie dann zu tragen.`,
		sms:     `{{.Creditor.Name}}: Wir kündigen gerichtliche Schritte an. Bitte zahlen Sie {{.Total}} bis {{.PayBy}}.`,
	},
}

// Builtin returns a fresh set with the built-in English and German
// templates for every stage (keyed with empty Templates, Workflow and Step,
// so they are every other set's last fallback).
func Builtin() *Set {
	s := NewSet()
	for lang, ws := range map[string]map[Stage]words{"en": builtinEN, "de": builtinDE} {
		layout, hw := textEN, htmlWordsEN
		if lang == "de" {
			layout, hw = textDE, htmlWordsDE
		}
		for st, w := range ws {
			defs := `{{define "opening"}}` + w.opening + `{{end}}{{define "closing"}}` + w.closing + `{{end}}{{define "subject"}}` + w.subject + `{{end}}`
			t := Template{Subject: w.subject, Text: defs + layout, HTML: defs + hw + htmlLayout, SMS: w.sms}
			if err := s.Add(Key{Language: lang, Stage: st}, t); err != nil {
				panic(err) // the built-in templates are constants checked by the tests
			}
		}
	}
	return s
}
