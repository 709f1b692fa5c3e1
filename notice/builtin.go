package notice

// The built-in templates: English and German, every stage. Each language has
// one layout (letterhead, invoice list, charges, total, how to pay,
// signature) and per stage a subject, an opening and a closing paragraph.

type words struct {
	subject, opening, closing, sms string
	// extra follows the closing: the UK letter before action's dispute,
	// interest, ADR and Debt Protocol paragraphs.
	extra string
}

// Every opening and closing is worded for one invoice and for several
// ({{if .Single}}), for a first notice and a follow-up ({{if .First}}: a
// follow-up names the days of the earlier notices, a first notice claims
// none), and states a consequence only where the notice's Next says the
// workflow has that step: a collection agency, a collector's call or a
// letter before action on a final notice, and what happens to the
// customer's account (Next "suspend", "restrict", "cancel": the shared
// "account" clause) on a friendly reminder, an overdue notice, a
// payment-update notice and a final notice alike, as a subscriber needs
// to hear it before the service stops (a text message in one short
// sentence, "smsaccount").

// commonEN and commonDE are shared by the text and the HTML layouts.
const commonEN = `{{define "about"}}{{if .Single}}this invoice{{else if .AllEarlier}}these invoices{{else}}some of these invoices{{end}}{{end}}` +
	`{{define "wrote"}}We wrote to you about {{template "about" .}} on {{.EarlierList}}{{end}}` +
	`{{define "paytext"}}{{if .Payment.IBAN}}Please transfer the total due to the account below{{if .Payment.Reference}}, quoting the payment reference{{end}}.{{else if .Payment.URL}}Please pay the total due online{{if .Payment.Reference}}, quoting the payment reference{{end}}.{{end}}{{end}}` +
	`{{define "account"}}{{if eq .Next "suspend"}}we will suspend your access to our service{{else if eq .Next "restrict"}}we will restrict your account, though your current service will continue{{else if eq .Next "cancel"}}we will cancel your subscription, and your access to our service will end{{end}}{{end}}`

const commonDE = `{{define "about"}}{{if .Single}}dieser Rechnung{{else if .AllEarlier}}dieser Rechnungen{{else}}einiger dieser Rechnungen{{end}}{{end}}` +
	`{{define "wrote"}}wir haben Ihnen am {{.EarlierList}} wegen {{template "about" .}} geschrieben{{end}}` +
	`{{define "paytext"}}{{if .Payment.IBAN}}Bitte überweisen Sie den Gesamtbetrag auf das folgende Konto{{if .Payment.Reference}} und geben Sie dabei den Verwendungszweck an{{end}}.{{else if .Payment.URL}}Bitte zahlen Sie den Gesamtbetrag online{{if .Payment.Reference}} unter Angabe des Verwendungszwecks{{end}}.{{end}}{{end}}` +
	`{{define "account"}}{{if eq .Next "suspend"}}sperren wir Ihren Zugang zu unserem Dienst{{else if eq .Next "restrict"}}schränken wir Ihr Kundenkonto ein; Ihr laufender Dienst bleibt bestehen{{else if eq .Next "cancel"}}kündigen wir Ihr Abonnement; damit endet Ihr Zugang zu unserem Dienst{{end}}{{end}}`

// smsEN and smsDE are the parts every text message shares: the invoices,
// the charges apart from the principal, a pointer to the full notice
// (never a claim that a letter went out) and a contact.
const smsEN = `{{define "smsaccount"}}{{if eq .Next "suspend"}} If unpaid, we will suspend your service.{{else if eq .Next "restrict"}} If unpaid, we will restrict your account.{{else if eq .Next "cancel"}} If unpaid, we will cancel your subscription.{{end}}{{end}}` +
	`{{define "inv"}}{{if .Single}}Invoice{{else}}Invoices{{end}} {{.Invoices}}:{{end}}` +
	`{{define "charges"}}{{with .Charges}}, plus {{.}} fees and interest{{end}}{{with .UnappliedTotal}}, less {{.}} received and not yet allocated{{end}}{{if or .Charges .UnappliedTotal}}, total {{$.Total}}{{end}}{{end}}` +
	`{{define "tail"}}{{with .Payment.URL}} Pay: {{.}}{{end}}{{if .Link}} Full notice: {{.Link}}{{else}} Full notice on request{{end}}{{with .Contact}}: {{.}}{{end}}.{{end}}`

