package verifiertest

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
)

// Default values of [IssuerConfig] and [Token].
const (
	DefaultAlgorithm = "RS256"
	DefaultAudience  = "https://api.example.test"
	DefaultSubject   = "test-client"
	DefaultExpiresIn = time.Hour
)

// IssuerConfig configures an [Issuer]. The zero value is ready to use.
type IssuerConfig struct {
	// Algorithm is the signing algorithm: RS256/384/512, PS256/384/512,
	// ES256/384/512, EdDSA or Ed25519. Empty means DefaultAlgorithm (RS256).
	Algorithm string
	// Audience is the "aud" of minted tokens unless a Token says otherwise.
	// Empty means DefaultAudience.
	Audience string
	// Now is the clock for "iat" and "exp". Nil means time.Now.
	Now func() time.Time

	// Path is the path of the issuer identifier, such as "/tenant1" for an
	// issuer URL of the form "http://127.0.0.1:43567/tenant1", as
	// multi-tenant identity providers use. It is empty or starts with "/",
	// and its segments are made of letters, digits and "-._~"; it may end
	// with "/" (an issuer identifier with a trailing slash). NewIssuer
	// panics on any other value. The endpoints lie below the path, and
	// discovery works for it at both locations (see RFC8414Only).
	Path string

	// RFC8414Only serves the metadata only at the OAuth 2.0 location of
	// RFC 8414 (the host, then "/.well-known/oauth-authorization-server",
	// then Path), not at the OpenID Connect location (the issuer URL, then
	// "/.well-known/openid-configuration"), which then answers 404. Use it
	// to test a client's fallback between the two.
	RFC8414Only bool

	// OnRequest, if set, is called with every request the issuer receives,
	// before any latency or fault applies, on the request's goroutine. A
	// test can use it to learn that a request has arrived (and is being
	// held by [Issuer.SetLatency] or FaultHang) without sleeping. It must
	// be safe for concurrent use.
	OnRequest func(*http.Request)

	// Clients are the clients registered with the issuer's token endpoints
	// ([Issuer.TokenURL], [Issuer.DjangoTokenURL]); [DemoClients] returns
	// one per issuer style. The slice is copied. NewIssuer panics on a
	// client without ID or secret, with a negative ExpiresIn, or with the
	// ID of another.
	Clients []Client

	// HMACSecret is the server secret the Django-style endpoint signs its
	// HS256 tokens with. Empty means 32 random bytes. [Issuer.HMACSecret]
	// returns it.
	HMACSecret []byte
}

// Issuer is an in-process OAuth 2.0 issuer for tests: an httptest server on
// loopback that serves OpenID Connect discovery and a JWKS document, and
// mints access tokens signed with its current key. It is safe for
// concurrent use.
//
// Its endpoints are URL + "/.well-known/openid-configuration" (unless
// IssuerConfig.RFC8414Only), the RFC 8414 metadata location and
// URL + "/jwks.json" (with any trailing slash of URL dropped first), and
// the token endpoints where registered clients (IssuerConfig.Clients) get
// tokens: URL + "/oauth2/token" for the OAuth 2.0 client credentials grant
// ([Issuer.TokenURL]) and URL + "/api-token-auth/" for Django-style HS256
// tokens ([Issuer.DjangoTokenURL]). Tokens
// are signed with the current key; [Issuer.Rotate] adds a new current key
// and [Issuer.Retire] stops publishing an old one. [Issuer.SetFault],
// [Issuer.SetDiscoveryFault], [Issuer.SetTokenFault] and
// [Issuer.SetLatency] make the endpoints
// misbehave as real issuers do.
type Issuer struct {
	// URL is the issuer identifier: the "iss" of minted tokens and the base
	// of its endpoints, such as "http://127.0.0.1:43567", followed by
	// IssuerConfig.Path.
	URL string

	alg       string
	audience  string
	now       func() time.Time
	base      string // URL without a trailing slash
	server    *httptest.Server
	done      chan struct{} // closed by Close, to release held requests
	closeOnce sync.Once

	mu        sync.Mutex
	current   *signingKey
	published []*signingKey
	closers   []func()
	faults    [numEndpoints]Fault // by endpoint
	latency   time.Duration       // added to every answer
	changed   chan struct{}       // closed and replaced when faults or latency change

	jwksHits      atomic.Int64
	discoveryHits atomic.Int64
	tokenHits     atomic.Int64

	clients             map[string]*registeredClient // by ID; read-only
	unknownClientDigest [sha256.Size]byte            // compared against for unknown IDs
	secretCompares      atomic.Int64                 // for tests: constant-time compares made
	hmacSecret          []byte                       // Django-style server secret; read-only
}

