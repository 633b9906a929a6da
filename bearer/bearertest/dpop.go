package bearertest

// The DPoP rows of the conformance table (RFC 9449): each check of a proof
// and of the token's binding, right and wrong, in the modes allowed,
// required and with server nonces. A case's proof is minted anew for every
// request sent, for the method and URL of that request, so that each
// transport and each adapter gets a proof of its own.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// confProof describes the DPoP proof a request carries: a valid one for
// the request unless a field says otherwise.
type confProof struct {
	count       int           // DPoP headers: 0 means 1; -1 means none
	otherMethod bool          // htm names another method
	otherPath   bool          // htu names another path
	age         time.Duration // iat this long ago (negative: in the future)
	otherToken  bool          // ath is the hash of another token
	otherKey    bool          // signed by another key than the token is bound to
	nonce       string        // "current" or "stale": the nonce claim
	replay      bool          // the same proof every time (the first send primes the store)
	badSig      bool          // the signature of another proof
	header      map[string]any
	claims      map[string]any
}

// confDPoP holds what the DPoP rows use.
type confDPoP struct {
	iss                          *verifiertest.Issuer
	allowed, required, withNonce *dpop.Checker
	current, stale               string // nonces of withNonce: valid now, and an hour old
	otherKey                     crypto.Signer
	algs                         string

	bound, boundExpired string // tokens bound to the issuer's DPoP key

	mu     sync.Mutex
	replay map[string]string // case name and URL -> the replayed proof
}

func newConfDPoP(t testing.TB, iss *verifiertest.Issuer) *confDPoP {
	t.Helper()
	secret := []byte("the conformance table's nonce secret, 32+ bytes")
	nonces, err := dpop.NewNonces(secret, 5*time.Minute, confClock)
	require.NoError(t, err, "dpop.NewNonces")
	old, err := dpop.NewNonces(secret, 5*time.Minute, func() time.Time { return confNow.Add(-time.Hour) })
	require.NoError(t, err, "dpop.NewNonces an hour ago")
	d := &confDPoP{iss: iss, current: nonces.Current(), stale: old.Current(), replay: map[string]string{}}
	for _, c := range []struct {
		dst *(*dpop.Checker)
		cfg dpop.Config
	}{
		{&d.allowed, dpop.Config{Now: confClock}},
		{&d.required, dpop.Config{Required: true, Now: confClock}},
		{&d.withNonce, dpop.Config{Nonces: nonces, Now: confClock}},
	} {
		ck, err := dpop.New(c.cfg)
		require.NoError(t, err, "dpop.New(%+v)", c.cfg)
		*c.dst = ck
	}
	d.algs = strings.Join(d.allowed.Algorithms(), " ")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "ecdsa.GenerateKey")
	d.otherKey = key
	cnf := verifiertest.DPoPBound(iss.DPoPThumbprint())
	d.bound = iss.MustMint(t, verifiertest.Token{Subject: "dpop-client", Scope: "read", Claims: map[string]any{"cnf": cnf}})
	d.boundExpired = iss.MustMint(t, verifiertest.Token{Subject: "dpop-client", Scope: "read", ExpiresIn: -time.Hour, Claims: map[string]any{"cnf": cnf}})
	return d
}

// proofs returns the DPoP header values of a request of case name to
// method and u presenting token.
func (d *confDPoP) proofs(t testing.TB, name string, p *confProof, method string, u *url.URL, token string) []string {
	t.Helper()
	if p.count < 0 {
		return nil
	}
	key := name + " " + method + " " + u.String()
	if p.replay {
		d.mu.Lock()
		defer d.mu.Unlock()
		if proof, ok := d.replay[key]; ok {
			return []string{proof}
		}
	}
	spec := verifiertest.Proof{Method: method, URL: u.String(), AccessToken: token, Header: p.header, Claims: p.claims}
	if p.otherMethod {
		spec.Method = http.MethodPatch
	}
	if p.otherPath {
		other := *u
		other.Path = "/elsewhere"
		spec.URL = other.String()
	}
	if p.age != 0 {
		spec.IssuedAt = confNow.Add(-p.age)
	}
	if p.otherToken {
		spec.AccessToken = "another token"
	}
	if p.otherKey {
		spec.Key = d.otherKey
	}
	switch p.nonce {
	case "current":
		spec.Nonce = d.current
	case "stale":
		spec.Nonce = d.stale
	}
	proof := d.iss.MustMintProof(t, spec)
	if p.badSig {
		other := d.iss.MustMintProof(t, verifiertest.Proof{Method: method, URL: u.String(), AccessToken: token})
		proof = proof[:strings.LastIndexByte(proof, '.')] + other[strings.LastIndexByte(other, '.'):]
	}
	if p.replay {
		d.replay[key] = proof
	}
	n := max(p.count, 1)
	out := make([]string, n)
	for i := range out {
		out[i] = proof
	}
	return out
}