const smsDE = `{{define "smsaccount"}}{{if eq .Next "suspend"}} Bleibt der Betrag offen, sperren wir Ihren Zugang.{{else if eq .Next "restrict"}} Bleibt der Betrag offen, schränken wir Ihr Kundenkonto ein.{{else if eq .Next "cancel"}} Bleibt der Betrag offen, kündigen wir Ihr Abonnement.{{end}}{{end}}` +
	`{{define "inv"}}{{if .Single}}Rechnung{{else}}Rechnungen{{end}} {{.Invoices}}:{{end}}` +
	`{{define "charges"}}{{with .Charges}}, zzgl. {{.}} Gebühren und Zinsen{{end}}{{with .UnappliedTotal}}, abzgl. {{.}} erhalten und noch nicht zugeordnet{{end}}{{if or .Charges .UnappliedTotal}}, gesamt {{$.Total}}{{end}}{{end}}` +
	`{{define "tail"}}{{with .Payment.URL}} Zahlen: {{.}}{{end}}{{if .Link}} Vollständige Mahnung: {{.Link}}{{else}} Vollständige Mahnung auf Anfrage{{end}}{{with .Contact}}: {{.}}{{end}}.{{end}}`

const textEN = `{{.Creditor.Name}}
{{range .Creditor.Address}}{{.}}
{{end}}
{{.Debtor.Name}}{{with .Debtor.Reference}} (customer {{.}}){{end}}
{{range .Debtor.Address}}{{.}}
{{end}}
Date: {{.Date}}
Our reference: {{.Number}}

Dear {{.Debtor.Name}},

{{template "opening" .}}

{{if ne .Lang "de"}}{{.LinesText}}{{else}}{{range .Lines}}- Invoice {{.Number}} of {{.Issued}}, due {{.Due}}: {{.Description}}{{with .Instalment}} ({{.}}){{end}}
  amount {{.Amount}}, open {{.Open}}{{if .DaysOverdue}}, {{plural .DaysOverdue "day" "days"}} overdue{{end}}
{{with .Plan}}  payment plan agreed: {{.}}
{{end}}{{end}}{{end}}{{if .Fees}}
{{range .Fees}}- {{.Label}}{{with .Invoice}} (invoice {{.}}){{end}}{{with .Basis}}, {{.}}{{end}}{{with .Netting}}, {{.}}{{end}}: {{.Amount}}
{{end}}{{end}}{{if .Interest}}
{{range .Interest}}- {{.Label}}{{with .Invoice}} on invoice {{.}}{{end}}{{with .Basis}} ({{.}}){{end}}: {{.Rate}} a year on {{.Principal}} for {{plural .Days "day" "days"}}, {{.From}} to {{.To}} (day count {{.Days}}/{{.Year}}): {{.Amount}}
{{end}}{{end}}{{if .Unapplied}}
{{range .Unapplied}}- {{.Label}}: -{{.Amount}}
{{end}}{{end}}
Total due: {{.Total}}

How to pay{{if .PayBy}} (by {{.PayBy}}){{end}}:
{{if or .Payment.IBAN .Payment.URL}}{{template "paytext" .}}
{{end}}{{with .Payment.Instructions}}{{.}}
{{end}}{{with .Options}}Ways to pay: {{.}}
{{end}}{{with .Payment.IBAN}}IBAN: {{.}}
{{end}}{{with .Payment.BIC}}BIC: {{.}}
{{end}}{{with .Payment.Reference}}Payment reference: {{.}}
{{end}}{{with .Payment.URL}}Pay online: {{.}}
{{end}}
{{template "closing" .}}
{{template "extra" .}}
Kind regards,
{{.Creditor.Name}}, Accounts Receivable{{with .Creditor.Email}}
{{.}}{{end}}{{with .Creditor.Phone}}
{{.}}{{end}}
{{if .CreditorLegal}}
{{range .CreditorLegal}}{{.}}
{{end}}{{end}}`

