package send

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"
	"golang.org/x/text/language"
)

// SMTP delivers email notices through an SMTP server (a relay or a
// provider's SMTP endpoint) with github.com/wneessen/go-mail: its Msg builds
// the MIME message and its smtp package (a maintained fork of net/smtp)
// carries the conversation. The conversation is driven command by command
// rather than through go-mail's Client.Send, because the classification
// below needs to know which command, and for RCPT TO which recipient, a
// reply answered; go-mail's SendError names the command but not the
// recipient.
//
// Each message is multipart/alternative with a text/plain and a text/html
// part (quoted-printable, UTF-8), and carries a Message-ID stable for the
// action's idempotency key, <number.hash@Domain> (the notice number and 96
// bits of the key's SHA-256, no internal name), plus an X-Overdue-Notice
// header with the notice number: a provider or mail archive that
// deduplicates by Message-ID delivers a resend after a crash once.
//
// Failures are classified by whose fault they are:
//   - The notice's: a 5xx reply to RCPT TO for the debtor (unknown mailbox),
//     a 5xx reply to the message itself (DATA), a debtor without a valid
//     email address, a channel other than email. They wrap
//     dunning.ErrPermanent, so the step counts as done and the workflow's
//     OnBounce fallback takes over.
//   - Nobody's: a 5xx reply to RCPT TO for a Cc contact drops that copy;
//     the notice still goes to the debtor.
//   - The sender's: a 5xx reply to the greeting, STARTTLS, AUTH, MAIL FROM
//     or RCPT TO for a BCC address, a TLS handshake or certificate failure,
//     AUTH refused locally (no AUTH offered, no TLS), an invalid Addr or
//     From. They wrap dunning.ErrSenderSetup: the runner releases the
//     action (neither sent nor failed), stops the run and returns the error.
//   - Transient: connection failures, timeouts and 4xx replies, retried by
//     the runner. SMTP returns them only before the end of DATA, or for a
//     4xx reply to it: the server surely did not accept the message.
//   - Unknown: no reply to the end of DATA (a timeout, a lost connection,
//     the context's end). The server may have queued the message before
//     its reply was lost, so the error wraps dunning.ErrOutcomeUnknown: the
//     runner neither tries again nor releases the action as unsent, and
//     the next claim asks Lookup (Check) before it sends again. After a
//     250 reply, a lost QUIT changes nothing and Send succeeds.
//
// Look-ups: a plain SMTP relay cannot answer "did this Message-ID go
// out?", so SMTP implements dunning.Looker only through Check, which the app
// sets when something can (a provider's API searched by Message-ID, the
// mailbox its BCC copies land in). Without Check, Lookup returns
// errors.ErrUnsupported and a crash between the server's acceptance and
// the record can lead to a second delivery under the same Message-ID, which
// receivers that deduplicate by Message-ID drop.
//
// SMTP is safe for concurrent use; it opens one connection per message.
type SMTP struct {
	// Addr is host:port of the server, e.g. "smtp.example.com:587".
	Addr string
	// From is the envelope sender and From header, e.g.
	// "Accounts <ar@example.com>".
	From string
	// Domain is the right-hand side of Message-IDs; default From's domain.
	Domain string
	// Auth, when set, authenticates after STARTTLS (smtp.PlainAuth refuses PLAIN
	// auth over an unencrypted connection to a host other than localhost).
	Auth smtp.Auth
	// TLS configures STARTTLS, used whenever the server offers it; nil
	// means a config with ServerName set to Addr's host.
	TLS *tls.Config
	// ReplyTo, BCC: optional; BCC addresses get the message too (an
	// archive mailbox, say) without a header naming them.
	ReplyTo string
	BCC     []string
	// Timeout bounds one message's SMTP conversation up to the end of its
	// data; default 30s.
	Timeout time.Duration
	// DataTimeout bounds the wait for the reply to the end of DATA, which a
	// server may take long to give while it queues the message; default 10
	// minutes, as RFC 5321 (4.5.3.2.6) recommends. The context passed to
	// Send bounds it too (the runner's ends before its lease does). Without
	// that reply the outcome is unknown (dunning.ErrOutcomeUnknown).
	DataTimeout time.Duration
	// Now stamps the Date header; default time.Now.
	Now func() time.Time
	// Check, when set, reports whether a message with the given Message-ID
	// was accepted for delivery (see Lookup); nil means nothing can tell.
	Check func(ctx context.Context, messageID string) (found bool, err error)
	// Attach, when set, returns the files each notice carries (the invoice
	// PDFs); nil means none.
	Attach Attacher
}

