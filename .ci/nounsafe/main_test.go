package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTree creates files (path relative to a new temporary directory ->
// contents) and returns the directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(src), 0o644))
	}
	return dir
}

func TestScan(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // "path:line" prefixes, path relative to the tree
	}{
		{
			name: "no unsafe anywhere",
			files: map[string]string{
				"a/a.go": "package a\n\nimport \"strings\"\n\nvar _ = strings.Cut\n",
			},
		},
		{
			name: "unsafe in a test file, in testdata and in a comment is allowed",
			files: map[string]string{
				"a/a.go":               "package a\n\n// unsafe is mentioned here only.\nvar s = \"unsafe\"\n",
				"a/a_test.go":          "package a\n\nimport \"unsafe\"\n\nvar _ = unsafe.Sizeof(0)\n",
				"a/testdata/x/x.go":    "package x\n\nimport \"unsafe\"\n\nvar _ = unsafe.Sizeof(0)\n",
				"a/internal/b/b.go":    "package b\n\nimport unsafeish \"strings\"\n\nvar _ = unsafeish.Cut\n",
				".git/objects/junk.go": "package junk\n\nimport \"unsafe\"\n",
			},
		},
		{
			name: "plain, grouped, renamed, blank and build-constrained imports are all found",
			files: map[string]string{
				"a/plain.go":        "package a\n\nimport \"unsafe\"\n\nvar _ = unsafe.Sizeof(0)\n",
				"a/grouped.go":      "package a\n\nimport (\n\t\"strings\"\n\tu \"unsafe\"\n)\n\nvar _, _ = strings.Cut, u.Sizeof(0)\n",
				"a/blank.go":        "package a\n\nimport _ \"unsafe\" // for go:linkname\n",
				"a/other_plan9.go":  "//go:build plan9\n\npackage a\n\nimport \"unsafe\"\n\nvar _ = unsafe.Sizeof(0)\n",
				"bench/nested.go":   "package bench\n\nimport \"unsafe\"\n\nvar _ = unsafe.Sizeof(0)\n",
				"bench/go.mod":      "module example.com/bench\n",
				"a/a_test.go":       "package a\n\nimport \"unsafe\"\n",
				"a/ignored/x.go.md": "import \"unsafe\"\n",
			},
			want: []string{
				"a/blank.go:3:",
				"a/grouped.go:5:",
				"a/other_plan9.go:5:",
				"a/plain.go:3:",
				"bench/nested.go:3:",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			got, err := scan(dir)
			require.NoError(t, err, "scan(%q)", dir)
			require.Len(t, got, len(tt.want), "scan(%q) = %q, want files %q", dir, got, tt.want)
			for i, w := range tt.want {
				assert.Contains(t, filepath.ToSlash(got[i]), "/"+w, "scan(%q)[%d] = %q, want it to name %s", dir, i, got[i], w)
				assert.Contains(t, got[i], `imports "unsafe"`, "scan(%q)[%d] = %q", dir, i, got[i])
			}
		})
	}
}

func TestScanNamesThePackage(t *testing.T) {
	dir := writeTree(t, map[string]string{"v/claims.go": "package verifier\n\nimport \"unsafe\"\n\nvar _ = unsafe.Sizeof(0)\n"})
	got, err := scan(dir)
	require.NoError(t, err, "scan(%q)", dir)
	want := filepath.Join(dir, "v", "claims.go") + `:3:8: package verifier imports "unsafe"`
	assert.Equal(t, []string{want}, got, "scan(%q)", dir)
}

func TestScanReportsUnparsableFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{"a/broken.go": "package a\n\nimport \"unsafe\n"})
	got, err := scan(dir)
	assert.Error(t, err, "scan(%q) of a file with a broken import = %q, nil; want an error", dir, got)
}
