package bearer_test

// DPoP behind a reverse proxy (bearer.Proxy): the URL a proof signs is the
// one the client used, which only a trusted proxy's forwarding headers
// tell; from any other address those headers are the client's own and
// count for nothing.

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

const (
	// publicURL is the URL a client behind the proxy calls; internalURL
	// is the one the server sees (httptest.NewRequest's host).
	publicURL   = "https://api.example.test/items"
	internalURL = "http://example.com/items"

	trustedAddr   = "10.0.0.1:5000"  // in proxyNet
	untrustedAddr = "192.0.2.7:5000" // outside it
	proxyNet      = "10.0.0.0/8"     // the proxy's addresses
	forwardedDesc = "the proxy's forwarding headers do not name one scheme and host"
)

// dpopFixture is a DPoP checker on the fixed clock, the algs of its
// challenges, and a token bound to the shared issuer's DPoP key.
type dpopFixture struct {
	checker *dpop.Checker
	algs    string
	token   string
}

func newDPoPFixture(t *testing.T) *dpopFixture {
	t.Helper()
	c, err := dpop.New(dpop.Config{Now: fakeClock})
	require.NoError(t, err, "dpop.New(Config{Now: fakeClock})")
	tok := issuer.MustMint(t, verifiertest.Token{Subject: "dpop-client", Scope: "read",
		Claims: map[string]any{"cnf": verifiertest.DPoPBound(issuer.DPoPThumbprint())}})
	return &dpopFixture{checker: c, algs: strings.Join(c.Algorithms(), " "), token: tok}
}

// request returns a GET /items request from remote presenting the bound
// token with a fresh proof for proofURL, with the header pairs given
// (name, value, name, value, ...; a name may repeat).
func (d *dpopFixture) request(t *testing.T, remote, proofURL string, header ...string) *http.Request {
	t.Helper()
	r := requestWith("DPoP " + d.token)
	r.RemoteAddr = remote
	r.Header.Set("DPoP", issuer.MustMintProof(t, verifiertest.Proof{URL: proofURL, AccessToken: d.token}))
	require.Zero(t, len(header)%2, "header pairs: %q", header)
	for i := 0; i < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return r
}

// forwarded are the headers of a proxy in front of https://api.example.test.
var forwarded = []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.test"}

// challenge is the DPoP challenge with realm "api" of an error.
func (d *dpopFixture) challenge(code, desc string) string {
	return `DPoP realm="api", error="` + code + `", error_description="` + desc + `", algs="` + d.algs + `"`
}

// wantDPoPOutcome checks what Authenticate returned: success with the
// bound token's claims when wantErr is "", or else a refused proof, whose
// answer is 401 with the DPoP challenge invalid_dpop_proof and wantErr.
func wantDPoPOutcome(t *testing.T, d *dpopFixture, a *bearer.Auth, r *http.Request, wantErr string) {
	const wantStatus, wantCode = http.StatusUnauthorized, "invalid_dpop_proof"
	t.Helper()
	got, err := a.Authenticate(r)
	if wantErr == "" {
		require.NoError(t, err, "Authenticate(%s from %s)", r.URL, r.RemoteAddr)
		claims := claimsOf(got)
		require.NotNil(t, claims, "claims after Authenticate succeeded")
		assert.Equal(t, "dpop-client", claims.Subject(), "subject of the claims after Authenticate")
		return
	}
	require.Error(t, err, "Authenticate(%s from %s) = nil error, want %q", r.URL, r.RemoteAddr, wantErr)
	assert.Nil(t, claimsOf(got), "claims after a refusal (%v)", err)
	resp := a.Response(err)
	assert.Equal(t, wantStatus, resp.Status, "Response(%v).Status", err)
	assert.Equal(t, d.challenge(wantCode, wantErr), challengeLine(resp), "Response(%v) challenge", err)
	assert.Equal(t, `{"error":"`+wantCode+`","error_description":"`+wantErr+`"}`+"\n", string(resp.Body), "Response(%v).Body", err)
}

