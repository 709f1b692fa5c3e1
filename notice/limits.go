package notice

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	htemplate "html/template"
	"io"
	ttemplate "text/template"
	"text/template/parse"
	"time"
)

// Limits bound the rendering of one notice. A template is data too: a
// careless or hostile one ({{range 30000000}}, a printf of width 10^9, a
// variable doubled by printf again and again and never written) could
// otherwise write or build gigabytes or spin for hours while the runner
// holds the action's lease.
//
// The zero Limits means the defaults: DefaultMaxBytes and DefaultTimeout.
type Limits struct {
	// MaxBytes is the most bytes subject, text and HTML may render to
	// together, and, counted apart, the most bytes the strings returned
	// by the template functions that build them (upper, join, plural,
	// printf, print, println, html, js, urlquery) may take together,
	// written or not. A call that would take them past it is refused;
	// printf also refuses %T, %p, %w and arguments its format has no
	// verb for.
	MaxBytes int
	// Timeout is the most time one notice's rendering may take. It is
	// checked as output is written, at the start of every template and
	// range body, at every call of the functions above, and before every
	// if, with, range and variable declaration whose pipeline calls
	// another function (eq, index, ...): the clock is read at every 16th
	// check, and at once after a call that built 4 KiB or more. A method of the data, called without
	// arguments, runs to its end.
	Timeout time.Duration
}

// The default limits: generous for any real notice (the built-in ones
// render to a few kilobytes in well under a millisecond).
const (
	DefaultMaxBytes = 1 << 20 // 1 MiB
	DefaultTimeout  = time.Second
)

// Largest limits Validate accepts.
const (
	maxMaxBytes = 64 << 20
	maxTimeout  = time.Minute
)

// maxRangeLiteral is the largest integer literal a template may range over.
const maxRangeLiteral = 1000

// maxPrintfWidth is the largest width or precision printf accepts.
const maxPrintfWidth = 1000

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.Timeout <= 0 {
		l.Timeout = DefaultTimeout
	}
	return l
}

// Validate refuses negative limits and limits above 64 MiB or a minute.
func (l Limits) Validate() error {
	if l.MaxBytes < 0 || l.MaxBytes > maxMaxBytes {
		return fmt.Errorf("notice: render limits: max_bytes %d: want 0 (default %d) up to %d", l.MaxBytes, DefaultMaxBytes, maxMaxBytes)
	}
	if l.Timeout < 0 || l.Timeout > maxTimeout {
		return fmt.Errorf("notice: render limits: timeout %s: want 0 (default %s) up to %s", l.Timeout, DefaultTimeout, maxTimeout)
	}
	return nil
}

type limitsJSON struct {
	MaxBytes int    `json:"max_bytes,omitempty"`
	Timeout  string `json:"timeout,omitempty"`
}

