// Command doccheck fails if a non-test Go file of the module declares an
// exported name without a doc comment, or a package has no package doc or
// no runnable Example (an Example function with an output comment, which
// go test runs and checks).
// Run from the module root: go run ./.ci/doccheck
package main

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	var problems []string
	pkgDoc := map[string]bool{}
	hasExample := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "bench") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		if strings.HasSuffix(path, "_test.go") {
			for _, ex := range doc.Examples(f) {
				if ex.Output != "" || ex.EmptyOutput {
					hasExample[dir] = true
				}
			}
			return nil
		}
		if _, ok := pkgDoc[dir]; !ok {
			pkgDoc[dir] = false
		}
		if f.Doc != nil {
			pkgDoc[dir] = true
		}
		if f.Name.Name == "main" {
			return nil
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && d.Doc == nil && receiverExported(d) {
					problems = append(problems, fmt.Sprintf("%s: func %s has no doc comment", fset.Position(d.Pos()), d.Name.Name))
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
							problems = append(problems, fmt.Sprintf("%s: type %s has no doc comment", fset.Position(s.Pos()), s.Name.Name))
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && s.Doc == nil && d.Doc == nil && s.Comment == nil {
								problems = append(problems, fmt.Sprintf("%s: %s has no doc comment", fset.Position(n.Pos()), n.Name))
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for dir, ok := range pkgDoc {
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: package has no package doc comment", dir))
		}
		if !hasExample[dir] {
			problems = append(problems, fmt.Sprintf("%s: package has no runnable Example (an Example function with an // Output: comment)", dir))
		}
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

// receiverExported reports whether a method's receiver type is exported (or
// the function is not a method).
func receiverExported(d *ast.FuncDecl) bool {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return true
	}
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.IsExported()
}
