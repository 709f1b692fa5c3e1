package send_test

import (
	"context"
	"errors"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
	"golang.org/x/text/language"
)

var fixedNow = func() time.Time { return time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC) }

// TestSMTPRefusesHeaderInjection: each value that once reached a header
// unchecked is refused, and nothing reaches the server.
func TestSMTPRefusesHeaderInjection(t *testing.T) {
	cases := []struct {
		name      string
		lang, key string
		replyTo   string
		permanent bool
	}{
		{"language CRLF Reply-To", "de\r\nReply-To: attacker@evil.example\r\n\r\nPay to IBAN XX00 ATTACKER", "k1", "", true},
		{"language LF", "en\nBcc: x@evil.example", "k1", "", true},
		{"language CR", "en\rX: y", "k1", "", true},
		{"language not BCP 47", "english please", "k1", "", true},
		{"language NUL", "de\x00", "k1", "", true},
		{"key CRLF", "de", "k1\r\nBcc: x@evil.example", "", true},
		{"reply-to CRLF", "de", "k1", "ar@example.com\r\nBcc: x@evil.example", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := startSMTP(t)
			s := &send.SMTP{Addr: srv.addr(), From: "Accounts <ar@example.com>", ReplyTo: c.replyTo, Now: fixedNow}
			n := testNotice("ap@mueller.example")
			n.Language = c.lang
			_, err := s.Send(context.Background(), c.key, n)
			if err == nil {
				t.Fatalf("Send accepted %q / %q / %q", c.lang, c.key, c.replyTo)
			}
			if errors.Is(err, dunning.ErrPermanent) != c.permanent {
				t.Errorf("Send: %v; permanent = %v, want %v", err, errors.Is(err, dunning.ErrPermanent), c.permanent)
			}
			if got := len(srv.messages()); got != 0 {
				t.Errorf("server got %d messages, want 0", got)
			}
		})
	}
}

// TestSMTPContentLanguageCanonical: a valid tag is written in canonical form.
func TestSMTPContentLanguageCanonical(t *testing.T) {
	s := &send.SMTP{From: "ar@example.com", Now: fixedNow}
	for in, want := range map[string]string{"de-at": "de-AT", "EN": "en", "sr-latn-rs": "sr-Latn-RS"} {
		n := testNotice("ap@example.com")
		n.Language = in
		msg, err := s.Message("k", "<k@example.com>", &mail.Address{Address: "ar@example.com"}, &mail.Address{Address: "ap@example.com"}, n)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(msg)))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Header.Get("Content-Language"); got != want {
			t.Errorf("Content-Language for %q = %q, want %q", in, got, want)
		}
	}
}

// TestSMTPContentLanguageIsRendered: Content-Language is the language the
// notice was rendered in: a French notice without French templates reads
// English, and says "en"; a German one says "de-AT".
func TestSMTPContentLanguageIsRendered(t *testing.T) {
	s := &send.SMTP{From: "ar@example.com", Now: fixedNow}
	for in, want := range map[string]string{"fr": "en", "fr-CA": "en", "de-AT": "de-AT"} {
		n := &notice.Notice{Key: "k", Number: notice.NumberFor("k"), Stage: notice.OverdueNotice, Channel: notice.Email, Language: in,
			Creditor: notice.Party{Name: "Northwind"}, Debtor: notice.Party{Name: "Acme", Email: "ap@example.com"}, Currency: "EUR", MinorUnits: 2,
			Lines:   []notice.Line{{Number: "INV-1", Description: "Consulting"}},
			Payment: notice.Payment{ByLanguage: map[string]string{"fr": "Veuillez virer le montant dû."}}}
		if err := notice.Builtin().Render(n); err != nil {
			t.Fatal(err)
		}
		msg, err := s.Message("k", "<k@example.com>", &mail.Address{Address: "ar@example.com"}, &mail.Address{Address: "ap@example.com"}, n)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(msg)))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Header.Get("Content-Language"); got != want || strings.Contains(string(msg), "Veuillez") {
			t.Errorf("Content-Language for %q = %q, want %q (French text: %v)", in, got, want, strings.Contains(string(msg), "Veuillez"))
		}
	}
}

