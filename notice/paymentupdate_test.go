package notice_test

import (
	"strings"
	"testing"

	"github.com/overduehq/overdue/notice"
)

// The payment-update texts in English and German: the subject and opening
// say the payment was declined, the closing points to the payment link
// when there is one (and says "with us" when there is none), the figures
// and pay-by date are there, and the SMS stands alone; the stage's name
// round-trips.
func TestPaymentUpdateTexts(t *testing.T) {
	for _, tc := range []struct {
		lang, url string
		want      []string
	}{
		{"en", "https://pay.example/card", []string{"Payment declined: please update your payment method for EUR 1,378.86", "it was declined, and trying it again will not help", "Please update your payment method at https://pay.example/card, or pay the total due by 21 April 2026"}},
		{"en", "", []string{"Please update your payment method with us, or pay the total due by 21 April 2026"}},
		{"de", "https://pay.example/card", []string{"Zahlung abgelehnt: Bitte aktualisieren Sie Ihre Zahlungsart für 1.378,86 EUR", "Die Zahlung wurde abgelehnt", "Bitte aktualisieren Sie Ihre Zahlungsart unter https://pay.example/card oder zahlen Sie den Gesamtbetrag bis zum 21. April 2026"}},
		{"de", "", []string{"Bitte aktualisieren Sie Ihre Zahlungsart bei uns oder zahlen Sie"}},
	} {
		n := sample(tc.lang, notice.PaymentUpdate)
		n.Payment.URL = tc.url
		if err := n.Validate(); err != nil {
			t.Fatal(err)
		}
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		all := n.Subject + "\n" + n.Text
		for _, w := range append(tc.want, "INV-1", "INV-2") {
			if !strings.Contains(all, w) {
				t.Errorf("%s %q: %q missing from\n%s", tc.lang, tc.url, w, all)
			}
		}
		if strings.Contains(all+n.HTML, n.Key) || strings.Contains(all+n.HTML, "standard") {
			t.Errorf("%s: an internal name reaches the customer", tc.lang)
		}
		sms := *sample(tc.lang, notice.PaymentUpdate)
		sms.Channel = notice.SMS
		if err := notice.Builtin().Render(&sms); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(sms.Text, n.Number) || !strings.Contains(sms.Text, "21") {
			t.Errorf("%s SMS %q lacks the reference or the date", tc.lang, sms.Text)
		}
	}
	// The legal checklists pass it in every jurisdiction and language.
	for _, j := range []notice.Jurisdiction{notice.DE, notice.UK, notice.EU, notice.FR} {
		for _, lang := range []string{"en", "de"} {
			n := sample(lang, notice.PaymentUpdate)
			n.Law = j
			if err := notice.Builtin().Render(n); err != nil {
				t.Fatal(err)
			}
			if fs := notice.Check(n, ""); len(fs) > 0 {
				t.Errorf("%s %s: %+v", j, lang, fs)
			}
		}
	}
	var s notice.Stage
	if err := s.UnmarshalText([]byte("payment-update")); err != nil || s != notice.PaymentUpdate || s.String() != "payment-update" {
		t.Errorf("stage %v %v", s, err)
	}
}
