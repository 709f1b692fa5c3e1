package notice_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func day(s string) date.Date       { return date.MustParseISO(s) }

// sample is a complete overdue notice for two invoices with a fee and
// interest: principal 1,234.56 + 99.44 = 1,334.00; fees 5.00 + 40.00 =
// 45.00; interest 3.21; total 1,382.21.
func sample(lang string, stage notice.Stage) *notice.Notice {
	n := &notice.Notice{
		Key: "inv/c1/i1/standard/overdue-1/c0", Date: day("2026-04-14"), PayBy: day("2026-04-21"),
		Stage: stage, Channel: notice.Email, Language: lang, Workflow: "standard", Step: "overdue-1",
		Creditor: notice.Party{Name: "Northwind Supplies GmbH", Address: []string{"Hafenstraße 12", "20457 Hamburg"}, Email: "ar@northwind.example", TaxID: "DE123456789"},
		Debtor:   notice.Party{Name: "Acme Ltd", Address: []string{"1 Example Street", "London EC1A 1AA"}, Email: "ap@acme.example", Reference: "C-1"},
		Currency: "EUR", MinorUnits: 2,
		Lines: []notice.Line{
			{Number: "INV-1", IssueDate: day("2026-03-01"), DueDate: day("2026-03-31"), Description: "CNC spindles (4 units)", Amount: dec("1234.56"), Open: dec("1234.56"), DaysOverdue: 14},
			{Number: "INV-2", IssueDate: day("2026-03-10"), DueDate: day("2026-04-09"), Description: "Maintenance, March", Amount: dec("150.00"), Open: dec("99.44"), DaysOverdue: 5},
		},
		Fees:     []notice.Charge{{Label: "fee", Amount: dec("5.00")}, {Label: "compensation", Invoice: "INV-1", Amount: dec("40.00")}},
		Interest: []notice.Charge{{Label: "interest", Invoice: "INV-1", Amount: dec("3.21"), Rate: dec("10.27"), From: day("2026-04-01"), To: day("2026-04-14")}},
		Payment:  notice.Payment{Instructions: "Please transfer the amount due.", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Reference: "INV-1", Options: []string{"bank transfer", "card"}},
	}
	n.Total = n.ComputeTotal()
	return n
}

func TestTotals(t *testing.T) {
	n := sample("en", notice.OverdueNotice)
	for name, got := range map[string]decimal.Decimal{"principal": n.Principal(), "fees": n.FeeTotal(), "interest": n.InterestTotal(), "total": n.ComputeTotal()} {
		want := map[string]string{"principal": "1334.00", "fees": "45.00", "interest": "3.21", "total": "1382.21"}[name]
		if !got.Equal(dec(want)) {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	if err := n.Validate(); err != nil {
		t.Errorf("complete notice: %v", err)
	}
}

func TestValidateNamesMissingFields(t *testing.T) {
	for _, tc := range []struct {
		want   string
		mutate func(n *notice.Notice)
	}{
		{"creditor.name", func(n *notice.Notice) { n.Creditor.Name = " " }},
		{"creditor.address", func(n *notice.Notice) { n.Creditor.Address = nil }},
		{"debtor.name", func(n *notice.Notice) { n.Debtor.Name = "" }},
		{"date", func(n *notice.Notice) { n.Date = 0 }},
		{"stage", func(n *notice.Notice) { n.Stage = 0 }},
		{"currency", func(n *notice.Notice) { n.Currency = "eur" }},
		{"lines", func(n *notice.Notice) { n.Lines = nil; n.Total = n.ComputeTotal() }},
		{"lines[1].number", func(n *notice.Notice) { n.Lines[1].Number = "" }},
		{"lines[0].issue_date", func(n *notice.Notice) { n.Lines[0].IssueDate = 0 }},
		{"lines[0].due_date", func(n *notice.Notice) { n.Lines[0].DueDate = day("2026-02-01") }},
		{"lines[0].description", func(n *notice.Notice) { n.Lines[0].Description = "" }},
		{"lines[0].amount", func(n *notice.Notice) { n.Lines[0].Amount = dec("1234.567") }},
		{"lines[1].open", func(n *notice.Notice) { n.Lines[1].Open = dec("150.01"); n.Total = n.ComputeTotal() }},
		{"fees[0].amount", func(n *notice.Notice) { n.Fees[0].Amount = dec("-5"); n.Total = n.ComputeTotal() }},
		{"total", func(n *notice.Notice) { n.Total = dec("1382.20") }},
		{"payment", func(n *notice.Notice) { n.Payment = notice.Payment{} }},
		{"debtor.email", func(n *notice.Notice) { n.Debtor.Email = "nobody" }},
		{"debtor.address", func(n *notice.Notice) { n.Channel = notice.Letter; n.Debtor.Address = nil }},
		{"debtor.phone", func(n *notice.Notice) { n.Channel = notice.SMS }},
		{"channel", func(n *notice.Notice) { n.Channel = "pigeon" }},
		{"pay_by", func(n *notice.Notice) { n.Stage = notice.FinalNotice; n.PayBy = n.Date }},
	} {
		n := sample("en", notice.OverdueNotice)
		tc.mutate(n)
		err := n.Validate()
		var ve *notice.ValidationError
		if !errors.As(err, &ve) || !errors.Is(err, notice.ErrInvalid) {
			t.Errorf("%s: err = %v, want a *ValidationError wrapping ErrInvalid", tc.want, err)
			continue
		}
		if diff := cmp.Diff([]string{tc.want}, ve.Fields); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tc.want, diff)
		}
	}
}

