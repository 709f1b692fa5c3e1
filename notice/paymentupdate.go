package notice

import "maps"

// The built-in texts of the PaymentUpdate stage: an automatic payment (a
// card or direct debit charged by the creditor) was declined for a reason
// that retrying cannot cure (a lost or expired card, a closed account), so
// the customer is asked to update the payment method or to pay another way.
// They use the same layout, invoice table and payment block as every other
// stage.

var paymentUpdateEN = words{
	subject: `Payment declined: please update your payment method for {{.Total}}`,
	opening: `We tried to collect the payment for {{if .Single}}the following invoice{{else}}the following invoices{{end}} with the payment method you gave us, but it was declined, and trying it again will not help.`,
	closing: `Please update your payment method {{with .Payment.URL}}at {{.}}{{else}}with us{{end}}, or pay the total due by {{.PayBy}} in one of the ways shown.{{if or (eq .Next "suspend") (eq .Next "restrict") (eq .Next "cancel")}} If the total due remains unpaid, {{template "account" .}}.{{end}} If you have paid in the meantime, thank you, and please disregard this message.`,
	sms:     `{{.Creditor.Name}}: your payment of {{.Principal}} was declined. Please update your payment method or pay by {{.PayBy}}.{{template "smsaccount" .}} Ref {{.Number}}.{{template "tail" .}}`,
}

var paymentUpdateDE = words{
	subject: `Zahlung abgelehnt: Bitte aktualisieren Sie Ihre Zahlungsart für {{.Total}}`,
	opening: `wir haben versucht, den Betrag für {{if .Single}}die folgende Rechnung{{else}}die folgenden Rechnungen{{end}} über die von Ihnen angegebene Zahlungsart einzuziehen. Die Zahlung wurde abgelehnt, und ein weiterer Versuch würde daran nichts ändern.`,
	closing: `Bitte aktualisieren Sie Ihre Zahlungsart {{with .Payment.URL}}unter {{.}}{{else}}bei uns{{end}} oder zahlen Sie den Gesamtbetrag bis zum {{.PayBy}} auf einem der genannten Wege.{{if or (eq .Next "suspend") (eq .Next "restrict") (eq .Next "cancel")}} Bleibt der Gesamtbetrag offen, {{template "account" .}}.{{end}} Haben Sie inzwischen gezahlt, danken wir Ihnen; dann ist dieses Schreiben gegenstandslos.`,
	sms:     `{{.Creditor.Name}}: Ihre Zahlung über {{.Principal}} wurde abgelehnt. Bitte aktualisieren Sie Ihre Zahlungsart oder zahlen Sie bis {{.PayBy}}.{{template "smsaccount" .}} Zeichen {{.Number}}.{{template "tail" .}}`,
}

// withPaymentUpdate returns the stage texts of a language with its
// PaymentUpdate texts added (a copy: the built-in maps are not changed).
func withPaymentUpdate(ws map[Stage]words, pu words) map[Stage]words {
	out := maps.Clone(ws)
	out[PaymentUpdate] = pu
	return out
}
