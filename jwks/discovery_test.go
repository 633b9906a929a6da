package jwks

import (
	"context"
	"crypto/elliptic"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests are internal because they exercise metadataURLs,
// checkFetchURL and noDowngrade directly.

func TestMetadataURLs(t *testing.T) {
	tests := []struct {
		issuer    string
		wantOIDC  string
		wantOAuth string
	}{
		{"https://issuer.example", "https://issuer.example/.well-known/openid-configuration", "https://issuer.example/.well-known/oauth-authorization-server"},
		{"https://issuer.example/", "https://issuer.example/.well-known/openid-configuration", "https://issuer.example/.well-known/oauth-authorization-server"},
		{"https://issuer.example/tenant1", "https://issuer.example/tenant1/.well-known/openid-configuration", "https://issuer.example/.well-known/oauth-authorization-server/tenant1"},
		{"https://issuer.example/tenant1/", "https://issuer.example/tenant1/.well-known/openid-configuration", "https://issuer.example/.well-known/oauth-authorization-server/tenant1"},
		{"https://issuer.example:8443/a/b", "https://issuer.example:8443/a/b/.well-known/openid-configuration", "https://issuer.example:8443/.well-known/oauth-authorization-server/a/b"},
		{"http://127.0.0.1:8080/realms/my%20realm", "http://127.0.0.1:8080/realms/my%20realm/.well-known/openid-configuration", "http://127.0.0.1:8080/.well-known/oauth-authorization-server/realms/my%20realm"},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			oidc, oauth, err := metadataURLs(tt.issuer)
			require.NoError(t, err, "metadataURLs(%q)", tt.issuer)
			assert.Equal(t, tt.wantOIDC, oidc, "metadataURLs(%q) OpenID Connect location", tt.issuer)
			assert.Equal(t, tt.wantOAuth, oauth, "metadataURLs(%q) RFC 8414 location", tt.issuer)
		})
	}
	for _, issuer := range []string{"https://issuer.example?tenant=1", "https://issuer.example/#frag", "http://[::1"} {
		_, _, err := metadataURLs(issuer)
		assert.Error(t, err, "metadataURLs(%q); want an error", issuer)
	}
}

func TestCheckFetchURL(t *testing.T) {
	tests := []struct {
		ref, base string
		wantErr   string // "" for accepted
	}{
		{"https://keys.example/jwks", "", ""},
		{"http://127.0.0.1:8080/jwks", "", ""},
		{"https://keys.example/jwks", "https://issuer.example", ""},
		{"http://keys.example/jwks", "http://issuer.example", ""},
		{"https://keys.example/jwks", "http://issuer.example", ""},
		{"http://keys.example/jwks", "https://issuer.example", "an https issuer must publish an https URL"},
		{"http://keys.example/jwks", "https://issuer.example/tenant1", "an https issuer must publish an https URL"},
		{"ftp://keys.example/jwks", "", "not an absolute http(s) URL"},
		{"file:///etc/jwks.json", "", "not an absolute http(s) URL"},
		{"javascript:alert(1)", "", "not an absolute http(s) URL"},
		{"/jwks", "https://issuer.example", "not an absolute http(s) URL"},
		{"//keys.example/jwks", "", "not an absolute http(s) URL"},
		{"https:///jwks", "", "not an absolute http(s) URL"},
		{"keys.example/jwks", "", "not an absolute http(s) URL"},
		{"", "", "not an absolute http(s) URL"},
		{"http://[::1", "", "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.ref+" from "+tt.base, func(t *testing.T) {
			err := checkFetchURL(tt.ref, tt.base)
			if tt.wantErr == "" {
				assert.NoError(t, err, "checkFetchURL(%q, %q)", tt.ref, tt.base)
				return
			}
			require.Error(t, err, "checkFetchURL(%q, %q); want an error", tt.ref, tt.base)
			assert.Contains(t, err.Error(), tt.wantErr, "checkFetchURL(%q, %q)", tt.ref, tt.base)
		})
	}
}

