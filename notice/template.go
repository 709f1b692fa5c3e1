package notice

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	htemplate "html/template"
	"reflect"
	"slices"
	"strings"
	"sync"
	ttemplate "text/template"
)

// Template is the Go template source of a notice: Subject and Text use
// text/template, HTML uses html/template (so every value is escaped), and
// SMS, when set, is the short text sent instead of Text on the SMS channel.
// Templates see a View.
type Template struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	SMS     string `json:"sms,omitempty"`
}

// Key selects a template: a template set name (from segmentation), a
// workflow, a step, a language and a stage. Empty strings are wildcards used
// by the fallback order of Resolve.
type Key struct {
	Templates string `json:"templates,omitempty"`
	Workflow  string `json:"workflow,omitempty"`
	Step      string `json:"step,omitempty"`
	Language  string `json:"language"`
	Stage     Stage  `json:"stage"`
}

// String names the key: templates/workflow/step/language/stage.
func (k Key) String() string {
	return fmt.Sprintf("%s/%s/%s/%s/%s", k.Templates, k.Workflow, k.Step, k.Language, k.Stage)
}

// parsed holds a template's parts as parsed, never executed, and a pool of
// executable copies, each bound to its own render budget.
type parsed struct {
	src                Template // as added, for MarshalJSON
	subject, text, sms *ttemplate.Template
	html               *htemplate.Template
	pool               sync.Pool // of *instance

	// builtin marks a built-in template (Builtin): it is compiled (see
	// compiled.go) the first time it renders, into compiled, whose renders
	// keep their state in states.
	builtin     bool
	compileOnce sync.Once
	compiled    *compiled
	states      sync.Pool // of *cstate
}

// Set is a collection of templates. It is immutable once built (Add is for
// building) and safe for concurrent rendering. Every render runs under the
// set's Limits (see WithLimits).
type Set struct {
	m        map[Key]*parsed
	fallback *Set
	limits   Limits
	// builtin is the built-in set Render and RenderStatement fall back to
	// where s and its fallbacks have no template for a notice: parsed on
	// first use, once, and shared with the sets With and WithLimits make
	// from s.
	builtin *lazyBuiltin
}

// lazyBuiltin is a set's built-in fallback, parsed once on first use.
type lazyBuiltin struct {
	once sync.Once
	set  *Set
}

// get returns the built-in set, parsing it the first time.
func (l *lazyBuiltin) get() *Set {
	if l == nil { // a Set not made by NewSet
		return Builtin()
	}
	l.once.Do(func() {
		if l.set == nil {
			l.set = Builtin()
		}
	})
	return l.set
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{m: map[Key]*parsed{}, builtin: &lazyBuiltin{}} }

// TemplateError reports a template that does not parse, or a statement
// template whose output leaves out what a statement must show (see
// Set.RenderStatement).
type TemplateError struct {
	Key  Key
	Part string // "subject", "text", "html" or "sms"
	Err  error
}

// Error implements error.
func (e *TemplateError) Error() string {
	return fmt.Sprintf("notice: template %s %s: %v", e.Key, e.Part, e.Err)
}

// Unwrap returns the parse error.
func (e *TemplateError) Unwrap() error { return e.Err }

// funcs are the functions templates may call, as the parsed masters hold
// them: every one building a string (printf, print, println, html, js and
// urlquery replace text/template's) and the tick are bound to each
// instance's budget when it is cloned (see instance and budget.funcs).
func funcs() map[string]any { return (*budget)(nil).funcs() }

// Add parses t and stores it under k. The key's language is lower-cased.
func (s *Set) Add(k Key, t Template) error { return s.add(k, t, false) }

// add is Add; with inlined set (the built-in templates) template calls are
// inlined (see inline).
func (s *Set) add(k Key, t Template, inlined bool) error {
	if !k.Stage.Valid() {
		return &TemplateError{Key: k, Part: "stage", Err: fmt.Errorf("invalid stage %d", k.Stage)}
	}
	if k.Language == "" {
		return &TemplateError{Key: k, Part: "language", Err: fmt.Errorf("language must be set")}
	}
	k.Language = strings.ToLower(k.Language)
	p := &parsed{src: t, builtin: inlined}
	var err error
	if p.subject, err = parseText("subject", t.Subject, inlined); err != nil {
		return &TemplateError{Key: k, Part: "subject", Err: err}
	}
	if strings.TrimSpace(t.Text) == "" {
		return &TemplateError{Key: k, Part: "text", Err: fmt.Errorf("the text template is empty")}
	}
	if p.text, err = parseText("text", t.Text, inlined); err != nil {
		return &TemplateError{Key: k, Part: "text", Err: err}
	}
	if t.HTML != "" {
		if p.html, err = parseHTML(t.HTML, inlined); err != nil {
			return &TemplateError{Key: k, Part: "html", Err: err}
		}
	}
	if t.SMS != "" {
		if p.sms, err = parseText("sms", t.SMS, inlined); err != nil {
			return &TemplateError{Key: k, Part: "sms", Err: err}
		}
	}
	s.m[k] = p
	return nil
}

