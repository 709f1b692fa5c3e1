package notice

import "text/template/parse"

// maxInlineDepth bounds how deep inline follows template calls inside
// inlined bodies (the built-in templates nest three deep; a recursive
// template stops here and keeps its call).
const maxInlineDepth = 8

// inline replaces, in l, every {{template "x" .}} whose template x uses no
// variables, and every {{template "x" $}} whose x is plain text, with a
// copy of x's body, itself inlined. The copy sees the same dot the call
// would have passed and, having no variables, nothing else, so it writes
// the same bytes; it saves the call: a tick, a new state and a reflected
// function call per template body. Only the built-in templates are
// inlined (see Builtin): they are fixed, checked by the golden tests, and
// write on every pass of every range, so the writer still meets the
// deadline.
func inline(l *parse.ListNode, trees map[string]*parse.Tree, depth int) {
	if l == nil {
		return
	}
	out := make([]parse.Node, 0, len(l.Nodes))
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TemplateNode:
			if body := inlinable(n, trees, depth); body != nil {
				inline(body, trees, depth+1)
				out = append(out, body.Nodes...)
				continue
			}
		case *parse.IfNode:
			inline(n.List, trees, depth)
			inline(n.ElseList, trees, depth)
		case *parse.WithNode:
			inline(n.List, trees, depth)
			inline(n.ElseList, trees, depth)
		case *parse.RangeNode:
			inline(n.List, trees, depth)
			inline(n.ElseList, trees, depth)
		case *parse.ListNode:
			inline(n, trees, depth)
		}
		out = append(out, n)
	}
	l.Nodes = out
}

// inlinable returns a copy of the body a template call can be replaced
// with, or nil.
func inlinable(n *parse.TemplateNode, trees map[string]*parse.Tree, depth int) *parse.ListNode {
	t, ok := trees[n.Name]
	if !ok || t.Root == nil || depth >= maxInlineDepth || n.Pipe == nil || len(n.Pipe.Decl) > 0 || len(n.Pipe.Cmds) != 1 || len(n.Pipe.Cmds[0].Args) != 1 {
		return nil
	}
	switch a := n.Pipe.Cmds[0].Args[0].(type) {
	case *parse.DotNode:
		if usesVariables(t.Root) {
			return nil
		}
	case *parse.VariableNode:
		if len(a.Ident) != 1 || a.Ident[0] != "$" || !plainText(t.Root) {
			return nil
		}
	default:
		return nil
	}
	return t.Root.CopyList()
}

// plainText reports whether a body is text alone.
func plainText(l *parse.ListNode) bool {
	for _, n := range l.Nodes {
		if _, ok := n.(*parse.TextNode); !ok {
			return false
		}
	}
	return true
}

// usesVariables reports whether a body declares or reads a variable ($,
// $x), or holds a node it does not look into (break, continue, comment):
// such a body keeps its call.
func usesVariables(n parse.Node) bool {
	switch n := n.(type) {
	case nil:
		return false
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if usesVariables(c) {
				return true
			}
		}
		return false
	case *parse.TextNode:
		return false
	case *parse.ActionNode:
		return pipeUsesVariables(n.Pipe)
	case *parse.TemplateNode:
		return pipeUsesVariables(n.Pipe)
	case *parse.IfNode:
		return branchUsesVariables(&n.BranchNode)
	case *parse.WithNode:
		return branchUsesVariables(&n.BranchNode)
	case *parse.RangeNode:
		return branchUsesVariables(&n.BranchNode)
	}
	return true
}

func branchUsesVariables(b *parse.BranchNode) bool {
	return pipeUsesVariables(b.Pipe) || usesVariables(b.List) || (b.ElseList != nil && usesVariables(b.ElseList))
}

func pipeUsesVariables(p *parse.PipeNode) bool {
	if p == nil {
		return false
	}
	return len(p.Decl) > 0 || anyArg(p, pipeUsesVariables, func(n parse.Node) bool {
		switch n := n.(type) {
		case *parse.VariableNode:
			return true
		case *parse.ChainNode:
			_, ok := n.Node.(*parse.VariableNode)
			return ok
		}
		return false
	})
}

// anyArg reports whether an argument of p's commands holds: pipe is asked
// of a pipeline argument and of a chain's pipeline head, leaf of every
// other argument (a chain included).
func anyArg(p *parse.PipeNode, pipe func(*parse.PipeNode) bool, leaf func(parse.Node) bool) bool {
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			switch a := a.(type) {
			case *parse.PipeNode:
				if pipe(a) {
					return true
				}
				continue
			case *parse.ChainNode:
				if pn, ok := a.Node.(*parse.PipeNode); ok && pipe(pn) {
					return true
				}
			}
			if leaf(a) {
				return true
			}
		}
	}
	return false
}
