package notice

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	ttemplate "text/template"
)

// The functions a template may call that build strings (upper, join,
// plural, printf, print, println, html, js, urlquery: the package's own
// and text/template's builtins, which the same names in a FuncMap
// replace) are methods of the render's budget: every string one returns is
// charged against it, and one that would take the strings the render has
// computed past MaxBytes is refused with a LimitError, as is a call past
// the deadline. Without this a template could build gigabytes in variables
// it never writes ({{$a = printf "%s%s" $a $a}}, doubling), which no
// writer sees. What a call builds is checked as it is built where it can
// be (join's length before joining, printf verb by verb, print argument by
// argument), so one call goes past the budget by at most one piece.

// errNoBudget is what the functions of a template that is never executed
// (the parsed masters, see noBudget) return.
var errNoBudget = errors.New("notice: template executed without a budget")

// bigCharge is the size from which a charge reads the clock at once, not
// every clockEvery calls: building it took long enough.
const bigCharge = 4 << 10

// funcs returns the template functions bound to b; a nil b is the masters'
// budget, whose functions refuse to run.
func (b *budget) funcs() map[string]any {
	tick := noBudget
	if b != nil {
		tick = b.tick
	}
	return map[string]any{
		"upper":    b.upper,
		"plural":   b.plural,
		"join":     b.join,
		"printf":   b.printf,
		"print":    b.print,
		"println":  b.println,
		"html":     b.html,
		"js":       b.js,
		"urlquery": b.urlquery,
		tickFunc:   tick,
	}
}

// sizeError is the error of a render past its size limit.
func (b *budget) sizeError() error {
	return &LimitError{What: "size", Limit: strconv.Itoa(b.max) + " bytes"}
}

// left is how many bytes the strings a render computes may still take, or
// an error where b is nil.
func (b *budget) left() (int, error) {
	if b == nil {
		return 0, errNoBudget
	}
	return b.max - b.made, nil
}

// charge counts a string of n bytes a template function built (refused
// past the budget) and checks the deadline.
func (b *budget) charge(n int) error {
	if b == nil {
		return errNoBudget
	}
	if b.made += n; b.made > b.max {
		return b.sizeError()
	}
	if n >= bigCharge {
		b.calls = 0
		return b.clock()
	}
	return b.timeUp()
}

func (b *budget) upper(s string) (string, error) {
	if _, err := b.left(); err != nil {
		return "", err
	}
	s = strings.ToUpper(s)
	return s, b.charge(len(s))
}

func (b *budget) plural(n int, one, other string) (string, error) {
	if _, err := b.left(); err != nil {
		return "", err
	}
	s := Plural(n, one, other)
	return s, b.charge(len(s))
}

// join is strings.Join, its length checked before it joins.
func (b *budget) join(elems []string, sep string) (string, error) {
	left, err := b.left()
	if err != nil {
		return "", err
	}
	n := 0
	for i, e := range elems {
		if i > 0 {
			n += len(sep)
		}
		if n += len(e); n > left {
			return "", b.charge(n)
		}
	}
	s := strings.Join(elems, sep)
	return s, b.charge(len(s))
}

// pieces builds one template function's result piece by piece, refusing a
// piece that takes it past what the budget has left.
type pieces struct {
	left int
	n    int
	over bool
}

// add counts a piece; false once the pieces are past the budget.
func (p *pieces) add(n int) bool {
	if p.n += n; p.n > p.left {
		p.over = true
	}
	return !p.over
}

// done charges the result (n bytes) of a call built as p, or the bytes
// that took p past the budget.
func (b *budget) done(p *pieces, n int) error {
	if p.over {
		return b.charge(p.n)
	}
	return b.charge(n)
}