// With returns a set that looks in s first and then in fallback; it keeps
// s's limits.
func (s *Set) With(fallback *Set) *Set {
	return &Set{m: s.m, fallback: fallback, limits: s.limits, builtin: s.builtin}
}

type fileTemplate struct {
	Key
	Template
}

// MarshalJSON writes the set's templates in the form ParseSet reads, sorted
// by key. A set made by With has no such form (its lookups fall back to
// another set) and is refused.
func (s *Set) MarshalJSON() ([]byte, error) {
	if s.fallback != nil {
		return nil, fmt.Errorf("notice: a set with a fallback (With) has no JSON form; marshal its own set")
	}
	f := struct {
		Templates []fileTemplate `json:"templates"`
	}{Templates: make([]fileTemplate, 0, len(s.m))}
	for k, p := range s.m {
		f.Templates = append(f.Templates, fileTemplate{Key: k, Template: p.src})
	}
	slices.SortFunc(f.Templates, func(a, b fileTemplate) int {
		return cmp.Or(strings.Compare(a.Templates, b.Templates), strings.Compare(a.Workflow, b.Workflow), strings.Compare(a.Step, b.Step),
			strings.Compare(a.Language, b.Language), cmp.Compare(a.Stage, b.Stage))
	})
	return json.Marshal(f)
}

