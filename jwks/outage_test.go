package jwks_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Timings of the outage tests: a set lives 10 minutes, survives an outage
// for an hour past that, and retries after failures within 2 seconds.
const (
	otLifetime   = 10 * time.Minute
	otMaxStale   = time.Hour
	otMaxBackoff = 2 * time.Second
	otHugeBody   = 50 << 20 // what the flooding issuer tries to send
)

// otServer is a JWKS endpoint on loopback that serves good until failing is
// set, then answers with fault. It counts its requests, and the bytes the
// flooding fault wrote.
type otServer struct {
	*httptest.Server
	good    []byte
	fault   func(s *otServer, w http.ResponseWriter, r *http.Request)
	failing atomic.Bool
	hits    atomic.Int64
	flooded chan int64    // receives the byte count of each flooding answer as it ends
	down    chan struct{} // closed when the test ends, to free held handlers
	once    sync.Once
}

func otNewServer(t *testing.T, good []byte, fault func(*otServer, http.ResponseWriter, *http.Request)) *otServer {
	t.Helper()
	s := &otServer{good: good, fault: fault, flooded: make(chan int64, 64), down: make(chan struct{})}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	t.Cleanup(s.shutdown) // runs before Close: frees held handlers
	return s
}

func (s *otServer) shutdown() { s.once.Do(func() { close(s.down) }) }

func (s *otServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	if s.failing.Load() {
		s.fault(s, w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.good)
}

// otRemote returns a Remote for s with the outage timings, closed when the
// test ends.
func otRemote(t *testing.T, s *otServer, clock *fakeClock, fetchTimeout time.Duration) *jwks.Remote {
	t.Helper()
	cfg := jwks.RemoteConfig{
		URL:             s.URL + "/jwks",
		Now:             clock.Now,
		FetchTimeout:    fetchTimeout,
		RefreshInterval: otLifetime,
		MaxStale:        otMaxStale,
		MaxBackoff:      otMaxBackoff,
		Logger:          slog.New(slog.DiscardHandler),
	}
	r, err := jwks.NewRemote(cfg)
	require.NoError(t, err, "NewRemote(%+v)", cfg)
	t.Cleanup(func() {
		s.shutdown() // Close waits for the fetch under way: free it first
		_ = r.Close()
	})
	return r
}

// otKey looks kid up and returns the one key found.
func otKey(t *testing.T, r *jwks.Remote, kid, when string) *jwks.Key {
	t.Helper()
	keys, err := r.Keys(context.Background(), q(kid))
	require.NoError(t, err, "Remote.Keys(kid %q) %s returned an error; want the cached key", kid, when)
	require.Len(t, keys, 1, "Remote.Keys(kid %q) %s returned %v; want one key", kid, when, ids(keys))
	return keys[0]
}

// otSetClock moves clock forward to at.
func otSetClock(t *testing.T, clock *fakeClock, at time.Time) {
	t.Helper()
	d := at.Sub(clock.Now())
	require.GreaterOrEqual(t, d, time.Duration(0), "the fake clock cannot go back to %v", at)
	clock.Advance(d)
}

// The faults an issuer can show. Each leaves the previous key set in use.

func otStatus500(_ *otServer, w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "internal server error", http.StatusInternalServerError)
}

// otHang never answers; the fetch must give up at its FetchTimeout.
func otHang(s *otServer, _ http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.down:
	}
}

func otHTML(_ *otServer, w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	_, _ = w.Write([]byte("<!doctype html><html><head><title>Sign in</title></head><body><form>Please sign in</form></body></html>"))
}

// otFlood streams up to 50 MiB of JSON-looking bytes until the client goes
// away, then reports how much it wrote (without blocking: s.flooded has
// room for more answers than a test makes).
func otFlood(s *otServer, w http.ResponseWriter, _ *http.Request) {
	chunk := bytes.Repeat([]byte(`{"keys":[`), 64<<10/9)
	w.Header().Set("Content-Type", "application/json")
	var n int64
	defer func() { s.flooded <- n }()
	for n < otHugeBody {
		m, err := w.Write(chunk[:min(int64(len(chunk)), otHugeBody-n)])
		n += int64(m)
		if err != nil {
			return
		}
	}
}

