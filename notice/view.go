package notice

import (
	htemplate "html/template"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// LineView is a notice line formatted for a language.
type LineView struct {
	Number, Issued, Due, Description, Amount, Open string
	DaysOverdue                                    int
	// LastNotice is the day of the last earlier notice about the invoice
	// ("" if none).
	LastNotice string
	// Instalment names the part of an invoice payable in parts
	// ("instalment 2 of 3", "Rate 2 von 3"; "" for a whole invoice).
	Instalment string
	// Plan is the payment plan agreed for the invoice, in words
	// ("" without one).
	Plan string
	// HTMLRow is the line as a row of the built-in HTML layout's invoice
	// table, the same in every language: <tr> with the cells Number,
	// Issued, Due, Description (and " (Instalment)"), Amount, Open and
	// DaysOverdue, each escaped as html/template escapes text; the
	// built-in layout writes it in one action instead of seven. A
	// statement's lines (StatementView.Open) leave it empty.
	HTMLRow htemplate.HTML
}

// appendHTMLText appends s escaped as html/template escapes a plain value
// in element content (its htmlEscaper), and in a quoted attribute or
// RCDATA (attrEscaper, rcdataEscaper): NUL, quotes, &, +, < and >; every
// other byte, invalid UTF-8 included, as it is.
func appendHTMLText(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, r...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// htmlRow is LineView.HTMLRow, written in a buffer on the stack where it
// fits.
func htmlRow(x *LineView) htemplate.HTML {
	var buf [512]byte
	b := buf[:0]
	cell := func(pre, s string) {
		b = append(b, pre...)
		b = appendHTMLText(b, s)
	}
	cell("<tr><td>", x.Number)
	cell("</td><td>", x.Issued)
	cell("</td><td>", x.Due)
	cell("</td><td>", x.Description)
	if x.Instalment != "" {
		cell(" (", x.Instalment)
		b = append(b, ')')
	}
	cell(`</td><td style="text-align:right">`, x.Amount)
	cell(`</td><td style="text-align:right">`, x.Open)
	b = append(b, `</td><td style="text-align:right">`...)
	b = strconv.AppendInt(b, int64(x.DaysOverdue), 10)
	b = append(b, "</td></tr>"...)
	return htemplate.HTML(b)
}

// UnappliedView is an unapplied payment or credit formatted for a language:
// Label says what it is ("Payment received on 10 April 2026 (ref X), not
// yet allocated"), Amount is what the notice deducts.
type UnappliedView struct {
	Label, Amount string
}

// ChargeView is a fee or interest amount formatted for a language. For an
// interest line, Principal, Days and Year show how Amount follows:
// Principal x Rate x Days/Year. Invoice is the invoice number, with the
// part for a charge on one part of an invoice payable in parts
// ("INV-7, instalment 2 of 3").
//
// Basis is the legal basis of a statutory charge ("" for a contractual
// one); Netting, on a compensation line that covers reminder fees, says so
// ("EUR 40.00 less reminder fees of EUR 5.00").
type ChargeView struct {
	Label, Invoice, Amount, Rate, From, To string
	Principal, DayCount                    string
	Days, Year                             int
	Basis, Netting                         string
}

// View is what templates see: the notice itself (as N) and its values
// formatted for the notice's language and region.
type View struct {
	N *Notice
	// Lang is the base language ("de"); Locale the full tag ("de-AT").
	Lang, Locale     string
	Creditor, Debtor Party
	Date, PayBy      string
	// Number is the notice number, the customer's reference. Key is the
	// same number, for templates written before Number existed: templates
	// never see the internal idempotency key.
	Number, Key                               string
	Lines                                     []LineView
	Fees, Interest                            []ChargeView
	Principal, FeeTotal, InterestTotal, Total string
	// Unapplied are the unapplied payments and credits deducted from the
	// total, UnappliedTotal their sum ("" when there are none).
	Unapplied      []UnappliedView
	UnappliedTotal string
	// Payment is the notice's payment with Instructions in the notice's
	// language (from Payment.ByLanguage where it has one); Options are the
	// ways to pay, translated and joined.
	Payment        Payment
	Options        string
	MaxDaysOverdue int
	// Single is true on a notice about one invoice (singular wording),
	// lines of several of its instalments included.
	Single bool
	// First is true on the first notice about these invoices; Earlier are
	// the days of earlier notices, oldest first (AllEarlier: every invoice
	// on the notice had one), and EarlierList the same
	// joined in words ("3 April 2026 and 14 April 2026"); LastEarlier is
	// the most recent.
	First, AllEarlier        bool
	Earlier                  []string
	EarlierList, LastEarlier string
	// Next is what the workflow does if the notice goes unanswered: "",
	// "notice", "contact", "collection", "suspend", "restrict" or "cancel"
	// (see NextKind); NextStage names the next notice's stage
	// ("letter-before-action").
	Next, NextStage string

	// Law is the notice's jurisdiction ("uk", "de", "eu", "fr", "");
	// DebtorKind the debtor's ("company", "sole-trader", "consumer", "").
	// Protocol is true on a UK letter before action that follows the
	// Pre-Action Protocol for Debt Claims (Notice.DebtProtocol); Domestic
	// is true when the debtor's country is the law's (a German
	// Mahnbescheid is announced only then).
	Law, DebtorKind    string
	Protocol, Domestic bool
	// CreditorLegal are the creditor's legal footer lines
	// (Party.LegalLines).
	CreditorLegal []string
	// DailyInterest is the interest one more day adds
	// (Notice.DailyInterest), "" without interest.
	DailyInterest string
	// ContractRef and ContractDate name the agreement ("" when unknown).
	ContractRef, ContractDate string
	// Contact is the creditor's phone, else its email; Link the full
	// notice online ("" none).
	Contact, Link string
	// Charges is FeeTotal plus InterestTotal, "" when there are none;
	// Invoices lists the invoice numbers ("INV-1, INV-2").
	Charges, Invoices string
	// LinesText is the invoice list of the built-in text layout in the
	// notice's language (German where Lang is "de", else English), one
	// entry per line: "- Invoice INV-1 of 1 March 2026, due 31 March 2026:
	// Consulting (instalment 2 of 3)", then "  amount EUR 100.00, open
	// EUR 50.00, 14 days overdue" and, with a plan, "  payment plan
	// agreed: ...", each ending in a newline. The built-in layouts write it
	// in one action instead of about ten per line.
	LinesText string
}

// lineWords are the words of the built-in text layout's invoice list.
type lineWords struct{ invoice, of, due, amount, open, day, days, overdue, plan string }

// linesText is View.LinesText.
func linesText(lang string, lines []LineView) string {
	w := lineWords{"- Invoice ", " of ", ", due ", "  amount ", ", open ", "day", "days", " overdue", "  payment plan agreed: "}
	if lang == "de" {
		w = lineWords{"- Rechnung ", " vom ", ", fällig am ", "  Betrag ", ", offen ", "Tag", "Tage", " überfällig", "  vereinbarter Ratenplan: "}
	}
	var b strings.Builder
	b.Grow(len(lines) * 160)
	put := func(ss ...string) {
		for _, x := range ss {
			b.WriteString(x)
		}
	}
	for _, x := range lines {
		put(w.invoice, x.Number, w.of, x.Issued, w.due, x.Due, ": ", x.Description)
		if x.Instalment != "" {
			put(" (", x.Instalment, ")")
		}
		put("\n", w.amount, x.Amount, w.open, x.Open)
		if x.DaysOverdue != 0 {
			b.WriteString(", ")
			b.WriteString(strconv.Itoa(x.DaysOverdue))
			if x.DaysOverdue == 1 || x.DaysOverdue == -1 {
				put(" ", w.day)
			} else {
				put(" ", w.days)
			}
			b.WriteString(w.overdue)
		}
		b.WriteString("\n")
		if x.Plan != "" {
			put(w.plan, x.Plan, "\n")
		}
	}
	return b.String()
}

// NewView formats a notice for its templates, in n.Language. Set.Render
// formats it in the language of the template it resolves to, where that
// is another (see Render).
func NewView(n *Notice) *View {
	l := n.Language
	loc := localeOf(l) // once: every figure is in the notice's locale
	m := func(d decimal.Decimal) string { return loc.money(d, n.Currency, n.MinorUnits) }
	dt := func(d date.Date) string { return loc.date(d) }
	lang := baseLang(l)
	v := &View{
		N: n, Lang: lang, Locale: l, Creditor: n.Creditor, Debtor: n.Debtor, Date: dt(n.Date), PayBy: dt(n.PayBy),
		Number: n.Number, Key: n.Number,
		Principal: m(n.Principal()), FeeTotal: m(n.FeeTotal()), InterestTotal: m(n.InterestTotal()), Total: m(n.Total),
		Payment: n.Payment, Single: len(n.Lines) == 1, First: n.First(),
		Next: string(n.Next.Kind),
	}
	if n.Next.Kind == NextNotice && n.Next.Stage.Valid() {
		v.NextStage = n.Next.Stage.String()
	}
	v.Law, v.DebtorKind, v.Protocol = string(n.Law), string(n.Debtor.Kind), n.DebtProtocol()
	v.Domestic = n.Debtor.Country != "" && n.Debtor.Country == lawCountry(n.Law)
	v.CreditorLegal = n.Creditor.LegalLines(l)
	if len(n.Interest) > 0 {
		v.DailyInterest = m(n.DailyInterest())
	}
	v.ContractRef = n.Contract.Reference
	if n.Contract.Date != 0 {
		v.ContractDate = dt(n.Contract.Date)
	}
	v.Contact, v.Link = n.Creditor.Phone, n.Link
	if v.Contact == "" {
		v.Contact = n.Creditor.Email
	}
	if len(n.Fees) > 0 || len(n.Interest) > 0 {
		v.Charges = m(n.FeeTotal().Add(n.InterestTotal()))
	}
	nums := make([]string, 0, len(n.Lines))
	for _, x := range n.Lines {
		if !slices.Contains(nums, x.Number) { // instalments of one invoice: named once
			nums = append(nums, x.Number)
		}
	}
	v.Invoices = strings.Join(nums, ", ")
	v.Single = len(nums) == 1 // its instalments are one invoice
	v.Payment.Instructions = instructionsFor(n.Payment, l)
	opts := make([]string, len(n.Payment.Options))
	for i, o := range n.Payment.Options {
		opts[i] = optionName(lang, o)
	}
	v.Options = strings.Join(opts, ", ")
	if len(n.Lines) > 0 {
		v.Lines = make([]LineView, 0, len(n.Lines))
	}
	for _, x := range n.Lines {
		v.Lines = append(v.Lines, LineView{Number: x.Number, Issued: dt(x.IssueDate), Due: dt(x.DueDate), Description: x.Description, Amount: m(x.Amount), Open: m(x.Open), DaysOverdue: x.DaysOverdue, LastNotice: dt(x.LastNotice),
			Instalment: instalmentWords(lang, x.Instalment, x.Instalments), Plan: planWords(lang, x.Plan, m, dt)})
		v.Lines[len(v.Lines)-1].HTMLRow = htmlRow(&v.Lines[len(v.Lines)-1])
		v.MaxDaysOverdue = max(v.MaxDaysOverdue, x.DaysOverdue)
	}
	v.LinesText = linesText(lang, v.Lines)
	v.AllEarlier = len(n.Lines) > 0
	for _, x := range n.Lines {
		v.AllEarlier = v.AllEarlier && x.LastNotice != 0
	}
	for _, d := range n.Earlier {
		v.Earlier = append(v.Earlier, dt(d))
	}
	if k := len(v.Earlier); k > 0 {
		v.LastEarlier = v.Earlier[k-1]
		and := " and "
		if lang == "de" {
			and = " und "
		}
		v.EarlierList = v.Earlier[k-1]
		if k > 1 {
			v.EarlierList = strings.Join(v.Earlier[:k-1], ", ") + and + v.Earlier[k-1]
		}
	}
	cv := func(c Charge) ChargeView {
		r, p := "", ""
		if !c.Rate.IsZero() {
			r = FormatRate(l, c.Rate)
		}
		if !c.Principal.IsZero() {
			p = m(c.Principal)
		}
		dc := c.DayCount
		if dc == "" && c.Days > 0 {
			dc = "act/365"
		}
		netting := ""
		if c.Statutory.IsPositive() && c.Covered.IsPositive() {
			if lang == "de" {
				netting = m(c.Statutory) + " abzüglich bereits berechneter Mahngebühren von " + m(c.Covered)
			} else {
				netting = m(c.Statutory) + " less reminder fees of " + m(c.Covered) + " it covers"
			}
		}
		inv := c.Invoice
		if c.Instalment > 0 {
			// The part it is on, as its line names it: an invoice paid in
			// parts may have a line and a charge per part on one notice.
			for i := range n.Lines {
				if ln := &n.Lines[i]; ln.Number == c.Invoice && ln.Instalment == c.Instalment {
					inv += ", " + instalmentWords(lang, ln.Instalment, ln.Instalments)
					break
				}
			}
		}
		return ChargeView{Label: chargeLabel(lang, c.Label, c.Basis != "", n.Law), Invoice: inv, Amount: m(c.Amount), Rate: r, From: dt(c.From), To: dt(c.To),
			Principal: p, DayCount: dc, Days: c.Days, Year: int(yearDays(c.DayCount)), Basis: c.Basis, Netting: netting}
	}
	if len(n.Fees) > 0 {
		v.Fees = make([]ChargeView, 0, len(n.Fees))
	}
	for _, c := range n.Fees {
		v.Fees = append(v.Fees, cv(c))
	}
	for _, u := range n.Unapplied {
		v.Unapplied = append(v.Unapplied, UnappliedView{Label: unappliedWords(lang, u, dt), Amount: m(u.Amount)})
	}
	if len(n.Unapplied) > 0 {
		v.UnappliedTotal = m(n.UnappliedTotal())
	}
	if len(n.Interest) > 0 {
		v.Interest = make([]ChargeView, 0, len(n.Interest))
	}
	for _, c := range n.Interest {
		v.Interest = append(v.Interest, cv(c))
	}
	return v
}

// instructionsFor picks the payment text for a language tag: the exact
// tag, then its base language, then Instructions.
func instructionsFor(p Payment, tag string) string {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	keys := slices.Sorted(maps.Keys(p.ByLanguage))
	for _, want := range []string{t, baseLang(t)} {
		for _, k := range keys {
			if strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(k), "_", "-"), want) {
				return p.ByLanguage[k]
			}
		}
	}
	return p.Instructions
}

