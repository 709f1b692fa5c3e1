package notice_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/overduehq/overdue/notice"
	"github.com/rickb777/date/v2"
	"github.com/shopspring/decimal"
)

// bigNotice has lines lines, each with a description of desc bytes.
func bigNotice(lines, desc int) *notice.Notice {
	n := &notice.Notice{Key: "k", Stage: notice.OverdueNotice, Channel: notice.Email, Language: "en", Currency: "EUR", MinorUnits: 2,
		Creditor: notice.Party{Name: "Northwind"}, Debtor: notice.Party{Name: "Acme"}}
	for i := 0; i < lines; i++ {
		n.Lines = append(n.Lines, notice.Line{Number: fmt.Sprint("INV-", i), Description: strings.Repeat("x", desc), Amount: dec("1.00"), Open: dec("1.00")})
	}
	return n
}

func setOf(t *testing.T, text string) *notice.Set {
	t.Helper()
	s := notice.NewSet()
	if err := s.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, notice.Template{Subject: "s", Text: text}); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRenderRefusesAtParse: what no limit could stop is refused when the
// template is added.
func TestRenderRefusesAtParse(t *testing.T) {
	for _, src := range []string{
		`{{range 30000000}}x{{end}}`,
		`{{range 1001}}{{end}}`,
		`{{range $i := 99999999999}}{{end}}`,
		`{{.N.Total.Shift 2000000000}}`,
		`{{2000000000 | .N.Total.Shift}}`,
		`{{(.N.Total).Shift 2000000000}}`,
		`{{$n := .N}}{{$n.Total.Pow $n.Total}}`,
		`{{define "x"}}{{range 5000000}}{{end}}{{end}}ok`,
		`{{if .Lines}}{{range 5000000}}{{end}}{{end}}`,
		`{{with .N}}{{printf "%s" (.Total.Shift 99999)}}{{end}}`,
	} {
		s := notice.NewSet()
		err := s.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, notice.Template{Subject: "s", Text: src})
		var te *notice.TemplateError
		if !errors.As(err, &te) {
			t.Errorf("Add(%q) = %v, want a *TemplateError", src, err)
		}
	}
	// Small literals and data are fine.
	s := setOf(t, `{{range 3}}{{.}}{{end}} {{range .Lines}}{{.Number}}{{end}} {{.N.Total.String}} {{printf "%05d" 7}}`)
	n := bigNotice(2, 1)
	if err := s.Render(n); err != nil {
		t.Fatal(err)
	}
	if n.Text != "012 INV-0INV-1 0 00007" {
		t.Errorf("text = %q", n.Text)
	}
}

// TestRenderSizeLimit: output past MaxBytes is an ErrLimit and the notice
// is left unrendered; at the limit it renders.
func TestRenderSizeLimit(t *testing.T) {
	src := `{{range .Lines}}{{.Description}}{{end}}`
	// 2 MiB of descriptions against the default 1 MiB.
	n := bigNotice(20, 100<<10)
	err := setOf(t, src).Render(n)
	var le *notice.LimitError
	if !errors.Is(err, notice.ErrLimit) || !errors.As(err, &le) || le.What != "size" {
		t.Fatalf("Render of 2 MiB = %v, want the size limit", err)
	}
	if n.Text != "" || n.Subject != "" {
		t.Errorf("a refused render left text of %d bytes", len(n.Text))
	}
	// Subject "s" (1 byte) + 10 lines of 100 bytes = 1001 bytes.
	for limit, ok := range map[int]bool{1001: true, 1000: false} {
		n := bigNotice(10, 100)
		err := setOf(t, src).WithLimits(notice.Limits{MaxBytes: limit}).Render(n)
		if (err == nil) != ok {
			t.Errorf("MaxBytes %d on 1001 bytes: %v, want ok=%v", limit, err, ok)
		}
	}
}

