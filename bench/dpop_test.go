package bench

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jwtbearer "github.com/jwtgate/jwtgate/bearer" // the package; bearer is a helper in contenders_test.go
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// The DPoP path: a request with "Authorization: DPoP <token>" and a DPoP
// proof (RFC 9449), through the net/http adapter with
// bearer.Options.DPoP set to a checker in its default configuration (its
// replay store a dpop.MemoryStore). Its goal: a request whose token the
// verifier has seen before (so the token costs a cache lookup) and whose
// proof is fresh costs one proof signature check plus at most 2 µs. The
// round trip to a shared replay store (Redis) comes on top and is measured
// on its own, by BenchmarkRemember in the redisreplay module.
//
// The floor is the bare signature check of the very proof the request
// carries, with crypto/* alone (floorECDSA, floorEd25519: copy the proof,
// split it, decode the signature, hash the signing input, verify), as in
// every other benchmark here. Not jwks.Key.Verify, which the checker uses:
// that is our code, and whatever it costs above crypto/* belongs on our
// side of the difference, not in the floor.
//
// The proofs come from a pool of dpopPoolSize distinct proofs per proof
// algorithm (each its own random jti), minted before the timer starts and
// only as far as a run needs. A run of more iterations than the pool holds
// goes round it again, with a checker (and so a replay store) and a
// middleware built anew, timer stopped, before each round: a proof is
// never checked twice by one checker. Each checker is first handed the
// warm-up proof, so that, as for a client that has sent a proof before, it
// knows the proof key and the access token's hash.

// dpopPoolSize is the number of distinct proofs per proof algorithm.
const dpopPoolSize = 4096

// dpopURL is the URL of the benchmarked request, which the proofs sign.
const dpopURL = "https://api.example.test" + Path

// dpopAlgorithms are the proof algorithms benchmarked.
var dpopAlgorithms = []string{"ES256", "EdDSA"}

// dpopNow is the clock of the issuer, the verifier and the checkers:
// fixed, so that neither the token nor the proofs expire however long the
// benchmark runs, and the replay store never forgets a proof.
func dpopNow() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) }

// countingSource counts the key lookups of a verifier: a lookup means a
// token verified in full, not served from the verifier's cache.
type countingSource struct {
	src jwks.Source
	n   atomic.Int64
}

func (c *countingSource) Keys(ctx context.Context, q jwks.Query) ([]*jwks.Key, error) {
	c.n.Add(1)
	return c.src.Keys(ctx, q)
}

// dpopFixture is what the DPoP benchmarks of one proof algorithm share: an
// issuer and a verifier (in its default configuration, the token cache
// on) that has verified the access token twice, so that it serves it from
// its cache; the client's proof key and the token bound to it; the floor;
// the request; and the pool of proofs.
type dpopFixture struct {
	alg   string
	v     *verifier.Verifier
	keys  *countingSource
	iss   *verifiertest.Issuer
	key   crypto.Signer // the client's proof key
	token string        // bound to key
	floor func(proof string) bool
	// warm is the proof each new handler is served first; it is not in
	// proofs.
	warm   string
	proofs []string
	req    *http.Request
	proof  []string // req.Header["Dpop"]: proof[0] is the request's proof
}

