package send_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
)

// pdfBytes is a small file with every byte value, so any re-encoding
// (line ends, 8-bit stripping) would show.
func pdfBytes() []byte {
	b := []byte("%PDF-1.4\r\n")
	for i := range 512 {
		b = append(b, byte(i))
	}
	return append(b, "\n%%EOF\r\n"...)
}

func base64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }

type part struct {
	ctype, disposition, filename string
	data                         []byte
}

// walk returns the leaf parts of a MIME message, decoded.
func walk(t *testing.T, ctype string, body io.Reader) []part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		b, _ := io.ReadAll(body)
		return []part{{ctype: mt, data: b}}
	}
	var out []part
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		pt := p.Header.Get("Content-Type")
		if strings.HasPrefix(pt, "multipart/") {
			out = append(out, walk(t, pt, p)...)
			continue
		}
		var r io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64Reader(p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		disp, dp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		mt, _, _ := mime.ParseMediaType(pt)
		// go-mail writes a non-ASCII file name as an RFC 2047 word inside
		// the quoted parameter, as mail programs read it.
		name, err := new(mime.WordDecoder).DecodeHeader(dp["filename"])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, part{ctype: mt, disposition: disp, filename: name, data: b})
	}
}

// The SMTP sender copies the notice's Cc contacts (envelope and header),
// keeps BCC out of the headers, and carries the attachments the Attacher
// returns byte for byte.
func TestSMTPSendsCcAndAttachments(t *testing.T) {
	srv := startSMTP(t)
	pdf := pdfBytes()
	var asked []string
	s := &send.SMTP{
		Addr: srv.addr(), From: "Accounts <ar@example.com>", BCC: []string{"archive@example.com"}, Now: fixedNow,
		Attach: send.AttacherFunc(func(_ context.Context, key string, n *notice.Notice) ([]send.Attachment, error) {
			asked = append(asked, key)
			return []send.Attachment{{Name: "INV-1.pdf", Data: pdf}, {Name: "Kontoauszug März.csv", ContentType: "text/csv", Data: []byte("a;b\r\n1;2\n")}}, nil
		}),
	}
	n := testNotice("ap@mueller.example")
	n.Cc = []notice.Party{{Name: "Jörg Account-Manager", Email: "am@mueller.example"}, {Name: "Gone", Email: "nobody@mueller.example"}}
	if _, err := s.Send(context.Background(), "k1", n); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(asked, []string{"k1"}) {
		t.Errorf("Attacher asked for %v", asked)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	// nobody@ is refused with 550: that copy is dropped, the notice goes.
	if got := strings.Join(msgs[0].To, ","); got != "ap@mueller.example,am@mueller.example,archive@example.com" {
		t.Errorf("envelope to = %s", got)
	}
	m, err := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	cc, err := m.Header.AddressList("Cc")
	if err != nil || len(cc) != 2 || cc[0].Address != "am@mueller.example" || cc[0].Name != "Jörg Account-Manager" {
		t.Errorf("Cc = %v, %v", cc, err)
	}
	if m.Header.Get("Bcc") != "" {
		t.Error("Bcc header sent")
	}
	parts := walk(t, m.Header.Get("Content-Type"), m.Body)
	var kinds []string
	for _, p := range parts {
		kinds = append(kinds, p.ctype+":"+p.disposition+":"+p.filename)
	}
	if want := "text/plain::|text/html::|application/pdf:attachment:INV-1.pdf|text/csv:attachment:Kontoauszug März.csv"; strings.Join(kinds, "|") != want {
		t.Fatalf("parts %s, want %s", strings.Join(kinds, "|"), want)
	}
	if !bytes.Equal(parts[2].data, pdf) {
		t.Errorf("the PDF arrived changed: %d bytes, want %d", len(parts[2].data), len(pdf))
	}
	if string(parts[3].data) != "a;b\r\n1;2\n" {
		t.Errorf("csv = %q", parts[3].data)
	}
	if string(parts[0].data) != n.Text {
		t.Errorf("text = %q", parts[0].data)
	}
}

// An Attacher's failure is transient unless it says otherwise; a bad
// attachment name or a bad Cc address is the notice's failure. Nothing
// reaches the server.
func TestSMTPAttachmentAndCcFailures(t *testing.T) {
	srv := startSMTP(t)
	ctx := context.Background()
	down := errors.New("document store down")
	for _, tc := range []struct {
		name      string
		atts      []send.Attachment
		err       error
		cc        string
		permanent bool
	}{
		{name: "attacher down", err: down},
		{name: "attacher permanent", err: dunning.ErrPermanent, permanent: true},
		{name: "name with CRLF", atts: []send.Attachment{{Name: "a.pdf\r\nBcc: x@evil.example", Data: []byte("x")}}, permanent: true},
		{name: "no name", atts: []send.Attachment{{Data: []byte("x")}}, permanent: true},
		{name: "bad type", atts: []send.Attachment{{Name: "a", ContentType: "no type", Data: []byte("x")}}, permanent: true},
		{name: "bad cc", cc: "not an address", permanent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &send.SMTP{Addr: srv.addr(), From: "ar@example.com", Attach: send.AttacherFunc(func(context.Context, string, *notice.Notice) ([]send.Attachment, error) {
				return tc.atts, tc.err
			})}
			n := testNotice("ap@example.com")
			if tc.cc != "" {
				n.Cc = []notice.Party{{Email: tc.cc}}
			}
			_, err := s.Send(ctx, "k", n)
			if err == nil {
				t.Fatal("sent")
			}
			if errors.Is(err, dunning.ErrPermanent) != tc.permanent || errors.Is(err, dunning.ErrSenderSetup) {
				t.Errorf("%v: permanent %v, want %v", err, errors.Is(err, dunning.ErrPermanent), tc.permanent)
			}
			if tc.err == down && !errors.Is(err, down) {
				t.Errorf("%v does not wrap the Attacher's error", err)
			}
		})
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server accepted %d messages", n)
	}
}

