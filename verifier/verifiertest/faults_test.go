package verifiertest_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// guard bounds every wait on a channel, so that a bug fails the test
// instead of hanging it. Nothing waits for it to pass.
const guard = 10 * time.Second

// quiet is a logger for key sources whose failures are the point of a test.
var quiet = slog.New(slog.DiscardHandler)

// newVerifier returns a verifier trusting iss whose keys come from a
// jwks.Remote configured by rc.
func newVerifier(t *testing.T, iss *verifiertest.Issuer, rc jwks.RemoteConfig) (*verifier.Verifier, *jwks.Remote) {
	t.Helper()
	if rc.Logger == nil {
		rc.Logger = quiet
	}
	keys := iss.NewRemote(rc)
	cfg := iss.VerifierConfig()
	cfg.Keys = keys
	v, err := verifier.New(cfg)
	require.NoError(t, err, "verifier.New with the issuer's config")
	return v, keys
}

// arrivals returns an OnRequest hook and the channel on which it reports
// each request's path.
func arrivals() (func(*http.Request), chan string) {
	ch := make(chan string, 100)
	return func(r *http.Request) { ch <- r.URL.Path }, ch
}

// receive returns the next value of ch, failing t if none comes in time.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(guard):
		t.Fatalf("waited %v for %s; nothing came", guard, what)
	}
	var zero T
	return zero
}

// faultCases are the faults that make a fetch fail, with a check that the
// key source saw that fault and not another.
var faultCases = []struct {
	fault verifiertest.Fault
	cause func(t *testing.T, err error)
}{
	{verifiertest.FaultDown, func(t *testing.T, err error) {
		assert.ErrorContains(t, err, "503", "the fetch should fail on the 503 answer")
	}},
	{verifiertest.FaultGarbage, func(t *testing.T, err error) {
		assert.ErrorContains(t, err, "invalid character '<'", "the fetch should fail on the HTML page")
	}},
	{verifiertest.FaultEmptyKeySet, func(t *testing.T, err error) {
		assert.ErrorContains(t, err, "no usable key", "the fetch should fail on the empty key set")
	}},
	{verifiertest.FaultHang, func(t *testing.T, err error) {
		assert.ErrorIs(t, err, context.DeadlineExceeded, "the fetch should end at its FetchTimeout")
	}},
}

func TestFaultOnFirstUseMakesKeysUnavailable(t *testing.T) {
	for _, tc := range faultCases {
		t.Run(tc.fault.String(), func(t *testing.T) {
			iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
			var ahead atomic.Int64 // how far the key source's clock is ahead
			now := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
			v, keys := newVerifier(t, iss, jwks.RemoteConfig{FetchTimeout: 100 * time.Millisecond, Now: now})
			iss.SetFault(tc.fault)

			_, err := v.Verify(context.Background(), iss.MustMint(t, verifiertest.Token{}))
			require.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verify with the JWKS endpoint at %v on first use", tc.fault)
			assert.NotErrorIs(t, err, verifier.ErrInvalidToken, "the token is fine; the keys are missing")
			tc.cause(t, err)
			assert.False(t, keys.Status().Ready, "Status().Ready after a failed first fetch")

			iss.SetFault(verifiertest.FaultNone)
			ahead.Store(int64(10 * time.Minute)) // past the retry backoff
			_, err = v.Verify(context.Background(), iss.MustMint(t, verifiertest.Token{}))
			assert.NoError(t, err, "Verify once the fault is cleared and the backoff has passed")
			assert.True(t, keys.Status().Ready, "Status().Ready after recovery")
		})
	}
}

