package overdue_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// libraryFiles returns the module's non-test Go files outside examples.
func libraryFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "examples") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			out = append(out, filepath.ToSlash(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// roundingCalls lists the calls of a rounding or truncating method
// (decimal's Round, RoundBank, Truncate, ...) in a file, as
// "file:function".
func roundingCalls(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		ast.Inspect(fd, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := c.Fun.(*ast.SelectorExpr); ok && (strings.HasPrefix(sel.Sel.Name, "Round") || sel.Sel.Name == "Truncate" || sel.Sel.Name == "StringRound") {
				// A call of Money.Round (no argument) is the sanctioned path.
				if sel.Sel.Name == "Round" && len(c.Args) == 0 {
					return true
				}
				out = append(out, path+":"+fd.Name.Name)
			}
			return true
		})
	}
	return out
}

// TestRoundingGoesThroughOneFunction backs package money's doc: in the
// library (examples are programs), amounts are rounded to a currency only by
// money.Money.Round; notice has its one helper (it may not import money);
// charge shows interest periods with two extra digits. Any other call of
// decimal's Round family fails here. A deliberate m.Amount.Round(2) in
// metrics or charge makes it fail.
func TestRoundingGoesThroughOneFunction(t *testing.T) {
	allowed := []string{
		"dunning/money/money.go:Validate",   // checks that an amount fits its currency
		"dunning/money/money.go:Round",      // the one function
		"notice/notice.go:roundMinor",       // notice's own, same rule (a leaf package)
		"dunning/charge/interest.go:Accrue", // Period.Amount shown to minor unit + 2
	}
	var got []string
	for _, p := range libraryFiles(t) {
		got = append(got, roundingCalls(t, p)...)
	}
	for _, g := range got {
		if !slices.Contains(allowed, g) {
			t.Errorf("%s rounds a decimal directly: use money.Money.Round (or, in notice, roundMinor)", g)
		}
	}
	for _, a := range allowed {
		if !slices.Contains(got, a) {
			t.Errorf("%s no longer rounds: drop it from the allowed list (and from money's doc)", a)
		}
	}
}
