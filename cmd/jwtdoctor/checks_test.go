package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/verifier"
)

// standardArgs are the settings of most tests: the test issuer and
// audience, the test key set, the fixed time.
var standardArgs = []string{"-issuer", testIssuer, "-audience", testAudience, "-jwks-file", jwksFile, "-now", nowFlag, "-realm", "api"}

// doctor diagnoses input with the settings of args, as run would.
func doctor(t *testing.T, input string, env map[string]string, args ...string) (*diagnosis, *setup) {
	t.Helper()
	opts, err := parseArgs(append(append([]string(nil), args...), "-"))
	require.NoError(t, err, "parseArgs(%q)", args)
	s, err := configure(opts, func(name string) string { return env[name] })
	require.NoError(t, err, "configure(%q)", args)
	t.Cleanup(s.close)
	return diagnose(context.Background(), s, input), s
}

// TestMalformedTokensNameTheRightCheck covers the checks that all reject
// with verifier.ErrMalformed: the doctor must name the one the verifier
// names, the first its order reaches.
func TestMalformedTokensNameTheRightCheck(t *testing.T) {
	k := loadTestKeys(t)
	valid := sign(t, "RS256", k.rsa, map[string]any{"kid": rsaKid}, claims(nil))
	p := strings.Split(valid, ".")
	hdr, payload := `{"alg":"RS256","kid":"test-rsa-1"}`, fmt.Sprintf(`{"iss":%q,"aud":%q,"exp":%d}`, testIssuer, testAudience, testNow.Add(time.Hour).Unix())

	for _, c := range []struct {
		name, token string
		check       verifier.Check // zero: the token is valid
	}{
		{"over the size limit", valid + strings.Repeat("A", verifier.DefaultMaxTokenSize), verifier.CheckSize},
		{"two parts", p[0] + "." + p[1], verifier.CheckCompact},
		{"four parts", valid + ".AAAA", verifier.CheckCompact},
		{"five parts (JWE)", "a.b.c.d.e", verifier.CheckCompact},
		{"padding character", p[0] + "=." + p[1] + "." + p[2], verifier.CheckCompact},
		{"space inside", p[0] + "." + p[1] + " ." + p[2], verifier.CheckCompact},
		{"empty header", "." + p[1] + "." + p[2], verifier.CheckCompact},
		{"header not base64url", "e30x." + p[1] + "." + p[2], verifier.CheckHeader},
		{"header not JSON", enc(`{"alg":`) + "." + p[1] + "." + p[2], verifier.CheckHeader},
		{"header an array", enc(`["RS256"]`) + "." + p[1] + "." + p[2], verifier.CheckHeader},
		{"header with duplicate alg", enc(`{"alg":"RS256","alg":"none"}`) + "." + p[1] + "." + p[2], verifier.CheckHeader},
		{"header with nested duplicate", enc(`{"alg":"RS256","x":{"y":1,"y":2}}`) + "." + p[1] + "." + p[2], verifier.CheckHeader},
		{"header without alg", enc(`{"kid":"test-rsa-1"}`) + "." + p[1] + "." + p[2], verifier.CheckHeader},
		{"alg a number", enc(`{"alg":256}`) + "." + p[1] + "." + p[2], verifier.CheckHeader},
		{"header invalid UTF-8", enc("{\"alg\":\"RS256\",\"x\":\"\xff\"}") + "." + p[1] + "." + p[2], verifier.CheckHeader},
		{"empty signature", p[0] + "." + p[1] + ".", verifier.CheckSignatureEncoding},
		{"signature with trailing bits", p[0] + "." + p[1] + ".AB", verifier.CheckSignatureEncoding},
		{"payload not base64url", p[0] + ".e30x." + p[2], verifier.CheckClaims},
		{"claims not JSON", signRaw(t, "RS256", k.rsa, hdr, `{"exp":`), verifier.CheckClaims},
		{"claims an array", signRaw(t, "RS256", k.rsa, hdr, `[1]`), verifier.CheckClaims},
		{"duplicate claim", signRaw(t, "RS256", k.rsa, hdr, `{"exp":1,"exp":2}`), verifier.CheckClaims},
		{"duplicate inside a claim", signRaw(t, "RS256", k.rsa, hdr, `{"exp":1,"x":[{"a":1,"a":1}]}`), verifier.CheckClaims},
		{"exp a string", signRaw(t, "RS256", k.rsa, hdr, `{"exp":"tomorrow"}`), verifier.CheckClaims},
		{"exp negative", signRaw(t, "RS256", k.rsa, hdr, `{"exp":-1}`), verifier.CheckClaims},
		{"claims invalid UTF-8", signRaw(t, "RS256", k.rsa, hdr, "{\"sub\":\"\xff\"}"), verifier.CheckClaims},
		{"claims nested too deeply", signRaw(t, "RS256", k.rsa, hdr, `{"x":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`}`), verifier.CheckClaims},
		{"claims well formed", signRaw(t, "RS256", k.rsa, hdr, payload), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, _ := doctor(t, c.token, nil, standardArgs...)
			if c.check == 0 {
				require.NoError(t, d.err, "diagnose(%s) returned an error, want none", c.name)
				return
			}
			require.Equal(t, "malformed", verifier.Outcome(d.err), "Verify(%s) returned %v, want a malformed-token rejection", c.name, d.err)
			assert.Equal(t, c.check.String(), d.failed, "diagnose(%s) blamed check %q, want %q (error %v)", c.name, d.failed, c.check, d.err)
			assertOrder(t, d, c.name)
		})
	}
}

// assertOrder checks the shape of the Checks section: passes, then at most
// one failure, then only checks not reached.
func assertOrder(t *testing.T, d *diagnosis, name string) {
	t.Helper()
	seenFail := false
	for _, c := range d.checks {
		switch {
		case c.status == failed:
			assert.False(t, seenFail, "diagnose(%s) reported two failed checks; the verifier stops at the first", name)
			seenFail = true
		case seenFail:
			assert.Equal(t, notReached, c.status, "diagnose(%s): check %q after the failure has status %d, want not reached", name, c.name, c.status)
		default:
			assert.Contains(t, []status{passed, skipped}, c.status, "diagnose(%s): check %q before the failure has status %d, want passed or skipped", name, c.name, c.status)
		}
	}
	assert.Equal(t, d.err != nil, seenFail, "diagnose(%s): error %v but failed check shown: %v", name, d.err, seenFail)
}

// TestSharedReasonsNameTheRightCheck covers the other reasons that more
// than one check gives.
func TestSharedReasonsNameTheRightCheck(t *testing.T) {
	k := loadTestKeys(t)
	hdr := map[string]any{"kid": rsaKid, "typ": "at+jwt"}
	hour := time.Hour
	for _, c := range []struct {
		name    string
		header  map[string]any
		changes map[string]any
		flags   []string
		reason  string
		check   verifier.Check // zero: the token is valid
	}{
		{"no exp, with max age", hdr, map[string]any{"exp": nil, "iat": nil}, []string{"-max-age", "1h"}, "missing_claim", verifier.CheckExpiry},
		{"no iat, with max age", hdr, map[string]any{"iat": nil}, []string{"-max-age", "1h"}, "missing_claim", verifier.CheckMaxAge},
		{"no iat, strict", hdr, map[string]any{"iat": nil}, []string{"-strict"}, "missing_claim", verifier.CheckProfile},
		{"no client_id, strict", hdr, map[string]any{"client_id": nil, "azp": "client-42"}, []string{"-strict"}, "missing_claim", verifier.CheckProfile},
		{"expired and too old", hdr, map[string]any{"iat": testNow.Add(-5 * hour).Unix(), "exp": testNow.Add(-hour).Unix()}, []string{"-max-age", "1h"}, "expired", verifier.CheckExpiry},
		{"too old only", hdr, map[string]any{"iat": testNow.Add(-5 * hour).Unix()}, []string{"-max-age", "1h"}, "expired", verifier.CheckMaxAge},
		{"expired within leeway", hdr, map[string]any{"exp": testNow.Add(-20 * time.Second).Unix()}, nil, "ok", 0},
		{"expired beyond zero leeway", hdr, map[string]any{"exp": testNow.Add(-20 * time.Second).Unix()}, []string{"-leeway", "0s"}, "expired", verifier.CheckExpiry},
		{"nbf and iat in the future", hdr, map[string]any{"nbf": testNow.Add(hour).Unix(), "iat": testNow.Add(hour).Unix(), "exp": testNow.Add(2 * hour).Unix()}, nil, "not_yet_valid", verifier.CheckNotBefore},
		{"iat in the future, nbf past", hdr, map[string]any{"nbf": testNow.Add(-hour).Unix(), "iat": testNow.Add(hour).Unix()}, nil, "not_yet_valid", verifier.CheckIssuedAt},
		{"alg NONE", map[string]any{"alg": "NONE"}, nil, nil, "algorithm", verifier.CheckAlgNone},
		{"alg outside the allowlist", hdr, nil, []string{"-alg", "PS256"}, "algorithm", verifier.CheckAlgorithm},
		{"alg unknown", map[string]any{"alg": "HS1"}, nil, nil, "algorithm", verifier.CheckAlgorithm},
		{"alg for another key type", map[string]any{"kid": "test-ec-1"}, nil, nil, "algorithm", verifier.CheckKeyAlgorithm},
		{"b64 false", map[string]any{"kid": rsaKid, "b64": false}, nil, nil, "unsupported_header", verifier.CheckCritical},
		{"no iss", hdr, map[string]any{"iss": nil}, nil, "issuer", verifier.CheckIssuer},
		{"no aud", hdr, map[string]any{"aud": nil}, nil, "audience", verifier.CheckAudience},
		{"no kid matches no key by alg", map[string]any{"alg": "PS256"}, nil, nil, "unknown_key", verifier.CheckKeyFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			alg := "RS256"
			if a, ok := c.header["alg"].(string); ok && a == "PS256" {
				alg = "PS256"
			}
			tok := sign(t, alg, k.rsa, c.header, claims(c.changes))
			d, _ := doctor(t, tok, nil, append(append([]string(nil), standardArgs...), c.flags...)...)
			require.Equal(t, c.reason, verifier.Outcome(d.err), "Verify(%s) returned %v, want outcome %q", c.name, d.err, c.reason)
			want := ""
			if c.check != 0 {
				want = c.check.String()
			}
			assert.Equal(t, want, d.failed, "diagnose(%s) blamed check %q, want %q (error %v)", c.name, d.failed, want, d.err)
			assertOrder(t, d, c.name)
		})
	}
}

// TestAgreesWithMiddleware sends each golden case's request through the
// net/http adapter built from the same settings, and requires the same
// status, WWW-Authenticate, Retry-After and body as the doctor reports.
func TestAgreesWithMiddleware(t *testing.T) {
	k := loadTestKeys(t)
	for _, c := range goldenCases(t, k) {
		if c.want == 2 || c.token == "" {
			continue // usage errors: nothing to compare
		}
		t.Run(c.name, func(t *testing.T) {
			input := c.token
			var args []string
			for _, a := range c.args {
				if a == "$TOKEN" || a == "-" {
					continue
				}
				args = append(args, a)
			}
			if c.stdin != "" {
				input = strings.ReplaceAll(c.stdin, "$TOKEN", c.token)
			}
			d, s := doctor(t, input, c.env, args...)

			// The same settings, in the adapter.
			mw, err := nethttp.New(s.v, nethttp.Options{Options: bearer.Options{Realm: s.opts.realm, Schemes: s.opts.schemes}})
			require.NoError(t, err, "nethttp.New for case %q", c.name)
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
			for i := len(s.required) - 1; i >= 0; i-- {
				h = mw.Require(s.required[i].req)(h)
			}
			h = mw.Authenticate(h)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", authorization(input))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)

			if d.resp == nil {
				assert.Equal(t, http.StatusOK, rec.Code, "the doctor passed case %q but the middleware answered %d %s", c.name, rec.Code, rec.Body)
				return
			}
			assert.Equal(t, d.resp.Status, rec.Code, "case %q: middleware status %d, doctor says %d", c.name, rec.Code, d.resp.Status)
			doctor := http.Header{}
			d.resp.SetHeaders(doctor)
			assert.Equal(t, doctor, rec.Header(), "case %q: middleware headers differ from the doctor's", c.name)
			assert.Equal(t, string(d.resp.Body), rec.Body.String(), "case %q: middleware body differs from the doctor's", c.name)
		})
	}
}

// authorization is the Authorization header a client would send for input:
// input itself when it names a scheme, else a Bearer header.
func authorization(input string) string {
	v := strings.TrimSpace(input)
	if name, rest, ok := strings.Cut(v, ":"); ok && strings.EqualFold(name, "Authorization") {
		return strings.TrimSpace(rest)
	}
	if strings.Contains(v, " ") {
		return v
	}
	return "Bearer " + v
}

func TestExtractToken(t *testing.T) {
	for _, c := range []struct {
		name, input, schemes, want, wantErr string
	}{
		{"bare token", "aaa.bbb.ccc", "", "aaa.bbb.ccc", ""},
		{"surrounding whitespace", "  aaa.bbb.ccc\r\n", "", "aaa.bbb.ccc", ""},
		{"Bearer", "Bearer aaa.bbb.ccc", "", "aaa.bbb.ccc", ""},
		{"bearer in lower case", "bearer aaa.bbb.ccc", "", "aaa.bbb.ccc", ""},
		{"Authorization line", "Authorization: Bearer aaa.bbb.ccc\n", "", "aaa.bbb.ccc", ""},
		{"authorization line without space", "authorization:Bearer aaa.bbb.ccc", "", "aaa.bbb.ccc", ""},
		{"two spaces after the scheme", "Bearer  aaa.bbb.ccc", "", "aaa.bbb.ccc", ""},
		{"JWT scheme accepted", "JWT aaa.bbb.ccc", "JWT", "aaa.bbb.ccc", ""},
		{"bare token with JWT scheme", "aaa.bbb.ccc", "JWT", "aaa.bbb.ccc", ""},
		{"JWT scheme not accepted", "JWT aaa.bbb.ccc", "", "", "no bearer token in the request"},
		{"Basic", "Authorization: Basic dXNlcjpwYXNz", "", "", "no bearer token in the request"},
		{"scheme without token", "Authorization: Bearer", "", "", "invalid request: empty token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string(nil), standardArgs...)
			if c.schemes != "" {
				args = append(args, "-scheme", c.schemes)
			}
			_, s := doctor(t, "x", nil, args...)
			got, err := extractToken(s.auth, s.opts.schemes[0], c.input)
			if c.wantErr != "" {
				require.Error(t, err, "extractToken(%q) returned %q and no error, want %q", c.input, got, c.wantErr)
				assert.Equal(t, c.wantErr, err.Error(), "extractToken(%q) error", c.input)
				return
			}
			require.NoError(t, err, "extractToken(%q)", c.input)
			assert.Equal(t, c.want, got, "extractToken(%q)", c.input)
		})
	}
}

func TestRelative(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "now"},
		{400 * time.Millisecond, "now"},
		{45 * time.Second, "in 45s"},
		{-45 * time.Second, "45s ago"},
		{59 * time.Minute, "in 59m"},
		{90*time.Second + 300*time.Millisecond, "in 1m30s"},
		{-3 * time.Hour, "3h ago"},
		{90 * time.Minute, "in 1h30m"},
		{47 * time.Hour, "in 47h"},
		{-51 * time.Hour, "2d3h ago"},
		{400 * 24 * time.Hour, "in 400d"},
	} {
		t.Run(c.want, func(t *testing.T) {
			got := relative(testNow.Add(c.d), testNow)
			assert.Equal(t, c.want, got, "relative(now%+v, now)", c.d)
		})
	}
}

func TestShowValue(t *testing.T) {
	long := strings.Repeat("é", 150) // 300 bytes
	for _, c := range []struct {
		name, raw, want string
	}{
		{"string", `"read write"`, `"read write"`},
		{"number", `1767272100`, `1767272100`},
		{"big number kept as written", `1e400`, `1e400`},
		{"array compacted", `[ "a", "b" ]`, `["a","b"]`},
		{"object compacted", `{"a": {"b": null}}`, `{"a":{"b":null}}`},
		{"control character escaped", `"a\u001b[31mred"`, `"a\x1b[31mred"`},
		{"C1 control escaped in a string", "\"a\u009bb\"", `"a\u009bb"`},
		{"C1 control escaped in an array", "[\"a\u009bb\"]", `["a\u009bb"]`},
		{"long string shortened", `"` + long + `"`, `"` + strings.Repeat("é", 100) + `"... (300 bytes)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, showValue([]byte(c.raw)), "showValue(%s)", c.raw)
		})
	}
}