const textDE = `{{.Creditor.Name}}
{{range .Creditor.Address}}{{.}}
{{end}}
{{.Debtor.Name}}{{with .Debtor.Reference}} (Kundennummer {{.}}){{end}}
{{range .Debtor.Address}}{{.}}
{{end}}
Datum: {{.Date}}
Unser Zeichen: {{.Number}}

Sehr geehrte Damen und Herren,

{{template "opening" .}}

{{if eq .Lang "de"}}{{.LinesText}}{{else}}{{range .Lines}}- Rechnung {{.Number}} vom {{.Issued}}, fällig am {{.Due}}: {{.Description}}{{with .Instalment}} ({{.}}){{end}}
  Betrag {{.Amount}}, offen {{.Open}}{{if .DaysOverdue}}, {{plural .DaysOverdue "Tag" "Tage"}} überfällig{{end}}
{{with .Plan}}  vereinbarter Ratenplan: {{.}}
{{end}}{{end}}{{end}}{{if .Fees}}
{{range .Fees}}- {{.Label}}{{with .Invoice}} (Rechnung {{.}}){{end}}{{with .Basis}}, {{.}}{{end}}{{with .Netting}}, {{.}}{{end}}: {{.Amount}}
{{end}}{{end}}{{if .Interest}}
{{range .Interest}}- {{.Label}}{{with .Invoice}} auf Rechnung {{.}}{{end}}{{with .Basis}} ({{.}}){{end}}: {{.Rate}} p. a. auf {{.Principal}} für {{plural .Days "Tag" "Tage"}}, {{.From}} bis {{.To}} (Zinstage {{.Days}}/{{.Year}}): {{.Amount}}
{{end}}{{end}}{{if .Unapplied}}
{{range .Unapplied}}- {{.Label}}: -{{.Amount}}
{{end}}{{end}}
Gesamtbetrag: {{.Total}}

So zahlen Sie{{if .PayBy}} (bis zum {{.PayBy}}){{end}}:
{{if or .Payment.IBAN .Payment.URL}}{{template "paytext" .}}
{{end}}{{with .Payment.Instructions}}{{.}}
{{end}}{{with .Options}}Zahlungswege: {{.}}
{{end}}{{with .Payment.IBAN}}IBAN: {{.}}
{{end}}{{with .Payment.BIC}}BIC: {{.}}
{{end}}{{with .Payment.Reference}}Verwendungszweck: {{.}}
{{end}}{{with .Payment.URL}}Online bezahlen: {{.}}
{{end}}
{{template "closing" .}}
{{template "extra" .}}
Mit freundlichen Grüßen
{{.Creditor.Name}}, Debitorenbuchhaltung{{with .Creditor.Email}}
{{.}}{{end}}{{with .Creditor.Phone}}
{{.}}{{end}}
{{if .CreditorLegal}}
{{range .CreditorLegal}}{{.}}
{{end}}{{end}}`