// Attachment is one file an email notice carries.
type Attachment struct {
	// Name is the file name the reader sees ("INV-1.pdf").
	Name string
	// ContentType is its media type; empty means application/pdf.
	ContentType string
	Data        []byte
}

// Attacher supplies the attachments of a notice: the app plugs it in, since
// the app owns the invoice documents. An error is transient (the notice is
// retried) unless it wraps dunning.ErrPermanent (the notice can never carry
// its files; the workflow's OnBounce takes over).
type Attacher interface {
	Attachments(ctx context.Context, key string, n *notice.Notice) ([]Attachment, error)
}

// AttacherFunc adapts a function to Attacher.
type AttacherFunc func(ctx context.Context, key string, n *notice.Notice) ([]Attachment, error)

// Attachments implements Attacher.
func (f AttacherFunc) Attachments(ctx context.Context, key string, n *notice.Notice) ([]Attachment, error) {
	return f(ctx, key, n)
}

var (
	_ dunning.Sender = (*SMTP)(nil)
	_ dunning.Looker = (*SMTP)(nil)
)

// Lookup implements dunning.Looker through Check, asked with the Message-ID
// Send uses for key. Without Check it returns errors.ErrUnsupported.
func (s *SMTP) Lookup(ctx context.Context, key string) (string, bool, error) {
	if s.Check == nil {
		return "", false, fmt.Errorf("send: SMTP cannot tell whether %s went out without SMTP.Check: %w", key, errors.ErrUnsupported)
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return "", false, fmt.Errorf("send: SMTP.From %q: %v: %w", s.From, err, dunning.ErrSenderSetup)
	}
	id := s.messageID(key, from.Address)
	found, err := s.Check(ctx, id)
	if err != nil || !found {
		return "", false, err
	}
	return id, true, nil
}

// Send implements dunning.Sender. It returns the Message-ID it sent.
func (s *SMTP) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	if n.Channel != "" && n.Channel != notice.Email {
		return "", fmt.Errorf("send: SMTP cannot deliver channel %q: %w", n.Channel, dunning.ErrPermanent)
	}
	to, err := mail.ParseAddress(n.Debtor.Email)
	if err != nil {
		return "", fmt.Errorf("send: debtor email %q: %v: %w", n.Debtor.Email, err, dunning.ErrPermanent)
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return "", fmt.Errorf("send: SMTP.From %q: %v: %w", s.From, err, dunning.ErrSenderSetup)
	}
	if to.Name == "" {
		to.Name = n.Debtor.Name
	}
	var cc []string
	for i, p := range n.Cc {
		a, err := mail.ParseAddress(p.Email)
		if err != nil {
			return "", fmt.Errorf("send: notice cc[%d] email %q: %v: %w", i, p.Email, err, dunning.ErrPermanent)
		}
		cc = append(cc, a.Address)
	}
	var atts []Attachment
	if s.Attach != nil {
		if atts, err = s.Attach.Attachments(ctx, key, n); err != nil {
			return "", fmt.Errorf("send: attachments of notice %s: %w", n.Number, err)
		}
	}
	msgID := s.messageID(key, from.Address)
	msg, err := s.Message(key, msgID, from, to, n, atts...)
	if err != nil {
		return "", err
	}
	if err := s.deliver(ctx, from.Address, to.Address, cc, msg); err != nil {
		return "", err
	}
	return msgID, nil
}

