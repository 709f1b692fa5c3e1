package notice

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// hostile draws text that html/template must escape and URLs it must
// filter: markup, quotes, +, &, NUL, invalid UTF-8, non-ASCII, spaces of
// every kind, schemes it refuses and percent escapes valid and not.
func hostile() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"", "Acme GmbH", `<script>alert("x")</script>`, `O'Brien & Sons "Ltd" +1`, "a\x00b", "\xff\xfe", "Müller – € 5 ≥ 3",
			"javascript:alert(1)", "JavaScript:x", "https://pay.example/i?a=1&b=<2>#f", "mailto:a@b.c", "/rel/path?x=%zz&y=%41", "data:text/html,x", "ftp://x", "http:// x y",
			"  spaced\tout\n ", "\u00a0nbsp\u2028line", "%", "%4", "a%2", "{{.Total}}"}),
		rapid.StringOf(rapid.SampledFrom([]rune("<>&'\"+\x00aZ9é€ \t\n=:/%#?;!()*~-_.\u0085\u00a0\ufffd"))),
		rapid.String(),
	)
}

// drawNotice draws a notice through every branch the built-in templates
// have: stages, languages, one or several invoices, instalments and
// plans, fees (statutory, netted), interest, unapplied money, payment
// details, earlier notices, laws, next steps, contracts and hostile text
// in every field the templates show.
func drawNotice(t *rapid.T) *Notice {
	h := hostile()
	day := func(label string) date.Date { return date.Date(rapid.IntRange(19000, 21000).Draw(t, label)) }
	opt := func(label string) string { return rapid.OneOf(rapid.Just(""), h).Draw(t, label) }
	amt := func(label string) decimal.Decimal {
		return decimal.New(rapid.Int64Range(-5000, 9_999_999).Draw(t, label), -2)
	}
	party := func(label string) Party {
		p := Party{Name: h.Draw(t, label+".name"), Email: opt(label + ".email"), Phone: opt(label + ".phone"), TaxID: opt(label + ".tax"), Reference: opt(label + ".ref"),
			Kind:    rapid.SampledFrom([]PartyKind{"", Company, SoleTrader, Consumer}).Draw(t, label+".kind"),
			Country: rapid.SampledFrom([]string{"", "DE", "GB", "FR", "AT"}).Draw(t, label+".country")}
		p.Address = rapid.SliceOfN(h, 0, 3).Draw(t, label+".address")
		if rapid.Bool().Draw(t, label+".registered") {
			p.Registration = Registration{Form: opt(label + ".form"), Office: opt(label + ".office"), Register: opt(label + ".register"), Number: opt(label + ".number")}
		}
		return p
	}
	n := &Notice{
		Key: "k", Number: h.Draw(t, "number"), Date: day("date"), PayBy: rapid.OneOf(rapid.Just(date.Date(0)), rapid.Custom(func(t *rapid.T) date.Date { return day("payby") })).Draw(t, "payby"),
		Stage:    rapid.SampledFrom([]Stage{FriendlyReminder, OverdueNotice, FinalNotice, LetterBeforeAction, PaymentUpdate}).Draw(t, "stage"),
		Channel:  rapid.SampledFrom([]Channel{Email, Letter, SMS}).Draw(t, "channel"),
		Language: rapid.SampledFrom([]string{"en", "de", "de-AT", "de-CH", "en-US", "fr", "DE", "en_GB"}).Draw(t, "language"),
		Creditor: party("creditor"), Debtor: party("debtor"),
		Law:      rapid.SampledFrom([]Jurisdiction{"", UK, DE, EU, FR}).Draw(t, "law"),
		Link:     opt("link"),
		Currency: rapid.SampledFrom([]string{"EUR", "GBP", "JPY"}).Draw(t, "currency"), MinorUnits: rapid.Int32Range(0, 3).Draw(t, "minor"),
	}
	if rapid.Bool().Draw(t, "contract") {
		n.Contract = Contract{Reference: h.Draw(t, "contract.ref")}
		if rapid.Bool().Draw(t, "contract.dated") {
			n.Contract.Date = day("contract.date")
		}
	}
	n.Next.Kind = rapid.SampledFrom([]NextKind{NextNothing, NextNotice, NextContact, NextCollection, NextSuspend, NextRestrict, NextCancel}).Draw(t, "next")
	if n.Next.Kind == NextNotice {
		n.Next.Stage = rapid.SampledFrom([]Stage{0, OverdueNotice, FinalNotice, LetterBeforeAction}).Draw(t, "next.stage")
	}
	for i := range rapid.IntRange(1, 4).Draw(t, "lines") {
		l := Line{Number: h.Draw(t, "line.number"), IssueDate: day("line.issued"), DueDate: day("line.due"), Description: h.Draw(t, "line.desc"),
			Amount: amt("line.amount"), Open: amt("line.open"), DaysOverdue: rapid.IntRange(-3, 400).Draw(t, "line.days")}
		if i > 0 && rapid.Bool().Draw(t, "line.same") {
			l.Number = n.Lines[0].Number
		}
		if rapid.Bool().Draw(t, "line.earlier") {
			l.LastNotice = day("line.last")
		}
		if rapid.IntRange(0, 3).Draw(t, "line.instalment") == 0 {
			l.Instalments = rapid.IntRange(2, 6).Draw(t, "line.instalments")
			l.Instalment = rapid.IntRange(1, l.Instalments).Draw(t, "line.part")
		}
		for range rapid.IntRange(0, 3).Draw(t, "line.plan") {
			l.Plan = append(l.Plan, PlanPart{PayBy: day("plan.payby"), Amount: amt("plan.amount"), Paid: amt("plan.paid"), Missed: rapid.Bool().Draw(t, "plan.missed")})
		}
		n.Lines = append(n.Lines, l)
	}
	charge := func(label string) Charge {
		c := Charge{Label: rapid.OneOf(rapid.SampledFrom([]string{"fee", "fees-earlier", "compensation", "interest"}), h).Draw(t, label+".label"),
			Invoice: opt(label + ".invoice"), Amount: amt(label + ".amount"), Basis: opt(label + ".basis")}
		if rapid.Bool().Draw(t, label+".statutory") {
			c.Statutory, c.Covered = amt(label+".statutory"), amt(label+".covered")
		}
		if rapid.Bool().Draw(t, label+".rate") {
			c.Rate = decimal.New(rapid.Int64Range(0, 20000).Draw(t, label+".r"), -rapid.Int32Range(0, 4).Draw(t, label+".rexp"))
			c.Principal, c.From, c.To, c.Days = amt(label+".principal"), day(label+".from"), day(label+".to"), rapid.IntRange(0, 400).Draw(t, label+".days")
			c.DayCount = rapid.SampledFrom([]string{"", "act/365", "act/360", "30/360"}).Draw(t, label+".dc")
		}
		return c
	}
	for range rapid.IntRange(0, 3).Draw(t, "fees") {
		n.Fees = append(n.Fees, charge("fee"))
	}
	for range rapid.IntRange(0, 3).Draw(t, "interest") {
		n.Interest = append(n.Interest, charge("interest"))
	}
	for range rapid.IntRange(0, 2).Draw(t, "unapplied") {
		n.Unapplied = append(n.Unapplied, Unapplied{Kind: rapid.SampledFrom([]string{"payment", "credit", "other"}).Draw(t, "unapplied.kind"), Date: day("unapplied.date"),
			Reference: opt("unapplied.ref"), Amount: amt("unapplied.amount")})
	}
	for range rapid.IntRange(0, 3).Draw(t, "earlier") {
		n.Earlier = append(n.Earlier, day("earlier"))
	}
	n.Payment = Payment{Instructions: opt("pay.instructions"), IBAN: opt("pay.iban"), BIC: opt("pay.bic"), Reference: opt("pay.ref"), URL: opt("pay.url"),
		Options: rapid.SliceOfN(rapid.OneOf(rapid.SampledFrom([]string{"bank transfer", "card", "direct debit", "cheque", "payment link"}), h), 0, 3).Draw(t, "pay.options")}
	if rapid.Bool().Draw(t, "pay.bylang") {
		n.Payment.ByLanguage = map[string]string{rapid.SampledFrom([]string{"de", "en", "de-AT"}).Draw(t, "pay.lang"): h.Draw(t, "pay.text")}
	}
	n.Total = n.ComputeTotal()
	if rapid.Bool().Draw(t, "othertotal") {
		n.Total = amt("total")
	}
	return n
}

