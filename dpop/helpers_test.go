package dpop_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// tNow is the fake clock of the checkers here.
var tNow = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

func tClock() time.Time { return tNow }

const (
	tURL   = "https://api.example.test/items"
	tToken = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.access-token-for-tests"
)

// tRequest is the request the proofs of tClient are made for.
func tRequest() dpop.Request {
	u, err := url.Parse(tURL + "?page=2")
	if err != nil {
		panic(err)
	}
	return dpop.Request{Method: "GET", URL: u, AccessToken: tToken}
}

// athOf returns the ath of token: base64url(SHA-256(token)).
func athOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// tClient signs proofs with one key, as a DPoP client does.
type tClient struct {
	alg string
	key crypto.Signer
	jwk json.RawMessage // the public key, as jwx writes it
}

// clients caches one client per algorithm: RSA keys are slow to make.
var clients sync.Map

func newClient(t testing.TB, alg string) *tClient {
	t.Helper()
	if c, ok := clients.Load(alg); ok {
		return c.(*tClient)
	}
	priv, err := verifiertest.GenerateKey(alg)
	require.NoError(t, err, "verifiertest.GenerateKey(%q)", alg)
	signer := priv.(crypto.Signer)
	c := &tClient{alg: alg, key: signer, jwk: jwkOf(t, signer.Public())}
	actual, _ := clients.LoadOrStore(alg, c)
	return actual.(*tClient)
}

// jwkOf returns the JWK of a public key, as jwx writes it.
func jwkOf(t testing.TB, pub crypto.PublicKey) json.RawMessage {
	t.Helper()
	k, err := jwk.Import(pub)
	require.NoError(t, err, "jwk.Import(%T)", pub)
	raw, err := json.Marshal(k)
	require.NoError(t, err, "json.Marshal(jwk)")
	return raw
}

// thumbprint returns the client's RFC 7638 thumbprint, as jwx computes it.
func (c *tClient) thumbprint(t testing.TB) string {
	t.Helper()
	k, err := jwk.ParseKey(c.jwk)
	require.NoError(t, err, "jwk.ParseKey")
	sum, err := k.Thumbprint(crypto.SHA256)
	require.NoError(t, err, "jwk.Key.Thumbprint")
	return base64.RawURLEncoding.EncodeToString(sum)
}

func randomJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// header returns the header of the client's proofs, changed by the entries
// of change: a nil value removes the entry.
func (c *tClient) header(change map[string]any) map[string]any {
	h := map[string]any{"typ": "dpop+jwt", "alg": c.alg, "jwk": c.jwk}
	return apply(h, change)
}

// claims returns the claims of a proof for tRequest, changed by change.
func claimsFor(change map[string]any) map[string]any {
	cl := map[string]any{
		"jti": randomJTI(),
		"htm": "GET",
		"htu": tURL,
		"iat": tNow.Unix(),
		"ath": athOf(tToken),
	}
	return apply(cl, change)
}

func apply(m, change map[string]any) map[string]any {
	m = maps.Clone(m)
	for k, v := range change {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// proof returns a proof for tRequest, its header and claims changed by
// the entries of header and claims.
func (c *tClient) proof(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	p, err := verifiertest.Sign(c.alg, c.key, c.header(header), claimsFor(claims))
	require.NoError(t, err, "verifiertest.Sign(%s)", c.alg)
	return p
}

// raw returns a proof with exactly the given header and claims JSON.
func (c *tClient) raw(t testing.TB, header, claims string) string {
	t.Helper()
	p, err := verifiertest.SignRaw(c.alg, c.key, []byte(header), []byte(claims))
	require.NoError(t, err, "verifiertest.SignRaw(%s)", c.alg)
	return p
}

// newChecker returns a checker on the fake clock, changed by change.
func newChecker(t testing.TB, change func(*dpop.Config)) *dpop.Checker {
	t.Helper()
	cfg := dpop.Config{Now: tClock}
	if change != nil {
		change(&cfg)
	}
	c, err := dpop.New(cfg)
	require.NoError(t, err, "dpop.New(%+v)", cfg)
	return c
}

// countingStore is a ReplayStore that counts its calls and answers as told.
type countingStore struct {
	mu    sync.Mutex
	calls int
	ids   []string
	until []time.Time
	fresh bool
	err   error
}

func (s *countingStore) Remember(_ context.Context, id string, until time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.ids = append(s.ids, id)
	s.until = append(s.until, until)
	return s.fresh, s.err
}