// optionName translates the usual ways to pay; any other text is kept.
func optionName(lang, o string) string {
	if lang != "de" {
		return o
	}
	switch strings.ToLower(strings.TrimSpace(o)) {
	case "bank transfer", "transfer":
		return "Banküberweisung"
	case "card", "credit card", "card payment":
		return "Kartenzahlung"
	case "card via the payment link":
		return "Kartenzahlung über den Zahlungslink"
	case "direct debit", "sepa direct debit":
		return "Lastschrift"
	case "cheque", "check":
		return "Scheck"
	case "payment link":
		return "Zahlungslink"
	case "paypal":
		return "PayPal"
	}
	return o
}

// lawPhrase names a foreign law in a charge's label: a claim under German
// law written in English says so.
func lawPhrase(lang string, law Jurisdiction) string {
	if lang == "de" {
		switch law {
		case UK:
			return " nach dem Recht des Vereinigten Königreichs"
		case FR:
			return " nach französischem Recht"
		}
		return ""
	}
	switch law {
	case DE:
		return " under German law"
	case FR:
		return " under French law"
	case UK:
		return " under UK law"
	}
	return ""
}

// chargeLabel names a charge in a language; statutory is true for a line
// with a legal basis, whose label then names the law it is due under.
func chargeLabel(lang, label string, statutory bool, law Jurisdiction) string {
	de := lang == "de"
	if label == "interest" {
		switch {
		case statutory && de:
			return "Verzugszinsen" + lawPhrase(lang, law)
		case statutory:
			return "Statutory interest" + lawPhrase(lang, law)
		case de:
			return "Vertragszinsen"
		}
		return "Contractual interest"
	}
	if label == "compensation" && statutory {
		if de {
			return "Pauschale für Beitreibungskosten" + lawPhrase(lang, law)
		}
		return "Fixed compensation for recovery costs" + lawPhrase(lang, law)
	}
	switch label {
	case "fee":
		if de {
			return "Mahngebühr"
		}
		return "Late fee"
	case "fees-earlier":
		if de {
			return "Gebühren aus früheren Mahnungen"
		}
		return "Fees from earlier notices"
	case "compensation":
		if de {
			return "Pauschale für Beitreibungskosten"
		}
		return "Fixed compensation for recovery costs"
	}
	return label
}