// otCutMidBody announces the good document, sends half of it and closes the
// connection.
func otCutMidBody(s *otServer, w http.ResponseWriter, _ *http.Request) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err) // httptest servers speak HTTP/1.1 and can always hijack
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(s.good))
	_, _ = buf.Write(s.good[:len(s.good)/2])
	_ = buf.Flush()
}

// otCutBeforeAnswer closes the connection without a byte of answer.
func otCutBeforeAnswer(_ *otServer, w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.Close()
}

var otFaults = []struct {
	name         string
	fault        func(*otServer, http.ResponseWriter, *http.Request)
	fetchTimeout time.Duration
	// check inspects the error of a Refresh against the fault.
	check func(t *testing.T, err error)
}{
	{"500", otStatus500, 0, func(t *testing.T, err error) {
		assert.Contains(t, err.Error(), "500", "Remote.Refresh error against a 500 should give the status")
	}},
	{"no answer within FetchTimeout", otHang, 100 * time.Millisecond, func(t *testing.T, err error) {
		assert.ErrorIs(t, err, context.DeadlineExceeded, "Remote.Refresh error against an issuer that never answers")
		assert.ErrorContains(t, err, "jwks: fetching", "Remote.Refresh error against an issuer that never answers; want the fetch's own timeout")
	}},
	{"HTML with 200", otHTML, 0, func(t *testing.T, err error) {
		assert.Contains(t, err.Error(), "not a JSON object", "Remote.Refresh error against an HTML page")
	}},
	{"50 MiB body", otFlood, 0, func(t *testing.T, err error) {
		assert.Contains(t, err.Error(), "larger than", "Remote.Refresh error against a 50 MiB body")
	}},
	{"connection closed mid-body", otCutMidBody, 0, func(t *testing.T, err error) {
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "Remote.Refresh error against a body cut in half")
	}},
	{"connection closed before answering", otCutBeforeAnswer, 0, func(t *testing.T, err error) {
		assert.ErrorIs(t, err, io.EOF, "Remote.Refresh error against a connection closed without an answer")
	}},
}

