package send_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/dunning/dunningtest"
	"github.com/overduehq/overdue/dunning/send"
	"github.com/overduehq/overdue/notice"
	"github.com/overduehq/overdue/store/memory"
)

// smtpServer is a small but real SMTP server (RFC 5321: greeting, EHLO/HELO,
// MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) on 127.0.0.1. It
// refuses recipients whose local part is "nobody" with 550 and those whose
// local part is "busy" with 451, and keeps every message it accepts.
type smtpServer struct {
	// mailCode and authCode, when set, are the replies to every MAIL FROM
	// and AUTH (AUTH is offered only when authCode is set).
	mailCode, authCode int
	// queued, when set, is called once a message is kept (queued) at the
	// end of DATA, before the reply; dataDelay delays that reply.
	queued    func()
	dataDelay time.Duration

	ln   net.Listener
	mu   sync.Mutex
	msgs []received
	wg   sync.WaitGroup
}

type received struct {
	From string
	To   []string
	Data []byte
}

func startSMTP(t *testing.T) *smtpServer { t.Helper(); return startSMTPWith(t, 0, 0) }

// startSMTPWith starts a server answering MAIL FROM with mailCode and AUTH
// with authCode (0: normally).
func startSMTPWith(t *testing.T, mailCode, authCode int) *smtpServer {
	t.Helper()
	return startServer(t, &smtpServer{mailCode: mailCode, authCode: authCode})
}

// startServer starts s, its settings filled in, on a port of its own.
func startServer(t *testing.T, s *smtpServer) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) addr() string { return s.ln.Addr().String() }

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	tp := textproto.NewConn(c)
	reply := func(code int, msg string) { _ = tp.PrintfLine("%d %s", code, msg) }
	reply(220, "test.local ESMTP ready")
	var cur received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			_ = tp.PrintfLine("250-test.local greets %s", arg)
			_ = tp.PrintfLine("250-8BITMIME")
			if s.authCode != 0 {
				_ = tp.PrintfLine("250-AUTH PLAIN")
			}
			reply(250, "SMTPUTF8")
		case "AUTH":
			if s.authCode >= 300 {
				reply(s.authCode, "authentication failed")
			} else {
				reply(235, "2.7.0 authentication successful")
			}
		case "HELO":
			reply(250, "test.local")
		case "MAIL":
			if s.mailCode != 0 {
				reply(s.mailCode, "sender refused")
				continue
			}
			cur = received{From: addrArg(arg)}
			reply(250, "OK")
		case "RCPT":
			a := addrArg(arg)
			switch {
			case strings.HasPrefix(a, "nobody@"):
				reply(550, "5.1.1 mailbox unavailable")
			case strings.HasPrefix(a, "busy@"):
				reply(451, "4.3.0 try again later")
			default:
				cur.To = append(cur.To, a)
				reply(250, "OK")
			}
		case "DATA":
			reply(354, "end data with <CR><LF>.<CR><LF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			cur.Data = data
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			if s.queued != nil {
				s.queued()
			}
			time.Sleep(s.dataDelay)
			reply(250, "queued")
		case "RSET":
			cur = received{}
			reply(250, "OK")
		case "NOOP":
			reply(250, "OK")
		case "QUIT":
			reply(221, "bye")
			return
		default:
			reply(502, "command not implemented")
		}
	}
}

func addrArg(arg string) string {
	_, a, _ := strings.Cut(arg, ":")
	a = strings.TrimSpace(a)
	if i := strings.IndexByte(a, ' '); i >= 0 {
		a = a[:i]
	}
	return strings.Trim(a, "<>")
}

func testNotice(to string) *notice.Notice {
	return &notice.Notice{
		Channel:  notice.Email,
		Language: "de",
		Debtor:   notice.Party{Name: "Müller & Söhne GmbH", Email: to},
		Subject:  "Zahlungserinnerung: Rechnung INV-1 über 1.234,56 EUR",
		Text:     "Sehr geehrte Damen und Herren,\n\nbitte zahlen Sie 1.234,56 EUR.\n.\nEine Zeile mit Punkt oben.",
		HTML:     "<p>Sehr geehrte Damen und Herren,</p><p>bitte zahlen Sie <b>1.234,56&nbsp;EUR</b>.</p>",
	}
}

