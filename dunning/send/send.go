package send

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/overduehq/overdue/dunning"
	"github.com/overduehq/overdue/notice"
)

// Writer writes each notice's channel, recipient, copies, subject and
// text to W, and the name and size of each file Attach returns for it.
// It is safe for concurrent use. It is a dunning.Looker that knows the keys
// this Writer value wrote (not those of an earlier process: a Writer whose
// output must survive a crash is no Looker across it).
type Writer struct {
	W io.Writer
	// Attach, when set, supplies the attachments listed; nil means none.
	Attach  Attacher
	mu      sync.Mutex
	written map[string]bool
}

var (
	_ dunning.Sender = (*Writer)(nil)
	_ dunning.Looker = (*Writer)(nil)
)

// Lookup implements dunning.Looker: whether this Writer wrote key.
func (s *Writer) Lookup(ctx context.Context, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.written[key] {
		return key, true, nil
	}
	return "", false, nil
}

// Send implements dunning.Sender; the message id is the key.
func (s *Writer) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	to := n.Debtor.Email
	if n.Channel != notice.Email {
		to = n.Debtor.Name
	}
	var extra strings.Builder
	for _, p := range n.Cc {
		fmt.Fprintf(&extra, "Cc: %s <%s>\n", p.Name, p.Email)
	}
	if s.Attach != nil {
		atts, err := s.Attach.Attachments(ctx, key, n)
		if err != nil {
			return "", fmt.Errorf("send: attachments of notice %s: %w", n.Number, err)
		}
		for _, a := range atts {
			fmt.Fprintf(&extra, "Attached: %s (%d bytes)\n", a.Name, len(a.Data))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := fmt.Fprintf(s.W, "--- %s to %s [%s]\n%sSubject: %s\n\n%s\n", n.Channel, to, key, extra.String(), n.Subject, n.Text)
	if err == nil {
		if s.written == nil {
			s.written = map[string]bool{}
		}
		s.written[key] = true
	}
	return key, err
}

// Sent is one notice a Recorder received.
type Sent struct {
	Key    string
	Notice notice.Notice
	// Attempts counts how many times the key was sent; Recorder delivers
	// only the first.
	Attempts int
}

// Recorder keeps every notice it is sent, in order, and delivers a key only
// once, as an idempotent provider would: a resend with a known key is
// counted in Attempts and not delivered again. Fail, when set, is called
// before each send and its error returned instead (to inject faults).
// It is safe for concurrent use.
type Recorder struct {
	Fail func(key string, n *notice.Notice) error

	mu    sync.Mutex
	sent  []Sent
	index map[string]int
}

var (
	_ dunning.Sender = (*Recorder)(nil)
	_ dunning.Looker = (*Recorder)(nil)
)

// Lookup implements dunning.Looker: whether key was delivered.
func (r *Recorder) Lookup(ctx context.Context, key string) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.index[key]; ok {
		return key, true, nil
	}
	return "", false, nil
}

// Send implements dunning.Sender.
func (r *Recorder) Send(ctx context.Context, key string, n *notice.Notice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if r.Fail != nil {
		if err := r.Fail(key, n); err != nil {
			return "", err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.index == nil {
		r.index = map[string]int{}
	}
	if i, ok := r.index[key]; ok {
		r.sent[i].Attempts++
		return key, nil
	}
	r.index[key] = len(r.sent)
	r.sent = append(r.sent, Sent{Key: key, Notice: *n, Attempts: 1})
	return key, nil
}

// Sent returns the delivered notices in delivery order.
func (r *Recorder) Sent() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sent)
}

// Attempts returns how many times key was sent (0 if never).
func (r *Recorder) Attempts(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i, ok := r.index[key]; ok {
		return r.sent[i].Attempts
	}
	return 0
}

// Reset forgets everything.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent, r.index = nil, nil
}