// messageID is the Message-ID of the notice with this key: the notice
// number and a longer hash of the key (unique, stable for the key, so a
// resend deduplicates and Lookup asks for the same id), never the key's
// internal names; at the domain of SMTP.Domain or else of the sender address.
func (s *SMTP) messageID(key, fromAddr string) string {
	dom := s.Domain
	if dom == "" {
		if i := strings.LastIndexByte(fromAddr, '@'); i >= 0 {
			dom = fromAddr[i+1:]
		} else {
			dom = "overdue.invalid"
		}
	}
	sum := sha256.Sum256([]byte(key))
	return "<" + notice.NumberFor(key) + "." + hex.EncodeToString(sum[:12]) + "@" + dom + ">"
}

// Message builds the RFC 5322 message for n with github.com/wneessen/go-mail:
// headers, then a multipart/alternative body with the text and HTML parts
// (quoted-printable, UTF-8; a text/plain body alone when the notice has no
// HTML), inside a multipart/mixed with the attachments (base64) when there
// are any. The notice's Cc contacts are named in a Cc header. It is
// exported so apps can archive or preview exactly what is sent.
//
// No data can add or alter a header: names and the subject are RFC 2047
// encoded, and every other header value (the key, the Message-ID, Reply-To,
// the language) is refused with an error when it holds a CR, LF or other
// control character. The notice's Language must be a well-formed BCP 47 tag
// (golang.org/x/text/language); it is written in its canonical form. A
// refusal caused by the notice or the key wraps dunning.ErrPermanent, since
// resending the same notice cannot fix it; one caused by the sender's own
// settings (ReplyTo) does not.
func (s *SMTP) Message(key, msgID string, from, to *mail.Address, n *notice.Notice, atts ...Attachment) ([]byte, error) {
	m, err := s.build(key, msgID, from, to, n, atts)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("send: writing the message: %w", err)
	}
	return buf.Bytes(), nil
}

// build checks every header value and assembles the go-mail message.
func (s *SMTP) build(key, msgID string, from, to *mail.Address, n *notice.Notice, atts []Attachment) (*gomail.Msg, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var lang string
	if n.Language != "" {
		tag, err := language.Parse(n.Language)
		if err != nil || hasControl(n.Language) {
			return nil, fmt.Errorf("send: notice language %q is not a BCP 47 tag: %w", n.Language, dunning.ErrPermanent)
		}
		lang = tag.String()
	}
	for _, f := range []struct{ name, v string }{{"key", key}, {"Message-ID", msgID}, {"recipient address", to.Address}, {"sender address", from.Address}} {
		if hasControl(f.v) {
			return nil, fmt.Errorf("send: %s %q holds a control character and cannot go in a header: %w", f.name, f.v, dunning.ErrPermanent)
		}
	}
	if hasControl(s.ReplyTo) {
		return nil, fmt.Errorf("send: SMTP.ReplyTo %q holds a control character and cannot go in a header", s.ReplyTo)
	}
	var cc []string
	for i, p := range n.Cc {
		a, err := mail.ParseAddress(p.Email)
		if err != nil || hasControl(a.Address) {
			return nil, fmt.Errorf("send: notice cc[%d] email %q is not an address: %w", i, p.Email, dunning.ErrPermanent)
		}
		if a.Name == "" {
			a.Name = p.Name
		}
		cc = append(cc, formatAddress(a))
	}
	for i, f := range atts {
		if f.Name == "" || hasControl(f.Name) || hasControl(f.ContentType) {
			return nil, fmt.Errorf("send: attachment %d name %q or type %q is empty or holds a control character: %w", i, f.Name, f.ContentType, dunning.ErrPermanent)
		}
		if f.ContentType != "" {
			if _, _, err := mime.ParseMediaType(f.ContentType); err != nil {
				return nil, fmt.Errorf("send: attachment %q content type %q: %v: %w", f.Name, f.ContentType, err, dunning.ErrPermanent)
			}
		}
	}
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithEncoding(gomail.EncodingQP), gomail.WithCharset(gomail.CharsetUTF8))
	m.SetGenHeaderPreformatted(gomail.Header(gomail.HeaderFrom), formatAddress(from))
	m.SetGenHeaderPreformatted(gomail.Header(gomail.HeaderTo), formatAddress(to))
	if len(cc) > 0 {
		m.SetGenHeaderPreformatted(gomail.Header(gomail.HeaderCc), strings.Join(cc, ", "))
	}
	if s.ReplyTo != "" {
		m.SetGenHeaderPreformatted(gomail.Header(gomail.HeaderReplyTo), s.ReplyTo)
	}
	m.SetGenHeaderPreformatted(gomail.HeaderSubject, encodeSubject(n.Subject))
	m.SetDateWithValue(now())
	m.SetGenHeader(gomail.HeaderMessageID, msgID) // set, or go-mail would invent one
	m.SetGenHeaderPreformatted("X-Overdue-Notice", notice.NumberFor(key))
	if lang != "" {
		m.SetGenHeaderPreformatted(gomail.HeaderContentLang, lang)
	}
	m.SetBodyString(gomail.TypeTextPlain, crlf(n.Text))
	if n.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, crlf(n.HTML))
	}
	for _, f := range atts {
		ct := gomail.ContentType(f.ContentType)
		if ct == "" {
			ct = "application/pdf"
		}
		if err := m.AttachReader(f.Name, bytes.NewReader(f.Data), gomail.WithFileContentType(ct), gomail.WithFileEncoding(gomail.EncodingB64)); err != nil {
			return nil, fmt.Errorf("send: attachment %q: %w", f.Name, err)
		}
	}
	return m, nil
}

