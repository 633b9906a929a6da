package verifiertest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net/url"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// dpNow is the fake clock of the issuers and checkers here.
var dpNow = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

func dpClock() time.Time { return dpNow }

const dpURL = "https://api.example.test/items"

// dpCheck checks proof for a request to method dpURL with token, with a
// checker on the fake clock changed by change.
func dpCheck(t *testing.T, proof, method, token string, change func(*dpop.Config)) (dpop.Result, error) {
	t.Helper()
	cfg := dpop.Config{Now: dpClock}
	if change != nil {
		change(&cfg)
	}
	c, err := dpop.New(cfg)
	require.NoError(t, err, "dpop.New")
	u, err := url.Parse(dpURL + "?page=1")
	require.NoError(t, err)
	return c.Check(context.Background(), proof, dpop.Request{Method: method, URL: u, AccessToken: token})
}

func TestMintProof(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Now: dpClock})
	token := iss.MustMint(t, verifiertest.Token{Claims: map[string]any{"cnf": verifiertest.DPoPBound(iss.DPoPThumbprint())}})
	proof := iss.MustMintProof(t, verifiertest.Proof{URL: dpURL + "?page=1#top", AccessToken: token})

	res, err := dpCheck(t, proof, "GET", token, nil)
	require.NoError(t, err, "Check(MintProof(default Proof))")
	assert.Equal(t, iss.DPoPThumbprint(), res.Thumbprint, "Check(MintProof).Thumbprint; want the issuer's DPoPThumbprint")
	assert.Equal(t, dpNow.Unix(), res.IssuedAt.Unix(), "Check(MintProof).IssuedAt; want the issuer's now")

	header, claims := decodePart(t, proof, 0), decodePart(t, proof, 1)
	assert.Equal(t, "dpop+jwt", header["typ"], "typ")
	assert.Equal(t, "ES256", header["alg"], "alg")
	assert.Equal(t, "GET", claims["htm"], "htm by default")
	assert.Equal(t, dpURL, claims["htu"], "htu: the URL without query and fragment")
	sum := sha256.Sum256([]byte(token))
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), claims["ath"], "ath")
	assert.NotContains(t, claims, "nonce", "nonce without Proof.Nonce")
	jti, ok := claims["jti"].(string)
	require.True(t, ok, "jti %v is not a string", claims["jti"])
	assert.GreaterOrEqual(t, len(jti), 16, "a random jti of 96 bits at least")
	other := decodePart(t, iss.MustMintProof(t, verifiertest.Proof{URL: dpURL}), 1)
	assert.NotEqual(t, jti, other["jti"], "jti of two proofs")
	assert.NotContains(t, other, "ath", "ath without Proof.AccessToken")
}

// TestDPoPBoundToken: a token bound with DPoPBound verifies, and its
// cnf.jkt is the thumbprint a checker reports for the issuer's proofs.
func TestDPoPBoundToken(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: dpClock})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err)
	token := iss.MustMint(t, verifiertest.Token{Claims: map[string]any{"cnf": verifiertest.DPoPBound(iss.DPoPThumbprint())}})
	claims, err := v.Verify(context.Background(), token)
	require.NoError(t, err, "Verify(bound token)")
	var bound struct {
		Cnf struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	require.NoError(t, claims.Decode(&bound))

	res, err := dpCheck(t, iss.MustMintProof(t, verifiertest.Proof{Method: "POST", URL: dpURL, AccessToken: token}), "POST", token, nil)
	require.NoError(t, err, "Check of the issuer's proof")
	assert.Equal(t, bound.Cnf.JKT, res.Thumbprint, "the token's cnf.jkt and the proof's thumbprint")

	// A proof of another client's key does not match the binding.
	stranger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	res, err = dpCheck(t, iss.MustMintProof(t, verifiertest.Proof{URL: dpURL, AccessToken: token, Key: stranger}), "GET", token, nil)
	require.NoError(t, err, "Check of a stranger's proof")
	assert.NotEqual(t, bound.Cnf.JKT, res.Thumbprint, "a stranger's thumbprint and the token's cnf.jkt")
}

