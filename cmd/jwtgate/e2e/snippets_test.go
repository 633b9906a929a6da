package e2e

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the snippets in testdata/ from the templates")

// readmeFront is the setup the README's snippets show: the claim headers
// of jwtgate's sample configuration.
var readmeFront = Front{
	Listen:       "127.0.0.1:8080",
	Auth:         "127.0.0.1:9000",
	Upstream:     "127.0.0.1:9001",
	ClaimHeaders: []string{"X-Auth-Subject", "X-Auth-Client-Id", "X-Auth-Scopes", "X-Auth-Issuer", "X-Auth-Tenant", "X-Auth-Claims"},
}

// TestSnippets keeps testdata/ (the text the README shows) equal to what
// the templates the tests run render. go test -run TestSnippets -update
// rewrites it.
func TestSnippets(t *testing.T) {
	for _, s := range []struct {
		file   string
		render func(Front) (string, error)
	}{
		{"nginx.conf.snippet", NginxSnippet},
		{"Caddyfile.snippet", CaddySnippet},
		{"traefik-dynamic.yaml", TraefikSnippet},
	} {
		t.Run(s.file, func(t *testing.T) {
			got, err := s.render(readmeFront)
			require.NoError(t, err)
			path := filepath.Join("testdata", s.file)
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "reading %s (go test -run TestSnippets -update writes it)", path)
			assert.Equal(t, string(want), got, "rendered %s differs from %s; run go test -run TestSnippets -update and update the README", s.file, path)
		})
	}
}

func TestFrontRefusesInvalid(t *testing.T) {
	good := readmeFront
	good.Dir = "/tmp/x"
	for _, tc := range []struct {
		name   string
		change func(*Front)
	}{
		{"listen without port", func(f *Front) { f.Listen = "127.0.0.1" }},
		{"auth empty", func(f *Front) { f.Auth = "" }},
		{"upstream with path", func(f *Front) { f.Upstream = "127.0.0.1:9/x" }},
		{"header with underscore", func(f *Front) { f.ClaimHeaders = []string{"X_Auth"} }},
		{"header with space", func(f *Front) { f.ClaimHeaders = []string{"X Auth"} }},
		{"header with brace", func(f *Front) { f.ClaimHeaders = []string{"X-{Auth}"} }},
		{"header empty", func(f *Front) { f.ClaimHeaders = []string{""} }},
		{"header ending in dash", func(f *Front) { f.ClaimHeaders = []string{"X-"} }},
		{"dir with semicolon", func(f *Front) { f.Dir = "/tmp/a;b" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good
			tc.change(&f)
			for name, render := range map[string]func(Front) (string, error){
				"NginxConf": NginxConf, "Caddyfile": Caddyfile, "TraefikSnippet": TraefikSnippet,
			} {
				out, err := render(f)
				if tc.name == "dir with semicolon" && name != "NginxConf" {
					continue // only nginx.conf holds Dir; check() refuses it all the same
				}
				assert.ErrorIs(t, err, errFront, "%s(%+v) = %q; want an error", name, f, out)
			}
		})
	}
	_, err := NginxConf(readmeFront)
	assert.ErrorIs(t, err, errFront, "NginxConf without Dir")
	out, err := NginxConf(good)
	require.NoError(t, err, "NginxConf(%+v)", good)
	assert.Contains(t, out, "pid /tmp/x/nginx.pid;")
}
