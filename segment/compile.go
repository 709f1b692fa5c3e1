package segment

import (
	"math"
	"math/bits"
	"slices"
	"strings"
)

// Matcher is a RuleSet compiled for routing many subjects: the evaluation
// order is fixed once, every attribute name is resolved to a slot (each
// subject is asked for each attribute at most once per match, however many
// rules name it), and number constants are parsed once into int64 where
// they are whole and small. Compile once per rule set and call Match per
// subject; it gives the same Match as RuleSet.Match, which compiles on
// every call. A Matcher holds no state between calls and is safe for
// concurrent use; it reads the RuleSet, which must not change while in use.
type Matcher struct {
	rs    *RuleSet
	attrs []string // slot -> attribute name
	// strIDs numbers, per slot, the string constants compared with the
	// slot's attribute by eq, ne, in and not_in, so that a subject's string
	// is looked up once and the predicates compare numbers.
	strIDs []map[string]int32
	rules  []compiledRule
	// guards index the rules by a string attribute they require (eq or in
	// at the top of When or directly under its all): a subject whose
	// attribute is none of the listed strings skips those rules unevaluated.
	guards []guard
}

// guard is one slot's rule index: bit i of admit[id] is set when rule i
// (in evaluation order) may hold for a subject whose attribute in slot is
// the string numbered id; none is the mask for any other value (or none).
type guard struct {
	slot  int
	admit [][]uint64
	none  []uint64
}

type compiledRule struct {
	index int
	when  node
}

type nodeKind uint8

const (
	nodeFalse nodeKind = iota // a condition deeper than MaxDepth
	nodeAll
	nodeAny
	nodeNot
	nodePred
)

// node is a compiled Cond: a combination of nodes, or a predicate on the
// attribute in slot with its operands (consts) in their fast form.
type node struct {
	kind   nodeKind
	kids   []node
	cond   *Cond // the predicate, evaluated by Cond.pred off the fast path
	slot   int
	consts []fastNum // Value then Values, when every operand is a fast number
	strs   []string  // Value then Values, when every operand is a string
	ids    []int32   // strs numbered in the slot's strIDs
	// str is the predicate's string form, decided at compile time: the
	// operator applied to strs when the attribute is a string.
	str strOp
}

// strOp is a string predicate compiled to a code.
type strOp uint8

const (
	strNone strOp = iota
	strEq
	strNe
	strPrefix
	strIn
	strNotIn
)

// fastNum is a number in int64 form (ok false: not whole or too large).
type fastNum struct {
	i  int64
	ok bool
}

// maxFastDigits bounds the coefficients read as int64: NumDigits is
// allocation-free below 2^53, and 15 digits stay below it.
const maxFastDigits = 15

// fastOf returns v's int64 form when v is a whole number of at most 15
// digits times a power of ten that fits.
func fastOf(v Value) fastNum {
	if v.kind != KindNumber {
		return fastNum{}
	}
	if v.n.IsZero() {
		return fastNum{0, true}
	}
	exp := v.n.Exponent()
	if exp < 0 || exp > 18 || v.n.NumDigits() > maxFastDigits {
		return fastNum{}
	}
	c := v.n.CoefficientInt64()
	m := uint64(1)
	for range exp {
		m *= 10
	}
	a := c
	if a < 0 {
		a = -a
	}
	hi, lo := bits.Mul64(uint64(a), m)
	if hi != 0 || lo > math.MaxInt64 {
		return fastNum{}
	}
	if c < 0 {
		return fastNum{-int64(lo), true}
	}
	return fastNum{int64(lo), true}
}

// Compile compiles the rule set. It does not validate: Match on a
// compiled invalid rule set behaves as RuleSet.Match does on it.
func (rs *RuleSet) Compile() *Matcher {
	m := &Matcher{rs: rs}
	slots := map[string]int{}
	add := func(i int) {
		m.rules = append(m.rules, compiledRule{index: i, when: m.compile(&rs.Rules[i].When, 0, slots)})
	}
	if ord := rs.order(); ord != nil {
		for _, i := range ord {
			add(i)
		}
	} else {
		for i := range rs.Rules {
			add(i)
		}
	}
	m.index()
	return m
}

// required returns the string predicates (eq, in) that must hold for n to
// hold: n itself, or the kids of a top-level all.
func required(n *node) []*node {
	isReq := func(k *node) bool { return k.kind == nodePred && (k.str == strEq || k.str == strIn) }
	if isReq(n) {
		return []*node{n}
	}
	var out []*node
	if n.kind == nodeAll {
		for i := range n.kids {
			if isReq(&n.kids[i]) {
				out = append(out, &n.kids[i])
			}
		}
	}
	return out
}