// MarshalJSON writes {"max_bytes": 1048576, "timeout": "1s"}.
func (l Limits) MarshalJSON() ([]byte, error) {
	j := limitsJSON{MaxBytes: l.MaxBytes}
	if l.Timeout != 0 {
		j.Timeout = l.Timeout.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes; the timeout is a Go duration
// ("500ms", "2s"). Unknown fields are refused; the values are checked by
// Validate (Policy.Validate calls it, naming the field).
func (l *Limits) UnmarshalJSON(b []byte) error {
	var j limitsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("notice: render limits: %w", err)
	}
	out := Limits{MaxBytes: j.MaxBytes}
	if j.Timeout != "" {
		d, err := time.ParseDuration(j.Timeout)
		if err != nil {
			return fmt.Errorf("notice: render limits: timeout %q is not a duration like \"2s\"", j.Timeout)
		}
		out.Timeout = d
	}
	*l = out
	return nil
}

// WithLimits returns a set with the same templates and fallback rendering
// under l.
func (s *Set) WithLimits(l Limits) *Set {
	return &Set{m: s.m, fallback: s.fallback, limits: l, builtin: s.builtin}
}

// Limits returns the limits the set renders under, defaults filled in.
func (s *Set) Limits() Limits { return s.limits.withDefaults() }

// ErrLimit is wrapped by the error of a render that passed its Limits.
var ErrLimit = errors.New("notice: rendering limit exceeded")

// LimitError says which limit a render passed.
type LimitError struct {
	What  string // "size" or "time"
	Limit string // the limit, "1048576 bytes" or "1s"
}

// Error implements error.
func (e *LimitError) Error() string {
	return fmt.Sprintf("notice: rendering passed its %s limit of %s", e.What, e.Limit)
}

// Unwrap lets errors.Is match ErrLimit.
func (e *LimitError) Unwrap() error { return ErrLimit }

// budget is one render's allowance; an instance reuses it render after
// render.
type budget struct {
	max      int
	n        int
	timeout  time.Duration
	deadline time.Time
	calls    int // timeUp calls since the render started
	made     int // bytes of the strings template functions returned (see charge)
}

// clockEvery is how many timeUp calls (writes, ticks and the string
// functions' charges) share one reading of the clock. Each call stands for
// a bounded piece of work (a write within MaxBytes, a string built within
// it, a loop iteration, a template body, an action calling eq or index), so
// a render passes its deadline by at most that many pieces; reading the
// clock on every write cost a tenth of a render.
const clockEvery = 16

func (b *budget) start(l Limits) {
	l = l.withDefaults()
	b.max, b.n, b.timeout, b.deadline, b.calls, b.made = l.MaxBytes, 0, l.Timeout, time.Now().Add(l.Timeout), 0, 0
}

func (b *budget) timeUp() error {
	if b.calls++; b.calls%clockEvery != 0 {
		return nil
	}
	return b.clock()
}

// clock reads the clock: an error past the deadline.
func (b *budget) clock() error {
	if time.Now().After(b.deadline) {
		return &LimitError{What: "time", Limit: b.timeout.String()}
	}
	return nil
}

// tick is called at the start of every range iteration and every template
// body, so a loop or a recursion that writes nothing still meets the
// deadline.
func (b *budget) tick() (bool, error) { return false, b.timeUp() }

// limitedWriter counts what a render writes against its budget.
type limitedWriter struct {
	b *budget
	w io.Writer
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	w.b.n += len(p)
	if w.b.n > w.b.max {
		return 0, w.b.sizeError()
	}
	if err := w.b.timeUp(); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}

// tickFunc is the name of the function the parser inserts.
const tickFunc = "overdue_tick_"

// noBudget stands for the tick in the parsed master templates, which are
// only ever cloned, never executed.
func noBudget() (bool, error) { return false, errNoBudget }

// instance is an executable copy of a parsed template, its tick bound to
// its own budget.
type instance struct {
	subject, text, sms *ttemplate.Template
	html               *htemplate.Template
	b                  *budget
	out                bytes.Buffer // what a render writes, kept render after render
}

// maxKeptOut is the largest output buffer an instance keeps for its next
// render; a larger one (a render near MaxBytes) is dropped.
const maxKeptOut = 64 << 10

// put gives an instance back to the pool.
func (p *parsed) put(in *instance) {
	if in.out.Cap() > maxKeptOut {
		in.out = bytes.Buffer{}
	}
	p.pool.Put(in)
}

// get takes an instance from the pool, or clones one.
func (p *parsed) get() (*instance, error) {
	if in, ok := p.pool.Get().(*instance); ok {
		return in, nil
	}
	in := &instance{b: &budget{}}
	fm := in.b.funcs()
	clone := func(t *ttemplate.Template) (*ttemplate.Template, error) {
		if t == nil {
			return nil, nil
		}
		c, err := t.Clone()
		if err != nil {
			return nil, err
		}
		return c.Funcs(fm), nil
	}
	var err error
	if in.subject, err = clone(p.subject); err != nil {
		return nil, err
	}
	if in.text, err = clone(p.text); err != nil {
		return nil, err
	}
	if in.sms, err = clone(p.sms); err != nil {
		return nil, err
	}
	if p.html != nil {
		c, err := p.html.Clone()
		if err != nil {
			return nil, err
		}
		in.html = c.Funcs(fm)
	}
	return in, nil
}

// parseText parses a text/template part and makes it safe to run (see
// guard); with inlined set, its template calls are inlined first (see
// inline).
func parseText(name, src string, inlined bool) (*ttemplate.Template, error) {
	t, err := ttemplate.New(name).Funcs(funcs()).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, err
	}
	tree := func(x *ttemplate.Template) *parse.Tree { return x.Tree }
	if inlined {
		inlineAll(t.Templates(), tree)
	}
	return t, guardAll(t.Templates(), tree)
}

