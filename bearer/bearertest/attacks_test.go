package bearertest

// The attack catalogue of SECURITY.md ("What is rejected, and why"), one
// named test per class of attack. Every variant is checked twice: Verify
// must reject it with exactly the expected reason (and never panic), and the
// same token sent as "Authorization: Bearer <token>" through the net/http,
// Echo and Gin adapters (the conformance builders) must get the same 401
// invalid_token answer naming that reason, without the handler running.
//
// The variants are built by one function per class (atkAlgNone, ...), listed
// in atkClasses, so that leak_test.go can run every attack token again and
// check that no output of any rejection gives away a token, a signature, a
// key or a secret.

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// atkNow is the fake clock of every issuer, key source and verifier here.
var atkNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func atkClock() time.Time { return atkNow }

const (
	// atkLocalIssuer signs with keys held by the test (atkEnv.local), so
	// that tokens can carry exact JSON.
	atkLocalIssuer = "https://local.example.test"
	// atkHMACIssuer signs with a shared HMAC secret (atkEnv.hsSecret).
	atkHMACIssuer = "https://hmac.example.test"
	// atkAudience is the API every verifier here accepts.
	atkAudience = verifiertest.DefaultAudience
	// atkClientID is the OAuth client an ID token is minted for.
	atkClientID = "spa-client-7"
)

var atkB64 = base64.RawURLEncoding

// atkReasons lists every reason sentinel with its description (the
// error_description of the 401) and its Outcome label, written out here so
// that the test does not take them from the code under test.
var atkReasons = []struct {
	err         error
	desc, label string
}{
	{verifier.ErrMalformed, "malformed token", "malformed"},
	{verifier.ErrAlgorithm, "algorithm not allowed", "algorithm"},
	{verifier.ErrUnsupportedHeader, "unsupported token header", "unsupported_header"},
	{verifier.ErrUnknownKey, "unknown signing key", "unknown_key"},
	{verifier.ErrSignature, "invalid signature", "signature"},
	{verifier.ErrMissingClaim, "required claim missing", "missing_claim"},
	{verifier.ErrExpired, "token expired", "expired"},
	{verifier.ErrNotYetValid, "token not yet valid", "not_yet_valid"},
	{verifier.ErrIssuer, "issuer not accepted", "issuer"},
	{verifier.ErrAudience, "audience not accepted", "audience"},
	{verifier.ErrTokenType, "not an access token", "token_type"},
}

func atkReason(t *testing.T, want error) (desc, label string) {
	t.Helper()
	for _, r := range atkReasons {
		if r.err == want {
			return r.desc, r.label
		}
	}
	t.Fatalf("atkReason(%v): not a reason sentinel", want)
	return "", ""
}

// atkCase is one attack token and what must become of it.
type atkCase struct {
	name  string
	v     *verifier.Verifier
	token string
	// want is the reason Verify must give; nil means the token is valid
	// (the control that shows the variant next to it is not rejected for
	// some unrelated reason).
	want error
	// subject is the "sub" the handler sees when want is nil.
	subject string
	// noLookup, if set, is the key source of v, which the case must not
	// consult at all.
	noLookup *atkCountingSource
}

// atkCountingSource counts key lookups.
type atkCountingSource struct {
	jwks.Source
	calls atomic.Int64
}

func (c *atkCountingSource) Keys(ctx context.Context, q jwks.Query) ([]*jwks.Key, error) {
	c.calls.Add(1)
	return c.Source.Keys(ctx, q)
}

// atkSecret is key material or a secret the cases use, which no output may
// contain (see leak_test.go). structured marks text such as PEM or JSON,
// checked whole rather than by fragments.
type atkSecret struct {
	what       string
	raw        []byte
	structured bool
}

// atkEnv holds the issuers, keys and verifiers of one test. The RSA issuer
// and the attacker's servers are made on first use.
type atkEnv struct {
	t       *testing.T
	logs    *leakRecorder // every jwks.Remote of the env logs here
	secrets []atkSecret

	// es is the ES256 issuer most attacks target; esV trusts it through
	// discovery and a jwks.Remote; esValid is one of its valid tokens, for
	// "alice".
	es      *verifiertest.Issuer
	esV     *verifier.Verifier
	esValid string

	rs  *verifiertest.Issuer // RS256, see rsaIssuer()
	rsV *verifier.Verifier

	attacker *verifiertest.Issuer // an issuer of the attacker's, see attackers()
	trap     *httptest.Server     // any other URL of the attacker's
	trapHits atomic.Int64
	evil     *ecdsa.PrivateKey // the attacker's own key, for x5c
	evilCert []byte            // a self-signed certificate of evil

	// local holds a private key per algorithm (ES256, ES384, ES512,
	// EdDSA), with key ID atkKid(alg); localV trusts atkLocalIssuer with
	// their public keys in a jwks.Static.
	local  map[string]any
	localV *verifier.Verifier

	hsSecret []byte // 64-byte HMAC secret, key ID "atk-hs"
	hsV      *verifier.Verifier
}

func atkKid(alg string) string { return "atk-" + strings.ToLower(alg) }

func atkNewEnv(t *testing.T) *atkEnv {
	t.Helper()
	e := &atkEnv{t: t, logs: newLeakRecorder(), local: map[string]any{}}

	e.es = verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: atkClock})
	e.esV = e.remoteVerifier(e.es, nil)
	e.esValid = e.mint(verifiertest.Token{Subject: "alice"})
	e.addECPublic("ES256 issuer key", e.es.PublicKey().(*ecdsa.PublicKey))

	var keys []*jwks.Key
	for _, alg := range []string{"ES256", "ES384", "ES512", "EdDSA"} {
		priv, err := verifiertest.GenerateKey(alg)
		require.NoError(t, err, "verifiertest.GenerateKey(%q)", alg)
		e.local[alg] = priv
		var pub any
		switch p := priv.(type) {
		case *ecdsa.PrivateKey:
			pub = &p.PublicKey
			e.addECPrivate("local "+alg+" key", p)
		case ed25519.PrivateKey:
			pub = p.Public()
			e.secrets = append(e.secrets,
				atkSecret{what: "local Ed25519 public key", raw: []byte(p.Public().(ed25519.PublicKey))},
				atkSecret{what: "local Ed25519 private seed", raw: p.Seed()})
		}
		k, err := jwks.NewPublicKey(atkKid(alg), pub)
		require.NoError(t, err, "jwks.NewPublicKey(%q, %T)", atkKid(alg), pub)
		keys = append(keys, k)
	}
	src, err := jwks.NewStatic(keys...)
	require.NoError(t, err, "jwks.NewStatic(the local keys)")
	e.localV = e.staticVerifier(src, atkLocalIssuer, nil)

	secret, err := verifiertest.GenerateKey("HS256")
	require.NoError(t, err, "verifiertest.GenerateKey(HS256)")
	e.hsSecret = secret.([]byte)
	e.secrets = append(e.secrets, atkSecret{what: "HMAC secret", raw: e.hsSecret})
	hk, err := jwks.NewSecret("atk-hs", e.hsSecret)
	require.NoError(t, err, "jwks.NewSecret(atk-hs, 64 bytes)")
	hsrc, err := jwks.NewStatic(hk)
	require.NoError(t, err, "jwks.NewStatic(HMAC secret)")
	e.hsV = e.staticVerifier(hsrc, atkHMACIssuer, nil)
	return e
}

// remoteVerifier returns a verifier trusting iss through discovery, with a
// jwks.Remote on the fake clock that logs into e.logs; change, if not nil,
// adjusts the config.
func (e *atkEnv) remoteVerifier(iss *verifiertest.Issuer, change func(*verifier.Config)) *verifier.Verifier {
	e.t.Helper()
	src, err := jwks.NewRemote(jwks.RemoteConfig{Issuer: iss.URL, Logger: e.logs.Logger(), Now: atkClock})
	require.NoError(e.t, err, "jwks.NewRemote(Issuer: %s)", iss.URL)
	e.t.Cleanup(func() { _ = src.Close() })
	cfg := verifier.Config{
		Issuers:   []string{iss.URL},
		Audiences: []string{iss.Audience()},
		Keys:      src,
		Leeway:    verifier.DefaultLeeway,
		Now:       atkClock,
	}
	if change != nil {
		change(&cfg)
	}
	v, err := verifier.New(cfg)
	require.NoError(e.t, err, "verifier.New(config for issuer %s)", iss.URL)
	return v
}

func (e *atkEnv) staticVerifier(src jwks.Source, issuer string, change func(*verifier.Config)) *verifier.Verifier {
	e.t.Helper()
	cfg := verifier.Config{
		Issuers:   []string{issuer},
		Audiences: []string{atkAudience},
		Keys:      src,
		Leeway:    verifier.DefaultLeeway,
		Now:       atkClock,
	}
	if change != nil {
		change(&cfg)
	}
	v, err := verifier.New(cfg)
	require.NoError(e.t, err, "verifier.New(static config for %s)", issuer)
	return v
}

// rsaIssuer returns the RS256 issuer and its verifier, starting them on
// first use.
func (e *atkEnv) rsaIssuer() (*verifiertest.Issuer, *verifier.Verifier) {
	if e.rs == nil {
		e.rs = verifiertest.Start(e.t, verifiertest.IssuerConfig{Algorithm: "RS256", Now: atkClock})
		e.rsV = e.remoteVerifier(e.rs, nil)
		e.secrets = append(e.secrets, atkSecret{what: "RS256 issuer modulus n", raw: e.rs.PublicKey().(*rsa.PublicKey).N.Bytes()})
	}
	return e.rs, e.rsV
}

