package bearertest

// "Nothing secret leaks" (SECURITY.md, "What never leaks"): every rejection
// the library can produce is run here, and none of its outputs (the error
// and its formatted forms, the log records of the key sources, the status,
// headers and body of every adapter) may contain a token, any part of one,
// a signature, key material or a secret.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// leakRecorder is a slog.Handler that keeps every record as text: the
// message and each attribute's value, unescaped, and the same record as
// slog's TextHandler writes it. It is safe for concurrent use.
type leakRecorder struct {
	mu    *sync.Mutex
	recs  *[]string
	attrs []slog.Attr
}

func newLeakRecorder() *leakRecorder {
	return &leakRecorder{mu: new(sync.Mutex), recs: new([]string)}
}

// Logger returns a logger writing into r.
func (r *leakRecorder) Logger() *slog.Logger { return slog.New(r) }

func (r *leakRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *leakRecorder) Handle(ctx context.Context, rec slog.Record) error {
	var sb strings.Builder
	sb.WriteString(rec.Level.String() + " " + rec.Message)
	for _, a := range r.attrs {
		leakWriteAttr(&sb, a)
	}
	rec.Attrs(func(a slog.Attr) bool {
		leakWriteAttr(&sb, a)
		return true
	})
	var text bytes.Buffer
	if err := slog.NewTextHandler(&text, nil).WithAttrs(r.attrs).Handle(ctx, rec); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.recs = append(*r.recs, sb.String(), text.String())
	return nil
}

func leakWriteAttr(sb *strings.Builder, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			leakWriteAttr(sb, g)
		}
		return
	}
	sb.WriteString(" " + a.Key + "=")
	if v.Kind() == slog.KindAny {
		fmt.Fprintf(sb, "%v | %+v", v.Any(), v.Any())
		return
	}
	sb.WriteString(v.String())
}

func (r *leakRecorder) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *r
	c.attrs = append(slices.Clone(r.attrs), attrs...)
	return &c
}

func (r *leakRecorder) WithGroup(string) slog.Handler { return r }

// Records returns the records so far, two strings each.
func (r *leakRecorder) Records() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(*r.recs)
}

// leakOutput is one text a rejection produced, and where it came from.
type leakOutput struct{ where, text string }

// leakNeedle is something no output may contain. A needle is looked for
// whole and, unless whole is set, by its fragments of leakWindow bytes, so
// that a partial leak is caught too; whole is for structured text (PEM,
// JSON) whose fragments could legitimately occur.
type leakNeedle struct {
	what, value string
	whole       bool
}

const (
	leakMinLen = 8  // shorter values could occur in any text
	leakWindow = 16 // the fragment length looked for
	leakStride = 4  // so fragments of 19 bytes or more are always caught
)

// leakForms returns the needles of a secret: its raw bytes and their
// base64 (standard and URL, padded or not) and hex forms.
func leakForms(s atkSecret) []leakNeedle {
	raw := s.raw
	return []leakNeedle{
		{s.what + " (raw)", string(raw), s.structured},
		{s.what + " (base64)", base64.StdEncoding.EncodeToString(raw), false},
		{s.what + " (base64, unpadded)", base64.RawStdEncoding.EncodeToString(raw), false},
		{s.what + " (base64url)", base64.RawURLEncoding.EncodeToString(raw), false},
		{s.what + " (base64url, padded)", base64.URLEncoding.EncodeToString(raw), false},
		{s.what + " (hex)", hex.EncodeToString(raw), false},
		{s.what + " (HEX)", strings.ToUpper(hex.EncodeToString(raw)), false},
	}
}

// leakTokenNeedles returns the needles of a token: the token, each part,
// and the decoded signature in base64, hex and raw.
func leakTokenNeedles(where, token string) []leakNeedle {
	needles := []leakNeedle{{"the token of " + where, token, false}}
	parts := strings.Split(token, ".")
	for i, p := range parts {
		needles = append(needles, leakNeedle{fmt.Sprintf("part %d of the token of %s", i+1, where), p, false})
	}
	if len(parts) == 3 {
		if sig, err := base64.RawURLEncoding.DecodeString(parts[2]); err == nil {
			needles = append(needles, leakForms(atkSecret{what: "the signature of " + where, raw: sig})...)
		}
	}
	return needles
}

