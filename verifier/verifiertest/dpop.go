package verifiertest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/jwtgate/jwtgate/dpop"
)

// Proof describes a DPoP proof (RFC 9449) to mint with [Issuer.MintProof]:
// the JWT a client signs for each request it sends with a DPoP-bound
// token. The zero values give a valid proof for URL, signed by the
// issuer's DPoP client key ([Issuer.DPoPKey]).
type Proof struct {
	// Method is the "htm" claim: the request method. Empty means GET.
	Method string
	// URL is the request's absolute URL, such as
	// "https://api.example.test/items". The "htu" claim is this URL
	// without its query and fragment, as a client writes it. Required.
	URL string
	// AccessToken is the token the request presents; if set, the proof's
	// "ath" claim is its base64url SHA-256.
	AccessToken string
	// IssuedAt is the "iat" claim; zero means the issuer's now
	// (IssuerConfig.Now).
	IssuedAt time.Time
	// ID is the "jti" claim; empty means a random one.
	ID string
	// Nonce, if set, is the "nonce" claim: the server's DPoP-Nonce.
	Nonce string
	// Key signs the proof and is its "jwk" header: an *ecdsa.PrivateKey,
	// an *rsa.PrivateKey or an ed25519.PrivateKey. Nil means the issuer's
	// DPoP client key.
	Key crypto.Signer
	// Algorithm is the signing algorithm and the "alg" header. Empty means
	// the one of Key: ES256, ES384 or ES512 by curve, RS256 for RSA, EdDSA
	// for Ed25519.
	Algorithm string
	// Header and Claims add or replace header parameters and claims, for
	// deliberately wrong proofs: {"typ": "JWT"}, {"htm": "POST"}. A nil
	// value removes the entry, such as {"jti": nil}.
	Header, Claims map[string]any
}

// dpopKeys holds the DPoP client key of each issuer, for as long as the
// issuer lives.
var dpopKeys sync.Map // weak.Pointer[Issuer] -> *ecdsa.PrivateKey

// DPoPKey returns the issuer's DPoP client key: an ES256 (P-256) key, made
// on first use and the same for the issuer's life. It stands for the key
// of the client the issuer's tokens are bound to with [DPoPBound] and
// [Issuer.DPoPThumbprint].
func (i *Issuer) DPoPKey() crypto.Signer {
	wp := weak.Make(i)
	if k, ok := dpopKeys.Load(wp); ok {
		return k.(*ecdsa.PrivateKey)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("verifiertest: generating a DPoP key: %v", err))
	}
	actual, loaded := dpopKeys.LoadOrStore(wp, k)
	if !loaded {
		runtime.AddCleanup(i, func(wp weak.Pointer[Issuer]) { dpopKeys.Delete(wp) }, wp)
	}
	return actual.(*ecdsa.PrivateKey)
}

// DPoPThumbprint returns the JWK SHA-256 thumbprint (RFC 7638) of the
// issuer's DPoP client key: the "jkt" of tokens bound to it,
// DPoPBound(iss.DPoPThumbprint()).
func (i *Issuer) DPoPThumbprint() string {
	jkt, err := dpop.Thumbprint(i.DPoPKey().Public())
	if err != nil { // cannot happen for a P-256 key
		panic(err)
	}
	return jkt
}

// DPoPBound returns the "cnf" claim of a token bound to the DPoP key whose
// thumbprint is jkt (RFC 9449 section 6.1), to put in Token.Claims:
//
//	tok := verifiertest.Token{Claims: map[string]any{"cnf": verifiertest.DPoPBound(iss.DPoPThumbprint())}}
func DPoPBound(jkt string) map[string]any {
	return map[string]any{"jkt": jkt}
}

// CertificateBound returns the "cnf" claim of a token bound to the client
// certificate cert (RFC 8705 section 3.1): the base64url SHA-256 of its DER
// encoding, as "x5t#S256". It panics if cert is nil.
func CertificateBound(cert *x509.Certificate) map[string]any {
	if cert == nil {
		panic("verifiertest: CertificateBound: nil certificate")
	}
	sum := sha256.Sum256(cert.Raw)
	return map[string]any{"x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:])}
}

// MintProof returns a DPoP proof described by p, signed with p.Key or the
// issuer's DPoP client key. It checks nothing that p.Header and p.Claims
// change, so tests can build wrong proofs on purpose.
func (i *Issuer) MintProof(p Proof) (string, error) {
	if p.URL == "" {
		return "", errors.New("verifiertest: Proof.URL is empty")
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		return "", fmt.Errorf("verifiertest: Proof.URL: %w", err)
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""

	key := p.Key
	if key == nil {
		key = i.DPoPKey()
	}
	alg := p.Algorithm
	if alg == "" {
		if alg, err = algorithmOf(key.Public()); err != nil {
			return "", err
		}
	}
	pub, err := jwk.Import(key.Public())
	if err != nil {
		return "", fmt.Errorf("verifiertest: the proof key's JWK: %w", err)
	}
	pubJSON, err := json.Marshal(pub)
	if err != nil {
		return "", fmt.Errorf("verifiertest: the proof key's JWK: %w", err)
	}

	method := p.Method
	if method == "" {
		method = "GET"
	}
	iat := p.IssuedAt
	if iat.IsZero() {
		iat = i.now()
	}
	id := p.ID
	if id == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		id = base64.RawURLEncoding.EncodeToString(b[:])
	}
	header := map[string]any{"typ": "dpop+jwt", "alg": alg, "jwk": json.RawMessage(pubJSON)}
	claims := map[string]any{"jti": id, "htm": method, "htu": u.String(), "iat": iat.Unix()}
	if p.AccessToken != "" {
		sum := sha256.Sum256([]byte(p.AccessToken))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	if p.Nonce != "" {
		claims["nonce"] = p.Nonce
	}
	override(header, p.Header)
	override(claims, p.Claims)
	hdr, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("verifiertest: proof header: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("verifiertest: proof claims: %w", err)
	}
	return SignRaw(alg, key, hdr, payload)
}

// MustMintProof is [Issuer.MintProof] for tests: it fails t on error.
func (i *Issuer) MustMintProof(t testing.TB, p Proof) string {
	t.Helper()
	s, err := i.MintProof(p)
	if err != nil {
		t.Fatalf("verifiertest: minting a DPoP proof: %v", err)
	}
	return s
}

// override sets the entries of change in m, removing those whose value is
// nil.
func override(m, change map[string]any) {
	for k, v := range change {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
}

// algorithmOf returns the usual DPoP algorithm of a public key.
func algorithmOf(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ES256", nil
		case elliptic.P384():
			return "ES384", nil
		case elliptic.P521():
			return "ES512", nil
		}
	case *rsa.PublicKey:
		return "RS256", nil
	case ed25519.PublicKey:
		return "EdDSA", nil
	}
	return "", fmt.Errorf("verifiertest: no DPoP algorithm for a %T key; set Proof.Algorithm", pub)
}