// attackers starts the attacker's issuer, the trap server and the
// attacker's key and certificate on first use.
func (e *atkEnv) attackers() {
	if e.attacker != nil {
		return
	}
	t := e.t
	e.attacker = verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: atkClock})
	e.addECPublic("attacker issuer key", e.attacker.PublicKey().(*ecdsa.PublicKey))
	e.trap = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		e.trapHits.Add(1)
		http.NotFound(w, nil)
	}))
	t.Cleanup(e.trap.Close)

	var err error
	e.evil, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "generating the attacker's P-256 key")
	e.addECPrivate("attacker's own key", e.evil)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(666),
		Subject:               pkix.Name{CommonName: e.es.URL},
		NotBefore:             atkNow.Add(-time.Hour),
		NotAfter:              atkNow.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	e.evilCert, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &e.evil.PublicKey, e.evil)
	require.NoError(t, err, "x509.CreateCertificate(self-signed, attacker's key)")
}

func (e *atkEnv) addECPublic(what string, pub *ecdsa.PublicKey) {
	x, y := ecCoordinates(e.t, pub)
	e.secrets = append(e.secrets, atkSecret{what: what + " x", raw: x}, atkSecret{what: what + " y", raw: y})
}

func (e *atkEnv) addECPrivate(what string, priv *ecdsa.PrivateKey) {
	e.addECPublic(what, &priv.PublicKey)
	e.secrets = append(e.secrets, atkSecret{what: what + " d", raw: ecScalar(e.t, priv)})
}

// ecCoordinates returns the coordinates of pub as fixed-width big-endian
// bytes (the "x" and "y" of a JWK), read from its uncompressed encoding.
func ecCoordinates(t testing.TB, pub *ecdsa.PublicKey) (x, y []byte) {
	t.Helper()
	raw, err := pub.Bytes()
	require.NoError(t, err, "ecdsa.PublicKey.Bytes of a test key")
	size := (len(raw) - 1) / 2
	return raw[1 : 1+size], raw[1+size:]
}

// ecScalar returns the private scalar of priv as fixed-width big-endian
// bytes (the "d" of a JWK).
func ecScalar(t testing.TB, priv *ecdsa.PrivateKey) []byte {
	t.Helper()
	d, err := priv.Bytes()
	require.NoError(t, err, "ecdsa.PrivateKey.Bytes of a test key")
	return d
}

// mint mints a token of the ES256 issuer.
func (e *atkEnv) mint(tok verifiertest.Token) string { return e.es.MustMint(e.t, tok) }

// localSign signs the exact header and payload JSON with the local key
// for alg.
func (e *atkEnv) localSign(alg, header, payload string) string {
	e.t.Helper()
	tok, err := verifiertest.SignRaw(alg, e.local[alg], []byte(header), []byte(payload))
	require.NoError(e.t, err, "verifiertest.SignRaw(%s, %q, %q)", alg, header, payload)
	return tok
}

// localHeader is the header of a local token: alg, its key ID and typ.
func atkLocalHeader(alg string) string {
	return fmt.Sprintf(`{"alg":%q,"kid":%q,"typ":"at+jwt"}`, alg, atkKid(alg))
}

// atkPayload returns a valid claims object of iss for subject "alice" at
// atkNow. Each member (`"name":value`) replaces the default member of
// that name, or is added; a bare `"name"` removes it.
func atkPayload(iss string, members ...string) string {
	type member struct{ name, value string }
	obj := []member{
		{"iss", strconv.Quote(iss)},
		{"aud", strconv.Quote(atkAudience)},
		{"sub", `"alice"`},
		{"iat", strconv.FormatInt(atkNow.Unix(), 10)},
		{"exp", strconv.FormatInt(atkNow.Add(time.Hour).Unix(), 10)},
	}
	for _, m := range members {
		name, value, hasValue := strings.Cut(m, ":")
		name = strings.Trim(name, `"`)
		i := 0
		for i < len(obj) && obj[i].name != name {
			i++
		}
		switch {
		case !hasValue && i < len(obj):
			obj = append(obj[:i], obj[i+1:]...)
		case i < len(obj):
			obj[i].value = value
		default:
			obj = append(obj, member{name, value})
		}
	}
	var sb strings.Builder
	sb.WriteByte('{')
	for i, m := range obj {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Quote(m.name) + ":" + m.value)
	}
	sb.WriteByte('}')
	return sb.String()
}

// atkAppend adds members at the end of the JSON object obj, even where
// their names occur already.
func atkAppend(obj string, members ...string) string {
	return obj[:len(obj)-1] + "," + strings.Join(members, ",") + "}"
}

// atkClaims is atkPayload as a map, for verifiertest.Sign.
func atkClaims(t *testing.T, iss string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(atkPayload(iss)), &m), "json.Unmarshal(atkPayload)")
	return m
}

// atkParts splits a compact token into its three parts.
func atkParts(t *testing.T, token string) (header, payload, sig string) {
	t.Helper()
	p := strings.Split(token, ".")
	require.Len(t, p, 3, "strings.Split(token, \".\") of a %d-byte token; want three parts", len(token))
	return p[0], p[1], p[2]
}

func atkDecode(t *testing.T, part string) []byte {
	t.Helper()
	b, err := atkB64.DecodeString(part)
	require.NoError(t, err, "base64url-decoding a %d-character token part", len(part))
	return b
}

// atkReplaceJSON decodes a part, replaces old by new in its JSON (which must
// contain old) and encodes it again.
func atkReplaceJSON(t *testing.T, part, old, new string) string {
	t.Helper()
	s := string(atkDecode(t, part))
	require.Contains(t, s, old, "decoded token part %s; want it to contain %s", s, old)
	return atkB64.EncodeToString([]byte(strings.Replace(s, old, new, 1)))
}

// atkWithSig returns token with its signature replaced by sig.
func atkWithSig(t *testing.T, token string, sig []byte) string {
	t.Helper()
	h, p, _ := atkParts(t, token)
	return h + "." + p + "." + atkB64.EncodeToString(sig)
}

// atkSignInput signs the exact signing input with an ES256 key, for tokens
// whose payload part is not base64url (RFC 7797).
func atkSignInput(t *testing.T, key *ecdsa.PrivateKey, input string) string {
	t.Helper()
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	require.NoError(t, err, "ecdsa.Sign")
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return atkB64.EncodeToString(sig)
}

// ---- running a case ----

// atkVerify calls Verify and fails the test if it panics.
func atkVerify(t *testing.T, v *verifier.Verifier, name, token string) (claims *verifier.Claims, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Verify(%s, %d-byte token) panicked: %v; want an error or claims", name, len(token), p)
		}
	}()
	return v.Verify(context.Background(), token)
}

// atkAdapters are the adapters the attacks go through: the reference (the
// other adapters answer as it does, which the conformance table checks).
var atkAdapters = []HTTPAdapter{NetHTTP}

// atkServeAll sends token as "Authorization: Bearer <token>" through every
// adapter of atkAdapters (Authenticate router-wide, realm "api") and
// returns the answers, failing the test if an adapter panics.
func atkServeAll(t *testing.T, v *verifier.Verifier, token string) []Result {
	t.Helper()
	layers := []Layer{{Verifier: v, Options: bearer.Options{Realm: "api"}, Global: true}}
	results := make([]Result, len(atkAdapters))
	for i, a := range atkAdapters {
		results[i], _ = serve(t, a, layers, nil, Request{Method: http.MethodGet, Path: "/r", Authorization: []string{"Bearer " + token}}.HTTP())
	}
	return results
}

// atkExpect returns the answer every adapter must give to tc.
func atkExpect(t *testing.T, tc atkCase) Want {
	t.Helper()
	switch {
	case tc.want == nil:
		return confRan(tc.subject).export()
	default:
		desc, _ := atkReason(t, tc.want)
		return confInvalidToken(desc).export()
	}
}

// atkRun runs each case as a subtest.
func atkRun(t *testing.T, cases []atkCase) {
	t.Helper()
	require.NotEmpty(t, cases, "no cases to run")
	names := map[string]bool{}
	for _, tc := range cases {
		require.False(t, names[tc.name], "case %q is defined twice", tc.name)
		names[tc.name] = true
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before int64
			if tc.noLookup != nil {
				before = tc.noLookup.calls.Load()
			}
			atkCheckVerify(t, tc)
			atkCheckAdapters(t, tc)
			if tc.noLookup != nil {
				assert.Equal(t, before, tc.noLookup.calls.Load(),
					"key lookups made for %s by Verify and the adapters; want none", tc.name)
			}
		})
	}
}