// deskCustomer has a CEO first (no role the defaults name), then accounts
// payable, then billing, then the account manager.
func deskCustomer(billing string) dunning.Customer {
	c := dunningtest.Customer("c1")
	c.Contacts = []dunning.Contact{
		{Name: "Chief Executive", Role: "ceo", Email: "ceo@c1.example"},
		{Name: "Accounts Payable", Role: "accounts-payable", Email: "ap@c1.example"},
		{Name: "Billing Desk", Role: "Billing", Email: billing},
		{Name: "Anna Manager", Role: "account-manager", Email: "am@c1.example"},
	}
	return c
}

func deskRunner(t *testing.T, addr string, cust dunning.Customer, onBounce dunning.ActionKind) (*dunning.Runner, dunning.Portfolio, *memory.Store) {
	t.Helper()
	day := dunningtest.Day
	wf := dunning.DefaultWorkflow("standard")
	for i := range wf.Steps {
		wf.Steps[i].Cc = []string{"account-manager"}
		wf.Steps[i].OnBounce = onBounce
	}
	pf := dunning.Portfolio{Customers: []dunning.Customer{cust},
		Invoices: []dunning.Invoice{dunningtest.Invoice("i1", "c1", day("2026-03-02"), day("2026-03-31"), "100.00", "EUR")}}
	st := memory.New()
	r := &dunning.Runner{
		Policy: dunningtest.Policy(wf), Store: st,
		Sender: &send.SMTP{Addr: addr, From: "ar@example.com"},
		Clock:  dunningtest.ClockAt(day("2026-04-14")), Owner: "t",
	}
	return r, pf, st
}