// TestDPoPKey: one key per issuer, for its life.
func TestDPoPKey(t *testing.T) {
	a := verifiertest.Start(t, verifiertest.IssuerConfig{})
	b := verifiertest.Start(t, verifiertest.IssuerConfig{})
	ka := a.DPoPKey()
	require.IsType(t, &ecdsa.PrivateKey{}, ka, "DPoPKey type")
	assert.Equal(t, elliptic.P256(), ka.(*ecdsa.PrivateKey).Curve, "DPoPKey curve")
	assert.Same(t, ka, a.DPoPKey(), "DPoPKey twice on one issuer")
	assert.False(t, ka.(*ecdsa.PrivateKey).Equal(b.DPoPKey()), "DPoPKey of two issuers")

	// The thumbprint is RFC 7638's, as jwx computes it.
	k, err := jwk.Import(ka.Public())
	require.NoError(t, err)
	sum, err := k.Thumbprint(crypto.SHA256)
	require.NoError(t, err)
	assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum), a.DPoPThumbprint(), "DPoPThumbprint; want jwx's thumbprint of DPoPKey")
	assert.NotEqual(t, a.DPoPThumbprint(), b.DPoPThumbprint(), "DPoPThumbprint of two issuers")
}

// TestMintProofKeys: proofs of each key type, with the default algorithm
// of the key or a chosen one, pass the checker.
func TestMintProofKeys(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Now: dpClock})
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	cases := []struct {
		name    string
		key     crypto.Signer
		alg     string
		wantAlg string
	}{
		{"P-384", p384, "", "ES384"},
		{"P-521", p521, "", "ES512"},
		{"RSA", rsaKey, "", "RS256"},
		{"RSA PS256", rsaKey, "PS256", "PS256"},
		{"Ed25519", edKey, "", "EdDSA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proof := iss.MustMintProof(t, verifiertest.Proof{URL: dpURL, Key: tc.key, Algorithm: tc.alg})
			assert.Equal(t, tc.wantAlg, decodePart(t, proof, 0)["alg"], "alg")
			res, err := dpCheck(t, proof, "GET", "", nil)
			require.NoError(t, err, "Check of a %s proof", tc.name)
			want, err := dpop.Thumbprint(tc.key.Public())
			require.NoError(t, err)
			assert.Equal(t, want, res.Thumbprint, "Check of a %s proof: thumbprint", tc.name)
		})
	}
}

// TestMintProofWrong: the overrides make the proofs a checker must refuse.
func TestMintProofWrong(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Now: dpClock})
	nonces, err := dpop.NewNonces(make([]byte, 32), time.Minute, dpClock)
	require.NoError(t, err)
	cases := []struct {
		name   string
		proof  verifiertest.Proof
		method string
		config func(*dpop.Config)
		want   error
		desc   string
	}{
		{name: "typ JWT", proof: verifiertest.Proof{Header: map[string]any{"typ": "JWT"}}, want: dpop.ErrInvalidProof, desc: "wrong typ"},
		{name: "no alg", proof: verifiertest.Proof{Header: map[string]any{"alg": nil}}, want: dpop.ErrInvalidProof, desc: "algorithm not allowed"},
		{name: "no jwk", proof: verifiertest.Proof{Header: map[string]any{"jwk": nil}}, want: dpop.ErrInvalidProof, desc: "missing jwk"},
		{name: "no jti", proof: verifiertest.Proof{Claims: map[string]any{"jti": nil}}, want: dpop.ErrInvalidProof, desc: "missing or invalid jti"},
		{name: "other method", proof: verifiertest.Proof{Method: "POST"}, want: dpop.ErrInvalidProof, desc: "wrong htm"},
		{name: "other URL", proof: verifiertest.Proof{URL: "https://api.example.test/other"}, want: dpop.ErrInvalidProof, desc: "wrong htu"},
		{name: "old", proof: verifiertest.Proof{IssuedAt: dpNow.Add(-time.Hour)}, want: dpop.ErrInvalidProof, desc: "proof expired"},
		{name: "other token", proof: verifiertest.Proof{AccessToken: "another token"}, want: dpop.ErrInvalidProof, desc: "ath mismatch"},
		{name: "ath removed", proof: verifiertest.Proof{Claims: map[string]any{"ath": nil}}, want: dpop.ErrInvalidProof, desc: "missing ath"},
		{name: "signed with another alg than it says", proof: verifiertest.Proof{Header: map[string]any{"alg": "ES384"}}, want: dpop.ErrInvalidProof, desc: "jwk does not suit alg"},
		{name: "nonce required", proof: verifiertest.Proof{}, config: func(cfg *dpop.Config) { cfg.Nonces = nonces }, want: dpop.ErrUseNonce, desc: "nonce required"},
		{name: "nonce given", proof: verifiertest.Proof{Nonce: nonces.Current()}, config: func(cfg *dpop.Config) { cfg.Nonces = nonces }},
		{name: "fixed ID", proof: verifiertest.Proof{ID: "my-proof-1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.proof
			if p.URL == "" {
				p.URL = dpURL
			}
			if p.AccessToken == "" {
				p.AccessToken = "the token"
			}
			res, err := dpCheck(t, iss.MustMintProof(t, p), "GET", "the token", tc.config)
			if tc.want == nil {
				require.NoError(t, err, "Check(%s)", tc.name)
				if p.ID != "" {
					assert.Equal(t, p.ID, res.ID, "Check(%s).ID", tc.name)
				}
				return
			}
			require.ErrorIs(t, err, tc.want, "Check(%s)", tc.name)
			var de *dpop.Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.desc, de.Description, "Check(%s) = %v", tc.name, err)
		})
	}
}