// atkCheckVerify checks that Verify rejects tc.token with exactly tc.want.
func atkCheckVerify(t *testing.T, tc atkCase) {
	t.Helper()
	claims, err := atkVerify(t, tc.v, tc.name, tc.token)
	call := fmt.Sprintf("Verify(%s, %d-byte token)", tc.name, len(tc.token))
	if tc.want == nil {
		require.NoError(t, err, "%s returned an error; want claims for %q", call, tc.subject)
		require.NotNil(t, claims, "%s returned nil claims and nil error", call)
		assert.Equal(t, tc.subject, claims.Subject(), "%s: Claims.Subject()", call)
		return
	}
	desc, label := atkReason(t, tc.want)
	if err == nil {
		t.Fatalf("%s accepted the token (subject %q); want reason %v", call, claims.Subject(), tc.want)
	}
	assert.Nil(t, claims, "%s returned claims along with error %v; want nil claims", call, err)
	assert.ErrorIs(t, err, verifier.ErrInvalidToken, "%s returned %v; want it to match ErrInvalidToken", call, err)
	assert.NotErrorIs(t, err, verifier.ErrKeysUnavailable, "%s returned %v, which matches ErrKeysUnavailable; want a rejection", call, err)
	for _, r := range atkReasons {
		if r.err == tc.want {
			assert.ErrorIs(t, err, r.err, "%s returned %q; want reason %v", call, err, tc.want)
		} else {
			assert.NotErrorIs(t, err, r.err, "%s returned %q, which matches %v; want only %v", call, err, r.err, tc.want)
		}
	}
	var verr *verifier.Error
	if assert.ErrorAs(t, err, &verr, "%s returned %T (%v); want *verifier.Error", call, err, err) {
		assert.Equal(t, desc, verr.Description(), "%s: Error.Description()", call)
	}
	assert.Equal(t, label, verifier.Outcome(err), "verifier.Outcome(error of %s)", call)
}

// atkCheckAdapters checks that every adapter answers tc.token alike, with
// the answer atkExpect gives.
func atkCheckAdapters(t *testing.T, tc atkCase) {
	t.Helper()
	want := atkExpect(t, tc)
	call := fmt.Sprintf("GET /r with \"Authorization: Bearer <%s, %d bytes>\"", tc.name, len(tc.token))
	results := atkServeAll(t, tc.v, tc.token)
	for i, a := range atkAdapters {
		got := results[i]
		assert.Equal(t, want.Status, got.Status, "%s: %s: status", a.Name, call)
		assert.Equal(t, want.Challenges, got.Header.Values("WWW-Authenticate"), "%s: %s: WWW-Authenticate", a.Name, call)
		assert.Equal(t, want.HTTPHeader(), got.Header, "%s: %s: the full header set (Date, Content-Length aside)", a.Name, call)
		assert.Equal(t, want.Body, got.Body, "%s: %s: body", a.Name, call)
		assert.Equal(t, want.Ran, got.Ran, "%s: %s: whether the handler ran", a.Name, call)
		assert.Equal(t, want.Subject, got.Subject, "%s: %s: subject of the claims the handler saw", a.Name, call)
	}
}

// ---- the attack classes ----

// atkClasses lists every class of attack, for leak_test.go.
var atkClasses = []struct {
	name  string
	build func(*atkEnv) []atkCase
}{
	{"alg none", atkAlgNone},
	{"HMAC key confusion", atkHMACKeyConfusion},
	{"hostile kid", atkHostileKid},
	{"embedded or referenced keys", atkEmbeddedKeys},
	{"ECDSA zero signature", atkECDSAZero},
	{"ECDSA DER signature", atkECDSADER},
	{"ECDSA wrong length", atkECDSAWrongLength},
	{"tampered", atkTampered},
	{"stripped signature", atkStripped},
	{"JWE", atkJWE},
	{"JSON serialization", atkJSONSerialization},
	{"unencoded payload", atkUnencoded},
	{"unknown crit", atkUnknownCrit},
	{"duplicate members", atkDuplicates},
	{"payload not an object", atkPayloadNotObject},
	{"deep nesting", atkDeepNesting},
	{"numeric claims", atkNumericClaims},
	{"bad encoding", atkBadEncoding},
	{"oversize", atkOversize},
	{"ID token", atkIDToken},
}

// atkAlgNone: "alg": "none" in four letter cases, with a real signature or
// none at all, against a public-key issuer and an HMAC verifier. The header
// is read before the signature, so every one is an algorithm rejection.
func atkAlgNone(e *atkEnv) []atkCase {
	_, esPayload, esSig := atkParts(e.t, e.esValid)
	hsValid, err := verifiertest.Sign("HS256", e.hsSecret, map[string]any{"kid": "atk-hs"}, atkClaims(e.t, atkHMACIssuer))
	require.NoError(e.t, err, "verifiertest.Sign(HS256)")
	_, hsPayload, hsSig := atkParts(e.t, hsValid)

	var cases []atkCase
	for _, alg := range []string{"none", "None", "NONE", "nOnE"} {
		for _, target := range []struct {
			name, payload, sig string
			v                  *verifier.Verifier
		}{
			{"ES256 issuer", esPayload, esSig, e.esV},
			{"HMAC verifier", hsPayload, hsSig, e.hsV},
		} {
			h := atkB64.EncodeToString([]byte(`{"alg":"` + alg + `","typ":"JWT"}`))
			cases = append(cases,
				atkCase{name: alg + ", " + target.name + ", with a signature", v: target.v,
					token: h + "." + target.payload + "." + target.sig, want: verifier.ErrAlgorithm},
				atkCase{name: alg + ", " + target.name + ", empty signature", v: target.v,
					token: h + "." + target.payload + ".", want: verifier.ErrAlgorithm})
		}
	}
	return cases
}

// atkHMACKeyConfusion: HS256/384/512 tokens whose secret is the issuer's
// own public key, as PEM, DER or JWK bytes. With the real kid, the key
// source finds the issuer's key, and the verifier refuses it because a
// public key verifies no HMAC algorithm (ErrAlgorithm). Without a kid, the
// source is asked for keys that support the HMAC algorithm and has none
// (ErrUnknownKey): the public key is never even tried.
func atkHMACKeyConfusion(e *atkEnv) []atkCase {
	t := e.t
	rs, rsV := e.rsaIssuer()
	rsaDER, err := x509.MarshalPKIXPublicKey(rs.PublicKey())
	require.NoError(t, err, "x509.MarshalPKIXPublicKey(RSA)")
	ecDER, err := x509.MarshalPKIXPublicKey(e.es.PublicKey())
	require.NoError(t, err, "x509.MarshalPKIXPublicKey(EC)")
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaDER})

	// A key source configured from the very PEM file the attacker uses.
	pemKeys, err := jwks.ParsePEM(rsaPEM)
	require.NoError(t, err, "jwks.ParsePEM(the RSA public key)")
	pemSrc, err := jwks.NewStatic(pemKeys...)
	require.NoError(t, err, "jwks.NewStatic(ParsePEM keys)")
	pemV := e.staticVerifier(pemSrc, rs.URL, nil)

	jwkOf := func(iss *verifiertest.Issuer) []byte {
		doc, err := iss.JWKS()
		require.NoError(t, err, "Issuer.JWKS()")
		var set struct{ Keys []json.RawMessage }
		require.NoError(t, json.Unmarshal(doc, &set), "json.Unmarshal(JWKS)")
		require.Len(t, set.Keys, 1, "keys in the issuer's JWKS")
		return set.Keys[0]
	}

	// kid is the key ID the token names: the issuer's real one, or for
	// keys from PEM (which have no ID and so match any kid) an arbitrary
	// one.
	type target struct {
		name    string
		iss     *verifiertest.Issuer
		v       *verifier.Verifier
		kid     string
		kidName string
	}
	type form struct {
		name   string
		secret []byte
	}
	groups := []struct {
		targets []target
		forms   []form
	}{
		{
			targets: []target{{"RSA issuer", rs, rsV, rs.KeyID(), "of the key"}, {"RSA from PEM", rs, pemV, "any-kid", "any-kid"}},
			forms: []form{
				{"PEM", rsaPEM},
				{"PEM without newline", rsaPEM[:len(rsaPEM)-1]},
				{"DER", rsaDER},
				{"PKCS1 DER", x509.MarshalPKCS1PublicKey(rs.PublicKey().(*rsa.PublicKey))},
				{"JWK", jwkOf(rs)},
			},
		},
		{
			targets: []target{{"EC P-256 issuer", e.es, e.esV, e.es.KeyID(), "of the key"}},
			forms: []form{
				{"PEM", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER})},
				{"DER", ecDER},
				{"JWK", jwkOf(e.es)},
			},
		},
	}
	var cases []atkCase
	for _, g := range groups {
		for _, tg := range g.targets {
			for _, f := range g.forms {
				e.secrets = append(e.secrets, atkSecret{what: tg.name + " public key as " + f.name + " (HMAC secret)", raw: f.secret, structured: true})
				for _, alg := range []string{"HS256", "HS384", "HS512"} {
					for _, withKid := range []bool{true, false} {
						header := map[string]any{"typ": "at+jwt"}
						name := fmt.Sprintf("%s, %s as %s secret", tg.name, f.name, alg)
						want := verifier.ErrUnknownKey
						if withKid {
							header["kid"] = tg.kid
							name += ", kid " + tg.kidName
							want = verifier.ErrAlgorithm
						} else {
							name += ", no kid"
						}
						tok, err := verifiertest.Sign(alg, f.secret, header, atkClaims(t, tg.iss.URL))
						require.NoError(t, err, "verifiertest.Sign(%s, public key as secret)", alg)
						cases = append(cases, atkCase{name: name, v: tg.v, token: tok, want: want})
					}
				}
			}
		}
	}
	return cases
}

// atkHostileKids are key IDs an attacker may send hoping the key source
// uses them as a path, a query or a log line.
var atkHostileKids = []struct{ name, kid string }{
	{"path traversal", "../../etc/passwd"},
	{"SQL injection", "' OR '1'='1"},
	{"NUL byte", "kid\x00null"},
	{"4 KiB", strings.Repeat("k", 4096)},
	{"unicode", "ключ-🔑-鍵\u202e"},
	{"URL", "https://attacker.example.test/jwks.json"},
}