// leakPEMLines returns the body lines of PEM data as needles.
func leakPEMLines(what string, data []byte) []leakNeedle {
	var needles []leakNeedle
	for _, line := range strings.Split(string(data), "\n") {
		if line != "" && !strings.HasPrefix(line, "-----") {
			needles = append(needles, leakNeedle{what + " (PEM line)", line, false})
		}
	}
	return needles
}

// leakCorpus gathers outputs and needles.
type leakCorpus struct {
	outputs []leakOutput
	needles []leakNeedle
	// statuses counts the adapters' answers by status.
	statuses map[int]int
}

// errorOutputs adds err's message in every form an application might log
// it, for it and each error it wraps.
func (c *leakCorpus) errorOutputs(where string, err error) {
	seen := 0
	var walk func(err error)
	walk = func(err error) {
		if err == nil || seen > 32 {
			return
		}
		seen++
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			c.outputs = append(c.outputs, leakOutput{fmt.Sprintf("%s: fmt %s of %T", where, verb, err), fmt.Sprintf(verb, err)})
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
}

// rejection runs token through Verify and the adapters of atkAdapters, and adds
// their outputs and the token's needles. It returns the error of Verify,
// or nil for a token Verify accepted (which produced no rejection).
func (c *leakCorpus) rejection(t *testing.T, where string, v *verifier.Verifier, token string) error {
	t.Helper()
	_, err := atkVerify(t, v, where, token)
	if err == nil {
		return nil
	}
	c.needles = append(c.needles, leakTokenNeedles(where, token)...)
	c.errorOutputs(where+": Verify", err)
	for i, res := range atkServeAll(t, v, token) {
		name := atkAdapters[i].Name
		c.statuses[res.Status]++
		c.outputs = append(c.outputs, leakOutput{where + ": " + name + " body", res.Body})
		for h, vals := range res.Header {
			for _, val := range vals {
				c.outputs = append(c.outputs, leakOutput{where + ": " + name + " header " + h, h + ": " + val})
			}
		}
		if res.Ran {
			t.Errorf("%s: %s ran the handler for a token Verify rejected with %v", where, name, err)
		}
	}
	return err
}

// constructorError adds the outputs of an error a key constructor returned
// for secret-bearing input; it fails the test if there was none.
func (c *leakCorpus) constructorError(t *testing.T, where string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s returned no error; want one (the case exercises an error path)", where)
		return
	}
	c.errorOutputs(where, err)
}

// leakT is what check needs of a *testing.T.
type leakT interface {
	Helper()
	Errorf(format string, args ...any)
	Logf(format string, args ...any)
}

// check fails the test for every needle some output contains, naming
// both.
func (c *leakCorpus) check(t leakT) {
	t.Helper()
	// Distinct texts, with the first place each came from.
	var outs []leakOutput
	seen := map[string]bool{}
	for _, o := range c.outputs {
		if !seen[o.text] {
			seen[o.text] = true
			outs = append(outs, o)
		}
	}
	index := map[string]int{}
	for i, o := range outs {
		for j := 0; j+leakWindow <= len(o.text); j++ {
			if _, ok := index[o.text[j:j+leakWindow]]; !ok {
				index[o.text[j:j+leakWindow]] = i
			}
		}
	}
	leaks := 0
	report := func(o leakOutput, n leakNeedle, fragment string) {
		leaks++
		if leaks <= 40 {
			assert.Fail(t, "secret leaked",
				"%s contains %s (%.40q); output: %.300q", o.where, n.what, fragment, o.text)
		}
	}
	for _, n := range c.needles {
		if len(n.value) < leakMinLen {
			continue
		}
		if n.whole || len(n.value) < leakWindow {
			for _, o := range outs {
				if strings.Contains(o.text, n.value) {
					report(o, n, n.value)
					break
				}
			}
			continue
		}
		last := len(n.value) - leakWindow
		for j := 0; j <= last; j += leakStride {
			if j+leakStride > last {
				j = last // always look at the final fragment too
			}
			if i, ok := index[n.value[j:j+leakWindow]]; ok {
				report(outs[i], n, n.value[j:j+leakWindow])
				break
			}
			if j == last || j >= 64<<10 {
				break
			}
		}
	}
	if leaks > 40 {
		t.Errorf("%d leaks in all; the first 40 are reported above", leaks)
	}
	t.Logf("checked %d distinct outputs (of %d) against %d needles", len(outs), len(c.outputs), len(c.needles))
}

