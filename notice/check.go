package notice

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Item is one requirement of a jurisdiction's checklist. Each constant's
// comment states the requirement and its legal source; Source returns the
// source as a Finding cites it.
type Item string

const (
	// ItemRendered: Check reads what the customer reads, so the notice
	// must be rendered (Subject, Text) first.
	ItemRendered Item = "rendered"
	// ItemClaim: the text names the notice number and every invoice with
	// its open amount. Sources: Directive 2011/7/EU Art. 3(1), 4(1) (the
	// amount due); Practice Direction – Pre-Action Conduct para 6(a) and
	// Pre-Action Protocol for Debt Claims para 3.1(a) (the amount of the
	// debt); § 286 Abs. 1 BGB (a Mahnung names the claim unambiguously);
	// Art. L441-10 Code de commerce (the sums due).
	ItemClaim Item = "claim"
	// ItemDeadline: the text (and the HTML, where there is one) states a
	// pay-by date after the notice date. Sources: § 286 Abs. 1 BGB (the
	// Mahnung asks for performance); Practice Direction – Pre-Action
	// Conduct para 6(b) (a time to respond); Directive 2011/7/EU Art. 3(1)
	// (a date for payment).
	ItemDeadline Item = "deadline"
	// ItemPayByMinimum: the pay-by date leaves the days the law expects
	// (MinPayByDays): a UK letter before action 14 days to a business
	// (Practice Direction – Pre-Action Conduct para 6(b)), 30 days to an
	// individual or sole trader (Pre-Action Protocol for Debt Claims para
	// 4.1).
	ItemPayByMinimum Item = "pay-by-minimum"
	// ItemDebtorKind: the debtor's kind (company, sole trader, consumer) is
	// known, since it decides the rules: Directive 2011/7/EU Art. 1(1),
	// 2(1) (commercial transactions only); Late Payment of Commercial
	// Debts (Interest) Act 1998 s.2(1) and Pre-Action Protocol for Debt
	// Claims para 1.1; §§ 13, 14, 288 Abs. 1, 2 and 5 BGB; Art. L441-10
	// Code de commerce (between professionals).
	ItemDebtorKind Item = "debtor-kind"
	// ItemFriendlyNoCharges: a friendly reminder claims no fee,
	// compensation or interest: the debtor is not yet in default (§ 286
	// Abs. 1 BGB: the reminder that causes default is no cost of the
	// delay, §§ 280 Abs. 2, 286 BGB; Directive 2011/7/EU Art. 3(1), 6(1):
	// interest and compensation follow late payment).
	ItemFriendlyNoCharges Item = "friendly-no-charges"
	// ItemLegalBasis: every statutory charge (every compensation line, and
	// every line with a Basis) names its legal basis, and the text shows
	// it. Sources: Directive 2011/7/EU Art. 3, 4, 6; Late Payment of
	// Commercial Debts (Interest) Act 1998 ss.1, 5A; § 288 BGB; Art.
	// L441-10 Code de commerce; Pre-Action Protocol for Debt Claims para
	// 3.1(b) (details of interest and charges added).
	ItemLegalBasis Item = "legal-basis"
	// ItemStatutoryLabel: only statutory interest is called so ("Statutory
	// interest", "Verzugszinsen"); a contractual rate is not presented as
	// the law's. Sources: § 288 Abs. 1, 2 BGB; Late Payment of Commercial
	// Debts (Interest) Act 1998 s.1; Directive 2011/7/EU Art. 2(5)-(6).
	ItemStatutoryLabel Item = "statutory-label"
	// ItemCompensation: at most one fixed compensation per invoice, no more
	// than the law's sum: EUR 40 (Directive 2011/7/EU Art. 6(1); § 288
	// Abs. 5 S. 1 BGB; Art. L441-10 II, D441-5 Code de commerce), GBP
	// 40/70/100 by the debt (Late Payment of Commercial Debts (Interest)
	// Act 1998 s.5A(2)).
	ItemCompensation Item = "compensation"
	// ItemBusinessOnly: no fixed compensation and no business-to-business
	// statutory interest where a consumer is party, debtor or creditor:
	// Directive 2011/7/EU Art. 1(1), 2(1); Late Payment of Commercial
	// Debts (Interest) Act 1998 s.2(1); § 288 Abs. 1 (5 points), Abs. 2
	// (9 points only where no consumer is party) and 5 BGB (the lump sum
	// only from a debtor who is no consumer); Art. L441-10 Code de
	// commerce. Under German law the one statutory interest a claim with
	// a consumer on either side bears is § 288 Abs. 1 BGB's (a line citing
	// another basis is reported), and a fee line citing § 288 Abs. 5 BGB
	// is a fixed compensation whatever its label; a consumer creditor may
	// claim it from a business.
	ItemBusinessOnly Item = "business-only"
	// ItemFeesNetted: reminder fees on an invoice that carries the fixed
	// compensation are covered by it; only costs above it may be claimed,
	// so the compensation line is at most the fixed sum less those fees.
	// Sources: Directive 2011/7/EU Art. 6(1), 6(3) and CJEU C-287/17
	// (Česká pojišťovna); § 288 Abs. 5 S. 3 BGB; Late Payment of Commercial
	// Debts (Interest) Act 1998 s.5A(2A); Art. D441-5 Code de commerce.
	ItemFeesNetted Item = "fees-netted"
	// ItemConsequence: a notice states a consequence (a collection agency,
	// court proceedings) only where the workflow's next step (Next) or the
	// stage itself is that step: a threat nothing backs up misleads.
	// Sources: Directive 2005/29/EC Art. 6(1)(g) and § 5 UWG (misleading
	// statements); Consumer Protection from Unfair Trading Regulations
	// 2008 reg. 5; Art. L121-2 Code de la consommation.
	ItemConsequence Item = "consequence"
	// ItemMahnbescheidAbroad: a German notice announces a Mahnbescheid only
	// to a debtor in Germany: abroad the Mahnverfahren is open only where
	// service is possible under the AVAG (§ 688 Abs. 3 ZPO), and the
	// creditor may not be able to use it.
	ItemMahnbescheidAbroad Item = "mahnbescheid-abroad"
	// ItemCreditorFooter: a letter or email from a company states its
	// register entry: a German GmbH or AG its legal form, seat, register
	// court and number and its managing directors (§ 35a GmbHG, § 80 AktG,
	// § 37a HGB), each with a given name written out, an AG and a KGaA
	// also the chair of its supervisory board (§§ 80 Abs. 1, 278 Abs. 3
	// AktG), a registered sole trader (e.K.) all but the directors
	// (§ 37a HGB), an unregistered one nothing, nor a GbR or an e.V.
	// (no law asks them for a register entry); a UK company its registered name, the part of the UK it
	// is registered in, its number and its registered office (Companies
	// Act 2006 s.82; Company, Limited Liability Partnership and Business
	// (Names and Trading Disclosures) Regulations 2015 reg. 25); a French
	// company its RCS and number (Art. R123-237 Code de commerce).
	ItemCreditorFooter Item = "creditor-footer"
	// ItemUKClaimBasis: a UK letter before action (by letter or email; a
	// text message only points to it) states the basis of the
	// claim: the agreement's reference and date and the parties to it
	// (Practice Direction – Pre-Action Conduct para 6(a); Pre-Action
	// Protocol for Debt Claims para 3.1(a)(iv)).
	ItemUKClaimBasis Item = "uk-claim-basis"
	// ItemUKInterestContinues: a UK letter before action with interest
	// says it continues and gives the daily amount (Pre-Action Protocol
	// for Debt Claims para 3.1(a)(ii) and 3.1(c)).
	ItemUKInterestContinues Item = "uk-interest-continues"
	// ItemUKDispute: a UK letter before action says how to dispute the
	// claim and names the key documents (Practice Direction – Pre-Action
	// Conduct para 6(a)-(c)).
	ItemUKDispute Item = "uk-dispute"
	// ItemUKADR: a UK letter before action invites alternative dispute
	// resolution (Practice Direction – Pre-Action Conduct paras 8-11).
	ItemUKADR Item = "uk-adr"
	// ItemUKDebtProtocol: a UK letter before action to an individual or
	// sole trader follows the Pre-Action Protocol for Debt Claims: it
	// lists the statement of account, the Information Sheet, the Reply
	// Form and the Financial Statement it encloses (para 3.1(b), (d)-(f)),
	// gives the address for the Reply Form (para 3.1(e)) and goes by post
	// (para 3.2).
	ItemUKDebtProtocol Item = "uk-debt-protocol"
	// ItemSMSStandalone: a text message stands alone: the notice number, a
	// contact of the creditor, a pointer to the full notice, and the
	// principal overdue apart from fees and interest (§ 286 Abs. 1 BGB;
	// Pre-Action Protocol for Debt Claims para 3.1(a)(i)-(ii)).
	ItemSMSStandalone Item = "sms-standalone"
	// ItemSMSNoLetter: a text message never claims a letter was sent: the
	// SMS knows only itself (Directive 2005/29/EC Art. 6(1); § 5 UWG;
	// Consumer Protection from Unfair Trading Regulations 2008 reg. 5).
	ItemSMSNoLetter Item = "sms-no-letter"
)