// TestRenderTimeLimit: loops that write nothing still stop at the
// deadline, and quickly.
func TestRenderTimeLimit(t *testing.T) {
	for _, src := range []string{
		// 1000^3 = 10^9 empty iterations.
		`{{range .Lines}}{{range $.Lines}}{{range $.Lines}}{{end}}{{end}}{{end}}`,
		`{{define "r"}}{{range $.Lines}}{{range $.Lines}}{{end}}{{end}}{{end}}{{range .Lines}}{{template "r" $}}{{end}}`,
		`{{range .Lines}}{{range $.Lines}}{{range $.Lines}}{{if false}}x{{end}}{{end}}{{end}}{{end}}`,
	} {
		n := bigNotice(1000, 1)
		start := time.Now()
		err := setOf(t, src).WithLimits(notice.Limits{Timeout: 50 * time.Millisecond}).Render(n)
		el := time.Since(start)
		var le *notice.LimitError
		if !errors.Is(err, notice.ErrLimit) || !errors.As(err, &le) || le.What != "time" {
			t.Errorf("%s: Render = %v, want the time limit", src, err)
		}
		if el > 2*time.Second {
			t.Errorf("%s: stopped after %v, want about 50ms", src, el)
		}
	}
	// Exponential recursion ends too (at the deadline or the depth limit).
	s := setOf(t, `{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}{{template "a" .}}`).WithLimits(notice.Limits{Timeout: 50 * time.Millisecond})
	start := time.Now()
	if err := s.Render(bigNotice(1, 1)); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("recursion: %v after %v", err, time.Since(start))
	}
}

// TestRenderPrintfWidth: printf cannot allocate gigabytes in one call.
func TestRenderPrintfWidth(t *testing.T) {
	for _, src := range []string{`{{printf "%0999999999d" 1}}`, `{{printf "%.999999999f" 1.0}}`, `{{printf "%*d" 999999999 1}}`, `{{printf "%[1]*d" 999999999}}`} {
		start := time.Now()
		err := setOf(t, src).Render(bigNotice(1, 1))
		if err == nil || time.Since(start) > time.Second {
			t.Errorf("%s: %v after %v", src, err, time.Since(start))
		}
	}
}

// TestLimitsConcurrentAndJSON: one set renders from many goroutines, each
// under its own budget; limits read and write as JSON.
func TestLimitsConcurrentAndJSON(t *testing.T) {
	s := setOf(t, `{{range .Lines}}{{.Description}}{{end}}`).WithLimits(notice.Limits{MaxBytes: 1 + 5*100})
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lines := 5
			if i%2 == 1 {
				lines = 6 // one line over
			}
			errs[i] = s.Render(bigNotice(lines, 100))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (err == nil) != (i%2 == 0) {
			t.Errorf("render %d: %v", i, err)
		}
	}
	var l notice.Limits
	if err := json.Unmarshal([]byte(`{"max_bytes": 2048, "timeout": "250ms"}`), &l); err != nil || l != (notice.Limits{MaxBytes: 2048, Timeout: 250 * time.Millisecond}) {
		t.Errorf("Limits JSON = %+v, %v", l, err)
	}
	b, _ := json.Marshal(l)
	if string(b) != `{"max_bytes":2048,"timeout":"250ms"}` {
		t.Errorf("Marshal = %s", b)
	}
	for _, bad := range []string{`{"max_bytes": -1}`, `{"max_bytes": 67108865}`, `{"timeout": "2h"}`, `{"timeout": "-1s"}`, `{"timeout": "soon"}`, `{"max_byte": 1}`} {
		var l notice.Limits
		if err := json.Unmarshal([]byte(bad), &l); err == nil && l.Validate() == nil {
			t.Errorf("Limits JSON %s accepted: %+v", bad, l)
		}
	}
	if err := (notice.Limits{MaxBytes: 64 << 20, Timeout: time.Minute}).Validate(); err != nil {
		t.Errorf("the largest limits: %v", err)
	}
	if got := notice.NewSet().Limits(); got != (notice.Limits{MaxBytes: 1 << 20, Timeout: time.Second}) {
		t.Errorf("default limits = %+v", got)
	}
}

// BenchmarkRenderBuiltin renders the built-in English overdue notice from
// a kept set, the runner's path.
func BenchmarkRenderBuiltin(b *testing.B) {
	s := notice.Builtin()
	b.ReportAllocs()
	for b.Loop() {
		n := bigNotice(3, 20)
		if err := s.Render(n); err != nil || !strings.Contains(n.Text, "INV-2") {
			b.Fatalf("%v %q", err, n.Text)
		}
	}
}

