package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The streams in testdata are real govulncheck v1.10.0 output for the root
// module (go1.27.3, vulndb 2026-11-05), cut down to a few findings per
// vulnerability: base.json before the dependency upgrades (x/net v0.57.0,
// quic-go v0.59.0, Echo v4.16.0), upgraded.json after them.

const securityDoc = "# Security\n\n" +
	"## Threat model\n\n| attack | defence |\n|---|---|\n| GO-2026-0001 in another section | ignored |\n\n" +
	securitySection + "\n\nSome text.\n\n" +
	"| ID | module | affected | what to do |\n" +
	"|---|---|---|---|\n" +
	"| [GO-2026-6875](https://pkg.go.dev/vuln/GO-2026-6875) | `github.com/labstack/echo/v4` | Proxy | upgrade |\n" +
	"| `GO-2026-6872` | github.com/labstack/echo/v4 | RealIP | upgrade |\n" +
	"\n## Testing\n\n| x | y |\n|---|---|\n| GO-2026-0002 | also ignored |\n"

func TestReadAllowed(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    map[string]allowedVuln
		wantErr string
	}{
		{
			name: "IDs as links, in backticks or plain; other sections ignored",
			doc:  securityDoc,
			want: map[string]allowedVuln{
				"GO-2026-6875": {ID: "GO-2026-6875", Module: "github.com/labstack/echo/v4", Line: 15},
				"GO-2026-6872": {ID: "GO-2026-6872", Module: "github.com/labstack/echo/v4", Line: 16},
			},
		},
		{
			name: "a section without a table allows nothing",
			doc:  "# Security\n\n" + securitySection + "\n\nNone today.\n",
			want: map[string]allowedVuln{},
		},
		{
			name:    "no section",
			doc:     "# Security\n\n## Known vulnerabilities\n\n| ID | module |\n|---|---|\n| GO-2026-6875 | m |\n",
			wantErr: "no section",
		},
		{
			name:    "a row without an ID is an error, not skipped",
			doc:     "# Security\n\n" + securitySection + "\n\n| ID | module |\n|---|---|\n| GO-2026-6875 | m |\n| CVE-2026-1 | m |\n",
			wantErr: "line 8: table row without a vulnerability ID",
		},
		{
			name:    "a row without a module",
			doc:     "# Security\n\n" + securitySection + "\n\n| ID | module |\n|---|---|\n| GO-2026-6875 |  |\n",
			wantErr: "GO-2026-6875 has no module",
		},
		{
			name:    "an ID listed twice",
			doc:     "# Security\n\n" + securitySection + "\n\n| ID | module |\n|:--|--:|\n| GO-2026-6875 | m |\n| GO-2026-6875 | m |\n",
			wantErr: "GO-2026-6875 is already listed on line 7",
		},
		{
			name:    "the section twice",
			doc:     "# Security\n\n" + securitySection + "\n\n" + securitySection + "\n",
			wantErr: "second section",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAllowed(strings.NewReader(tt.doc))
			if tt.wantErr != "" {
				require.Error(t, err, "readAllowed(%q) = %v, nil; want an error", tt.doc, got)
				assert.Contains(t, err.Error(), tt.wantErr, "readAllowed(%q) error", tt.doc)
				return
			}
			require.NoError(t, err, "readAllowed(%q)", tt.doc)
			assert.Equal(t, tt.want, got, "readAllowed(%q)", tt.doc)
		})
	}
}

// TestRepositorySecurityDoc checks that the repository's own SECURITY.md
// has the section and a table vulncheck can read.
func TestRepositorySecurityDoc(t *testing.T) {
	got, err := readAllowedFile(filepath.Join("..", "..", "SECURITY.md"))
	require.NoError(t, err, "readAllowedFile(SECURITY.md)")
	for id, a := range got {
		assert.NotEmpty(t, a.Module, "SECURITY.md row %s: module", id)
	}
}