// newDPoPFixture builds the fixture of proof algorithm alg and checks
// that its token is served from the verifier's cache. The issuer signs
// the access token with ES256 whatever alg is; tb closes it.
func newDPoPFixture(tb testing.TB, alg string) (*dpopFixture, error) {
	tb.Helper()
	priv, err := verifiertest.GenerateKey(alg)
	if err != nil {
		return nil, err
	}
	key, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("bench: a %s key is not a crypto.Signer", alg)
	}
	fx := &dpopFixture{alg: alg, key: key}
	switch pub := key.Public().(type) {
	case *ecdsa.PublicKey:
		fx.floor = floorECDSA(pub)
	case ed25519.PublicKey:
		fx.floor = floorEd25519(pub)
	default:
		return nil, fmt.Errorf("bench: no floor for %s proofs", alg)
	}
	jkt, err := dpop.Thumbprint(key.Public())
	if err != nil {
		return nil, err
	}

	fx.iss = verifiertest.NewIssuer(verifiertest.IssuerConfig{Algorithm: "ES256", Now: dpopNow})
	tb.Cleanup(fx.iss.Close)
	fx.token, err = fx.iss.Mint(verifiertest.Token{
		Subject: Subject,
		Scope:   Scope,
		Claims:  map[string]any{"cnf": verifiertest.DPoPBound(jkt)},
	})
	if err != nil {
		return nil, err
	}
	cfg := fx.iss.VerifierConfig()
	fx.keys = &countingSource{src: cfg.Keys}
	cfg.Keys = fx.keys
	if fx.v, err = verifier.New(cfg); err != nil {
		return nil, err
	}
	if fx.warm, err = fx.mint(); err != nil {
		return nil, err
	}
	fx.req = httptest.NewRequest(http.MethodGet, dpopURL, nil) // r.TLS set: the URL is https
	fx.req.Header.Set("Authorization", "DPoP "+fx.token)
	fx.req.Header.Set("DPoP", fx.warm)
	fx.proof = fx.req.Header["Dpop"]

	// The verifier caches a token on its second verification, and serves
	// it from the cache on the third: three handlers, each warmed with the
	// same proof.
	for range 3 {
		if _, err := fx.handler(); err != nil {
			return nil, err
		}
	}
	if n := fx.keys.n.Load(); n != 2 {
		return nil, fmt.Errorf("bench: %s: the token was verified in full %d times in three requests, want 2 (then served from the cache)", alg, n)
	}
	return fx, nil
}

// mint returns a new proof for the request, with a random jti.
func (fx *dpopFixture) mint() (string, error) {
	return fx.iss.MintProof(verifiertest.Proof{URL: dpopURL, AccessToken: fx.token, Key: fx.key})
}

// grow mints proofs until the pool holds min(n, dpopPoolSize), and returns
// that many.
func (fx *dpopFixture) grow(n int) ([]string, error) {
	n = min(max(n, 1), dpopPoolSize)
	for len(fx.proofs) < n {
		p, err := fx.mint()
		if err != nil {
			return nil, err
		}
		fx.proofs = append(fx.proofs, p)
	}
	return fx.proofs[:n:n], nil
}

// handler builds a new checker (with a new, empty replay store) and a new
// middleware on the fixture's verifier, serves them the warm-up proof, and
// returns the handler. It leaves the warm-up proof in the request.
func (fx *dpopFixture) handler() (http.Handler, error) {
	checker, err := dpop.New(dpop.Config{Now: dpopNow})
	if err != nil {
		return nil, err
	}
	mw, err := nethttp.New(fx.v, nethttp.Options{Options: jwtbearer.Options{DPoP: checker}})
	if err != nil {
		return nil, err
	}
	h := mw.Authenticate(Handler(func(r *http.Request) string {
		c, ok := nethttp.ClaimsFrom(r)
		if !ok {
			return ""
		}
		return c.Subject()
	}))
	w := NewWriter()
	fx.proof[0] = fx.warm
	h.ServeHTTP(w, fx.req)
	if w.Status != http.StatusOK {
		return nil, fmt.Errorf("bench: %s: warm-up DPoP request answered %d (%s), want 200", fx.alg, w.Status, w.Header().Get("WWW-Authenticate"))
	}
	return h, nil
}