func TestParseArgs(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []string
		token   string
		wantErr string
	}{
		{"token last", []string{"-audience", "a", "tok"}, "tok", ""},
		{"token first, flags after", []string{"tok", "-audience", "a", "-strict"}, "tok", ""},
		{"stdin", []string{"-"}, "-", ""},
		{"token file", []string{"-token-file", "f"}, "", ""},
		{"no token", []string{"-audience", "a"}, "", "no token given"},
		{"two tokens", []string{"a", "b"}, "", "2 arguments given"},
		{"token and file", []string{"-token-file", "f", "tok"}, "", "choose one"},
		{"bad leeway", []string{"-leeway", "soon", "tok"}, "", "invalid value"},
		{"zero timeout", []string{"-timeout", "0s", "tok"}, "", "-timeout must be positive"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseArgs(c.args)
			if c.wantErr != "" {
				require.Error(t, err, "parseArgs(%q) succeeded, want an error containing %q", c.args, c.wantErr)
				assert.Contains(t, err.Error(), c.wantErr, "parseArgs(%q) error", c.args)
				return
			}
			require.NoError(t, err, "parseArgs(%q)", c.args)
			assert.Equal(t, c.token, o.token, "parseArgs(%q) token", c.args)
			assert.Equal(t, []string{"Bearer"}, o.schemes, "parseArgs(%q) default schemes", c.args)
		})
	}
}