// Through the planner and runner: the notice goes to the billing contact
// (not Contacts[0]), copied to the account manager the step names.
func TestSMTPRolesUnderRunner(t *testing.T) {
	srv := startSMTP(t)
	r, pf, _ := deskRunner(t, srv.addr(), deskCustomer("billing@c1.example"), "")
	rep, err := r.Run(context.Background(), pf)
	if err != nil || rep.Counts[dunning.StatusSent] != 1 {
		t.Fatalf("%v %+v", err, rep.Counts)
	}
	msgs := srv.messages()
	if len(msgs) != 1 || strings.Join(msgs[0].To, ",") != "billing@c1.example,am@c1.example" {
		t.Fatalf("messages %+v", msgs)
	}
	m, _ := mail.ReadMessage(bytes.NewReader(msgs[0].Data))
	to, _ := m.Header.AddressList("To")
	cc, _ := m.Header.AddressList("Cc")
	if len(to) != 1 || to[0].Address != "billing@c1.example" || len(cc) != 1 || cc[0].String() != `"Anna Manager" <am@c1.example>` {
		t.Errorf("To %v Cc %v", to, cc)
	}
}

// Skip-tracing: the billing mailbox refuses the notice (550), so the same
// email goes to the next contact (accounts payable) in the same run; when
// every contact refuses, the step's OnBounce (a task) follows.
func TestSMTPSkipTracesOnBounce(t *testing.T) {
	srv := startSMTP(t)
	ctx := context.Background()
	r, pf, st := deskRunner(t, srv.addr(), deskCustomer("nobody@c1.example"), dunning.Task)
	rep, err := r.Run(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 || msgs[0].To[0] != "ap@c1.example" {
		t.Fatalf("messages %+v, want one to ap@c1.example", msgs)
	}
	var keys []string
	for _, res := range rep.Results {
		keys = append(keys, string(res.Status)+" "+res.Key)
	}
	want := []string{"failed inv/c1/i1/standard/overdue-1/c0", "sent inv/c1/i1/standard/overdue-1/c0/next"}
	if !slices.Equal(keys, want) {
		t.Errorf("results %q, want %q", keys, want)
	}
	if tasks, _ := st.Tasks(ctx, ""); len(tasks) != 0 {
		t.Errorf("tasks %+v, want none: the next contact got it", tasks)
	}
	// The next run has nothing to do for that step.
	if rep, err = r.Run(ctx, pf); err != nil || rep.Counts[dunning.StatusSent] != 0 {
		t.Errorf("second run: %v %+v", err, rep.Counts)
	}

	// Only unreachable mailboxes: billing, then ceo... every one bounces
	// and the task follows once no contact is left.
	c := deskCustomer("nobody@c1.example")
	for i := range c.Contacts {
		c.Contacts[i].Email = "nobody@" + string(rune('a'+i)) + ".example"
	}
	srv2 := startSMTP(t)
	r, pf, st = deskRunner(t, srv2.addr(), c, dunning.Task)
	for range 4 { // the runner re-plans fallbacks once per run
		if _, err := r.Run(ctx, pf); err != nil {
			t.Fatal(err)
		}
	}
	recs, _ := st.Records(ctx)
	keys = keys[:0]
	for _, rec := range recs {
		keys = append(keys, string(rec.Outcome)+" "+rec.Key)
	}
	slices.Sort(keys)
	base := "inv/c1/i1/standard/overdue-1/c0"
	want = []string{"failed " + base, "failed " + base + "/next", "failed " + base + "/next/next", "failed " + base + "/next/next/next", "sent " + base + "/next/next/next/fallback"}
	if !slices.Equal(keys, want) {
		t.Errorf("records %q, want %q", keys, want)
	}
	if tasks, _ := st.Tasks(ctx, ""); len(tasks) != 1 {
		t.Errorf("tasks %+v, want the one fallback task", tasks)
	}
	if n := len(srv2.messages()); n != 0 {
		t.Errorf("%d messages", n)
	}
}