// BenchmarkDPoP measures the DPoP goal: a request with a DPoP-bound token
// the verifier has seen before and a fresh proof, through the net/http
// adapter, against the floor of its proof's signature check, per proof
// algorithm (BenchmarkDPoP/ES256, BenchmarkDPoP/EdDSA). As in
// BenchmarkAboveFloor, every iteration times the floor and the request
// back to back on the same proof, in alternating order, and the benchmark
// reports the median of the paired differences as ns-above-floor (the
// goal: at most 2000), their mean as mean-ns-above-floor, and the medians
// of each side as floor-ns and ours-ns. allocs/op is the request's
// allocations plus the floor's, which floor-allocs reports. Its ns/op is
// the pair plus the clock reads, not a result. See dpopPoolSize for the
// proofs.
func BenchmarkDPoP(b *testing.B) {
	for _, alg := range dpopAlgorithms {
		fx, err := newDPoPFixture(b, alg)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(alg, func(b *testing.B) {
			proofs, err := fx.grow(b.N)
			if err != nil {
				b.Fatal(err)
			}
			h, err := fx.handler()
			if err != nil {
				b.Fatal(err)
			}
			floorAllocs := testing.AllocsPerRun(10, func() { fx.floor(fx.warm) })
			lookups := fx.keys.n.Load()
			w := NewWriter()
			p := newPairs(b.N)
			b.ReportAllocs()
			runtime.GC() // minting and the previous run leave garbage
			b.ResetTimer()
			ok := true
			for i := range b.N {
				j := i % len(proofs)
				if j == 0 && i > 0 { // round the pool again: a new replay store
					b.StopTimer()
					if h, err = fx.handler(); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				proof := proofs[j]
				fx.proof[0] = proof
				tf, to, floorOK := timePair(fx.floor, h, w, fx.req, proof, i%2 == 0)
				if w.Status != http.StatusOK {
					b.Fatalf("%s: proof %d answered %d (%s), want 200", alg, j, w.Status, w.Header().Get("WWW-Authenticate"))
				}
				ok = floorOK && ok
				p.add(tf, to)
			}
			b.StopTimer()
			if !ok {
				b.Fatalf("floor %s rejected a proof", alg)
			}
			if n := fx.keys.n.Load() - lookups; n != 0 {
				b.Fatalf("%s: the token was verified in full %d times in %d requests, want 0 (served from the cache)", alg, n, b.N)
			}
			p.report(b)
			b.ReportMetric(floorAllocs, "floor-allocs")
		})
	}
}

// TestDPoPFixture checks what BenchmarkDPoP takes for granted: the pool's
// proofs are distinct and each is accepted once by a handler, and refused
// as a replay the second time; a new handler accepts them again; the token
// is served from the verifier's cache throughout; and the floor accepts
// each proof and rejects one whose signature is altered.
func TestDPoPFixture(t *testing.T) {
	for _, alg := range dpopAlgorithms {
		t.Run(alg, func(t *testing.T) {
			fx, err := newDPoPFixture(t, alg)
			if err != nil {
				t.Fatal(err)
			}
			proofs, err := fx.grow(3)
			if err != nil {
				t.Fatal(err)
			}
			if len(proofs) != 3 {
				t.Fatalf("grow(3) returned %d proofs, want 3", len(proofs))
			}
			seen := map[string]bool{fx.warm: true}
			for i, p := range proofs {
				if seen[p] {
					t.Errorf("proof %d repeats an earlier proof or the warm-up proof", i)
				}
				seen[p] = true
			}
			lookups := fx.keys.n.Load()
			serve := func(h http.Handler, proof string) *Writer {
				w := NewWriter()
				fx.proof[0] = proof
				h.ServeHTTP(w, fx.req)
				return w
			}
			for round := range 2 { // the second round with a new handler
				h, err := fx.handler()
				if err != nil {
					t.Fatal(err)
				}
				for i, p := range proofs {
					if w := serve(h, p); w.Status != http.StatusOK {
						t.Errorf("round %d: proof %d answered %d (%s), want 200", round, i, w.Status, w.Header().Get("WWW-Authenticate"))
					}
					w := serve(h, p)
					if got := w.Header().Get("WWW-Authenticate"); w.Status != http.StatusUnauthorized || !strings.Contains(got, `error_description="proof replayed"`) {
						t.Errorf("round %d: proof %d again answered %d (%s), want 401 proof replayed", round, i, w.Status, got)
					}
				}
			}
			if n := fx.keys.n.Load() - lookups; n != 0 {
				t.Errorf("the token was verified in full %d times after the fixture was built, want 0 (served from the cache)", n)
			}

			for i, p := range proofs {
				if !fx.floor(p) {
					t.Errorf("floor(proof %d) = false, want true", i)
				}
			}
			bad, err := flipSignatureBit(proofs[0])
			if err != nil {
				t.Fatal(err)
			}
			if fx.floor(bad) {
				t.Error("floor(proof with a flipped signature bit) = true, want false")
			}
		})
	}
}