// FuzzSMTPMessage: whatever the notice, key and names hold, the message
// parses with net/mail and has exactly the headers the builder writes, each
// carrying the data it was given; or Message refuses it because the language
// is no BCP 47 tag or the key holds a control character.
func FuzzSMTPMessage(f *testing.F) {
	f.Add("Müller & Söhne", "Zahlungserinnerung", "de", "inv/c1/i1/std/overdue-1/c0", "Text\r\n.\r\n", "<p>x</p>")
	f.Add("Eve\r\nBcc: x@evil", "Hi\r\nReply-To: a@evil", "de\r\nReply-To: attacker", "k\r\n\r\nbody", "", "")
	f.Add("\"quoted\" <name>", strings.Repeat("long subject ", 20), "sr-Latn-RS", "k", "a\nb", "")
	f.Add("=?utf-8?q?X?=", "=?utf-8?q?=0D=0AX:_y?=", "en", "k", "", "<b>")
	f.Fuzz(func(t *testing.T, name, subject, lang, key, text, html string) {
		s := &send.SMTP{From: "Accounts <ar@example.com>", ReplyTo: "help@example.com", Now: fixedNow}
		n := &notice.Notice{Channel: notice.Email, Language: lang, Subject: subject, Text: text, HTML: html, Debtor: notice.Party{Name: name}}
		from := &mail.Address{Name: "Accounts", Address: "ar@example.com"}
		to := &mail.Address{Name: name, Address: "ap@example.com"}
		msgID := "<fixed@example.com>"
		msg, err := s.Message(key, msgID, from, to, n)
		_, langErr := language.Parse(lang)
		badLang := lang != "" && (langErr != nil || strings.ContainsAny(lang, "\r\n"))
		badKey := strings.ContainsFunc(key, func(r rune) bool {
			return r < ' ' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u2028' || r == '\u2029'
		})
		if err != nil {
			if !badLang && !badKey {
				t.Fatalf("Message refused a clean notice (lang %q, key %q): %v", lang, key, err)
			}
			return
		}
		if badLang || badKey {
			t.Fatalf("Message accepted lang %q key %q", lang, key)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(msg)))
		if err != nil {
			t.Fatalf("net/mail cannot read the message: %v\n%q", err, msg)
		}
		want := []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Reply-To", "Subject", "To", "X-Overdue-Notice"}
		if lang != "" {
			want = append(want, "Content-Language")
		}
		if html == "" {
			want = append(want, "Content-Transfer-Encoding")
		}
		var got []string
		for k, vs := range m.Header {
			if len(vs) != 1 {
				t.Errorf("header %s appears %d times", k, len(vs))
			}
			got = append(got, k)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("headers = %v, want %v\n%q", got, want, msg)
		}
		if g, want := m.Header.Get("X-Overdue-Notice"), notice.NumberFor(key); g != want {
			t.Errorf("X-Overdue-Notice = %q, want %q (the notice number, never the key)", g, want)
		}
		if g := m.Header.Get("Message-Id"); g != msgID {
			t.Errorf("Message-ID = %q", g)
		}
		if g := m.Header.Get("Reply-To"); g != "help@example.com" {
			t.Errorf("Reply-To = %q", g)
		}
		if lang != "" {
			tag, _ := language.Parse(lang)
			if g := m.Header.Get("Content-Language"); g != tag.String() {
				t.Errorf("Content-Language = %q, want %q", g, tag.String())
			}
		}
		addrs, err := m.Header.AddressList("To")
		if err != nil || len(addrs) != 1 || addrs[0].Address != "ap@example.com" {
			t.Fatalf("To = %q: %v %v", m.Header.Get("To"), addrs, err)
		}
		if want := strings.ToValidUTF8(name, "\uFFFD"); addrs[0].Name != want && strings.Join(strings.Fields(addrs[0].Name), " ") != strings.Join(strings.Fields(want), " ") {
			t.Errorf("To name = %q, want %q", addrs[0].Name, want)
		}
		if utf8.ValidString(subject) {
			dec, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err == nil && dec != subject && strings.TrimSpace(dec) != strings.TrimSpace(subject) {
				t.Errorf("Subject decodes to %q, want %q", dec, subject)
			}
		}
	})
}