// encodeSubject RFC 2047-encodes the subject where it needs it, and always
// when it holds "=?": text that merely looks like an encoded word would be
// decoded by the reader into something else (a line break, say).
func encodeSubject(subj string) string {
	if !strings.Contains(subj, "=?") {
		return mime.QEncoding.Encode("utf-8", subj)
	}
	// Base64 encoded words of at most 45 bytes each (75 characters with
	// the charset), split between runes.
	var words []string
	for len(subj) > 0 {
		n := min(len(subj), 45)
		for n < len(subj) && n > 0 && !utf8.RuneStart(subj[n]) {
			n--
		}
		if n == 0 {
			n = min(len(subj), 45)
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(subj[:n]))+"?=")
		subj = subj[n:]
	}
	return strings.Join(words, " ")
}

// formatAddress writes an address header value. A display name that is
// not printable ASCII is written as one RFC 2047 base64 word: net/mail's
// own Address.String uses Q words, which leave phrase specials such as a
// backslash unencoded, and readers (net/mail among them) cannot parse the
// result. Invalid UTF-8 in the name becomes U+FFFD.
func formatAddress(a *mail.Address) string {
	name := strings.ToValidUTF8(a.Name, "\uFFFD")
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < ' ' || c > '~' {
			return mime.BEncoding.Encode("utf-8", name) + " " + (&mail.Address{Address: a.Address}).String()
		}
	}
	return (&mail.Address{Name: name, Address: a.Address}).String()
}

// hasControl reports whether s holds a CR, LF or any other control
// character, which would end or fold a header line.
func hasControl(s string) bool {
	for _, r := range s {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u2028' || r == '\u2029' {
			return true
		}
	}
	return false
}

// crlf makes every line end CRLF, as lines in mail do; quoted-printable
// keeps hard breaks as they are.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