// atkHostileKid: tokens validly signed but naming a key ID no source has.
// TestAttackHostileKid also checks that they cost the issuer at most one
// extra JWKS fetch.
func atkHostileKid(e *atkEnv) []atkCase {
	var cases []atkCase
	for _, k := range atkHostileKids {
		tok := e.mint(verifiertest.Token{Subject: "alice", Header: map[string]any{"kid": k.kid}})
		require.Less(e.t, len(tok), verifier.DefaultMaxTokenSize, "the %s kid token must be within the size limit", k.name)
		header, err := json.Marshal(map[string]any{"alg": "ES256", "kid": k.kid})
		require.NoError(e.t, err, "json.Marshal(header)")
		cases = append(cases,
			atkCase{name: k.name + ", issuer over JWKS", v: e.esV, token: tok, want: verifier.ErrUnknownKey},
			atkCase{name: k.name + ", static keys", v: e.localV,
				token: e.localSign("ES256", string(header), atkPayload(atkLocalIssuer)), want: verifier.ErrUnknownKey})
	}
	return cases
}

// atkEmbeddedKeys: tokens that name or carry the attacker's key in "jku",
// "x5u", "jwk" or "x5c", signed with that key. The verifier never looks at
// these headers: the attacker's kid is unknown (ErrUnknownKey), and with
// the victim's kid or none the victim's key does not verify the attacker's
// signature (ErrSignature). TestAttackEmbeddedOrReferencedKeys also checks
// that the attacker's servers get no request.
func atkEmbeddedKeys(e *atkEnv) []atkCase {
	t := e.t
	e.attackers()
	doc, err := e.attacker.JWKS()
	require.NoError(t, err, "attacker.JWKS()")
	var set struct{ Keys []map[string]any }
	require.NoError(t, json.Unmarshal(doc, &set), "json.Unmarshal(attacker JWKS)")
	require.Len(t, set.Keys, 1, "keys in the attacker's JWKS")
	attackerJWK := set.Keys[0]

	victim := map[string]any{"iss": e.es.URL}
	mint := func(header map[string]any) string {
		return e.attacker.MustMint(t, verifiertest.Token{Subject: "alice", Claims: victim, Header: header})
	}
	x5c := []string{base64.StdEncoding.EncodeToString(e.evilCert)}
	evilSign := func(header map[string]any) string {
		tok, err := verifiertest.Sign("ES256", e.evil, header, atkClaims(t, e.es.URL))
		require.NoError(t, err, "verifiertest.Sign(ES256, attacker's key)")
		return tok
	}
	return []atkCase{
		{name: "jku to the attacker's JWKS, attacker's kid", v: e.esV,
			token: mint(map[string]any{"jku": e.attacker.JWKSURL()}), want: verifier.ErrUnknownKey},
		{name: "jku to the attacker's JWKS, victim's kid", v: e.esV,
			token: mint(map[string]any{"jku": e.attacker.JWKSURL(), "kid": e.es.KeyID()}), want: verifier.ErrSignature},
		{name: "jku to the attacker's JWKS, no kid", v: e.esV,
			token: mint(map[string]any{"jku": e.attacker.JWKSURL(), "kid": nil}), want: verifier.ErrSignature},
		{name: "x5u to the attacker's JWKS, attacker's kid", v: e.esV,
			token: mint(map[string]any{"x5u": e.attacker.JWKSURL()}), want: verifier.ErrUnknownKey},
		{name: "x5u to the attacker's server, victim's kid", v: e.esV,
			token: mint(map[string]any{"x5u": e.trap.URL + "/attacker.pem", "kid": e.es.KeyID()}), want: verifier.ErrSignature},
		{name: "jwk embedding the attacker's key, attacker's kid", v: e.esV,
			token: mint(map[string]any{"jwk": attackerJWK}), want: verifier.ErrUnknownKey},
		{name: "jwk embedding the attacker's key, victim's kid", v: e.esV,
			token: mint(map[string]any{"jwk": attackerJWK, "kid": e.es.KeyID()}), want: verifier.ErrSignature},
		{name: "jwk embedding the attacker's key, no kid", v: e.esV,
			token: mint(map[string]any{"jwk": attackerJWK, "kid": nil}), want: verifier.ErrSignature},
		{name: "x5c with a self-signed certificate, no kid", v: e.esV,
			token: evilSign(map[string]any{"x5c": x5c}), want: verifier.ErrSignature},
		{name: "x5c with a self-signed certificate, victim's kid", v: e.esV,
			token: evilSign(map[string]any{"x5c": x5c, "kid": e.es.KeyID()}), want: verifier.ErrSignature},
		{name: "x5c with a self-signed certificate, unknown kid", v: e.esV,
			token: evilSign(map[string]any{"x5c": x5c, "kid": "attacker-cert"}), want: verifier.ErrUnknownKey},
		{name: "all four at once, no kid", v: e.esV,
			token: evilSign(map[string]any{"x5c": x5c, "jwk": attackerJWK, "jku": e.attacker.JWKSURL(), "x5u": e.trap.URL + "/x5u"}),
			want:  verifier.ErrSignature},
		{name: "jwk embedding the attacker's key, static keys", v: e.localV,
			token: func() string {
				tok, err := verifiertest.Sign("ES256", e.evil, map[string]any{"jwk": attackerJWK, "kid": atkKid("ES256")}, atkClaims(t, atkLocalIssuer))
				require.NoError(t, err, "verifiertest.Sign(ES256, attacker's key)")
				return tok
			}(), want: verifier.ErrSignature},
	}
}

// atkECDSAFamilies returns a valid token per ECDSA curve, its verifier and
// the curve: the ES256 issuer, and local ES384 and ES512 keys.
func atkECDSAFamilies(e *atkEnv) []struct {
	alg   string
	v     *verifier.Verifier
	token string
	curve elliptic.Curve
} {
	return []struct {
		alg   string
		v     *verifier.Verifier
		token string
		curve elliptic.Curve
	}{
		{"ES256", e.esV, e.esValid, elliptic.P256()},
		{"ES384", e.localV, e.localSign("ES384", atkLocalHeader("ES384"), atkPayload(atkLocalIssuer)), elliptic.P384()},
		{"ES512", e.localV, e.localSign("ES512", atkLocalHeader("ES512"), atkPayload(atkLocalIssuer)), elliptic.P521()},
	}
}

// atkECDSAZero: r and s of zero or of the curve order n, which a verifier
// that skips the range check of r and s accepts for any message (the
// "psychic signature", CVE-2022-21449). Each is well-formed base64url of the
// right length, so the signature check itself must refuse it.
func atkECDSAZero(e *atkEnv) []atkCase {
	t := e.t
	var cases []atkCase
	for _, f := range atkECDSAFamilies(e) {
		n := (f.curve.Params().BitSize + 7) / 8
		_, _, s := atkParts(t, f.token)
		valid := atkDecode(t, s)
		require.Len(t, valid, 2*n, "%s signature length", f.alg)
		order := f.curve.Params().N.FillBytes(make([]byte, n))
		zero := make([]byte, n)
		cat := func(r, s []byte) []byte { return append(append([]byte{}, r...), s...) }
		forged := f.token
		if f.alg == "ES256" {
			forged = e.mint(verifiertest.Token{Subject: "admin", Scope: "admin"})
		}
		for _, v := range []struct {
			name  string
			token string
			sig   []byte
		}{
			{"r = s = 0", f.token, cat(zero, zero)},
			{"r = s = 0 over forged claims", forged, cat(zero, zero)},
			{"r = 0, s valid", f.token, cat(zero, valid[n:])},
			{"r valid, s = 0", f.token, cat(valid[:n], zero)},
			{"r = n, s valid", f.token, cat(order, valid[n:])},
			{"r valid, s = n", f.token, cat(valid[:n], order)},
			{"r = s = n", f.token, cat(order, order)},
		} {
			cases = append(cases, atkCase{name: f.alg + ", " + v.name, v: f.v, token: atkWithSig(t, v.token, v.sig), want: verifier.ErrSignature})
		}
	}
	return cases
}

// atkECDSADER: valid signatures re-encoded as ASN.1 DER, the form Go's
// crypto/ecdsa and OpenSSL use but JWS forbids (RFC 7518 section 3.4).
func atkECDSADER(e *atkEnv) []atkCase {
	t := e.t
	var cases []atkCase
	for _, f := range atkECDSAFamilies(e) {
		n := (f.curve.Params().BitSize + 7) / 8
		_, _, s := atkParts(t, f.token)
		raw := atkDecode(t, s)
		der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])})
		require.NoError(t, err, "asn1.Marshal(r, s)")
		require.NotEqual(t, 2*n, len(der), "DER length of a %s signature", f.alg)
		cases = append(cases, atkCase{name: f.alg + ", valid signature in DER", v: f.v, token: atkWithSig(t, f.token, der), want: verifier.ErrSignature})
	}
	// A DER signature exactly 64 bytes long: 30 3e, then two 29-byte
	// INTEGERs. Read as R || S it is just two odd numbers, not this DER.
	der64 := []byte{0x30, 0x3e, 0x02, 0x1d}
	der64 = append(der64, make([]byte, 29)...)
	der64 = append(der64, 0x02, 0x1d)
	der64 = append(der64, make([]byte, 29)...)
	for i := range 29 {
		der64[4+i], der64[4+29+2+i] = 0x11, 0x22
	}
	require.Len(t, der64, 64, "the DER-shaped signature")
	cases = append(cases, atkCase{name: "ES256, DER-shaped signature of exactly 64 bytes", v: e.esV, token: atkWithSig(t, e.esValid, der64), want: verifier.ErrSignature})
	return cases
}