// printf is fmt.Sprintf refusing a width or precision above 1000 or taken
// from an argument (%*d), which would let one call allocate gigabytes in
// one verb, and charging what it formats verb by verb. A format printing
// an argument's type (%T), its address (%p), an error (%w) or arguments it
// has no verbs for is refused too: those print the arguments past the
// wrapper (limitArg) that formats and charges each verb.
func (b *budget) printf(format string, args ...any) (string, error) {
	left, err := b.left()
	if err != nil {
		return "", err
	}
	if err := checkPrintf(format); err != nil {
		return "", err
	}
	if len(args) > 0 && !sequential(format, len(args)) {
		// A dry run with probes that print nothing: only the format's own
		// text and fmt's notes, which name a probe's type for %T, %p, %w
		// and extra arguments.
		probes := make([]any, len(args))
		for i := range probes {
			probes[i] = probe{}
		}
		if dry := fmt.Sprintf(format, probes...); strings.Contains(dry, probeType) {
			return "", fmt.Errorf("printf %q: templates may not print an argument's type (%%T), address (%%p) or error (%%w), nor pass arguments the format has no verb for", format)
		}
	}
	if small(format, args, left) {
		s := fmt.Sprintf(format, args...)
		return s, b.charge(len(s))
	}
	p := &pieces{left: left}
	ws, wrapped := make([]limitArg, len(args)), make([]any, len(args))
	for i, a := range args {
		ws[i] = limitArg{v: a, p: p}
		wrapped[i] = &ws[i]
	}
	s := fmt.Sprintf(format, wrapped...)
	if p.over {
		return "", b.done(p, 0)
	}
	return s, b.charge(len(s))
}

// sequential reports whether format takes its n arguments in order, one
// verb each, none of them %T, %p or %w: no explicit argument index ([2]),
// no directive without a verb at the end, and n verbs other than %%.
func sequential(format string, n int) bool {
	verbs := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		for i++; i < len(format) && strings.IndexByte("#0+- .123456789", format[i]) >= 0; i++ {
		}
		if i >= len(format) {
			return false
		}
		switch format[i] {
		case '[', '*', 'T', 'p', 'w':
			return false
		case '%':
		default:
			verbs++
		}
	}
	return verbs == n
}

// small reports whether fmt.Sprintf(format, args...) is sure to stay
// within left bytes: every argument a string, a bool or a number, each
// directive (at most one per %) printing at most six bytes per byte of the
// longest string (%q of control bytes, % x) plus its width or precision
// (at most 1000) and a float's digits.
func small(format string, args []any, left int) bool {
	longest := 0
	for _, a := range args {
		switch a := a.(type) {
		case string:
			longest = max(longest, len(a))
		case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		default:
			return false
		}
	}
	directives := strings.Count(format, "%")
	return directives <= (left-len(format))/(2048+6*longest)
}

// probe is the argument of printf's dry run.
type probe struct{}

// Format prints nothing.
func (probe) Format(fmt.State, rune) {}

var probeType = reflect.TypeFor[probe]().String()

// limitArg is a printf argument formatted as fmt formats its value, each
// verb's output counted in p; once p is past its budget it prints nothing.
type limitArg struct {
	v any
	p *pieces
}

// Format formats the value as the directive f and verb ask.
func (a *limitArg) Format(f fmt.State, verb rune) {
	if a.p.over {
		return
	}
	var s string
	if str, ok := a.v.(string); ok && (verb == 's' || verb == 'v') && plainDirective(f) {
		s = str
	} else {
		s = fmt.Sprintf(fmt.FormatString(f, verb), a.v)
	}
	if a.p.add(len(s)) {
		io.WriteString(f, s)
	}
}

// plainDirective reports whether f has no flags, width or precision.
func plainDirective(f fmt.State) bool {
	_, w := f.Width()
	_, p := f.Precision()
	return !w && !p && !f.Flag('-') && !f.Flag('+') && !f.Flag('#') && !f.Flag(' ') && !f.Flag('0')
}

// checkPrintf refuses a width or precision above 1000 or taken from an
// argument (%*d).
func checkPrintf(format string) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		num := 0
		for i++; i < len(format); i++ {
			c := format[i]
			switch {
			case c == '*':
				return fmt.Errorf("printf %q: a width or precision from an argument (*) is not allowed", format)
			case c >= '0' && c <= '9':
				num = num*10 + int(c-'0')
				if num > maxPrintfWidth {
					return fmt.Errorf("printf %q: widths and precisions above %d are not allowed", format, maxPrintfWidth)
				}
				continue
			case c == '.' || c == '+' || c == '-' || c == '#' || c == ' ' || c == '[' || c == ']':
				num = 0
				continue
			}
			break
		}
	}
	return nil
}