// Finding is an item of the checklist a notice misses or gets wrong.
type Finding struct {
	Item   Item   `json:"item"`
	Source string `json:"source"` // the legal source of the requirement
	Detail string `json:"detail"` // what is missing or wrong
}

// String is "item: detail (source)".
func (f Finding) String() string { return string(f.Item) + ": " + f.Detail + " (" + f.Source + ")" }

var commonItems = []Item{ItemClaim, ItemDeadline, ItemDebtorKind, ItemFriendlyNoCharges, ItemLegalBasis, ItemStatutoryLabel,
	ItemConsequence, ItemCreditorFooter, ItemSMSStandalone, ItemSMSNoLetter}

// Checklist returns the items of a jurisdiction's checklist, in the order
// Check reports them; "" gives the items every notice must meet.
func Checklist(j Jurisdiction) []Item {
	items := slices.Clone(commonItems)
	if j == "" {
		return slices.DeleteFunc(items, func(it Item) bool { return it == ItemDebtorKind })
	}
	switch j {
	case EU, FR:
		items = append(items, ItemCompensation, ItemBusinessOnly, ItemFeesNetted)
	case DE:
		items = append(items, ItemCompensation, ItemBusinessOnly, ItemFeesNetted, ItemMahnbescheidAbroad)
	case UK:
		items = append(items, ItemPayByMinimum, ItemCompensation, ItemBusinessOnly, ItemFeesNetted,
			ItemUKClaimBasis, ItemUKInterestContinues, ItemUKDispute, ItemUKADR, ItemUKDebtProtocol)
	}
	return items
}

