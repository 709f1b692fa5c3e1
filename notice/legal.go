package notice

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// PartyKind is what kind of person a party is; the rules differ (the
// interest margin in Germany, the Debt Protocol in the UK, no fixed
// compensation from a consumer).
type PartyKind string

const (
	// Company is a business that is not a natural person: a company, a
	// partnership, a public body.
	Company PartyKind = "company"
	// SoleTrader is a natural person acting in the course of a business.
	SoleTrader PartyKind = "sole-trader"
	// Consumer is a natural person acting outside any business.
	Consumer PartyKind = "consumer"
)

// Valid reports whether k is one of the three kinds.
func (k PartyKind) Valid() bool { return k == Company || k == SoleTrader || k == Consumer }

// UnmarshalText reads a kind's name ("" is unknown) and refuses any other.
func (k *PartyKind) UnmarshalText(b []byte) error {
	v := PartyKind(b)
	if v != "" && !v.Valid() {
		return fmt.Errorf("notice: party kind %q: want company, sole-trader or consumer", string(b))
	}
	*k = v
	return nil
}

// Business reports whether k acts in the course of a business (a company
// or a sole trader).
func (k PartyKind) Business() bool { return k == Company || k == SoleTrader }

// Individual reports whether k is a natural person (a sole trader or a
// consumer): the UK Pre-Action Protocol for Debt Claims applies to them.
func (k PartyKind) Individual() bool { return k == SoleTrader || k == Consumer }

// Registration is a company's register entry as its business letters must
// state it (see Party.LegalLines).
type Registration struct {
	// Form is the legal form: "GmbH", "AG", "Ltd", "plc", "SAS".
	Form string `json:"form,omitempty"`
	// Office is the registered office: the seat ("Hamburg") or, for a UK
	// company, the registered office address.
	Office string `json:"office,omitempty"`
	// Register is the register: "Amtsgericht Hamburg" (the register court),
	// "England and Wales" (the part of the UK it is registered in), "RCS
	// Paris".
	Register string `json:"register,omitempty"`
	// Number is the registered number: "HRB 123456", "01234567", a SIREN.
	Number string `json:"number,omitempty"`
	// Directors are the managing directors (Geschäftsführer, Vorstand,
	// a KGaA's persönlich haftende Gesellschafter, président), as the law
	// of the form requires them named: in a German company's footer a
	// person with the family name and at least one given name written out
	// ("Eva Roth", not "E. Roth": § 35a Abs. 1 GmbHG, § 80 Abs. 1 AktG).
	Directors []string `json:"directors,omitempty"`
	// BoardChair is the chair of the management board (Vorsitzender des
	// Vorstands, § 84 Abs. 2 AktG), one of Directors: an AG's letters mark
	// the chair as such (§ 80 Abs. 1 S. 2 AktG). The footer marks that
	// entry of Directors "(chair)", "(Vorsitz)"; a chair not among them is
	// named first. "" where there is none (the Aufsichtsrat may appoint
	// one, it need not).
	BoardChair string `json:"board_chair,omitempty"`
	// SupervisoryChair is the chair of the supervisory board (Vorsitzender
	// des Aufsichtsrats), with the family name and at least one given name
	// written out: an AG's and a KGaA's letters name the chair (§ 80 Abs.
	// 1 S. 1, § 278 Abs. 3 AktG; both must have an Aufsichtsrat), a GmbH's
	// where it has formed an Aufsichtsrat with a chair (§ 35a Abs. 1
	// GmbHG), a cooperative's where its Aufsichtsrat has one (§ 25a Abs. 1
	// GenG).
	SupervisoryChair string `json:"supervisory_chair,omitempty"`
}

// IsZero reports whether r holds nothing.
func (r Registration) IsZero() bool {
	return r.Form == "" && r.Office == "" && r.Register == "" && r.Number == "" && len(r.Directors) == 0 &&
		r.BoardChair == "" && r.SupervisoryChair == ""
}