func readTestdata(t *testing.T, label, name string) *scan {
	t.Helper()
	s, err := readScanFile(label, filepath.Join("testdata", name))
	require.NoError(t, err, "readScanFile(%s)", name)
	return s
}

func TestReadScan(t *testing.T) {
	s := readTestdata(t, "root", "base.json")
	assert.Equal(t, "v1.10.0", s.Config.ScannerVersion, "config: scanner version")
	assert.Equal(t, "go1.27.3", s.Config.GoVersion, "config: Go version")

	type row struct {
		ID, Module, Version, Fixed string
		Reached                    bool
	}
	var got []row
	for _, v := range s.Vulns {
		got = append(got, row{v.ID, v.Module, v.Version, v.Fixed, v.Reached})
		if v.Reached {
			assert.NotEmpty(t, v.Summary, "%s: summary from the osv message", v.ID)
			assert.NotEmpty(t, v.Example, "%s: example trace", v.ID)
		}
	}
	want := []row{
		{"GO-2026-5676", "github.com/quic-go/quic-go", "v0.59.0", "v0.59.1", true},
		{"GO-2026-5932", "golang.org/x/crypto", "v0.55.0", "v0.58.1-0.20261009181718-2f1f834330b2", false},
		{"GO-2026-6354", "golang.org/x/crypto", "v0.55.0", "v0.56.0", false},
		{"GO-2026-6355", "golang.org/x/crypto", "v0.55.0", "v0.56.0", false},
		{"GO-2026-6603", "golang.org/x/net", "v0.57.0", "v0.60.0", true},
		{"GO-2026-6610", "golang.org/x/net", "v0.57.0", "v0.60.0", true},
		{"GO-2026-6611", "golang.org/x/net", "v0.57.0", "v0.60.0", true},
		{"GO-2026-6612", "golang.org/x/net", "v0.57.0", "v0.60.0", true},
		{"GO-2026-6617", "golang.org/x/net", "v0.57.0", "v0.60.0", true},
		{"GO-2026-6838", "github.com/labstack/echo/v4", "v4.16.0", "v4.16.1", false},
		{"GO-2026-6839", "github.com/labstack/echo/v4", "v4.16.0", "v4.16.1", false},
		{"GO-2026-6840", "github.com/labstack/echo/v4", "v4.16.0", "v4.16.1", false},
		{"GO-2026-6842", "github.com/labstack/echo/v4", "v4.16.0", "v4.16.1", false},
		{"GO-2026-6860", "golang.org/x/net", "v0.57.0", "v0.62.0", false},
		{"GO-2026-6866", "golang.org/x/net", "v0.57.0", "v0.62.0", false},
		{"GO-2026-6872", "github.com/labstack/echo/v4", "v4.16.0", "", true},
		{"GO-2026-6875", "github.com/labstack/echo/v4", "v4.16.0", "", true},
	}
	assert.Equal(t, want, got, "readScan(base.json): vulnerabilities")
}

const goodConfig = `{"config":{"protocol_version":"v1.0.0","scanner_name":"govulncheck","scanner_version":"v1.10.0","scan_level":"symbol","scan_mode":"source"}}`

func TestReadScanRejects(t *testing.T) {
	tests := []struct {
		name, stream, wantErr string
	}{
		{"empty", "", "no config message"},
		{"no config", `{"finding":{"osv":"GO-2026-6872","trace":[{"module":"m","version":"v1.0.0"}]}}`, "no config message"},
		{"module-level scan", strings.Replace(goodConfig, `"symbol"`, `"module"`, 1), "want a symbol-level source scan"},
		{"binary scan", strings.Replace(goodConfig, `"source"`, `"binary"`, 1), "want a symbol-level source scan"},
		{"other protocol", strings.Replace(goodConfig, `"v1.0.0"`, `"v2.0.0"`, 1), "protocol"},
		{"two runs", goodConfig + goodConfig, "two config messages"},
		{"text output", "=== Symbol Results ===\n", "reading govulncheck JSON"},
		{"truncated", goodConfig + `{"finding":{"osv":"GO-2026-6872",`, "reading govulncheck JSON"},
		{"finding without trace", goodConfig + `{"finding":{"osv":"GO-2026-6872"}}`, "without an ID or a trace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readScan("x", strings.NewReader(tt.stream))
			require.Error(t, err, "readScan(%q) = %+v, nil; want an error", tt.stream, got)
			assert.Contains(t, err.Error(), tt.wantErr, "readScan(%q) error", tt.stream)
		})
	}
}