// TestTokenFile reads the token from a file with a trailing newline, as
// editors save it.
func TestTokenFile(t *testing.T) {
	k := loadTestKeys(t)
	path := filepath.Join(t.TempDir(), "token.txt")
	require.NoError(t, os.WriteFile(path, []byte(sign(t, "RS256", k.rsa, map[string]any{"kid": rsaKid}, claims(nil))+"\n"), 0o600), "writing %s", path)
	var out bytes.Buffer
	code := run(append(append([]string(nil), standardArgs...), "-token-file", path), strings.NewReader(""), &out, func(string) string { return "" })
	assert.Equal(t, 0, code, "run with -token-file exited %d, want 0; output:\n%s", code, &out)
	assert.Contains(t, out.String(), "200 OK", "run with -token-file printed no 200 answer:\n%s", &out)
}

// TestDiscovery finds the keys from an issuer's metadata on loopback, and
// reports a failing discovery as unavailable keys.
func TestDiscovery(t *testing.T) {
	k := loadTestKeys(t)
	doc, err := os.ReadFile(jwksFile)
	require.NoError(t, err, "reading %s", jwksFile)
	var base string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/good/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, base+"/good", base+"/jwks")
		case "/jwks":
			_, _ = w.Write(doc)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	base = srv.URL

	for _, c := range []struct {
		name, issuer string
		want         int
		wantOut      []string
	}{
		{"metadata and keys found", base + "/good", 0, []string{`discovery from issuer "` + base + `/good": 2 usable keys fetched`, "200 OK"}},
		{"no metadata", base + "/bad", 1, []string{`discovery from issuer "` + base + `/bad": no keys loaded: jwks: discovery for issuer`, "503 Service Unavailable", "Retry-After: 30"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := sign(t, "RS256", k.rsa, map[string]any{"kid": rsaKid}, claims(map[string]any{"iss": c.issuer}))
			var out bytes.Buffer
			code := run([]string{"-issuer", c.issuer, "-audience", testAudience, "-now", nowFlag, tok}, strings.NewReader(""), &out, func(string) string { return "" })
			assert.Equal(t, c.want, code, "run with -issuer %s exited %d, want %d; output:\n%s", c.issuer, code, c.want, &out)
			for _, w := range c.wantOut {
				assert.Contains(t, out.String(), w, "run with -issuer %s printed no %q:\n%s", c.issuer, w, &out)
			}
		})
	}
}

