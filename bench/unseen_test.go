package bench

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"testing"

	"github.com/jwtgate/jwtgate/verifier"
)

// The "unseen" path: our verifier in its default configuration (the token
// cache on, verifier.DefaultCacheSize entries), given a token it has never
// seen before on every request. A server whose clients present many
// distinct tokens lives on this path: every request pays for the full
// check and for putting the token in the cache, and, once the cache is
// full, for evicting another.
//
// The tokens come from a pool of unseenPoolSize distinct valid tokens per
// algorithm (each its own jti), served in order. Every run of a benchmark
// (every b.N) gets a handler and verifier built anew, so within a run of
// b.N <= unseenPoolSize iterations no token was seen before; when b.N is
// larger the pool repeats, each token coming back after unseenPoolSize
// others, twice as many as the cache holds. The cache starts empty in every
// run and starts evicting after DefaultCacheSize requests: a run much
// shorter than that measures inserts without evictions.
//
// Signing RSA tokens costs about a millisecond each, so the pool is minted
// lazily, only as far as a run needs (min(b.N, unseenPoolSize)), before the
// timer starts, and is shared by every benchmark and run of the process:
// with -benchtime=1x a benchmark mints one token.

// unseenPoolSize is the number of distinct tokens per algorithm.
const unseenPoolSize = 2 * verifier.DefaultCacheSize

// bearerPrefix is what Request puts before the token in the Authorization
// header.
const bearerPrefix = "Bearer "

// tokenPool holds the Authorization header values of one algorithm's
// distinct tokens, "Bearer " and the token.
type tokenPool struct {
	mu      sync.Mutex
	headers []string
}

var (
	unseenPoolsMu sync.Mutex
	unseenPools   = map[string]*tokenPool{}
)

// unseenHeaders returns the Authorization header values of the first
// min(n, unseenPoolSize) tokens of f's pool, minting those not minted yet.
func unseenHeaders(f *Fixture, n int) ([]string, error) {
	n = min(max(n, 1), unseenPoolSize)
	unseenPoolsMu.Lock()
	p := unseenPools[f.Alg]
	if p == nil {
		p = &tokenPool{}
		unseenPools[f.Alg] = p
	}
	unseenPoolsMu.Unlock()

	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.grow(f, n); err != nil {
		return nil, err
	}
	return p.headers[:n:n], nil
}

// unseenPoolLen returns how many tokens alg's pool holds.
func unseenPoolLen(alg string) int {
	unseenPoolsMu.Lock()
	p := unseenPools[alg]
	unseenPoolsMu.Unlock()
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.headers)
}