// FuzzRenderLimits: whatever the template and the data, Add refuses it or
// Render returns within about its time budget, without panicking, and a
// render that succeeds stays within its size budget.
func FuzzRenderLimits(f *testing.F) {
	f.Add(`{{range .Lines}}{{.Description}}{{end}}`, "desc", 3)
	f.Add(`{{range .Lines}}{{range $.Lines}}{{range $.Lines}}{{end}}{{end}}{{end}}`, "x", 300)
	f.Add(`{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}{{template "a" .}}`, "", 1)
	f.Add(`{{printf "%0999d" 1}}{{range 1000}}{{printf "%999s" "x"}}{{end}}`, "", 1)
	f.Add(`{{.N.Total.Shift 1000}}{{range 30000000}}{{end}}`, "", 1)
	f.Add(`{{with .N}}{{.Total.String}}{{.Debtor.Name | upper}}{{end}}{{len .Lines}}`, "y", 2)
	f.Fuzz(func(t *testing.T, src, desc string, lines int) {
		lines = min(max(lines, 0), 300)
		s := notice.NewSet()
		if err := s.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, notice.Template{Subject: "s", Text: src, HTML: src}); err != nil {
			return
		}
		lim := notice.Limits{MaxBytes: 64 << 10, Timeout: 100 * time.Millisecond}
		n := bigNotice(lines, 0)
		for i := range n.Lines {
			n.Lines[i].Description = desc
		}
		start := time.Now()
		err := s.WithLimits(lim).Render(n)
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("Render took %v (budget %v): %v", el, lim.Timeout, err)
		}
		if err == nil && len(n.Subject)+len(n.Text)+len(n.HTML) > lim.MaxBytes {
			t.Fatalf("rendered %d bytes past a budget of %d", len(n.Subject)+len(n.Text)+len(n.HTML), lim.MaxBytes)
		}
	})
}

// BenchmarkRenderCustom renders the built-in templates added as a set of
// one's own (ParseSet of the built-in set's JSON), so through text/template
// and html/template as every custom template runs, and a short template
// calling printf, upper, join and plural in a loop.
func BenchmarkRenderCustom(b *testing.B) {
	js, err := json.Marshal(notice.Builtin())
	if err != nil {
		b.Fatal(err)
	}
	custom, err := notice.ParseSet(js)
	if err != nil {
		b.Fatal(err)
	}
	funcs := notice.NewSet()
	if err := funcs.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, notice.Template{Subject: `{{upper .Debtor.Name}}`,
		Text: `{{range .Lines}}{{printf "%-10s %s" .Number .Open}} {{upper .Description}} {{plural .DaysOverdue "day" "days"}}
{{end}}{{join .Creditor.Address ", "}} {{print .Total}} {{html .Debtor.Name}}`}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		s    *notice.Set
	}{{"builtin-as-custom", custom}, {"funcs", funcs}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := bigNotice(3, 20)
				if err := c.s.Render(n); err != nil || !strings.Contains(n.Text, "INV-2") {
					b.Fatalf("%v %q", err, n.Text)
				}
			}
		})
	}
}

// limitNotice is a notice that passes Validate.
func limitNotice() *notice.Notice {
	return &notice.Notice{Key: "k", Number: notice.NumberFor("k"), Date: date.Date(20000), Stage: notice.OverdueNotice, Channel: notice.Email,
		Language: "en", Currency: "EUR", MinorUnits: 2,
		Creditor: notice.Party{Name: "C", Address: []string{"a"}}, Debtor: notice.Party{Name: "D", Email: "d@example.com"},
		Lines: []notice.Line{{Number: "1", IssueDate: 19990, DueDate: 19995, Description: "x", Amount: decimal.NewFromInt(1), Open: decimal.NewFromInt(1)}},
		Total: decimal.NewFromInt(1), Payment: notice.Payment{IBAN: "X"}}
}

// wantSizeLimit fails t unless err is the size limit of max bytes.
func wantSizeLimit(t *testing.T, what string, err error, max int) {
	t.Helper()
	var le *notice.LimitError
	if !errors.Is(err, notice.ErrLimit) || !errors.As(err, &le) || le.What != "size" {
		t.Errorf("%s: Render = %v, want the size limit", what, err)
		return
	}
	if want := fmt.Sprintf("size limit of %d bytes", max); !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q does not say %q", what, err, want)
	}
}

