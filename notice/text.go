package notice

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// LineProblem reports why s cannot be shown as one line of a notice, or ""
// when it can. Refused are invalid UTF-8; every control character: C0
// (U+0000–U+001F, tab, carriage return and line feed included), DEL
// (U+007F) and C1 (U+0080–U+009F, next line U+0085 included); the line
// and paragraph separators U+2028 and U+2029; and the bidirectional
// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
//
// A line break in a name, an invoice number or a description starts a line
// of the data's own in a notice's text (a forged "Total due: EUR 0.00"
// above the real total); escapes (ESC) drive a terminal, NUL cannot be
// stored in PostgreSQL, and an override turns the figures after it around
// on screen ("100.00" shown as "00.001"). Letters of every script,
// combining marks, joiners and the directional marks U+200E, U+200F and
// U+061C are accepted: "Müller & Søn", "株式会社" and right-to-left Arabic
// are good names.
//
// The dunning package refuses such text where it enters (customers,
// invoices, agreements, the policy), and Notice.Validate refuses it in a
// notice's own fields, so a notice built by hand is checked alike.
func LineProblem(s string) string { return textProblem(s, false) }

// TextProblem is LineProblem for text that may run over several lines
// (payment instructions): a line feed (U+000A) is accepted, everything
// else LineProblem refuses is refused, a carriage return too (write line
// breaks as "\n").
func TextProblem(s string) string { return textProblem(s, true) }

func textProblem(s string, multiline bool) string {
	for i := 0; i < len(s); {
		// Eight bytes at a time while all are printable ASCII (0x20 to
		// 0x7e), as nearly all are: a byte below 0x20 borrows into its
		// high bit in w-0x20.., one above 0x7e has it set in w+0x01.. or
		// in w (the bit tricks hasless and hasmore, exact as a test of
		// the word); the first word that fails goes byte by byte below.
		for i+8 <= len(s) {
			_ = s[i+7]
			w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			if ((w-0x2020202020202020)&^w|(w+0x0101010101010101)|w)&0x8080808080808080 != 0 {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII: nearly every byte
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if c == '\n' && multiline {
				i++
				continue
			}
			return refusedRune(rune(c), i)
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return "is not valid UTF-8 (byte " + strconv.Itoa(i) + ")"
		}
		if r < 0xa0 || r == 0x2028 || r == 0x2029 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
			return refusedRune(r, i)
		}
		i += n
	}
	return ""
}

// refusedRune says what r, found at byte i, is.
func refusedRune(r rune, i int) string {
	var what string
	switch {
	case r == 0:
		what = "a NUL byte"
	case r == '\n' || r == '\r' || r == 0x85 || r == 0x0b || r == 0x0c:
		what = "a line break"
	case r == '\t':
		what = "a tab"
	case r == 0x2028 || r == 0x2029:
		what = "a line or paragraph separator"
	case r >= 0x202a:
		what = "a bidirectional override"
	default:
		what = "a control character"
	}
	return fmt.Sprintf("contains %s (U+%04X) at byte %d", what, r, i)
}

// BadText is a field of a notice whose text LineProblem (or, for payment
// instructions, TextProblem) refuses: the field, its value and why.
type BadText struct {
	Field, Value, Reason string
}

// textCheck collects the fields of a notice whose text is refused. The
// name of a field is built only for one that fails: a notice has dozens.
type textCheck struct{ bad []BadText }

// name is prefix, "[i]" when i >= 0, then suffix.
func name(prefix string, i int, suffix string) string {
	if i < 0 {
		return prefix + suffix
	}
	return prefix + "[" + strconv.Itoa(i) + "]" + suffix
}

// line checks s as one line of text.
func (c *textCheck) line(s, prefix string, i int, suffix string) {
	if why := LineProblem(s); why != "" {
		c.bad = append(c.bad, BadText{Field: name(prefix, i, suffix), Value: s, Reason: why})
	}
}

// text checks s as text of several lines.
func (c *textCheck) text(s, prefix string, i int, suffix string) {
	if why := TextProblem(s); why != "" {
		c.bad = append(c.bad, BadText{Field: name(prefix, i, suffix), Value: s, Reason: why})
	}
}