// parseHTML parses an html/template part and makes it safe to run.
func parseHTML(src string, inlined bool) (*htemplate.Template, error) {
	t, err := htemplate.New("html").Funcs(funcs()).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, err
	}
	tree := func(x *htemplate.Template) *parse.Tree { return x.Tree }
	if inlined {
		inlineAll(t.Templates(), tree)
	}
	return t, guardAll(t.Templates(), tree)
}

// inlineAll inlines the template calls in every tree associated with a
// parsed template.
func inlineAll[T any](ts []T, tree func(T) *parse.Tree) {
	trees := map[string]*parse.Tree{}
	for _, x := range ts {
		if tr := tree(x); tr != nil {
			trees[tr.Name] = tr
		}
	}
	for _, tr := range trees {
		inline(tr.Root, trees, 0)
	}
}

// guardAll guards the tree of every template associated with a parsed one.
func guardAll[T any](ts []T, tree func(T) *parse.Tree) error {
	for _, x := range ts {
		if tr := tree(x); tr != nil {
			if err := guard(tr); err != nil {
				return err
			}
		}
	}
	return nil
}

// guard refuses what could spin or blow up without writing: a range over
// an integer literal above 1000, and method calls with arguments
// ({{.N.Total.Shift 2000000000}}, {{2000000000 | .N.Total.Shift}}), whose
// cost no limit can interrupt. It then inserts a tick (a call that checks
// the deadline) at the start of the template's own body, of every range
// body, and before every action, if, with and range that calls a function
// which does not check the deadline itself (see insertTicks), so loops,
// recursion and straight runs of actions meet the time budget too.
func guard(t *parse.Tree) error {
	if err := check(t.Root); err != nil {
		return fmt.Errorf("template %s: %w", t.Name, err)
	}
	tk, err := tickNode()
	if err != nil {
		return err
	}
	t.Root.Nodes = append([]parse.Node{tk}, t.Root.Nodes...)
	return insertTicks(t.Root)
}

func tickNode() (parse.Node, error) {
	tr, err := parse.New("tick").Parse("{{if "+tickFunc+"}}{{end}}", "", "", map[string]*parse.Tree{}, map[string]any{tickFunc: noBudget})
	if err != nil {
		return nil, err
	}
	return tr.Root.Nodes[0], nil
}

// insertTicks inserts a tick at the start of every range body in l and the
// lists within, and before every action declaring a variable, if, with and
// range whose pipeline calls a function that does not check the deadline
// itself and may take long (eq, lt, index, call: every function building a
// string checks it, see checkedFuncs), so a straight run of actions that write nothing
// ({{if eq $a $b}} on long strings, ten thousand times) meets the deadline
// too. An action that writes checks it as it writes, a template call at
// the start of its body.
func insertTicks(l *parse.ListNode) error {
	if l == nil {
		return nil
	}
	var nodes []parse.Node // l's nodes with ticks, once one is inserted
	for i, n := range l.Nodes {
		var pipe *parse.PipeNode
		switch n := n.(type) {
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 {
				pipe = n.Pipe
			}
		case *parse.IfNode:
			if !isTick(n) {
				pipe = n.Pipe
			}
		case *parse.WithNode:
			pipe = n.Pipe
		case *parse.RangeNode:
			pipe = n.Pipe
		}
		if pipe != nil && callsUnchecked(pipe) {
			if nodes == nil {
				nodes = append(make([]parse.Node, 0, len(l.Nodes)+4), l.Nodes[:i]...)
			}
			tk, err := tickNode()
			if err != nil {
				return err
			}
			nodes = append(nodes, tk)
		}
		if nodes != nil {
			nodes = append(nodes, n)
		}
		switch n := n.(type) {
		case *parse.RangeNode:
			if n.List == nil {
				n.List = &parse.ListNode{NodeType: parse.NodeList}
			}
			if err := insertTicks(n.List); err != nil {
				return err
			}
			if len(n.List.Nodes) == 0 || !isTickNode(n.List.Nodes[0]) {
				tk, err := tickNode()
				if err != nil {
					return err
				}
				n.List.Nodes = append([]parse.Node{tk}, n.List.Nodes...)
			}
			if err := insertTicks(n.ElseList); err != nil {
				return err
			}
		case *parse.IfNode:
			if err := insertTicks(n.List); err != nil {
				return err
			}
			if err := insertTicks(n.ElseList); err != nil {
				return err
			}
		case *parse.WithNode:
			if err := insertTicks(n.List); err != nil {
				return err
			}
			if err := insertTicks(n.ElseList); err != nil {
				return err
			}
		case *parse.ListNode:
			if err := insertTicks(n); err != nil {
				return err
			}
		}
	}
	if nodes != nil {
		l.Nodes = nodes
	}
	return nil
}

