package notice_test

import (
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// scenario is one golden notice: what it is, and how to build it.
type scenario struct {
	name  string
	build func(lang string) *notice.Notice
}

// scenarios are the notices a customer receives in a workflow's life: a
// first friendly reminder on one invoice one day overdue, a first overdue
// notice, a follow-up, a final notice with nothing announced after it, a
// final notice before a collection agency, and a letter before action.
// Every charge is computed from its figures (interest lines by interest()).
func scenarios() []scenario {
	return []scenario{
		{"first-reminder", func(lang string) *notice.Notice {
			n := sample(lang, notice.FriendlyReminder)
			n.Date, n.PayBy = day("2026-04-01"), day("2026-04-15")
			n.Lines = n.Lines[:1]
			n.Lines[0].DaysOverdue = 1
			n.Fees, n.Interest = nil, nil
			n.Next = notice.Next{Kind: notice.NextNotice, Stage: notice.OverdueNotice}
			n.Payment.Reference = notice.PaymentReference(n.Number, []string{"INV-1"})
			n.Total = n.ComputeTotal()
			return n
		}},
		{"first-notice", func(lang string) *notice.Notice {
			n := sample(lang, notice.OverdueNotice)
			n.Next = notice.Next{Kind: notice.NextNotice, Stage: notice.FinalNotice}
			return n
		}},
		{"follow-up", func(lang string) *notice.Notice {
			n := sample(lang, notice.OverdueNotice)
			n.Earlier = []date.Date{day("2026-04-01")}
			n.Lines[0].LastNotice, n.Lines[1].LastNotice = day("2026-04-01"), day("2026-04-01")
			n.Fees = []notice.Charge{{Label: "fee", Amount: dec("5.00")}}
			n.Next = notice.Next{Kind: notice.NextNotice, Stage: notice.FinalNotice}
			n.Total = n.ComputeTotal()
			return n
		}},
		{"final-notice", func(lang string) *notice.Notice {
			n := sample(lang, notice.FinalNotice)
			n.Date, n.PayBy = day("2026-04-28"), day("2026-05-12")
			n.Lines[0].DaysOverdue, n.Lines[1].DaysOverdue = 28, 19
			n.Lines[0].LastNotice = day("2026-04-14")
			n.Earlier = []date.Date{day("2026-04-14")}
			// The EUR 40 on INV-1 covers the 5.00 charged earlier and the
			// 10.00 fee of this notice (booked on INV-1): 40 - 15 = 25.
			n.Fees = []notice.Charge{{Label: "fees-earlier", Invoice: "INV-1", Amount: dec("5.00")}, {Label: "fee", Amount: dec("10.00")}, compensation("INV-1", "40.00", "15.00")}
			n.Interest = []notice.Charge{
				interest("INV-1", "1234.56", "10.27", "2026-04-01", "2026-04-28"),
				interest("INV-2", "99.44", "10.27", "2026-04-10", "2026-04-28"),
			}
			n.Total = n.ComputeTotal()
			return n
		}},
		{"final-collection", func(lang string) *notice.Notice {
			n := sample(lang, notice.FinalNotice)
			n.Date, n.PayBy = day("2026-04-28"), day("2026-05-12")
			n.Lines = n.Lines[:1]
			n.Lines[0].DaysOverdue = 28
			n.Lines[0].LastNotice = day("2026-04-14")
			n.Earlier = []date.Date{day("2026-04-01"), day("2026-04-14")}
			n.Fees = []notice.Charge{{Label: "fee", Amount: dec("10.00")}}
			// The reference rate changed on 15 April: one line per rate.
			n.Interest = []notice.Charge{
				interest("INV-1", "1234.56", "10.27", "2026-04-01", "2026-04-14"),
				interest("INV-1", "1234.56", "11.02", "2026-04-15", "2026-04-28"),
			}
			n.Next = notice.Next{Kind: notice.NextCollection}
			n.Payment.Reference = notice.PaymentReference(n.Number, []string{"INV-1"})
			n.Total = n.ComputeTotal()
			return n
		}},
		{"instalments-unapplied", func(lang string) *notice.Notice {
			// INV-1 payable in three parts of 400.00: part 1 overdue 27
			// days, part 2 (400.00, 120.00 paid) overdue 3 days under a
			// plan whose second part was missed; 150.00 received and not
			// yet allocated: 400.00 + 280.00 - 150.00 = 530.00.
			n := sample(lang, notice.OverdueNotice)
			n.Date, n.PayBy = day("2026-04-28"), day("2026-05-12")
			n.Lines = []notice.Line{
				{Number: "INV-1", IssueDate: day("2026-03-01"), DueDate: day("2026-04-01"), Description: "Consulting, March 2026", Amount: dec("400.00"), Open: dec("400.00"), DaysOverdue: 27, Instalment: 1, Instalments: 3},
				{Number: "INV-1", IssueDate: day("2026-03-01"), DueDate: day("2026-04-25"), Description: "Consulting, March 2026", Amount: dec("400.00"), Open: dec("280.00"), DaysOverdue: 3, Instalment: 2, Instalments: 3,
					Plan: []notice.PlanPart{{PayBy: day("2026-04-10"), Amount: dec("120.00"), Paid: dec("120.00")}, {PayBy: day("2026-04-24"), Amount: dec("120.00"), Missed: true}}},
			}
			n.Fees, n.Interest = nil, nil
			n.Unapplied = []notice.Unapplied{{Kind: "payment", Date: day("2026-04-20"), Reference: "BANK-778", Amount: dec("150.00")}}
			n.Next = notice.Next{Kind: notice.NextNotice, Stage: notice.FinalNotice}
			n.Payment.Reference = notice.PaymentReference(n.Number, []string{"INV-1"})
			n.Total = n.ComputeTotal()
			return n
		}},
		{"letter-before-action", func(lang string) *notice.Notice {
			n := sample(lang, notice.LetterBeforeAction)
			n.Date, n.PayBy = day("2026-05-15"), day("2026-05-29")
			n.Lines[0].DaysOverdue, n.Lines[1].DaysOverdue = 45, 36
			n.Lines[0].LastNotice, n.Lines[1].LastNotice = day("2026-04-28"), day("2026-04-28")
			n.Earlier = []date.Date{day("2026-04-14"), day("2026-04-28")}
			// No fee on INV-2: its EUR 40 stands whole.
			n.Fees = []notice.Charge{{Label: "fees-earlier", Invoice: "INV-1", Amount: dec("15.00")}, compensation("INV-2", "40.00", "0")}
			n.Interest = []notice.Charge{
				interest("INV-1", "1234.56", "10.27", "2026-04-01", "2026-05-15"),
				interest("INV-2", "99.44", "10.27", "2026-04-10", "2026-05-15"),
			}
			n.Total = n.ComputeTotal()
			return n
		}},
	}
}

// goldenLangs: English (no region: British conventions), US English and
// German.
var goldenLangs = []string{"en", "en-US", "de"}

func goldenName(lang, sc string, ch notice.Channel) string {
	return filepath.Join("testdata", "golden", lang+"-"+sc+"-"+string(ch)+".golden")
}

func TestGoldenRenders(t *testing.T) {
	set := notice.Builtin()
	for _, lang := range goldenLangs {
		for _, sc := range scenarios() {
			for _, ch := range []notice.Channel{notice.Email, notice.Letter, notice.SMS} {
				if lang == "en-US" && ch != notice.Email {
					continue // US English differs from "en" in its dates only
				}
				n := sc.build(lang)
				n.Channel = ch
				n.Debtor.Phone = "+44 20 7946 0000"
				if err := n.Validate(); err != nil {
					t.Fatalf("%s %s %s: %v", lang, sc.name, ch, err)
				}
				if err := set.Render(n); err != nil {
					t.Fatalf("%s %s %s: %v", lang, sc.name, ch, err)
				}
				for _, f := range notice.Check(n, "") {
					t.Errorf("%s %s %s: %s", lang, sc.name, ch, f)
				}
				got := "Subject: " + n.Subject + "\n\n" + n.Text + "\n-- html --\n" + n.HTML
				name := goldenName(lang, sc.name, ch)
				if *update {
					if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(name, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(name)
				if err != nil {
					t.Fatalf("%v (run go test ./notice -run Golden -update to create)", err)
				}
				if diff := cmp.Diff(string(want), got); diff != "" {
					t.Errorf("%s differs (-golden +got):\n%s", name, diff)
				}
			}
		}
	}
}

// The figures of every golden file, read back from the text as a customer
// reads it and recomputed with exact rational arithmetic, independent of
// the package: each interest line is principal x rate/100 x days/year
// rounded half up to the cent, its days are the calendar days from..to,
// each invoice's days overdue are the notice date minus its due date, the
// total is the open balances plus every fee and interest line, and the
// subject, the HTML and the SMS show that same total. Every stage is
// checked, the friendly reminder included.
func TestGoldenFiguresAddUp(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	totals := map[string]*big.Rat{}     // lang-scenario -> total of its email
	principals := map[string]*big.Rat{} // lang-scenario -> its open balances
	stages := map[string]bool{}
	var sms []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(filepath.Base(f), ".golden")
		if strings.HasSuffix(base, "-sms") {
			sms = append(sms, f)
			continue
		}
		for _, s := range []string{"reminder", "notice", "follow-up", "final", "letter-before-action"} {
			if strings.Contains(base, s) {
				stages[s] = true
			}
		}
		lang := base[:2]
		if strings.HasPrefix(base, "en-US") {
			lang = "en-US"
		}
		total, principal := checkFigures(t, base, lang, string(b))
		if strings.HasSuffix(base, "-email") {
			totals[strings.TrimSuffix(base, "-email")] = total
			principals[strings.TrimSuffix(base, "-email")] = principal
		}
	}
	for _, s := range []string{"reminder", "notice", "follow-up", "final", "letter-before-action"} {
		if !stages[s] {
			t.Errorf("no golden file for %s", s)
		}
	}
	for _, f := range sms {
		b, _ := os.ReadFile(f)
		base := strings.TrimSuffix(strings.TrimSuffix(filepath.Base(f), ".golden"), "-sms")
		want := totals[base]
		if want == nil {
			t.Errorf("%s: no email golden to compare with", f)
			continue
		}
		// The principal overdue first, then (when there are any) the
		// charges and the total: principal + charges = total.
		p := principals[base]
		m := moneyRe(base[:2]).FindAllString(string(b), -1)
		var got []*big.Rat
		for _, s := range m {
			got = append(got, parseMoney(t, base[:2], s))
		}
		switch {
		case p.Cmp(want) == 0:
			if len(got) != 1 || got[0].Cmp(p) != 0 {
				t.Errorf("%s: amounts %v, want the principal %s alone", f, m, p.FloatString(2))
			}
		case strings.Contains(string(b), "not yet allocated") || strings.Contains(string(b), "noch nicht zugeordnet"):
			// The principal, the unapplied money deducted, the total.
			if len(got) != 3 || got[0].Cmp(p) != 0 || got[2].Cmp(want) != 0 || new(big.Rat).Sub(got[0], got[1]).Cmp(got[2]) != 0 {
				t.Errorf("%s: amounts %v, want the principal %s, the unapplied money %s and the total %s", f, m, p.FloatString(2), new(big.Rat).Sub(p, want).FloatString(2), want.FloatString(2))
			}
		case len(got) != 3 || got[0].Cmp(p) != 0 || got[2].Cmp(want) != 0 || new(big.Rat).Add(got[0], got[1]).Cmp(got[2]) != 0:
			t.Errorf("%s: amounts %v, want the principal %s, the charges %s and the total %s", f, m, p.FloatString(2), new(big.Rat).Sub(want, p).FloatString(2), want.FloatString(2))
		}
	}
}

// moneyRe matches an EUR amount as the language writes it.
func moneyRe(lang string) *regexp.Regexp {
	if strings.HasPrefix(lang, "de") {
		return regexp.MustCompile(`\d{1,3}(?:\.\d{3})*,\d{2} (?:EUR|GBP)`)
	}
	return regexp.MustCompile(`(?:EUR|GBP) \d{1,3}(?:,\d{3})*\.\d{2}`)
}

func parseMoney(t *testing.T, lang, s string) *big.Rat {
	t.Helper()
	s = strings.TrimSpace(strings.NewReplacer("EUR", "", "GBP", "").Replace(s))
	if strings.HasPrefix(lang, "de") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
	} else {
		s = strings.ReplaceAll(s, ",", "")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("amount %q", s)
	}
	return r
}

var monthNum = map[string]int{
	"January": 1, "February": 2, "March": 3, "April": 4, "May": 5, "June": 6, "July": 7, "August": 8, "September": 9, "October": 10, "November": 11, "December": 12,
	"Januar": 1, "Jänner": 1, "Februar": 2, "März": 3, "Mai": 5, "Juni": 6, "Juli": 7, "Oktober": 10, "Dezember": 12,
}

// parseDay reads "24 November 2026", "November 24, 2026" or
// "24. November 2026".
func parseDay(t *testing.T, s string) date.Date {
	t.Helper()
	f := strings.Fields(strings.NewReplacer(",", "", ".", "").Replace(s))
	if len(f) != 3 {
		t.Fatalf("date %q", s)
	}
	if _, err := strconv.Atoi(f[0]); err != nil {
		f[0], f[1] = f[1], f[0]
	}
	d, err1 := strconv.Atoi(f[0])
	y, err2 := strconv.Atoi(f[2])
	m, ok := monthNum[f[1]]
	if err1 != nil || err2 != nil || !ok {
		t.Fatalf("date %q", s)
	}
	return date.New(y, time.Month(m), d)
}

const dayRe = `(\d{1,2}\.? [A-Za-zä]+ \d{4}|[A-Z][a-z]+ \d{1,2}, \d{4})`

// roundCents rounds half away from zero to two places.
func roundCents(r *big.Rat) *big.Rat {
	c := new(big.Rat).Mul(r, big.NewRat(100, 1))
	n, d := c.Num(), c.Denom()
	q, m := new(big.Int).QuoRem(n, d, new(big.Int))
	if new(big.Int).Mul(m.Abs(m), big.NewInt(2)).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(int64(n.Sign())))
	}
	return new(big.Rat).SetFrac(q, big.NewInt(100))
}

