package grpcmw_test

// Bound tokens over real TLS connections on loopback: a certificate-bound
// token (RFC 8705) needs the client certificate of the call's own
// handshake, and a DPoP proof (RFC 9449) signs the call's POST to
// https://<authority>/<service>/<method> when the call came over TLS.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"maps"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/grpcmw"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// testPKI is a self-signed server certificate for 127.0.0.1, the pool
// that trusts it, and two self-signed client certificates.
type testPKI struct {
	server           tls.Certificate
	roots            *x509.CertPool
	clientA, clientB tls.Certificate // Leaf set
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{
		server:  newTestCert(t, 1, "127.0.0.1", true),
		clientA: newTestCert(t, 2, "client-a", false),
		clientB: newTestCert(t, 3, "client-b", false),
		roots:   x509.NewCertPool(),
	}
	p.roots.AddCert(p.server.Leaf)
	return p
}

// newTestCert returns a self-signed P-256 certificate valid around
// testNow: a server certificate for 127.0.0.1 (its own CA), or a client
// certificate.
func newTestCert(t *testing.T, serial int64, cn string, server bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err, "ecdsa.GenerateKey")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    testNow.Add(-time.Hour),
		NotAfter:     testNow.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err, "x509.CreateCertificate(%s)", cn)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err, "x509.ParseCertificate(%s)", cn)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// startTLSHarness starts a server with the interceptors of ints that
// serves the probe service over TLS on 127.0.0.1:0, asking for client
// certificates as clientAuth says, and connects a client that presents
// client (nil: none); both stop when t ends. Both sides run on testClock.
func startTLSHarness(t *testing.T, ints *grpcmw.Interceptors, pki *testPKI, clientAuth tls.ClientAuthType, client *tls.Certificate) *harness {
	t.Helper()
	h := &harness{}
	serverTLS := &tls.Config{
		Certificates: []tls.Certificate{pki.server},
		ClientAuth:   clientAuth,
		MinVersion:   tls.VersionTLS12,
		Time:         testClock,
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(serverTLS)),
		grpc.ChainUnaryInterceptor(ints.Unary()), grpc.ChainStreamInterceptor(ints.Stream()))
	srv.RegisterService(h.serviceDesc(), nil)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err, "net.Listen on loopback")
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	t.Cleanup(func() {
		srv.Stop()
		if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("grpc.Server.Serve over TLS returned %v", err)
		}
	})

	clientTLS := &tls.Config{RootCAs: pki.roots, MinVersion: tls.VersionTLS12, Time: testClock}
	if client != nil {
		clientTLS.Certificates = []tls.Certificate{*client}
	}
	target := lis.Addr().String()
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(credentials.NewTLS(clientTLS)))
	require.NoError(t, err, "grpc.NewClient(%q) over TLS", target)
	t.Cleanup(func() { _ = conn.Close() })
	h.conn, h.authority = conn, target
	return h
}

// boundMethods are the methods the tests below call: Read, which requires
// the scope "read", unary and streaming.
var boundMethods = []string{unaryMethod("Read"), streamMethod("Read")}

// wantBoundOutcome checks a call's outcome: success with the claims of
// subject wantSub, or, when wantChallenge is set, Unauthenticated with
// that challenge in the trailer and its description as the message.
func wantBoundOutcome(t *testing.T, call string, got outcome, wantSub, wantChallenge string) {
	t.Helper()
	if wantChallenge == "" {
		require.Equal(t, codes.OK, got.Code, "%s: code (message %q), want OK", call, got.Message)
		require.True(t, got.Reached, "%s: the handler ran", call)
		require.NotNil(t, got.Claims, "%s: claims in the handler's context", call)
		assert.Equal(t, wantSub, got.Claims.Subject(), "%s: subject of grpcmw.ClaimsFrom in the handler", call)
		assert.Equal(t, wantSub, got.Typed.Sub, "%s: sub of grpcmw.ClaimsAs in the handler", call)
		assert.Equal(t, "sub="+wantSub, got.Reply, "%s: the handler's reply", call)
		return
	}
	assert.Equal(t, codes.Unauthenticated, got.Code, "%s: code (message %q), want Unauthenticated", call, got.Message)
	assert.False(t, got.Reached, "%s: the handler ran for a refused call", call)
	assert.Equal(t, []string{wantChallenge}, got.Trailer.Get(grpcmw.MetadataChallenge), "%s: www-authenticate trailer", call)
	_, desc, _ := strings.Cut(wantChallenge, `error_description="`)
	desc, _, _ = strings.Cut(desc, `"`)
	assert.Equal(t, desc, got.Message, "%s: status message", call)
	assert.Empty(t, got.Trailer.Get(grpcmw.MetadataNonce), "%s: dpop-nonce trailer without server nonces", call)
}