func TestDPoPBehindProxy(t *testing.T) {
	v, _ := newVerifier(t)
	d := newDPoPFixture(t)
	proxy := func(forwardedURL bool) *bearer.Proxy {
		return &bearer.Proxy{Addresses: []netip.Prefix{netip.MustParsePrefix(proxyNet)}, ForwardedURL: forwardedURL}
	}
	withProxy := newAuth(t, v, bearer.Options{Realm: "api", DPoP: d.checker, Proxy: proxy(true)})
	notForwarded := newAuth(t, v, bearer.Options{Realm: "api", DPoP: d.checker, Proxy: proxy(false)})

	tests := []struct {
		name     string
		a        *bearer.Auth
		remote   string
		proofURL string
		header   []string
		wantErr  string // invalid_dpop_proof description; "" for success
	}{
		{"trusted proxy, proof for the forwarded URL", withProxy, trustedAddr, publicURL, forwarded, ""},
		{"trusted proxy, headers in another case", withProxy, trustedAddr, publicURL,
			[]string{"x-forwarded-proto", "https", "x-forwarded-host", "api.example.test"}, ""},
		{"trusted proxy, forwarded host with a port", withProxy, trustedAddr, "https://api.example.test:8443/items",
			[]string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.test:8443"}, ""},
		{"trusted proxy, forwarded host with the default port", withProxy, trustedAddr, publicURL,
			[]string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.test:443"}, ""},
		{"trusted proxy, forwarded http", withProxy, trustedAddr, "http://api.example.test/items",
			[]string{"X-Forwarded-Proto", "http", "X-Forwarded-Host", "api.example.test"}, ""},
		{"trusted proxy, proof for the internal URL", withProxy, trustedAddr, internalURL, forwarded, "wrong htu"},
		{"trusted proxy, proof for http while the client used https", withProxy, trustedAddr, "http://api.example.test/items", forwarded, "wrong htu"},
		{"trusted proxy, proof for another host", withProxy, trustedAddr, "https://other.example.test/items", forwarded, "wrong htu"},
		{"untrusted address, forwarding headers ignored", withProxy, untrustedAddr, publicURL, forwarded, "wrong htu"},
		{"untrusted address, proof for the internal URL", withProxy, untrustedAddr, internalURL, forwarded, ""},
		{"untrusted address, repeated forwarding headers ignored", withProxy, untrustedAddr, internalURL,
			append(append([]string(nil), forwarded...), forwarded...), ""},
		{"ForwardedURL false, trusted proxy, headers ignored", notForwarded, trustedAddr, publicURL, forwarded, "wrong htu"},
		{"ForwardedURL false, trusted proxy, proof for the internal URL", notForwarded, trustedAddr, internalURL, forwarded, ""},
		{"IPv4-mapped IPv6 address of the proxy", withProxy, "[::ffff:10.0.0.1]:5000", publicURL, forwarded, ""},
		{"IPv4-mapped IPv6 address outside the proxy's prefix", withProxy, "[::ffff:192.0.2.7]:5000", publicURL, forwarded, "wrong htu"},
		{"IPv6 address outside the proxy's prefix", withProxy, "[2001:db8::1]:5000", publicURL, forwarded, "wrong htu"},
		{"address without a port is untrusted", withProxy, "10.0.0.1", publicURL, forwarded, "wrong htu"},
		{"address that does not parse is untrusted", withProxy, "proxy.internal:5000", publicURL, forwarded, "wrong htu"},
		{"empty address is untrusted", withProxy, "", publicURL, forwarded, "wrong htu"},
		{"unix socket address is untrusted", withProxy, "@", internalURL, forwarded, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDPoPOutcome(t, d, tt.a, d.request(t, tt.remote, tt.proofURL, tt.header...), tt.wantErr)
		})
	}
}

// A trusted proxy whose forwarding headers do not name exactly one scheme
// and one host has sent a malformed request: 400 invalid_request, and no
// guess at the URL.
func TestDPoPBehindProxyMalformedForwarding(t *testing.T) {
	v, _ := newVerifier(t)
	d := newDPoPFixture(t)
	a := newAuth(t, v, bearer.Options{Realm: "api", DPoP: d.checker,
		Proxy: &bearer.Proxy{Addresses: []netip.Prefix{netip.MustParsePrefix(proxyNet)}, ForwardedURL: true}})
	const proto, host = "X-Forwarded-Proto", "X-Forwarded-Host"
	tests := []struct {
		name   string
		header []string
	}{
		{"no forwarding headers", nil},
		{"no X-Forwarded-Proto", []string{host, "api.example.test"}},
		{"no X-Forwarded-Host", []string{proto, "https"}},
		{"X-Forwarded-Proto twice", []string{proto, "https", proto, "https", host, "api.example.test"}},
		{"X-Forwarded-Host twice", []string{proto, "https", host, "api.example.test", host, "api.example.test"}},
		{"X-Forwarded-Proto with two values", []string{proto, "https, http", host, "api.example.test"}},
		{"X-Forwarded-Host with two values", []string{proto, "https", host, "api.example.test,proxy.internal"}},
		{"empty X-Forwarded-Proto", []string{proto, "", host, "api.example.test"}},
		{"empty X-Forwarded-Host", []string{proto, "https", host, ""}},
		{"X-Forwarded-Proto ftp", []string{proto, "ftp", host, "api.example.test"}},
		{"X-Forwarded-Proto wss", []string{proto, "wss", host, "api.example.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := d.request(t, trustedAddr, publicURL, tt.header...)
			_, err := a.Credentials(r)
			var re *bearer.RequestError
			require.True(t, errors.As(err, &re), "Credentials with headers %q = %v (%T), want a *bearer.RequestError", tt.header, err, err)
			assert.Equal(t, forwardedDesc, re.Description, "RequestError.Description")
			assert.ErrorIs(t, err, bearer.ErrInvalidRequest, "the error matches ErrInvalidRequest")

			got, err := a.Authenticate(r)
			require.ErrorIs(t, err, bearer.ErrInvalidRequest, "Authenticate with headers %q", tt.header)
			assert.Nil(t, claimsOf(got), "claims after a malformed request")
			resp := a.Response(err)
			assert.Equal(t, http.StatusBadRequest, resp.Status, "Response(%v).Status", err)
			assert.Empty(t, resp.Nonce, "Response(%v).Nonce", err)
			assert.Equal(t, `{"error":"invalid_request","error_description":"`+forwardedDesc+`"}`+"\n", string(resp.Body), "Response(%v).Body", err)
			// The request used the DPoP scheme, so its answer is a DPoP
			// challenge (see the doc of Auth.Response).
			assert.Equal(t, d.challenge("invalid_request", forwardedDesc), challengeLine(resp), "Response(%v) challenge to a request with the DPoP scheme", err)
		})
	}
}

// Over TLS the server itself sees the scheme the client used: https.
func TestDPoPOverTLS(t *testing.T) {
	v, _ := newVerifier(t)
	d := newDPoPFixture(t)
	a := newAuth(t, v, bearer.Options{Realm: "api", DPoP: d.checker})
	overTLS := func(proofURL string) *http.Request {
		r := d.request(t, untrustedAddr, proofURL)
		r.TLS = &tls.ConnectionState{}
		return r
	}
	tests := []struct {
		name    string
		r       *http.Request
		wantErr string
	}{
		{"TLS, proof for https", overTLS("https://example.com/items"), ""},
		{"TLS, proof for http", overTLS(internalURL), "wrong htu"},
		{"no TLS, proof for https", d.request(t, untrustedAddr, "https://example.com/items"), "wrong htu"},
		{"no TLS, proof for http", d.request(t, untrustedAddr, internalURL), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantDPoPOutcome(t, d, a, tt.r, tt.wantErr)
		})
	}
}