// TestRenderComputedStrings: the strings template functions build count
// against MaxBytes though the template never writes them; doubling a
// variable in printf, join, upper, print or html stops at the limit, soon
// and without allocating the gigabyte it asks for.
func TestRenderComputedStrings(t *testing.T) {
	const max = 1 << 10
	doubling := func(step string, n int) string { return `{{$a := "xxxxxxxx"}}` + strings.Repeat(step, n) }
	for _, c := range []struct{ name, src string }{
		{"printf", doubling(`{{$a = printf "%s%s" $a $a}}`, 24) + strings.Repeat(`{{$b := upper $a}}`, 3) + `ok`},
		// .Creditor.Address is three empty lines: join with $a between them doubles it.
		{"join", doubling(`{{$a = join .Creditor.Address $a}}`, 24) + `ok`},
		{"upper", doubling(`{{$a = upper (printf "%s%s" $a $a)}}`, 24) + `ok`},
		{"print", doubling(`{{$a = print $a $a}}`, 24) + `ok`},
		{"println", doubling(`{{$a = println $a $a}}`, 24) + `ok`},
		{"html", doubling(`{{$a = html $a $a}}`, 24) + `ok`},
		{"js", doubling(`{{$a = js $a $a}}`, 24) + `ok`},
		{"urlquery", doubling(`{{$a = urlquery $a $a}}`, 24) + `ok`},
		{"plural", doubling(`{{$a = plural 1 $a $a}}`, 200) + `ok`},
		// Each value is small, but they add up.
		{"many", `{{$a := printf "%500s" ""}}{{$b := upper $a}}{{$c := upper $a}}ok`},
		// One call printing one value many times stops at the limit too.
		{"verbs", `{{$a := printf "%1000s" ""}}{{$b := printf "` + strings.Repeat("%[1]s", 30000) + `" $a}}ok`},
		{"args", `{{$a := printf "%1000s" ""}}{{$b := print` + strings.Repeat(" $a", 30000) + `}}ok`},
	} {
		for _, part := range []string{"text", "html"} {
			tm := notice.Template{Subject: "s", Text: c.src}
			if part == "html" {
				tm.Text, tm.HTML = "t", c.src
			}
			s := notice.NewSet()
			if err := s.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, tm); err != nil {
				t.Fatalf("%s %s: %v", c.name, part, err)
			}
			s = s.WithLimits(notice.Limits{MaxBytes: max, Timeout: 50 * time.Millisecond})
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			n := limitNotice()
			n.Creditor.Address = []string{"", "", ""}
			err := s.Render(n)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			wantSizeLimit(t, c.name+" "+part, err, max)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 || took > time.Second {
				t.Errorf("%s %s: took %s, allocating %d KiB", c.name, part, took, alloc>>10)
			}
			if n.Text != "" {
				t.Errorf("%s %s: a refused render left text %q", c.name, part, n.Text)
			}
		}
	}
	// Under the limit the same functions render as before.
	s := setOf(t, `{{$a := "ab"}}{{$a = printf "%s%s" $a $a}}{{$a = upper $a}}{{print $a 1 2 "c"}}|{{println $a}}|{{html "<" $a}}|{{js "'"}}|{{urlquery "a b"}}|{{join .Creditor.Address "+"}}|{{plural 2 "day" "days"}}`)
	n := limitNotice()
	n.Creditor.Address = []string{"x", "y"}
	if err := s.WithLimits(notice.Limits{MaxBytes: max}).Render(n); err != nil {
		t.Fatal(err)
	}
	if want := "ABAB1 2c|ABAB\n|&lt;ABAB|\\'|a+b|x+y|2 days"; n.Text != want {
		t.Errorf("text = %q, want %q", n.Text, want)
	}
}

// TestRenderTimeLimitStraight: a straight run of actions that write
// nothing and call no function of the package (eq on two long strings, ten
// thousand times) stops at the deadline too.
func TestRenderTimeLimitStraight(t *testing.T) {
	src := `{{$a := (index .Lines 0).Description}}{{$b := (index .Lines 1).Description}}` + strings.Repeat(`{{if eq $a $b}}{{end}}`, 10000) + `ok`
	for _, part := range []string{"text", "html"} {
		tm := notice.Template{Subject: "s", Text: src}
		if part == "html" {
			tm.Text, tm.HTML = "t", src
		}
		s := notice.NewSet()
		if err := s.Add(notice.Key{Language: "en", Stage: notice.OverdueNotice}, tm); err != nil {
			t.Fatal(err)
		}
		n := bigNotice(2, 1<<20)
		start := time.Now()
		err := s.WithLimits(notice.Limits{Timeout: 20 * time.Millisecond}).Render(n)
		took := time.Since(start)
		var le *notice.LimitError
		if !errors.Is(err, notice.ErrLimit) || !errors.As(err, &le) || le.What != "time" || !strings.Contains(err.Error(), "time limit of 20ms") {
			t.Errorf("%s: Render = %v after %s, want the time limit of 20ms", part, err, took)
		}
		if took > time.Second {
			t.Errorf("%s: stopped after %s, want about 20ms", part, took)
		}
	}
}
