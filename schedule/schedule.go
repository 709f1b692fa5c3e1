package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rickb777/date/v2"
)

// Anchor is what a step's offset counts from.
type Anchor uint8

const (
	// Due is the invoice's due date (the zero value).
	Due Anchor = iota
	// Issue is the invoice's issue date.
	Issue
	// Agreement is the payment agreement's effective date.
	Agreement
	// Previous is the date of the step before this one in its timeline
	// (rolled onto a business day), as in "previous+10": ten days after the
	// previous step's date, whenever that fell. The first step of a
	// timeline has no previous step.
	Previous
)

// String returns "due", "issue", "agreement" or "previous".
func (a Anchor) String() string {
	switch a {
	case Due:
		return "due"
	case Issue:
		return "issue"
	case Agreement:
		return "agreement"
	case Previous:
		return "previous"
	}
	return "anchor(" + strconv.Itoa(int(a)) + ")"
}

// ParseAnchor reads "due", "issue" (or "invoice"), "agreement" and
// "previous".
func ParseAnchor(s string) (Anchor, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "due":
		return Due, nil
	case "issue", "invoice":
		return Issue, nil
	case "agreement":
		return Agreement, nil
	case "previous":
		return Previous, nil
	}
	return 0, &OffsetError{Input: s, Reason: `unknown anchor: want "due", "issue", "agreement" or "previous"`}
}

// MaxDays bounds an offset: a hundred years.
const MaxDays = 36600

// Offset is a signed number of days from an anchor; negative is before.
// With EOM the date is then moved to the last day of its month (OCA's
// EOM(due+30), written "eom(due+30)").
type Offset struct {
	Anchor Anchor
	Days   int
	EOM    bool
}

// OffsetError reports text that is not an offset.
type OffsetError struct {
	Input  string
	Reason string
}

// Error implements error.
func (e *OffsetError) Error() string {
	return fmt.Sprintf("schedule: offset %q: %s", e.Input, e.Reason)
}

// String returns the canonical form: "due", "due-7", "due+14", "issue+3",
// "previous+10", "eom(due+30)".
func (o Offset) String() string {
	if o.EOM {
		return "eom(" + Offset{Anchor: o.Anchor, Days: o.Days}.String() + ")"
	}
	switch {
	case o.Days == 0:
		return o.Anchor.String()
	case o.Days > 0:
		return o.Anchor.String() + "+" + strconv.Itoa(o.Days)
	}
	return o.Anchor.String() + strconv.Itoa(o.Days)
}

