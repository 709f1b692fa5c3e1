package notice

import (
	"errors"
	"fmt"
	htemplate "html/template"
	"io"
	"reflect"
	"strconv"
	"strings"
	ttemplate "text/template"
	"text/template/parse"
	"unicode"
	"unicode/utf8"
)

// The built-in templates are compiled, once per parsed template, from the
// very parse trees text/template and html/template execute (inlined,
// guarded and, for HTML, escaped by html/template) into Go closures that
// read the View's fields by index and write into one buffer: no field
// lookups by name, no reflected function calls, no escaper calls through
// ...any. The closures do what the template executor does for the nodes
// the built-in templates use; a tree with anything else (a function,
// node or type the compiler does not know) is not compiled, and its
// template keeps running through text/template and html/template, which
// also stay the reference the compiled code is checked against, byte for
// byte (TestCompiledRendersAsTemplates). Custom templates (Set.Add) are
// never compiled.

// errNotCompiled marks a value the compiled code cannot handle as the
// template executor would (a nil pointer on the way, an unexpected type):
// the render is redone by the executor, which reports it its own way.
var errNotCompiled = errors.New("notice: not handled by the compiled template")

// compiled is a parsed template compiled: the subject, text, HTML and SMS
// parts (nil where the template has none) for one type of data.
type compiled struct {
	data                     reflect.Type
	subject, text, html, sms emitFn
}

// cstate is one compiled render's state: its budget, output and variables.
type cstate struct {
	b    *budget
	out  []byte
	vars []reflect.Value
	base int // where the running template's variables start ($ is vars[base])
}

// emitFn writes a compiled node for dot.
type emitFn func(st *cstate, dot reflect.Value) error

// evalFn evaluates a compiled pipeline or operand for dot.
type evalFn func(st *cstate, dot reflect.Value) (reflect.Value, error)

// write appends s, counted against the budget as limitedWriter counts.
func (st *cstate) write(s string) error {
	st.out = append(st.out, s...)
	return st.wrote(len(s))
}

// wrote counts n bytes just appended.
func (st *cstate) wrote(n int) error {
	st.b.n += n
	if st.b.n > st.b.max {
		return st.b.sizeError()
	}
	return st.b.timeUp()
}

// compiledFor returns p compiled for data of type t, or nil where p is no
// built-in template or does not compile.
func (p *parsed) compiledFor(t reflect.Type) *compiled {
	if !p.builtin {
		return nil
	}
	p.compileOnce.Do(func() { p.compiled, _ = compileParsed(p, t) })
	if p.compiled == nil || p.compiled.data != t {
		return nil
	}
	return p.compiled
}

