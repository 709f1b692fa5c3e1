package overdue_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// moduleGoFiles returns the module's Go files outside examples, testdata
// and hidden folders, test files included.
func moduleGoFiles(t *testing.T) []string {
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
		if strings.HasSuffix(path, ".go") {
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

// libraryFiles returns the module's non-test Go files outside examples.
func libraryFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, p := range moduleGoFiles(t) {
		if !strings.HasSuffix(p, "_test.go") {
			out = append(out, p)
		}
	}
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

// A countClaim ties a count a document states to the constant a test or
// benchmark uses: doc matches in the document, src in the source file, each
// capturing the numbers in the same order (thousands separators "," and "_"
// ignored).
type countClaim struct {
	docFile, doc string
	srcFile, src string
	// order, when set, maps the document's numbers to src's groups
	// (order[i] is the src group of the document's group i+1).
	order []int
}

var countClaims = []countClaim{
	{"README.md", `in ([\d,]+) randomized\s+runs`,
		"dunning/crash_test.go", `(?s)func TestCrashRecovery\(.*?runs := ([\d_]+)\n`, nil},
	{"README.md", `SIGKILL (\d+) times`,
		"store/sqlstore/sigkill_test.go", `kills := (\d+)\n`, nil},
	{"README.md", `on plans of (\d+) actions`,
		"store/sqlstore/sigkill_test.go", `fresh (\d+)-action plan`, nil},
	{"README.md", `runners (\d+) minutes behind`,
		"store/sqlstore/faults_test.go", `skews := \[\]time.Duration\{-(\d+) \* time.Minute, 0, \d+ \* time.Minute\}`, nil},
	{"README.md", `Tested with (\d+) runners over [\d,]+ actions`,
		"store/sqlstore/concurrency_test.go", `(?s)func TestEightRunnersSendEachOnce.*?runConcurrently\(t, schema, (\d+),.*?`, nil},
	{"README.md", `Tested with \d+ runners over ([\d,]+) actions`,
		"store/sqlstore/concurrency_test.go", `(?s)func TestEightRunnersSendEachOnce.*?n := ([\d_]+)\n`, nil},
	{"README.md", `([\d,]+) invoices are summed`,
		"metrics/bench_test.go", `const benchN = ([\d_]+)\n`, nil},
	{"README.md", `([\d,]+) synthetic customers`,
		"examples/simulate/sim/world.go", `(?s)func DefaultConfig\(\).*?Customers: (\d+),`, nil},
	{"README.md", `([\d,]+) open invoices\s+of ([\d,]+) customers`,
		"dunning/bench_test.go", `(?s)func BenchmarkPlan\(.*?benchPortfolio\(([\d_]+), ([\d_]+)\)`, []int{2, 1}}, // (customers, invoices)
}

func plainNumber(s string) string { return strings.NewReplacer(",", "", "_", "").Replace(s) }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDocumentedCountsAreWhatTestsUse fails when a count in the README
// (runs, runners, actions, invoices, customers) differs from the constant
// the test or benchmark it describes uses, or when either side no longer
// says it.
func TestDocumentedCountsAreWhatTestsUse(t *testing.T) {
	for _, c := range countClaims {
		doc := regexp.MustCompile(c.doc).FindStringSubmatch(readFile(t, c.docFile))
		src := regexp.MustCompile(c.src).FindStringSubmatch(readFile(t, c.srcFile))
		if doc == nil {
			t.Errorf("%s no longer says %s: update the claim table in claims_test.go", c.docFile, c.doc)
			continue
		}
		if src == nil {
			t.Errorf("%s no longer has %s (for %q in %s)", c.srcFile, c.src, doc[0], c.docFile)
			continue
		}
		if len(doc) != len(src) {
			t.Fatalf("claim %s / %s: %d numbers against %d", c.doc, c.src, len(doc)-1, len(src)-1)
		}
		for i := 1; i < len(doc); i++ {
			j := i
			if c.order != nil {
				j = c.order[i-1]
			}
			if plainNumber(doc[i]) != plainNumber(src[j]) {
				t.Errorf("%s says %q but %s uses %s", c.docFile, doc[0], c.srcFile, src[j])
			}
		}
	}
}

// para is a paragraph or list item of a Markdown text: its lines joined by
// spaces, its first line number, and its byte range in the text.
type para struct {
	text       string
	line       int
	start, end int
}

// paragraphs splits a Markdown text into paragraphs and list items.
func paragraphs(text string) []para {
	var ps []para
	var cur []string
	var p para
	flush := func(end int) {
		if len(cur) > 0 {
			p.text, p.end = strings.Join(cur, " "), end
			ps = append(ps, p)
		}
		cur = nil
	}
	off := 0
	for i, l := range strings.Split(text, "\n") {
		tl := strings.TrimSpace(l)
		if tl == "" || strings.HasPrefix(tl, "- ") || strings.HasPrefix(tl, "#") || strings.HasPrefix(tl, "|") {
			flush(off)
		}
		if tl != "" {
			if len(cur) == 0 {
				p = para{line: i + 1, start: off}
			}
			cur = append(cur, tl)
		}
		off += len(l) + 1
	}
	flush(len(text))
	return ps
}

var (
	// A speed or time figure: "1 µs", "40 s", "2.5 ms", "6 times faster",
	// "3.9×", "2.3-3.9x".
	timeFigure  = regexp.MustCompile(`\b\d[\d,.]*\s*(ns|µs|us|ms|s|sec|seconds?|minutes?)\b|\b\d[\d.]*\s*(×|x\b|times (faster|slower|as fast))`)
	speedWord   = regexp.MustCompile(`(?i)\d.*\b(faster|slower)\b|\b(faster|slower)\b.*\d`)
	measuredCmd = regexp.MustCompile("measured[^`]*`(go (test|run) [^`]+)`")
	// A speed claim in a symbol's doc comment (where durations are mostly
	// settings, "200ms", and are not flagged).
	speedClaim = regexp.MustCompile(`(?i)\d[\d.]*\s*(×|x|times)\s+(faster|slower|as fast)|\b(faster|slower) than\b|µs|ns/|per second|\d\s*/s\b`)
	// Thousands-separated counts ("10,000").
	bigCount = regexp.MustCompile(`\b\d{1,3}(,\d{3})+\b`)
)

// checkCommand reports what is wrong with a measuring command: a go test
// -bench pattern that names no benchmark of the package, or a go run of a
// directory that does not exist.
func checkCommand(t *testing.T, cmd string) string {
	f := strings.Fields(cmd)
	pkg := f[len(f)-1]
	if f[1] == "run" {
		for _, a := range f[2:] {
			if strings.HasPrefix(a, "./") {
				pkg = a
				break
			}
		}
	}
	if !strings.HasPrefix(pkg, "./") {
		return "names no package (./...)"
	}
	dir := strings.TrimPrefix(pkg, "./")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "package " + pkg + " does not exist"
	}
	if f[1] == "run" {
		return ""
	}
	var pattern string
	for i, a := range f {
		if a == "-bench" && i+1 < len(f) {
			pattern = strings.Trim(f[i+1], `'"`)
		}
	}
	if pattern == "" {
		return "go test without -bench measures no speed"
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "bad -bench pattern: " + err.Error()
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		for _, m := range regexp.MustCompile(`(?m)^func (Benchmark\w*)\(`).FindAllStringSubmatch(readFile(t, filepath.Join(dir, e.Name())), -1) {
			if re.MatchString(m[1]) {
				names = append(names, m[1])
			}
		}
	}
	if len(names) == 0 {
		return "-bench " + pattern + " matches no benchmark in " + pkg
	}
	return ""
}

// TestMeasuredFiguresNameTheirCommand: a speed or time in the README, the
// CHANGELOG or a package's doc.go (or a speed claim in any doc comment of
// the library) cannot be checked on a shared 2-core CI machine, so each must
// say it was measured and give the command that measures it (`go test
// -bench ... ./pkg` naming existing benchmarks, or `go run
// ./examples/...`), in the same paragraph. Every thousands-separated
// count in the README and CHANGELOG is either tied to a test's constant
// (countClaims) or sits in such a measured paragraph; so is a time that is a
// test's parameter (the clock skew of a fault test).
func TestMeasuredFiguresNameTheirCommand(t *testing.T) {
	docs := []string{"README.md", "CHANGELOG.md"}
	for _, p := range libraryFiles(t) {
		if filepath.Base(p) == "doc.go" {
			docs = append(docs, p)
		}
	}
	counted := map[string]bool{} // "file:offset" of numbers countClaims cover
	for _, c := range countClaims {
		text := readFile(t, c.docFile)
		for _, m := range regexp.MustCompile(c.doc).FindAllStringSubmatchIndex(text, -1) {
			for i := 2; i < len(m); i += 2 {
				counted[fmt.Sprintf("%s:%d", c.docFile, m[i])] = true
			}
		}
	}
	for _, file := range docs {
		text := readFile(t, file)
		if strings.HasSuffix(file, ".go") {
			f, err := parser.ParseFile(token.NewFileSet(), file, text, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if f.Doc == nil {
				continue
			}
			text = f.Doc.Text()
		}
		where := file // file:line in a Markdown file, file (package doc):line in a doc.go
		if strings.HasSuffix(file, ".go") {
			where += " (package doc)"
		}
		for _, p := range paragraphs(text) {
			// A time tied to a test's constant (countClaims: a fault test's
			// clock skew, say) is a parameter of that test, not a speed.
			timeClaim := ""
			for _, ix := range timeFigure.FindAllStringIndex(text[p.start:p.end], -1) {
				if !counted[fmt.Sprintf("%s:%d", file, p.start+ix[0])] {
					timeClaim = text[p.start+ix[0] : p.start+ix[1]]
					break
				}
			}
			if timeClaim == "" {
				timeClaim = speedWord.FindString(p.text)
			}
			m := measuredCmd.FindStringSubmatch(p.text)
			if timeClaim != "" {
				switch {
				case m == nil:
					t.Errorf("%s:%d: %q is a speed or time with no \"measured ... `command`\" beside it:\n\t%s", where, p.line, timeClaim, p.text)
				case checkCommand(t, m[1]) != "":
					t.Errorf("%s:%d: measuring command `%s`: %s", where, p.line, m[1], checkCommand(t, m[1]))
				}
			}
			if !strings.HasSuffix(file, ".md") || m != nil {
				continue
			}
			for _, ix := range bigCount.FindAllStringIndex(text[p.start:p.end], -1) {
				if !counted[fmt.Sprintf("%s:%d", file, p.start+ix[0])] {
					t.Errorf("%s:%d: the count %s is tied to no test constant (countClaims in claims_test.go) and not measured by a command:\n\t%s", file, p.line, text[p.start+ix[0]:p.start+ix[1]], p.text)
				}
			}
		}
	}
	for _, file := range libraryFiles(t) {
		if filepath.Base(file) == "doc.go" {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, cg := range f.Comments {
			text := cg.Text()
			if c := speedClaim.FindString(text); c != "" {
				m := measuredCmd.FindStringSubmatch(strings.Join(strings.Fields(text), " "))
				switch {
				case m == nil:
					t.Errorf("%s: comment claims %q with no \"measured ... `command`\" beside it:\n\t%s", file, c, text)
				case checkCommand(t, m[1]) != "":
					t.Errorf("%s: measuring command `%s`: %s", file, m[1], checkCommand(t, m[1]))
				}
			}
		}
	}
}