// LegalLines returns the creditor's legal footer in a language: for a
// German company its legal form (where its name does not carry it), seat,
// register court and number and managing directors, an AG's as its
// Vorstand with its chair marked, a KGaA's as its persönlich haftende
// Gesellschafter, and the chair of the supervisory board where one is
// given (§ 35a GmbHG, §§ 80, 278 Abs. 3 AktG, § 37a HGB); for a UK company the
// registered name, the part of the UK it is registered in, its number and
// its registered office (Companies Act 2006 s.82 and the Company, Limited
// Liability Partnership and Business (Names and Trading Disclosures)
// Regulations 2015 reg. 25); and the VAT number where the party has one.
// Nil when the party has no registration and no tax ID.
func (p Party) LegalLines(lang string) []string {
	r := p.Registration
	de := baseLang(lang) == "de"
	// lbl is a label in the footer's language: the law asks for the
	// particulars, not for English ones.
	lbl := func(en, ger string) string {
		if de {
			return ger
		}
		return en
	}
	var out []string
	if !r.IsZero() {
		if p.Country == "GB" {
			s := p.Name
			if r.Register != "" {
				s += lbl(", registered in ", ", eingetragen in ") + r.Register
			}
			if r.Number != "" {
				s += lbl(", company number ", ", Registernummer ") + r.Number
			}
			out = append(out, s)
			if r.Office != "" {
				out = append(out, lbl("Registered office: ", "Eingetragener Sitz: ")+r.Office)
			}
		} else {
			var parts []string
			// The legal form is stated (§ 35a GmbHG, § 80 AktG, § 37a,
			// 125a HGB): by the name that carries it, else here.
			if r.Form != "" && !namesForm(p.Name, r.Form) {
				parts = append(parts, lbl("Legal form: ", "Rechtsform: ")+r.Form)
			}
			if r.Office != "" {
				parts = append(parts, lbl("Registered office: ", "Sitz: ")+r.Office)
			}
			if r.Register != "" || r.Number != "" {
				reg := r.Number
				if r.Register != "" && r.Number != "" {
					reg = r.Register + ", " + r.Number
				} else if r.Register != "" {
					reg = r.Register
				}
				parts = append(parts, lbl("Register: ", "Registergericht: ")+reg)
			}
			if p.Country == "FR" {
				if len(r.Directors) > 0 {
					parts = append(parts, lbl("President: ", "Präsident: ")+strings.Join(r.Directors, ", "))
				}
			} else if dirs := r.board(lbl(" (chair)", " (Vorsitz)")); len(dirs) > 0 {
				switch {
				case formHas(r.Form, "KGaA"):
					// A KGaA has no Vorstand: its persönlich haftende
					// Gesellschafter run it (§§ 278, 282 AktG) and take the
					// Vorstand's place in § 80 AktG (§ 278 Abs. 3 AktG).
					if len(dirs) == 1 {
						parts = append(parts, lbl("General partner: ", "Persönlich haftender Gesellschafter: ")+dirs[0])
					} else {
						parts = append(parts, lbl("General partners: ", "Persönlich haftende Gesellschafter: ")+strings.Join(dirs, ", "))
					}
				case formHas(r.Form, "AG", "eG"):
					// An AG is run by its Vorstand (§§ 76, 80 AktG), and so is
					// a cooperative (§§ 24, 25a GenG), not by Geschäftsführer.
					parts = append(parts, lbl("Management board: ", "Vorstand: ")+strings.Join(dirs, ", "))
				case len(dirs) == 1:
					parts = append(parts, lbl("Managing director: ", "Geschäftsführer: ")+dirs[0])
				default:
					parts = append(parts, lbl("Managing directors: ", "Geschäftsführer: ")+strings.Join(dirs, ", "))
				}
			}
			if r.SupervisoryChair != "" {
				parts = append(parts, lbl("Chair of the supervisory board: ", "Vorsitzender des Aufsichtsrats: ")+r.SupervisoryChair)
			}
			out = append(out, p.Name)
			out = append(out, strings.Join(parts, " · "))
		}
	}
	if p.TaxID != "" {
		out = append(out, lbl("VAT number: ", "USt-IdNr.: ")+p.TaxID)
	}
	return out
}

// board returns Directors with the board's chair marked by mark (" (chair)"):
// the entry equal to BoardChair, or, where BoardChair is none of them, the
// chair first. Directors itself when there is no chair.
func (r Registration) board(mark string) []string {
	if r.BoardChair == "" {
		return r.Directors
	}
	out := slices.Clone(r.Directors)
	if i := slices.Index(out, r.BoardChair); i >= 0 {
		out[i] += mark
		return out
	}
	return append([]string{r.BoardChair + mark}, out...)
}

// formHas reports whether a legal form ("GmbH & Co. KG", "UG
// (haftungsbeschränkt)") holds one of the designations as a word.
func formHas(form string, names ...string) bool {
	for _, f := range strings.Fields(strings.NewReplacer("(", " ", ")", " ", "&", " ").Replace(form)) {
		if slices.Contains(names, f) {
			return true
		}
	}
	return false
}

// namesForm reports whether s holds w where neither the rune before it nor
// the one after it is a letter or digit: "Rhein AG" holds "AG", "MAGNA
// Handel" does not.
func namesForm(s, w string) bool {
	if w == "" {
		return false
	}
	for i := 0; ; {
		k := strings.Index(s[i:], w)
		if k < 0 {
			return false
		}
		start, end := i+k, i+k+len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if !wordRune(before) && !wordRune(after) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[start:])
		i = start + size
	}
}

// wordRune reports whether r continues a word (utf8.RuneError: no rune).
func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// Jurisdiction is the law a claim is made under. It chooses the checklist
// Check holds a notice against and the legal wording of the built-in
// texts; the wording follows the law, not the language (a claim under
// German law written in English says German law).
type Jurisdiction string