func TestNoDowngrade(t *testing.T) {
	req := func(u string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(t, err)
		return r
	}
	assert.Error(t, noDowngrade(req("http://b.example/jwks"), []*http.Request{req("https://a.example/jwks")}), "redirect https -> http")
	assert.Error(t, noDowngrade(req("http://c.example/jwks"), []*http.Request{req("https://a.example/jwks"), req("https://b.example/jwks")}), "redirect https -> https -> http")
	assert.NoError(t, noDowngrade(req("https://b.example/jwks"), []*http.Request{req("https://a.example/jwks")}), "redirect https -> https")
	assert.NoError(t, noDowngrade(req("https://b.example/jwks"), []*http.Request{req("http://a.example/jwks")}), "redirect http -> https")
	assert.NoError(t, noDowngrade(req("http://b.example/jwks"), []*http.Request{req("http://a.example/jwks")}), "redirect http -> http")
	via := make([]*http.Request, 10)
	for i := range via {
		via[i] = req("https://a.example/jwks")
	}
	assert.Error(t, noDowngrade(req("https://a.example/jwks"), via), "the 11th redirect")
}

// discoveryServer serves issuer metadata and a JWKS, counting requests per
// path.
type discoveryServer struct {
	*httptest.Server
	mu     sync.Mutex
	routes map[string]func() (int, any) // path -> status and JSON body
	hits   map[string]int
	order  []string
}

func newDiscoveryServer(t *testing.T, tlsServer bool) *discoveryServer {
	t.Helper()
	ds := &discoveryServer{routes: map[string]func() (int, any){}, hits: map[string]int{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds.mu.Lock()
		ds.hits[r.URL.EscapedPath()]++
		ds.order = append(ds.order, r.URL.EscapedPath())
		route := ds.routes[r.URL.EscapedPath()]
		ds.mu.Unlock()
		if route == nil {
			http.NotFound(w, r)
			return
		}
		status, body := route()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	})
	if tlsServer {
		ds.Server = httptest.NewTLSServer(h)
	} else {
		ds.Server = httptest.NewServer(h)
	}
	t.Cleanup(ds.Close)
	return ds
}

func (ds *discoveryServer) route(path string, status int, body any) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	ds.routes[path] = func() (int, any) { return status, body }
}

func (ds *discoveryServer) count(path string) int {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.hits[path]
}