func (s *SMTP) deliver(parent context.Context, from, debtor string, cc []string, msg []byte) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("send: SMTP.Addr %q: %v: %w", s.Addr, err, dunning.ErrSenderSetup)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("send: dial %s: %w", s.Addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	c, err := gosmtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return classify("greeting", err, dunning.ErrSenderSetup)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLS
		if cfg == nil {
			cfg = &tls.Config{ServerName: host}
		}
		if err := c.StartTLS(cfg); err != nil {
			return classify("STARTTLS", err, dunning.ErrSenderSetup)
		}
	}
	if s.Auth != nil {
		if err := c.Auth(netAuth{s.Auth}); err != nil {
			return classify("AUTH", err, dunning.ErrSenderSetup)
		}
	}
	if err := c.Mail(from); err != nil {
		return classify("MAIL FROM", err, dunning.ErrSenderSetup)
	}
	if err := c.Rcpt(debtor); err != nil {
		return classify("RCPT TO "+debtor, err, dunning.ErrPermanent)
	}
	// A copy's mailbox refused for good does not stop the notice reaching
	// the debtor: that copy is dropped. A 4xx is retried as a whole.
	for _, r := range cc {
		if err := classify("RCPT TO "+r+" (Cc)", c.Rcpt(r), errDropCopy); err != nil {
			if !errors.Is(err, errDropCopy) {
				return err
			}
		}
	}
	for _, r := range s.BCC {
		if err := c.Rcpt(r); err != nil {
			return classify("RCPT TO "+r+" (BCC)", err, dunning.ErrSenderSetup)
		}
	}
	w, err := c.Data()
	if err != nil {
		return classify("DATA", err, dunning.ErrPermanent)
	}
	if _, err := w.Write(msg); err != nil {
		return classify("DATA", err, dunning.ErrPermanent)
	}
	// The end of DATA: the reply may come late (the server queues the
	// message first), so it gets DataTimeout, bounded by parent alone.
	if !stop() {
		// Timeout ran out before the final dot: the connection is closed
		// and the message never ended.
		return fmt.Errorf("send: SMTP DATA: %w", ctx.Err())
	}
	dataTimeout := s.DataTimeout
	if dataTimeout <= 0 {
		dataTimeout = 10 * time.Minute
	}
	dctx, dcancel := context.WithTimeout(parent, dataTimeout)
	defer dcancel()
	if dl, ok := dctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	defer context.AfterFunc(dctx, func() { _ = conn.Close() })()
	if err := w.Close(); err != nil {
		return endOfData(err)
	}
	// The server has accepted the message; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// endOfData classifies a failure of the end of DATA: a 5xx reply refuses
// the message for good and a 4xx for now (classify); anything else (no
// reply: a timeout, a closed connection, the context's end, or a reply
// that is no refusal) leaves unknown whether the server queued it.
func endOfData(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 400 {
		return classify("end of DATA", err, dunning.ErrPermanent)
	}
	return fmt.Errorf("send: SMTP end of DATA, no reply (the server may have queued the message): %w: %w", err, dunning.ErrOutcomeUnknown)
}

// errDropCopy marks a copy's recipient refused for good.
var errDropCopy = errors.New("copy refused")

// netAuth lets a net/smtp.Auth (smtp.PlainAuth, an app's own mechanism)
// drive go-mail's SMTP client, whose Auth has the same shape.
type netAuth struct{ a smtp.Auth }

func (n netAuth) Start(si *gosmtp.ServerInfo) (string, []byte, error) {
	return n.a.Start(&smtp.ServerInfo{Name: si.Name, TLS: si.TLS, Auth: si.Auth})
}

func (n netAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	return n.a.Next(fromServer, more)
}

// classify wraps a 5xx reply in fault (dunning.ErrPermanent: the notice's
// fault; dunning.ErrSenderSetup: the sender's). A 4xx reply, a network
// failure or a timeout stays transient. Any other error (a TLS handshake
// or certificate failure, AUTH refused by net/smtp itself) is a setup
// failure.
func classify(stage string, err error, fault error) error {
	if err == nil {
		return nil
	}
	var te *textproto.Error
	var ne net.Error
	switch {
	case errors.As(err, &te):
		if te.Code >= 500 {
			return fmt.Errorf("send: SMTP %s: %w: %w", stage, err, fault)
		}
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET):
	default:
		return fmt.Errorf("send: SMTP %s: %w: %w", stage, err, dunning.ErrSenderSetup)
	}
	return fmt.Errorf("send: SMTP %s: %w", stage, err)
}