// TestOutage runs each fault through an outage: the issuer fails after the
// first fetch; lookups keep answering with the cached key until MaxStale
// past its expiry, then fail with ErrUnavailable; once the issuer is back, a
// lookup after the retry backoff fetches again by itself.
func TestOutage(t *testing.T) {
	a := genEC(t, elliptic.P256())
	good := jwksJSON(t, ecJWK("a", a))
	for _, f := range otFaults {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			// A guard against hanging, should FetchTimeout not be honoured;
			// no step comes near it.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			clock := newFakeClock()
			t0 := clock.Now()
			expires := t0.Add(otLifetime)
			s := otNewServer(t, good, f.fault)
			r := otRemote(t, s, clock, f.fetchTimeout)

			require.NoError(t, r.Refresh(ctx), "Remote.Refresh against a healthy issuer")
			first := otKey(t, r, "a", "after the first fetch")
			st := r.Status()
			require.True(t, st.Ready, "Remote.Status().Ready after the first fetch = false; want true (%+v)", st)
			require.Equal(t, expires, st.ExpiresAt, "Remote.Status().ExpiresAt after a fetch with no caching headers; want FetchedAt + RefreshInterval")

			// The issuer goes down. Until the set expires nobody notices.
			s.failing.Store(true)
			otSetClock(t, clock, expires.Add(-time.Nanosecond))
			assert.Same(t, first, otKey(t, r, "a", "just before expiry"), "key just before expiry")
			assert.Equal(t, int64(1), s.hits.Load(), "requests for lookups of a known kid before expiry; want only the first fetch")

			err := r.Refresh(ctx)
			require.Error(t, err, "Remote.Refresh against a failing issuer (%s) returned nil", f.name)
			f.check(t, err)
			assert.Same(t, first, otKey(t, r, "a", "after a failed Refresh"), "key after a failed Refresh")
			st = r.Status()
			assert.True(t, st.Ready, "Remote.Status().Ready after a failed refresh = false; want true, the last good set is in use")
			assert.Equal(t, 1, st.Keys, "Remote.Status().Keys after a failed refresh")
			assert.Equal(t, t0, st.FetchedAt, "Remote.Status().FetchedAt after a failed refresh; want the last good fetch")
			assert.GreaterOrEqual(t, st.Failures, 1, "Remote.Status().Failures after a failed refresh")
			assert.Error(t, st.LastError, "Remote.Status().LastError after a failed refresh")

			// Past expiry and up to MaxStale after it, lookups answer from
			// the cached set at once; each may start a refetch, which fails.
			for _, past := range []time.Duration{0, otMaxStale / 2, otMaxStale - time.Nanosecond} {
				otSetClock(t, clock, expires.Add(past))
				when := fmt.Sprintf("%v past expiry", past)
				assert.Same(t, first, otKey(t, r, "a", when), "key %s, within MaxStale %v", when, otMaxStale)
				// An unknown kid cannot be checked while the issuer
				// fails: unavailable (503), not "no such key" (401),
				// although other keys are cached.
				_, err := r.Keys(ctx, q("unknown"))
				assert.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys(unknown kid) %s", when)
				assert.NotErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(unknown kid) %s, with keys cached", when)
				// Refresh waits for any fetch the lookups started, so that
				// the next step starts from a settled state.
				assert.Error(t, r.Refresh(ctx), "Remote.Refresh %s against a failing issuer", when)
				assert.True(t, r.Status().Ready, "Remote.Status().Ready %s = false; want true", when)
			}
			hitsDuringOutage := s.hits.Load()
			assert.Greater(t, hitsDuringOutage, int64(1), "requests during the outage; want refetch attempts")

			// MaxStale past expiry the set is dropped.
			otSetClock(t, clock, expires.Add(otMaxStale))
			_, err = r.Keys(ctx, q("a"))
			require.ErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys(kid a) MaxStale past expiry; want ErrUnavailable")
			assert.NotErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(kid a) MaxStale past expiry")
			st = r.Status()
			assert.False(t, st.Ready, "Remote.Status().Ready MaxStale past expiry = true; want false (%+v)", st)
			assert.Zero(t, st.Keys, "Remote.Status().Keys MaxStale past expiry")
			assert.Error(t, st.LastError, "Remote.Status().LastError MaxStale past expiry")
			assert.Equal(t, otLifetime+otMaxStale, st.Age, "Remote.Status().Age MaxStale past expiry")

			// The issuer comes back. After the backoff a lookup fetches by
			// itself; no Refresh is needed. (The background retry timer runs
			// on real time, at least half a second after the last failure,
			// so no failing retry is under way when this lookup starts.)
			s.failing.Store(false)
			clock.Advance(otMaxBackoff)
			before := s.hits.Load()
			again := otKey(t, r, "a", "after the issuer recovered")
			assert.Greater(t, s.hits.Load(), before, "requests for the lookup after recovery; want a fetch")
			assert.Same(t, first, again, "an unchanged key keeps its identity across the outage")
			st = r.Status()
			assert.True(t, st.Ready, "Remote.Status().Ready after recovery = false; want true (%+v)", st)
			assert.Equal(t, 1, st.Keys, "Remote.Status().Keys after recovery")
			assert.Equal(t, clock.Now(), st.FetchedAt, "Remote.Status().FetchedAt after recovery")
			assert.Equal(t, clock.Now().Add(otLifetime), st.ExpiresAt, "Remote.Status().ExpiresAt after recovery")
			assert.Zero(t, st.Failures, "Remote.Status().Failures after recovery")
			assert.NoError(t, st.LastError, "Remote.Status().LastError after recovery")
		})
	}
}