// compileParsed compiles every part of p for data of type t.
func compileParsed(p *parsed, t reflect.Type) (*compiled, error) {
	c := &compiled{data: t}
	text := func(tm *ttemplate.Template) (emitFn, error) {
		if tm == nil {
			return nil, nil
		}
		trees := map[string]*parse.Tree{}
		for _, x := range tm.Templates() {
			trees[x.Name()] = x.Tree
		}
		return newCompiler(trees, false).template(tm.Name(), t)
	}
	var err error
	if c.subject, err = text(p.subject); err != nil {
		return nil, err
	}
	if c.text, err = text(p.text); err != nil {
		return nil, err
	}
	if c.sms, err = text(p.sms); err != nil {
		return nil, err
	}
	if p.html != nil {
		h, err := escapedHTML(p.html)
		if err != nil {
			return nil, err
		}
		trees := map[string]*parse.Tree{}
		for _, x := range h.Templates() {
			trees[x.Name()] = x.Tree
		}
		if c.html, err = newCompiler(trees, true).template(h.Name(), t); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// escapedHTML returns a copy of the parsed HTML template escaped by
// html/template: it escapes a template when first executed, so the copy is
// executed once, with no data, and stops at its first tick (the master's
// ticks have no budget).
func escapedHTML(t *htemplate.Template) (*htemplate.Template, error) {
	h, err := t.Clone()
	if err != nil {
		return nil, err
	}
	err = h.Execute(io.Discard, nil)
	var ee *htemplate.Error
	if errors.As(err, &ee) {
		return nil, err // an escaping error: the template would not run either
	}
	return h, nil
}

// compiler compiles the trees of one template part.
type compiler struct {
	trees map[string]*parse.Tree
	html  bool // every action must end in html/template's escapers
	done  map[callKey]*emitFn
}

type callKey struct {
	name string
	dot  reflect.Type
}

func newCompiler(trees map[string]*parse.Tree, html bool) *compiler {
	return &compiler{trees: trees, html: html, done: map[callKey]*emitFn{}}
}

// scope names the variables a node sees, relative to its template's base
// ($ first), with their types.
type scope struct {
	names []string
	types []reflect.Type
}

func (sc scope) with(name string, t reflect.Type) scope {
	return scope{names: append(sc.names[:len(sc.names):len(sc.names)], name), types: append(sc.types[:len(sc.types):len(sc.types)], t)}
}

func notCompiled(format string, args ...any) error {
	return fmt.Errorf("notice: compile: "+format, args...)
}

// template compiles the template name for a dot of type dot. A template
// that calls itself, directly or not, is not compiled.
func (c *compiler) template(name string, dot reflect.Type) (emitFn, error) {
	k := callKey{name, dot}
	if f, ok := c.done[k]; ok {
		if *f == nil {
			return nil, notCompiled("template %s calls itself", name)
		}
		return *f, nil
	}
	tr, ok := c.trees[name]
	if !ok || tr == nil || tr.Root == nil {
		return nil, notCompiled("no template %s", name)
	}
	slot := new(emitFn)
	c.done[k] = slot
	body, err := c.list(tr.Root, dot, scope{names: []string{"$"}, types: []reflect.Type{dot}})
	if err != nil {
		return nil, err
	}
	*slot = body
	return body, nil
}

func (c *compiler) list(l *parse.ListNode, dot reflect.Type, sc scope) (emitFn, error) {
	if l == nil {
		return func(*cstate, reflect.Value) error { return nil }, nil
	}
	var fs []emitFn
	for i := 0; i < len(l.Nodes); i++ {
		n := l.Nodes[i]
		if t, ok := n.(*parse.TextNode); ok { // adjacent texts (inlined bodies) in one write
			s := string(t.Text)
			for ; i+1 < len(l.Nodes); i++ {
				next, ok := l.Nodes[i+1].(*parse.TextNode)
				if !ok {
					break
				}
				s += string(next.Text)
			}
			fs = append(fs, func(st *cstate, _ reflect.Value) error { return st.write(s) })
			continue
		}
		f, err := c.node(n, dot, sc)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	switch len(fs) {
	case 0:
		return func(*cstate, reflect.Value) error { return nil }, nil
	case 1:
		return fs[0], nil
	}
	return func(st *cstate, d reflect.Value) error {
		for _, f := range fs {
			if err := f(st, d); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func (c *compiler) node(n parse.Node, dot reflect.Type, sc scope) (emitFn, error) {
	switch n := n.(type) {
	case *parse.TextNode:
		s := string(n.Text)
		return func(st *cstate, _ reflect.Value) error { return st.write(s) }, nil
	case *parse.ActionNode:
		return c.action(n, dot, sc)
	case *parse.IfNode:
		if isTick(n) {
			return func(st *cstate, _ reflect.Value) error { _, err := st.b.tick(); return err }, nil
		}
		return c.branch(&n.BranchNode, false, dot, sc)
	case *parse.WithNode:
		return c.branch(&n.BranchNode, true, dot, sc)
	case *parse.RangeNode:
		return c.rangeNode(n, dot, sc)
	case *parse.TemplateNode:
		return c.call(n, dot, sc)
	case *parse.ListNode:
		return c.list(n, dot, sc)
	}
	return nil, notCompiled("node %s", n)
}

// isTick reports whether n is the tick guard inserted ({{if tick}}{{end}}).
func isTick(n *parse.IfNode) bool {
	p := n.Pipe
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 || n.ElseList != nil || (n.List != nil && len(n.List.Nodes) > 0) {
		return false
	}
	id, ok := p.Cmds[0].Args[0].(*parse.IdentifierNode)
	return ok && id.Ident == tickFunc
}

func (c *compiler) branch(b *parse.BranchNode, with bool, dot reflect.Type, sc scope) (emitFn, error) {
	if len(b.Pipe.Decl) > 0 {
		return nil, notCompiled("declaration in %s", b.Pipe)
	}
	ev, t, err := c.pipe(b.Pipe, dot, sc)
	if err != nil {
		return nil, err
	}
	inner := dot
	if with {
		inner = t
	}
	then, err := c.list(b.List, inner, sc)
	if err != nil {
		return nil, err
	}
	els, err := c.list(b.ElseList, dot, sc)
	if err != nil {
		return nil, err
	}
	return func(st *cstate, d reflect.Value) error {
		v, err := ev(st, d)
		if err != nil {
			return err
		}
		if truth(v) {
			if with {
				return then(st, v)
			}
			return then(st, d)
		}
		return els(st, d)
	}, nil
}

func (c *compiler) rangeNode(n *parse.RangeNode, dot reflect.Type, sc scope) (emitFn, error) {
	p := n.Pipe
	decl := p.Decl
	p2 := *p
	p2.Decl = nil
	ev, t, err := c.pipe(&p2, dot, sc)
	if err != nil {
		return nil, err
	}
	if t == nil || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) || len(decl) > 2 || p.IsAssign {
		return nil, notCompiled("range over %s", p)
	}
	elem := t.Elem()
	inner := sc
	switch len(decl) {
	case 1:
		inner = sc.with(decl[0].Ident[0], elem)
	case 2:
		inner = sc.with(decl[0].Ident[0], reflect.TypeFor[int]()).with(decl[1].Ident[0], elem)
	}
	body, err := c.list(n.List, elem, inner)
	if err != nil {
		return nil, err
	}
	els, err := c.list(n.ElseList, dot, sc)
	if err != nil {
		return nil, err
	}
	nv := len(decl)
	return func(st *cstate, d reflect.Value) error {
		v, err := ev(st, d)
		if err != nil {
			return err
		}
		if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
			return errNotCompiled
		}
		k := v.Len()
		if k == 0 {
			return els(st, d)
		}
		mark := len(st.vars)
		for i := 0; i < k; i++ {
			e := v.Index(i)
			st.vars = st.vars[:mark]
			switch nv {
			case 1:
				st.vars = append(st.vars, e)
			case 2:
				st.vars = append(st.vars, reflect.ValueOf(i), e)
			}
			if err := body(st, e); err != nil {
				st.vars = st.vars[:mark]
				return err
			}
		}
		st.vars = st.vars[:mark]
		return nil
	}, nil
}

func (c *compiler) call(n *parse.TemplateNode, dot reflect.Type, sc scope) (emitFn, error) {
	if n.Pipe == nil || len(n.Pipe.Decl) > 0 {
		return nil, notCompiled("template call %s", n)
	}
	ev, t, err := c.pipe(n.Pipe, dot, sc)
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, notCompiled("template call %s: data of unknown type", n)
	}
	if _, err := c.template(n.Name, t); err != nil {
		return nil, err
	}
	slot := c.done[callKey{n.Name, t}] // filled in once the callee is compiled
	return func(st *cstate, d reflect.Value) error {
		v, err := ev(st, d)
		if err != nil {
			return err
		}
		mark, base := len(st.vars), st.base
		st.vars = append(st.vars, v)
		st.base = mark
		err = (*slot)(st, v)
		st.vars, st.base = st.vars[:mark], base
		return err
	}, nil
}

// escaper is one of html/template's escapers, as an action's pipeline ends
// in them.
type escaper int

const (
	escHTML escaper = iota
	escAttr
	escRCDATA
	escURLFilter
	escURLNormalizer
)

var escapers = map[string]escaper{
	"_html_template_htmlescaper":   escHTML,
	"_html_template_attrescaper":   escAttr,
	"_html_template_rcdataescaper": escRCDATA,
	"_html_template_urlfilter":     escURLFilter,
	"_html_template_urlnormalizer": escURLNormalizer,
}

func (c *compiler) action(n *parse.ActionNode, dot reflect.Type, sc scope) (emitFn, error) {
	p := *n.Pipe
	if len(p.Decl) > 0 {
		return nil, notCompiled("declaration in %s", n)
	}
	var chain []escaper
	for len(p.Cmds) > 1 {
		last := p.Cmds[len(p.Cmds)-1]
		id, ok := last.Args[0].(*parse.IdentifierNode)
		e, known := escapers[idName(id, ok)]
		if !known || len(last.Args) != 1 {
			break
		}
		chain = append([]escaper{e}, chain...)
		p.Cmds = p.Cmds[:len(p.Cmds)-1]
	}
	ev, t, err := c.pipe(&p, dot, sc)
	if err != nil {
		return nil, err
	}
	if !c.html {
		if len(chain) > 0 {
			return nil, notCompiled("escaper in a text template: %s", n)
		}
		pr, err := printer(t)
		if err != nil {
			return nil, err
		}
		return func(st *cstate, d reflect.Value) error {
			v, err := ev(st, d)
			if err != nil {
				return err
			}
			return pr(st, v)
		}, nil
	}
	final, err := escapeChain(chain, n)
	if err != nil {
		return nil, err
	}
	return func(st *cstate, d reflect.Value) error {
		v, err := ev(st, d)
		if err != nil {
			return err
		}
		s, ct, err := stringified(v)
		if err != nil {
			return err
		}
		return final(st, s, ct)
	}, nil
}

func idName(id *parse.IdentifierNode, ok bool) string {
	if !ok {
		return ""
	}
	return id.Ident
}

// contentKind is what stringify in html/template makes of a value: plain
// text or pre-escaped HTML (other content types are not compiled).
type contentKind int

const (
	plainContent contentKind = iota
	htmlContent
)

var htmlType = reflect.TypeFor[htemplate.HTML]()

// stringified is html/template's stringify for one value of the types the
// compiled code handles: strings (HTML typed or plain), ints and bools.
func stringified(v reflect.Value) (string, contentKind, error) {
	if !v.IsValid() || !plainType(v.Type()) {
		if v.IsValid() && v.Type() == htmlType {
			return v.String(), htmlContent, nil
		}
		return "", 0, errNotCompiled
	}
	switch v.Kind() {
	case reflect.String:
		return v.String(), plainContent, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), plainContent, nil
	case reflect.Bool:
		return strconv.FormatBool(v.Bool()), plainContent, nil
	}
	return "", 0, errNotCompiled
}

// plainType reports whether fmt prints values of t as their kind's plain
// form: a string, int or bool type with no methods (so neither String nor
// Error), and no html/template content type.
func plainType(t reflect.Type) bool {
	switch t {
	case reflect.TypeFor[string](), reflect.TypeFor[int](), reflect.TypeFor[bool]():
		return true
	}
	if t.PkgPath() == "html/template" || t.NumMethod() > 0 || reflect.PointerTo(t).NumMethod() > 0 {
		return false
	}
	switch t.Kind() {
	case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Bool:
		return true
	}
	return false
}

// printer returns how text/template prints a value of type t (fmt.Fprint
// of it): for a plain type its string, decimal or true/false form; for an
// unknown type (nil) the same, checked when rendering.
func printer(t reflect.Type) (func(*cstate, reflect.Value) error, error) {
	if t != nil && t.Kind() != reflect.Interface && !plainType(t) {
		return nil, notCompiled("printing a %s", t)
	}
	return func(st *cstate, v reflect.Value) error {
		if !v.IsValid() || !plainType(v.Type()) {
			return errNotCompiled
		}
		n := len(st.out)
		switch v.Kind() {
		case reflect.String:
			st.out = append(st.out, v.String()...)
		case reflect.Bool:
			st.out = strconv.AppendBool(st.out, v.Bool())
		default:
			st.out = strconv.AppendInt(st.out, v.Int(), 10)
		}
		return st.wrote(len(st.out) - n)
	}, nil
}

// escapeChain returns what an action ending in the escapers chain writes
// for a value stringified to s: the escapers html/template puts in the
// contexts of the built-in layouts.
func escapeChain(chain []escaper, n parse.Node) (func(*cstate, string, contentKind) error, error) {
	switch {
	case len(chain) == 1 && chain[0] == escHTML:
		return func(st *cstate, s string, ct contentKind) error {
			if ct == htmlContent {
				return st.write(s)
			}
			return st.writeEscaped(s)
		}, nil
	case len(chain) == 1 && (chain[0] == escAttr || chain[0] == escRCDATA):
		return func(st *cstate, s string, ct contentKind) error {
			if ct != plainContent {
				return errNotCompiled // HTML in an attribute or a title: stripped, normalized
			}
			return st.writeEscaped(s)
		}, nil
	case len(chain) == 3 && chain[0] == escURLFilter && chain[1] == escURLNormalizer && chain[2] == escAttr:
		return func(st *cstate, s string, ct contentKind) error {
			if ct != plainContent {
				return errNotCompiled
			}
			if !isSafeURL(s) {
				s = "#ZgotmplZ"
			}
			return st.writeEscaped(normalizeURL(s))
		}, nil
	}
	return nil, notCompiled("escapers %v in %s", chain, n)
}

// writeEscaped appends s escaped as html/template escapes plain text in
// element content, attribute values and RCDATA (appendHTMLText), counted.
func (st *cstate) writeEscaped(s string) error {
	k := len(st.out)
	st.out = appendHTMLText(st.out, s)
	return st.wrote(len(st.out) - k)
}

// isSafeURL is html/template's urlFilter test: a relative URL or one whose
// scheme is http, https or mailto.
func isSafeURL(s string) bool {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") {
		if !strings.EqualFold(protocol, "http") && !strings.EqualFold(protocol, "https") && !strings.EqualFold(protocol, "mailto") {
			return false
		}
	}
	return true
}

// normalizeURL is html/template's urlNormalizer for plain text: every byte
// but RFC 3986's unreserved and reserved characters and valid %xx escapes
// percent-encoded in lower-case hex; s itself when nothing changes.
func normalizeURL(s string) string {
	var b []byte
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0,
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(s)+16)
		}
		b = append(b, s[written:i]...)
		b = append(b, '%', "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		written = i + 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[written:]...))
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// truth is text/template's truth of a value: false for the zero value of
// its type (empty strings, slices and maps, nil pointers, 0, false).
func truth(v reflect.Value) bool {
	if !v.IsValid() {
		return false
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() > 0
	case reflect.Bool:
		return v.Bool()
	case reflect.Complex64, reflect.Complex128:
		return v.Complex() != 0
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		return !v.IsNil()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() != 0
	case reflect.Float32, reflect.Float64:
		return v.Float() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() != 0
	case reflect.Struct:
		return true
	}
	return false
}

var (
	trueValue  = reflect.ValueOf(true)
	falseValue = reflect.ValueOf(false)
)

func boolValue(b bool) reflect.Value {
	if b {
		return trueValue
	}
	return falseValue
}

// pipe compiles a pipeline without declarations: each command's value is
// the next one's last argument. It returns the value's type, nil where it
// depends on the data (and, or).
func (c *compiler) pipe(p *parse.PipeNode, dot reflect.Type, sc scope) (evalFn, reflect.Type, error) {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) == 0 {
		return nil, nil, notCompiled("pipeline %s", p)
	}
	var ev evalFn
	var t reflect.Type
	for i, cmd := range p.Cmds {
		var err error
		if i == 0 {
			ev, t, err = c.command(cmd, dot, sc, nil, nil)
		} else {
			ev, t, err = c.command(cmd, dot, sc, ev, t)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return ev, t, nil
}

// command compiles one command; final, when set, is the value piped in.
func (c *compiler) command(cmd *parse.CommandNode, dot reflect.Type, sc scope, final evalFn, finalType reflect.Type) (evalFn, reflect.Type, error) {
	if len(cmd.Args) == 0 {
		return nil, nil, notCompiled("empty command")
	}
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
		args := cmd.Args[1:]
		var evs []evalFn
		var ts []reflect.Type
		for _, a := range args {
			ev, t, err := c.arg(a, dot, sc)
			if err != nil {
				return nil, nil, err
			}
			evs, ts = append(evs, ev), append(ts, t)
		}
		if final != nil {
			evs, ts = append(evs, final), append(ts, finalType)
		}
		return c.function(id.Ident, evs, ts, cmd)
	}
	if len(cmd.Args) > 1 || final != nil {
		return nil, nil, notCompiled("arguments in %s", cmd)
	}
	return c.arg(cmd.Args[0], dot, sc)
}

// arg compiles an operand: dot, a field chain, a variable (with fields), a
// constant or a parenthesized pipeline.
func (c *compiler) arg(n parse.Node, dot reflect.Type, sc scope) (evalFn, reflect.Type, error) {
	switch n := n.(type) {
	case *parse.DotNode:
		return func(_ *cstate, d reflect.Value) (reflect.Value, error) { return d, nil }, dot, nil
	case *parse.FieldNode:
		return fieldChain(func(_ *cstate, d reflect.Value) (reflect.Value, error) { return d, nil }, dot, n.Ident)
	case *parse.VariableNode:
		i := -1
		for k := len(sc.names) - 1; k >= 0; k-- {
			if sc.names[k] == n.Ident[0] {
				i = k
				break
			}
		}
		if i < 0 {
			return nil, nil, notCompiled("variable %s", n)
		}
		get := func(st *cstate, _ reflect.Value) (reflect.Value, error) { return st.vars[st.base+i], nil }
		if len(n.Ident) == 1 {
			return get, sc.types[i], nil
		}
		return fieldChain(get, sc.types[i], n.Ident[1:])
	case *parse.StringNode:
		v := reflect.ValueOf(n.Text)
		return func(*cstate, reflect.Value) (reflect.Value, error) { return v, nil }, v.Type(), nil
	case *parse.BoolNode:
		v := boolValue(n.True)
		return func(*cstate, reflect.Value) (reflect.Value, error) { return v, nil }, v.Type(), nil
	case *parse.NumberNode:
		if !n.IsInt || n.Int64 != int64(int(n.Int64)) || strings.ContainsAny(n.Text, ".eEpP'") {
			return nil, nil, notCompiled("number %s", n)
		}
		v := reflect.ValueOf(int(n.Int64))
		return func(*cstate, reflect.Value) (reflect.Value, error) { return v, nil }, v.Type(), nil
	case *parse.PipeNode:
		return c.pipe(n, dot, sc)
	}
	return nil, nil, notCompiled("operand %s", n)
}

// fieldStep is one name of a field chain: pointers to go through, then a
// field by index or a method without arguments returning one value.
type fieldStep struct {
	derefs int
	field  int
	method int // -1: a field
}

// fieldChain compiles .A.B.C read from what get returns, of type t, as
// text/template reads it: through pointers, a method of the name first
// (the pointer's method set), else the struct's field.
func fieldChain(get evalFn, t reflect.Type, names []string) (evalFn, reflect.Type, error) {
	if t == nil {
		return nil, nil, notCompiled("field %s of a value of unknown type", names)
	}
	steps := make([]fieldStep, 0, len(names))
	for _, name := range names {
		s := fieldStep{method: -1}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
			s.derefs++
		}
		if t.Kind() == reflect.Interface {
			return nil, nil, notCompiled("field %s of an interface", name)
		}
		if _, ok := reflect.PointerTo(t).MethodByName(name); ok {
			m, ok := t.MethodByName(name)
			if !ok || m.Type.NumIn() != 1 || m.Type.NumOut() != 1 {
				return nil, nil, notCompiled("method %s of %s", name, t)
			}
			s.method = m.Index
			t = m.Type.Out(0)
		} else {
			if t.Kind() != reflect.Struct {
				return nil, nil, notCompiled("field %s of %s", name, t)
			}
			f, ok := t.FieldByName(name)
			if !ok || !f.IsExported() || len(f.Index) != 1 {
				return nil, nil, notCompiled("field %s of %s", name, t)
			}
			s.field = f.Index[0]
			t = f.Type
		}
		steps = append(steps, s)
	}
	return func(st *cstate, d reflect.Value) (reflect.Value, error) {
		v, err := get(st, d)
		if err != nil {
			return v, err
		}
		for _, s := range steps {
			for range s.derefs {
				if v.Kind() != reflect.Pointer || v.IsNil() {
					return reflect.Value{}, errNotCompiled // a nil pointer: the executor says where
				}
				v = v.Elem()
			}
			if s.method >= 0 {
				v = v.Method(s.method).Call(nil)[0]
			} else {
				v = v.Field(s.field)
			}
		}
		return v, nil
	}, t, nil
}

