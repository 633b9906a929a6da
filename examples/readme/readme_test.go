// Package readme keeps the README honest: every Go code block in it must be
// code that the test suite compiles and runs.
package readme

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const root = "../.."

// codeBlocks returns the fenced code blocks of the given language in md.
func codeBlocks(md, lang string) []string {
	re := regexp.MustCompile("(?s)```" + lang + "\n(.*?)```")
	var blocks []string
	for _, m := range re.FindAllStringSubmatch(md, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// normalize drops indentation, trailing spaces and blank lines, so that a
// block shown at the left margin matches the same code inside a function.
func normalize(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func containsRun(haystack, needle []string) bool {
	if len(needle) == 0 {
		return true
	}
	for i := 0; i+len(needle) <= len(haystack); i++ {
		match := true
		for j := range needle {
			if haystack[i+j] != needle[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// goSources returns the normalized lines of every Go file of the module
// (tests and examples included: they are what the suite compiles and runs).
func goSources(t *testing.T) map[string][]string {
	t.Helper()
	files := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "bench" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[path] = normalize(string(data))
		}
		return nil
	})
	require.NoError(t, err)
	return files
}

// TestGoBlocksAreTestedCode checks that every Go block of README.md stands,
// line for line, in a Go file of the module, so that it compiles and its
// behaviour is covered by that file's tests or examples.
func TestGoBlocksAreTestedCode(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	blocks := codeBlocks(string(md), "go")
	require.NotEmpty(t, blocks, "Go blocks in README.md")
	sources := goSources(t)
	for i, block := range blocks {
		lines := normalize(block)
		found := ""
		for path, src := range sources {
			if containsRun(src, lines) {
				found = path
				break
			}
		}
		assert.NotEmpty(t, found, "README.md Go block %d is not code of any Go file in the module; "+
			"copy it from an example or test (or add it to one):\n%s", i+1, block)
	}
}

// TestShellBlocksNameExistingPaths checks that the ./paths the README's
// shell blocks use exist.
func TestShellBlocksNameExistingPaths(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	re := regexp.MustCompile(`\./[A-Za-z0-9_./-]+`)
	for _, block := range codeBlocks(string(md), "sh") {
		for _, p := range re.FindAllString(block, -1) {
			p = strings.TrimSuffix(strings.TrimSuffix(p, "/..."), "/")
			_, err := os.Stat(filepath.Join(root, p))
			assert.NoError(t, err, "README.md shell block names %s, which does not exist", p)
		}
	}
}

// TestGatewaySnippetsAreTheTestedOnes checks that the README shows the
// nginx, Caddy and Traefik configurations exactly as the gateway's
// end-to-end tests render them (cmd/jwtgate/e2e/testdata, which a test
// there keeps equal to the templates nginx and Caddy run with).
func TestGatewaySnippetsAreTheTestedOnes(t *testing.T) {
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	for _, name := range []string{"nginx.conf.snippet", "Caddyfile.snippet", "traefik-dynamic.yaml"} {
		snippet, err := os.ReadFile(filepath.Join(root, "cmd", "jwtgate", "e2e", "testdata", name))
		require.NoError(t, err)
		assert.Contains(t, string(md), string(snippet), "README.md does not show cmd/jwtgate/e2e/testdata/%s as it is", name)
	}
}

// TestNormalizeAndMatch checks the matcher itself, so that the tests above
// cannot pass by accident.
func TestNormalizeAndMatch(t *testing.T) {
	src := normalize("func f() {\n\tx := 1\n\n\ty := 2\n}\n")
	assert.True(t, containsRun(src, normalize("x := 1\ny := 2\n")), "an indented run")
	assert.False(t, containsRun(src, normalize("x := 1\nz := 3\n")), "a changed line")
	assert.False(t, containsRun(src, normalize("y := 2\nx := 1\n")), "lines in another order")
	assert.Equal(t, []string{"a\n"}, codeBlocks("x\n```go\na\n```\n```sh\nb\n```\n", "go"))
}
