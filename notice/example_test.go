package notice_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"

	"github.com/overduehq/overdue/notice"
)

func ExampleSet_Render() {
	n := sample("de", notice.OverdueNotice)
	if err := notice.Builtin().Render(n); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.Subject)
	// Output:
	// Mahnung: 1.378,86 EUR überfällig
}

func ExampleNotice_Validate() {
	n := sample("en", notice.FinalNotice)
	n.Lines[0].Description = ""
	n.Payment = notice.Payment{}
	fmt.Println(n.Validate())
	// Output:
	// notice: missing or invalid: lines[0].description, payment
}

func ExampleFormatMoney() {
	fmt.Println(notice.FormatMoney("de", dec("1234.5"), "EUR", 2))
	fmt.Println(notice.FormatMoney("en", dec("1234.5"), "EUR", 2))
	fmt.Println(notice.FormatMoney("en", dec("385000"), "JPY", 0))
	// Output:
	// 1.234,50 EUR
	// EUR 1,234.50
	// JPY 385,000
}

func ExampleNumberFor() {
	n := notice.NumberFor("inv/c-bistro/inv-2001/high-risk/overdue-1/c0")
	fmt.Println(n, len(n))
	p, err := notice.ParseNumber(strings.ToLower(n[:5] + "-" + n[5:]))
	fmt.Println(p == n, err)
	fmt.Println(notice.PaymentReference(n, []string{"INV-1", "INV-2"}))
	// Output:
	// 9P7QJWHBDA 10
	// true <nil>
	// 9P7QJWHBDA INV-1 INV-2
}

func ExampleFormatDate() {
	d := date.New(2026, time.November, 24)
	for _, lang := range []string{"en-US", "en-GB", "de-DE", "de-AT"} {
		fmt.Println(lang, notice.FormatDate(lang, d))
	}
	fmt.Println(notice.Plural(1, "day", "days"), "/", notice.Plural(14, "Tag", "Tage"))
	// Output:
	// en-US November 24, 2026
	// en-GB 24 November 2026
	// de-DE 24. November 2026
	// de-AT 24. November 2026
	// 1 day / 14 Tage
}

func ExampleCheck() {
	n := sample("en", notice.FinalNotice)
	n.Debtor.Kind = ""                                                      // unknown: company, sole trader or consumer?
	n.Creditor.Registration.Directors = nil                                 // a GmbH names its managing directors
	n.Fees[1].Amount, n.Fees[1].Covered = n.Fees[1].Statutory, decimal.Zero // the whole EUR 40 beside the fee
	n.Total = n.ComputeTotal()
	if err := notice.Builtin().Render(n); err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range notice.Check(n, notice.DE) {
		fmt.Println(f.Item, "|", f.Source)
	}
	// Output:
	// debtor-kind | §§ 13, 14, 288 BGB
	// creditor-footer | § 35a GmbHG, § 80 AktG, § 37a HGB; Companies Act 2006 s.82 and the Trading Disclosures Regulations 2015 reg. 25; Art. R123-237 Code de commerce
	// fees-netted | § 288 Abs. 5 S. 3 BGB
}