// atkECDSAWrongLength: R || S one byte short or long, or of another width.
// Where the base64url text itself stops being canonical, the token is
// malformed before any signature check.
func atkECDSAWrongLength(e *atkEnv) []atkCase {
	t := e.t
	h, p, s := atkParts(t, e.esValid)
	sig := atkDecode(t, s)
	pad := func(b []byte, w int) []byte { return append(make([]byte, w-len(b)), b...) }
	wide := append(pad(sig[:32], 64), pad(sig[32:], 64)...)
	return []atkCase{
		{name: "truncated to 63 bytes", v: e.esV, token: atkWithSig(t, e.esValid, sig[:63]), want: verifier.ErrSignature},
		{name: "first byte dropped", v: e.esV, token: atkWithSig(t, e.esValid, sig[1:]), want: verifier.ErrSignature},
		{name: "extended to 65 bytes with a zero", v: e.esV, token: atkWithSig(t, e.esValid, append(sig[:64:64], 0)), want: verifier.ErrSignature},
		{name: "65 bytes with a leading zero", v: e.esV, token: atkWithSig(t, e.esValid, append([]byte{0}, sig...)), want: verifier.ErrSignature},
		// r || 0x00 || s: the same integers if s is read as the rest, so
		// only the length check tells it from the valid signature.
		{name: "s widened by a leading zero byte", v: e.esV,
			token: atkWithSig(t, e.esValid, append(append(append([]byte{}, sig[:32]...), 0), sig[32:]...)), want: verifier.ErrSignature},
		{name: "r and s each 64 bytes wide", v: e.esV, token: atkWithSig(t, e.esValid, wide), want: verifier.ErrSignature},
		{name: "r alone", v: e.esV, token: atkWithSig(t, e.esValid, sig[:32]), want: verifier.ErrSignature},
		{name: "one byte", v: e.esV, token: atkWithSig(t, e.esValid, sig[:1]), want: verifier.ErrSignature},
		{name: "ES384 width for ES256", v: e.esV, token: atkWithSig(t, e.esValid, append(pad(sig[:32], 48), pad(sig[32:], 48)...)), want: verifier.ErrSignature},
		// 86 characters less one: a length no base64url text has.
		{name: "base64url text one character short", v: e.esV, token: h + "." + p + "." + s[:len(s)-1], want: verifier.ErrMalformed},
		// 86 characters and "A": canonical again, the 64 bytes and a zero.
		{name: "base64url text with A appended", v: e.esV, token: h + "." + p + "." + s + "A", want: verifier.ErrSignature},
	}
}

// atkTampered: tokens changed after signing, for ECDSA, RSA and Ed25519.
func atkTampered(e *atkEnv) []atkCase {
	t := e.t
	rs, rsV := e.rsaIssuer()
	type family struct {
		name          string
		v             *verifier.Verifier
		token, other  string // other: a valid token for "mallory"
		header, claim string // JSON of the header and of the claims, as signed
	}
	localPayload := func(sub string) string { return atkPayload(atkLocalIssuer, `"sub":"`+sub+`"`) }
	families := []family{
		{"ES256", e.esV, e.esValid, e.mint(verifiertest.Token{Subject: "mallory"}), "", ""},
		{"RS256", rsV, rs.MustMint(t, verifiertest.Token{Subject: "alice"}), rs.MustMint(t, verifiertest.Token{Subject: "mallory"}), "", ""},
		{"EdDSA", e.localV, e.localSign("EdDSA", atkLocalHeader("EdDSA"), localPayload("alice")),
			e.localSign("EdDSA", atkLocalHeader("EdDSA"), localPayload("mallory")), "", ""},
	}
	var cases []atkCase
	for _, f := range families {
		h, p, s := atkParts(t, f.token)
		_, op, os := atkParts(t, f.other)
		add := func(name, token string, want error) {
			cases = append(cases, atkCase{name: f.name + ", " + name, v: f.v, token: token, want: want})
		}
		add("typ byte flipped in the header", atkReplaceJSON(t, h, `"typ":"at+jwt"`, `"typ":"at+jwu"`)+"."+p+"."+s, verifier.ErrSignature)
		add("sub changed in the payload", h+"."+atkReplaceJSON(t, p, `"sub":"alice"`, `"sub":"admin"`)+"."+s, verifier.ErrSignature)
		add("payload of another token", h+"."+op+"."+s, verifier.ErrSignature)
		add("signature of another token", h+"."+p+"."+os, verifier.ErrSignature)
		sig := atkDecode(t, s)
		sig[len(sig)/2] ^= 0x80
		add("one signature bit flipped", h+"."+p+"."+atkB64.EncodeToString(sig), verifier.ErrSignature)
	}
	h, p, s := atkParts(t, e.esValid)
	cases = append(cases,
		atkCase{name: "ES256, header re-encoded with a space", v: e.esV,
			token: atkReplaceJSON(t, h, `{"alg":`, `{"alg": `) + "." + p + "." + s, want: verifier.ErrSignature},
		atkCase{name: "ES256, member added to the header", v: e.esV,
			token: atkReplaceJSON(t, h, `{"alg":`, `{"x":1,"alg":`) + "." + p + "." + s, want: verifier.ErrSignature},
		atkCase{name: "ES256, scope added to the payload", v: e.esV,
			token: h + "." + atkReplaceJSON(t, p, `"sub":"alice"`, `"scope":"admin","sub":"alice"`) + "." + s, want: verifier.ErrSignature},
		atkCase{name: "ES256, payload re-encoded with a space", v: e.esV,
			token: h + "." + atkReplaceJSON(t, p, `"sub":"alice"`, `"sub": "alice"`) + "." + s, want: verifier.ErrSignature},
		atkCase{name: "ES256, exp extended", v: e.esV,
			token: h + "." + atkReplaceJSON(t, p, fmt.Sprintf(`"exp":%d`, atkNow.Add(time.Hour).Unix()), fmt.Sprintf(`"exp":%d`, atkNow.Add(1000*time.Hour).Unix())) + "." + s,
			want:  verifier.ErrSignature},
		// Changing "alg" makes the issuer's P-256 key unsuitable before any
		// signature check: the key is found by kid and refused for ES384
		// or RS256.
		atkCase{name: "ES256, alg changed to ES384", v: e.esV,
			token: atkReplaceJSON(t, h, `"alg":"ES256"`, `"alg":"ES384"`) + "." + p + "." + s, want: verifier.ErrAlgorithm},
		atkCase{name: "ES256, alg changed to RS256", v: e.esV,
			token: atkReplaceJSON(t, h, `"alg":"ES256"`, `"alg":"RS256"`) + "." + p + "." + s, want: verifier.ErrAlgorithm},
		atkCase{name: "ES256, alg changed to an unsupported ES256K", v: e.esV,
			token: atkReplaceJSON(t, h, `"alg":"ES256"`, `"alg":"ES256K"`) + "." + p + "." + s, want: verifier.ErrAlgorithm},
	)
	return cases
}

// atkStripped: the signature removed, with or without its dot.
func atkStripped(e *atkEnv) []atkCase {
	t := e.t
	_, rsV := e.rsaIssuer()
	rsTok := e.rs.MustMint(t, verifiertest.Token{Subject: "alice"})
	hsTok, err := verifiertest.Sign("HS256", e.hsSecret, map[string]any{"kid": "atk-hs"}, atkClaims(t, atkHMACIssuer))
	require.NoError(t, err, "verifiertest.Sign(HS256)")
	edTok := e.localSign("EdDSA", atkLocalHeader("EdDSA"), atkPayload(atkLocalIssuer))
	var cases []atkCase
	for _, f := range []struct {
		name  string
		v     *verifier.Verifier
		token string
	}{
		{"ES256", e.esV, e.esValid},
		{"RS256", rsV, rsTok},
		{"HS256", e.hsV, hsTok},
		{"EdDSA", e.localV, edTok},
	} {
		h, p, _ := atkParts(t, f.token)
		cases = append(cases,
			atkCase{name: f.name + ", trailing dot, no signature", v: f.v, token: h + "." + p + ".", want: verifier.ErrMalformed},
			atkCase{name: f.name + ", no dot, no signature", v: f.v, token: h + "." + p, want: verifier.ErrMalformed})
	}
	h, p, _ := atkParts(t, e.esValid)
	cases = append(cases,
		atkCase{name: "ES256, two trailing dots", v: e.esV, token: h + "." + p + "..", want: verifier.ErrMalformed},
		atkCase{name: "ES256, header alone", v: e.esV, token: h, want: verifier.ErrMalformed},
		atkCase{name: "ES256, header and dot", v: e.esV, token: h + ".", want: verifier.ErrMalformed})
	return cases
}