// checkFigures recomputes the figures of one email or letter golden file
// and returns its total and the sum of its open balances.
func checkFigures(t *testing.T, name, lang, s string) (*big.Rat, *big.Rat) {
	text, html, _ := strings.Cut(s, "\n-- html --\n")
	de := strings.HasPrefix(lang, "de")
	money := moneyRe(lang).String()
	lineRe := regexp.MustCompile(`(?m)^- (?:Invoice|Rechnung) (\S+) (?:of|vom) ` + dayRe + `, (?:due|fällig am) ` + dayRe + `: .*\n  (?:amount|Betrag) (` + money + `), (?:open|offen) (` + money + `)(?:, (\d+) (day|days|Tag|Tage) (?:overdue|überfällig))?$`)
	feeRe := regexp.MustCompile(`(?m)^- ([^:\n]+): (` + money + `)$`)
	intRe := regexp.MustCompile(`(?m)^- [^:\n]+: ([\d.,]+) % (?:a year on|p\. a\. auf) (` + money + `) (?:for|für) (\d+) (day|days|Tag|Tage), ` + dayRe + ` (?:to|bis) ` + dayRe + ` \((?:day count|Zinstage) (\d+)/(\d+)\): (` + money + `)$`)
	totalRe := regexp.MustCompile(`(?m)^(?:Total due|Gesamtbetrag): (` + money + `)$`)
	unappliedRe := regexp.MustCompile(`(?m)^- (?:Payment received on|Credit note of|Zahlung vom|Gutschrift vom) [^:\n]+: -(` + money + `)$`)
	dateRe := regexp.MustCompile(`(?m)^(?:Date|Datum): ` + dayRe + `$`)

	dm := dateRe.FindStringSubmatch(text)
	if dm == nil {
		t.Fatalf("%s: no notice date", name)
	}
	noticeDay := parseDay(t, dm[1])
	sum, principal := new(big.Rat), new(big.Rat)
	lines := lineRe.FindAllStringSubmatch(text, -1)
	if len(lines) == 0 {
		t.Fatalf("%s: no invoice lines", name)
	}
	for _, l := range lines {
		due := parseDay(t, l[3])
		sum.Add(sum, parseMoney(t, lang, l[5]))
		principal.Add(principal, parseMoney(t, lang, l[5]))
		if parseMoney(t, lang, l[5]).Cmp(parseMoney(t, lang, l[4])) > 0 {
			t.Errorf("%s: invoice %s open %s above its amount %s", name, l[1], l[5], l[4])
		}
		want := max(0, int(noticeDay-due))
		got := 0
		if l[6] != "" {
			got, _ = strconv.Atoi(l[6])
			if (got == 1) != (l[7] == "day" || l[7] == "Tag") {
				t.Errorf("%s: %q: wrong plural", name, l[6]+" "+l[7])
			}
		}
		if got != want {
			t.Errorf("%s: invoice %s shows %d days overdue, the notice date minus the due date is %d", name, l[1], got, want)
		}
	}
	for _, f := range feeRe.FindAllStringSubmatch(text, -1) {
		sum.Add(sum, parseMoney(t, lang, f[2]))
	}
	// Unapplied payments and credits are deducted; every one shown is read.
	unapplied := unappliedRe.FindAllStringSubmatch(text, -1)
	for _, u := range unapplied {
		sum.Sub(sum, parseMoney(t, lang, u[1]))
	}
	if n := strings.Count(text, "not yet allocated") + strings.Count(text, "noch keiner Rechnung zugeordnet"); n != len(unapplied) {
		t.Errorf("%s: %d unapplied lines, %d read back", name, n, len(unapplied))
	}
	interestLines := intRe.FindAllStringSubmatch(text, -1)
	for _, l := range interestLines {
		rs := l[1]
		if de {
			rs = strings.ReplaceAll(rs, ",", ".")
		}
		rate, ok := new(big.Rat).SetString(rs)
		if !ok {
			t.Fatalf("%s: rate %q", name, l[1])
		}
		principal := parseMoney(t, lang, l[2])
		days, _ := strconv.Atoi(l[3])
		from, to := parseDay(t, l[5]), parseDay(t, l[6])
		if cd := int(to-from) + 1; cd != days || l[7] != l[3] {
			t.Errorf("%s: interest line %q: %d days shown, %d calendar days from %s to %s", name, l[0], days, cd, from, to)
		}
		if (days == 1) != (l[4] == "day" || l[4] == "Tag") {
			t.Errorf("%s: %q: wrong plural", name, l[3]+" "+l[4])
		}
		year, _ := strconv.Atoi(l[8])
		want := new(big.Rat).Mul(principal, rate)
		want.Mul(want, big.NewRat(int64(days), int64(100*year)))
		want = roundCents(want)
		got := parseMoney(t, lang, l[9])
		if got.Cmp(want) != 0 {
			t.Errorf("%s: interest line %q shows %s; %s x %s %% x %d/%d = %s", name, l[0], got.FloatString(2), principal.FloatString(2), rate.FloatString(2), days, year, want.FloatString(2))
		}
		sum.Add(sum, got)
	}
	if n := strings.Count(text, "% a year") + strings.Count(text, "% p. a."); n != len(interestLines) {
		t.Errorf("%s: %d interest lines, %d read back", name, n, len(interestLines))
	}
	tm := totalRe.FindStringSubmatch(text)
	if tm == nil {
		t.Fatalf("%s: no total", name)
	}
	total := parseMoney(t, lang, tm[1])
	if total.Cmp(sum) != 0 {
		t.Errorf("%s: total %s, the open balances, fees and interest add up to %s", name, total.FloatString(2), sum.FloatString(2))
	}
	// The deadline the text gives, the HTML gives too.
	payBy := regexp.MustCompile(`(?:How to pay \(by|So zahlen Sie \(bis zum) ([^)]+)\):`).FindStringSubmatch(text)
	if payBy == nil || !strings.Contains(html, payBy[0]) {
		t.Errorf("%s: pay-by %q missing from the text or the HTML", name, payBy)
	}
	// The subject and the HTML show the same figures.
	subject, _, _ := strings.Cut(text, "\n")
	if m := moneyRe(lang).FindAllString(subject, -1); len(m) != 1 || parseMoney(t, lang, m[0]).Cmp(total) != 0 {
		t.Errorf("%s: subject %q, want the total %s", name, subject, total.FloatString(2))
	}
	var textAmounts, htmlAmounts []string
	body := text[strings.Index(text, "\n"):]
	for _, m := range moneyRe(lang).FindAllString(body, -1) {
		textAmounts = append(textAmounts, m)
	}
	for _, m := range moneyRe(lang).FindAllString(html, -1) {
		htmlAmounts = append(htmlAmounts, m)
	}
	slices.Sort(textAmounts)
	slices.Sort(htmlAmounts)
	// The HTML title repeats the subject's total.
	if i := slices.Index(htmlAmounts, tm[1]); i >= 0 {
		htmlAmounts = slices.Delete(htmlAmounts, i, i+1)
	}
	if diff := cmp.Diff(textAmounts, htmlAmounts); diff != "" {
		t.Errorf("%s: the HTML shows other amounts than the text (-text +html):\n%s", name, diff)
	}
	return total, principal
}

