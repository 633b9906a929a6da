package bearer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// newClientCert returns a self-signed client certificate.
func newClientCert(t *testing.T, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "ecdsa.GenerateKey")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    fixedNow.Add(-time.Hour),
		NotAfter:     fixedNow.Add(24 * time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err, "x509.CreateCertificate")
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err, "x509.ParseCertificate")
	return cert, key
}

// x5t is the RFC 8705 thumbprint of cert.
func x5t(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func certBoundToken(t *testing.T, cert *x509.Certificate) string {
	return issuer.MustMint(t, verifiertest.Token{Subject: "bound", Scope: "read",
		Claims: map[string]any{"cnf": map[string]any{"x5t#S256": x5t(cert)}}})
}

func TestCertificateBoundTokens(t *testing.T) {
	v, _ := newVerifier(t)
	cert, _ := newClientCert(t, "client-a")
	other, _ := newClientCert(t, "client-b")
	bound := certBoundToken(t, cert)
	plain := issuer.MustMint(t, verifiertest.Token{Subject: "plain", Scope: "read"})
	proxy := &bearer.Proxy{Addresses: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, CertificateHeader: "X-Client-Cert"}
	direct := newAuth(t, v, bearer.Options{Realm: "api"})
	behindProxy := newAuth(t, v, bearer.Options{Realm: "api", Proxy: proxy})

	pemEscaped := url.QueryEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})))
	derB64 := base64.StdEncoding.EncodeToString(cert.Raw)
	request := func(tok string, tlsCert *x509.Certificate, remote string, header ...string) *http.Request {
		r := requestWith("Bearer " + tok)
		if tlsCert != nil {
			r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{tlsCert}}
		}
		if remote != "" {
			r.RemoteAddr = remote
		}
		for _, h := range header {
			r.Header.Add("X-Client-Cert", h)
		}
		return r
	}
	tests := []struct {
		name    string
		a       *bearer.Auth
		r       *http.Request
		wantErr string // BindingError description; "" for success
	}{
		{"bound token over TLS with its certificate", direct, request(bound, cert, ""), ""},
		{"bound token over TLS with another certificate", direct, request(bound, other, ""), "client certificate is not the one the token is bound to"},
		{"bound token without TLS", direct, request(bound, nil, ""), "certificate-bound token without a client certificate"},
		{"plain token over TLS with a certificate", direct, request(plain, cert, ""), ""},
		{"proxy header without a proxy configured is ignored", direct, request(bound, nil, "10.1.2.3:5000", pemEscaped), "certificate-bound token without a client certificate"},
		{"trusted proxy, URL-escaped PEM", behindProxy, request(bound, nil, "10.1.2.3:5000", pemEscaped), ""},
		{"trusted proxy, base64 DER", behindProxy, request(bound, nil, "10.1.2.3:5000", derB64), ""},
		{"trusted proxy, another certificate", behindProxy, request(bound, nil, "10.1.2.3:5000", base64.StdEncoding.EncodeToString(other.Raw)), "client certificate is not the one the token is bound to"},
		{"trusted proxy, no header", behindProxy, request(bound, nil, "10.1.2.3:5000"), "certificate-bound token without a client certificate"},
		{"trusted proxy, two headers", behindProxy, request(bound, nil, "10.1.2.3:5000", derB64, derB64), "certificate-bound token without a client certificate"},
		{"untrusted address sending the header", behindProxy, request(bound, nil, "192.0.2.7:5000", pemEscaped), "certificate-bound token without a client certificate"},
		{"trusted proxy overrides the connection's own certificate", behindProxy, request(bound, other, "10.1.2.3:5000", derB64), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.a.Authenticate(tt.r)
			if tt.wantErr == "" {
				require.NoError(t, err, "Authenticate")
				assert.NotNil(t, claimsOf(got), "claims after Authenticate")
				return
			}
			var be *bearer.BindingError
			require.True(t, errors.As(err, &be), "Authenticate error %v (%T), want a *bearer.BindingError", err, err)
			assert.Equal(t, tt.wantErr, be.Description, "BindingError.Description")
			assert.ErrorIs(t, err, verifier.ErrInvalidToken, "a binding refusal matches ErrInvalidToken")
			assert.Nil(t, claimsOf(got), "claims after a refused binding")
			resp := tt.a.Response(err)
			assert.Equal(t, http.StatusUnauthorized, resp.Status, "Response status")
			assert.Equal(t, `Bearer realm="api", error="invalid_token", error_description="`+tt.wantErr+`"`, challengeLine(resp), "Response challenge")
		})
	}

	t.Run("a malformed header from the trusted proxy is a server error", func(t *testing.T) {
		_, err := behindProxy.Authenticate(request(bound, nil, "10.1.2.3:5000", "not a certificate"))
		require.Error(t, err, "Authenticate with a garbage certificate header from the proxy")
		assert.Equal(t, http.StatusInternalServerError, behindProxy.Response(err).Status, "Response status")
	})
}