const htmlLayout = `<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{template "subject" .}}</title></head>
<body style="font-family: sans-serif; max-width: 42em">
<p>{{.Creditor.Name}}{{range .Creditor.Address}}<br>{{.}}{{end}}</p>
<p>{{.Debtor.Name}}{{range .Debtor.Address}}<br>{{.}}{{end}}</p>
<p>{{template "date" .}} {{.Date}}<br>{{template "ref" .}} {{.Number}}</p>
<p>{{template "greeting" .}}</p>
<p>{{template "opening" .}}</p>
<table style="border-collapse: collapse" border="1" cellpadding="4">
<thead><tr>{{template "head" .}}</tr></thead>
<tbody>
{{range .Lines}}{{.HTMLRow}}
{{with .Plan}}<tr><td colspan="7">{{template "plan" $}} {{.}}</td></tr>
{{end}}{{end}}{{range .Fees}}<tr><td colspan="5">{{.Label}}{{with .Invoice}} ({{.}}){{end}}{{with .Basis}}, {{.}}{{end}}{{with .Netting}}, {{.}}{{end}}</td><td style="text-align:right">{{.Amount}}</td><td></td></tr>
{{end}}{{range .Interest}}<tr><td colspan="5">{{.Label}}{{with .Invoice}} ({{.}}){{end}}{{with .Basis}}, {{.}}{{end}}: {{.Rate}} × {{.Principal}} × {{.Days}}/{{.Year}}, {{.From}} – {{.To}}</td><td style="text-align:right">{{.Amount}}</td><td></td></tr>
{{end}}{{range .Unapplied}}<tr><td colspan="5">{{.Label}}</td><td style="text-align:right">-{{.Amount}}</td><td></td></tr>
{{end}}<tr><th colspan="5" style="text-align:left">{{template "total" .}}</th><th style="text-align:right">{{.Total}}</th><th></th></tr>
</tbody></table>
<p><b>{{template "howto" .}}</b><br>{{if or .Payment.IBAN .Payment.URL}}{{template "paytext" .}}<br>{{end}}{{with .Payment.Instructions}}{{.}}<br>{{end}}{{with .Options}}{{.}}<br>{{end}}{{with .Payment.IBAN}}IBAN: {{.}}<br>{{end}}{{with .Payment.BIC}}BIC: {{.}}<br>{{end}}{{with .Payment.Reference}}{{template "payref" .}}: {{.}}<br>{{end}}{{with .Payment.URL}}<a href="{{.}}">{{.}}</a>{{end}}</p>
<p>{{template "closing" .}}</p>
{{if and (eq .Law "uk") (eq .N.Stage.String "letter-before-action")}}<p style="white-space: pre-line">{{template "extra" .}}</p>
{{end}}<p>{{template "regards" .}}<br>{{.Creditor.Name}}{{with .Creditor.Email}}<br>{{.}}{{end}}</p>
{{if .CreditorLegal}}<p style="font-size: small">{{range $i, $l := .CreditorLegal}}{{if $i}}<br>{{end}}{{$l}}{{end}}</p>
{{end}}</body></html>
`

const htmlWordsEN = `{{define "date"}}Date:{{end}}{{define "ref"}}Our reference:{{end}}{{define "greeting"}}Dear {{.Debtor.Name}},{{end}}` +
	`{{define "head"}}<th>Invoice</th><th>Issued</th><th>Due</th><th>Goods or services</th><th>Amount</th><th>Open</th><th>Days overdue</th>{{end}}` +
	`{{define "total"}}Total due{{end}}{{define "plan"}}Payment plan agreed:{{end}}{{define "howto"}}How to pay{{if .PayBy}} (by {{.PayBy}}){{end}}:{{end}}{{define "payref"}}Payment reference{{end}}{{define "regards"}}Kind regards,{{end}}`

const htmlWordsDE = `{{define "date"}}Datum:{{end}}{{define "ref"}}Unser Zeichen:{{end}}{{define "greeting"}}Sehr geehrte Damen und Herren,{{end}}` +
	`{{define "head"}}<th>Rechnung</th><th>Datum</th><th>Fällig</th><th>Leistung</th><th>Betrag</th><th>Offen</th><th>Tage überfällig</th>{{end}}` +
	`{{define "total"}}Gesamtbetrag{{end}}{{define "plan"}}Vereinbarter Ratenplan:{{end}}{{define "howto"}}So zahlen Sie{{if .PayBy}} (bis zum {{.PayBy}}){{end}}:{{end}}{{define "payref"}}Verwendungszweck{{end}}{{define "regards"}}Mit freundlichen Grüßen{{end}}`