func TestFaultAfterKeysAreCachedKeepsThem(t *testing.T) {
	ctx := context.Background()
	for _, tc := range faultCases {
		t.Run(tc.fault.String(), func(t *testing.T) {
			iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
			v, keys := newVerifier(t, iss, jwks.RemoteConfig{FetchTimeout: 100 * time.Millisecond})
			_, err := v.Verify(ctx, iss.MustMint(t, verifiertest.Token{}))
			require.NoError(t, err, "Verify before the fault")

			iss.SetFault(tc.fault)
			err = keys.Refresh(ctx)
			require.Error(t, err, "Refresh with the JWKS endpoint at %v", tc.fault)
			tc.cause(t, err)

			_, err = v.Verify(ctx, iss.MustMint(t, verifiertest.Token{}))
			assert.NoError(t, err, "Verify of a new token signed with a cached key, during %v", tc.fault)
			st := keys.Status()
			assert.True(t, st.Ready, "Status().Ready during %v with keys cached", tc.fault)
			assert.GreaterOrEqual(t, st.Failures, 1, "Status().Failures during %v", tc.fault)

			// A rotation during the outage cannot be picked up: tokens
			// with the new key cannot be checked, so the answer is 503
			// (try later), not 401 (get a new token, which the issuer
			// would sign with the same key).
			iss.Rotate()
			rotated := iss.MustMint(t, verifiertest.Token{})
			_, err = v.Verify(ctx, rotated)
			assert.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verify of a token with a key published during %v", tc.fault)
			assert.NotErrorIs(t, err, verifier.ErrUnknownKey, "Verify of a token with a key published during %v", tc.fault)

			iss.SetFault(verifiertest.FaultNone)
			require.NoError(t, keys.Refresh(ctx), "Refresh once the fault is cleared")
			_, err = v.Verify(ctx, rotated)
			assert.NoError(t, err, "Verify of the rotated key's token after recovery")
			assert.Zero(t, keys.Status().Failures, "Status().Failures after recovery")
		})
	}
}

func TestDiscoveryFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		fault verifiertest.Fault
		cause string
		hits  int // discovery requests one failed fetch makes; 0: not checked
	}{
		{verifiertest.FaultDown, "503", 2}, // the OpenID location, then the RFC 8414 one
		{verifiertest.FaultGarbage, "metadata is not JSON", 1},
		{verifiertest.FaultEmptyKeySet, "no jwks_uri", 1},
		{verifiertest.FaultHang, "deadline exceeded", 0},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
			// A short timeout for the hang alone: on a loaded machine the
			// other faults' answers may take longer than the hang's budget.
			timeout := 10 * time.Second
			if tc.fault == verifiertest.FaultHang {
				timeout = 100 * time.Millisecond
			}
			v, keys := newVerifier(t, iss, jwks.RemoteConfig{FetchTimeout: timeout})
			iss.SetDiscoveryFault(tc.fault)

			_, err := v.Verify(ctx, iss.MustMint(t, verifiertest.Token{}))
			require.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verify with discovery at %v", tc.fault)
			assert.ErrorContains(t, err, "discovery")
			assert.ErrorContains(t, err, tc.cause)
			if tc.hits > 0 {
				assert.Equal(t, tc.hits, iss.DiscoveryRequests(), "DiscoveryRequests() after one failed discovery")
			}
			assert.Zero(t, iss.JWKSRequests(), "JWKSRequests() when discovery failed")

			iss.SetDiscoveryFault(verifiertest.FaultNone)
			require.NoError(t, keys.Refresh(ctx), "Refresh once discovery is back")
			_, err = v.Verify(ctx, iss.MustMint(t, verifiertest.Token{}))
			assert.NoError(t, err, "Verify after discovery recovered")

			// The JWKS URL is known now: discovery going down again
			// no longer matters.
			iss.SetDiscoveryFault(tc.fault)
			assert.NoError(t, keys.Refresh(ctx), "Refresh with discovery at %v after the JWKS URL was learnt", tc.fault)
		})
	}
}