// bearerInvalid is the Bearer challenge, realm "api", of an invalid token.
func bearerInvalid(desc string) string {
	return `Bearer realm="api", error="invalid_token", error_description="` + desc + `"`
}

func TestCertificateBoundOverTLS(t *testing.T) {
	f := newFixture(t)
	pki := newTestPKI(t)
	ints := interceptors(t, f.v, grpcmw.Options{Options: bearer.Options{Realm: "api"}, Methods: probeRules()})
	bound := f.mint(t, verifiertest.Token{Subject: "cert-client", Scope: "read",
		Claims: map[string]any{"cnf": verifiertest.CertificateBound(pki.clientA.Leaf)}})
	plain := f.mint(t, verifiertest.Token{Subject: "plain", Scope: "read"})

	asA := startTLSHarness(t, ints, pki, tls.RequireAnyClientCert, &pki.clientA)
	asB := startTLSHarness(t, ints, pki, tls.RequireAnyClientCert, &pki.clientB)
	noCert := startTLSHarness(t, ints, pki, tls.RequestClientCert, nil)
	plaintext := startHarness(t, ints)

	tests := []struct {
		name          string
		h             *harness
		token         string
		wantSub       string
		wantChallenge string
	}{
		{"bound token, its certificate", asA, bound, "cert-client", ""},
		{"bound token, another certificate", asB, bound, "", bearerInvalid("client certificate is not the one the token is bound to")},
		{"bound token, TLS without a client certificate", noCert, bound, "", bearerInvalid("certificate-bound token without a client certificate")},
		{"bound token, plaintext", plaintext, bound, "", bearerInvalid("certificate-bound token without a client certificate")},
		{"unbound token, a client certificate", asB, plain, "plain", ""},
		{"unbound token, plaintext", plaintext, plain, "plain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range boundMethods {
				got := tt.h.call(t, method, "Bearer "+tt.token)
				wantBoundOutcome(t, method+" with a Bearer token", got, tt.wantSub, tt.wantChallenge)
			}
		})
	}
}

// dpopProof returns a proof for a call of method on h presenting token, for
// a POST to scheme://<authority><method>, with nonce if set.
func dpopProof(t *testing.T, f *fixture, h *harness, scheme, method, token, nonce string) metadata.MD {
	t.Helper()
	proof := f.iss.MustMintProof(t, verifiertest.Proof{Method: http.MethodPost, URL: scheme + "://" + h.authority + method, AccessToken: token, Nonce: nonce})
	return metadata.MD{"dpop": {proof}}
}