// TestIssuerCheckBeforeKeyFetch: a token of an untrusted issuer is refused
// before any key is fetched, so the doctor fetches nothing either.
func TestIssuerCheckBeforeKeyFetch(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	k := loadTestKeys(t)
	tok := sign(t, "RS256", k.rsa, map[string]any{"kid": rsaKid}, claims(map[string]any{"iss": "https://elsewhere.test"}))
	var out bytes.Buffer
	code := run([]string{"-issuer", testIssuer, "-audience", testAudience, "-jwks-url", srv.URL, "-now", nowFlag, tok}, strings.NewReader(""), &out, func(string) string { return "" })
	assert.Equal(t, 1, code, "run with an untrusted issuer exited %d, want 1; output:\n%s", code, &out)
	assert.Zero(t, hits.Load(), "run with an untrusted issuer fetched the key set %d times, want 0", hits.Load())
	assert.Contains(t, out.String(), "not fetched (the verifier stopped before looking up a key)", "run did not say the keys were not fetched:\n%s", &out)
}

// TestCheckLinesFollowVerifier: the Checks section lists verifier.Checks,
// in that order and under their names, leaving out only the checks the
// settings do not run, then the doctor's own scope lines.
func TestCheckLinesFollowVerifier(t *testing.T) {
	k := loadTestKeys(t)
	hdr := map[string]any{"kid": rsaKid, "typ": "at+jwt"}
	valid := sign(t, "RS256", k.rsa, hdr, claims(nil))
	expired := sign(t, "RS256", k.rsa, hdr, claims(map[string]any{"exp": testNow.Add(-time.Hour).Unix()}))
	standard := func(extra ...string) []string { return append(append([]string(nil), standardArgs...), extra...) }
	optional := []verifier.Check{verifier.CheckMaxAge, verifier.CheckProfile}

	for _, c := range []struct {
		name    string
		args    []string
		token   string
		notRun  []verifier.Check
		skipped []verifier.Check
		extra   []string // the doctor's own lines, after the verifier's
	}{
		{"defaults", standard(), valid, optional, nil, nil},
		{"-max-age", standard("-max-age", "1h"), valid, []verifier.Check{verifier.CheckProfile}, nil, nil},
		{"-strict", standard("-strict"), valid, []verifier.Check{verifier.CheckMaxAge}, nil, nil},
		{"-strict and -max-age, token refused", standard("-strict", "-max-age", "1h"), expired, nil, nil, nil},
		{
			"issuer and audience checks skipped",
			[]string{"-skip-issuer-check", "-skip-audience-check", "-jwks-file", jwksFile, "-now", nowFlag},
			valid, optional, []verifier.Check{verifier.CheckIssuer, verifier.CheckAudience}, nil,
		},
		{"scope guards", standard("-scope", "read", "-any-scope", "write,admin"), valid, optional, nil, []string{"scopes, all of", "scopes, any of"}},
		{"scope guards, token refused", standard("-scope", "read"), expired, optional, nil, []string{"scopes, all of"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []string
			for _, check := range verifier.Checks() {
				if !slices.Contains(c.notRun, check) {
					want = append(want, check.String())
				}
			}
			want = append(want, c.extra...)
			d, _ := doctor(t, c.token, nil, c.args...)
			var got []string
			for _, l := range d.checks {
				got = append(got, l.name)
				if slices.ContainsFunc(c.skipped, func(s verifier.Check) bool { return s.String() == l.name }) {
					assert.Equal(t, skipped, l.status, "diagnose(%s): line %q has status %d, want skipped", c.name, l.name, l.status)
				}
			}
			assert.Equal(t, want, got, "diagnose(%s) listed these checks; want verifier.Checks() in order, less those not run, then the scope lines", c.name)
			assertOrder(t, d, c.name)
		})
	}
}