// drawStatement draws a statement of account with hostile text; its
// figures need not reconcile (rendering does not check them).
func drawStatement(t *rapid.T) *Statement {
	h := hostile()
	day := func(label string) date.Date { return date.Date(rapid.IntRange(19000, 21000).Draw(t, label)) }
	amt := func(label string) decimal.Decimal {
		return decimal.New(rapid.Int64Range(-5000, 9_999_999).Draw(t, label), -2)
	}
	s := &Statement{Number: h.Draw(t, "number"), Date: day("date"), From: day("from"), To: day("to"),
		Language: rapid.SampledFrom([]string{"en", "de", "de-AT", "fr", "en-US"}).Draw(t, "language"),
		Creditor: Party{Name: h.Draw(t, "creditor"), Address: rapid.SliceOfN(h, 0, 2).Draw(t, "address")},
		Debtor:   Party{Name: h.Draw(t, "debtor"), Reference: rapid.OneOf(rapid.Just(""), h).Draw(t, "ref")},
		Currency: "EUR", MinorUnits: 2, Opening: amt("opening"), Closing: amt("closing"), Unapplied: rapid.OneOf(rapid.Just(decimal.Zero), rapid.Custom(func(t *rapid.T) decimal.Decimal { return amt("unapplied") })).Draw(t, "unapplied")}
	for range rapid.IntRange(0, 4).Draw(t, "entries") {
		e := StatementEntry{Date: day("entry.date"), Kind: rapid.SampledFrom([]string{"invoice", "payment", "credit", "unapplied-payment", "unapplied-credit"}).Draw(t, "entry.kind"),
			Reference: h.Draw(t, "entry.ref"), Balance: amt("entry.balance")}
		if rapid.Bool().Draw(t, "entry.debit") {
			e.Debit = amt("entry.amount")
		} else {
			e.Credit = amt("entry.amount")
		}
		s.Entries = append(s.Entries, e)
	}
	for range rapid.IntRange(0, 3).Draw(t, "items") {
		l := Line{Number: h.Draw(t, "item.number"), DueDate: day("item.due"), Amount: amt("item.amount"), Open: amt("item.open"), DaysOverdue: rapid.IntRange(-3, 400).Draw(t, "item.days")}
		if rapid.Bool().Draw(t, "item.instalment") {
			l.Instalment, l.Instalments = 1, 2
		}
		s.Items = append(s.Items, l)
	}
	for range rapid.IntRange(0, 3).Draw(t, "aging") {
		s.Aging = append(s.Aging, AgingBucket{Lo: rapid.IntRange(0, 90).Draw(t, "lo"), Hi: rapid.IntRange(-1, 120).Draw(t, "hi"), Amount: amt("aging.amount")})
	}
	return s
}