// atkJWE: JWE compact serializations (five parts) offered as a JWS.
func atkJWE(e *atkEnv) []atkCase {
	t := e.t
	b := func(s string) string { return atkB64.EncodeToString([]byte(s)) }
	filler := func(n int) string { return atkB64.EncodeToString(make([]byte, n)) }
	kid := e.es.KeyID()
	h, p, s := atkParts(t, e.esValid)
	oaep := b(`{"alg":"RSA-OAEP","enc":"A256GCM","kid":"` + kid + `"}`)
	return []atkCase{
		{name: "RSA-OAEP five parts", v: e.esV, token: oaep + "." + filler(256) + "." + filler(12) + "." + filler(300) + "." + filler(16), want: verifier.ErrMalformed},
		{name: "dir with an empty encrypted key", v: e.esV,
			token: b(`{"alg":"dir","enc":"A128CBC-HS256"}`) + ".." + filler(16) + "." + filler(64) + "." + filler(16), want: verifier.ErrMalformed},
		{name: "five parts under an ES256 header", v: e.esV,
			token: b(`{"alg":"ES256","enc":"A256GCM","kid":"`+kid+`"}`) + "." + filler(32) + "." + filler(12) + "." + filler(64) + "." + filler(16),
			want:  verifier.ErrMalformed},
		{name: "valid JWS with two more parts", v: e.esV, token: h + "." + p + "." + s + "." + filler(12) + "." + filler(16), want: verifier.ErrMalformed},
		{name: "four parts", v: e.esV, token: h + "." + p + "." + s + "." + filler(16), want: verifier.ErrMalformed},
		{name: "five empty parts", v: e.esV, token: "....", want: verifier.ErrMalformed},
	}
}

// atkJSONSerialization: the JWS JSON serializations (RFC 7515 section 7.2)
// of a valid token, which carry exactly the same signature.
func atkJSONSerialization(e *atkEnv) []atkCase {
	t := e.t
	h, p, s := atkParts(t, e.esValid)
	marshal := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err, "json.Marshal(JSON serialization)")
		return string(b)
	}
	flattened := marshal(map[string]any{"protected": h, "payload": p, "signature": s})
	return []atkCase{
		{name: "flattened", v: e.esV, token: flattened, want: verifier.ErrMalformed},
		{name: "flattened with an unprotected header", v: e.esV,
			token: marshal(map[string]any{"protected": h, "header": map[string]any{"kid": e.es.KeyID()}, "payload": p, "signature": s}),
			want:  verifier.ErrMalformed},
		{name: "general", v: e.esV,
			token: marshal(map[string]any{"payload": p, "signatures": []any{map[string]any{"protected": h, "signature": s}}}),
			want:  verifier.ErrMalformed},
		{name: "flattened, base64url-encoded", v: e.esV, token: atkB64.EncodeToString([]byte(flattened)), want: verifier.ErrMalformed},
		{name: "compact token as a JSON string", v: e.esV, token: strconv.Quote(e.esValid), want: verifier.ErrMalformed},
	}
}

// atkUnencoded: "b64": false (RFC 7797), which would make the verifier
// sign-check a payload other readers see differently.
func atkUnencoded(e *atkEnv) []atkCase {
	t := e.t
	key := e.local["ES256"].(*ecdsa.PrivateKey)
	hdr := atkB64.EncodeToString([]byte(`{"alg":"ES256","kid":"atk-es256","b64":false,"crit":["b64"]}`))
	raw := atkPayload(atkLocalIssuer)
	rawSig := atkSignInput(t, key, hdr+"."+raw)
	return []atkCase{
		{name: "b64 false with crit b64", v: e.esV,
			token: e.mint(verifiertest.Token{Subject: "alice", Header: map[string]any{"b64": false, "crit": []string{"b64"}}}), want: verifier.ErrUnsupportedHeader},
		{name: "b64 false without crit", v: e.esV,
			token: e.mint(verifiertest.Token{Subject: "alice", Header: map[string]any{"b64": false}}), want: verifier.ErrUnsupportedHeader},
		{name: "b64 true with crit b64", v: e.esV,
			token: e.mint(verifiertest.Token{Subject: "alice", Header: map[string]any{"b64": true, "crit": []string{"b64"}}}), want: verifier.ErrUnsupportedHeader},
		{name: "b64 as the string false", v: e.esV,
			token: e.mint(verifiertest.Token{Subject: "alice", Header: map[string]any{"b64": "false"}}), want: verifier.ErrMalformed},
		{name: "b64 false, HMAC", v: e.hsV, token: func() string {
			tok, err := verifiertest.Sign("HS256", e.hsSecret, map[string]any{"kid": "atk-hs", "b64": false, "crit": []string{"b64"}}, atkClaims(t, atkHMACIssuer))
			require.NoError(t, err, "verifiertest.Sign(HS256, b64 false)")
			return tok
		}(), want: verifier.ErrUnsupportedHeader},
		// The payload part is raw JSON, signed as RFC 7797 says: its
		// characters are outside base64url.
		{name: "unencoded payload in the token", v: e.localV, token: hdr + "." + raw + "." + rawSig, want: verifier.ErrMalformed},
		// RFC 7797 section 5: detached payload, empty payload part.
		{name: "detached unencoded payload", v: e.localV, token: hdr + ".." + rawSig, want: verifier.ErrUnsupportedHeader},
	}
}

// atkUnknownCrit: "crit" in any form. We implement no extension, so every
// critical one is unknown and RFC 7515 section 4.1.11 requires rejection.
func atkUnknownCrit(e *atkEnv) []atkCase {
	t := e.t
	mint := func(header map[string]any) string {
		return e.mint(verifiertest.Token{Subject: "alice", Header: header})
	}
	local := func(header string) string { return e.localSign("ES256", header, atkPayload(atkLocalIssuer)) }
	hs, err := verifiertest.Sign("HS256", e.hsSecret, map[string]any{"kid": "atk-hs", "crit": []string{"x-custom"}, "x-custom": 1}, atkClaims(t, atkHMACIssuer))
	require.NoError(t, err, "verifiertest.Sign(HS256, crit)")
	return []atkCase{
		{name: `crit ["exp"]`, v: e.esV, token: mint(map[string]any{"crit": []string{"exp"}, "exp": 1}), want: verifier.ErrUnsupportedHeader},
		{name: `crit ["x-custom"]`, v: e.esV, token: mint(map[string]any{"crit": []string{"x-custom"}, "x-custom": true}), want: verifier.ErrUnsupportedHeader},
		{name: `crit ["x-custom"] without the parameter`, v: e.esV, token: mint(map[string]any{"crit": []string{"x-custom"}}), want: verifier.ErrUnsupportedHeader},
		{name: "crit []", v: e.esV, token: mint(map[string]any{"crit": []string{}}), want: verifier.ErrUnsupportedHeader},
		{name: `crit "string"`, v: e.esV, token: mint(map[string]any{"crit": "exp"}), want: verifier.ErrUnsupportedHeader},
		{name: `crit ["alg"]`, v: e.esV, token: mint(map[string]any{"crit": []string{"alg"}}), want: verifier.ErrUnsupportedHeader},
		{name: "crit null", v: e.localV, token: local(`{"alg":"ES256","kid":"atk-es256","crit":null}`), want: verifier.ErrUnsupportedHeader},
		{name: "crit 42", v: e.localV, token: local(`{"alg":"ES256","kid":"atk-es256","crit":42}`), want: verifier.ErrUnsupportedHeader},
		{name: "crit before alg", v: e.localV, token: local(`{"crit":["x"],"x":1,"alg":"ES256","kid":"atk-es256"}`), want: verifier.ErrUnsupportedHeader},
		{name: `crit ["x-custom"], HMAC`, v: e.hsV, token: hs, want: verifier.ErrUnsupportedHeader},
	}
}

// atkDuplicates: a member name twice in the header or the claims, validly
// signed. Readers differ on which one wins, so the token is malformed.
func atkDuplicates(e *atkEnv) []atkCase {
	hdr := atkLocalHeader("ES256")
	payload := atkPayload(atkLocalIssuer)
	sign := func(header, payload string) string { return e.localSign("ES256", header, payload) }
	return []atkCase{
		{name: "control: no duplicates", v: e.localV, token: sign(hdr, payload), subject: "alice"},
		{name: `header "alg" twice, none last`, v: e.localV, token: sign(atkAppend(hdr, `"alg":"none"`), payload), want: verifier.ErrMalformed},
		{name: `header "alg" twice, none first`, v: e.localV, token: sign(`{"alg":"none","alg":"ES256","kid":"atk-es256"}`, payload), want: verifier.ErrMalformed},
		{name: `header "alg" twice, one escaped`, v: e.localV, token: sign(atkAppend(hdr, `"\u0061lg":"HS256"`), payload), want: verifier.ErrMalformed},
		{name: `header "kid" twice`, v: e.localV, token: sign(atkAppend(hdr, `"kid":"other"`), payload), want: verifier.ErrMalformed},
		{name: `header "typ" twice`, v: e.localV, token: sign(atkAppend(hdr, `"typ":"JWT"`), payload), want: verifier.ErrMalformed},
		{name: `payload "exp" twice`, v: e.localV,
			token: sign(hdr, atkAppend(payload, fmt.Sprintf(`"exp":%d`, atkNow.Add(1000*time.Hour).Unix()))), want: verifier.ErrMalformed},
		{name: `payload "sub" twice`, v: e.localV, token: sign(hdr, atkAppend(payload, `"sub":"admin"`)), want: verifier.ErrMalformed},
		{name: `payload "sub" twice, one escaped`, v: e.localV, token: sign(hdr, atkAppend(payload, `"\u0073ub":"admin"`)), want: verifier.ErrMalformed},
		{name: `payload "aud" twice`, v: e.localV, token: sign(hdr, atkAppend(payload, `"aud":"https://other-api.example.test"`)), want: verifier.ErrMalformed},
		{name: `payload "iss" twice`, v: e.localV, token: sign(hdr, atkAppend(payload, `"iss":"https://evil.example.test"`)), want: verifier.ErrMalformed},
		{name: `payload "scope" twice`, v: e.localV, token: sign(hdr, atkAppend(payload, `"scope":"read"`, `"scope":"admin"`)), want: verifier.ErrMalformed},
		{name: "payload custom claim twice", v: e.localV, token: sign(hdr, atkAppend(payload, `"role":"user"`, `"role":"admin"`)), want: verifier.ErrMalformed},
	}
}