// otherSigner is a crypto.Signer MintProof does not know how to use.
type otherSigner struct{ pub crypto.PublicKey }

func (s otherSigner) Public() crypto.PublicKey { return s.pub }
func (s otherSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, fmt.Errorf("not implemented")
}

func TestMintProofErrors(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	cases := map[string]verifiertest.Proof{
		"no URL":                 {},
		"bad URL":                {URL: "https://api.example.test:port/"},
		"unknown signer":         {URL: dpURL, Key: otherSigner{pub: &ec.PublicKey}},
		"unknown key type":       {URL: dpURL, Key: otherSigner{pub: "a string"}, Algorithm: "ES256"},
		"alg unfit for the key":  {URL: dpURL, Algorithm: "RS256"},
		"claim JSON cannot hold": {URL: dpURL, Claims: map[string]any{"x": func() {}}},
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			proof, err := iss.MintProof(p)
			require.Error(t, err, "MintProof(%s) = %q; want an error", name, proof)
			assert.Regexp(t, "^verifiertest: ", err.Error())
		})
	}
}

func TestCertificateBound(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "client"},
		NotBefore:    dpNow,
		NotAfter:     dpNow.Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)

	sum := sha256.Sum256(der)
	want := map[string]any{"x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:])}
	assert.Equal(t, want, verifiertest.CertificateBound(cert), "CertificateBound; want the base64url SHA-256 of the DER (RFC 8705 section 3.1)")
	assert.Panics(t, func() { verifiertest.CertificateBound(nil) }, "CertificateBound(nil)")

	// It goes into a token as its cnf claim.
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	token := iss.MustMint(t, verifiertest.Token{Claims: map[string]any{"cnf": verifiertest.CertificateBound(cert)}})
	assert.Equal(t, want, decodePart(t, token, 1)["cnf"], "cnf of the minted token")
}

// A test of a handler that takes DPoP-bound tokens: the issuer mints the
// token, bound to its DPoP client key, and the proof for each request.
func ExampleIssuer_MintProof() {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	iss := verifiertest.NewIssuer(verifiertest.IssuerConfig{Now: clock})
	defer iss.Close()

	token, _ := iss.Mint(verifiertest.Token{
		Claims: map[string]any{"cnf": verifiertest.DPoPBound(iss.DPoPThumbprint())},
	})
	proof, _ := iss.MintProof(verifiertest.Proof{
		Method:      "POST",
		URL:         "https://api.example.test/items",
		AccessToken: token,
	})

	checker, _ := dpop.New(dpop.Config{Now: clock})
	u, _ := url.Parse("https://api.example.test/items")
	res, err := checker.Check(context.Background(), proof, dpop.Request{Method: "POST", URL: u, AccessToken: token})
	fmt.Println(err, res.Thumbprint == iss.DPoPThumbprint())

	// A proof for another method fails.
	wrong, _ := iss.MintProof(verifiertest.Proof{URL: "https://api.example.test/items", AccessToken: token})
	_, err = checker.Check(context.Background(), wrong, dpop.Request{Method: "POST", URL: u, AccessToken: token})
	fmt.Println(err)
	// Output:
	// <nil> true
	// dpop: wrong htm
}