func TestNewProxyAndDPoPSettings(t *testing.T) {
	v, _ := newVerifier(t)
	d := newDPoPFixture(t)
	required, err := dpop.New(dpop.Config{Required: true, Now: fakeClock})
	require.NoError(t, err, "dpop.New(Config{Required: true})")
	addrs := []netip.Prefix{netip.MustParsePrefix(proxyNet)}

	refused := []struct {
		name string
		opts bearer.Options
	}{
		{"proxy without addresses", bearer.Options{Proxy: &bearer.Proxy{ForwardedURL: true}}},
		{"proxy with an empty address list", bearer.Options{Proxy: &bearer.Proxy{Addresses: []netip.Prefix{}, ForwardedURL: true}}},
		{"proxy with the zero prefix", bearer.Options{Proxy: &bearer.Proxy{Addresses: []netip.Prefix{{}}}}},
		{"proxy with an invalid prefix after a good one", bearer.Options{Proxy: &bearer.Proxy{Addresses: append(addrs, netip.PrefixFrom(netip.MustParseAddr("10.0.0.1"), 33))}}},
		{"certificate header with a space", bearer.Options{Proxy: &bearer.Proxy{Addresses: addrs, CertificateHeader: "X Client Cert"}}},
		{"certificate header with a colon", bearer.Options{Proxy: &bearer.Proxy{Addresses: addrs, CertificateHeader: "X-Client-Cert:"}}},
		{"certificate header with CRLF", bearer.Options{Proxy: &bearer.Proxy{Addresses: addrs, CertificateHeader: "X-Client-Cert\r\n"}}},
		{"DPoP among the bearer schemes", bearer.Options{Schemes: []string{"DPoP"}}},
		{"dpop in lower case among the bearer schemes", bearer.Options{Schemes: []string{"Bearer", "dpop"}}},
		{"DPoP among the bearer schemes, DPoP configured", bearer.Options{Schemes: []string{"DPoP"}, DPoP: d.checker}},
		{"DPoP required with a cookie", bearer.Options{DPoP: required, Cookie: "access_token"}},
		{"DPoP required with a query parameter", bearer.Options{DPoP: required, Query: "access_token"}},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			a, err := bearer.New(v, tt.opts)
			assert.Error(t, err, "bearer.New(v, %+v) = nil error, want one", tt.opts)
			assert.Nil(t, a, "bearer.New(v, %+v) returned an Auth along with its error", tt.opts)
		})
	}

	accepted := []struct {
		name string
		opts bearer.Options
	}{
		{"proxy with addresses", bearer.Options{Proxy: &bearer.Proxy{Addresses: addrs, ForwardedURL: true, CertificateHeader: "X-Client-Cert"}}},
		{"proxy with an IPv6 prefix", bearer.Options{Proxy: &bearer.Proxy{Addresses: []netip.Prefix{netip.MustParsePrefix("fd00::/8")}}}},
		{"DPoP allowed with a cookie", bearer.Options{DPoP: d.checker, Cookie: "access_token"}},
		{"DPoP allowed with a query parameter", bearer.Options{DPoP: d.checker, Query: "access_token"}},
		{"DPoP required", bearer.Options{DPoP: required}},
	}
	for _, tt := range accepted {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bearer.New(v, tt.opts)
			assert.NoError(t, err, "bearer.New(v, %+v)", tt.opts)
		})
	}
}