var builtinEN = map[Stage]words{
	FriendlyReminder: {
		subject: `Friendly reminder: {{.Total}} due to {{.Creditor.Name}}`,
		opening: `This is a friendly reminder that {{if .Single}}the following invoice {{if .MaxDaysOverdue}}is now due{{else}}falls due soon{{end}}{{else}}the following invoices {{if .MaxDaysOverdue}}are now due{{else}}fall due soon{{end}}{{end}}.` +
			`{{if not .First}} We last wrote to you about {{template "about" .}} on {{.LastEarlier}}.{{end}}` +
			` If you have already paid, thank you, and please disregard this message: our letters may have crossed.`,
		closing: `If anything on {{if .Single}}this invoice{{else}}these invoices{{end}} is unclear or you believe an amount is wrong, just reply to this message and we will sort it out.` +
			`{{if or (eq .Next "suspend") (eq .Next "restrict") (eq .Next "cancel")}} If the total due remains unpaid, {{template "account" .}}.{{end}}`,
		sms: `{{.Creditor.Name}}: friendly reminder. {{template "inv" .}} {{.Principal}} {{if .MaxDaysOverdue}}is now due{{else}}falls due soon{{end}}{{template "charges" .}}{{if .PayBy}}, please pay by {{.PayBy}}{{end}}.{{template "smsaccount" .}} Ref {{.Number}}.{{template "tail" .}}`,
	},
	OverdueNotice: {
		subject: `Overdue: {{.Total}} owed to {{.Creditor.Name}}`,
		opening: `{{if .First}}According to our records {{if .Single}}the following invoice is overdue by {{plural .MaxDaysOverdue "day" "days"}}{{else}}the following invoices are overdue, the oldest by {{plural .MaxDaysOverdue "day" "days"}}{{end}}.` +
			`{{else}}{{template "wrote" .}}, but according to our records {{if .Single}}the following invoice is still unpaid, now {{plural .MaxDaysOverdue "day" "days"}} overdue{{else}}the following invoices are still unpaid, the oldest now {{plural .MaxDaysOverdue "day" "days"}} overdue{{end}}.{{end}}`,
		closing: `Please pay the total due by {{.PayBy}}. If you cannot pay in full, contact us before then so we can agree a payment plan; if you dispute {{if .Single}}the invoice{{else}}an invoice{{end}}, tell us why and we will pause the reminders while we look into it.` +
			`{{if or (eq .Next "suspend") (eq .Next "restrict") (eq .Next "cancel")}} If the total due remains unpaid, {{template "account" .}}.{{end}}`,
		sms: `{{.Creditor.Name}}: {{template "inv" .}} {{.Principal}} overdue ({{plural .MaxDaysOverdue "day" "days"}}){{template "charges" .}}. Please pay by {{.PayBy}}.{{template "smsaccount" .}} Ref {{.Number}}.{{template "tail" .}}`,
	},
	FinalNotice: {
		subject: `Final notice: please pay {{.Total}} by {{.PayBy}}`,
		opening: `{{if .First}}According to our records {{else}}{{template "wrote" .}}. Still, {{end}}` +
			`{{if .Single}}the following invoice remains unpaid, {{plural .MaxDaysOverdue "day" "days"}} after its due date{{else}}the following invoices remain unpaid, the oldest {{plural .MaxDaysOverdue "day" "days"}} after its due date{{end}}. This is our final notice.`,
		closing: `Please make sure the total due reaches us by {{.PayBy}}.` +
			`{{if eq .Next "collection"}} If it does not, we will pass the claim to a collection agency or a lawyer to recover it.` +
			`{{else if eq .NextStage "letter-before-action"}} If it does not, our next step will be {{if or (eq .Law "uk") (eq .Law "")}}a letter before action announcing court proceedings{{else}}to announce court proceedings{{end}}.` +
			`{{else if eq .Next "contact"}} If it does not, we will contact you to discuss how the debt will be settled.` +
			`{{else if or (eq .Next "suspend") (eq .Next "restrict") (eq .Next "cancel")}} If it does not, {{template "account" .}}.{{end}}` +
			`{{if .Interest}} Interest continues to accrue until payment.{{end}} If you have paid in the meantime, please let us know.`,
		sms: `{{.Creditor.Name}}: FINAL NOTICE. {{template "inv" .}} {{.Principal}} overdue{{template "charges" .}}. Please pay by {{.PayBy}}.{{template "smsaccount" .}} Ref {{.Number}}.{{template "tail" .}}`,
	},
	LetterBeforeAction: {
		subject: `{{if or (eq .Law "uk") (eq .Law "")}}Letter before action{{else}}Notice of court proceedings{{end}}: {{.Total}} owed to {{.Creditor.Name}}`,
		opening: `{{if .First}}The following debt remains unpaid.{{else}}{{template "wrote" .}}, and the following debt remains unpaid.{{end}}` +
			`{{if eq .Law "uk"}} This is a letter before claim: formal notice that we intend to begin court proceedings to recover the debt.` +
			`{{else if eq .Law "de"}} This letter is formal notice that we intend to recover the debt through the German courts{{if .Domestic}} by applying for a court payment order (Mahnbescheid){{end}}.` +
			`{{else}} This letter is formal notice that we intend to begin court proceedings to recover it.{{end}}` +
			`{{if .ContractRef}} The debt arises under agreement {{.ContractRef}}{{with .ContractDate}} of {{.}}{{end}} between {{.Creditor.Name}} and {{.Debtor.Name}}, for the goods and services invoiced below.{{end}}`,
		closing: `Unless you pay the total due by {{.PayBy}}, or contact us by then to agree how it will be paid, we will {{if eq .Law "uk"}}issue a claim against you{{else}}take that step{{end}} without further notice.` +
			`{{if ne .Law "uk"}} In court proceedings you may be ordered to pay their costs and further interest. You should consider taking independent advice about this letter.{{end}}`,
		extra: `{{if eq .Law "uk"}}
If you dispute the debt or any part of it, tell us by {{.PayBy}} which part and why, and send us copies of any documents you rely on. The documents our claim rests on are the invoices listed above{{if .ContractRef}} and agreement {{.ContractRef}}{{end}}; we will send you copies on request.
{{with .DailyInterest}}Interest continues to accrue at {{.}} a day until payment.
{{end}}We are willing to consider alternative dispute resolution, such as mediation, to settle the matter without court proceedings; if you would like to, say so in your reply.
{{if .Protocol}}
With this letter come the up-to-date statement of account above (reference {{.Number}}, as at {{.Date}}) and, enclosed, the Information Sheet, the Reply Form and a Financial Statement form. Please complete the Reply Form and return it to us at {{join .Creditor.Address ", "}} within 30 days of the date of this letter. You can contact us to discuss repayment options. You can get free independent debt advice; the Information Sheet lists where. A court judgment may affect your ability to obtain credit.
{{end}}You should consider taking independent advice about this letter.
{{end}}`,
		sms: `{{.Creditor.Name}}: formal notice. {{template "inv" .}} {{.Principal}} unpaid{{template "charges" .}}. Unless paid by {{.PayBy}}, we intend to start court proceedings. Ref {{.Number}}.{{template "tail" .}}`,
	},
}