// Property: on any notice in a currency with 0, 2 or 3 minor units, with
// unrounded open balances, fees and interest (up to 4 digits more than the
// currency has), Principal, FeeTotal and InterestTotal are each their exact
// sum rounded half away from zero to the minor unit, and the total is the
// three added. The expected figures come from integer arithmetic here, not
// from the decimal package's rounding.
func TestTotalProperty(t *testing.T) {
	const extra = 4 // digits beyond the minor unit the generator may use
	rapid.Check(t, func(t *rapid.T) {
		units := rapid.SampledFrom([]int32{0, 2, 3}).Draw(t, "units")
		// amt draws an amount with 0 to 4 digits beyond the minor unit and
		// returns it with its value in 10^-(units+extra) steps.
		amt := func(label string) (decimal.Decimal, int64) {
			digits := rapid.IntRange(0, extra).Draw(t, label+"-digits")
			v := rapid.Int64Range(1, 10_000_000).Draw(t, label)
			scaled := v
			for range extra - digits {
				scaled *= 10
			}
			return decimal.New(v, -units-int32(digits)), scaled
		}
		// roundHalfAway rounds a sum of 10^-(units+extra) steps to minor
		// units, half away from zero.
		roundHalfAway := func(x int64) decimal.Decimal {
			const unit = 10_000 // 10^extra
			neg := x < 0
			if neg {
				x = -x
			}
			q, r := x/unit, x%unit
			if 2*r >= unit {
				q++
			}
			if neg {
				q = -q
			}
			return decimal.New(q, -units)
		}
		n := &notice.Notice{Currency: "XXX", MinorUnits: units}
		var lines, fees, interest int64
		for range rapid.IntRange(1, 5).Draw(t, "lines") {
			a, s := amt("open")
			n.Lines = append(n.Lines, notice.Line{Amount: a, Open: a})
			lines += s
		}
		for range rapid.IntRange(0, 3).Draw(t, "fees") {
			a, s := amt("fee")
			n.Fees = append(n.Fees, notice.Charge{Amount: a})
			fees += s
		}
		for range rapid.IntRange(0, 3).Draw(t, "interest") {
			a, s := amt("interest")
			n.Interest = append(n.Interest, notice.Charge{Amount: a})
			interest += s
		}
		wantP, wantF, wantI := roundHalfAway(lines), roundHalfAway(fees), roundHalfAway(interest)
		for _, c := range []struct {
			name      string
			got, want decimal.Decimal
		}{
			{"Principal", n.Principal(), wantP},
			{"FeeTotal", n.FeeTotal(), wantF},
			{"InterestTotal", n.InterestTotal(), wantI},
			{"ComputeTotal", n.ComputeTotal(), wantP.Add(wantF).Add(wantI)},
		} {
			// Equal value and no digit beyond the minor unit.
			if !c.got.Equal(c.want) || c.got.Shift(units).Cmp(c.got.Shift(units).Truncate(0)) != 0 {
				t.Fatalf("%s = %s, want %s (units %d)", c.name, c.got, c.want, units)
			}
		}
	})
}

func TestGoldenRenders(t *testing.T) {
	set := notice.Builtin()
	for _, lang := range []string{"en", "de"} {
		for st := notice.FriendlyReminder; st <= notice.LetterBeforeAction; st++ {
			for _, ch := range []notice.Channel{notice.Email, notice.SMS} {
				n := sample(lang, st)
				n.Channel = ch
				n.Debtor.Phone = "+44 20 7946 0000"
				if err := set.Render(n); err != nil {
					t.Fatalf("%s %s %s: %v", lang, st, ch, err)
				}
				got := "Subject: " + n.Subject + "\n\n" + n.Text + "\n-- html --\n" + n.HTML
				name := filepath.Join("testdata", "golden", lang+"-"+st.String()+"-"+string(ch)+".golden")
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

// The amounts every rendered notice must show, whatever the template.
func TestRenderedNoticeCarriesTheFigures(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"INV-1", "INV-2", "EUR 1,234.56", "EUR 99.44", "EUR 1,382.21", "21 April 2026", "DE89370400440532013000", "CNC spindles (4 units)"}},
		{"de", []string{"INV-1", "INV-2", "1.234,56 EUR", "99,44 EUR", "1.382,21 EUR", "21.04.2026", "DE89370400440532013000", "CNC spindles (4 units)"}},
	} {
		for st := notice.OverdueNotice; st <= notice.LetterBeforeAction; st++ {
			n := sample(tc.lang, st)
			if err := notice.Builtin().Render(n); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(n.Text, w) || !strings.Contains(n.HTML, strings.ReplaceAll(w, "(", "(")) {
					t.Errorf("%s %s: %q missing from text or HTML", tc.lang, st, w)
				}
			}
		}
	}
}

func TestHTMLEscaping(t *testing.T) {
	n := sample("en", notice.OverdueNotice)
	evil := `<script>alert(1)</script> & "quotes"`
	n.Debtor.Name = evil
	n.Lines[0].Description = evil
	if err := notice.Builtin().Render(n); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(n.HTML, "<script>") {
		t.Error("HTML carries an unescaped <script>")
	}
	if !strings.Contains(n.HTML, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;") {
		t.Errorf("HTML lacks the escaped text:\n%s", n.HTML)
	}
	if !strings.Contains(n.Text, evil) {
		t.Error("the text part mangled the name")
	}
}