// privateJWK is the issuer's DPoP client key as a JWK with its private
// part: a proof must never carry one.
func (d *confDPoP) privateJWK() map[string]any {
	k := d.iss.DPoPKey().(*ecdsa.PrivateKey)
	enc := base64.RawURLEncoding
	pub, _ := k.PublicKey.Bytes() // 0x04 || X || Y
	priv, _ := k.Bytes()
	return map[string]any{"kty": "EC", "crv": "P-256", "x": enc.EncodeToString(pub[1:33]), "y": enc.EncodeToString(pub[33:]), "d": enc.EncodeToString(priv)}
}

// dpopChallenge is a DPoP challenge with realm "api", the error and
// description given, and the checkers' algorithms.
func (d *confDPoP) challenge(errCode, desc string) string {
	s := `DPoP realm="api"`
	if errCode != "" {
		s += `, error="` + errCode + `"`
	}
	if desc != "" {
		s += `, error_description="` + desc + `"`
	}
	return s + `, algs="` + d.algs + `"`
}

func (d *confDPoP) denied(status int, errCode, desc string) confWant {
	body := "{}\n"
	if errCode != "" {
		body = `{"error":"` + errCode + `","error_description":"` + desc + `"}` + "\n"
	}
	return confDenied(status, d.challenge(errCode, desc), body)
}

func (d *confDPoP) invalidProof(desc string) confWant {
	return d.denied(http.StatusUnauthorized, "invalid_dpop_proof", desc)
}

func (d *confDPoP) invalidToken(desc string) confWant {
	return d.denied(http.StatusUnauthorized, "invalid_token", desc)
}