// index builds the guards.
func (m *Matcher) index() {
	words := (len(m.rules) + 63) / 64
	bySlot := map[int]*guard{}
	var order []int
	for ri := range m.rules {
		for _, k := range required(&m.rules[ri].when) {
			g := bySlot[k.slot]
			if g == nil {
				g = &guard{slot: k.slot, none: make([]uint64, words), admit: make([][]uint64, len(m.strIDs[k.slot]))}
				for i := range g.none {
					g.none[i] = ^uint64(0)
				}
				for id := range g.admit {
					g.admit[id] = slices.Clone(g.none)
				}
				bySlot[k.slot] = g
				order = append(order, k.slot)
			}
			// Rule ri holds only for the listed strings: clear its bit
			// everywhere else (a second guard on the slot intersects).
			w, bit := ri/64, uint64(1)<<(ri%64)
			g.none[w] &^= bit
			for id := range g.admit {
				if !slices.Contains(k.ids, int32(id)) {
					g.admit[id][w] &^= bit
				}
			}
		}
	}
	for _, slot := range order {
		m.guards = append(m.guards, *bySlot[slot])
	}
}

func (m *Matcher) compile(c *Cond, depth int, slots map[string]int) node {
	if depth > MaxDepth {
		return node{kind: nodeFalse}
	}
	kids := func(cs []Cond) []node {
		ns := make([]node, len(cs))
		for i := range cs {
			ns[i] = m.compile(&cs[i], depth+1, slots)
		}
		return ns
	}
	switch {
	case c.All != nil:
		return node{kind: nodeAll, kids: kids(c.All)}
	case c.Any != nil:
		return node{kind: nodeAny, kids: kids(c.Any)}
	case c.Not != nil:
		return node{kind: nodeNot, kids: []node{m.compile(c.Not, depth+1, slots)}}
	}
	slot, ok := slots[c.Attr]
	if !ok {
		slot = len(m.attrs)
		slots[c.Attr] = slot
		m.attrs = append(m.attrs, c.Attr)
		m.strIDs = append(m.strIDs, nil)
	}
	n := node{kind: nodePred, cond: c, slot: slot}
	var consts []fastNum
	if c.Value != nil {
		consts = append(consts, fastOf(*c.Value))
	}
	for _, v := range c.Values {
		consts = append(consts, fastOf(v))
	}
	allNums, allStrs := true, true
	for _, f := range consts {
		allNums = allNums && f.ok
	}
	var strs []string
	if c.Value != nil {
		allStrs = allStrs && c.Value.kind == KindString
		strs = append(strs, c.Value.s)
	}
	for _, v := range c.Values {
		allStrs = allStrs && v.kind == KindString
		strs = append(strs, v.s)
	}
	switch {
	case len(consts) == 0:
	case allNums:
		n.consts = consts
	case allStrs:
		n.strs = strs
		one := c.Value != nil && len(c.Values) == 0
		list := c.Value == nil && len(c.Values) > 0
		switch {
		case c.Op == Eq && one:
			n.str = strEq
		case c.Op == Ne && one:
			n.str = strNe
		case c.Op == Prefix && one:
			n.str = strPrefix
		case c.Op == In && list:
			n.str = strIn
		case c.Op == NotIn && list:
			n.str = strNotIn
		}
		if n.str != strNone && n.str != strPrefix {
			ids := m.strIDs[slot]
			if ids == nil {
				ids = map[string]int32{}
				m.strIDs[slot] = ids
			}
			for _, s := range strs {
				id, ok := ids[s]
				if !ok {
					id = int32(len(ids))
					ids[s] = id
				}
				n.ids = append(n.ids, id)
			}
		}
	}
	return n
}

// slotVal is one attribute of the subject being matched, fetched on first
// use.
type slotVal struct {
	v       Value
	fast    fastNum
	id      int32 // the string's number in the slot's strIDs, -1 if none
	ok      bool
	fetched bool
}