// TestOutageThroughVerifier follows an outage end to end: tokens verify on
// the cached key within MaxStale, then fail with ErrKeysUnavailable (not as
// invalid tokens), then verify again once the issuer is back.
func TestOutageThroughVerifier(t *testing.T) {
	const issuer, audience = "https://issuer.outage.test", "https://api.outage.test"
	ctx := context.Background()
	a := genEC(t, elliptic.P256())
	clock := newFakeClock()
	t0 := clock.Now()
	expires := t0.Add(otLifetime)
	s := otNewServer(t, jwksJSON(t, ecJWK("a", a)), otStatus500)
	r := otRemote(t, s, clock, 0)
	v, err := verifier.New(verifier.Config{Issuers: []string{issuer}, Audiences: []string{audience}, Keys: r, Now: clock.Now})
	require.NoError(t, err, "verifier.New over a Remote")
	token, err := verifiertest.Sign("ES256", a, map[string]any{"kid": "a"}, map[string]any{
		"iss": issuer, "aud": audience, "sub": "client",
		"iat": t0.Unix(), "exp": t0.Add(3 * time.Hour).Unix(),
	})
	require.NoError(t, err, "verifiertest.Sign")
	mustVerify := func(when string) {
		t.Helper()
		c, err := v.Verify(ctx, token)
		require.NoError(t, err, "Verifier.Verify(valid token) %s; want claims", when)
		assert.Equal(t, "client", c.Subject(), "subject of the token verified %s", when)
	}

	mustVerify("with the issuer up")
	s.failing.Store(true)
	for _, past := range []time.Duration{0, otMaxStale / 2, otMaxStale - time.Second} {
		otSetClock(t, clock, expires.Add(past))
		mustVerify(fmt.Sprintf("%v past the key set's expiry, issuer down", past))
		require.Error(t, r.Refresh(ctx), "Remote.Refresh with the issuer down")
	}

	otSetClock(t, clock, expires.Add(otMaxStale))
	c, err := v.Verify(ctx, token)
	require.Error(t, err, "Verifier.Verify MaxStale past expiry with the issuer down returned claims; want ErrKeysUnavailable")
	assert.Nil(t, c, "Verifier.Verify returned claims with error %v", err)
	assert.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verifier.Verify MaxStale past expiry")
	assert.ErrorIs(t, err, jwks.ErrUnavailable, "Verifier.Verify MaxStale past expiry")
	assert.NotErrorIs(t, err, verifier.ErrInvalidToken, "Verifier.Verify MaxStale past expiry: the token is not at fault")
	assert.Equal(t, "keys_unavailable", verifier.Outcome(err), "verifier.Outcome of the error MaxStale past expiry")

	s.failing.Store(false)
	clock.Advance(otMaxBackoff)
	mustVerify("after the issuer recovered")
	assert.True(t, r.Status().Ready, "Remote.Status().Ready after recovery")
}

// TestOutageHugeBodyMemoryBounded checks that a 50 MiB answer costs about
// MaxBodySize of memory, and that the client stops reading it early.
func TestOutageHugeBodyMemoryBounded(t *testing.T) {
	ctx := context.Background()
	a := genEC(t, elliptic.P256())
	clock := newFakeClock()
	s := otNewServer(t, jwksJSON(t, ecJWK("a", a)), otFlood)
	r := otRemote(t, s, clock, 0)
	require.NoError(t, r.Refresh(ctx), "Remote.Refresh against a healthy issuer")
	first := otKey(t, r, "a", "after the first fetch")

	s.failing.Store(true)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := r.Refresh(ctx)
	runtime.ReadMemStats(&after)
	require.Error(t, err, "Remote.Refresh against a 50 MiB body returned nil")
	assert.Contains(t, err.Error(), "larger than", "Remote.Refresh error against a 50 MiB body")

	const budget = 8 << 20
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(budget), "bytes allocated by a Refresh against a 50 MiB body (MaxBodySize %d); want under %d", jwks.DefaultMaxBodySize, budget)
	written := waitFor(t, s.flooded, "the flooding handler to end")
	assert.Less(t, written, int64(otHugeBody), "bytes the handler wrote before the client went away; want the client to stop long before 50 MiB")
	assert.Greater(t, written, int64(jwks.DefaultMaxBodySize), "bytes the handler wrote; the client should have read up to MaxBodySize")
	t.Logf("allocated %d bytes; the handler wrote %d bytes", allocated, written)

	assert.Same(t, first, otKey(t, r, "a", "after the flood"), "key after the flood")
	assert.True(t, r.Status().Ready, "Remote.Status().Ready after the flood")
}