func TestJudge(t *testing.T) {
	echo := map[string]allowedVuln{
		"GO-2026-6872": {ID: "GO-2026-6872", Module: "github.com/labstack/echo/v4", Line: 10},
		"GO-2026-6875": {ID: "GO-2026-6875", Module: "github.com/labstack/echo/v4", Line: 11},
	}
	with := func(extra ...allowedVuln) map[string]allowedVuln {
		m := map[string]allowedVuln{}
		for k, v := range echo {
			m[k] = v
		}
		for _, a := range extra {
			m[a.ID] = a
		}
		return m
	}
	// An unreached vulnerability only (a module-level finding).
	unreached := goodConfig + `{"finding":{"osv":"GO-2026-6866","fixed_version":"v0.62.0","trace":[{"module":"golang.org/x/net","version":"v0.57.0"}]}}`
	// The echo findings reached in a second module only.
	echoOnly := goodConfig +
		`{"finding":{"osv":"GO-2026-6872","trace":[{"module":"github.com/labstack/echo/v4","version":"v4.16.6","package":"github.com/labstack/echo/v4","function":"New"}]}}` +
		`{"finding":{"osv":"GO-2026-6875","trace":[{"module":"github.com/labstack/echo/v4","version":"v4.16.6","package":"github.com/labstack/echo/v4","function":"New"}]}}`

	tests := []struct {
		name    string
		allowed map[string]allowedVuln
		scans   []string // testdata file names, or streams starting with "{"
		want    []string // one substring per problem, in order
	}{
		{
			name:    "upgraded: only the listed Echo advisories",
			allowed: echo,
			scans:   []string{"upgraded.json"},
		},
		{
			name:    "base: every reached vulnerability with a fix fails",
			allowed: echo,
			scans:   []string{"base.json"},
			want: []string{
				"GO-2026-5676 reached in github.com/quic-go/quic-go@v0.59.0, fixed in v0.59.1",
				"GO-2026-6603 reached in golang.org/x/net@v0.57.0, fixed in v0.60.0",
				"GO-2026-6610 reached",
				"GO-2026-6611 reached",
				"GO-2026-6612 reached",
				"GO-2026-6617 reached",
			},
		},
		{
			name:    "a reached vulnerability without a fix that SECURITY.md does not list",
			allowed: map[string]allowedVuln{"GO-2026-6875": echo["GO-2026-6875"]},
			scans:   []string{"upgraded.json"},
			want:    []string{"GO-2026-6872 reached in github.com/labstack/echo/v4@v4.16.6 has no fix: add it"},
		},
		{
			name:    "a listed vulnerability that has a fix",
			allowed: with(allowedVuln{ID: "GO-2026-6603", Module: "golang.org/x/net", Line: 12}),
			scans:   []string{"base.json"},
			want: []string{
				"GO-2026-5676 reached",
				"GO-2026-6603 is listed in SECURITY.md (line 12) but golang.org/x/net@v0.57.0 has a fix in v0.60.0",
				"GO-2026-6610", "GO-2026-6611", "GO-2026-6612", "GO-2026-6617",
			},
		},
		{
			name:    "a listed vulnerability under another module",
			allowed: with(allowedVuln{ID: "GO-2026-6872", Module: "github.com/labstack/echo/v5", Line: 10}),
			scans:   []string{"upgraded.json"},
			want:    []string{"GO-2026-6872 is listed in SECURITY.md (line 10) under module github.com/labstack/echo/v5"},
		},
		{
			name:    "a listed vulnerability no scan reaches any more",
			allowed: with(allowedVuln{ID: "GO-2026-6866", Module: "golang.org/x/net", Line: 12}),
			scans:   []string{"upgraded.json", unreached},
			want:    []string{"GO-2026-6866 is listed in SECURITY.md (line 12) but no scan reaches it any more"},
		},
		{
			name:    "unreached vulnerabilities do not fail, listed ones reached in any scan are not stale",
			allowed: echo,
			scans:   []string{unreached, echoOnly},
		},
		{
			name:    "nothing reached: every listed row is stale",
			allowed: echo,
			scans:   []string{goodConfig},
			want:    []string{"GO-2026-6872 is listed", "GO-2026-6875 is listed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var scans []*scan
			for i, src := range tt.scans {
				if strings.HasPrefix(src, "{") {
					s, err := readScan("inline", strings.NewReader(src))
					require.NoError(t, err, "readScan(scans[%d])", i)
					scans = append(scans, s)
					continue
				}
				scans = append(scans, readTestdata(t, src, src))
			}
			var out strings.Builder
			got := judge(&out, tt.allowed, scans)
			require.Len(t, got, len(tt.want), "judge(%v) problems = %q, want %q", tt.scans, got, tt.want)
			for i, w := range tt.want {
				assert.Contains(t, got[i], w, "judge(%v) problem %d", tt.scans, i)
			}
		})
	}
}