// TestFailedLineIsTheVerifiersCheck: for every golden case the verifier
// refuses, the failed line is the check the verifier names in
// verifier.Error.Check (CheckKeyFound for keys that cannot be obtained).
func TestFailedLineIsTheVerifiersCheck(t *testing.T) {
	k := loadTestKeys(t)
	for _, c := range goldenCases(t, k) {
		if c.want == 2 || c.token == "" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			input := c.token
			var args []string
			for _, a := range c.args {
				if a != "$TOKEN" && a != "-" {
					args = append(args, a)
				}
			}
			if c.stdin != "" {
				input = strings.ReplaceAll(c.stdin, "$TOKEN", c.token)
			}
			d, _ := doctor(t, input, c.env, args...)
			var e *verifier.Error
			switch {
			case errors.As(d.err, &e):
				assert.Equal(t, e.Check.String(), d.failed, "case %q: Verify refused at %v (%v), the doctor blamed %q", c.name, e.Check, d.err, d.failed)
			case errors.Is(d.err, verifier.ErrKeysUnavailable):
				assert.Equal(t, verifier.CheckKeyFound.String(), d.failed, "case %q: keys unavailable (%v), the doctor blamed %q", c.name, d.err, d.failed)
			}
		})
	}
}

// TestSeveralSuitableKeys: the verifier checks a token's signature with one
// key only, so it refuses a token for which several keys suit the
// algorithm; the doctor says which keys and what to change.
func TestSeveralSuitableKeys(t *testing.T) {
	k := loadTestKeys(t)
	// A PEM file of two EC keys without IDs, both for ES256.
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "ecdsa.GenerateKey")
	var pemData []byte
	for _, pub := range []any{k.ec.Public(), other.Public()} {
		der, err := x509.MarshalPKIXPublicKey(pub)
		require.NoError(t, err, "x509.MarshalPKIXPublicKey")
		pemData = append(pemData, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})...)
	}
	pemFile := filepath.Join(t.TempDir(), "two-ec.pem")
	require.NoError(t, os.WriteFile(pemFile, pemData, 0o600), "writing %s", pemFile)

	rotation := []string{"-issuer", testIssuer, "-audience", testAudience, "-jwks-file", rotationJWKSFile, "-now", nowFlag}
	for _, c := range []struct {
		name   string
		args   []string
		token  string
		failed string   // the failed check, "" for none
		detail []string // in the failed line's detail, or the signature line's
	}{
		{
			"no kid, three RSA keys", rotation,
			sign(t, "RS256", k.rsa, nil, claims(nil)), verifier.CheckKeyFound.String(),
			[]string{
				`unknown signing key: token has no "kid" and 3 keys suit RS256`,
				"\nkeys that suit RS256: " + `RSA key "test-rsa-1"; RSA key "test-rsa-2"; RSA key "test-rsa-3"`,
				"\na token's signature is checked with one key only: give the token a kid, or the keys distinct algs",
			},
		},
		{
			"unknown kid, two EC keys without ID",
			[]string{"-issuer", testIssuer, "-audience", testAudience, "-pem-file", pemFile, "-now", nowFlag},
			sign(t, "ES256", k.ec, map[string]any{"kid": "ec-2026"}, claims(nil)), verifier.CheckKeyFound.String(),
			[]string{
				`unknown signing key: 2 keys suit ES256 for the token's "kid"`,
				"\nkeys that suit ES256: EC key without ID; EC key without ID",
				"give each key its own kid, or the keys distinct algs",
			},
		},
		{
			"kid names one of the three", rotation,
			sign(t, "RS256", k.rsa, map[string]any{"kid": rsaKid}, claims(nil)), "",
			[]string{`verified with RSA key "test-rsa-1"`},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, _ := doctor(t, c.token, nil, c.args...)
			assert.Equal(t, c.failed, d.failed, "diagnose(%s) failed at %q (error %v), want %q", c.name, d.failed, d.err, c.failed)
			want := c.failed
			if want == "" {
				want = verifier.CheckSignature.String()
			}
			var detail string
			for _, l := range d.checks {
				if l.name == want {
					detail = l.detail
				}
			}
			for _, s := range c.detail {
				assert.Contains(t, detail, s, "diagnose(%s): line %q says %q, want it to contain %q", c.name, want, detail, s)
			}
			if c.failed != "" {
				assert.Nil(t, d.signedBy, "diagnose(%s) names the key %v as the signer of a token the verifier refused before the signature", c.name, d.signedBy)
			}
			assertOrder(t, d, c.name)
		})
	}
}

