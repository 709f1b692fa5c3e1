package money_test

import (
	"fmt"

	"github.com/overduehq/overdue/dunning/money"
	"github.com/shopspring/decimal"
)

func Example() {
	fee, _ := money.Parse("40 EUR")
	interest := money.New(decimal.RequireFromString("3.14159"), "EUR").Round()
	total, err := fee.Add(interest)
	fmt.Println(total, err)

	_, err = total.Add(money.New(decimal.NewFromInt(1), "USD"))
	fmt.Println(err)
	// Output:
	// EUR 43.14 <nil>
	// money: cannot combine EUR with USD
}