func TestDPoPOverTLS(t *testing.T) {
	f := newFixture(t)
	pki := newTestPKI(t)
	checker, err := dpop.New(dpop.Config{Now: testClock})
	require.NoError(t, err, "dpop.New(Config{Now: testClock})")
	algs := strings.Join(checker.Algorithms(), " ")
	dpopChallenge := func(code, desc string) string {
		return `DPoP realm="api", error="` + code + `", error_description="` + desc + `", algs="` + algs + `"`
	}
	ints := interceptors(t, f.v, grpcmw.Options{Options: bearer.Options{Realm: "api", DPoP: checker}, Methods: probeRules()})

	jkt := verifiertest.DPoPBound(f.iss.DPoPThumbprint())
	bound := f.mint(t, verifiertest.Token{Subject: "dpop-client", Scope: "read", Claims: map[string]any{"cnf": jkt}})
	both := maps.Clone(jkt)
	maps.Copy(both, verifiertest.CertificateBound(pki.clientA.Leaf))
	boundTwice := f.mint(t, verifiertest.Token{Subject: "dpop-cert-client", Scope: "read", Claims: map[string]any{"cnf": both}})

	asA := startTLSHarness(t, ints, pki, tls.RequireAnyClientCert, &pki.clientA)
	asB := startTLSHarness(t, ints, pki, tls.RequireAnyClientCert, &pki.clientB)
	plaintext := startHarness(t, ints)

	tests := []struct {
		name          string
		h             *harness
		scheme, token string
		proofScheme   string // the htu's scheme; "" sends no proof
		wantSub       string
		wantChallenge string
	}{
		{"proof for https over TLS", asA, "DPoP", bound, "https", "dpop-client", ""},
		{"proof for http over TLS", asA, "DPoP", bound, "http", "", dpopChallenge("invalid_dpop_proof", "wrong htu")},
		{"proof for https over plaintext", plaintext, "DPoP", bound, "https", "", dpopChallenge("invalid_dpop_proof", "wrong htu")},
		{"proof for http over plaintext", plaintext, "DPoP", bound, "http", "dpop-client", ""},
		{"DPoP-bound token sent as a bearer token over TLS", asA, "Bearer", bound, "", "", bearerInvalid("DPoP-bound token presented as a bearer token")},
		{"DPoP-bound token sent as a bearer token with a proof", asA, "Bearer", bound, "https", "", bearerInvalid("DPoP-bound token presented as a bearer token")},
		{"DPoP- and certificate-bound token, both proven", asA, "DPoP", boundTwice, "https", "dpop-cert-client", ""},
		{"DPoP- and certificate-bound token, another certificate", asB, "DPoP", boundTwice, "https", "",
			dpopChallenge("invalid_token", "client certificate is not the one the token is bound to")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range boundMethods {
				var md metadata.MD
				if tt.proofScheme != "" {
					md = dpopProof(t, f, tt.h, tt.proofScheme, method, tt.token, "")
				}
				got := tt.h.callWith(t, method, md, tt.scheme+" "+tt.token)
				wantBoundOutcome(t, method+" with "+tt.scheme+" and a proof for "+tt.proofScheme, got, tt.wantSub, tt.wantChallenge)
			}
		})
	}
}

// With server nonces, a proof without one is refused with the nonce to
// use in the dpop-nonce trailer; a proof with it then passes.
func TestDPoPNonceOverTLS(t *testing.T) {
	f := newFixture(t)
	pki := newTestPKI(t)
	nonces, err := dpop.NewNonces([]byte("the TLS tests' nonce secret, 32 bytes or more"), 5*time.Minute, testClock)
	require.NoError(t, err, "dpop.NewNonces")
	checker, err := dpop.New(dpop.Config{Nonces: nonces, Now: testClock})
	require.NoError(t, err, "dpop.New(Config{Nonces: ..., Now: testClock})")
	algs := strings.Join(checker.Algorithms(), " ")
	ints := interceptors(t, f.v, grpcmw.Options{Options: bearer.Options{Realm: "api", DPoP: checker}, Methods: probeRules()})
	bound := f.mint(t, verifiertest.Token{Subject: "dpop-client", Scope: "read",
		Claims: map[string]any{"cnf": verifiertest.DPoPBound(f.iss.DPoPThumbprint())}})
	h := startTLSHarness(t, ints, pki, tls.RequireAnyClientCert, &pki.clientA)

	wantNonce := checker.Nonce()
	require.NotEmpty(t, wantNonce, "checker.Nonce() with Config.Nonces")
	for _, method := range boundMethods {
		t.Run(strings.TrimPrefix(method, "/"), func(t *testing.T) {
			first := h.callWith(t, method, dpopProof(t, f, h, "https", method, bound, ""), "DPoP "+bound)
			assert.Equal(t, codes.Unauthenticated, first.Code, "%s with a proof without a nonce: code (message %q)", method, first.Message)
			assert.False(t, first.Reached, "%s with a proof without a nonce: the handler ran", method)
			assert.Equal(t, "nonce required", first.Message, "%s with a proof without a nonce: status message", method)
			assert.Equal(t, []string{`DPoP realm="api", error="use_dpop_nonce", error_description="nonce required", algs="` + algs + `"`},
				first.Trailer.Get(grpcmw.MetadataChallenge), "%s with a proof without a nonce: www-authenticate trailer", method)
			nonce := first.Trailer.Get(grpcmw.MetadataNonce)
			require.Equal(t, []string{wantNonce}, nonce, "%s with a proof without a nonce: dpop-nonce trailer", method)

			second := h.callWith(t, method, dpopProof(t, f, h, "https", method, bound, nonce[0]), "DPoP "+bound)
			wantBoundOutcome(t, method+" with a proof carrying the server's nonce", second, "dpop-client", "")
		})
	}
}
