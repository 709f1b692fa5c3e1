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
// The customer never sees the notice's Key (it names the workflow and
// step): the notice's reference is its Number, NumberFor(Key), ten
// Crockford base-32 characters with a Luhn mod 32 check digit, and the
// payment reference names that number and every invoice
// (PaymentReference). A notice knows its history (Earlier, the days of
// earlier notices about its invoices, and each Line's LastNotice) and what
// the workflow does next (Next); the built-in texts word a first notice, a
// follow-up and a final notice from these and nothing else. Every interest
// line carries its principal, rate, days and day count, and Validate
// recomputes its amount.
//
// A notice names the law its claim is made under (Law: EU, UK, DE, FR),
// the debtor's kind (company, sole trader, consumer) and country, and the
// creditor's register entry, which the built-in texts print as its legal
// footer (Party.LegalLines). Every statutory charge carries its legal basis
// ("§ 288 Abs. 2 BGB"), and a compensation line the reminder fees it
// covers (Statutory less Covered); the wording follows the law, not the
// language, so a German-law claim in English says German law. Check holds
// a rendered notice against its law's checklist (Checklist; each Item's
// comment cites its source) and returns the items it misses, with their
// sources: the claim and deadline, the pay-by minimum (MinPayByDays), the
// debtor's kind, no charges on a friendly reminder, the legal basis, the
// fixed compensation and its netting, consequences only from Next, no
// Mahnbescheid abroad, the creditor's footer, the UK letter before claim
// and its Debt Protocol pack, and text messages that stand alone.
//
// Templates render the subject, the plain text and the HTML (html/template,
// so every value is escaped) in the notice's language and region, from a
// View of pre-formatted values: German "1.234,56 EUR" and "24. November
// 2026" (Austrian "Jänner", Swiss "1’234.56"), US English "November 24,
// 2026", other English "EUR 1,234.56" and "24 November 2026", always with
// the currency's minor-unit digits; Plural picks "1 day" or "14 days". A Set resolves templates by template set, workflow,
// step, language and stage, falling back step, workflow, template set, then
// from "de-AT" to "de" to "en"; Builtin has English and German for every
// stage, and Render falls back to it. A notice is in one language: that
// of the template it resolves to. One whose language has no template
// ("fr") renders from the English one in English throughout (its View,
// payment text and HTML lang), and Render sets its Language to "en".
//
// A Statement of account is a document of its own (opening balance,
// entries, closing balance, open items, unapplied money, aging), rendered
// from the StatementOfAccount stage's templates, which see a
// StatementView: on a Notice (Notice.Statement) by Set.Render with the
// notice's key, standalone by Set.RenderStatement or RenderStatement (the
// built-in English and German texts). Either checks the figures reconcile
// first and refuses a template that leaves out the closing balance or an
// open item.
//
//	n := &notice.Notice{...}
//	if err := n.Validate(); err != nil { ... }   // lists the missing fields
//	err := notice.Builtin().Render(n)            // fills n.Subject, n.Text, n.HTML
//
// The package imports no other package of overdue.
package notice