// renderBoth renders v with p compiled and through text/template and
// html/template, and fails where they differ in anything.
func renderBoth(t *rapid.T, s *Set, p *parsed, v any, sms bool) {
	c := p.compiledFor(reflect.TypeOf(v))
	if c == nil {
		t.Fatalf("the built-in template did not compile for %T", v)
	}
	gs, gt, gh, gerr := s.executeCompiled(p, c, v, sms)
	ws, wt, wh, werr := s.executeTemplates(p, v, sms)
	if gerr != nil || werr != nil {
		t.Fatalf("compiled: %v; templates: %v", gerr, werr)
	}
	for _, d := range []struct{ part, got, want string }{{"subject", gs, ws}, {"text", gt, wt}, {"html", gh, wh}} {
		if d.got != d.want {
			i := 0
			for i < len(d.got) && i < len(d.want) && d.got[i] == d.want[i] {
				i++
			}
			t.Fatalf("%s differs at byte %d:\ncompiled:  %q\ntemplates: %q", d.part, i, d.got[max(0, i-60):min(len(d.got), i+60)], d.want[max(0, i-60):min(len(d.want), i+60)])
		}
	}
}

// TestCompiledRendersAsTemplates: the compiled built-in templates write,
// byte for byte, what text/template and html/template write from the same
// trees, for any notice (every stage, language, channel and branch, hostile
// text and URLs) and any statement of account.
func TestCompiledRendersAsTemplates(t *testing.T) {
	b := Builtin()
	rapid.Check(t, func(t *rapid.T) {
		if rapid.IntRange(0, 5).Draw(t, "kind") == 0 {
			st := drawStatement(t)
			p, key, err := b.resolve(Key{Language: st.Language, Stage: StatementOfAccount})
			if err != nil {
				t.Fatal(err)
			}
			// As renderStatement makes it: in the template's language.
			st.Language = renderedLanguage(st.Language, key)
			v := NewStatementView(st)
			v.Lang = baseLang(key.Language)
			renderBoth(t, b, p, v, false)
			return
		}
		n := drawNotice(t)
		p, key, err := b.resolve(Key{Language: n.Language, Stage: n.Stage})
		if err != nil {
			t.Fatal(err)
		}
		// As Render makes it: in the template's language.
		renderBoth(t, b, p, viewIn(n, renderedLanguage(n.Language, key)), n.Channel == SMS)
	})
}