// TestSignerTriesOneKey: signer names the key that verified, as the
// verifier finds it: the one candidate that suits the algorithm. With
// several it names none and tries none, even if one of them would verify.
func TestSignerTriesOneKey(t *testing.T) {
	k := loadTestKeys(t)
	load := func(path string) map[string]*jwks.Key {
		data, err := os.ReadFile(path)
		require.NoError(t, err, "reading %s", path)
		keys, err := jwks.ParseJWKS(data)
		require.NoError(t, err, "jwks.ParseJWKS(%s)", path)
		byID := map[string]*jwks.Key{}
		for _, key := range keys {
			byID[key.ID()] = key
		}
		return byID
	}
	rotation, std := load(rotationJWKSFile), load(jwksFile)
	token := sign(t, "RS256", k.rsa, nil, claims(nil))
	for _, c := range []struct {
		name string
		keys []*jwks.Key
		want *jwks.Key
	}{
		{"the one key", []*jwks.Key{rotation[rsaKid]}, rotation[rsaKid]},
		{"one suitable key among others", []*jwks.Key{std["test-ec-1"], rotation[rsaKid]}, rotation[rsaKid]},
		{"one suitable key that does not verify", []*jwks.Key{std["test-ec-1"], rotation["test-rsa-2"]}, nil},
		{"two suitable keys, the second verifies", []*jwks.Key{rotation["test-rsa-2"], rotation[rsaKid]}, nil},
		{"no key", nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &recorder{called: true, query: jwks.Query{Issuer: testIssuer, Algorithm: "RS256"}, keys: c.keys}
			got := signer(r, token)
			assert.Equal(t, c.want, got, "signer(keys %v, RS256 token) named the wrong key", describeKeys(c.keys))
		})
	}
}