// leakJWK returns the JSON of a JWK with the given members, values base64url.
func leakJWK(t *testing.T, members map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(members)
	require.NoError(t, err, "json.Marshal(JWK)")
	return b
}

func leakB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func leakECJWK(t *testing.T, kid string, k *ecdsa.PrivateKey, private bool) []byte {
	t.Helper()
	x, y := ecCoordinates(t, &k.PublicKey)
	m := map[string]any{"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "x": leakB64(x), "y": leakB64(y)}
	if private {
		m["d"] = leakB64(ecScalar(t, k))
	}
	return leakJWK(t, m)
}

func leakRSAJWK(t *testing.T, kid string, k *rsa.PrivateKey) []byte {
	t.Helper()
	k.Precompute()
	return leakJWK(t, map[string]any{
		"kty": "RSA", "kid": kid, "n": leakB64(k.N.Bytes()), "e": leakB64(big.NewInt(int64(k.E)).Bytes()),
		"d": leakB64(k.D.Bytes()), "p": leakB64(k.Primes[0].Bytes()), "q": leakB64(k.Primes[1].Bytes()),
		"dp": leakB64(k.Precomputed.Dp.Bytes()), "dq": leakB64(k.Precomputed.Dq.Bytes()), "qi": leakB64(k.Precomputed.Qinv.Bytes()),
	})
}

func leakRSASecrets(what string, k *rsa.PrivateKey) []atkSecret {
	return []atkSecret{
		{what: what + " n", raw: k.N.Bytes()},
		{what: what + " d", raw: k.D.Bytes()},
		{what: what + " p", raw: k.Primes[0].Bytes()},
		{what: what + " q", raw: k.Primes[1].Bytes()},
	}
}

func leakRandom(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err, "rand.Read(%d bytes)", n)
	return b
}