// TestBuiltinCompiles: every built-in template compiles, for the data it
// renders, so none silently runs through the template executor.
func TestBuiltinCompiles(t *testing.T) {
	for k, p := range Builtin().m {
		typ := reflect.TypeFor[*View]()
		if k.Stage == StatementOfAccount {
			typ = reflect.TypeFor[*StatementView]()
		}
		if _, err := compileParsed(p, typ); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}

// TestCustomNotCompiled: a template added with Add runs through the
// template executor, never compiled.
func TestCustomNotCompiled(t *testing.T) {
	s := NewSet()
	if err := s.Add(Key{Language: "en", Stage: OverdueNotice}, Template{Subject: "s", Text: "{{.Number}}"}); err != nil {
		t.Fatal(err)
	}
	if c := s.m[Key{Language: "en", Stage: OverdueNotice}].compiledFor(reflect.TypeFor[*View]()); c != nil {
		t.Error("a custom template was compiled")
	}
}

// TestCompiledLimits: a compiled render past MaxBytes stops with a
// LimitError, as the template executor's does.
func TestCompiledLimits(t *testing.T) {
	n := &Notice{Key: "k", Stage: OverdueNotice, Channel: Email, Language: "en", Currency: "EUR", MinorUnits: 2,
		Creditor: Party{Name: "Northwind"}, Debtor: Party{Name: "Acme"}, Lines: []Line{{Number: "INV-1", Description: strings.Repeat("<", 4000)}}}
	s := Builtin().WithLimits(Limits{MaxBytes: 10_000})
	err := s.Render(n)
	var le *LimitError
	if !errors.As(err, &le) || le.What != "size" {
		t.Fatalf("Render: %v, want a size LimitError", err)
	}
}

// TestCompiledEscapesURLsAndAttributes: the compiled HTML filters and
// normalizes the pay link as html/template does in an href (worked out by
// hand from its rules: a scheme other than http, https or mailto becomes
// #ZgotmplZ; bytes outside RFC 3986's sets are percent-encoded in
// lower-case hex, valid %xx escapes kept; & then escaped for the
// attribute), escapes the link's text and the lang attribute as text.
func TestCompiledEscapesURLsAndAttributes(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"javascript:alert(1)", `<a href="#ZgotmplZ">javascript:alert(1)</a>`},
		{" JavaScript:alert(1)", `<a href="#ZgotmplZ"> JavaScript:alert(1)</a>`},
		{"https://x/?a=1&b=<2> é%41%4", `<a href="https://x/?a=1&amp;b=%3c2%3e%20%c3%a9%41%254">https://x/?a=1&amp;b=&lt;2&gt; é%41%4</a>`},
		{`/pay?"x"+'y'`, `<a href="/pay?%22x%22&#43;%27y%27">/pay?&#34;x&#34;&#43;&#39;y&#39;</a>`},
		{"MAILTO:a@b.c", `<a href="MAILTO:a@b.c">MAILTO:a@b.c</a>`},
		// No escape: % then two bytes that are no hex digits.
		{"https://x/%zz%4g%Fa", `<a href="https://x/%25zz%254g%Fa">https://x/%zz%4g%Fa</a>`},
	} {
		n := &Notice{Key: "k", Stage: OverdueNotice, Channel: Email, Language: "en", Currency: "EUR", MinorUnits: 2,
			Creditor: Party{Name: "N"}, Debtor: Party{Name: "A"}, Lines: []Line{{Number: "INV-1"}}, Payment: Payment{URL: c.url}}
		if err := Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(n.HTML, c.want) {
			t.Errorf("pay link %q: HTML lacks %s", c.url, c.want)
		}
	}
	v := NewView(&Notice{Language: "en", Lines: []Line{{}}})
	v.Lang = `"><script>x</script>&+'`
	s := Builtin()
	p, _, err := s.resolve(Key{Language: "en", Stage: OverdueNotice})
	if err != nil {
		t.Fatal(err)
	}
	_, _, html, err := s.executeCompiled(p, p.compiledFor(reflect.TypeOf(v)), v, false)
	if want := `<html lang="&#34;&gt;&lt;script&gt;x&lt;/script&gt;&amp;&#43;&#39;">`; err != nil || !strings.Contains(html, want) {
		t.Errorf("lang attribute: %v, HTML lacks %s:\n%.200s", err, want, html)
	}
}