// MarshalText writes the canonical form.
func (o Offset) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText parses with ParseOffset.
func (o *Offset) UnmarshalText(b []byte) error {
	v, err := ParseOffset(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// ParseOffset reads an offset, case-insensitively:
//
//	due, due-7, due+14, issue+3, invoice+3 (= issue+3), agreement+3
//	previous+10 (ten days after the step before)
//	P14D (= due+14), -P7D (= due-7), +P7D, P2W (= due+14)
//	due-P7D, issue+P3D
//	eom(due+30) (the last day of the month due+30 falls in), eom(P30D)
//
// Month and year periods are refused: a month is 28 to 31 days, so "due+P1M"
// would not say which day is meant; give days.
func ParseOffset(s string) (Offset, error) {
	in := s
	s = strings.ToLower(strings.TrimSpace(s))
	bad := func(reason string) (Offset, error) { return Offset{}, &OffsetError{Input: in, Reason: reason} }
	if s == "" {
		return bad("empty: want e.g. due+14, issue+3 or P14D")
	}
	if strings.HasPrefix(s, "eom") && !strings.HasPrefix(s, "eom+") && !strings.HasPrefix(s, "eom-") {
		inner, ok := strings.CutPrefix(s, "eom(")
		if !ok || !strings.HasSuffix(inner, ")") {
			return bad("want eom(offset), as in eom(due+30)")
		}
		inner = strings.TrimSpace(inner[:len(inner)-1])
		if strings.HasPrefix(inner, "eom") {
			return bad("eom(...) cannot be nested")
		}
		o, err := ParseOffset(inner)
		if err != nil {
			return bad(err.(*OffsetError).Reason)
		}
		o.EOM = true
		return o, nil
	}
	var o Offset
	rest := s
	if c := s[0]; c >= 'a' && c <= 'z' && (c != 'p' || strings.HasPrefix(s, "previous")) {
		i := strings.IndexAny(s, "+-")
		name := s
		if i >= 0 {
			name, rest = s[:i], s[i:]
		} else {
			rest = ""
		}
		a, err := ParseAnchor(name)
		if err != nil {
			return bad(`unknown anchor "` + name + `": want due, issue, agreement or previous`)
		}
		o.Anchor = a
		if rest == "" {
			return o, nil
		}
	}
	sign := 1
	switch rest[0] {
	case '+':
		rest = rest[1:]
	case '-':
		sign, rest = -1, rest[1:]
	default:
		if rest[0] != 'p' {
			return bad("want a sign and a number of days, as in due+14")
		}
	}
	if rest == "" {
		return bad("missing number of days")
	}
	var n int
	if rest[0] == 'p' {
		v, err := parsePeriod(rest)
		if err != "" {
			return bad(err)
		}
		n = v
	} else {
		if len(rest) > 6 {
			return bad(fmt.Sprintf("more than %d days", MaxDays))
		}
		v, err := strconv.Atoi(rest)
		if err != nil || v < 0 || rest[0] == '+' || rest[0] == '-' { // one sign: "due-+3" is no offset
			return bad(`"` + rest + `" is not a number of days`)
		}
		n = v
	}
	if n > MaxDays {
		return bad(fmt.Sprintf("more than %d days", MaxDays))
	}
	o.Days = sign * n
	return o, nil
}

// parsePeriod reads an ISO 8601 period of days or weeks ("p14d", "p2w").
func parsePeriod(p string) (int, string) {
	body := p[1:]
	if body == "" {
		return 0, "empty ISO 8601 period"
	}
	if strings.Contains(body, "t") {
		return 0, "time parts (hours, minutes, seconds) are not allowed, give days"
	}
	total := 0
	for body != "" {
		i := 0
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i++
		}
		if i == 0 || i == len(body) {
			return 0, "not an ISO 8601 period of days, like P14D"
		}
		if i > 6 {
			return 0, fmt.Sprintf("more than %d days", MaxDays)
		}
		v, _ := strconv.Atoi(body[:i])
		switch body[i] {
		case 'd':
			total += v
		case 'w':
			total += 7 * v
		case 'm':
			return 0, "months are not allowed, give days (e.g. due+30): a month is 28 to 31 days"
		case 'y':
			return 0, "years are not allowed, give days (e.g. due+365)"
		default:
			return 0, "unknown period unit " + strconv.Quote(string(body[i]))
		}
		if total > MaxDays {
			return 0, fmt.Sprintf("more than %d days", MaxDays)
		}
		body = body[i+1:]
	}
	return total, ""
}

// Anchors are the dates offsets count from; a zero date is unset.
// Previous is the previous step's date, which a Timeline fills in.
type Anchors struct {
	Issue, Due, Agreement, Previous date.Date
}

// Of returns the date of anchor an.
func (a Anchors) Of(an Anchor) date.Date {
	switch an {
	case Issue:
		return a.Issue
	case Agreement:
		return a.Agreement
	case Previous:
		return a.Previous
	}
	return a.Due
}

// From returns the anchor's date plus Days (moved to the end of its month
// with EOM), and false if the anchor is unset.
func (o Offset) From(a Anchors) (date.Date, bool) {
	d := a.Of(o.Anchor)
	if d == 0 {
		return 0, false
	}
	d += date.Date(o.Days)
	if o.EOM {
		d = EndOfMonth(d)
	}
	return d, true
}

// EndOfMonth returns the last day of d's month.
func EndOfMonth(d date.Date) date.Date {
	return d + date.Date(d.LastDayOfMonth()-d.Day())
}

// Calendar says which days are business days.
type Calendar interface {
	IsBusinessDay(d date.Date) bool
}

type everyDay struct{}

func (everyDay) IsBusinessDay(date.Date) bool { return true }

// EveryDay is a calendar in which every day is a business day.
func EveryDay() Calendar { return everyDay{} }

type weekend uint8 // bit i set: weekday i is not a business day

func (w weekend) IsBusinessDay(d date.Date) bool { return w&(1<<uint(d.Weekday())) == 0 }

// Weekend is a calendar whose given weekdays are not business days.
func Weekend(days ...time.Weekday) Calendar {
	var w weekend
	for _, d := range days {
		if d >= time.Sunday && d <= time.Saturday {
			w |= 1 << uint(d)
		}
	}
	return w
}

// MonToFri is Weekend(Saturday, Sunday).
func MonToFri() Calendar { return Weekend(time.Saturday, time.Sunday) }

type holidays map[date.Date]struct{}

func (h holidays) IsBusinessDay(d date.Date) bool { _, off := h[d]; return !off }

// Holidays is a calendar whose given dates are not business days.
func Holidays(days ...date.Date) Calendar {
	h := make(holidays, len(days))
	for _, d := range days {
		h[d] = struct{}{}
	}
	return h
}

type combined []Calendar

func (c combined) IsBusinessDay(d date.Date) bool {
	for _, cal := range c {
		if !cal.IsBusinessDay(d) {
			return false
		}
	}
	return true
}

// Combine is a calendar in which a day is a business day only if it is one
// in every given calendar (nil entries are ignored).
func Combine(cals ...Calendar) Calendar {
	var c combined
	for _, cal := range cals {
		if cal != nil {
			c = append(c, cal)
		}
	}
	return c
}

// Builtin reports whether c is one of this package's calendars (EveryDay,
// Weekend, MonToFri, Holidays, or a Combine of such): their days are fixed
// when they are made, so they are safe for concurrent use and call no code
// of the app. A nil c is not a calendar and reports false.
func Builtin(c Calendar) bool {
	switch c := c.(type) {
	case everyDay, weekend, holidays:
		return true
	case combined:
		for _, cal := range c {
			if !Builtin(cal) {
				return false
			}
		}
		return true
	}
	return false
}

// AddBusinessDays moves n business days from d (backwards for negative n);
// n = 0 returns d. It gives up after 366 days without a business day and
// returns the day reached.
func AddBusinessDays(cal Calendar, d date.Date, n int) date.Date {
	if cal == nil {
		return d + date.Date(n)
	}
	step := date.Date(1)
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		found := false
		for i := 0; i < 366; i++ {
			d += step
			if cal.IsBusinessDay(d) {
				found = true
				break
			}
		}
		if !found {
			return d
		}
		n--
	}
	return d
}

