// Package notice is what a customer receives: a dunning notice, its
// validation and its rendering.
//
// A Notice carries what a dunning notice must: the creditor and the debtor,
// every invoice (number, issue and due dates, the goods or services rendered,
// amount, open balance, days overdue), fees, interest with its rate and
// period, the total due, how to pay, and its stage: a friendly reminder, an
// overdue notice, a final notice, or a letter before action. Validate refuses
// a notice missing any of it and lists the fields.
//
// Templates render the subject, the plain text and the HTML (html/template,
// so every value is escaped) in the notice's language, from a View of
// pre-formatted values: German "1.234,56 EUR" and "31.01.2026", English
// "EUR 1,234.56" and "31 January 2026", always with the currency's
// minor-unit digits. A Set resolves templates by template set, workflow,
// step, language and stage, falling back step, workflow, template set, then
// from "de-AT" to "de" to "en"; Builtin has English and German for every
// stage, and Render falls back to it.
//
//	n := &notice.Notice{...}
//	if err := n.Validate(); err != nil { ... }   // lists the missing fields
//	err := notice.Builtin().Render(n)            // fills n.Subject, n.Text, n.HTML
//
// The package imports no other package of overdue.
package notice