// dpopCases are the DPoP rows: method GET on /r, or the transport's own.
func dpopCases(d *confDPoP, tk confTokens) []confCase {
	allowed := confOpts{Options: bearer.Options{Realm: "api", DPoP: d.allowed}}
	required := confOpts{Options: bearer.Options{Realm: "api", DPoP: d.required}}
	withNonce := confOpts{Options: bearer.Options{Realm: "api", DPoP: d.withNonce}}
	none := confOpts{Options: bearer.Options{Realm: "api"}}
	dpopAuth := func(tok string) []string { return []string{"DPoP " + tok} }
	valid := &confProof{}
	nonceWant := func(desc string) confWant {
		w := d.denied(http.StatusUnauthorized, "use_dpop_nonce", desc)
		w.nonce = d.current
		return w
	}
	both := confWant{
		status: http.StatusUnauthorized, contentType: "application/json", cacheControl: "no-store", body: "{}\n",
		challengeList: []string{`Bearer realm="api"`, d.challenge("", "")},
	}

	return []confCase{
		{name: "DPoP: bound token with its proof", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: valid}, want: confRan("dpop-client")},
		{name: "DPoP: scheme in lower case", opts: allowed, req: confRequest{auth: []string{"dpop " + d.bound}, proof: valid}, want: confRan("dpop-client")},
		{name: "DPoP: a query in the request URL", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), query: "page=2&sort=name", proof: valid}, want: confRan("dpop-client")},
		{name: "DPoP: no credentials, allowed: Bearer and DPoP challenges", opts: allowed, want: both},
		{name: "DPoP: a plain bearer token, allowed", opts: allowed, req: confRequest{auth: []string{"Bearer " + tk.plain}}, want: confRan("plain")},
		{name: "DPoP: bound token presented as Bearer", opts: allowed, req: confRequest{auth: []string{"Bearer " + d.bound}},
			want: confInvalidToken("DPoP-bound token presented as a bearer token")},
		{name: "DPoP: bound token presented as Bearer, DPoP not configured", opts: none, req: confRequest{auth: []string{"Bearer " + d.bound}},
			want: confInvalidToken("DPoP-bound token presented as a bearer token")},
		{name: "DPoP: DPoP scheme, DPoP not configured", opts: none, req: confRequest{auth: dpopAuth(d.bound), proof: valid}, want: confNoCredentials},
		{name: "DPoP: plain token with a valid proof", opts: allowed, req: confRequest{auth: dpopAuth(tk.plain), proof: valid},
			want: d.invalidToken("token is not DPoP-bound")},
		{name: "DPoP: expired bound token", opts: allowed, req: confRequest{auth: dpopAuth(d.boundExpired), proof: valid},
			want: d.invalidToken("token expired")},
		{name: "DPoP: bound token lacking the scope", opts: allowed, guard: confRequireAll, req: confRequest{auth: dpopAuth(d.bound), proof: valid},
			want: confDenied(http.StatusForbidden, `DPoP realm="api", error="insufficient_scope", scope="read write", algs="`+d.algs+`"`,
				`{"error":"insufficient_scope","scope":"read write"}`+"\n")},
		{name: "DPoP: no DPoP proof", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{count: -1}},
			want: d.invalidProof("exactly one DPoP proof is required")},
		{name: "DPoP: two DPoP proofs", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{count: 2}},
			want: d.invalidProof("exactly one DPoP proof is required")},
		{name: "DPoP: proof with typ JWT", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{header: map[string]any{"typ": "JWT"}}},
			want: d.invalidProof("wrong typ")},
		{name: "DPoP: proof with alg none", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{header: map[string]any{"alg": "none"}}},
			want: d.invalidProof("algorithm not allowed")},
		{name: "DPoP: proof with alg HS256", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{header: map[string]any{"alg": "HS256"}}},
			want: d.invalidProof("algorithm not allowed")},
		{name: "DPoP: proof without jwk", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{header: map[string]any{"jwk": nil}}},
			want: d.invalidProof("missing jwk")},
		{name: "DPoP: proof whose jwk has its private key", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{header: map[string]any{"jwk": d.privateJWK()}}},
			want: d.invalidProof("jwk is not a public key")},
		{name: "DPoP: proof with a bad signature", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{badSig: true}},
			want: d.invalidProof("invalid signature")},
		{name: "DPoP: proof for another method", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{otherMethod: true}},
			want: d.invalidProof("wrong htm")},
		{name: "DPoP: proof for another URL", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{otherPath: true}},
			want: d.invalidProof("wrong htu")},
		{name: "DPoP: proof too old", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{age: 2 * dpop.DefaultMaxAge}},
			want: d.invalidProof("proof expired")},
		{name: "DPoP: proof from the future", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{age: -time.Minute}},
			want: d.invalidProof("proof issued in the future")},
		{name: "DPoP: proof for another token", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{otherToken: true}},
			want: d.invalidProof("ath mismatch")},
		{name: "DPoP: proof without jti", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{claims: map[string]any{"jti": nil}}},
			want: d.invalidProof("missing or invalid jti")},
		{name: "DPoP: proof too large", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{claims: map[string]any{"pad": strings.Repeat("p", dpop.DefaultMaxProofSize)}}},
			want: d.invalidProof("proof too large")},
		{name: "DPoP: proof signed by another key than the token's", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{otherKey: true}},
			want: d.invalidToken("DPoP proof key is not the key the token is bound to")},
		{name: "DPoP: proof replayed", opts: allowed, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{replay: true}},
			want: d.invalidProof("proof replayed")},

		{name: "DPoP required: bound token with its proof", opts: required, req: confRequest{auth: dpopAuth(d.bound), proof: valid}, want: confRan("dpop-client")},
		{name: "DPoP required: no credentials", opts: required, want: d.denied(http.StatusUnauthorized, "", "")},
		{name: "DPoP required: a bearer token counts as none", opts: required, req: confRequest{auth: []string{"Bearer " + tk.plain}},
			want: d.denied(http.StatusUnauthorized, "", "")},

		{name: "DPoP nonce: proof without a nonce", opts: withNonce, req: confRequest{auth: dpopAuth(d.bound), proof: valid}, want: nonceWant("nonce required")},
		{name: "DPoP nonce: stale nonce", opts: withNonce, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{nonce: "stale"}}, want: nonceWant("invalid or expired nonce")},
		{name: "DPoP nonce: current nonce", opts: withNonce, req: confRequest{auth: dpopAuth(d.bound), proof: &confProof{nonce: "current"}}, want: confRan("dpop-client")},
	}
}

// Proofs returns the DPoP header values the request of c carries, minted
// for a request to method and u (absolute); nil for a case without DPoP.
// Each call mints new proofs, but for a case whose Request.Replay is set,
// which gets the same proof every time.
func (tb *Table) Proofs(t testing.TB, c Case, method string, u *url.URL) []string {
	t.Helper()
	if c.proof == nil {
		return nil
	}
	token := ""
	if len(c.Request.Authorization) == 1 {
		_, token, _ = strings.Cut(c.Request.Authorization[0], " ")
	}
	return tb.dpop.proofs(t, c.Name, c.proof, method, u, token)
}