// Roll moves a date that is not a business day.
type Roll uint8

const (
	// NoRoll leaves the date alone.
	NoRoll Roll = iota
	// Following moves to the next business day.
	Following
	// Preceding moves to the previous business day.
	Preceding
	// ModifiedFollowing moves to the next business day unless that is in the
	// next month; then to the previous one.
	ModifiedFollowing
	// ModifiedPreceding moves to the previous business day unless that is in
	// the previous month; then to the next one.
	ModifiedPreceding
)

var rollNames = [...]string{"none", "following", "preceding", "modified-following", "modified-preceding"}

// String returns "none", "following", "preceding", "modified-following" or
// "modified-preceding".
func (r Roll) String() string {
	if int(r) < len(rollNames) {
		return rollNames[r]
	}
	return "roll(" + strconv.Itoa(int(r)) + ")"
}

// ParseRoll reads a roll rule's name; "" is NoRoll.
func ParseRoll(s string) (Roll, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return NoRoll, nil
	}
	for i, n := range rollNames {
		if t == n {
			return Roll(i), nil
		}
	}
	return 0, fmt.Errorf("schedule: roll %q: want one of %s", s, strings.Join(rollNames[:], ", "))
}

// MarshalText writes the roll's name.
func (r Roll) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a roll's name.
func (r *Roll) UnmarshalText(b []byte) error {
	v, err := ParseRoll(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// maxSearch is how far a roll looks for a business day.
const maxSearch = 366

func seek(cal Calendar, d date.Date, step date.Date) (date.Date, bool) {
	for i := 0; i < maxSearch; i++ {
		if cal.IsBusinessDay(d) {
			return d, true
		}
		d += step
	}
	return d, false
}

// Apply rolls d by rule r on calendar cal (nil: every day is a business
// day). When no business day lies within 366 days in the direction
// searched, d is returned unchanged.
func (r Roll) Apply(cal Calendar, d date.Date) date.Date {
	if cal == nil || r == NoRoll || cal.IsBusinessDay(d) {
		return d
	}
	switch r {
	case Following, Preceding:
		step := date.Date(1)
		if r == Preceding {
			step = -1
		}
		if v, ok := seek(cal, d, step); ok {
			return v
		}
	case ModifiedFollowing, ModifiedPreceding:
		first, second := date.Date(1), date.Date(-1)
		if r == ModifiedPreceding {
			first, second = -1, 1
		}
		if v, ok := seek(cal, d, first); ok && v.Month() == d.Month() && v.Year() == d.Year() {
			return v
		}
		if v, ok := seek(cal, d, second); ok {
			return v
		}
	}
	return d
}

// Step is one named point on a timeline.
type Step struct {
	Name string `json:"name"`
	At   Offset `json:"at"`
}

// Timeline turns anchors into dated steps on a calendar.
type Timeline struct {
	Steps    []Step
	Calendar Calendar
	Roll     Roll
}

// Dated is a step with its dates: Nominal = anchor + offset, Date = rolled.
type Dated struct {
	Index   int
	Step    Step
	Nominal date.Date
	Date    date.Date
}

// DateOf returns step i's rolled date, and false if its anchor is unset or i
// is out of range. A Previous anchor counts from step i-1's rolled date (for
// the first step, from a.Previous).
func (t Timeline) DateOf(i int, a Anchors) (date.Date, bool) {
	if i < 0 || i >= len(t.Steps) {
		return 0, false
	}
	var d date.Date
	for j := 0; j <= i; j++ {
		if j > 0 {
			a.Previous = d
		}
		n, ok := t.Steps[j].At.From(a)
		d = 0
		if ok {
			d = t.Roll.Apply(t.Calendar, n)
		}
	}
	return d, d != 0
}

// Dates returns the dated steps whose anchor is set, sorted by date, ties
// in step order. A Previous anchor counts from the rolled date of the step
// before it (unset when that step's anchor is).
func (t Timeline) Dates(a Anchors) []Dated {
	out := make([]Dated, 0, len(t.Steps))
	for i, s := range t.Steps {
		n, ok := s.At.From(a)
		a.Previous = 0
		if !ok {
			continue
		}
		d := t.Roll.Apply(t.Calendar, n)
		a.Previous = d
		out = append(out, Dated{Index: i, Step: s, Nominal: n, Date: d})
	}
	for i := 1; i < len(out); i++ { // insertion sort: timelines are short
		for j := i; j > 0 && out[j].Date < out[j-1].Date; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// DefaultCadence is the classic dunning cadence: a welcome three days after
// the agreement, a reminder a week before the due date, one on the due date,
// overdue notices 14 and 30 days after it and a final notice 45 days after.
func DefaultCadence() []Step {
	return []Step{
		{Name: "welcome", At: Offset{Anchor: Agreement, Days: 3}},
		{Name: "pre-due", At: Offset{Anchor: Due, Days: -7}},
		{Name: "due", At: Offset{Anchor: Due}},
		{Name: "overdue-1", At: Offset{Anchor: Due, Days: 14}},
		{Name: "overdue-2", At: Offset{Anchor: Due, Days: 30}},
		{Name: "final", At: Offset{Anchor: Due, Days: 45}},
	}
}