// party checks every text of p, its fields named after prefix
// ("creditor.", "cc[0].").
func (c *textCheck) party(p *Party, prefix string) {
	c.line(p.Name, prefix, -1, "name")
	for i, a := range p.Address {
		c.line(a, prefix+"address", i, "")
	}
	c.line(p.Email, prefix, -1, "email")
	c.line(p.Phone, prefix, -1, "phone")
	c.line(p.TaxID, prefix, -1, "tax_id")
	c.line(p.Reference, prefix, -1, "reference")
	c.line(string(p.Kind), prefix, -1, "kind")
	c.line(p.Country, prefix, -1, "country")
	r := &p.Registration
	c.line(r.Form, prefix, -1, "registration.form")
	c.line(r.Office, prefix, -1, "registration.office")
	c.line(r.Register, prefix, -1, "registration.register")
	c.line(r.Number, prefix, -1, "registration.number")
	for i, d := range r.Directors {
		c.line(d, prefix+"registration.directors", i, "")
	}
	c.line(r.BoardChair, prefix, -1, "registration.board_chair")
	c.line(r.SupervisoryChair, prefix, -1, "registration.supervisory_chair")
}

// payment checks the payment's texts: Instructions and ByLanguage may run
// over several lines, the rest is one line each.
func (c *textCheck) payment(p *Payment) {
	c.text(p.Instructions, "payment.instructions", -1, "")
	for lang, t := range p.ByLanguage {
		c.line(lang, "payment.by_language", -1, "")
		c.text(t, "payment.by_language.", -1, lang)
	}
	for i, o := range p.Options {
		c.line(o, "payment.options", i, "")
	}
	c.line(p.IBAN, "payment.iban", -1, "")
	c.line(p.BIC, "payment.bic", -1, "")
	c.line(p.Reference, "payment.reference", -1, "")
	c.line(p.URL, "payment.url", -1, "")
}

// line checks a notice line's texts.
func (c *textCheck) noticeLine(l *Line, list string, i int) {
	c.line(l.Number, list, i, ".number")
	c.line(l.Description, list, i, ".description")
}

// notice checks every text of n a reader sees; the rendered Subject, Text
// and HTML are output, not checked.
func (c *textCheck) notice(n *Notice) {
	c.party(&n.Creditor, "creditor.")
	c.party(&n.Debtor, "debtor.")
	for i := range n.Cc {
		c.party(&n.Cc[i], name("cc", i, "."))
	}
	c.line(n.Language, "language", -1, "")
	c.line(n.Contract.Reference, "contract.reference", -1, "")
	c.line(n.Link, "link", -1, "")
	for i := range n.Lines {
		c.noticeLine(&n.Lines[i], "lines", i)
	}
	for _, cs := range []struct {
		list string
		cs   []Charge
	}{{"fees", n.Fees}, {"interest", n.Interest}} {
		for i := range cs.cs {
			ch := &cs.cs[i]
			c.line(ch.Label, cs.list, i, ".label")
			c.line(ch.Invoice, cs.list, i, ".invoice")
			c.line(ch.Basis, cs.list, i, ".basis")
		}
	}
	for i := range n.Unapplied {
		c.line(n.Unapplied[i].Reference, "unapplied", i, ".reference")
	}
	c.payment(&n.Payment)
}

// statement checks every text of a statement of account.
func (c *textCheck) statement(s *Statement) {
	c.party(&s.Creditor, "creditor.")
	c.party(&s.Debtor, "debtor.")
	for i := range s.Entries {
		c.line(s.Entries[i].Reference, "entries", i, ".reference")
	}
	for i := range s.Items {
		c.noticeLine(&s.Items[i], "items", i)
	}
}

// merge adds the fields of the refused texts to bad, each once, and
// returns the refused texts sorted by field.
func (c *textCheck) merge(bad []string) ([]string, []BadText) {
	if len(c.bad) == 0 {
		return bad, nil
	}
	slices.SortFunc(c.bad, func(a, b BadText) int { return strings.Compare(a.Field, b.Field) })
	for _, t := range c.bad {
		if !slices.Contains(bad, t.Field) {
			bad = append(bad, t.Field)
		}
	}
	return bad, c.bad
}

// TextProblems returns the party's texts that LineProblem refuses (every
// text of a party is one line), each field named as in the party's JSON
// ("name", "address[1]", "registration.directors[0]"), sorted by field;
// nil when there are none.
func (p *Party) TextProblems() []BadText {
	var c textCheck
	c.party(p, "")
	_, bad := c.merge(nil)
	return bad
}