func TestSMTPDeliversMultipartWithNumberInMessageID(t *testing.T) {
	srv := startSMTP(t)
	fixed := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	s := &send.SMTP{Addr: srv.addr(), From: "Accounts <ar@example.com>", BCC: []string{"archive@example.com"}, Now: func() time.Time { return fixed }}
	id, err := s.Send(context.Background(), "k1-c1-overdue-1", testNotice("ap@mueller.example"))
	if err != nil {
		t.Fatal(err)
	}
	// The Message-ID is the notice number and a hash, never the key.
	num := notice.NumberFor("k1-c1-overdue-1")
	if !regexp.MustCompile(`^<`+num+`\.[0-9a-f]{24}@example\.com>$`).MatchString(id) || strings.Contains(id, "overdue") {
		t.Errorf("message id = %q, want <%s.hash@example.com>", id, num)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "ar@example.com" {
		t.Errorf("envelope from = %q", got.From)
	}
	if strings.Join(got.To, ",") != "ap@mueller.example,archive@example.com" {
		t.Errorf("envelope to = %v", got.To)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	subj, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	wantHdr := map[string]string{
		"Message-ID":       id,
		"X-Overdue-Notice": num,
		"X-Overdue-Key":    "",
		"Date":             "Tue, 24 Nov 2026 09:30:00 +0000",
		"MIME-Version":     "1.0",
		"Content-Language": "de",
	}
	for k, v := range wantHdr {
		if g := m.Header.Get(k); g != v {
			t.Errorf("header %s = %q, want %q", k, g, v)
		}
	}
	if subj != "Zahlungserinnerung: Rechnung INV-1 über 1.234,56 EUR" {
		t.Errorf("subject = %q", subj)
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != "ap@mueller.example" || to[0].Name != "Müller & Söhne GmbH" {
		t.Errorf("To = %v, %v", to, err)
	}
	if m.Header.Get("Bcc") != "" {
		t.Error("Bcc header must not be sent")
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q, %v", mt, err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var parts []string
	var bodies []string
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		mt, ps, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, mt+"; charset="+strings.ToLower(ps["charset"]))
		bodies = append(bodies, string(b))
	}
	if strings.Join(parts, "|") != `text/plain; charset=utf-8|text/html; charset=utf-8` {
		t.Fatalf("parts = %v", parts)
	}
	n := testNotice("")
	// Lines end in CRLF on the wire; the server's dot reader and the
	// quoted-printable reader give LF. The lone "." line survives the
	// dot-stuffing both ways.
	if bodies[0] != n.Text {
		t.Errorf("text part = %q, want %q", bodies[0], n.Text)
	}
	if bodies[1] != n.HTML {
		t.Errorf("html part = %q, want %q", bodies[1], n.HTML)
	}
}

func TestSMTPClassifiesFailures(t *testing.T) {
	srv := startSMTP(t)
	s := &send.SMTP{Addr: srv.addr(), From: "ar@example.com"}
	ctx := context.Background()

	_, err := s.Send(ctx, "k", testNotice("nobody@example.com"))
	if !errors.Is(err, dunning.ErrPermanent) {
		t.Errorf("550 on RCPT: %v, want permanent", err)
	}
	_, err = s.Send(ctx, "k", testNotice("busy@example.com"))
	if err == nil || errors.Is(err, dunning.ErrPermanent) {
		t.Errorf("451 on RCPT: %v, want transient", err)
	}
	_, err = s.Send(ctx, "k", testNotice("not an address"))
	if !errors.Is(err, dunning.ErrPermanent) || !strings.Contains(err.Error(), `"not an address"`) {
		t.Errorf("bad address: %v, want permanent naming it", err)
	}
	letter := testNotice("ap@example.com")
	letter.Channel = notice.Letter
	if _, err = s.Send(ctx, "k", letter); !errors.Is(err, dunning.ErrPermanent) {
		t.Errorf("letter channel: %v, want permanent", err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server accepted %d messages, want 0", n)
	}

	// A closed port is a transient failure: the relay may come back.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	_, err = (&send.SMTP{Addr: dead, From: "ar@example.com", Timeout: 2 * time.Second}).Send(ctx, "k", testNotice("ap@example.com"))
	if err == nil || errors.Is(err, dunning.ErrPermanent) {
		t.Errorf("connection refused: %v, want transient", err)
	}
}

func TestSMTPHashesKeysThatAreNotMessageIDs(t *testing.T) {
	srv := startSMTP(t)
	s := &send.SMTP{Addr: srv.addr(), From: "ar@example.com", Domain: "mail.example.org"}
	id, err := s.Send(context.Background(), "key with spaces/åäö", testNotice("ap@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	// Whatever the key: the notice number, a dot, 24 hex digits @ Domain.
	if !regexp.MustCompile(`^<` + notice.NumberFor("key with spaces/åäö") + `\.[0-9a-f]{24}@mail\.example\.org>$`).MatchString(id) {
		t.Errorf("message id = %q", id)
	}
	m, _ := mail.ReadMessage(strings.NewReader(string(srv.messages()[0].Data)))
	if m.Header.Get("Message-ID") != id {
		t.Errorf("header Message-ID %q, returned %q", m.Header.Get("Message-ID"), id)
	}
}

// The runner with the SMTP sender: the Message-ID follows the key, a
// second run sends nothing, and a 550 marks the step failed.
func TestSMTPUnderRunner(t *testing.T) {
	srv := startSMTP(t)
	day := dunningtest.Day
	good := dunningtest.Customer("c1")
	bad := dunningtest.Customer("nobody")
	pf := dunning.Portfolio{Customers: []dunning.Customer{good, bad}}
	for _, c := range []string{"c1", "nobody"} {
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i-"+c, c, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
	}
	st := memory.New()
	r := &dunning.Runner{
		Policy: dunningtest.Policy(dunning.DefaultWorkflow("standard")), Store: st,
		Sender: &send.SMTP{Addr: srv.addr(), From: "ar@example.com"},
		Clock:  dunningtest.ClockAt(day("2026-04-14")), Owner: "t",
	}
	ctx := context.Background()
	rep, err := r.Run(ctx, pf)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[dunning.StatusSent] < 1 || rep.Counts[dunning.StatusFailed] != 1 {
		t.Fatalf("first run: %+v", rep.Counts)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	var key string
	for _, res := range rep.Results {
		if res.Status == dunning.StatusSent && strings.Contains(res.Key, "c1") {
			key = res.Key
		}
	}
	m, _ := mail.ReadMessage(strings.NewReader(string(msgs[0].Data)))
	// The customer's headers carry the notice number, not the key (which
	// names the workflow).
	hdr := m.Header.Get("X-Overdue-Notice") + " " + m.Header.Get("Message-ID")
	if m.Header.Get("X-Overdue-Notice") != notice.NumberFor(key) || !strings.HasPrefix(m.Header.Get("Message-ID"), "<"+notice.NumberFor(key)+".") || strings.Contains(hdr, "standard") || strings.Contains(hdr, key) {
		t.Errorf("key %q; headers X-Overdue-Notice %q Message-ID %q", key, m.Header.Get("X-Overdue-Notice"), m.Header.Get("Message-ID"))
	}
	if _, err := r.Run(ctx, pf); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.messages()); n != 1 {
		t.Errorf("after a second run the server has %d messages, want 1", n)
	}
}

// The Message-ID is stable for a key (a resend deduplicates) and differs
// between keys.
func TestSMTPMessageIDStablePerKey(t *testing.T) {
	srv := startSMTP(t)
	s := &send.SMTP{Addr: srv.addr(), From: "ar@example.com"}
	var ids []string
	for _, key := range []string{"inv/c1/i1/high-risk/final/c0", "inv/c1/i1/high-risk/final/c0", "inv/c1/i1/high-risk/final/c1"} {
		id, err := s.Send(context.Background(), key, testNotice("ap@mueller.example"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(id, "high-risk") || strings.Contains(id, "final") {
			t.Errorf("message id %q carries an internal name", id)
		}
		ids = append(ids, id)
	}
	if ids[0] != ids[1] || ids[0] == ids[2] {
		t.Errorf("ids %q: want the first two equal and the third different", ids)
	}
}

// Only a 5xx to the debtor's RCPT TO is the notice's permanent failure; a
// 5xx to AUTH or MAIL FROM is the sender's setup failure; a 4xx is
// transient.
func TestSMTPClassifiesSetupFailures(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name             string
		mail, auth       int
		to               string
		permanent, setup bool
		transient        bool
	}{
		{name: "530 on MAIL FROM", mail: 530, to: "ap@example.com", setup: true},
		{name: "550 on MAIL FROM", mail: 550, to: "ap@example.com", setup: true},
		{name: "535 on AUTH", auth: 535, to: "ap@example.com", setup: true},
		{name: "530 on AUTH", auth: 530, to: "ap@example.com", setup: true},
		{name: "454 on AUTH", auth: 454, to: "ap@example.com", transient: true},
		{name: "451 on MAIL FROM", mail: 451, to: "ap@example.com", transient: true},
		{name: "550 on RCPT TO", to: "nobody@example.com", permanent: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTPWith(t, tc.mail, tc.auth)
			s := &send.SMTP{Addr: srv.addr(), From: "ar@example.com"}
			if tc.auth != 0 {
				s.Auth = smtp.PlainAuth("", "ar", "secret", "127.0.0.1")
			}
			_, err := s.Send(ctx, "k", testNotice(tc.to))
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, dunning.ErrPermanent); got != tc.permanent {
				t.Errorf("%v: permanent = %v, want %v", err, got, tc.permanent)
			}
			if got := errors.Is(err, dunning.ErrSenderSetup); got != tc.setup {
				t.Errorf("%v: setup = %v, want %v", err, got, tc.setup)
			}
			if n := len(srv.messages()); n != 0 {
				t.Errorf("server accepted %d messages", n)
			}
		})
	}
	// A bad From is the sender's configuration, not the notice's fault.
	_, err := (&send.SMTP{Addr: "127.0.0.1:1", From: "not an address"}).Send(ctx, "k", testNotice("ap@example.com"))
	if !errors.Is(err, dunning.ErrSenderSetup) || errors.Is(err, dunning.ErrPermanent) {
		t.Errorf("bad From: %v, want a setup failure", err)
	}
}

// A relay answering 530 to MAIL FROM (authentication required): the run
// stops with the error, the action is released (no failed record, no
// fallback task, the step not done), and once the relay is fixed the next
// run sends every notice.
func TestSMTPSetupFailureStopsRunnerAndReleases(t *testing.T) {
	broken := startSMTPWith(t, 530, 0)
	day := dunningtest.Day
	pf := dunning.Portfolio{}
	for _, c := range []string{"c1", "c2", "c3"} {
		pf.Customers = append(pf.Customers, dunningtest.Customer(c))
		pf.Invoices = append(pf.Invoices, dunningtest.Invoice("i-"+c, c, day("2026-03-02"), day("2026-03-31"), "100.00", "EUR"))
	}
	clock := dunningtest.ClockAt(day("2026-04-14"))
	st := memory.New(memory.WithClock(clock))
	snd := &send.SMTP{Addr: broken.addr(), From: "ar@example.com"}
	r := &dunning.Runner{Policy: dunningtest.Policy(dunning.DefaultWorkflow("standard")), Store: st, Sender: snd, Clock: clock, Owner: "t",
		Sleep: func(context.Context, time.Duration) error { return nil }}
	ctx := context.Background()
	rep, err := r.Run(ctx, pf)
	if !errors.Is(err, dunning.ErrSenderSetup) || !strings.Contains(err.Error(), "530") {
		t.Fatalf("Run: %v, want the 530 setup failure", err)
	}
	if len(rep.Results) != 1 || rep.Results[0].Status != dunning.StatusRetry {
		t.Errorf("results %+v, want one released action and a stop", rep.Results)
	}
	recs, _ := st.Records(ctx)
	tasks, _ := st.Tasks(ctx, "")
	if len(recs) != 0 || len(tasks) != 0 {
		t.Fatalf("records %+v, tasks %+v, want none", recs, tasks)
	}
	fixed := startSMTP(t)
	snd.Addr = fixed.addr()
	rep, err = r.Run(ctx, pf)
	if err != nil || rep.Counts[dunning.StatusSent] != 3 || len(fixed.messages()) != 3 {
		t.Fatalf("after the fix: %v, %v, %d messages", err, rep.Counts, len(fixed.messages()))
	}
}

// SMTP answers look-ups only through Check, asked with the Message-ID Send
// used; without Check it says it cannot tell. Writer answers for the keys
// it wrote.
func TestLookups(t *testing.T) {
	ctx := context.Background()
	srv := startSMTP(t)
	accepted := map[string]bool{}
	s := &send.SMTP{Addr: srv.addr(), From: "ar@example.com"}
	if _, _, err := s.Lookup(ctx, "k1"); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Lookup without Check: %v, want ErrUnsupported", err)
	}
	s.Check = func(_ context.Context, id string) (bool, error) { return accepted[id], nil }
	id, err := s.Send(ctx, "k1", testNotice("ap@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	accepted[id] = true // what an archive of the relay's output would hold
	if got, found, err := s.Lookup(ctx, "k1"); err != nil || !found || got != id {
		t.Errorf("Lookup(k1) = %q, %v, %v", got, found, err)
	}
	if _, found, err := s.Lookup(ctx, "k2"); err != nil || found {
		t.Errorf("Lookup(k2) = %v, %v, want not found", found, err)
	}

	var buf strings.Builder
	w := &send.Writer{W: &buf}
	if _, err := w.Send(ctx, "k1", testNotice("ap@example.com")); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := w.Lookup(ctx, "k1"); !found {
		t.Error("Writer does not know the key it wrote")
	}
	if _, found, _ := w.Lookup(ctx, "k2"); found {
		t.Error("Writer knows a key it never wrote")
	}
}
