// Command nounsafe fails if a Go file that is not a test imports package
// unsafe. (It only reads import paths; it imports no such package itself.)
//
// It walks the directory trees given as arguments (default "."), which
// covers every module below them (the root module, bench/ and any future
// module folder), and parses the imports of every .go file except
// *_test.go files and anything under testdata/ or .git/. Build constraints
// are ignored on purpose: a file built only for another OS or only with a
// tag counts too. A blank import of the package, as //go:linkname needs,
// counts like any other. Each offending file is printed with the line of
// the import and the package it belongs to:
//
//	go run ./.ci/nounsafe [dir ...]
//
// The exit status is 1 if any file imports unsafe, 2 if the tree cannot be
// read or a file cannot be parsed.
package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	roots := os.Args[1:]
	if len(roots) == 0 {
		roots = []string{"."}
	}
	var found []string
	for _, root := range roots {
		f, err := scan(root)
		if err != nil {
			fmt.Fprintf(os.Stderr, "nounsafe: %v\n", err)
			os.Exit(2)
		}
		found = append(found, f...)
	}
	if len(found) > 0 {
		fmt.Fprintf(os.Stderr, "nounsafe: %d non-test file(s) import %q; unsafe is allowed only in _test.go files:\n", len(found), unsafePath)
		for _, f := range found {
			fmt.Fprintf(os.Stderr, "\t%s\n", f)
		}
		os.Exit(1)
	}
	fmt.Printf("nounsafe: no non-test Go file under %s imports %q\n", strings.Join(roots, ", "), unsafePath)
}

// unsafePath is the import path looked for. It is spelled in two pieces so
// that no scanner that greps for the quoted path takes this file for one
// that imports it.
const unsafePath = "un" + "safe"

// scan returns one line per non-test Go file under root that imports
// unsafePath: "path:line: package name imports <quoted path>".
func scan(root string) ([]string, error) {
	var found []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (d.Name() == "testdata" || d.Name() == ".git") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: %w", fset.Position(imp.Pos()), err)
			}
			if p == unsafePath {
				found = append(found, fmt.Sprintf("%s: package %s imports %q", fset.Position(imp.Pos()), f.Name.Name, unsafePath))
			}
		}
		return nil
	})
	return found, err
}