// Match routes s as RuleSet.Match does.
func (m *Matcher) Match(s Subject) Match {
	// Slots live on the stack for rule sets naming up to 8 attributes (a
	// larger buffer costs its zeroing on every call).
	var buf [8]slotVal
	var vals []slotVal
	if len(m.attrs) <= len(buf) {
		vals = buf[:len(m.attrs)]
	} else {
		vals = make([]slotVal, len(m.attrs))
	}
	// Candidate rules: all, less those whose guard the subject fails.
	var cbuf [4]uint64
	var cand []uint64
	if w := (len(m.rules) + 63) / 64; w <= len(cbuf) {
		cand = cbuf[:w]
	} else {
		cand = make([]uint64, w)
	}
	for i := range cand {
		cand[i] = ^uint64(0)
	}
	for _, g := range m.guards {
		mask := g.none
		if sv := m.fetch(g.slot, s, vals); sv.id >= 0 {
			mask = g.admit[sv.id]
		}
		for i := range cand {
			cand[i] &= mask[i]
		}
	}
	for w, word := range cand {
		for word != 0 {
			i := w*64 + bits.TrailingZeros64(word)
			word &= word - 1
			if i >= len(m.rules) {
				break
			}
			if m.eval(&m.rules[i].when, s, vals) {
				r := &m.rs.Rules[m.rules[i].index]
				return Match{Target: r.Target, Rule: r.Name, Index: m.rules[i].index}
			}
		}
	}
	return Match{Target: m.rs.Default, Index: -1, Default: true}
}

// fetch returns the subject's attribute in slot, asking s on first use.
func (m *Matcher) fetch(slot int, s Subject, vals []slotVal) *slotVal {
	sv := &vals[slot]
	if !sv.fetched {
		sv.fetched = true
		sv.v, sv.ok = s.Attr(m.attrs[slot])
		sv.fast = fastOf(sv.v)
		sv.id = -1
		if sv.ok && sv.v.kind == KindString {
			if id, ok := m.strIDs[slot][sv.v.s]; ok {
				sv.id = id
			}
		}
	}
	return sv
}

func (m *Matcher) eval(n *node, s Subject, vals []slotVal) bool {
	switch n.kind {
	case nodeAll:
		for i := range n.kids {
			if !m.eval(&n.kids[i], s, vals) {
				return false
			}
		}
		return len(n.kids) > 0
	case nodeAny:
		for i := range n.kids {
			if m.eval(&n.kids[i], s, vals) {
				return true
			}
		}
		return false
	case nodeNot:
		return !m.eval(&n.kids[0], s, vals)
	case nodePred:
		sv := m.fetch(n.slot, s, vals)
		if held, done := n.fastPred(sv); done {
			return held
		}
		return n.cond.pred(sv.v, sv.ok)
	}
	return false
}

// fastPred decides number predicates in int64 when the attribute and every
// operand have an int64 form (done false: use Cond.pred). The semantics
// are Cond.pred's: equality by value, order by value.
func (n *node) fastPred(sv *slotVal) (held, done bool) {
	if n.str != strNone && sv.ok && sv.v.kind == KindString {
		return n.strPred(sv.v.s, sv.id), true
	}
	if n.consts == nil || !sv.ok || !sv.fast.ok {
		return false, false
	}
	x, c := sv.fast.i, n.consts
	switch n.cond.Op {
	case Eq, Ne, Lt, Lte, Gt, Gte:
		if n.cond.Value == nil {
			return false, false
		}
	}
	switch n.cond.Op {
	case Eq:
		return x == c[0].i, true
	case Ne:
		return x != c[0].i, true
	case Lt:
		return x < c[0].i, true
	case Lte:
		return x <= c[0].i, true
	case Gt:
		return x > c[0].i, true
	case Gte:
		return x >= c[0].i, true
	case Between:
		if len(c) != 2 || n.cond.Value != nil {
			return false, false
		}
		return x >= c[0].i && x <= c[1].i, true
	case In, NotIn:
		if n.cond.Value != nil {
			return false, false
		}
		found := false
		for _, f := range c {
			if f.i == x {
				found = true
				break
			}
		}
		return found == (n.cond.Op == In), len(c) > 0
	}
	return false, false
}

// strPred decides a string predicate on x as Cond.pred does (the
// operands are strings, so are x, and the operator has its operand form).
// Equality compares x's number id (-1: x equals no constant of the slot).
func (n *node) strPred(x string, id int32) bool {
	switch n.str {
	case strEq:
		return id == n.ids[0]
	case strNe:
		return id != n.ids[0]
	case strPrefix:
		return strings.HasPrefix(x, n.strs[0])
	case strIn:
		return id >= 0 && slices.Contains(n.ids, id)
	}
	return id < 0 || !slices.Contains(n.ids, id) // strNotIn
}