// ParseSet reads templates from JSON:
//
//	{"templates": [{"language": "de", "stage": "final-notice", "workflow": "",
//	  "step": "", "templates": "", "subject": "...", "text": "...", "html": "..."}]}
//
// Unknown fields are refused; errors name the entry.
func ParseSet(data []byte) (*Set, error) {
	var f struct {
		Templates []fileTemplate `json:"templates"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("notice: templates: %w", err)
	}
	s := NewSet()
	for i, t := range f.Templates {
		if err := s.Add(t.Key, t.Template); err != nil {
			return nil, fmt.Errorf("notice: templates[%d]: %w", i, err)
		}
	}
	return s, nil
}

func langCandidates(l string) []string {
	l = strings.ToLower(strings.TrimSpace(l))
	out := []string{}
	if l != "" {
		out = append(out, l)
	}
	if b := baseLang(l); b != "" && b != l {
		out = append(out, b)
	}
	if l != "en" && baseLang(l) != "en" {
		out = append(out, "en")
	}
	return out
}

func (s *Set) lookup(k Key) *parsed {
	for set := s; set != nil; set = set.fallback {
		if p, ok := set.m[k]; ok {
			return p
		}
	}
	return nil
}

// Resolve returns the key of the template a notice with key k gets. For
// each language in turn (the exact tag "de-AT", its base "de", then "en") it
// tries the key as given, then without the step, then without the workflow,
// then without the template set (the stage default); in each, s before its
// fallbacks.
func (s *Set) Resolve(k Key) (Key, error) {
	_, key, err := s.resolve(k)
	return key, err
}

func (s *Set) resolve(k Key) (*parsed, Key, error) {
	for _, l := range langCandidates(k.Language) {
		variants := []Key{
			{k.Templates, k.Workflow, k.Step, l, k.Stage},
			{k.Templates, k.Workflow, "", l, k.Stage},
			{k.Templates, "", "", l, k.Stage},
			{"", "", "", l, k.Stage},
		}
		for _, v := range variants {
			if p := s.lookup(v); p != nil {
				return p, v, nil
			}
		}
	}
	return nil, Key{}, fmt.Errorf("notice: no template for %s", k)
}

// Render resolves the notice's template and fills Subject, Text and HTML.
// A set without a match for the notice falls back to Builtin() (parsed
// once per set, on first use, and shared with the sets With and WithLimits
// make from it). Rendering
// runs under the set's Limits: output past MaxBytes (subject, text and HTML
// together), strings built by template functions past MaxBytes (together,
// written or not) or work past Timeout stops it with an error wrapping
// ErrLimit, and the notice is left as it was. A notice carrying a Statement renders
// from its StatementOfAccount template (whatever its Stage), resolved the
// same way from the notice's template set, workflow, step and language,
// and is held to what a statement must show (see RenderStatement).
//
// One language per notice: everything the notice says is in the language
// of the template it resolves to. Where that is the notice's language (or
// its base: a "de" template for "de-AT"), the notice keeps its tag and
// region. Where the language has no template and Resolve falls back to
// another ("fr" to "en"), the View is made for that language instead (its
// Lang, dates, amounts, words, and the payment text from
// Payment.ByLanguage, else Payment.Instructions), and Render sets
// n.Language to it ("en"; a statement's Language too), so a sender's
// Content-Language and a later render agree with what the customer reads.
func (s *Set) Render(n *Notice) error {
	if n.Statement != nil {
		return s.renderNoticeStatement(n)
	}
	if n.Stage == StatementOfAccount {
		return fmt.Errorf("notice: a %s notice without its Statement", n.Stage)
	}
	k := Key{Templates: n.Templates, Workflow: n.Workflow, Step: n.Step, Language: n.Language, Stage: n.Stage}
	p, key, err := s.resolve(k)
	if err != nil {
		if p, key, err = s.builtin.get().resolve(k); err != nil {
			return err
		}
	}
	lang := renderedLanguage(n.Language, key)
	subject, text, html, err := s.execute(p, viewIn(n, lang), n.Channel == SMS)
	if err != nil {
		return err
	}
	n.Subject, n.Text, n.HTML, n.Language = subject, text, html, lang
	return nil
}

// renderedLanguage is the language a document asking for language tag
// lang is in when it renders from the template of key: lang itself where
// the template is in its language (the exact tag or its base), else the
// template's language (Resolve's fallback, "en").
func renderedLanguage(lang string, key Key) string {
	if baseLang(key.Language) == baseLang(lang) {
		return lang
	}
	return key.Language
}

// viewIn is the View of n in language lang (renderedLanguage): NewView(n)
// where lang is n's, else the view of a copy of n in lang, so that what
// the templates see, N.Language included, is in one language.
func viewIn(n *Notice, lang string) *View {
	if lang == n.Language {
		return NewView(n)
	}
	c := *n
	c.Language = lang
	return NewView(&c)
}

// execute runs template p on view v under the set's Limits: the SMS part
// alone where sms is set and p has one (its text, trimmed, is the Text),
// else the subject (its spaces collapsed), the text and the HTML. A
// built-in template runs compiled (see compiled.go), where it compiled and
// the compiled code handles the data, else through text/template and
// html/template (executeTemplates); both write the same bytes.
func (s *Set) execute(p *parsed, v any, sms bool) (subject, text, html string, err error) {
	if c := p.compiledFor(reflect.TypeOf(v)); c != nil {
		subject, text, html, err = s.executeCompiled(p, c, v, sms)
		if !errors.Is(err, errNotCompiled) {
			return subject, text, html, err
		}
	}
	return s.executeTemplates(p, v, sms)
}

// executeTemplates is execute through text/template and html/template: the
// reference the compiled templates are checked against.
func (s *Set) executeTemplates(p *parsed, v any, sms bool) (subject, text, html string, err error) {
	in, err := p.get()
	if err != nil {
		return "", "", "", err
	}
	defer p.put(in)
	in.b.start(s.limits)
	b := &in.out
	b.Reset()
	w := &limitedWriter{b: in.b, w: b}
	if sms && in.sms != nil {
		if err := in.sms.Execute(w, v); err != nil {
			return "", "", "", fmt.Errorf("notice: render sms: %w", err)
		}
		return "", strings.TrimSpace(b.String()), "", nil
	}
	if err := in.subject.Execute(w, v); err != nil {
		return "", "", "", fmt.Errorf("notice: render subject: %w", err)
	}
	subject = strings.Join(strings.Fields(b.String()), " ")
	b.Reset()
	if err := in.text.Execute(w, v); err != nil {
		return "", "", "", fmt.Errorf("notice: render text: %w", err)
	}
	text = b.String()
	if in.html != nil {
		b.Reset()
		if err := in.html.Execute(w, v); err != nil {
			return "", "", "", fmt.Errorf("notice: render html: %w", err)
		}
		html = b.String()
	}
	return subject, text, html, nil
}