type signingKey struct {
	kid  string
	priv crypto.Signer
}

// NewIssuer starts an issuer with one signing key. It panics if cfg is
// invalid or it cannot generate a key or listen on loopback, as
// httptest.NewServer does. Call [Issuer.Close] when done.
func NewIssuer(cfg IssuerConfig) *Issuer {
	if err := checkPath(cfg.Path); err != nil {
		panic(err)
	}
	clients, err := registerClients(cfg.Clients)
	if err != nil {
		panic(err)
	}
	i := &Issuer{
		clients:    clients,
		hmacSecret: append([]byte(nil), cfg.HMACSecret...),
		alg:        cfg.Algorithm,
		audience:   cfg.Audience,
		now:        cfg.Now,
		done:       make(chan struct{}),
		changed:    make(chan struct{}),
	}
	if i.alg == "" {
		i.alg = DefaultAlgorithm
	}
	if i.audience == "" {
		i.audience = DefaultAudience
	}
	if i.now == nil {
		i.now = time.Now
	}
	if len(i.hmacSecret) == 0 {
		i.hmacSecret = make([]byte, 32)
		_, _ = rand.Read(i.hmacSecret)
	}
	i.unknownClientDigest = sha256.Sum256([]byte(randomSecret()))
	k, err := i.newKey()
	if err != nil {
		panic(err)
	}
	i.current = k
	i.published = []*signingKey{k}

	path := strings.TrimSuffix(cfg.Path, "/")
	discovery := i.endpoint(discoveryEndpoint, &i.discoveryHits, i.serveDiscovery)
	mux := http.NewServeMux()
	if !cfg.RFC8414Only {
		mux.HandleFunc("GET "+path+"/.well-known/openid-configuration", discovery)
	}
	mux.HandleFunc("GET /.well-known/oauth-authorization-server"+path, discovery)
	mux.HandleFunc("GET "+path+"/jwks.json", i.endpoint(jwksEndpoint, &i.jwksHits, i.serveJWKS))
	mux.HandleFunc("POST "+path+"/oauth2/token", i.endpoint(tokenEndpoint, &i.tokenHits, i.serveToken))
	mux.HandleFunc("POST "+path+"/api-token-auth/{$}", i.endpoint(tokenEndpoint, &i.tokenHits, i.serveDjangoToken))
	var h http.Handler = mux
	if cfg.OnRequest != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cfg.OnRequest(r)
			mux.ServeHTTP(w, r)
		})
	}
	i.server = httptest.NewUnstartedServer(h)
	host := "http://" + i.server.Listener.Addr().String()
	i.URL, i.base = host+cfg.Path, host+path
	i.server.Start()
	return i
}