// Source returns the legal source of an item under a jurisdiction's law.
func (it Item) Source(j Jurisdiction) string {
	pick := func(eu, uk, de, fr string) string {
		switch j {
		case UK:
			return uk
		case DE:
			return de
		case FR:
			return fr
		}
		return eu
	}
	switch it {
	case ItemRendered:
		return "Check reads the rendered notice"
	case ItemClaim:
		return pick("Directive 2011/7/EU Art. 3(1), 4(1)", "Practice Direction – Pre-Action Conduct para 6(a); Pre-Action Protocol for Debt Claims para 3.1(a)", "§ 286 Abs. 1 BGB", "Art. L441-10 Code de commerce")
	case ItemDeadline:
		return pick("Directive 2011/7/EU Art. 3(1)", "Practice Direction – Pre-Action Conduct para 6(b)", "§ 286 Abs. 1 BGB", "Art. L441-10 Code de commerce")
	case ItemPayByMinimum:
		return "Practice Direction – Pre-Action Conduct para 6(b); Pre-Action Protocol for Debt Claims para 4.1"
	case ItemDebtorKind:
		return pick("Directive 2011/7/EU Art. 1(1), 2(1)", "Late Payment of Commercial Debts (Interest) Act 1998 s.2(1); Pre-Action Protocol for Debt Claims para 1.1", "§§ 13, 14, 288 BGB", "Art. L441-10 Code de commerce")
	case ItemFriendlyNoCharges:
		return pick("Directive 2011/7/EU Art. 3(1), 6(1)", "Late Payment of Commercial Debts (Interest) Act 1998 ss.4, 5A", "§§ 280 Abs. 2, 286 Abs. 1 BGB", "Art. L441-10 Code de commerce")
	case ItemLegalBasis:
		return pick("Directive 2011/7/EU Art. 3, 4, 6", "Late Payment of Commercial Debts (Interest) Act 1998 ss.1, 5A; Pre-Action Protocol for Debt Claims para 3.1(b)", "§ 288 BGB", "Art. L441-10 Code de commerce")
	case ItemStatutoryLabel:
		return pick("Directive 2011/7/EU Art. 2(5)-(6)", "Late Payment of Commercial Debts (Interest) Act 1998 s.1", "§ 288 Abs. 1, 2 BGB", "Art. L441-10 Code de commerce")
	case ItemCompensation:
		return pick("Directive 2011/7/EU Art. 6(1)", "Late Payment of Commercial Debts (Interest) Act 1998 s.5A(2)", "§ 288 Abs. 5 S. 1 BGB", "Art. L441-10 II, D441-5 Code de commerce")
	case ItemBusinessOnly:
		return pick("Directive 2011/7/EU Art. 1(1), 2(1)", "Late Payment of Commercial Debts (Interest) Act 1998 s.2(1)", "§ 288 Abs. 1, 2, 5 BGB", "Art. L441-10 Code de commerce")
	case ItemFeesNetted:
		return pick("Directive 2011/7/EU Art. 6(1), 6(3); CJEU C-287/17", "Late Payment of Commercial Debts (Interest) Act 1998 s.5A(2A)", "§ 288 Abs. 5 S. 3 BGB", "Art. D441-5 Code de commerce")
	case ItemConsequence:
		return pick("Directive 2005/29/EC Art. 6(1)", "Consumer Protection from Unfair Trading Regulations 2008 reg. 5", "§ 5 UWG", "Art. L121-2 Code de la consommation")
	case ItemMahnbescheidAbroad:
		return "§ 688 Abs. 3 ZPO"
	case ItemCreditorFooter:
		return "§ 35a GmbHG, § 80 AktG, § 37a HGB; Companies Act 2006 s.82 and the Trading Disclosures Regulations 2015 reg. 25; Art. R123-237 Code de commerce"
	case ItemUKClaimBasis:
		return "Practice Direction – Pre-Action Conduct para 6(a); Pre-Action Protocol for Debt Claims para 3.1(a)(iv)"
	case ItemUKInterestContinues:
		return "Pre-Action Protocol for Debt Claims para 3.1(a)(ii), 3.1(c)"
	case ItemUKDispute:
		return "Practice Direction – Pre-Action Conduct para 6(a)-(c)"
	case ItemUKADR:
		return "Practice Direction – Pre-Action Conduct paras 8-11"
	case ItemUKDebtProtocol:
		return "Pre-Action Protocol for Debt Claims para 3.1(b), (d)-(f), 3.2"
	case ItemSMSStandalone:
		return pick("Directive 2011/7/EU Art. 3(1)", "Pre-Action Protocol for Debt Claims para 3.1(a)", "§ 286 Abs. 1 BGB", "Art. L441-10 Code de commerce")
	case ItemSMSNoLetter:
		return pick("Directive 2005/29/EC Art. 6(1)", "Consumer Protection from Unfair Trading Regulations 2008 reg. 5", "§ 5 UWG", "Art. L121-2 Code de la consommation")
	}
	return ""
}