// New keeps its own copy of the Proxy: what the caller changes afterwards,
// in the struct or in its Addresses, changes nothing.
func TestNewCopiesProxy(t *testing.T) {
	v, _ := newVerifier(t)
	d := newDPoPFixture(t)
	p := &bearer.Proxy{Addresses: []netip.Prefix{netip.MustParsePrefix(proxyNet)}, ForwardedURL: true}
	a := newAuth(t, v, bearer.Options{Realm: "api", DPoP: d.checker, Proxy: p})

	p.Addresses[0] = netip.MustParsePrefix("192.0.2.0/24")
	p.Addresses = append(p.Addresses, netip.MustParsePrefix("198.51.100.0/24"))
	p.ForwardedURL = false

	t.Run("the proxy's address is still trusted", func(t *testing.T) {
		wantDPoPOutcome(t, d, a, d.request(t, trustedAddr, publicURL, forwarded...), "")
	})
	t.Run("an address the caller added later is not", func(t *testing.T) {
		wantDPoPOutcome(t, d, a, d.request(t, untrustedAddr, publicURL, forwarded...), "wrong htu")
		wantDPoPOutcome(t, d, a, d.request(t, "198.51.100.1:5000", publicURL, forwarded...), "wrong htu")
	})
}

// A trusted proxy's X-Forwarded-Host must be a host[:port]: anything else is
// a malformed request, not a URL to sign against.
func TestForwardedHostMustBeAHost(t *testing.T) {
	v, _ := newVerifier(t)
	checker, err := dpop.New(dpop.Config{Now: fakeClock})
	require.NoError(t, err, "dpop.New")
	a := newAuth(t, v, bearer.Options{Realm: "api", DPoP: checker,
		Proxy: &bearer.Proxy{Addresses: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, ForwardedURL: true}})
	token := issuer.MustMint(t, verifiertest.Token{Claims: map[string]any{"cnf": verifiertest.DPoPBound(issuer.DPoPThumbprint())}})
	for _, host := range []string{"a/b", "user@h.example", "h.example:https", "[::1", "h.example?x"} {
		r := requestWith("DPoP " + token)
		r.RemoteAddr = "10.0.0.5:4000"
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("X-Forwarded-Host", host)
		r.Header.Set("DPoP", issuer.MustMintProof(t, verifiertest.Proof{URL: "https://api.example.test/items", AccessToken: token}))
		_, err := a.Authenticate(r)
		var re *bearer.RequestError
		require.True(t, errors.As(err, &re), "Authenticate with X-Forwarded-Host %q: %v (%T), want a *bearer.RequestError", host, err, err)
		resp := a.Response(err)
		assert.Equal(t, http.StatusBadRequest, resp.Status, "X-Forwarded-Host %q: status", host)
		require.Len(t, resp.Challenges, 1, "X-Forwarded-Host %q: challenges", host)
		assert.Equal(t, "DPoP", resp.Challenges[0].Scheme, "X-Forwarded-Host %q: the challenge of a DPoP request", host)
	}
	_, err = bearer.New(v, bearer.Options{Proxy: &bearer.Proxy{Addresses: []netip.Prefix{netip.MustParsePrefix("::ffff:10.0.0.0/104")}}})
	assert.Error(t, err, "New with an IPv4-mapped IPv6 proxy prefix")
}