func TestLatencyBeyondMaxWait(t *testing.T) {
	ctx := context.Background()
	onRequest, arrived := arrivals()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{OnRequest: onRequest})
	fetched := make(chan jwks.FetchEvent, 10)
	const maxWait = 50 * time.Millisecond
	v, _ := newVerifier(t, iss, jwks.RemoteConfig{
		MaxWait: maxWait,
		Hooks:   jwks.Hooks{OnFetch: func(e jwks.FetchEvent) { fetched <- e }},
	})
	_, err := v.Verify(ctx, iss.MustMint(t, verifiertest.Token{}))
	require.NoError(t, err, "Verify before the issuer slows down")
	assert.Equal(t, jwks.FetchUpdated, receive(t, fetched, "the first fetch").Result)
	for range 2 {
		receive(t, arrived, "the discovery and JWKS requests of the first fetch")
	}

	iss.SetLatency(time.Hour)
	iss.Rotate()
	rotated := iss.MustMint(t, verifiertest.Token{})
	start := time.Now()
	_, err = v.Verify(ctx, rotated)
	elapsed := time.Since(start)
	require.ErrorIs(t, err, verifier.ErrKeysUnavailable, "Verify of a token with a new key while the issuer takes an hour")
	assert.ErrorContains(t, err, "gave up waiting")
	assert.GreaterOrEqual(t, elapsed, maxWait, "Verify should wait MaxWait for the refetch")
	assert.Less(t, elapsed, guard, "Verify should give up after MaxWait, not wait for the issuer")

	assert.Equal(t, "/jwks.json", receive(t, arrived, "the refetch"), "the refetch reaches the issuer")
	select {
	case e := <-fetched:
		t.Fatalf("a fetch ended (%v) while the issuer was holding it", e.Result)
	default: // still held: the fetch carries on after the lookup gave up
	}

	iss.SetLatency(0)
	assert.Equal(t, jwks.FetchUpdated, receive(t, fetched, "the held refetch to end").Result,
		"the held refetch completes once the latency is removed")
	_, err = v.Verify(ctx, rotated)
	assert.NoError(t, err, "Verify of the new key's token after the slow refetch completed")
	assert.Equal(t, 2, iss.JWKSRequests(), "JWKSRequests(): the held refetch served the later lookup")
}

func TestLatencyDelaysAnswers(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	const d = 50 * time.Millisecond
	iss.SetLatency(d)
	start := time.Now()
	resp, err := http.Get(iss.JWKSURL())
	require.NoError(t, err, "GET %s with latency %v", iss.JWKSURL(), d)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), d, "GET with latency %v answered too early", d)
}

func TestHangIsAnsweredWhenTheFaultChanges(t *testing.T) {
	for _, tc := range []struct {
		then   verifiertest.Fault
		status int
	}{
		{verifiertest.FaultNone, http.StatusOK},
		{verifiertest.FaultDown, http.StatusServiceUnavailable},
		{verifiertest.FaultEmptyKeySet, http.StatusOK},
	} {
		t.Run(tc.then.String(), func(t *testing.T) {
			onRequest, arrived := arrivals()
			iss := verifiertest.Start(t, verifiertest.IssuerConfig{OnRequest: onRequest})
			iss.SetFault(verifiertest.FaultHang)
			answered := make(chan int, 1)
			go func() {
				resp, err := http.Get(iss.JWKSURL())
				if err != nil {
					answered <- 0
					return
				}
				resp.Body.Close()
				answered <- resp.StatusCode
			}()
			receive(t, arrived, "the request to reach the issuer")
			select {
			case s := <-answered:
				t.Fatalf("GET %s under FaultHang was answered with %d; want it held", iss.JWKSURL(), s)
			default:
			}
			iss.SetFault(tc.then)
			assert.Equal(t, tc.status, receive(t, answered, "the held request's answer"),
				"status of a request held by FaultHang after SetFault(%v)", tc.then)
		})
	}
}

func TestCloseReleasesHeldRequests(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*verifiertest.Issuer)
		fetch func(t *testing.T, iss *verifiertest.Issuer) error
	}{
		{"FaultHang JWKS", func(i *verifiertest.Issuer) { i.SetFault(verifiertest.FaultHang) }, get(func(i *verifiertest.Issuer) string { return i.JWKSURL() })},
		{"FaultHang discovery", func(i *verifiertest.Issuer) { i.SetDiscoveryFault(verifiertest.FaultHang) }, get(discoveryURL)},
		{"SetLatency", func(i *verifiertest.Issuer) { i.SetLatency(time.Hour) }, get(func(i *verifiertest.Issuer) string { return i.JWKSURL() })},
		{"fetch of a key source with the default FetchTimeout", func(i *verifiertest.Issuer) { i.SetFault(verifiertest.FaultHang) },
			func(t *testing.T, i *verifiertest.Issuer) error {
				return i.NewRemote(jwks.RemoteConfig{Logger: quiet}).Refresh(context.Background())
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			onRequest, arrived := arrivals()
			// Not closed by a deferred call or t.Cleanup, which would hang
			// the test instead of failing it if Close did hang.
			iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{OnRequest: onRequest})
			tc.setup(iss)
			failed := make(chan error, 1)
			go func() { failed <- tc.fetch(t, iss) }()
			receive(t, arrived, "the request to reach the issuer")

			closed := make(chan struct{})
			go func() {
				iss.Close()
				close(closed)
			}()
			receive(t, closed, "Close to return while a request is held")
			assert.Error(t, receive(t, failed, "the held request to end"), "a request held when the issuer closed should fail, not be answered")
		})
	}
}

