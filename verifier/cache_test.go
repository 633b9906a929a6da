package verifier_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// ccCounting counts the key lookups the verifier makes: a cache hit makes
// none.
type ccCounting struct {
	jwks.Source
	n atomic.Int64
}

func (c *ccCounting) Keys(ctx context.Context, q jwks.Query) ([]*jwks.Key, error) {
	c.n.Add(1)
	return c.Source.Keys(ctx, q)
}

// ccClock is a settable clock.
type ccClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *ccClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *ccClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var ccSecret = []byte("the cache tests' HMAC secret, 32+ bytes long")

// ccSetup returns a verifier over a static HMAC key with a counting source,
// and a function minting tokens at the clock's time.
func ccSetup(t *testing.T, cfg verifier.Config) (*verifier.Verifier, *ccCounting, *ccClock, func(claims map[string]any) string) {
	t.Helper()
	clock := &ccClock{t: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)}
	key, err := jwks.NewSecret("k", ccSecret)
	require.NoError(t, err)
	static, err := jwks.NewStatic(key)
	require.NoError(t, err)
	src := &ccCounting{Source: static}
	cfg.Issuers = []string{"https://iss"}
	cfg.Audiences = []string{"api"}
	cfg.Keys = src
	cfg.Now = clock.Now
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New")
	mint := func(extra map[string]any) string {
		claims := map[string]any{"iss": "https://iss", "aud": "api", "sub": "s", "exp": clock.Now().Add(time.Hour).Unix()}
		for k, x := range extra {
			if x == nil {
				delete(claims, k)
			} else {
				claims[k] = x
			}
		}
		tok, err := verifiertest.Sign("HS256", ccSecret, map[string]any{"kid": "k"}, claims)
		require.NoError(t, err)
		return tok
	}
	return v, src, clock, mint
}

// TestCacheServesRepeatedTokens: a token is cached when it is verified a
// second time (a token seen once costs no insert), and served from the
// cache from its third use on.
func TestCacheServesRepeatedTokens(t *testing.T) {
	v, src, _, mint := ccSetup(t, verifier.Config{})
	tok := mint(map[string]any{"scope": "read"})
	_, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	require.Equal(t, int64(1), src.n.Load(), "key lookups after the first Verify")
	second, err := v.Verify(context.Background(), tok)
	require.NoError(t, err)
	require.Equal(t, int64(2), src.n.Load(), "key lookups after the second Verify; want the token verified in full again, then cached")

	for i := range 5 {
		again, err := v.Verify(context.Background(), tok)
		require.NoError(t, err, "Verify #%d of a cached token", i+3)
		assert.Same(t, second, again, "Verify #%d returned other claims than the cached ones", i+3)
	}
	assert.Equal(t, int64(2), src.n.Load(), "key lookups after seven Verify calls of one token; want the cache to serve five")

	other := mint(map[string]any{"scope": "write"})
	_, err = v.Verify(context.Background(), other)
	require.NoError(t, err)
	assert.Equal(t, int64(3), src.n.Load(), "key lookups after a second, different token")
}

func TestCacheDisabled(t *testing.T) {
	v, src, _, mint := ccSetup(t, verifier.Config{DisableCache: true})
	tok := mint(nil)
	for range 3 {
		_, err := v.Verify(context.Background(), tok)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(3), src.n.Load(), "key lookups for three Verify calls with DisableCache")
}

func TestCacheNeverWeakensTimeChecks(t *testing.T) {
	v, src, clock, mint := ccSetup(t, verifier.Config{Leeway: 10 * time.Second, MaxTokenAge: 2 * time.Hour})
	start := clock.Now()

	tok := mint(map[string]any{"exp": start.Add(time.Minute).Unix(), "iat": start.Unix()})
	for range 2 { // cached on the second verification
		_, err := v.Verify(context.Background(), tok)
		require.NoError(t, err)
	}
	lookups := src.n.Load()
	clock.Advance(time.Minute + 5*time.Second)
	_, err := v.Verify(context.Background(), tok)
	assert.NoError(t, err, "cached token within the leeway after exp")
	require.Equal(t, lookups, src.n.Load(), "key lookups: the token was not served from the cache")
	clock.Advance(10 * time.Second)
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, verifier.ErrExpired, "cached token past exp and leeway")
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, verifier.ErrExpired, "the expired token again (no longer cached)")

	long := mint(map[string]any{"exp": clock.Now().Add(10 * time.Hour).Unix(), "iat": clock.Now().Unix()})
	for range 2 {
		_, err = v.Verify(context.Background(), long)
		require.NoError(t, err)
	}
	clock.Advance(2*time.Hour + 11*time.Second)
	_, err = v.Verify(context.Background(), long)
	assert.ErrorIs(t, err, verifier.ErrExpired, "cached token past MaxTokenAge")
}