// function compiles a call of a template function the built-in templates
// use: eq, ne, and, or, not, plural and join.
func (c *compiler) function(name string, args []evalFn, ts []reflect.Type, cmd *parse.CommandNode) (evalFn, reflect.Type, error) {
	boolT := reflect.TypeFor[bool]()
	switch name {
	case "eq", "ne":
		if len(args) != 2 || !eqComparable(ts[0], ts[1]) {
			return nil, nil, notCompiled("%s", cmd)
		}
		a, b, ne := args[0], args[1], name == "ne"
		return func(st *cstate, d reflect.Value) (reflect.Value, error) {
			x, err := a(st, d)
			if err != nil {
				return x, err
			}
			y, err := b(st, d)
			if err != nil {
				return y, err
			}
			var eq bool
			switch x.Kind() {
			case reflect.String:
				eq = x.String() == y.String()
			case reflect.Bool:
				eq = x.Bool() == y.Bool()
			default:
				eq = x.Int() == y.Int()
			}
			return boolValue(eq != ne), nil
		}, boolT, nil
	case "and", "or":
		if len(args) < 2 {
			return nil, nil, notCompiled("%s", cmd)
		}
		var t reflect.Type = ts[0]
		for _, x := range ts {
			if x != t {
				t = nil
			}
		}
		and := name == "and"
		return func(st *cstate, d reflect.Value) (reflect.Value, error) {
			var v reflect.Value
			for _, a := range args {
				var err error
				if v, err = a(st, d); err != nil {
					return v, err
				}
				if truth(v) != and {
					return v, nil
				}
			}
			return v, nil
		}, t, nil
	case "not":
		if len(args) != 1 {
			return nil, nil, notCompiled("%s", cmd)
		}
		a := args[0]
		return func(st *cstate, d reflect.Value) (reflect.Value, error) {
			v, err := a(st, d)
			return boolValue(!truth(v)), err
		}, boolT, nil
	case "plural":
		if len(args) != 3 || ts[0] != reflect.TypeFor[int]() || ts[1] != reflect.TypeFor[string]() || ts[2] != reflect.TypeFor[string]() {
			return nil, nil, notCompiled("%s", cmd)
		}
		return func(st *cstate, d reflect.Value) (reflect.Value, error) {
			var v [3]reflect.Value
			for i, a := range args {
				var err error
				if v[i], err = a(st, d); err != nil {
					return v[i], err
				}
			}
			s := Plural(int(v[0].Int()), v[1].String(), v[2].String())
			return reflect.ValueOf(s), st.b.charge(len(s))
		}, reflect.TypeFor[string](), nil
	case "join":
		if len(args) != 2 || ts[0] != reflect.TypeFor[[]string]() || ts[1] != reflect.TypeFor[string]() {
			return nil, nil, notCompiled("%s", cmd)
		}
		return func(st *cstate, d reflect.Value) (reflect.Value, error) {
			l, err := args[0](st, d)
			if err != nil {
				return l, err
			}
			sep, err := args[1](st, d)
			if err != nil {
				return sep, err
			}
			n := 0 // joined as budget.join joins: its length checked first
			for i := 0; i < l.Len(); i++ {
				if i > 0 {
					n += sep.Len()
				}
				if n += l.Index(i).Len(); n > st.b.max-st.b.made {
					return reflect.Value{}, st.b.charge(n)
				}
			}
			var b strings.Builder
			b.Grow(n)
			for i := 0; i < l.Len(); i++ {
				if i > 0 {
					b.WriteString(sep.String())
				}
				b.WriteString(l.Index(i).String())
			}
			return reflect.ValueOf(b.String()), st.b.charge(n)
		}, reflect.TypeFor[string](), nil
	}
	return nil, nil, notCompiled("function %s", name)
}