// get returns a fetch that GETs the URL url returns.
func get(url func(*verifiertest.Issuer) string) func(*testing.T, *verifiertest.Issuer) error {
	return func(t *testing.T, i *verifiertest.Issuer) error {
		resp, err := http.Get(url(i))
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
}

func discoveryURL(i *verifiertest.Issuer) string { return i.URL + "/.well-known/openid-configuration" }

func TestDiscoveryLocations(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  verifiertest.IssuerConfig
	}{
		{"no path", verifiertest.IssuerConfig{}},
		{"RFC 8414 only", verifiertest.IssuerConfig{RFC8414Only: true}},
		{"path", verifiertest.IssuerConfig{Path: "/tenant1"}},
		{"path, RFC 8414 only", verifiertest.IssuerConfig{Path: "/tenant1", RFC8414Only: true}},
		{"two segments", verifiertest.IssuerConfig{Path: "/realms/dev-1.a_b~c"}},
		{"trailing slash", verifiertest.IssuerConfig{Path: "/"}},
		{"path with trailing slash, RFC 8414 only", verifiertest.IssuerConfig{Path: "/tenant1/", RFC8414Only: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iss := verifiertest.Start(t, tc.cfg)
			host := strings.TrimSuffix(iss.URL, tc.cfg.Path)
			require.Equal(t, host+tc.cfg.Path, iss.URL, "URL with Path %q", tc.cfg.Path)
			require.NotContains(t, strings.TrimPrefix(host, "http://"), "/", "URL %q should be the server's address, then Path", iss.URL)
			base := strings.TrimSuffix(iss.URL, "/")
			assert.Equal(t, base+"/jwks.json", iss.JWKSURL())

			// Through jwks.Remote, with the issuer identifier only.
			v, err := verifier.New(iss.VerifierConfig())
			require.NoError(t, err)
			claims, err := v.Verify(context.Background(), iss.MustMint(t, verifiertest.Token{}))
			require.NoError(t, err, "Verify with keys found by discovery for issuer %q", iss.URL)
			assert.Equal(t, iss.URL, claims.Issuer(), `"iss" of a minted token`)
			assert.Equal(t, 1, iss.DiscoveryRequests(), "DiscoveryRequests() after the first fetch")
			assert.Equal(t, 1, iss.JWKSRequests(), "JWKSRequests() after the first fetch")

			wantOIDC := http.StatusOK
			if tc.cfg.RFC8414Only {
				wantOIDC = http.StatusNotFound
			}
			oidc := base + "/.well-known/openid-configuration"
			oauth := host + "/.well-known/oauth-authorization-server" + strings.TrimSuffix(tc.cfg.Path, "/")
			for _, loc := range []struct {
				url    string
				status int
			}{{oidc, wantOIDC}, {oauth, http.StatusOK}} {
				resp, err := http.Get(loc.url)
				require.NoError(t, err, "GET %s", loc.url)
				var meta map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&meta)
				resp.Body.Close()
				require.Equal(t, loc.status, resp.StatusCode, "GET %s", loc.url)
				if loc.status == http.StatusOK {
					assert.Equal(t, iss.URL, meta["issuer"], "issuer in the metadata at %s", loc.url)
					assert.Equal(t, iss.JWKSURL(), meta["jwks_uri"], "jwks_uri in the metadata at %s", loc.url)
				}
			}
		})
	}
}

func TestRFC8414OnlyIsFoundByFallback(t *testing.T) {
	onRequest, arrived := arrivals()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Path: "/tenant1", RFC8414Only: true, OnRequest: onRequest})
	_, keys := newVerifier(t, iss, jwks.RemoteConfig{})
	require.NoError(t, keys.Refresh(context.Background()), "Refresh of a key source for %s", iss.URL)
	var paths []string
	for range 3 {
		paths = append(paths, receive(t, arrived, "the requests of discovery and fetch"))
	}
	assert.Equal(t, []string{
		"/tenant1/.well-known/openid-configuration", // 404
		"/.well-known/oauth-authorization-server/tenant1",
		"/tenant1/jwks.json",
	}, paths, "requests a key source makes for an issuer with RFC 8414 metadata only")
}

