package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files.
type testPKI struct {
	dir                       string
	pool                      *x509.CertPool
	client                    tls.Certificate
	caFile, certFile, keyFile string
	// serverCert writes a new server certificate of the serial number
	// and its key over certFile and keyFile.
	serverCert func(serial int64)
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "jwtgate test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	issue := func(serial int64, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: "jwtgate test"},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		require.NoError(t, err)
		return der, key
	}
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
		return path
	}
	p := &testPKI{dir: dir, pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.caFile = write("ca.crt", "CERTIFICATE", caDER)
	p.serverCert = func(serial int64) {
		serverDER, serverKey := issue(serial, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
		p.certFile = write("server.crt", "CERTIFICATE", serverDER)
		keyDER, err := x509.MarshalPKCS8PrivateKey(serverKey)
		require.NoError(t, err)
		p.keyFile = write("server.key", "PRIVATE KEY", keyDER)
	}
	p.serverCert(2)
	clientDER, clientKey := issue(3, x509.ExtKeyUsageClientAuth, nil)
	p.client = tls.Certificate{Certificate: [][]byte{clientDER}, PrivateKey: clientKey}
	return p
}

func (p *testPKI) clientWith(cert bool, maxVersion uint16) *http.Client {
	tc := &tls.Config{RootCAs: p.pool, MaxVersion: maxVersion}
	if cert {
		tc.Certificates = []tls.Certificate{p.client}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}}
}

func TestTLS(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	pki := newTestPKI(t)
	tests := []struct {
		name       string
		tls        string
		clientCert bool
		maxVersion uint16
		wantErr    bool
	}{
		{name: "server certificate only", tls: "tls:\n  cert_file: %[1]s\n  key_file: %[2]s\n"},
		{name: "TLS 1.1 refused", tls: "tls:\n  cert_file: %[1]s\n  key_file: %[2]s\n", maxVersion: tls.VersionTLS11, wantErr: true},
		{name: "client certificate requested, none given",
			tls: "tls:\n  cert_file: %[1]s\n  key_file: %[2]s\n  client_ca_file: %[3]s\n  client_auth: request\n"},
		{name: "client certificate requested and given", clientCert: true,
			tls: "tls:\n  cert_file: %[1]s\n  key_file: %[2]s\n  client_ca_file: %[3]s\n"},
		{name: "client certificate required, none given", wantErr: true,
			tls: "tls:\n  cert_file: %[1]s\n  key_file: %[2]s\n  client_ca_file: %[3]s\n  client_auth: require\n"},
		{name: "client certificate required and given", clientCert: true,
			tls: "tls:\n  cert_file: %[1]s\n  key_file: %[2]s\n  client_ca_file: %[3]s\n  client_auth: require\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := sprintf(tt.tls, pki.certFile, pki.keyFile, pki.caFile)
			g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, extra: extra}))
			client := pki.clientWith(tt.clientCert, tt.maxVersion)
			defer client.CloseIdleConnections()
			req, err := http.NewRequest("GET", "https://"+g.Addr()+"/items/", nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", iss.AuthorizationHeader(verifiertest.Token{Scope: "read"}))
			resp, err := client.Do(req)
			if tt.wantErr {
				if err == nil {
					// TLS 1.3 reports a refused client certificate only
					// on the first read.
					resp.Body.Close()
				}
				assert.True(t, err != nil || resp.StatusCode != 200, "GET over TLS should fail")
				return
			}
			require.NoError(t, err, "GET over TLS")
			defer resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "HTTP/2.0", resp.Proto, "HTTP/2 offered over TLS")
		})
	}
}

// TestTLSCertificateRenewedOnReload renews the server certificate in place
// (same files) and reloads: connections made after the reload get the new
// certificate, without a restart.
func TestTLSCertificateRenewedOnReload(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	up := echoUpstream(t)
	pki := newTestPKI(t)
	extra := sprintf("tls:\n  cert_file: %[1]s\n  key_file: %[2]s\n", pki.certFile, pki.keyFile)
	g := startGateway(t, configText(settings{issuer: iss, upstream: up.URL, extra: extra}))
	serial := func() int64 {
		t.Helper()
		conn, err := tls.Dial("tcp", g.Addr(), &tls.Config{RootCAs: pki.pool})
		require.NoError(t, err, "TLS handshake with jwtgate")
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	require.Equal(t, int64(2), serial(), "serial of the certificate jwtgate presents at start")
	pki.serverCert(7)
	require.Equal(t, int64(2), serial(), "serial before the reload: the files are read only by a reload")
	require.NoError(t, g.Reload(), "Reload after renewing the certificate files")
	require.Equal(t, int64(7), serial(), "serial after the reload")
}
