package notice

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	ttemplate "text/template"

	"github.com/shopspring/decimal"
)

type stringerPtr struct{ s string }

func (p *stringerPtr) String() string { return "<" + p.s + ">" }

// chargeArgs are arguments of every kind a template passes.
func chargeArgs() []any {
	var nilPtr *stringerPtr
	return []any{"a", "", "<&'\"> ü\x00", 7, -3, 2.5, true, nil, []string{"x", "y"}, decimal.RequireFromString("12.30"),
		&stringerPtr{"p"}, stringerPtr{"v"}, nilPtr, errors.New("e"), []byte("bytes"), map[string]int{"k": 1}, struct{ A, B string }{"1", "2"},
		// Too long for printf's direct path: formatted verb by verb.
		strings.Repeat("ü\x01\xff", 40000)}
}

// TestChargedFuncsAsBuiltins: under the budget, the charged functions
// return what text/template's and fmt's do, byte for byte.
func TestChargedFuncsAsBuiltins(t *testing.T) {
	b := &budget{}
	args := chargeArgs()
	sets := [][]any{{}}
	for _, a := range args {
		sets = append(sets, []any{a})
		for _, c := range args[:5] {
			sets = append(sets, []any{a, c}, []any{c, a, a})
		}
	}
	for _, set := range sets {
		cp := func() []any { return append([]any(nil), set...) }
		for _, c := range []struct {
			name      string
			got, want func() string
		}{
			{"print", func() string { s, err := b.print(cp()...); must(t, err); return s }, func() string { return fmt.Sprint(cp()...) }},
			{"println", func() string { s, err := b.println(cp()...); must(t, err); return s }, func() string { return fmt.Sprintln(cp()...) }},
			{"html", func() string { s, err := b.html(cp()...); must(t, err); return s }, func() string { return ttemplate.HTMLEscaper(cp()...) }},
			{"js", func() string { s, err := b.js(cp()...); must(t, err); return s }, func() string { return ttemplate.JSEscaper(cp()...) }},
			{"urlquery", func() string { s, err := b.urlquery(cp()...); must(t, err); return s }, func() string { return ttemplate.URLQueryEscaper(cp()...) }},
		} {
			b.start(Limits{MaxBytes: maxMaxBytes})
			if got, want := c.got(), c.want(); got != want {
				t.Errorf("%s%.200q = %.200q, want %.200q", c.name, fmt.Sprint(set), got, want)
			}
		}
	}
	for _, format := range []string{"", "x", "%s", "%v", "%d", "%q", "%x", "% x", "%#v", "%+v", "%-5s|", "%05d", "%.2f", "%8.3f", "%[2]s %[1]s", "%[3]v",
		"%s %s", "%v%%", "%!", "%", "%[0]s", "%[x]d", "%.[2]d", "%[2]2d", "%s %s %s %s", "%c", "%U", "%e", "%t", "%o", "%b", "%X", "%10.4q"} {
		for _, set := range sets {
			if len(set) == 0 && format != "" {
				continue
			}
			want := fmt.Sprintf(format, set...)
			b.start(Limits{MaxBytes: maxMaxBytes})
			got, err := b.printf(format, set...)
			if err != nil {
				if !strings.Contains(want, "%!(EXTRA") {
					t.Errorf("printf(%q, %.200q): %v, want %.200q", format, fmt.Sprint(set), err, want)
				}
				continue
			}
			if got != want {
				t.Errorf("printf(%q, %.200q) = %.200q, want %.200q", format, fmt.Sprint(set), got, want)
			}
		}
	}
	b.start(Limits{})
	for _, format := range []string{"%T", "%p", "%w", "%[1]T %[1]s", "%s"} {
		if _, err := b.printf(format, "a", "b"); err == nil {
			t.Errorf("printf(%q, a, b) was not refused", format)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// FuzzPrintfAsFmt: printf formats what fmt.Sprintf does, or refuses.
func FuzzPrintfAsFmt(f *testing.F) {
	f.Add("%s %d %[1]q", "x", 3)
	f.Add("%-8.3v|%+x", "héllo", -17)
	f.Fuzz(func(t *testing.T, format, s string, n int) {
		b := &budget{}
		b.start(Limits{})
		got, err := b.printf(format, s, n, decimal.NewFromInt(int64(n)))
		if err != nil {
			return
		}
		if want := fmt.Sprintf(format, s, n, decimal.NewFromInt(int64(n))); got != want {
			t.Fatalf("printf(%q) = %q, want %q", format, got, want)
		}
	})
}