func TestIssuerConfigPathRefused(t *testing.T) {
	for _, p := range []string{"tenant1", "/tenant1//", "//", "/a//b", "/../x", "/./x", "/a?b", "/a#b", "/{x}", "/a b", "/é"} {
		assert.Panics(t, func() { verifiertest.NewIssuer(verifiertest.IssuerConfig{Path: p}).Close() },
			"NewIssuer(IssuerConfig{Path: %q}) should panic", p)
	}
}

func TestFaultNames(t *testing.T) {
	for f, want := range map[verifiertest.Fault]string{
		verifiertest.FaultNone:        "FaultNone",
		verifiertest.FaultDown:        "FaultDown",
		verifiertest.FaultGarbage:     "FaultGarbage",
		verifiertest.FaultEmptyKeySet: "FaultEmptyKeySet",
		verifiertest.FaultHang:        "FaultHang",
		verifiertest.Fault(42):        "Fault(42)",
		verifiertest.Fault(-1):        "Fault(-1)",
	} {
		assert.Equal(t, want, f.String(), "Fault(%d).String()", int(f))
	}
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	assert.PanicsWithValue(t, "verifiertest: unknown Fault(42)", func() { iss.SetFault(42) }, "SetFault(42)")
	assert.Panics(t, func() { iss.SetDiscoveryFault(-1) }, "SetDiscoveryFault(-1)")
}

func TestFaultAnswers(t *testing.T) {
	for _, tc := range []struct {
		fault       verifiertest.Fault
		discovery   bool
		status      int
		contentType string
		body        string // in the answer
		absent      string // not in the answer, if not empty
	}{
		{verifiertest.FaultDown, false, 503, "text/plain; charset=utf-8", "unavailable", ""},
		{verifiertest.FaultDown, true, 503, "text/plain; charset=utf-8", "unavailable", ""},
		{verifiertest.FaultGarbage, false, 200, "text/html; charset=utf-8", "<html>", ""},
		{verifiertest.FaultGarbage, true, 200, "text/html; charset=utf-8", "<html>", ""},
		{verifiertest.FaultEmptyKeySet, false, 200, "application/jwk-set+json", `{"keys":[]}`, ""},
		{verifiertest.FaultEmptyKeySet, true, 200, "application/json", `"issuer":`, "jwks_uri"},
	} {
		name := tc.fault.String() + " JWKS"
		if tc.discovery {
			name = tc.fault.String() + " discovery"
		}
		t.Run(name, func(t *testing.T) {
			iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
			url := iss.JWKSURL()
			if tc.discovery {
				url = discoveryURL(iss)
				iss.SetDiscoveryFault(tc.fault)
			} else {
				iss.SetFault(tc.fault)
			}
			resp, err := http.Get(url)
			require.NoError(t, err, "GET %s", url)
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode, "GET %s under %v", url, tc.fault)
			assert.Equal(t, tc.contentType, resp.Header.Get("Content-Type"), "GET %s under %v", url, tc.fault)
			assert.Contains(t, string(body), tc.body, "GET %s under %v", url, tc.fault)
			if tc.absent != "" {
				assert.NotContains(t, string(body), tc.absent, "GET %s under %v", url, tc.fault)
			}

			other := discoveryURL(iss)
			if tc.discovery {
				other = iss.JWKSURL()
			}
			resp, err = http.Get(other)
			require.NoError(t, err, "GET %s", other)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: a fault of one endpoint leaves the other alone", other)
			assert.Equal(t, 1, iss.JWKSRequests(), "JWKSRequests() counts faulted requests too")
			assert.Equal(t, 1, iss.DiscoveryRequests(), "DiscoveryRequests() counts faulted requests too")

			iss.SetFault(verifiertest.FaultNone)
			iss.SetDiscoveryFault(verifiertest.FaultNone)
			resp, err = http.Get(url)
			require.NoError(t, err, "GET %s", url)
			resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, "GET %s after the fault was cleared", url)
		})
	}
}