// sprint is fmt.Sprint(args...) (ln: fmt.Sprintln) built argument by
// argument, each counted in p: fmt.Sprint puts a space between operands
// when neither is a string, fmt.Sprintln between all and a newline at the
// end.
func sprint(p *pieces, ln bool, args []any) string {
	var out strings.Builder
	prevString := false
	for i, a := range args {
		isString := a != nil && reflect.TypeOf(a).Kind() == reflect.String
		if i > 0 && (ln || !isString && !prevString) {
			if !p.add(1) {
				return ""
			}
			out.WriteByte(' ')
		}
		prevString = isString
		s, ok := a.(string)
		if !ok {
			s = fmt.Sprint(a)
		}
		if !p.add(len(s)) {
			return ""
		}
		out.WriteString(s)
	}
	if ln {
		if !p.add(1) {
			return ""
		}
		out.WriteByte('\n')
	}
	return out.String()
}

func (b *budget) sprint(ln bool, args []any) (string, error) {
	left, err := b.left()
	if err != nil {
		return "", err
	}
	p := &pieces{left: left}
	s := sprint(p, ln, args)
	return s, b.done(p, len(s))
}

// print is text/template's print (fmt.Sprint), charged.
func (b *budget) print(args ...any) (string, error) { return b.sprint(false, args) }

// println is text/template's println (fmt.Sprintln), charged.
func (b *budget) println(args ...any) (string, error) { return b.sprint(true, args) }

// escape is an escaper of text/template (html, js, urlquery) on its
// arguments as text/template reads them (evalArgs), charged: the
// arguments' text as it is built, then the escaped result.
func (b *budget) escape(esc func(string) string, args []any) (string, error) {
	left, err := b.left()
	if err != nil {
		return "", err
	}
	s, ok := "", false
	if len(args) == 1 {
		s, ok = args[0].(string)
	}
	if !ok {
		for i, a := range args {
			if v, ok := printableValue(reflect.ValueOf(a)); ok {
				args[i] = v
			}
		}
		p := &pieces{left: left}
		if s = sprint(p, false, args); p.over {
			return "", b.done(p, 0)
		}
	}
	if len(s) > left {
		return "", b.charge(len(s))
	}
	s = esc(s)
	return s, b.charge(len(s))
}

// html is text/template's html, charged.
func (b *budget) html(args ...any) (string, error) { return b.escape(ttemplate.HTMLEscapeString, args) }

// js is text/template's js, charged.
func (b *budget) js(args ...any) (string, error) { return b.escape(ttemplate.JSEscapeString, args) }

// urlquery is text/template's urlquery, charged.
func (b *budget) urlquery(args ...any) (string, error) { return b.escape(url.QueryEscape, args) }

var (
	errorType       = reflect.TypeFor[error]()
	fmtStringerType = reflect.TypeFor[fmt.Stringer]()
)

// printableValue is text/template's: the value fmt prints for v as the
// escapers' argument (its pointers followed, "<no value>" for none), and
// false for a chan or func without a String or Error method.
func printableValue(v reflect.Value) (any, bool) {
	if v.Kind() == reflect.Pointer {
		for ; v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface; v = v.Elem() {
			if v.IsNil() {
				break
			}
		}
	}
	if !v.IsValid() {
		return "<no value>", true
	}
	if !v.Type().Implements(errorType) && !v.Type().Implements(fmtStringerType) {
		if v.CanAddr() && (reflect.PointerTo(v.Type()).Implements(errorType) || reflect.PointerTo(v.Type()).Implements(fmtStringerType)) {
			v = v.Addr()
		} else {
			switch v.Kind() {
			case reflect.Chan, reflect.Func:
				return nil, false
			}
		}
	}
	return v.Interface(), true
}