// TestPoisonedSet serves one malformed key among two good ones: the good
// ones work, the bad one is skipped with one log record that names the
// problem without quoting the key.
func TestPoisonedSet(t *testing.T) {
	good1, good2 := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	other := genEC(t, elliptic.P256())
	// other's point with y+1: same lengths, off the curve.
	offCurve := ecJWK("bad", other)
	_, y := ecBigCoordinates(&other.PublicKey)
	y.Add(y, big.NewInt(1))
	offCurve["y"] = b64url(y.FillBytes(make([]byte, 32)))
	rsaPriv := rsaTestKey()
	noModulus := map[string]any{"kty": "RSA", "kid": "bad", "e": b64url(big.NewInt(int64(rsaPriv.E)).Bytes())}

	for _, tc := range []struct {
		name     string
		bad      map[string]any
		problem  string   // in the log record
		material []string // never in the log
	}{
		{"EC point off the curve", offCurve, "point not on curve", []string{offCurve["x"].(string), offCurve["y"].(string)}},
		{"RSA key without n", noModulus, "required field n is missing", []string{noModulus["e"].(string)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var logs syncBuffer
			ks := newKeyServer(t, jwksJSON(t, ecJWK("g1", good1), tc.bad, ecJWK("g2", good2)))
			r := ks.remote(t, jwks.RemoteConfig{Now: newFakeClock().Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})

			require.NoError(t, r.Refresh(ctx), "Remote.Refresh of a set with one malformed key; want the good keys accepted")
			st := r.Status()
			assert.True(t, st.Ready, "Remote.Status().Ready with one malformed key")
			assert.Equal(t, 2, st.Keys, "Remote.Status().Keys: want the two good keys")

			out := logs.String()
			assert.Equal(t, 1, strings.Count(out, "key skipped"), "log records of skipped keys after one fetch; want one:\n%s", out)
			// A key that does not parse has no kid yet: the record gives its
			// position in the set.
			assert.Contains(t, out, "key 1:", "the log record should say which key was skipped:\n%s", out)
			assert.Contains(t, out, tc.problem, "the log record should name the problem:\n%s", out)
			for _, m := range append(tc.material, ecJWK("g1", good1)["x"].(string), ecJWK("g2", good2)["x"].(string)) {
				assert.NotContains(t, out, m, "the log contains key material:\n%s", out)
			}

			for kid, priv := range map[string]*ecdsa.PrivateKey{"g1": good1, "g2": good2} {
				keys, err := r.Keys(ctx, q(kid))
				require.NoError(t, err, "Remote.Keys(kid %q) of a good key in a poisoned set", kid)
				signed, sig := signToken(t, "ES256", priv, kid)
				assert.True(t, verifiesWith(keys, "ES256", signed, sig), "the good key %q does not verify its token", kid)
			}
			_, err := r.Keys(ctx, q("bad"))
			assert.ErrorIs(t, err, jwks.ErrKeyNotFound, "Remote.Keys(kid of the malformed key)")
			assert.NotErrorIs(t, err, jwks.ErrUnavailable, "Remote.Keys(kid of the malformed key)")
			require.NoError(t, r.Close())
			assert.Equal(t, int(ks.requests()), strings.Count(logs.String(), "key skipped"), "log records of skipped keys; want one per fetch")
		})
	}
}