var builtinDE = map[Stage]words{
	FriendlyReminder: {
		subject: `Zahlungserinnerung: {{.Total}} an {{.Creditor.Name}}`,
		opening: `sicher ist es Ihrer Aufmerksamkeit entgangen: {{if .Single}}Die folgende Rechnung {{if .MaxDaysOverdue}}ist fällig{{else}}wird in Kürze fällig{{end}}{{else}}Die folgenden Rechnungen {{if .MaxDaysOverdue}}sind fällig{{else}}werden in Kürze fällig{{end}}{{end}}.` +
			`{{if not .First}} Zuletzt haben wir Ihnen am {{.LastEarlier}} wegen {{template "about" .}} geschrieben.{{end}}` +
			` Sollten Sie bereits gezahlt haben, danken wir Ihnen und bitten Sie, dieses Schreiben als gegenstandslos zu betrachten.`,
		closing: `Haben Sie Fragen {{if .Single}}zur Rechnung{{else}}zu den Rechnungen{{end}}, antworten Sie uns einfach; wir klären das gern.` +
			`{{if or (eq .Next "suspend") (eq .Next "restrict") (eq .Next "cancel")}} Bleibt der Gesamtbetrag offen, {{template "account" .}}.{{end}}`,
		sms: `{{.Creditor.Name}}: Zahlungserinnerung. {{template "inv" .}} {{.Principal}} {{if .MaxDaysOverdue}}fällig{{else}}bald fällig{{end}}{{template "charges" .}}{{if .PayBy}}, bitte zahlen Sie bis {{.PayBy}}{{end}}.{{template "smsaccount" .}} Zeichen {{.Number}}.{{template "tail" .}}`,
	},
	OverdueNotice: {
		subject: `Mahnung: {{.Total}} überfällig`,
		opening: `{{if .First}}nach unseren Unterlagen {{if .Single}}ist die folgende Rechnung seit {{plural .MaxDaysOverdue "Tag" "Tagen"}} überfällig{{else}}sind die folgenden Rechnungen überfällig, die älteste seit {{plural .MaxDaysOverdue "Tag" "Tagen"}}{{end}}.` +
			`{{else}}{{template "wrote" .}}; nach unseren Unterlagen {{if .Single}}ist die folgende Rechnung weiterhin unbezahlt, inzwischen seit {{plural .MaxDaysOverdue "Tag" "Tagen"}} überfällig{{else}}sind die folgenden Rechnungen weiterhin unbezahlt, die älteste inzwischen seit {{plural .MaxDaysOverdue "Tag" "Tagen"}} überfällig{{end}}.{{end}}`,
		closing: `Bitte überweisen Sie den Gesamtbetrag bis zum {{.PayBy}}. Können Sie nicht in voller Höhe zahlen, sprechen Sie uns bitte vorher an, damit wir eine Ratenzahlung vereinbaren können. Sind Sie mit {{if .Single}}der Rechnung{{else}}einer Rechnung{{end}} nicht einverstanden, teilen Sie uns bitte den Grund mit; wir setzen die Mahnungen aus, solange wir das prüfen.` +
			`{{if or (eq .Next "suspend") (eq .Next "restrict") (eq .Next "cancel")}} Bleibt der Gesamtbetrag offen, {{template "account" .}}.{{end}}`,
		sms: `{{.Creditor.Name}}: {{template "inv" .}} {{.Principal}} seit {{plural .MaxDaysOverdue "Tag" "Tagen"}} überfällig{{template "charges" .}}. Bitte zahlen Sie bis {{.PayBy}}.{{template "smsaccount" .}} Zeichen {{.Number}}.{{template "tail" .}}`,
	},
	FinalNotice: {
		subject: `Letzte Mahnung: Bitte zahlen Sie {{.Total}} bis {{.PayBy}}`,
		opening: `{{if .First}}nach unseren Unterlagen {{if .Single}}ist die folgende Rechnung weiterhin unbezahlt, seit {{plural .MaxDaysOverdue "Tag" "Tagen"}} überfällig{{else}}sind die folgenden Rechnungen weiterhin unbezahlt, die älteste seit {{plural .MaxDaysOverdue "Tag" "Tagen"}}{{end}}.` +
			`{{else}}{{template "wrote" .}}; dennoch {{if .Single}}ist die folgende Rechnung weiterhin unbezahlt, seit {{plural .MaxDaysOverdue "Tag" "Tagen"}} überfällig{{else}}sind die folgenden Rechnungen weiterhin unbezahlt, die älteste seit {{plural .MaxDaysOverdue "Tag" "Tagen"}}{{end}}.{{end}} Dies ist unsere letzte Mahnung.`,
		closing: `Bitte sorgen Sie dafür, dass der Gesamtbetrag bis zum {{.PayBy}} bei uns eingeht.` +
			`{{if eq .Next "collection"}} Andernfalls übergeben wir die Forderung einem Inkassounternehmen oder einem Rechtsanwalt.` +
			`{{else if eq .NextStage "letter-before-action"}} Andernfalls kündigen wir Ihnen als nächsten Schritt gerichtliche Schritte an.` +
			`{{else if eq .Next "contact"}} Andernfalls setzen wir uns mit Ihnen in Verbindung, um zu besprechen, wie die Forderung beglichen wird.` +
			`{{else if or (eq .Next "suspend") (eq .Next "restrict") (eq .Next "cancel")}} Andernfalls {{template "account" .}}.{{end}}` +
			`{{if .Interest}} Bis zur Zahlung fallen weiter Zinsen an.{{end}} Haben Sie inzwischen gezahlt, geben Sie uns bitte kurz Bescheid.`,
		sms: `{{.Creditor.Name}}: LETZTE MAHNUNG. {{template "inv" .}} {{.Principal}} überfällig{{template "charges" .}}. Bitte zahlen Sie bis {{.PayBy}}.{{template "smsaccount" .}} Zeichen {{.Number}}.{{template "tail" .}}`,
	},
	LetterBeforeAction: {
		subject: `Ankündigung gerichtlicher Schritte: {{.Total}}`,
		opening: `{{if .First}}die folgende Forderung ist weiterhin offen.{{else}}{{template "wrote" .}}; die folgende Forderung ist weiterhin offen.{{end}} Hiermit kündigen wir an, die Forderung gerichtlich geltend zu machen{{if and (eq .Law "de") .Domestic}} und einen Antrag auf Erlass eines Mahnbescheids (gerichtliches Mahnverfahren) zu stellen{{end}}.` +
			`{{if .ContractRef}} Die Forderung beruht auf dem Vertrag {{.ContractRef}}{{with .ContractDate}} vom {{.}}{{end}} zwischen {{.Creditor.Name}} und {{.Debtor.Name}}.{{end}}`,
		closing: `Zahlen Sie den Gesamtbetrag nicht bis zum {{.PayBy}} oder vereinbaren Sie bis dahin keine Zahlung mit uns, {{if and (eq .Law "de") .Domestic}}beantragen wir ohne weitere Ankündigung den Mahnbescheid{{else}}leiten wir ohne weitere Ankündigung gerichtliche Schritte ein{{end}}. Im gerichtlichen Verfahren können Ihnen dessen Kosten und weitere Zinsen auferlegt werden.`,
		sms:     `{{.Creditor.Name}}: {{template "inv" .}} {{.Principal}} offen{{template "charges" .}}. Wir kündigen gerichtliche Schritte an, falls nicht bis {{.PayBy}} gezahlt wird. Zeichen {{.Number}}.{{template "tail" .}}`,
	},
}