// atkPayloadNotObject: claims that are valid JSON but not an object, or
// not JSON at all, validly signed.
func atkPayloadNotObject(e *atkEnv) []atkCase {
	hdr := atkLocalHeader("ES256")
	var cases []atkCase
	for _, p := range []struct{ name, payload string }{
		{"empty array", `[]`},
		{"array holding the claims", `[` + atkPayload(atkLocalIssuer) + `]`},
		{"string", `"str"`},
		{"claims as a JSON string", strconv.Quote(atkPayload(atkLocalIssuer))},
		{"number", `123`},
		{"null", `null`},
		{"true", `true`},
		{"empty", ``},
		{"whitespace only", " \n"},
		{"object followed by another", atkPayload(atkLocalIssuer) + `{}`},
		{"truncated object", strings.TrimSuffix(atkPayload(atkLocalIssuer), "}")},
	} {
		cases = append(cases, atkCase{name: "payload " + p.name, v: e.localV, token: e.localSign("ES256", hdr, p.payload), want: verifier.ErrMalformed})
	}
	cases = append(cases,
		atkCase{name: "header an array", v: e.localV, token: e.localSign("ES256", `["ES256"]`, atkPayload(atkLocalIssuer)), want: verifier.ErrMalformed},
		atkCase{name: "header a string", v: e.localV, token: e.localSign("ES256", `"ES256"`, atkPayload(atkLocalIssuer)), want: verifier.ErrMalformed})
	return cases
}

// atkNest returns depth nested containers around 1.
func atkNest(depth int, open, close string) string {
	return strings.Repeat(open, depth) + "1" + strings.Repeat(close, depth)
}

// atkDeepNesting: custom claims or header parameters nested deeper than the
// 32 levels the reader allows, validly signed; and shallower ones, which
// pass.
func atkDeepNesting(e *atkEnv) []atkCase {
	hdr := atkLocalHeader("ES256")
	payload := func(value string) string { return atkPayload(atkLocalIssuer, `"deep":`+value) }
	sign := func(header, payload string) string { return e.localSign("ES256", header, payload) }
	return []atkCase{
		{name: "claim of 40 nested arrays", v: e.localV, token: sign(hdr, payload(atkNest(40, "[", "]"))), want: verifier.ErrMalformed},
		{name: "claim of 40 nested objects", v: e.localV, token: sign(hdr, payload(atkNest(40, `{"a":`, "}"))), want: verifier.ErrMalformed},
		{name: "claim of 40 levels, arrays and objects", v: e.localV, token: sign(hdr, payload(atkNest(20, `[{"a":`, "}]"))), want: verifier.ErrMalformed},
		{name: "claim of 33 nested arrays", v: e.localV, token: sign(hdr, payload(atkNest(33, "[", "]"))), want: verifier.ErrMalformed},
		{name: "claim of 4000 unclosed arrays", v: e.localV, token: sign(hdr, `{"deep":`+strings.Repeat("[", 4000)), want: verifier.ErrMalformed},
		{name: "header parameter of 40 nested arrays", v: e.localV, token: sign(atkAppend(hdr, `"x":`+atkNest(40, "[", "]")), atkPayload(atkLocalIssuer)), want: verifier.ErrMalformed},
		{name: "claim of 20 nested arrays", v: e.localV, token: sign(hdr, payload(atkNest(20, "[", "]"))), subject: "alice"},
		{name: "claim of 20 nested objects", v: e.localV, token: sign(hdr, payload(atkNest(20, `{"a":`, "}"))), subject: "alice"},
		{name: "claim of 32 nested arrays, the limit", v: e.localV, token: sign(hdr, payload(atkNest(32, "[", "]"))), subject: "alice"},
		{name: "header parameter of 20 nested arrays", v: e.localV, token: sign(atkAppend(hdr, `"x":`+atkNest(20, "[", "]")), atkPayload(atkLocalIssuer)), subject: "alice"},
	}
}

// atkNumericClaims: dates that are not plain non-negative numbers within
// year 9999, validly signed; and the forms that are allowed.
func atkNumericClaims(e *atkEnv) []atkCase {
	hdr := atkLocalHeader("ES256")
	sign := func(members ...string) string {
		return e.localSign("ES256", hdr, atkPayload(atkLocalIssuer, members...))
	}
	future := atkNow.Add(time.Hour).Unix()
	var cases []atkCase
	for _, c := range []struct{ name, member string }{
		{"exp as a numeric string", `"exp":"1999999999"`},
		{"exp negative", `"exp":-1`},
		{"exp negative and huge", `"exp":-1e300`},
		{"exp 1e400", `"exp":1e400`},
		{"exp 1e20", `"exp":1e20`},
		{"exp one second after year 9999", `"exp":253402300800`},
		{"exp 2^63", `"exp":9223372036854775808`},
		{"exp NaN", `"exp":NaN`},
		{"exp Infinity", `"exp":Infinity`},
		{"exp hexadecimal", `"exp":0x7fffffff`},
		{"exp with a plus sign", `"exp":+1999999999`},
		{"exp with a leading zero", `"exp":01999999999`},
		{"exp null", `"exp":null`},
		{"exp an array", fmt.Sprintf(`"exp":[%d]`, future)},
		{"exp an object", fmt.Sprintf(`"exp":{"v":%d}`, future)},
		{"nbf as a string", `"nbf":"1700000000"`},
		{"nbf negative", `"nbf":-1`},
		{"iat as a boolean", `"iat":true`},
		{"iat as a string", `"iat":"1700000000"`},
	} {
		cases = append(cases, atkCase{name: c.name, v: e.localV, token: sign(c.member), want: verifier.ErrMalformed})
	}
	return append(cases,
		atkCase{name: "exp a float in the future", v: e.localV, token: sign(fmt.Sprintf(`"exp":%d.75`, future)), subject: "alice"},
		atkCase{name: "exp in exponent notation", v: e.localV, token: sign(fmt.Sprintf(`"exp":%de0`, future)), subject: "alice"},
		atkCase{name: "iat and nbf floats", v: e.localV,
			token: sign(fmt.Sprintf(`"iat":%d.5`, atkNow.Unix()-10), fmt.Sprintf(`"nbf":%d.25`, atkNow.Unix()-10)), subject: "alice"},
		atkCase{name: "exp a float in the past", v: e.localV, token: sign(fmt.Sprintf(`"exp":%d.5`, atkNow.Add(-time.Hour).Unix())), want: verifier.ErrExpired},
	)
}

// atkBadEncoding: characters outside base64url, padding and whitespace
// inside each part of a valid token. The adapters refuse a token with a
// space or tab as a malformed request (400) before Verify sees it; Verify
// itself reports every one as malformed.
func atkBadEncoding(e *atkEnv) []atkCase {
	t := e.t
	parts := strings.Split(e.esValid, ".")
	require.Len(t, parts, 3, "parts of the valid token")
	partNames := []string{"header", "payload", "signature"}
	var cases []atkCase
	with := func(i int, part string) string {
		p := append([]string{}, parts...)
		p[i] = part
		return strings.Join(p, ".")
	}
	for i, part := range parts {
		mid := len(part) / 2
		for _, c := range []struct{ name, s string }{
			{"+", "+"}, {"/", "/"}, {"=", "="}, {"space", " "}, {"tab", "\t"}, {"newline", "\n"},
			{"CR", "\r"}, {"é", "é"}, {"NUL", "\x00"}, {"%", "%"}, {"DEL", "\x7f"}, {"0xFF byte", "\xff"},
		} {
			cases = append(cases, atkCase{name: c.name + " inside the " + partNames[i], v: e.esV,
				token: with(i, part[:mid]+c.s+part[mid:]), want: verifier.ErrMalformed})
		}
		cases = append(cases, atkCase{name: "padding == after the " + partNames[i], v: e.esV, token: with(i, part+"=="), want: verifier.ErrMalformed})
	}
	// The signature's 86 characters end in one that carries 2 bits of
	// data and 4 zero bits; making those bits non-zero gives a second
	// encoding of the same bytes, which strict decoding refuses.
	sig := parts[2]
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", sig[len(sig)-1])
	require.Zero(t, last&0x0f, "the signature's last character has non-zero padding bits")
	nonCanonical := sig[:len(sig)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last|1])
	sigBytes := atkDecode(t, sig)
	return append(cases,
		atkCase{name: "signature with non-zero padding bits", v: e.esV, token: with(2, nonCanonical), want: verifier.ErrMalformed},
		atkCase{name: "signature in standard base64 with padding", v: e.esV, token: with(2, base64.StdEncoding.EncodeToString(sigBytes)), want: verifier.ErrMalformed},
		atkCase{name: "signature in base64url with padding", v: e.esV, token: with(2, base64.URLEncoding.EncodeToString(sigBytes)), want: verifier.ErrMalformed},
		atkCase{name: "newline at the end", v: e.esV, token: e.esValid + "\n", want: verifier.ErrMalformed},
		atkCase{name: "leading dot", v: e.esV, token: "." + e.esValid, want: verifier.ErrMalformed},
	)
}