// Deterministic: the recompute check itself rounds as stated.
func TestRoundCents(t *testing.T) {
	for in, want := range map[string]string{"4.865": "4.87", "4.8649": "4.86", "-0.005": "-0.01", "0.004": "0.00"} {
		r, _ := new(big.Rat).SetString(in)
		if got := roundCents(r).FloatString(2); got != want {
			t.Errorf("roundCents(%s) = %s, want %s", in, got, want)
		}
	}
}

// What each golden scenario must and must not say, in both languages: a
// first notice claims no earlier one, a follow-up names the earlier days,
// a consequence appears only when Next says so, one invoice is worded in
// the singular, and a German notice carries no English.
func TestWordingIsTruthful(t *testing.T) {
	type rule struct {
		scenario, lang string
		must, mustNot  []string
	}
	english := []string{"Please", "transfer", "bank transfer", "card", "Invoice", "days", "We do not"}
	for _, r := range []rule{
		{"first-reminder", "en", []string{"the following invoice is now due", "1 day overdue", "this invoice"}, []string{"wrote to you", "invoices", "despite", "earlier"}},
		{"first-reminder", "de", []string{"Die folgende Rechnung ist fällig", "1 Tag überfällig", "zur Rechnung", "Schecks nehmen wir nicht an", "Banküberweisung, Kartenzahlung"}, append([]string{"geschrieben", "trotz", "Rechnungen"}, english...)},
		{"first-notice", "en", []string{"the following invoices are overdue, the oldest by 14 days"}, []string{"wrote to you", "despite", "our reminder", "earlier"}},
		{"first-notice", "de", []string{"sind die folgenden Rechnungen überfällig, die älteste seit 14 Tagen"}, append([]string{"geschrieben", "trotz", "Erinnerung"}, english...)},
		{"follow-up", "en", []string{"We wrote to you about these invoices on 1 April 2026"}, nil},
		{"follow-up", "en-US", []string{"We wrote to you about these invoices on April 1, 2026", "Date: April 14, 2026"}, []string{"1 April 2026"}},
		{"follow-up", "de", []string{"wir haben Ihnen am 1. April 2026 wegen dieser Rechnungen geschrieben"}, english},
		{"final-notice", "en", []string{"We wrote to you about some of these invoices on 14 April 2026", "This is our final notice", "Interest continues to accrue"}, []string{"collection", "agency", "further costs", "costs of", "charged to you", "court", "further steps"}},
		{"final-notice", "de", []string{"wegen einiger dieser Rechnungen", "Dies ist unsere letzte Mahnung"}, append([]string{"Inkasso", "Kosten gehen", "zu Ihren Lasten", "gerichtlich"}, english...)},
		{"final-collection", "en", []string{"on 1 April 2026 and 14 April 2026", "pass the claim to a collection agency or a lawyer", "the following invoice remains unpaid"}, []string{"invoices", "further costs", "charged to you"}},
		{"final-collection", "de", []string{"am 1. April 2026 und 14. April 2026 wegen dieser Rechnung", "Inkassounternehmen"}, append([]string{"Kosten gehen", "zu Ihren Lasten", "Rechnungen"}, english...)},
		{"letter-before-action", "en", []string{"We wrote to you about these invoices on 14 April 2026 and 28 April 2026", "court proceedings"}, nil},
		// The debtor is in London: no Mahnbescheid is announced to it.
		{"letter-before-action", "de", []string{"wegen dieser Rechnungen geschrieben", "gerichtliche Schritte"}, append([]string{"Mahnbescheid"}, english...)},
	} {
		var sc *scenario
		for _, s := range scenarios() {
			if s.name == r.scenario {
				sc = &s
			}
		}
		for _, ch := range []notice.Channel{notice.Email, notice.Letter} {
			n := sc.build(r.lang)
			n.Channel = ch
			if err := notice.Builtin().Render(n); err != nil {
				t.Fatal(err)
			}
			// The customer's own data (names, goods) is English in the
			// fixture: leave it out of the language check.
			body := n.Subject + "\n" + n.Text + "\n" + n.HTML
			for _, own := range []string{"CNC spindles (4 units)", "Maintenance, March", "1 Example Street", "Acme Ltd"} {
				body = strings.ReplaceAll(body, own, "")
			}
			for _, w := range r.must {
				if !strings.Contains(n.Text, w) {
					t.Errorf("%s %s %s: lacks %q", r.lang, r.scenario, ch, w)
				}
			}
			for _, w := range r.mustNot {
				if strings.Contains(body, w) {
					t.Errorf("%s %s %s: says %q", r.lang, r.scenario, ch, w)
				}
			}
		}
	}
}

func TestPaymentTextPerLanguage(t *testing.T) {
	p := notice.Payment{Instructions: "default", ByLanguage: map[string]string{"de": "Deutsch", "de-AT": "Österreich", "EN_us": "US"}}
	for lang, want := range map[string]string{"de": "Deutsch", "de-DE": "Deutsch", "de-AT": "Österreich", "en-US": "US", "en": "default", "fr": "default"} {
		n := sample(lang, notice.OverdueNotice)
		n.Payment.Instructions, n.Payment.ByLanguage = p.Instructions, p.ByLanguage
		if got := notice.NewView(n).Payment.Instructions; got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