// Tokens bound by their cnf claim: the doctor, which sees a bearer token,
// answers as the middleware does for a DPoP-bound one (refused) and
// explains a certificate-bound one without refusing it.
func TestBoundTokens(t *testing.T) {
	k := loadTestKeys(t)
	hdr := map[string]any{"kid": rsaKid}
	for _, c := range []struct {
		name       string
		cnf        map[string]any
		wantFailed string
		wantStatus int // 0: passes
	}{
		{"DPoP-bound", map[string]any{"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}, bindingLine, http.StatusUnauthorized},
		{"certificate-bound", map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok := sign(t, "RS256", k.rsa, hdr, claims(map[string]any{"cnf": c.cnf}))
			d, s := doctor(t, tok, nil, standardArgs...)
			assert.Equal(t, c.wantFailed, d.failed, "diagnose(%s token): the failed check", c.name)
			var line *checkLine
			for i := range d.checks {
				if d.checks[i].name == bindingLine {
					line = &d.checks[i]
				}
			}
			require.NotNil(t, line, "diagnose(%s token): no %q line", c.name, bindingLine)
			if c.wantStatus == 0 {
				assert.Nil(t, d.resp, "diagnose(%s token): an answer, want none", c.name)
				assert.Contains(t, line.detail, "client certificate", "the %q line", bindingLine)
				return
			}
			require.NotNil(t, d.resp, "diagnose(%s token): no answer", c.name)
			assert.Equal(t, c.wantStatus, d.resp.Status, "diagnose(%s token): status", c.name)

			mw, err := nethttp.New(s.v, nethttp.Options{Options: bearer.Options{Realm: s.opts.realm}})
			require.NoError(t, err, "nethttp.New")
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			mw.Authenticate(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, r)
			doctorHeader := http.Header{}
			d.resp.SetHeaders(doctorHeader)
			assert.Equal(t, d.resp.Status, rec.Code, "the middleware's status for the %s token", c.name)
			assert.Equal(t, doctorHeader, rec.Header(), "the middleware's headers for the %s token", c.name)
		})
	}
}