// A real mutual-TLS connection: the certificate the client presented in
// the handshake is the one the token must be bound to.
func TestCertificateBoundOverMutualTLS(t *testing.T) {
	v, _ := newVerifier(t)
	a := newAuth(t, v, bearer.Options{Realm: "api"})
	cert, key := newClientCert(t, "client-a")
	other, otherKey := newClientCert(t, "client-b")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := a.Authenticate(r); err != nil {
			a.Response(err).Write(w)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	call := func(c *x509.Certificate, k *ecdsa.PrivateKey) int {
		client := srv.Client()
		tr := client.Transport.(*http.Transport).Clone()
		tr.TLSClientConfig.Certificates = []tls.Certificate{{Certificate: [][]byte{c.Raw}, PrivateKey: k, Leaf: c}}
		client = &http.Client{Transport: tr}
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/items", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+certBoundToken(t, cert))
		resp, err := client.Do(req)
		require.NoError(t, err, "GET over mutual TLS")
		resp.Body.Close()
		tr.CloseIdleConnections()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusNoContent, call(cert, key), "the token's own certificate")
	assert.Equal(t, http.StatusUnauthorized, call(other, otherKey), "another certificate")
}

func TestResourceMetadataInChallenges(t *testing.T) {
	v, _ := newVerifier(t)
	const meta = "https://api.example.com/.well-known/oauth-protected-resource"
	a := newAuth(t, v, bearer.Options{Realm: "api", ResourceMetadata: meta})
	expired := issuer.MustMint(t, verifiertest.Token{ExpiresIn: -time.Hour})
	reader := issuer.MustMint(t, verifiertest.Token{Scope: "read"})
	for _, tt := range []struct {
		name string
		r    *http.Request
		want string
	}{
		{"no token", requestWith(), `Bearer realm="api", resource_metadata="` + meta + `"`},
		{"expired", requestWith("Bearer " + expired), `Bearer realm="api", error="invalid_token", error_description="token expired", resource_metadata="` + meta + `"`},
	} {
		_, err := a.Authenticate(tt.r)
		assert.Equal(t, tt.want, challengeLine(a.Response(err)), "%s: challenge", tt.name)
	}
	_, err := a.Authorize(requestWith("Bearer "+reader), scopes.AllOf("admin"))
	assert.Equal(t, `Bearer realm="api", error="insufficient_scope", scope="admin", resource_metadata="`+meta+`"`, challengeLine(a.Response(err)), "403 challenge")

	for _, bad := range []string{"/relative", "ftp://x.example/m", "https://", "https://a.example/\"x", "https://a.example/ x"} {
		_, err := bearer.New(v, bearer.Options{ResourceMetadata: bad})
		assert.Error(t, err, "New with ResourceMetadata %q", bad)
	}
}