const (
	// EU: Directive 2011/7/EU on combating late payment in commercial
	// transactions, as a member state without a regime of its own here
	// transposes it.
	EU Jurisdiction = "eu"
	// UK: the Late Payment of Commercial Debts (Interest) Act 1998, the
	// Practice Direction on Pre-Action Conduct and Protocols and the
	// Pre-Action Protocol for Debt Claims (England and Wales).
	UK Jurisdiction = "uk"
	// DE: German law, BGB §§ 286, 288 and the ZPO's Mahnverfahren.
	DE Jurisdiction = "de"
	// FR: French law, Code de commerce L441-10 and D441-5.
	FR Jurisdiction = "fr"
)

// Valid reports whether j is one of the four jurisdictions.
func (j Jurisdiction) Valid() bool { return j == EU || j == UK || j == DE || j == FR }

// UnmarshalText reads a jurisdiction's name ("" is none) and refuses any
// other.
func (j *Jurisdiction) UnmarshalText(b []byte) error {
	v := Jurisdiction(b)
	if v != "" && !v.Valid() {
		return fmt.Errorf("notice: jurisdiction %q: want eu, uk, de or fr", string(b))
	}
	*j = v
	return nil
}

// Contract is the agreement a claim arises from, as a letter before action
// states it: its reference and the day it was made. The parties are the
// notice's creditor and debtor.
type Contract struct {
	Reference string    `json:"reference,omitempty"`
	Date      date.Date `json:"date,omitzero"`
}

// StatutoryCompensation returns the fixed compensation for recovery costs a
// jurisdiction grants a business creditor per invoice of open amount open
// in currency cur, and false where it grants none in that currency: EUR 40
// (Directive 2011/7/EU Art. 6(1), § 288 Abs. 5 BGB, Art. D441-5 Code de
// commerce); GBP 40 under 1,000, 70 under 10,000, else 100 (Late Payment of
// Commercial Debts (Interest) Act 1998 s.5A(2)).
func StatutoryCompensation(j Jurisdiction, cur string, open decimal.Decimal) (decimal.Decimal, bool) {
	switch {
	case (j == EU || j == DE || j == FR) && cur == "EUR":
		return decimal.NewFromInt(40), true
	case j == UK && cur == "GBP":
		switch {
		case open.LessThan(decimal.NewFromInt(1000)):
			return decimal.NewFromInt(40), true
		case open.LessThan(decimal.NewFromInt(10000)):
			return decimal.NewFromInt(70), true
		}
		return decimal.NewFromInt(100), true
	}
	return decimal.Zero, false
}

// MinPayByDays returns the fewest days between a notice's date and its
// pay-by date that the law of j expects for a notice of stage s to a debtor
// of kind k, and its source; 0 and "" where the law sets none. Under the UK
// rules a letter before action gives a business 14 days to reply
// (Practice Direction – Pre-Action Conduct and Protocols para 6(b)) and an
// individual or sole trader 30 days (Pre-Action Protocol for Debt Claims
// para 4.1); an unknown kind gets the longer period.
func MinPayByDays(j Jurisdiction, s Stage, k PartyKind) (int, string) {
	if j == UK && s == LetterBeforeAction {
		if k == Company {
			return 14, "Practice Direction – Pre-Action Conduct and Protocols para 6(b)"
		}
		return 30, "Pre-Action Protocol for Debt Claims para 4.1"
	}
	return 0, ""
}

// DebtProtocol reports whether a letter before action under n's law must
// follow the UK Pre-Action Protocol for Debt Claims: the debtor is an
// individual or a sole trader (Protocol para 1.1), or its kind is unknown.
// The built-in letter then says the Protocol's Annex 1 Information Sheet,
// Reply Form and a Financial Statement form are enclosed: the app's letter
// sender must enclose them (the library does not produce them).
func (n *Notice) DebtProtocol() bool {
	return n.Law == UK && n.Stage == LetterBeforeAction && !(n.Debtor.Kind == Company)
}

// DailyInterest is the interest one more day adds: for each invoice its
// last interest line's principal x rate / 100 / year, summed and rounded
// to MinorUnits; zero when the notice has no interest line.
func (n *Notice) DailyInterest() decimal.Decimal {
	last := map[string]Charge{}
	var order []string
	for _, c := range n.Interest {
		if _, ok := last[c.Invoice]; !ok {
			order = append(order, c.Invoice)
		}
		last[c.Invoice] = c
	}
	s := decimal.Zero
	for _, inv := range order {
		c := last[inv]
		if y := yearDays(c.DayCount); y > 0 {
			s = s.Add(c.Principal.Mul(c.Rate).Div(decimal.NewFromInt(100 * y)))
		}
	}
	return roundMinor(s, n.MinorUnits)
}