// TestCompiledConcurrent: one built-in set renders from many goroutines
// at once, its templates compiled by whichever comes first, each render
// as the template executor writes it.
func TestCompiledConcurrent(t *testing.T) {
	s := Builtin()
	build := func(i int) *Notice {
		return &Notice{Key: "k", Stage: Stage(1 + i%5), Channel: []Channel{Email, Letter, SMS}[i%3], Language: []string{"en", "de"}[i%2], Currency: "EUR", MinorUnits: 2,
			Creditor: Party{Name: "N<"}, Debtor: Party{Name: "A&"}, Lines: []Line{{Number: strings.Repeat("I", i%7+1), Amount: decimal.New(int64(i), -2), Open: decimal.New(int64(i), -2)}}}
	}
	want := make([]string, 40)
	for i := range want {
		n := build(i)
		p, _, err := s.resolve(Key{Language: n.Language, Stage: n.Stage})
		if err != nil {
			t.Fatal(err)
		}
		subject, text, html, err := s.executeTemplates(p, NewView(n), n.Channel == SMS)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = subject + text + html
	}
	errs := make(chan error, len(want))
	for i := range want {
		go func() {
			n := build(i)
			err := s.Render(n)
			if err == nil && n.Subject+n.Text+n.HTML != want[i] {
				err = fmt.Errorf("notice %d renders differently", i)
			}
			errs <- err
		}()
	}
	for range want {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestFieldsJoined: fieldsJoined is strings.Join(strings.Fields(s), " ")
// for any bytes: ASCII and Unicode spaces, invalid UTF-8.
func TestFieldsJoined(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.SampledFrom([]rune(" \t\n\v\f\r\u0085\u00a0\u2028\u3000a\xffé"))),
			rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) })).Draw(t, "s")
		if got, want := fieldsJoined([]byte(s)), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("fieldsJoined(%q) = %q, want %q", s, got, want)
		}
	})
}

