package send_test

import (
	"context"
	"os"

	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
)

func ExampleWriter() {
	w := &send.Writer{W: os.Stdout}
	n := &notice.Notice{Channel: notice.Email, Debtor: notice.Party{Name: "Acme Ltd", Email: "ap@acme.example"},
		Subject: "Overdue: EUR 100.00", Text: "Please pay invoice INV-1."}
	_, _ = w.Send(context.Background(), "inv/c1/i1/standard/overdue-1/c0", n)
	// Output:
	// --- email to ap@acme.example [inv/c1/i1/standard/overdue-1/c0]
	// Subject: Overdue: EUR 100.00
	//
	// Please pay invoice INV-1.
}
