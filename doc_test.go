package overdue_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestEveryExportedNameIsDocumented walks the module's packages (examples
// excepted: they are commands) and fails on an exported top-level name or
// method without a doc comment, a package without doc.go, and a package
// without a runnable Example (one with an "// Output:" comment).
func TestEveryExportedNameIsDocumented(t *testing.T) {
	pkgs := map[string][]string{} // dir -> go files
	for _, path := range moduleGoFiles(t) {
		pkgs[filepath.Dir(path)] = append(pkgs[filepath.Dir(path)], path)
	}
	var dirs []string
	for d := range pkgs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	fset := token.NewFileSet()
	for _, dir := range dirs {
		hasDoc, hasExample := false, false
		for _, path := range pkgs[dir] {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(path) == "doc.go" && f.Doc != nil {
				hasDoc = true
			}
			if strings.HasSuffix(path, "_test.go") {
				for _, d := range f.Decls {
					if fd, ok := d.(*ast.FuncDecl); ok && strings.HasPrefix(fd.Name.Name, "Example") && strings.Contains(string(src[fset.Position(fd.Body.Pos()).Offset:fset.Position(fd.Body.End()).Offset]), "// Output:") {
						hasExample = true
					}
				}
				continue
			}
			for _, missing := range undocumented(f) {
				t.Errorf("%s: %s has no doc comment", path, missing)
			}
		}
		if !hasDoc {
			t.Errorf("%s: no doc.go with a package comment", dir)
		}
		// storetest's only call needs a *testing.T; its example is compiled,
		// and the memory and SQL stores run the suite in their tests.
		if !hasExample && dir != filepath.Join("store", "storetest") {
			t.Errorf("%s: no runnable Example (with // Output:)", dir)
		}
	}
}

func undocumented(f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv != nil && len(d.Recv.List) > 0 {
				if !ast.IsExported(recvName(d.Recv.List[0].Type)) {
					continue
				}
				out = append(out, recvName(d.Recv.List[0].Type)+"."+d.Name.Name)
				continue
			}
			out = append(out, d.Name.Name)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
						out = append(out, s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						// In a group, the group's comment documents the names.
						if n.IsExported() && s.Doc == nil && d.Doc == nil && s.Comment == nil {
							out = append(out, n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return ""
}