func TestCacheKeepsOnlySuccesses(t *testing.T) {
	v, src, _, mint := ccSetup(t, verifier.Config{})
	bad := mint(map[string]any{"aud": "another-api"})
	for range 3 {
		_, err := v.Verify(context.Background(), bad)
		require.ErrorIs(t, err, verifier.ErrAudience)
	}
	assert.Equal(t, int64(3), src.n.Load(), "key lookups for a rejected token verified three times")
}

func TestCacheCallsOnVerify(t *testing.T) {
	var calls []string
	v, _, _, mint := ccSetup(t, verifier.Config{OnVerify: func(err error) { calls = append(calls, verifier.Outcome(err)) }})
	tok := mint(nil)
	for range 3 {
		_, _ = v.Verify(context.Background(), tok)
	}
	assert.Equal(t, []string{"ok", "ok", "ok"}, calls, "OnVerify for a token verified twice and served once from the cache")
}

func TestCacheDropsTokensOfRetiredKeys(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})
	remote, err := jwks.NewRemote(jwks.RemoteConfig{URL: iss.JWKSURL()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = remote.Close() })
	src := &ccCounting{Source: remote}
	cfg := iss.VerifierConfig()
	cfg.Keys = src
	v, err := verifier.New(cfg)
	require.NoError(t, err)

	oldKid := iss.KeyID()
	old := iss.MustMint(t, verifiertest.Token{})
	for range 3 { // verified twice, then served from the cache
		_, err = v.Verify(context.Background(), old)
		require.NoError(t, err)
	}
	require.Equal(t, int64(2), src.n.Load(), "lookups before the rotation")

	// The issuer rotates and removes the old key; once the source has
	// refetched, the cached token is not trusted any more.
	iss.Rotate()
	iss.Retire(oldKid)
	require.NoError(t, remote.Refresh(context.Background()))
	_, err = v.Verify(context.Background(), old)
	assert.ErrorIs(t, err, verifier.ErrUnknownKey, "a cached token whose key left the key set")
	assert.Equal(t, int64(3), src.n.Load(), "the cached token was checked afresh")

	fresh := iss.MustMint(t, verifiertest.Token{})
	_, err = v.Verify(context.Background(), fresh)
	require.NoError(t, err, "a token of the new key")
}

func TestCacheDropsTokensOfStaleKeySets(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	var fail atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		doc, err := iss.JWKS()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	clock := &ccClock{t: time.Now()}
	remote, err := jwks.NewRemote(jwks.RemoteConfig{URL: srv.URL, Now: clock.Now, RefreshInterval: 10 * time.Minute, MaxStale: time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { _ = remote.Close() })
	cfg := iss.VerifierConfig()
	cfg.Keys = remote
	cfg.Now = clock.Now
	v, err := verifier.New(cfg)
	require.NoError(t, err)

	tok := iss.MustMint(t, verifiertest.Token{ExpiresIn: 24 * time.Hour})
	for range 2 { // cached on the second verification
		_, err = v.Verify(context.Background(), tok)
		require.NoError(t, err)
	}
	fail.Store(true)
	clock.Advance(10*time.Minute + 59*time.Minute)
	_, err = v.Verify(context.Background(), tok)
	assert.NoError(t, err, "cached token while the key set is stale but within MaxStale")
	clock.Advance(2 * time.Minute)
	_, err = v.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, verifier.ErrKeysUnavailable, "cached token once its key set went past MaxStale")
	assert.NotErrorIs(t, err, verifier.ErrInvalidToken)
}

func TestCacheConfig(t *testing.T) {
	for _, cfg := range []verifier.Config{{CacheSize: -1}, {CacheBytes: -5}} {
		key, _ := jwks.NewSecret("", ccSecret)
		static, _ := jwks.NewStatic(key)
		cfg.Keys, cfg.Issuers, cfg.Audiences = static, []string{"i"}, []string{"a"}
		_, err := verifier.New(cfg)
		assert.ErrorContains(t, err, "DisableCache", "verifier.New(%+v)", cfg)
	}
}

func TestCacheConcurrentUse(t *testing.T) {
	v, _, _, mint := ccSetup(t, verifier.Config{CacheSize: 64})
	tokens := make([]string, 40)
	for i := range tokens {
		tokens[i] = mint(map[string]any{"jti": fmt.Sprint(i)})
	}
	expired := mint(map[string]any{"exp": time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Unix()})
	var wg sync.WaitGroup
	var wrong atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 400 {
				tok := tokens[(g*7+i)%len(tokens)]
				c, err := v.Verify(context.Background(), tok)
				if err != nil || c.ID() != fmt.Sprint((g*7+i)%len(tokens)) {
					wrong.Add(1)
				}
				if _, err := v.Verify(context.Background(), expired); !errors.Is(err, verifier.ErrExpired) {
					wrong.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, wrong.Load(), "wrong answers from concurrent Verify calls sharing a small cache")
}