// TestMultiIssuerIsolation routes two issuers' remote key sets through
// ByIssuer: an untrusted issuer costs no request, and a key of one issuer
// never verifies a token of the other.
func TestMultiIssuerIsolation(t *testing.T) {
	const issA, issB, audience = "https://a.issuer.test", "https://b.issuer.test", "https://api.test"
	ctx := context.Background()
	clock := newFakeClock()
	privA, privB := genEC(t, elliptic.P256()), genEC(t, elliptic.P256())
	srvA := newKeyServer(t, jwksJSON(t, ecJWK("ka", privA)))
	srvB := newKeyServer(t, jwksJSON(t, ecJWK("kb", privB)))
	b, err := jwks.NewByIssuer(map[string]jwks.Source{
		issA: srvA.remote(t, jwks.RemoteConfig{Now: clock.Now}),
		issB: srvB.remote(t, jwks.RemoteConfig{Now: clock.Now}),
	})
	require.NoError(t, err, "NewByIssuer over two Remotes")
	v, err := verifier.New(verifier.Config{Issuers: b.Issuers(), Audiences: []string{audience}, Keys: b, Now: clock.Now})
	require.NoError(t, err, "verifier.New over ByIssuer")
	mint := func(iss, kid string, priv *ecdsa.PrivateKey) string {
		t.Helper()
		tok, err := verifiertest.Sign("ES256", priv, map[string]any{"kid": kid}, map[string]any{
			"iss": iss, "aud": audience, "sub": "client", "exp": clock.Now().Add(time.Hour).Unix(),
		})
		require.NoError(t, err, "verifiertest.Sign")
		return tok
	}
	hits := func() [2]int64 { return [2]int64{srvA.requests(), srvB.requests()} }

	// Untrusted issuers: rejected before any key lookup.
	for _, iss := range []string{"https://evil.test", issA + "/", "HTTPS://A.ISSUER.TEST", ""} {
		_, err := v.Verify(ctx, mint(iss, "ka", privA))
		assert.ErrorIs(t, err, verifier.ErrIssuer, "Verify(token with iss %q)", iss)
		assert.Equal(t, [2]int64{0, 0}, hits(), "requests to [A, B] after a token with untrusted iss %q; want none", iss)
	}

	// A token claiming issuer A, signed with B's key under B's kid.
	_, err = v.Verify(ctx, mint(issA, "kb", privB))
	assert.ErrorIs(t, err, verifier.ErrUnknownKey, "Verify(iss A, B's kid and key)")
	assert.ErrorIs(t, err, verifier.ErrInvalidToken, "Verify(iss A, B's kid and key)")
	assert.Zero(t, srvB.requests(), "requests to B for a token claiming issuer A")
	assert.Positive(t, srvA.requests(), "requests to A for a token claiming issuer A")

	// Issuer A's kid, signed with B's key.
	_, err = v.Verify(ctx, mint(issA, "ka", privB))
	assert.ErrorIs(t, err, verifier.ErrSignature, "Verify(iss A, A's kid, B's key)")
	assert.Zero(t, srvB.requests(), "requests to B for a token claiming issuer A")

	// A's own token verifies.
	c, err := v.Verify(ctx, mint(issA, "ka", privA))
	require.NoError(t, err, "Verify(iss A, A's kid and key); want claims")
	assert.Equal(t, issA, c.Issuer(), "issuer of the verified token")
	assert.Zero(t, srvB.requests(), "requests to B after verifying A's tokens")

	// And the other way round.
	aBefore := srvA.requests()
	_, err = v.Verify(ctx, mint(issB, "ka", privA))
	assert.ErrorIs(t, err, verifier.ErrUnknownKey, "Verify(iss B, A's kid and key)")
	c, err = v.Verify(ctx, mint(issB, "kb", privB))
	require.NoError(t, err, "Verify(iss B, B's kid and key); want claims")
	assert.Equal(t, issB, c.Issuer(), "issuer of the verified token")
	assert.Equal(t, aBefore, srvA.requests(), "requests to A for tokens claiming issuer B")

	// A verifier that trusts only A, over the same router: a token of B,
	// which the router knows, is refused before any key lookup.
	srvC := newKeyServer(t, jwksJSON(t, ecJWK("kc", privB)))
	bc, err := jwks.NewByIssuer(map[string]jwks.Source{
		issA: srvA.remote(t, jwks.RemoteConfig{Now: clock.Now}),
		issB: srvC.remote(t, jwks.RemoteConfig{Now: clock.Now}),
	})
	require.NoError(t, err, "NewByIssuer over two Remotes")
	onlyA, err := verifier.New(verifier.Config{Issuers: []string{issA}, Audiences: []string{audience}, Keys: bc, Now: clock.Now})
	require.NoError(t, err, "verifier.New trusting only A over a router that knows A and B")
	_, err = onlyA.Verify(ctx, mint(issB, "kc", privB))
	assert.ErrorIs(t, err, verifier.ErrIssuer, "Verify(token of B) by a verifier trusting only A")
	assert.Zero(t, srvC.requests(), "requests to B's key server for a token of B that the verifier does not trust")
}