func TestLeakNothingSecret(t *testing.T) {
	ctx := context.Background()
	e := atkNewEnv(t)
	c := &leakCorpus{statuses: map[int]int{}}
	var secrets []atkSecret
	var extra []leakNeedle

	// 1. Every attack of attacks_test.go.
	attacks := 0
	for _, class := range atkClasses {
		for _, tc := range class.build(e) {
			if c.rejection(t, "attack "+class.name+", "+tc.name, tc.v, tc.token) != nil {
				attacks++
			}
		}
	}
	require.Greater(t, attacks, 200, "attack tokens rejected")

	// 2. The ordinary rejections, by the issuer's verifier.
	now := atkNow.Unix()
	type rejection struct {
		name  string
		v     *verifier.Verifier
		token string
	}
	otherSecret := leakRandom(t, 64)
	secrets = append(secrets, atkSecret{what: "an attacker's HMAC secret", raw: otherSecret})
	wrongHS, err := verifiertest.Sign("HS256", otherSecret, map[string]any{"kid": "atk-hs"}, atkClaims(t, atkHMACIssuer))
	require.NoError(t, err, "verifiertest.Sign(HS256, other secret)")
	strict := e.remoteVerifier(e.es, func(c *verifier.Config) { c.StrictRFC9068 = true })
	aged := e.remoteVerifier(e.es, func(c *verifier.Config) { c.MaxTokenAge = 5 * time.Minute })
	_, _, validSig := atkParts(t, e.esValid)
	flipped := atkDecode(t, validSig)
	flipped[5] ^= 1
	ordinary := []rejection{
		{"expired", e.esV, e.mint(verifiertest.Token{ExpiresIn: -2 * time.Hour})},
		{"not yet valid", e.esV, e.mint(verifiertest.Token{Claims: map[string]any{"nbf": now + 3600}})},
		{"issued in the future", e.esV, e.mint(verifiertest.Token{Claims: map[string]any{"iat": now + 3600}})},
		{"wrong issuer", e.esV, e.mint(verifiertest.Token{Claims: map[string]any{"iss": "https://other-issuer.example.test"}})},
		{"no issuer", e.esV, e.mint(verifiertest.Token{Claims: map[string]any{"iss": nil}})},
		{"wrong audience", e.esV, e.mint(verifiertest.Token{Audience: []string{"https://other-api.example.test"}})},
		{"no audience", e.esV, e.mint(verifiertest.Token{Claims: map[string]any{"aud": nil}})},
		{"unknown kid", e.esV, e.mint(verifiertest.Token{Header: map[string]any{"kid": "no-such-key"}})},
		{"missing exp", e.esV, e.mint(verifiertest.Token{Claims: map[string]any{"exp": nil}})},
		{"bad signature", e.esV, atkWithSig(t, e.esValid, flipped)},
		{"HMAC with another secret", e.hsV, wrongHS},
		{"strict: typ JWT", strict, e.mint(verifiertest.Token{Header: map[string]any{"typ": "JWT"}})},
		{"strict: no jti", strict, e.mint(verifiertest.Token{Claims: map[string]any{"jti": nil}})},
		{"older than MaxTokenAge", aged, e.mint(verifiertest.Token{Claims: map[string]any{"iat": now - 3600}})},
	}
	for _, o := range ordinary {
		require.Error(t, c.rejection(t, o.name, o.v, o.token), "Verify(%s) accepted the token; the leak check needs a rejection", o.name)
	}

	// Attacker-chosen text goes into messages only shortened (SECURITY.md):
	// long values of alg, typ, kid, iss and aud must not appear whole.
	longText := func(what string) string { return what + "-" + strings.Repeat("attacker-text-", 8) }
	longAlg, longTyp, longIss, longAud := longText("alg"), longText("typ"), longText("https://iss"), longText("https://aud")
	algHeader := atkB64.EncodeToString([]byte(`{"alg":"` + longAlg + `"}`))
	_, validPayload, _ := atkParts(t, e.esValid)
	for _, o := range []rejection{
		{"long unknown alg", e.esV, algHeader + "." + validPayload + "." + validSig},
		{"long typ, strict", strict, e.mint(verifiertest.Token{Header: map[string]any{"typ": longTyp}})},
		{"long untrusted iss", e.esV, e.mint(verifiertest.Token{Claims: map[string]any{"iss": longIss}})},
		{"long wrong aud", e.esV, e.mint(verifiertest.Token{Audience: []string{longAud}})},
	} {
		require.Error(t, c.rejection(t, o.name, o.v, o.token), "Verify(%s) accepted the token; the leak check needs a rejection", o.name)
	}
	for _, v := range []string{longAlg, longTyp, longIss, longAud} {
		extra = append(extra, leakNeedle{"attacker-chosen text " + v[:8] + "...", v, true})
	}
	for _, k := range atkHostileKids {
		if len(k.kid) >= 32 {
			extra = append(extra, leakNeedle{"the " + k.name + " kid", k.kid, true})
		}
	}

	// 3. Keys unavailable: the JWKS endpoint answers 500 with a body that
	// holds a secret, and its URL holds a password and a query secret.
	password, querySecret, bodySecret := "pw-"+hex.EncodeToString(leakRandom(t, 12)), "qs-"+hex.EncodeToString(leakRandom(t, 12)), "body-"+hex.EncodeToString(leakRandom(t, 12))
	extra = append(extra,
		leakNeedle{"the password in the JWKS URL", password, false},
		leakNeedle{"the query secret in the JWKS URL", querySecret, false},
		leakNeedle{"the secret in the 500 body", bodySecret, false})
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal error, "+bodySecret, http.StatusInternalServerError)
	}))
	t.Cleanup(down.Close)
	host := strings.TrimPrefix(down.URL, "http://")
	downURL := "http://jwks-user:" + password + "@" + host + "/jwks.json?client_secret=" + querySecret
	downV := e.staticVerifier(leakRemote(t, e, jwks.RemoteConfig{URL: downURL}), e.es.URL, nil)
	err = c.rejection(t, "keys unavailable (500)", downV, e.esValid)
	require.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verify over a JWKS endpoint answering 500")

	// The same behind discovery: the metadata names the secret URL.
	disc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, "http://"+r.Host, "http://jwks-user:"+password+"@"+r.Host+"/keys?client_secret="+querySecret)
			return
		}
		http.Error(w, bodySecret, http.StatusInternalServerError)
	}))
	t.Cleanup(disc.Close)
	discV := e.staticVerifier(leakRemote(t, e, jwks.RemoteConfig{Issuer: disc.URL}), disc.URL, nil)
	discTok := e.mint(verifiertest.Token{Claims: map[string]any{"iss": disc.URL}})
	err = c.rejection(t, "keys unavailable (discovered JWKS answers 500)", discV, discTok)
	require.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verify over a discovered JWKS endpoint answering 500")

	// Answers that are not key sets, holding a secret.
	for _, body := range []string{
		"<html><body>" + bodySecret + "</body></html>",
		`{"keys":"` + bodySecret + `"}`,
		`{"keys":["` + bodySecret + `"]}`,
		`{"keys":[{"kty":"oct","k":"` + bodySecret + `!"}]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		v := e.staticVerifier(leakRemote(t, e, jwks.RemoteConfig{URL: srv.URL + "/jwks.json"}), e.es.URL, nil)
		err := c.rejection(t, fmt.Sprintf("JWKS answer %.20q...", body), v, e.esValid)
		require.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verify over a JWKS endpoint answering %.40q", body)
	}

	// 4. A published key set holding a good key, private keys, an HMAC
	// secret and unusable keys: the bad ones are skipped and logged.
	good, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "ecdsa.GenerateKey")
	withD, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "ecdsa.GenerateKey")
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err, "rsa.GenerateKey(2048)")
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err, "rsa.GenerateKey(1024)")
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err, "ed25519.GenerateKey")
	published := leakRandom(t, 64)
	for _, s := range []struct {
		what string
		k    *ecdsa.PrivateKey
	}{{"published good key", good}, {"published private EC key", withD}} {
		x, y := ecCoordinates(t, &s.k.PublicKey)
		secrets = append(secrets,
			atkSecret{what: s.what + " x", raw: x},
			atkSecret{what: s.what + " y", raw: y},
			atkSecret{what: s.what + " d", raw: ecScalar(t, s.k)})
	}
	secrets = append(secrets, leakRSASecrets("published private RSA key", rsaPriv)...)
	secrets = append(secrets, leakRSASecrets("published 1024-bit RSA key", weak)...)
	secrets = append(secrets,
		atkSecret{what: "published HMAC secret", raw: published},
		atkSecret{what: "published Ed25519 seed", raw: edPriv.Seed()},
		atkSecret{what: "published Ed25519 public key", raw: []byte(edPriv.Public().(ed25519.PublicKey))})
	// An off-curve point: one key's x with another's y.
	withDX, _ := ecCoordinates(t, &withD.PublicKey)
	_, goodY := ecCoordinates(t, &good.PublicKey)
	keys := []json.RawMessage{
		leakECJWK(t, "good", good, false),
		leakECJWK(t, "with-d", withD, true),
		leakRSAJWK(t, "rsa-private", rsaPriv),
		leakJWK(t, map[string]any{"kty": "RSA", "kid": "weak", "n": leakB64(weak.N.Bytes()), "e": "AQAB"}),
		leakJWK(t, map[string]any{"kty": "oct", "kid": "hmac", "k": leakB64(published)}),
		leakJWK(t, map[string]any{"kty": "oct", "kid": "hmac-enc", "use": "enc", "k": leakB64(published)}),
		leakJWK(t, map[string]any{"kty": "OKP", "crv": "Ed25519", "kid": "ed-private",
			"x": leakB64(edPriv.Public().(ed25519.PublicKey)), "d": leakB64(edPriv.Seed())}),
		leakJWK(t, map[string]any{"kty": "EC", "crv": "P-256", "kid": "off-curve",
			"x": leakB64(withDX), "y": leakB64(goodY)}),
	}
	doc, err := json.Marshal(map[string]any{"keys": keys})
	require.NoError(t, err, "json.Marshal(hostile JWKS)")
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(doc)
	}))
	t.Cleanup(hostile.Close)
	const hostileIss = "https://hostile-jwks.example.test"
	hostileV := e.staticVerifier(leakRemote(t, e, jwks.RemoteConfig{URL: hostile.URL + "/jwks.json"}), hostileIss, nil)
	claims := atkClaims(t, hostileIss)
	sign := func(alg string, key any, kid string) string {
		tok, err := verifiertest.Sign(alg, key, map[string]any{"kid": kid}, claims)
		require.NoError(t, err, "verifiertest.Sign(%s, kid %s)", alg, kid)
		return tok
	}
	goodTok := sign("ES256", good, "good")
	_, err = hostileV.Verify(ctx, goodTok)
	require.NoError(t, err, "Verify(token of the good key in the hostile JWKS); want it accepted")
	for _, h := range []struct{ name, token string }{
		{"token of the published HMAC secret", sign("HS256", published, "hmac")},
		{"token of the published HMAC secret, no kid", sign("HS256", published, "")},
		{"token of the published private EC key", sign("ES256", withD, "with-d")},
		{"token of the published private RSA key", sign("RS256", rsaPriv, "rsa-private")},
		{"token of the published Ed25519 private key", sign("EdDSA", edPriv, "ed-private")},
		{"token of the 1024-bit key", sign("RS256", weak, "weak")},
		{"token of the good key, altered", atkWithSig(t, goodTok, atkDecode(t, strings.Split(sign("ES256", withD, "good"), ".")[2]))},
	} {
		require.Error(t, c.rejection(t, "hostile JWKS: "+h.name, hostileV, h.token), "Verify(%s) accepted it", h.name)
	}

	// 5. Key constructors given secret-bearing input.
	short := leakRandom(t, 16)
	secrets = append(secrets, atkSecret{what: "16-byte HMAC secret", raw: short}, atkSecret{what: "31-byte HMAC secret", raw: published[:31]})
	_, err = jwks.NewSecret("short", short)
	c.constructorError(t, "jwks.NewSecret(16 bytes)", err)
	_, err = jwks.NewSecret("", published[:31])
	c.constructorError(t, "jwks.NewSecret(31 bytes)", err)
	_, err = jwks.SecretsByIssuer(map[string][]byte{"https://client.example.test": short})
	c.constructorError(t, "jwks.SecretsByIssuer(16-byte secret)", err)
	privEC := leakECJWK(t, "with-d", withD, true)
	privRSA := leakRSAJWK(t, "rsa-private", rsaPriv)
	for _, in := range []struct {
		name string
		jwk  []byte
	}{
		{"private EC JWK", privEC},
		{"private RSA JWK", privRSA},
		{"private Ed25519 JWK", keys[6]},
		{"16-byte oct JWK", leakJWK(t, map[string]any{"kty": "oct", "k": leakB64(short)})},
		{"oct JWK for encryption", leakJWK(t, map[string]any{"kty": "oct", "use": "enc", "k": leakB64(published)})},
		{"oct JWK without verify in key_ops", leakJWK(t, map[string]any{"kty": "oct", "key_ops": []string{"sign"}, "k": leakB64(published)})},
		{"oct JWK for RS256", leakJWK(t, map[string]any{"kty": "oct", "alg": "RS256", "k": leakB64(published)})},
		{"oct JWK with an invalid k", leakJWK(t, map[string]any{"kty": "oct", "k": leakB64(published) + "!"})},
		{"oct JWK with k in standard base64", leakJWK(t, map[string]any{"kty": "oct", "k": base64.StdEncoding.EncodeToString(published) + "$"})},
		{"1024-bit RSA JWK", keys[3]},
		{"off-curve EC JWK", keys[7]},
	} {
		secrets = append(secrets, atkSecret{what: in.name + " JSON", raw: in.jwk, structured: true})
		_, err := jwks.ParseJWK(in.jwk)
		c.constructorError(t, "jwks.ParseJWK("+in.name+")", err)
		set := []byte(`{"keys":[` + string(in.jwk) + `]}`)
		_, err = jwks.ParseJWKS(set)
		c.constructorError(t, "jwks.ParseJWKS(set of a "+in.name+")", err)
		_, err = jwks.NewStaticJWKS(set)
		c.constructorError(t, "jwks.NewStaticJWKS(set of a "+in.name+")", err)
	}
	_, err = jwks.ParseJWKS(doc)
	c.constructorError(t, "jwks.ParseJWKS(the hostile JWKS)", err)

	pkcs8, err := x509.MarshalPKCS8PrivateKey(withD)
	require.NoError(t, err, "x509.MarshalPKCS8PrivateKey")
	sec1, err := x509.MarshalECPrivateKey(withD)
	require.NoError(t, err, "x509.MarshalECPrivateKey")
	goodDER, err := x509.MarshalPKIXPublicKey(&good.PublicKey)
	require.NoError(t, err, "x509.MarshalPKIXPublicKey")
	goodPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: goodDER})
	for _, in := range []struct {
		name string
		data []byte
	}{
		{"PKCS #8 private key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})},
		{"SEC 1 EC private key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})},
		{"PKCS #1 RSA private key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaPriv)})},
		{"private key labelled PUBLIC KEY", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkcs8})},
		{"private key labelled RSA PUBLIC KEY", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaPriv)})},
		{"private key labelled CERTIFICATE", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pkcs8})},
		{"public key, then a private key", append(append([]byte{}, goodPEM...), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)},
	} {
		extra = append(extra, leakPEMLines(in.name, in.data)...)
		extra = append(extra, leakNeedle{in.name + " (PEM)", string(in.data), true})
		_, err := jwks.ParsePEM(in.data)
		c.constructorError(t, "jwks.ParsePEM("+in.name+")", err)
	}
	_, err = jwks.NewPublicKey("weak", &weak.PublicKey)
	c.constructorError(t, "jwks.NewPublicKey(1024-bit RSA)", err)

	// Static and ByIssuer construction errors over secrets.
	secretKey, err := jwks.NewSecret("s", published)
	require.NoError(t, err, "jwks.NewSecret(64 bytes)")
	sameID, err := jwks.NewSecret("s", otherSecret)
	require.NoError(t, err, "jwks.NewSecret(64 bytes)")
	pubKey, err := jwks.NewPublicKey("p", &good.PublicKey)
	require.NoError(t, err, "jwks.NewPublicKey")
	_, err = jwks.NewStatic()
	c.constructorError(t, "jwks.NewStatic()", err)
	_, err = jwks.NewStatic(secretKey, pubKey)
	c.constructorError(t, "jwks.NewStatic(secret, public key)", err)
	_, err = jwks.NewStatic(secretKey, sameID)
	c.constructorError(t, "jwks.NewStatic(two secrets with one ID)", err)
	_, err = jwks.NewStatic(secretKey, nil)
	c.constructorError(t, "jwks.NewStatic(secret, nil)", err)
	_, err = jwks.NewByIssuer(nil)
	c.constructorError(t, "jwks.NewByIssuer(nil)", err)
	_, err = jwks.NewByIssuer(map[string]jwks.Source{"https://x.example.test": nil})
	c.constructorError(t, "jwks.NewByIssuer(nil source)", err)
	okSrc, err := jwks.NewStatic(secretKey)
	require.NoError(t, err, "jwks.NewStatic(secret)")
	_, err = jwks.NewByIssuer(map[string]jwks.Source{"": okSrc})
	c.constructorError(t, "jwks.NewByIssuer(empty issuer)", err)

	// A key printed in every way.
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		c.outputs = append(c.outputs,
			leakOutput{"fmt " + verb + " of a secret *jwks.Key", fmt.Sprintf(verb, secretKey)},
			leakOutput{"fmt " + verb + " of a secret jwks.Key", fmt.Sprintf(verb, *secretKey)},
			leakOutput{"fmt " + verb + " of a public *jwks.Key", fmt.Sprintf(verb, pubKey)})
	}

	// The log records of every key source above.
	records := e.logs.Records()
	for i, r := range records {
		c.outputs = append(c.outputs, leakOutput{fmt.Sprintf("log record %d", i/2+1), r})
	}
	all := strings.Join(records, "\n")
	for _, want := range []string{"jwks: fetch failed", "jwks: key skipped", "jwks: fetched key set rejected"} {
		assert.Contains(t, all, want, "log records of the key sources; want some %q", want)
	}
	assert.Positive(t, c.statuses[http.StatusUnauthorized], "adapter answers with 401")
	assert.Positive(t, c.statuses[http.StatusServiceUnavailable], "adapter answers with 503")
	for status := range c.statuses {
		assert.Contains(t, []int{http.StatusUnauthorized, http.StatusBadRequest, http.StatusServiceUnavailable}, status,
			"status of an adapter's answer to a rejected token")
	}

	for _, s := range append(secrets, e.secrets...) {
		c.needles = append(c.needles, leakForms(s)...)
	}
	c.needles = append(c.needles, extra...)
	c.check(t)
}

// leakRemote returns a jwks.Remote on the fake clock that logs into e.logs
// and is closed when t ends.
func leakRemote(t *testing.T, e *atkEnv, cfg jwks.RemoteConfig) *jwks.Remote {
	t.Helper()
	cfg.Logger = e.logs.Logger()
	cfg.Now = atkClock
	r, err := jwks.NewRemote(cfg)
	require.NoError(t, err, "jwks.NewRemote")
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// TestLeakCheckFindsLeaks checks the checker: a needle in an output is
// reported, whole or in part.
func TestLeakCheckFindsLeaks(t *testing.T) {
	secret := strings.Repeat("0123456789abcdefghij", 3)
	for _, tc := range []struct {
		name   string
		output string
		needle leakNeedle
		leaks  bool
	}{
		{"whole", "msg " + secret + " end", leakNeedle{"s", secret, false}, true},
		{"20-byte fragment", "msg " + secret[17:37] + " end", leakNeedle{"s", secret, false}, true},
		{"final fragment", "msg " + secret[len(secret)-16:], leakNeedle{"s", secret, false}, true},
		{"short needle", "has abcdefgh in it", leakNeedle{"s", "abcdefgh", false}, true},
		{"structured, whole", "{" + secret + "}", leakNeedle{"s", secret, true}, true},
		{"structured, fragment only", secret[:30], leakNeedle{"s", secret, true}, false},
		{"absent", "nothing here at all, nothing", leakNeedle{"s", secret, false}, false},
		{"too short to check", "abc", leakNeedle{"s", "abc", false}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inner leakFakeT
			c := &leakCorpus{outputs: []leakOutput{{"out", tc.output}}, needles: []leakNeedle{tc.needle}}
			c.check(&inner)
			assert.Equal(t, tc.leaks, len(inner.errors) > 0, "leakCorpus.check(output %q, needle %q) reported %q; want a leak: %v",
				tc.output, tc.needle.value, inner.errors, tc.leaks)
		})
	}
}

// leakFakeT records the failures check reports.
type leakFakeT struct{ errors []string }

func (f *leakFakeT) Helper()             {}
func (f *leakFakeT) Logf(string, ...any) {}
func (f *leakFakeT) Errorf(format string, a ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, a...))
}