// phrases are the words the wording items look for, per base language
// (any other language is read as English).
type phrases struct {
	collection, court, mahnbescheid []string
	statutory                       []string
	interestGoesOn                  []string
	dispute, documents, adr         []string
	protocol                        []string // statement of account, Information Sheet, Reply Form, Financial Statement
	fullNotice                      []string
	letter                          []string
}

func phrasesFor(lang string) phrases {
	if baseLang(lang) == "de" {
		return phrases{
			collection:     []string{"Inkasso"},
			court:          []string{"gerichtlich", "Gerichtsverfahren", "Mahnbescheid", "Klage"},
			mahnbescheid:   []string{"Mahnbescheid", "Mahnverfahren"},
			statutory:      []string{"Verzugszinsen", "gesetzliche Zinsen"},
			interestGoesOn: []string{"weiter"},
			dispute:        []string{"bestreiten"},
			documents:      []string{"Unterlagen"},
			adr:            []string{"außergerichtliche Streitbeilegung", "Mediation"},
			protocol:       []string{"Kontoauszug", "Information Sheet", "Reply Form", "Financial Statement"},
			fullNotice:     []string{"Vollständige Mahnung"},
			letter:         []string{"Brief", "Schreiben", "per Post"},
		}
	}
	return phrases{
		collection:     []string{"collection agency", "debt collector"},
		court:          []string{"court", "proceedings", "claim against you", "payment order"},
		mahnbescheid:   []string{"Mahnbescheid", "payment order"},
		statutory:      []string{"Statutory interest", "statutory interest", "Default interest"},
		interestGoesOn: []string{"continue"},
		dispute:        []string{"you dispute"},
		documents:      []string{"documents"},
		adr:            []string{"alternative dispute resolution", "mediation"},
		protocol:       []string{"statement of account", "Information Sheet", "Reply Form", "Financial Statement"},
		fullNotice:     []string{"Full notice"},
		letter:         []string{"letter", "Letter", "by post"},
	}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// companyForm reports whether a German legal form must name its managing
// directors or board on business letters (§ 35a GmbHG, § 80 AktG, § 25a
// GenG): GmbH, UG, AG, KGaA, SE, and a registered cooperative (eG, which
// names its Vorstand, and its supervisory board's chair where it has one).
func companyForm(form string) bool {
	return formHas(form, "GmbH", "gGmbH", "UG", "AG", "KGaA", "SE", "eG")
}

// registeredMerchant reports whether a name carries the designation only
// a registered Kaufmann may carry (§ 19 Abs. 1 Nr. 1 HGB: "eingetragener
// Kaufmann", "eingetragene Kauffrau" or a common abbreviation, "e.K.",
// "e.Kfm.", "e.Kfr."): its letters then owe the § 37a HGB particulars.
func registeredMerchant(name string) bool {
	for _, d := range []string{"e.K.", "e. K.", "e.Kfm.", "e. Kfm.", "e.Kfr.", "e. Kfr.", "eingetragener Kaufmann", "eingetragene Kauffrau"} {
		if namesForm(name, d) {
			return true
		}
	}
	return false
}

// supervisedForm reports whether a German legal form must have a
// supervisory board whose chair its letters name: an AG (§§ 95, 107 Abs. 1,
// 80 Abs. 1 S. 1 AktG) and a KGaA (§§ 278 Abs. 3, 287 AktG). Not a
// partnership with an AG as partner ("AG & Co. KG": § 125a Abs. 1 S. 2 HGB
// asks for the AG's particulars only where no partner is a natural
// person, which the form does not tell), nor a GmbH: it names its chair
// only where it has formed an Aufsichtsrat with one (§ 35a Abs. 1 GmbHG),
// which the registration cannot tell either.
func supervisedForm(form string) bool {
	return formHas(form, "AG", "KGaA") && !formHas(form, "KG", "OHG")
}

// noRegisterDutyDE reports whether a German creditor's form (or, where
// none is given, its name) is one no law asks to state a register entry
// on its letters: a Gesellschaft bürgerlichen Rechts, which need not register
// (§ 707 Abs. 1 BGB: its partners "können" register it) and is no
// Kaufmann, OHG, KG, GmbH or AG (§§ 37a, 125a HGB, § 35a GmbHG, § 80 AktG
// bind those), and an eingetragener Verein, for which no such rule exists.
// A registered GbR ("eGbR", § 707a Abs. 2 BGB) is not exempted here.
func noRegisterDutyDE(form, name string) bool {
	s := form
	if s == "" {
		s = name
	}
	if formHas(s, "GbR") || (strings.Contains(s, "Gesellschaft bürgerlichen Rechts") && !strings.Contains(s, "eingetragene Gesellschaft")) {
		return true
	}
	for _, d := range []string{"e.V.", "e. V.", "eV", "eingetragener Verein"} {
		if namesForm(s, d) {
			return true
		}
	}
	return false
}

// companyName reports whether a name is a company's (it carries a legal
// form): a KGaA's persönlich haftender Gesellschafter may be one, and has
// no given name.
func companyName(name string) bool {
	return formHas(name, "GmbH", "gGmbH", "mbH", "UG", "AG", "KGaA", "SE", "KG", "OHG", "eG", "Ltd", "plc", "B.V.", "N.V.", "SA", "SAS", "SARL")
}

// givenNameWritten reports whether a person's name holds at least one
// given name written out beside the family name (the last word, or the
// part before a comma: "Roth, Eva"): a word with two letters or more (or
// one of a script without case), not ending in a full stop ("E.", "Dr."),
// and not lower-case ("von", "zu"); a hyphenated name counts if one part
// does ("Hans-P."). "Eva Roth", "Dr. Eva von Roth" and "J. Eva Roth" hold
// one; "E. Roth", "Dr. E. Roth", "J.-P. Martin" and "Roth" do not.
func givenNameWritten(name string) bool {
	var given []string
	if family, rest, ok := strings.Cut(name, ","); ok && strings.TrimSpace(family) != "" {
		given = strings.Fields(rest)
	} else if f := strings.Fields(name); len(f) > 1 {
		given = f[:len(f)-1]
	}
	for _, w := range given {
		for _, part := range strings.Split(w, "-") {
			if writtenOut(part) {
				return true
			}
		}
	}
	return false
}

// writtenOut reports whether w is a name written out, not an initial or
// an abbreviation.
func writtenOut(w string) bool {
	first, _ := utf8.DecodeRuneInString(w)
	if w == "" || strings.HasSuffix(w, ".") || unicode.IsLower(first) {
		return false
	}
	letters := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	return letters > 1 || (letters == 1 && unicode.IsLetter(first) && !unicode.IsUpper(first))
}

// consumerParty says which party of a claim is a consumer, as a finding
// puts it ("from a consumer", "by a consumer creditor"), or "" where
// neither is. The business-to-business regime binds claims between
// businesses only: § 288 Abs. 2 BGB's nine points hold "bei
// Rechtsgeschäften, an denen ein Verbraucher nicht beteiligt ist", the
// creditor included; Directive 2011/7/EU covers transactions between
// undertakings (Art. 2(1)), the UK Act contracts where "the purchaser and
// the supplier are each acting in the course of a business" (s.2(1)).
func consumerParty(n *Notice) string {
	switch {
	case n.Debtor.Kind == Consumer:
		return "from a consumer"
	case n.Creditor.Kind == Consumer:
		return "by a consumer creditor"
	}
	return ""
}

// consumerInterestDE reports whether a statutory interest line's basis is
// the one German law gives where a consumer is party (consumerParty),
// debtor or creditor: § 288 Abs. 1 BGB (five
// points above the base rate), not Abs. 2 (nine points, "bei
// Rechtsgeschäften, an denen ein Verbraucher nicht beteiligt ist"), nor
// another law's business-to-business rate (Directive 2011/7/EU, the UK
// Act, the Code de commerce).
func consumerInterestDE(basis string) bool {
	return strings.Contains(basis, "288 Abs. 1") && !strings.Contains(basis, "Abs. 2") && !strings.Contains(basis, "Abs. 1, 2")
}

// lawCountry is the country whose companies the law's footer rules bind.
func lawCountry(j Jurisdiction) string {
	switch j {
	case UK:
		return "GB"
	case DE:
		return "DE"
	case FR:
		return "FR"
	}
	return ""
}

// FeesOn returns the reminder fees a notice charges on an invoice: the
// lines labelled "fee" or "fees-earlier" naming it, and those naming no
// invoice when it is the notice's first (a step fee is booked on the first
// invoice). A compensation line on the invoice covers them (Charge.Covered).
func (n *Notice) FeesOn(inv string) decimal.Decimal { return n.feesOn(inv, -1) }

// FeesOnPart is FeesOn for one part of an invoice payable in parts (part,
// as Line.Instalment and Charge.Instalment count it; 0 the invoice as a
// whole): the fee lines naming that part, and those naming no invoice when
// that part is the notice's first line. A compensation line on the part
// covers them.
func (n *Notice) FeesOnPart(inv string, part int) decimal.Decimal { return n.feesOn(inv, part) }

// feesOn is FeesOn (part -1: every part) and FeesOnPart.
func (n *Notice) feesOn(inv string, part int) decimal.Decimal {
	s := decimal.Zero
	for _, c := range n.Fees {
		if c.Label != "fee" && c.Label != "fees-earlier" {
			continue
		}
		num, k := c.Invoice, c.Instalment
		if num == "" && len(n.Lines) > 0 {
			num, k = n.Lines[0].Number, n.Lines[0].Instalment
		}
		if num == inv && (part < 0 || k == part) {
			s = s.Add(c.Amount)
		}
	}
	return s
}

// Check holds a rendered notice against the checklist of jurisdiction j
// (n.Law when j is "") and returns the items it misses or gets wrong, each
// with its legal source, in checklist order; nil when it meets them all.
// It reads the notice's data and what the customer reads (Subject, Text,
// HTML): an unrendered notice gets one finding, ItemRendered. A statement
// of account (Notice.Statement) makes no claim: a rendered one gets none
// (Render has held it to what a statement must show).
func Check(n *Notice, j Jurisdiction) []Finding {
	if j == "" {
		j = n.Law
	}
	if strings.TrimSpace(n.Text) == "" {
		return []Finding{{Item: ItemRendered, Source: ItemRendered.Source(j), Detail: "the notice has no rendered text"}}
	}
	if n.Statement != nil {
		return nil // no claim: Render holds a statement to what it must show
	}
	var out []Finding
	for _, it := range Checklist(j) {
		for _, d := range checkItem(n, j, it) {
			out = append(out, Finding{Item: it, Source: it.Source(j), Detail: d})
		}
	}
	return out
}

// checkItem returns what a notice misses of one item ("" never).
func checkItem(n *Notice, j Jurisdiction, it Item) []string {
	var bad []string
	fail := func(format string, a ...any) { bad = append(bad, fmt.Sprintf(format, a...)) }
	l := n.Language
	ph := phrasesFor(l)
	text := n.Subject + "\n" + n.Text
	// The wording items read the letter without the creditor's footer
	// ("Amtsgericht" is no announcement of court proceedings).
	wording, html := text, n.HTML
	for _, line := range n.Creditor.LegalLines(l) {
		wording, html = strings.ReplaceAll(wording, line, ""), strings.ReplaceAll(html, line, "")
	}
	sms := n.Channel == SMS
	money := func(d decimal.Decimal) string { return FormatMoney(l, d, n.Currency, n.MinorUnits) }
	switch it {
	case ItemClaim:
		if !strings.Contains(text, n.Number) {
			fail("the notice number %s is not shown", n.Number)
		}
		if sms {
			break // the SMS item asks for the principal instead
		}
		for _, ln := range n.Lines {
			if !strings.Contains(text, ln.Number) || !strings.Contains(text, money(ln.Open)) {
				fail("invoice %s with its open amount %s is not shown", ln.Number, money(ln.Open))
			}
		}
	case ItemDeadline:
		pb := FormatDate(l, n.PayBy)
		if n.PayBy == 0 || n.PayBy <= n.Date {
			fail("no pay-by date after the notice date")
		} else if !strings.Contains(text, pb) {
			fail("the pay-by date %s is not stated", pb)
		} else if n.HTML != "" && !strings.Contains(n.HTML, pb) {
			fail("the HTML does not state the pay-by date %s", pb)
		}
	case ItemPayByMinimum:
		if min, _ := MinPayByDays(j, n.Stage, n.Debtor.Kind); min > 0 && int(n.PayBy-n.Date) < min {
			fail("%d days to pay, the rules expect at least %d", int(n.PayBy-n.Date), min)
		}
	case ItemDebtorKind:
		if !n.Debtor.Kind.Valid() {
			fail("the debtor's kind (company, sole trader or consumer) is not known")
		}
	case ItemFriendlyNoCharges:
		if n.Stage == FriendlyReminder && (len(n.Fees) > 0 || len(n.Interest) > 0) {
			fail("a friendly reminder charges fees or interest")
		}
	case ItemLegalBasis:
		for _, c := range slices.Concat(n.Fees, n.Interest) {
			if c.Label == "compensation" && c.Basis == "" {
				fail("the compensation on invoice %s names no legal basis", c.Invoice)
			} else if c.Basis != "" && !sms && !strings.Contains(text, c.Basis) {
				fail("the legal basis %q of a %s line is not shown", c.Basis, c.Label)
			}
		}
	case ItemStatutoryLabel:
		statutory := false
		for _, c := range n.Interest {
			statutory = statutory || c.Basis != ""
		}
		if !statutory && containsAny(text, ph.statutory) {
			fail("contractual interest is labelled as statutory interest")
		}
	case ItemCompensation:
		// Once per invoice, or per part of one payable in parts: the law
		// grants it on each part paid late (§ 288 Abs. 5 S. 2 BGB,
		// Directive 2011/7/EU Art. 5).
		type part struct {
			inv string
			k   int
		}
		seen := map[part]bool{}
		for _, c := range n.Fees {
			if c.Label != "compensation" {
				continue
			}
			if seen[part{c.Invoice, c.Instalment}] {
				fail("a second compensation on invoice %s%s", c.Invoice, partText(c.Instalment))
			}
			seen[part{c.Invoice, c.Instalment}] = true
			max, ok := n.compensationDue(j, c)
			if !ok {
				fail("the law grants no fixed compensation in %s", n.Currency)
			} else if c.Amount.GreaterThan(max) || (!c.Statutory.IsZero() && !c.Statutory.Equal(max)) {
				fail("compensation %s on invoice %s, the law grants %s", money(c.Amount), c.Invoice, money(max))
			}
		}
	case ItemBusinessOnly:
		// A consumer on either side takes the claim out of the
		// business-to-business regime (consumerParty); only German law's
		// lump sum asks about the debtor alone (§ 288 Abs. 5 S. 1 BGB).
		who := consumerParty(n)
		if who == "" {
			break
		}
		if n.Debtor.Kind == Consumer || j != DE {
			for _, c := range n.Fees {
				if c.Label == "compensation" || (j == DE && strings.Contains(c.Basis, "288 Abs. 5")) {
					fail("a fixed compensation claimed %s", who)
				}
			}
		}
		for _, c := range n.Interest {
			if b := c.Basis; b != "" && (j != DE || !consumerInterestDE(b)) {
				fail("business-to-business statutory interest (%s) claimed %s", b, who)
			}
		}
	case ItemFeesNetted:
		for _, c := range n.Fees {
			if c.Label != "compensation" {
				continue
			}
			max, ok := n.compensationDue(j, c)
			if !ok {
				continue // ItemCompensation reports it
			}
			fees := n.FeesOnPart(c.Invoice, c.Instalment)
			if allowed := decimal.Max(decimal.Zero, max.Sub(fees)); c.Amount.GreaterThan(allowed) {
				fail("invoice %s: reminder fees %s beside compensation %s; the fixed sum covers them, at most %s may be added", c.Invoice, money(fees), money(c.Amount), money(allowed))
			}
		}
	case ItemConsequence:
		all := wording + "\n" + html
		if n.Next.Kind != NextCollection && containsAny(all, ph.collection) {
			fail("a collection agency is announced, but the workflow's next step is not one")
		}
		courtOK := n.Stage == LetterBeforeAction || (n.Next.Kind == NextNotice && n.Next.Stage == LetterBeforeAction) || n.Next.Kind == NextCollection
		if !courtOK && containsAny(all, ph.court) {
			fail("court proceedings are announced, but no letter before action or collection follows")
		}
	case ItemMahnbescheidAbroad:
		if n.Debtor.Country != "DE" && containsAny(wording+"\n"+html, ph.mahnbescheid) {
			fail("a Mahnbescheid is announced to a debtor outside Germany (country %q)", n.Debtor.Country)
		}
	case ItemCreditorFooter:
		if sms {
			break
		}
		cr := n.Creditor
		country := cr.Country
		if country == "" {
			country = lawCountry(j)
		}
		r := cr.Registration
		if cr.Kind == Consumer && r.IsZero() {
			return nil // a consumer has no business letters to disclose on
		}
		if cr.Kind == SoleTrader && r.IsZero() && !(country == "DE" && registeredMerchant(cr.Name)) {
			return nil // an unregistered sole trader has no register entry to state
		}
		var need []string
		switch country {
		case "DE":
			if noRegisterDutyDE(r.Form, cr.Name) {
				break // no law asks its letters for a register entry; what it gives is shown
			}
			need = []string{"form", "office", "register", "number"}
			if companyForm(r.Form) {
				need = append(need, "directors")
			}
			if supervisedForm(r.Form) {
				need = append(need, "supervisory board chair")
			}
			if companyForm(r.Form) {
				// Every person named: family name and at least one given
				// name written out (§ 35a Abs. 1 GmbHG, § 80 Abs. 1 AktG).
				for _, d := range r.Directors {
					if !companyName(d) && !givenNameWritten(d) {
						fail("the director %q is named without a given name written out", d)
					}
				}
				for _, c := range []struct{ what, name string }{{"board chair", r.BoardChair}, {"supervisory board chair", r.SupervisoryChair}} {
					if c.name != "" && !slices.Contains(r.Directors, c.name) && !givenNameWritten(c.name) {
						fail("the %s %q is named without a given name written out", c.what, c.name)
					}
				}
			}
		case "GB":
			need = []string{"register", "number", "office"}
		case "FR":
			need = []string{"form", "register", "number"}
		default:
			return nil
		}
		have := map[string]bool{"form": r.Form != "", "office": r.Office != "", "register": r.Register != "", "number": r.Number != "", "directors": len(r.Directors) > 0,
			"supervisory board chair": r.SupervisoryChair != ""}
		var lacks []string
		for _, f := range need {
			if !have[f] {
				lacks = append(lacks, f)
			}
		}
		if len(lacks) > 0 {
			fail("the creditor's registration lacks its %s", strings.Join(lacks, ", "))
		}
		for _, line := range cr.LegalLines(l) {
			if !strings.Contains(n.Text, line) {
				fail("the legal footer line %q is not shown", line)
			}
		}
	case ItemUKClaimBasis:
		if n.Stage != LetterBeforeAction || sms {
			break
		}
		if n.Contract.Reference == "" || n.Contract.Date == 0 {
			fail("the agreement's reference and date are not known")
		} else if !strings.Contains(text, n.Contract.Reference) || !strings.Contains(text, FormatDate(l, n.Contract.Date)) {
			fail("the agreement %s of %s is not stated", n.Contract.Reference, FormatDate(l, n.Contract.Date))
		}
		if !strings.Contains(text, n.Creditor.Name) || !strings.Contains(text, n.Debtor.Name) {
			fail("the parties are not both named")
		}
	case ItemUKInterestContinues:
		if n.Stage != LetterBeforeAction || len(n.Interest) == 0 || sms {
			break
		}
		if !containsAny(text, ph.interestGoesOn) || !strings.Contains(text, money(n.DailyInterest())) {
			fail("it does not say that interest continues at %s a day", money(n.DailyInterest()))
		}
	case ItemUKDispute:
		if n.Stage == LetterBeforeAction && !sms && (!containsAny(text, ph.dispute) || !containsAny(text, ph.documents)) {
			fail("it does not say how to dispute the claim and which documents it rests on")
		}
	case ItemUKADR:
		if n.Stage == LetterBeforeAction && !sms && !containsAny(text, ph.adr) {
			fail("it does not mention alternative dispute resolution")
		}
	case ItemUKDebtProtocol:
		if !n.DebtProtocol() || sms {
			break
		}
		for _, w := range ph.protocol {
			if !strings.Contains(text, w) {
				fail("the enclosure %q is not listed", w)
			}
		}
		if len(n.Creditor.Address) == 0 || !strings.Contains(text, n.Creditor.Address[0]) {
			fail("no address to return the Reply Form to")
		}
		if n.Channel != Letter {
			fail("the letter of claim goes by %s; the Protocol expects it by post", n.Channel)
		}
	case ItemSMSStandalone:
		if !sms {
			break
		}
		if !strings.Contains(text, n.Number) {
			fail("no notice number")
		}
		if (n.Creditor.Phone == "" || !strings.Contains(text, n.Creditor.Phone)) && (n.Creditor.Email == "" || !strings.Contains(text, n.Creditor.Email)) {
			fail("no contact of the creditor")
		}
		if (n.Link == "" || !strings.Contains(text, n.Link)) && !containsAny(text, ph.fullNotice) {
			fail("no pointer to the full notice")
		}
		if !strings.Contains(text, money(n.Principal())) {
			fail("the principal %s is not stated apart from the charges", money(n.Principal()))
		}
	case ItemSMSNoLetter:
		if sms && containsAny(text, ph.letter) {
			fail("the text message speaks of a letter")
		}
	}
	return bad
}

// partText names part k of an invoice in a finding ("" for the whole).
func partText(k int) string {
	if k == 0 {
		return ""
	}
	return fmt.Sprintf(" (instalment %d)", k)
}

// compensationDue is the fixed compensation the law of j grants on the
// invoice of compensation line c (from that invoice's open balance), or the
// statutory sum the app converted for an invoice in another currency.
func (n *Notice) compensationDue(j Jurisdiction, c Charge) (decimal.Decimal, bool) {
	open, exact := decimal.Zero, false
	for _, ln := range n.Lines {
		if ln.Number == c.Invoice && (!exact || ln.Instalment == c.Instalment) {
			open, exact = ln.Open, ln.Instalment == c.Instalment
		}
	}
	max, ok := StatutoryCompensation(j, n.Currency, open)
	if !ok && c.Statutory.IsPositive() {
		max, ok = c.Statutory, true
	}
	return max, ok
}