// grow mints tokens until p holds n, on every core; p.mu is held.
func (p *tokenPool) grow(f *Fixture, n int) error {
	if len(p.headers) >= n {
		return nil
	}
	add := make([]string, n-len(p.headers))
	workers := min(runtime.GOMAXPROCS(0), len(add))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(add); i += workers {
				token, err := f.Sign(DefaultClaims()) // a random jti each
				if err != nil {
					errs[w] = fmt.Errorf("bench: minting %s token: %w", f.Alg, err)
					return
				}
				add[i] = bearerPrefix + token
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	p.headers = append(p.headers, add...)
	return nil
}

// unseenRun is what one run of an unseen-path benchmark serves: a handler
// built anew by c, one request whose Authorization header next sets to the
// pool's tokens in turn, and a writer.
type unseenRun struct {
	h       http.Handler
	req     *http.Request
	w       *Writer
	auth    []string // req.Header["Authorization"]
	headers []string
	next    int
}

// newUnseenRun builds c's handler afresh for f, checks that it accepts the
// fixture token (which is not in the pool, so the pool's tokens stay
// unseen), and readies the first min(n, unseenPoolSize) tokens of the pool.
func newUnseenRun(c contender, f *Fixture, n int) (*unseenRun, error) {
	headers, err := unseenHeaders(f, n)
	if err != nil {
		return nil, err
	}
	h, err := c.build(f)
	if err != nil {
		return nil, fmt.Errorf("%s/%s: build: %w", f.Alg, c.name, err)
	}
	w := NewWriter()
	h.ServeHTTP(w, Request(f.Token))
	if w.Status != http.StatusOK {
		return nil, fmt.Errorf("%s/%s: warm-up request answered %d, want 200", f.Alg, c.name, w.Status)
	}
	req := Request(f.Token)
	auth := req.Header["Authorization"]
	if len(auth) != 1 {
		return nil, fmt.Errorf("request carries %d Authorization headers, want 1", len(auth))
	}
	return &unseenRun{h: h, req: req, w: NewWriter(), auth: auth, headers: headers}, nil
}

// token puts the pool's next token in the request and returns it.
func (u *unseenRun) token() string {
	hv := u.headers[u.next]
	if u.next++; u.next == len(u.headers) {
		u.next = 0
	}
	u.auth[0] = hv
	return hv[len(bearerPrefix):]
}

// serve serves the request as it stands and reports whether it was
// answered 200.
func (u *unseenRun) serve() bool {
	u.w.Reset()
	u.h.ServeHTTP(u.w, u.req)
	return u.w.Status == http.StatusOK
}

// benchServeUnseen serves a token never seen before on every iteration
// through a handler c builds anew for this run (BenchmarkMiddleware's
// "ours-default" row).
func benchServeUnseen(b *testing.B, c contender, f *Fixture) {
	u, err := newUnseenRun(c, f, b.N)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	runtime.GC() // minting and the previous run's verifier leave garbage
	b.ResetTimer()
	rejected := 0
	for range b.N {
		u.token()
		if !u.serve() {
			rejected++
		}
	}
	b.StopTimer()
	if rejected > 0 {
		b.Fatalf("%s %s: %d of %d requests not answered 200 (last %d)", f.Alg, c.name, rejected, b.N, u.w.Status)
	}
}

// BenchmarkAboveFloorDefault is BenchmarkAboveFloor on the unseen path:
// our net/http adapter with the default token cache, a token never seen
// before on every iteration (see unseenPoolSize), timed back to back with
// the floor on the same token, in alternating order. It reports the same
// metrics: ns-above-floor (the median of the paired differences),
// mean-ns-above-floor, floor-ns and ours-ns. Its ns/op is the pair plus
// the clock reads, not a result.
func BenchmarkAboveFloorDefault(b *testing.B) {
	fs := MustLoad()
	c := contenderNamed("ours-default")
	for _, alg := range Algorithms {
		f := fs[alg]
		b.Run(alg, func(b *testing.B) {
			floor, err := Floor(f)
			if err != nil {
				b.Fatal(err)
			}
			u, err := newUnseenRun(c, f, b.N)
			if err != nil {
				b.Fatal(err)
			}
			p := newPairs(b.N)
			runtime.GC()
			b.ResetTimer()
			ok := true
			for i := range b.N {
				token := u.token()
				tf, to, floorOK := timePair(floor, u.h, u.w, u.req, token, i%2 == 0)
				if u.w.Status != http.StatusOK {
					b.Fatalf("%s: answer %d, want 200", alg, u.w.Status)
				}
				ok = floorOK && ok
				p.add(tf, to)
			}
			b.StopTimer()
			if !ok {
				b.Fatalf("floor %s rejected a pool token", alg)
			}
			p.report(b)
		})
	}
}

// TestUnseenTokens checks the pool of the unseen path: it grows only as far
// as asked and keeps what it minted, its tokens are distinct, and a
// default-configuration handler built for a run accepts each of them.
func TestUnseenTokens(t *testing.T) {
	fs := mustLoad(t)
	c := contenderNamed("ours-default")
	for _, alg := range Algorithms {
		f := fs[alg]
		t.Run(alg, func(t *testing.T) {
			before := unseenPoolLen(alg)
			first, err := unseenHeaders(f, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(first) != 2 {
				t.Fatalf("unseenHeaders(%s, 2) returned %d tokens, want 2", alg, len(first))
			}
			if got, want := unseenPoolLen(alg), max(before, 2); got != want {
				t.Errorf("after unseenHeaders(%s, 2) the pool holds %d tokens, want %d", alg, got, want)
			}
			u, err := newUnseenRun(c, f, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(u.headers) != 3 {
				t.Fatalf("newUnseenRun(%s, 3) readied %d tokens, want 3", alg, len(u.headers))
			}
			if got, want := unseenPoolLen(alg), max(before, 3); got != want {
				t.Errorf("after newUnseenRun(%s, 3) the pool holds %d tokens, want %d", alg, got, want)
			}
			for i := range first {
				if u.headers[i] != first[i] {
					t.Errorf("token %d of the pool changed when it grew from 2 to 3 tokens", i)
				}
			}
			seen := map[string]bool{f.Token: true}
			for i := range 2 * len(u.headers) { // twice round the pool
				token := u.token()
				if want := u.headers[i%len(u.headers)][len(bearerPrefix):]; token != want {
					t.Fatalf("token() call %d returned pool token other than number %d", i, i%len(u.headers))
				}
				if i < len(u.headers) && seen[token] {
					t.Errorf("pool token %d repeats an earlier token or the fixture token", i)
				}
				seen[token] = true
				if got := u.req.Header.Get("Authorization"); got != bearerPrefix+token {
					t.Errorf("after token() call %d the request carries another token", i)
				}
				if !u.serve() {
					t.Errorf("%s: pool token %d answered %d, want 200", alg, i%len(u.headers), u.w.Status)
				}
			}
		})
	}
}
