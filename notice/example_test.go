package notice_test

import (
	"fmt"

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
	// Mahnung: 1.383,86 EUR überfällig
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