// tokenOfSize returns a validly signed local ES256 token of exactly n
// bytes, padded with a header parameter and a claim.
func (e *atkEnv) tokenOfSize(n int) string {
	e.t.Helper()
	enc := atkB64.EncodedLen
	sigLen := enc(64)
	for hp := 0; hp < 3; hp++ {
		header := atkAppend(atkLocalHeader("ES256"), `"x":"`+strings.Repeat("h", hp)+`"`)
		base := atkPayload(atkLocalIssuer, `"pad":""`)
		for pp := 0; ; pp++ {
			total := enc(len(header)) + 1 + enc(len(base)+pp) + 1 + sigLen
			if total > n {
				break
			}
			if total == n {
				tok := e.localSign("ES256", header, atkPayload(atkLocalIssuer, `"pad":"`+strings.Repeat("p", pp)+`"`))
				require.Len(e.t, tok, n, "token built to be %d bytes", n)
				return tok
			}
		}
	}
	e.t.Fatalf("tokenOfSize(%d): no padding gives that length", n)
	return ""
}

// atkOversize: tokens over the size limit, refused before any parsing or
// key lookup; and tokens exactly at the limit, which pass.
func atkOversize(e *atkEnv) []atkCase {
	t := e.t
	localSrc := func() *atkCountingSource {
		k, err := jwks.NewPublicKey(atkKid("ES256"), &e.local["ES256"].(*ecdsa.PrivateKey).PublicKey)
		require.NoError(t, err, "jwks.NewPublicKey(%s)", atkKid("ES256"))
		s, err := jwks.NewStatic(k)
		require.NoError(t, err, "jwks.NewStatic(%s)", atkKid("ES256"))
		return &atkCountingSource{Source: s}
	}
	def := localSrc()
	defV := e.staticVerifier(def, atkLocalIssuer, nil)
	small := localSrc()
	smallV := e.staticVerifier(small, atkLocalIssuer, func(c *verifier.Config) { c.MaxTokenSize = 1024 })

	// An issuer token over the limit, to a verifier that has fetched
	// nothing yet: it must not fetch.
	remote := &atkCountingSource{}
	remoteV := e.remoteVerifier(e.es, func(c *verifier.Config) {
		remote.Source = c.Keys
		c.Keys = remote
	})
	big := e.mint(verifiertest.Token{Subject: "alice", Claims: map[string]any{"pad": strings.Repeat("p", 6200)}})
	require.Greater(t, len(big), verifier.DefaultMaxTokenSize, "length of the padded issuer token")

	limit := verifier.DefaultMaxTokenSize
	return []atkCase{
		{name: "8 KiB + 1, validly signed", v: defV, token: e.tokenOfSize(limit + 1), want: verifier.ErrMalformed, noLookup: def},
		{name: "8 KiB + 2, validly signed", v: defV, token: e.tokenOfSize(limit + 2), want: verifier.ErrMalformed, noLookup: def},
		{name: "8 KiB exactly, validly signed", v: defV, token: e.tokenOfSize(limit), subject: "alice"},
		{name: "issuer token over 8 KiB, nothing fetched", v: remoteV, token: big, want: verifier.ErrMalformed, noLookup: remote},
		{name: "64 KiB", v: defV, token: e.esValid + strings.Repeat("A", 64<<10), want: verifier.ErrMalformed, noLookup: def},
		{name: "1 MiB of A", v: defV, token: strings.Repeat("A", 1<<20), want: verifier.ErrMalformed, noLookup: def},
		{name: "MaxTokenSize 1024, 1025 bytes", v: smallV, token: e.tokenOfSize(1025), want: verifier.ErrMalformed, noLookup: small},
		{name: "MaxTokenSize 1024, 1024 bytes", v: smallV, token: e.tokenOfSize(1024), subject: "alice"},
		{name: "MaxTokenSize 1024, a default-size token", v: smallV, token: e.tokenOfSize(2048), want: verifier.ErrMalformed, noLookup: small},
	}
}

// atkIDToken: an OpenID Connect ID token of the trusted issuer (aud = the
// client, nonce, azp, no scope, typ "JWT") offered as an access token. The
// audience check refuses it by default, since its audience is the client,
// not the API. The strict RFC 9068 profile refuses it by its type, before
// the audience is looked at, so it also stops an ID token whose audience
// happens to name the API.
func atkIDToken(e *atkEnv) []atkCase {
	strict := e.remoteVerifier(e.es, func(c *verifier.Config) { c.StrictRFC9068 = true })
	strictClient := e.remoteVerifier(e.es, func(c *verifier.Config) {
		c.StrictRFC9068 = true
		c.Audiences = []string{atkAudience, atkClientID}
	})
	idClaims := map[string]any{
		"nonce": "n-0S6_WzA2Mj", "azp": atkClientID, "auth_time": atkNow.Add(-time.Minute).Unix(),
		"client_id": nil, "jti": nil, "email": "alice@example.test",
	}
	id := func(aud []string, typ any) string {
		return e.mint(verifiertest.Token{Subject: "alice", Audience: aud, Claims: idClaims, Header: map[string]any{"typ": typ}})
	}
	idTok := id([]string{atkClientID}, "JWT")
	return []atkCase{
		{name: "default config", v: e.esV, token: idTok, want: verifier.ErrAudience},
		{name: "strict RFC 9068", v: strict, token: idTok, want: verifier.ErrTokenType},
		{name: "strict RFC 9068, aud names the API too", v: strict, token: id([]string{atkClientID, atkAudience}, "JWT"), want: verifier.ErrTokenType},
		{name: "strict RFC 9068, no typ", v: strict, token: id([]string{atkAudience}, nil), want: verifier.ErrTokenType},
		{name: "strict RFC 9068, audiences include the client", v: strictClient, token: idTok, want: verifier.ErrTokenType},
		{name: "strict RFC 9068, control: an access token", v: strict, token: e.esValid, subject: "alice"},
	}
}

// ---- the tests, one per class ----

func TestAttackAlgNone(t *testing.T) { atkRun(t, atkAlgNone(atkNewEnv(t))) }

func TestAttackHMACKeyConfusion(t *testing.T) { atkRun(t, atkHMACKeyConfusion(atkNewEnv(t))) }

func TestAttackHostileKid(t *testing.T) {
	e := atkNewEnv(t)
	cases := atkHostileKid(e)
	// Fetch the issuer's keys first, so that what follows counts only the
	// fetches the hostile kids cause.
	claims, err := e.esV.Verify(context.Background(), e.esValid)
	require.NoError(t, err, "Verify(valid token) to warm the key cache")
	require.Equal(t, "alice", claims.Subject(), "subject of the valid token")
	before := e.es.JWKSRequests()
	atkRun(t, cases)
	extra := e.es.JWKSRequests() - before
	assert.LessOrEqual(t, extra, 1,
		"JWKS fetches caused by %d hostile-kid tokens, each sent four times; want at most one (the refresh cooldown)", len(atkHostileKids))
}

func TestAttackEmbeddedOrReferencedKeys(t *testing.T) {
	e := atkNewEnv(t)
	atkRun(t, atkEmbeddedKeys(e))
	assert.Zero(t, e.attacker.JWKSRequests(), "requests to the attacker's JWKS named by jku/x5u; want none")
	assert.Zero(t, e.attacker.DiscoveryRequests(), "requests to the attacker's discovery document; want none")
	assert.Zero(t, e.trapHits.Load(), "requests to the attacker's x5u server; want none")
}

func TestAttackECDSAZeroSignature(t *testing.T) { atkRun(t, atkECDSAZero(atkNewEnv(t))) }

func TestAttackECDSADERSignature(t *testing.T) { atkRun(t, atkECDSADER(atkNewEnv(t))) }

func TestAttackECDSAWrongLength(t *testing.T) { atkRun(t, atkECDSAWrongLength(atkNewEnv(t))) }

func TestAttackTampered(t *testing.T) { atkRun(t, atkTampered(atkNewEnv(t))) }

func TestAttackStrippedSignature(t *testing.T) { atkRun(t, atkStripped(atkNewEnv(t))) }

func TestAttackJWE(t *testing.T) { atkRun(t, atkJWE(atkNewEnv(t))) }

func TestAttackJSONSerialization(t *testing.T) { atkRun(t, atkJSONSerialization(atkNewEnv(t))) }

func TestAttackUnencodedPayload(t *testing.T) { atkRun(t, atkUnencoded(atkNewEnv(t))) }

func TestAttackUnknownCrit(t *testing.T) { atkRun(t, atkUnknownCrit(atkNewEnv(t))) }

func TestAttackDuplicateMembers(t *testing.T) { atkRun(t, atkDuplicates(atkNewEnv(t))) }

func TestAttackPayloadNotObject(t *testing.T) { atkRun(t, atkPayloadNotObject(atkNewEnv(t))) }

func TestAttackDeepNesting(t *testing.T) { atkRun(t, atkDeepNesting(atkNewEnv(t))) }

func TestAttackNumericClaims(t *testing.T) { atkRun(t, atkNumericClaims(atkNewEnv(t))) }

func TestAttackBadEncoding(t *testing.T) { atkRun(t, atkBadEncoding(atkNewEnv(t))) }

func TestAttackOversize(t *testing.T) { atkRun(t, atkOversize(atkNewEnv(t))) }

func TestAttackIDToken(t *testing.T) { atkRun(t, atkIDToken(atkNewEnv(t))) }