// TestJudgePrintsEveryFinding checks that every vulnerability appears in
// the output with its module, version and fixed version.
func TestJudgePrintsEveryFinding(t *testing.T) {
	s := readTestdata(t, "root", "base.json")
	var out strings.Builder
	judge(&out, nil, []*scan{s})
	for _, v := range s.Vulns {
		fixed := v.Fixed
		if fixed == "" {
			fixed = "none"
		}
		want := v.ID + "  " + v.Module + "@" + v.Version + "  fixed: " + fixed
		assert.Contains(t, out.String(), want, "judge output for %s", v.ID)
	}
	assert.Contains(t, out.String(), "root: 8 vulnerabilities reached, 9 more not reached", "judge output summary")
	lines := strings.Split(out.String(), "\n")
	assert.True(t, slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "    e.g. ") && strings.Contains(l, "golang.org/x/net/http2.")
	}), "judge output has an example trace into x/net/http2:\n%s", out.String())
}

// TestMainExitStatus runs main in a child process (this test binary, asked
// to call main by an environment variable) and checks its exit status.
func TestMainExitStatus(t *testing.T) {
	if args := os.Getenv("VULNCHECK_MAIN_ARGS"); args != "" {
		os.Args = append([]string{"vulncheck"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	doc := filepath.Join(t.TempDir(), "SECURITY.md")
	require.NoError(t, os.WriteFile(doc, []byte(securityDoc), 0o644))
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"passes", []string{"-security", doc, "root=testdata/upgraded.json"}, 0},
		{"fails", []string{"-security", doc, "root=testdata/upgraded.json", "old=testdata/base.json"}, 1},
		{"missing stream", []string{"-security", doc, "testdata/missing.json"}, 2},
		{"missing SECURITY.md", []string{"-security", doc + ".missing", "testdata/upgraded.json"}, 2},
		{"no stream", []string{"-security", doc}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestMainExitStatus$")
			cmd.Env = append(os.Environ(), "VULNCHECK_MAIN_ARGS="+strings.Join(tt.args, "\n"))
			out, err := cmd.CombinedOutput()
			code := 0
			if ee, ok := errors.AsType[*exec.ExitError](err); ok {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err, "running vulncheck %q", tt.args)
			}
			assert.Equal(t, tt.want, code, "vulncheck %q exit status; output:\n%s", tt.args, out)
		})
	}
}
