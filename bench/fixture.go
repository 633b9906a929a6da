// Package bench compares the cost of verifying a Bearer JWT access token
// through jwtgate's HTTP middleware with the bare signature check and with
// other Go libraries, all given the same token, request and handler.
//
// It is its own module, so that the libraries it compares with never enter
// jwtgate's go.mod. The fixture here (keys, JWKS documents on a loopback
// server, tokens, the request and a response writer that allocates nothing)
// is shared by the benchmarks and by the load-test server in cmd/loadserver.
// See run.sh, compare.sh and load.sh in this directory, and BENCHMARKS.md
// beside it.
package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// The claims every fixture token carries.
const (
	Issuer   = "https://issuer.example.test/"
	Audience = "https://api.example.test"
	Subject  = "user-7f3c9a"
	ClientID = "client-bench"
	Scope    = "read write"
	// Path is the path of the benchmarked request.
	Path = "/items"
)

// Algorithms are the signature algorithms benchmarked, in table order.
var Algorithms = []string{"RS256", "PS256", "ES256", "EdDSA", "HS256"}

// Fixture holds one algorithm's key pair, its JWKS and its tokens.
type Fixture struct {
	Alg   string
	KeyID string
	// Private signs tokens: an *rsa.PrivateKey, *ecdsa.PrivateKey,
	// ed25519.PrivateKey, or the HMAC secret as []byte.
	Private any
	// Public verifies them: the crypto.PublicKey, or the HMAC secret.
	Public any
	// JWKS is a JSON Web Key Set holding the public key (for HS256, the
	// secret as an "oct" key), with "kid", "alg" and "use" set.
	JWKS []byte
	// JWKSURL serves JWKS from a loopback server. Empty for HS256: secrets
	// are configured statically, never fetched.
	JWKSURL string

	// Token is a valid access token: header alg, kid, typ "at+jwt";
	// claims iss, sub, aud, exp (ten years ahead), iat, jti, client_id and
	// scope "read write".
	Token string
	// Invalid tokens, each of which every contender must reject.
	BadSignature  string // Token with one signature bit flipped
	Expired       string // exp an hour ago
	WrongAudience string // aud of another API
	WrongIssuer   string // iss of another issuer
}

// Claims is the claims set of fixture tokens, in the order issuers usually
// write them.
type Claims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	ExpiresAt int64  `json:"exp"`
	IssuedAt  int64  `json:"iat"`
	ID        string `json:"jti"`
	ClientID  string `json:"client_id"`
	Scope     string `json:"scope"`
}

// DefaultClaims returns the claims of a valid fixture token issued now.
func DefaultClaims() Claims {
	now := time.Now()
	var jti [16]byte
	_, _ = rand.Read(jti[:])
	return Claims{
		Issuer:    Issuer,
		Subject:   Subject,
		Audience:  Audience,
		ExpiresAt: now.AddDate(10, 0, 0).Unix(),
		IssuedAt:  now.Add(-time.Minute).Unix(),
		ID:        hex.EncodeToString(jti[:]),
		ClientID:  ClientID,
		Scope:     Scope,
	}
}

// Sign returns a token with claims, signed by f's key with f's header.
func (f *Fixture) Sign(claims Claims) (string, error) {
	return verifiertest.Sign(f.Alg, f.Private, map[string]any{"kid": f.KeyID, "typ": "at+jwt"}, claims)
}

var (
	loadOnce sync.Once
	fixtures map[string]*Fixture
	loadErr  error
	server   *httptest.Server
)

// Load returns the fixtures of every algorithm in [Algorithms], keyed by
// algorithm. The first call generates the keys, starts the loopback JWKS
// server (which lives as long as the process) and signs the tokens.
func Load() (map[string]*Fixture, error) {
	loadOnce.Do(func() { fixtures, loadErr = load() })
	return fixtures, loadErr
}

// MustLoad is [Load] for benchmarks and commands: it panics on error.
func MustLoad() map[string]*Fixture {
	fs, err := Load()
	if err != nil {
		panic(err)
	}
	return fs
}

func load() (map[string]*Fixture, error) {
	out := make(map[string]*Fixture, len(Algorithms))
	mux := http.NewServeMux()
	server = httptest.NewServer(mux)
	for _, alg := range Algorithms {
		f, err := newFixture(alg)
		if err != nil {
			return nil, fmt.Errorf("bench: %s fixture: %w", alg, err)
		}
		if alg != "HS256" {
			doc := f.JWKS
			mux.HandleFunc("GET /jwks/"+alg, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Cache-Control", "max-age=86400")
				_, _ = w.Write(doc)
			})
			f.JWKSURL = server.URL + "/jwks/" + alg
		}
		out[alg] = f
	}
	return out, nil
}