// FuzzCompiledAsTemplates: for any text in the fields the built-in
// templates show, any stage, language and channel, the compiled templates
// write what text/template and html/template write.
func FuzzCompiledAsTemplates(f *testing.F) {
	f.Add("Acme <b>", "Goods & \"services\"", "javascript:alert(1)", "DE89 3704", "en", uint8(2), uint8(0), int16(14))
	f.Add("Müller\x00", "\xff'+", "https://x/?a=<1>&b=%zz", "", "de-AT", uint8(4), uint8(2), int16(1))
	s := Builtin()
	f.Fuzz(func(t *testing.T, name, desc, url, iban, lang string, stage, channel uint8, days int16) {
		n := &Notice{Key: "k", Number: name, Stage: Stage(1 + stage%5), Channel: []Channel{Email, Letter, SMS}[channel%3], Language: lang, Currency: "EUR", MinorUnits: 2,
			Creditor: Party{Name: name, Address: []string{desc}, Email: url}, Debtor: Party{Name: desc, Reference: name},
			Lines:   []Line{{Number: name, Description: desc, DaysOverdue: int(days), Amount: decimal.New(int64(days), -2), Open: decimal.New(int64(days), -2)}, {Number: desc, Description: name}},
			Fees:    []Charge{{Label: desc, Invoice: name, Amount: decimal.New(500, -2), Basis: url}},
			Payment: Payment{URL: url, IBAN: iban, Reference: name, Instructions: desc, Options: []string{desc}},
			Link:    url, Earlier: []date.Date{19000}, Law: Jurisdiction(lang)}
		p, _, err := s.resolve(Key{Language: n.Language, Stage: n.Stage})
		if err != nil {
			return // a language tag no key takes
		}
		v := NewView(n)
		c := p.compiledFor(reflect.TypeOf(v))
		if c == nil {
			t.Fatal("the built-in template did not compile")
		}
		gs, gt, gh, gerr := s.executeCompiled(p, c, v, n.Channel == SMS)
		ws, wt, wh, werr := s.executeTemplates(p, v, n.Channel == SMS)
		if (gerr == nil) != (werr == nil) || gs != ws || gt != wt || gh != wh {
			t.Fatalf("compiled (%v):\n%s\n%s\n%s\ntemplates (%v):\n%s\n%s\n%s", gerr, gs, gt, gh, werr, ws, wt, wh)
		}
	})
}

// TestCompiledFallsBack: data the compiled code does not handle as the
// executor would (here a statement view without its statement: a nil
// pointer on the way to .S.Creditor.Name) is rendered by the executor,
// which reports it.
func TestCompiledFallsBack(t *testing.T) {
	s := Builtin()
	p, _, err := s.resolve(Key{Language: "en", Stage: StatementOfAccount})
	if err != nil {
		t.Fatal(err)
	}
	v := &StatementView{Lang: "en"}
	if _, _, _, err := s.executeCompiled(p, p.compiledFor(reflect.TypeOf(v)), v, false); !errors.Is(err, errNotCompiled) {
		t.Fatalf("compiled: %v, want errNotCompiled", err)
	}
	_, _, _, err = s.execute(p, v, false)
	if err == nil || errors.Is(err, errNotCompiled) || !strings.Contains(err.Error(), "nil pointer") {
		t.Fatalf("execute: %v, want the executor's nil pointer error", err)
	}
}