// checkPath reports whether p is a valid IssuerConfig.Path.
func checkPath(p string) error {
	if p == "" || p == "/" {
		return nil
	}
	segments := strings.Split(strings.TrimSuffix(p, "/"), "/")
	for n, seg := range segments {
		ok := n == 0 && seg == "" || n > 0 && seg != "" && seg != "." && seg != ".."
		for _, c := range seg {
			ok = ok && ('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("-._~", c))
		}
		if !ok {
			return fmt.Errorf("verifiertest: IssuerConfig.Path %q is not \"/\" followed by segments of letters, digits and -._~", p)
		}
	}
	return nil
}

// Start is [NewIssuer] for tests: the issuer is closed when t ends.
func Start(t testing.TB, cfg IssuerConfig) *Issuer {
	t.Helper()
	i := NewIssuer(cfg)
	t.Cleanup(i.Close)
	return i
}

func (i *Issuer) newKey() (*signingKey, error) {
	priv, err := GenerateKey(i.alg)
	if err != nil {
		return nil, err
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("verifiertest: an Issuer publishes public keys; %s is an HMAC algorithm", i.alg)
	}
	return &signingKey{kid: randomID(), priv: signer}, nil
}

func randomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Close drops the requests held by faults or latency, closes the key
// sources made by [Issuer.VerifierConfig] and [Issuer.NewRemote], and shuts
// the server down. Calling it more than once is harmless.
func (i *Issuer) Close() {
	i.closeOnce.Do(func() { close(i.done) })
	i.mu.Lock()
	closers := i.closers
	i.closers = nil
	i.mu.Unlock()
	for _, c := range closers {
		c()
	}
	i.server.Close()
}

// JWKSURL returns the URL of the issuer's JWKS document.
func (i *Issuer) JWKSURL() string { return i.base + "/jwks.json" }

// Algorithm returns the issuer's signing algorithm.
func (i *Issuer) Algorithm() string { return i.alg }

// Audience returns the default audience of minted tokens.
func (i *Issuer) Audience() string { return i.audience }

// KeyID returns the key ID of the current signing key.
func (i *Issuer) KeyID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.current.kid
}

// JWKSRequests returns how many requests the JWKS endpoint has received,
// including those answered with a fault.
func (i *Issuer) JWKSRequests() int { return int(i.jwksHits.Load()) }

// DiscoveryRequests returns how many requests the discovery metadata has
// received, at either location, including those answered with a fault.
func (i *Issuer) DiscoveryRequests() int { return int(i.discoveryHits.Load()) }

// Rotate generates a new signing key, publishes it beside the old ones and
// signs new tokens with it at once. It returns the new key ID. Most real
// issuers publish a key well before they use it, which [Issuer.Publish]
// and [Issuer.Use] model.
func (i *Issuer) Rotate() string {
	kid := i.Publish()
	if err := i.Use(kid); err != nil {
		panic(err) // unreachable: the key was just published
	}
	return kid
}