// eqComparable reports whether eq compares values of types a and b as the
// compiled eq does: both strings, both bools or both signed ints, by kind.
func eqComparable(a, b reflect.Type) bool {
	if a == nil || b == nil {
		return false
	}
	kind := func(t reflect.Type) int {
		switch t.Kind() {
		case reflect.String:
			return 1
		case reflect.Bool:
			return 2
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return 3
		}
		return 0
	}
	return kind(a) != 0 && kind(a) == kind(b)
}

// executeCompiled is execute with p compiled as c.
func (s *Set) executeCompiled(p *parsed, c *compiled, v any, sms bool) (subject, text, html string, err error) {
	st, ok := p.states.Get().(*cstate)
	if !ok {
		st = &cstate{b: &budget{}}
	}
	defer func() {
		if cap(st.out) > maxKeptOut {
			st.out = nil
		}
		clear(st.vars[:cap(st.vars)])
		p.states.Put(st)
	}()
	st.b.start(s.limits)
	root := reflect.ValueOf(v)
	run := func(f emitFn) error {
		st.out, st.vars, st.base = st.out[:0], append(st.vars[:0], root), 0
		return f(st, root)
	}
	if sms && c.sms != nil {
		if err := run(c.sms); err != nil {
			return "", "", "", fmt.Errorf("notice: render sms: %w", err)
		}
		return "", strings.TrimSpace(string(st.out)), "", nil
	}
	if err := run(c.subject); err != nil {
		return "", "", "", fmt.Errorf("notice: render subject: %w", err)
	}
	subject = fieldsJoined(st.out)
	if err := run(c.text); err != nil {
		return "", "", "", fmt.Errorf("notice: render text: %w", err)
	}
	text = string(st.out)
	if c.html != nil {
		if err := run(c.html); err != nil {
			return "", "", "", fmt.Errorf("notice: render html: %w", err)
		}
		html = string(st.out)
	}
	return subject, text, html, nil
}

// fieldsJoined is strings.Join(strings.Fields(string(b)), " "): the words
// of b (split at what unicode.IsSpace calls space) joined by one space, in
// one allocation.
func fieldsJoined(b []byte) string {
	var out strings.Builder
	out.Grow(len(b))
	gap := false
	for i := 0; i < len(b); {
		w, space := 1, false
		if c := b[i]; c < utf8.RuneSelf {
			space = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
		} else {
			var r rune
			r, w = utf8.DecodeRune(b[i:])
			space = unicode.IsSpace(r)
		}
		switch {
		case space:
			gap = out.Len() > 0
		default:
			if gap {
				out.WriteByte(' ')
				gap = false
			}
			out.Write(b[i : i+w])
		}
		i += w
	}
	return out.String()
}