// Builtin returns a fresh set with the built-in English and German
// templates for every stage, StatementOfAccount's from statement.go (keyed with empty Templates, Workflow and Step,
// so they are every other set's last fallback).
func Builtin() *Set {
	s := NewSet()
	for lang, ws := range map[string]map[Stage]words{"en": withPaymentUpdate(builtinEN, paymentUpdateEN), "de": withPaymentUpdate(builtinDE, paymentUpdateDE)} {
		layout, hw, common, sms := textEN, htmlWordsEN, commonEN, smsEN
		if lang == "de" {
			layout, hw, common, sms = textDE, htmlWordsDE, commonDE, smsDE
		}
		for st, w := range ws {
			defs := common + `{{define "opening"}}` + w.opening + `{{end}}{{define "closing"}}` + w.closing + `{{end}}{{define "subject"}}` + w.subject + `{{end}}` +
				`{{define "extra"}}` + w.extra + `{{end}}`
			t := Template{Subject: w.subject, Text: defs + layout, HTML: defs + hw + htmlLayout, SMS: sms + w.sms}
			if err := s.add(Key{Language: lang, Stage: st}, t, true); err != nil {
				panic(err) // the built-in templates are constants checked by the tests
			}
		}
	}
	for lang, t := range builtinStatement() {
		if err := s.add(Key{Language: lang, Stage: StatementOfAccount}, t, true); err != nil {
			panic(err)
		}
	}
	s.builtin = &lazyBuiltin{set: s} // its own fallback: no second parse
	return s
}