// Publish generates a new key and publishes it beside the others without
// signing with it yet, as issuers announce their next key ahead of a
// rotation; [Issuer.Use] starts signing with it. It returns the key ID.
func (i *Issuer) Publish() string {
	k, err := i.newKey()
	if err != nil {
		panic(err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.published = append(i.published, k)
	return k.kid
}

// Use signs new tokens with the published key kid. It fails if no
// published key has that ID (a retired key cannot be used again).
func (i *Issuer) Use(kid string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, k := range i.published {
		if k.kid == kid {
			i.current = k
			return nil
		}
	}
	return fmt.Errorf("verifiertest: no published key has ID %q", kid)
}

// Retire stops publishing the key with the given ID. Tokens it signed fail
// once verifiers refresh their key sets. Retiring the current key is
// allowed; tokens minted afterwards then verify nowhere.
func (i *Issuer) Retire(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for n, k := range i.published {
		if k.kid == kid {
			i.published = append(i.published[:n:n], i.published[n+1:]...)
			return
		}
	}
}

// PublicKey returns the public half of the current signing key.
func (i *Issuer) PublicKey() crypto.PublicKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.current.priv.Public()
}

// VerifierConfig returns a verifier configuration that trusts this issuer,
// accepts its default audience, tolerates DefaultLeeway and finds keys by
// discovery through a [jwks.Remote] with default settings, which Close
// closes. Adjust it before passing it to verifier.New; to tune the key
// source (timeouts, clock, hooks), set Keys to one from [Issuer.NewRemote].
func (i *Issuer) VerifierConfig() verifier.Config {
	return verifier.Config{
		Issuers:   []string{i.URL},
		Audiences: []string{i.audience},
		Keys:      i.NewRemote(jwks.RemoteConfig{}),
		Leeway:    verifier.DefaultLeeway,
		Now:       i.now,
	}
}

// NewRemote returns a key source for this issuer's keys, configured by cfg
// with the blanks filled in: when cfg has neither URL nor Issuer, Issuer is
// the issuer's URL (so keys are found by discovery), and a nil HTTPClient
// is the issuer's own client. Close closes it after releasing any request
// held by a fault, so that closing never waits for FetchTimeout. It panics
// if jwks.NewRemote refuses cfg.
func (i *Issuer) NewRemote(cfg jwks.RemoteConfig) *jwks.Remote {
	if cfg.URL == "" && cfg.Issuer == "" {
		cfg.Issuer = i.URL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = i.server.Client()
	}
	src, err := jwks.NewRemote(cfg)
	if err != nil {
		panic(err)
	}
	i.mu.Lock()
	i.closers = append(i.closers, func() { _ = src.Close() })
	i.mu.Unlock()
	return src
}

// Token describes a token to mint. The zero Token is a valid token for the
// issuer's default audience, subject DefaultSubject, valid for
// DefaultExpiresIn, with no scope.
type Token struct {
	// Subject is the "sub" claim; empty means DefaultSubject.
	Subject string
	// Audience is the "aud" claim; nil means the issuer's audience.
	Audience []string
	// Scope is the "scope" claim, space-delimited, such as "read write";
	// empty means no scope claim.
	Scope string
	// ExpiresIn sets "exp" relative to now: zero means DefaultExpiresIn, a
	// negative value mints an already expired token.
	ExpiresIn time.Duration
	// Claims adds or replaces claims. A nil value removes the claim, such
	// as {"exp": nil} for a token without expiry.
	Claims map[string]any
	// Header adds or replaces header parameters, such as {"typ": "at+jwt"}
	// or {"kid": "unknown"}.
	Header map[string]any
}

// Mint returns a token signed with the current key.
func (i *Issuer) Mint(tok Token) (string, error) {
	i.mu.Lock()
	key := i.current
	i.mu.Unlock()

	now := i.now()
	exp := tok.ExpiresIn
	if exp == 0 {
		exp = DefaultExpiresIn
	}
	sub := tok.Subject
	if sub == "" {
		sub = DefaultSubject
	}
	aud := tok.Audience
	if aud == nil {
		aud = []string{i.audience}
	}
	claims := map[string]any{
		"iss":       i.URL,
		"sub":       sub,
		"aud":       aud,
		"iat":       now.Unix(),
		"exp":       now.Add(exp).Unix(),
		"jti":       randomID(),
		"client_id": sub,
	}
	if tok.Scope != "" {
		claims["scope"] = tok.Scope
	}
	for k, v := range tok.Claims {
		if v == nil {
			delete(claims, k)
		} else {
			claims[k] = v
		}
	}
	header := map[string]any{"kid": key.kid, "typ": "at+jwt"}
	for k, v := range tok.Header {
		if v == nil {
			delete(header, k)
		} else {
			header[k] = v
		}
	}
	return Sign(i.alg, key.priv, header, claims)
}

// MustMint is [Issuer.Mint] for tests: it fails t on error.
func (i *Issuer) MustMint(t testing.TB, tok Token) string {
	t.Helper()
	s, err := i.Mint(tok)
	if err != nil {
		t.Fatalf("verifiertest: minting a token: %v", err)
	}
	return s
}

// JWKS returns the JWKS document the issuer currently publishes.
func (i *Issuer) JWKS() ([]byte, error) {
	i.mu.Lock()
	keys := append([]*signingKey(nil), i.published...)
	i.mu.Unlock()
	set := jwk.NewSet()
	for _, k := range keys {
		pub, err := jwk.Import(k.priv.Public())
		if err != nil {
			return nil, fmt.Errorf("verifiertest: %w", err)
		}
		for name, v := range map[string]string{jwk.KeyIDKey: k.kid, jwk.KeyUsageKey: "sig", jwk.AlgorithmKey: i.alg} {
			if err := pub.Set(name, v); err != nil {
				return nil, fmt.Errorf("verifiertest: %w", err)
			}
		}
		if err := set.AddKey(pub); err != nil {
			return nil, fmt.Errorf("verifiertest: %w", err)
		}
	}
	return json.Marshal(set)
}