// checkedFuncs are the template functions that check the deadline
// themselves (see budget.funcs), and text/template's that take a bounded
// time whatever their arguments (and, or and not on values already
// computed, len, slice).
var checkedFuncs = func() map[string]bool {
	m := map[string]bool{"and": true, "or": true, "not": true, "len": true, "slice": true}
	for name := range (*budget)(nil).funcs() {
		m[name] = true
	}
	return m
}()

// callsUnchecked reports whether p, or a pipeline within, calls a function
// not in checkedFuncs.
func callsUnchecked(p *parse.PipeNode) bool {
	return anyArg(p, callsUnchecked, func(n parse.Node) bool {
		id, ok := n.(*parse.IdentifierNode)
		return ok && !checkedFuncs[id.Ident]
	})
}

// isTickNode reports whether n is an inserted tick.
func isTickNode(n parse.Node) bool {
	i, ok := n.(*parse.IfNode)
	return ok && isTick(i)
}

// check walks a tree for what guard refuses.
func check(n parse.Node) error {
	switch n := n.(type) {
	case nil:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := check(c); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return checkPipe(n.Pipe)
	case *parse.TemplateNode:
		return checkPipe(n.Pipe)
	case *parse.IfNode:
		return checkBranch(&n.BranchNode)
	case *parse.WithNode:
		return checkBranch(&n.BranchNode)
	case *parse.RangeNode:
		if p := n.Pipe; p != nil && len(p.Cmds) == 1 && len(p.Cmds[0].Args) == 1 {
			if num, ok := p.Cmds[0].Args[0].(*parse.NumberNode); ok && (!num.IsInt || num.Int64 > maxRangeLiteral) {
				return fmt.Errorf("range over %s: a template may range over integer literals up to %d", num.Text, maxRangeLiteral)
			}
		}
		return checkBranch(&n.BranchNode)
	}
	return nil
}

func checkBranch(b *parse.BranchNode) error {
	if err := checkPipe(b.Pipe); err != nil {
		return err
	}
	if err := check(b.List); err != nil {
		return err
	}
	if b.ElseList != nil {
		return check(b.ElseList)
	}
	return nil
}

func checkPipe(p *parse.PipeNode) error {
	if p == nil {
		return nil
	}
	for i, c := range p.Cmds {
		if len(c.Args) == 0 {
			continue
		}
		if isFieldCall(c.Args[0]) && (len(c.Args) > 1 || i > 0) {
			return fmt.Errorf("%s: a template may read fields and call methods without arguments, not pass arguments to a method", c)
		}
		for _, a := range c.Args {
			switch a := a.(type) {
			case *parse.PipeNode:
				if err := checkPipe(a); err != nil {
					return err
				}
			case *parse.ChainNode:
				if pn, ok := a.Node.(*parse.PipeNode); ok {
					if err := checkPipe(pn); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// isFieldCall reports whether a command's first word reads a field or
// calls a method (.X, $x.Y, (pipe).Z).
func isFieldCall(n parse.Node) bool {
	switch n := n.(type) {
	case *parse.FieldNode:
		return true
	case *parse.ChainNode:
		return len(n.Field) > 0
	case *parse.VariableNode:
		return len(n.Ident) > 1
	}
	return false
}