func newFixture(alg string) (*Fixture, error) {
	priv, err := verifiertest.GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	f := &Fixture{Alg: alg, KeyID: "key-" + strings.ToLower(alg) + "-2026", Private: priv}
	if s, ok := priv.(crypto.Signer); ok {
		f.Public = s.Public()
	} else {
		f.Public = priv // the HMAC secret
	}
	if f.JWKS, err = jwksDocument(f); err != nil {
		return nil, err
	}

	claims := DefaultClaims()
	if f.Token, err = f.Sign(claims); err != nil {
		return nil, err
	}
	if f.BadSignature, err = flipSignatureBit(f.Token); err != nil {
		return nil, err
	}
	expired := claims
	expired.IssuedAt = time.Now().Add(-2 * time.Hour).Unix()
	expired.ExpiresAt = time.Now().Add(-time.Hour).Unix()
	if f.Expired, err = f.Sign(expired); err != nil {
		return nil, err
	}
	wrongAud := claims
	wrongAud.Audience = "https://other-api.example.test"
	if f.WrongAudience, err = f.Sign(wrongAud); err != nil {
		return nil, err
	}
	wrongIss := claims
	wrongIss.Issuer = "https://other-issuer.example.test/"
	if f.WrongIssuer, err = f.Sign(wrongIss); err != nil {
		return nil, err
	}
	return f, nil
}

// jwksDocument returns the key set publishing f's verification key.
func jwksDocument(f *Fixture) ([]byte, error) {
	k, err := jwk.Import(f.Public)
	if err != nil {
		return nil, err
	}
	alg, ok := jwa.LookupSignatureAlgorithm(f.Alg)
	if !ok {
		return nil, fmt.Errorf("unknown algorithm %s", f.Alg)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: f.KeyID, jwk.AlgorithmKey: alg, jwk.KeyUsageKey: "sig"} {
		if err := k.Set(name, v); err != nil {
			return nil, err
		}
	}
	set := jwk.NewSet()
	if err := set.AddKey(k); err != nil {
		return nil, err
	}
	return json.Marshal(set)
}

// flipSignatureBit returns token with one bit of its decoded signature
// flipped, re-encoded canonically (flipping a base64 character could touch
// only padding bits that lax decoders ignore).
func flipSignatureBit(token string) (string, error) {
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		return "", err
	}
	sig[len(sig)/2] ^= 0x01
	return token[:i+1] + base64.RawURLEncoding.EncodeToString(sig), nil
}

// Request returns GET /items carrying token as a Bearer credential. The
// benchmarks build it once and serve it on every iteration.
func Request(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, Path, nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

// Writer is an http.ResponseWriter that allocates nothing: it records the
// status and keeps one header map, which Reset clears.
type Writer struct {
	header http.Header
	Status int
}

// NewWriter returns a Writer with an empty header map.
func NewWriter() *Writer { return &Writer{header: make(http.Header, 4)} }

// Header returns the writer's one header map.
func (w *Writer) Header() http.Header { return w.header }

// Write discards b, recording status 200 if none was written.
func (w *Writer) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return len(b), nil
}

// WriteHeader records status.
func (w *Writer) WriteHeader(status int) { w.Status = status }

// Reset forgets the status and clears the header map if anything was put
// in it (no contender writes headers on success, so this costs nothing in
// the benchmarks).
func (w *Writer) Reset() {
	w.Status = 0
	if len(w.header) > 0 {
		clear(w.header)
	}
}

// Handler is the handler behind every net/http middleware: it reads the
// subject with the library's own accessor and answers 200 when it is the
// fixture's subject, 500 otherwise, so a middleware that lets a request
// through without claims is noticed.
func Handler(subject func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subject(r) != Subject {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// NoAuthHandler is the baseline handler: 200 without any authentication.
var NoAuthHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	w.WriteHeader(http.StatusOK)
})

// Ours returns jwtgate's verifier for f: keys from f's JWKS endpoint
// through a [jwks.Remote], fetched before it returns (for HS256, the secret
// through a [jwks.Static]); the default token cache unless disableCache.
func Ours(f *Fixture, disableCache bool) (*verifier.Verifier, error) {
	var keys jwks.Source
	if f.JWKSURL == "" {
		k, err := jwks.NewSecret(f.KeyID, f.Public.([]byte))
		if err != nil {
			return nil, err
		}
		if keys, err = jwks.NewStatic(k); err != nil {
			return nil, err
		}
	} else {
		remote, err := jwks.NewRemote(jwks.RemoteConfig{URL: f.JWKSURL})
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := remote.Refresh(ctx); err != nil {
			return nil, err
		}
		keys = remote
	}
	return verifier.New(verifier.Config{
		Issuers:      []string{Issuer},
		Audiences:    []string{Audience},
		Keys:         keys,
		Algorithms:   []string{f.Alg},
		Leeway:       verifier.DefaultLeeway,
		DisableCache: disableCache,
	})
}

// Floor returns the bare signature check for f's algorithm with crypto/*
// only: decode the signature, hash the signing input, verify. No parsing
// of header or claims, no HTTP; the cost every verifier must pay. It is not
// safe for concurrent use (HS256 reuses one HMAC state).
func Floor(f *Fixture) (func(token string) bool, error) {
	switch pub := f.Public.(type) {
	case *rsa.PublicKey:
		return floorRSA(pub, f.Alg == "PS256"), nil
	case *ecdsa.PublicKey:
		return floorECDSA(pub), nil
	case ed25519.PublicKey:
		return floorEd25519(pub), nil
	case []byte:
		return floorHMAC(pub), nil
	}
	return nil, errors.New("bench: no floor for " + f.Alg)
}
