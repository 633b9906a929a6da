package dpop_test

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/jwks"
)

// The benchmarks measure the common case: a client that has sent proofs
// before (its key is known) sends a fresh proof with an access token of a
// typical size. BenchmarkCheck is the whole check, BenchmarkSignature the
// signature check alone (the floor), and BenchmarkCheckOverhead the
// difference of the two on the same proofs, timed back to back: what Check
// adds to the signature.

// benchToken has the size of a typical JWT access token.
var benchToken = strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 35)

const benchPool = 2048

// resettableStore is a MemoryStore that the benchmarks empty when their
// pool of proofs is used up, so that the proofs can be checked again.
type resettableStore struct {
	mu sync.Mutex
	s  *dpop.MemoryStore
}

func (r *resettableStore) Remember(ctx context.Context, id string, until time.Time) (bool, error) {
	r.mu.Lock()
	s := r.s
	r.mu.Unlock()
	return s.Remember(ctx, id, until)
}

func (r *resettableStore) reset() {
	s := dpop.NewMemoryStore(0)
	s.Now = tClock
	r.mu.Lock()
	r.s = s
	r.mu.Unlock()
}

// benchSetup returns a checker that knows the client's key, a pool of
// fresh proofs, the request they are for, and a function that makes the
// pool fresh again.
func benchSetup(b *testing.B, alg string) (*dpop.Checker, []string, dpop.Request, func()) {
	client := newClient(b, alg)
	store := new(resettableStore)
	store.reset()
	c := newChecker(b, func(cfg *dpop.Config) { cfg.Replay = store })
	req := tRequest()
	req.AccessToken = benchToken
	proofs := make([]string, benchPool+1)
	for i := range proofs {
		proofs[i] = client.proof(b, nil, map[string]any{"ath": athOf(benchToken)})
	}
	if _, err := c.Check(context.Background(), proofs[benchPool], req); err != nil {
		b.Fatal(err)
	}
	return c, proofs[:benchPool], req, store.reset
}

func BenchmarkCheck(b *testing.B) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		b.Run(alg, func(b *testing.B) {
			c, proofs, req, reset := benchSetup(b, alg)
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i == len(proofs) {
					b.StopTimer()
					reset()
					i = 0
					b.StartTimer()
				}
				if _, err := c.Check(ctx, proofs[i], req); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// floor is the signature check of one proof, as Check does it: with the
// proof's key, parsed once.
type floor struct {
	key   *jwks.Key
	alg   string
	input []byte
	sig   []byte
}

func newFloor(b *testing.B, alg, proof string) floor {
	client := newClient(b, alg)
	key, err := jwks.ParseJWK(client.jwk)
	if err != nil {
		b.Fatal(err)
	}
	i := strings.LastIndexByte(proof, '.')
	sig, err := base64.RawURLEncoding.DecodeString(proof[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	return floor{key: key, alg: alg, input: []byte(proof[:i]), sig: sig}
}

func (f floor) verify(b *testing.B) {
	if err := f.key.Verify(f.alg, f.input, f.sig); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkSignature(b *testing.B) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		b.Run(alg, func(b *testing.B) {
			f := newFloor(b, alg, newClient(b, alg).proof(b, nil, nil))
			b.ReportAllocs()
			for b.Loop() {
				f.verify(b)
			}
		})
	}
}

// BenchmarkCheckOverhead times Check and the bare signature check of the
// same proof back to back, in alternating order, and reports the median of
// the differences as overhead-ns/op: what Check costs above the signature,
// resolved better than by comparing two separate benchmarks, whose noise
// is larger than the difference.
func BenchmarkCheckOverhead(b *testing.B) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		b.Run(alg, func(b *testing.B) {
			c, proofs, req, reset := benchSetup(b, alg)
			floors := make([]floor, len(proofs))
			for i, p := range proofs {
				floors[i] = newFloor(b, alg, p)
			}
			ctx := context.Background()
			var diffs []time.Duration
			i := 0
			for b.Loop() {
				if i == len(proofs) {
					b.StopTimer()
					reset()
					i = 0
					b.StartTimer()
				}
				var check, sig time.Duration
				if i%2 == 0 {
					t0 := time.Now()
					_, err := c.Check(ctx, proofs[i], req)
					t1 := time.Now()
					floors[i].verify(b)
					t2 := time.Now()
					if err != nil {
						b.Fatal(err)
					}
					check, sig = t1.Sub(t0), t2.Sub(t1)
				} else {
					t0 := time.Now()
					floors[i].verify(b)
					t1 := time.Now()
					_, err := c.Check(ctx, proofs[i], req)
					t2 := time.Now()
					if err != nil {
						b.Fatal(err)
					}
					sig, check = t1.Sub(t0), t2.Sub(t1)
				}
				diffs = append(diffs, check-sig)
				i++
			}
			slices.Sort(diffs)
			b.ReportMetric(float64(diffs[len(diffs)/2].Nanoseconds()), "overhead-ns/op")
		})
	}
}