func (ds *discoveryServer) requested() []string {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return append([]string(nil), ds.order...)
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newDiscoveryRemote(t *testing.T, issuer string, client *http.Client, clock *testClock) *Remote {
	t.Helper()
	r, err := NewRemote(RemoteConfig{Issuer: issuer, HTTPClient: client, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestDiscoveryOpenIDConnect(t *testing.T) {
	ds := newDiscoveryServer(t, false)
	k := newECKey(t, elliptic.P256())
	ds.route("/.well-known/openid-configuration", 200, map[string]any{"issuer": ds.URL, "jwks_uri": ds.URL + "/keys", "token_endpoint": ds.URL + "/token"})
	ds.route("/keys", 200, map[string]any{"keys": []jwkMap{ecJWK("k1", &k.PublicKey)}})
	clock := &testClock{now: time.Unix(1_700_000_000, 0)}
	r := newDiscoveryRemote(t, ds.URL, nil, clock)
	ctx := context.Background()

	keys, err := r.Keys(ctx, Query{KeyID: "k1", Algorithm: "ES256"})
	require.NoError(t, err, "Remote.Keys via discovery")
	require.Len(t, keys, 1)
	assert.Equal(t, "k1", keys[0].ID())
	assert.Equal(t, []string{"/.well-known/openid-configuration", "/keys"}, ds.requested(), "requests made")

	// The discovered jwks_uri is kept: refetches do not re-read the metadata.
	require.NoError(t, r.Refresh(ctx))
	clock.Advance(time.Hour)
	_, err = r.Keys(ctx, Query{KeyID: "unknown", Algorithm: "ES256"})
	require.ErrorIs(t, err, ErrKeyNotFound)
	assert.Equal(t, 1, ds.count("/.well-known/openid-configuration"), "discovery requests after three fetches")
	assert.Equal(t, 3, ds.count("/keys"), "JWKS requests")
}

func TestDiscoveryRFC8414Fallback(t *testing.T) {
	ds := newDiscoveryServer(t, false)
	k := newECKey(t, elliptic.P256())
	issuer := ds.URL + "/tenant1"
	// The OpenID Connect location is not routed: it answers 404.
	ds.route("/.well-known/oauth-authorization-server/tenant1", 200, map[string]any{"issuer": issuer, "jwks_uri": ds.URL + "/tenant1/keys"})
	ds.route("/tenant1/keys", 200, map[string]any{"keys": []jwkMap{ecJWK("k1", &k.PublicKey)}})
	r := newDiscoveryRemote(t, issuer, nil, &testClock{now: time.Unix(1_700_000_000, 0)})

	keys, err := r.Keys(context.Background(), Query{KeyID: "k1", Algorithm: "ES256"})
	require.NoError(t, err, "Remote.Keys via RFC 8414 discovery")
	assert.Equal(t, "k1", keys[0].ID())
	assert.Equal(t, []string{
		"/tenant1/.well-known/openid-configuration",
		"/.well-known/oauth-authorization-server/tenant1",
		"/tenant1/keys",
	}, ds.requested(), "requests made: OpenID Connect location, then RFC 8414 location, then the JWKS")
}

func TestDiscoveryRefuses(t *testing.T) {
	k := newECKey(t, elliptic.P256())
	tests := []struct {
		name    string
		meta    func(ds *discoveryServer) (int, any)
		wantMsg string
	}{
		{"issuer mismatch", func(ds *discoveryServer) (int, any) {
			return 200, map[string]any{"issuer": "https://evil.example", "jwks_uri": ds.URL + "/keys"}
		}, `metadata names issuer "https://evil.example"`},
		{"issuer with trailing slash", func(ds *discoveryServer) (int, any) {
			return 200, map[string]any{"issuer": ds.URL + "/", "jwks_uri": ds.URL + "/keys"}
		}, "metadata names issuer"},
		{"issuer missing", func(ds *discoveryServer) (int, any) {
			return 200, map[string]any{"jwks_uri": ds.URL + "/keys"}
		}, `metadata names issuer ""`},
		{"jwks_uri missing", func(ds *discoveryServer) (int, any) {
			return 200, map[string]any{"issuer": ds.URL}
		}, "no jwks_uri"},
		{"jwks_uri ftp", func(ds *discoveryServer) (int, any) {
			return 200, map[string]any{"issuer": ds.URL, "jwks_uri": "ftp://" + strings.TrimPrefix(ds.URL, "http://") + "/keys"}
		}, "jwks_uri: not an absolute http(s) URL"},
		{"jwks_uri file", func(ds *discoveryServer) (int, any) {
			return 200, map[string]any{"issuer": ds.URL, "jwks_uri": "file:///etc/passwd"}
		}, "jwks_uri: not an absolute http(s) URL"},
		{"jwks_uri relative", func(ds *discoveryServer) (int, any) {
			return 200, map[string]any{"issuer": ds.URL, "jwks_uri": "/keys"}
		}, "jwks_uri: not an absolute http(s) URL"},
		{"metadata not JSON", func(ds *discoveryServer) (int, any) {
			return 200, "<html>"
		}, "metadata is not JSON"},
		// The metadata is read by encoding/json/v2. Two "issuer" members
		// are refused: encoding/json v1 took the last, so a document could
		// show one issuer to another reader and the expected one to us.
		{"issuer twice", func(ds *discoveryServer) (int, any) {
			return 200, json.RawMessage(`{"issuer":"https://evil.example","issuer":"` + ds.URL + `","jwks_uri":"` + ds.URL + `/keys"}`)
		}, `duplicate object member name "issuer"`},
		// Member names match case-sensitively (v1 matched "Issuer" too).
		{"names in another case", func(ds *discoveryServer) (int, any) {
			return 200, json.RawMessage(`{"Issuer":"` + ds.URL + `","JWKS_URI":"` + ds.URL + `/keys"}`)
		}, `metadata names issuer ""`},
		{"metadata server error", func(ds *discoveryServer) (int, any) {
			return 500, map[string]any{}
		}, "500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := newDiscoveryServer(t, false)
			status, body := tt.meta(ds)
			ds.route("/.well-known/openid-configuration", status, body)
			ds.route("/.well-known/oauth-authorization-server", status, body)
			ds.route("/keys", 200, map[string]any{"keys": []jwkMap{ecJWK("k1", &k.PublicKey)}})
			r := newDiscoveryRemote(t, ds.URL, nil, &testClock{now: time.Unix(1_700_000_000, 0)})

			err := r.Refresh(context.Background())
			require.Error(t, err, "Remote.Refresh with %s", tt.name)
			assert.Contains(t, err.Error(), tt.wantMsg, "Remote.Refresh error with %s", tt.name)
			_, err = r.Keys(context.Background(), Query{KeyID: "k1", Algorithm: "ES256"})
			assert.ErrorIs(t, err, ErrUnavailable, "Remote.Keys after failed discovery")
			assert.Zero(t, ds.count("/keys"), "JWKS requests after failed discovery")
		})
	}
}

func TestDiscoveryFailureIsNotCached(t *testing.T) {
	ds := newDiscoveryServer(t, false)
	k := newECKey(t, elliptic.P256())
	ds.route("/.well-known/openid-configuration", 200, map[string]any{"issuer": ds.URL})
	ds.route("/keys", 200, map[string]any{"keys": []jwkMap{ecJWK("k1", &k.PublicKey)}})
	clock := &testClock{now: time.Unix(1_700_000_000, 0)}
	r := newDiscoveryRemote(t, ds.URL, nil, clock)
	ctx := context.Background()

	_, err := r.Keys(ctx, Query{KeyID: "k1", Algorithm: "ES256"})
	require.ErrorIs(t, err, ErrUnavailable, "Remote.Keys with metadata lacking jwks_uri")

	ds.route("/.well-known/openid-configuration", 200, map[string]any{"issuer": ds.URL, "jwks_uri": ds.URL + "/keys"})
	clock.Advance(DefaultRefreshCooldown)
	keys, err := r.Keys(ctx, Query{KeyID: "k1", Algorithm: "ES256"})
	require.NoError(t, err, "Remote.Keys after the metadata was fixed")
	assert.Equal(t, "k1", keys[0].ID())
	assert.Equal(t, 2, ds.count("/.well-known/openid-configuration"), "discovery requests")
}

func TestDiscoveryHTTPS(t *testing.T) {
	k := newECKey(t, elliptic.P256())
	jwksBody := map[string]any{"keys": []jwkMap{ecJWK("k1", &k.PublicKey)}}

	t.Run("https jwks_uri", func(t *testing.T) {
		ds := newDiscoveryServer(t, true)
		ds.route("/.well-known/openid-configuration", 200, map[string]any{"issuer": ds.URL, "jwks_uri": ds.URL + "/keys"})
		ds.route("/keys", 200, jwksBody)
		r := newDiscoveryRemote(t, ds.URL, ds.Client(), &testClock{now: time.Unix(1_700_000_000, 0)})
		keys, err := r.Keys(context.Background(), Query{KeyID: "k1", Algorithm: "ES256"})
		require.NoError(t, err, "Remote.Keys via https discovery")
		assert.Equal(t, "k1", keys[0].ID())
	})

	t.Run("http jwks_uri from an https issuer", func(t *testing.T) {
		plain := newDiscoveryServer(t, false)
		plain.route("/keys", 200, jwksBody)
		ds := newDiscoveryServer(t, true)
		ds.route("/.well-known/openid-configuration", 200, map[string]any{"issuer": ds.URL, "jwks_uri": plain.URL + "/keys"})
		r := newDiscoveryRemote(t, ds.URL, ds.Client(), &testClock{now: time.Unix(1_700_000_000, 0)})
		err := r.Refresh(context.Background())
		require.Error(t, err, "Remote.Refresh with an https issuer publishing an http jwks_uri")
		assert.Contains(t, err.Error(), "an https issuer must publish an https URL")
		assert.Zero(t, plain.count("/keys"), "requests to the http jwks_uri")
	})

	t.Run("default client refuses a redirect to http", func(t *testing.T) {
		plain := newDiscoveryServer(t, false)
		plain.route("/keys", 200, jwksBody)
		tlsSrv := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/keys", http.StatusFound))
		t.Cleanup(tlsSrv.Close)
		// The default client's redirect policy with the test server's TLS
		// configuration.
		r, err := NewRemote(RemoteConfig{URL: tlsSrv.URL + "/jwks", Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		t.Cleanup(func() { _ = r.Close() })
		r.client.Transport = tlsSrv.Client().Transport
		err = r.Refresh(context.Background())
		require.Error(t, err, "Remote.Refresh redirected from https to http")
		assert.Contains(t, err.Error(), "refusing redirect from https to http")
		assert.Zero(t, plain.count("/keys"), "requests to the http target of the redirect")
	})
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://user:pa55@issuer.example/jwks?token=abc": "https://issuer.example/jwks",
		"https://apikey-123@issuer.example/jwks#frag":     "https://issuer.example/jwks",
		"https://issuer.example/jwks":                     "https://issuer.example/jwks",
		"http://[::1":                                     "(invalid URL)",
	} {
		got := redact(in)
		assert.Equal(t, want, got, "redact(%q)", in)
		u, _ := url.Parse(in)
		if u != nil && u.User != nil {
			if pw, ok := u.User.Password(); ok {
				assert.NotContains(t, got, pw, "redact(%q) keeps the password", in)
			}
			assert.NotContains(t, got, u.User.Username(), "redact(%q) keeps the user name", in)
		}
	}
}
