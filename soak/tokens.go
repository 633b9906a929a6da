package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json/v2"
	"encoding/pem"
	"fmt"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Invalid is a kind of invalid token; every one must be answered 401.
type Invalid int

// The kinds of invalid tokens the load sends, in turn.
const (
	InvalidExpired    Invalid = iota // signed by the issuer, expired 10 minutes ago
	InvalidForeignKey                // signed by another key under the current key ID
	InvalidAudience                  // another audience
	InvalidIssuer                    // another issuer
	InvalidAlgNone                   // "alg":"none", no signature
	InvalidHMACPublic                // HS256 keyed with the issuer's public key (PEM)
	InvalidTampered                  // a valid token whose payload was changed
	InvalidUnknownKid                // signed by the issuer under a random key ID
	InvalidGarbage                   // not a JWT at all
	InvalidMissing                   // no Authorization header
	numInvalid
)

var invalidNames = [numInvalid]string{
	"expired", "foreign-key", "wrong-aud", "wrong-iss", "alg-none",
	"hs256-public-key", "tampered", "unknown-kid", "garbage", "missing",
}

// String returns the kind's name, such as "alg-none".
func (k Invalid) String() string {
	if k >= 0 && k < numInvalid {
		return invalidNames[k]
	}
	return fmt.Sprintf("Invalid(%d)", int(k))
}

// scope is the scope of every token the soak mints.
const scope = "read"

// minter mints the soak's tokens from the issuer.
type minter struct {
	iss     *verifiertest.Issuer
	foreign *ecdsa.PrivateKey // signs InvalidForeignKey tokens
}

func newMinter(iss *verifiertest.Issuer) (*minter, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("soak: generating a foreign key: %w", err)
	}
	return &minter{iss: iss, foreign: k}, nil
}

// valid mints a valid token living lifetime, for client sub.
func (m *minter) valid(sub string, lifetime time.Duration) (string, error) {
	return m.iss.Mint(verifiertest.Token{Subject: sub, Scope: scope, ExpiresIn: lifetime})
}

// invalid mints an invalid token of kind k. For InvalidMissing it returns
// "" (the request carries no Authorization header).
func (m *minter) invalid(k Invalid) (string, error) {
	claims := func() map[string]any {
		now := time.Now()
		return map[string]any{
			"iss": m.iss.URL, "sub": "soak-attacker", "aud": []string{m.iss.Audience()},
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "scope": scope, "jti": randomHex(8),
		}
	}
	switch k {
	case InvalidExpired:
		return m.iss.Mint(verifiertest.Token{Scope: scope, ExpiresIn: -10 * time.Minute})
	case InvalidForeignKey:
		return verifiertest.Sign("ES256", m.foreign, map[string]any{"kid": m.iss.KeyID(), "typ": "at+jwt"}, claims())
	case InvalidAudience:
		return m.iss.Mint(verifiertest.Token{Scope: scope, Audience: []string{"https://elsewhere.example"}})
	case InvalidIssuer:
		return m.iss.Mint(verifiertest.Token{Scope: scope, Claims: map[string]any{"iss": "https://evil.example"}})
	case InvalidAlgNone:
		hdr, _ := json.Marshal(map[string]any{"alg": "none", "kid": m.iss.KeyID(), "typ": "at+jwt"})
		body, _ := json.Marshal(claims())
		enc := base64.RawURLEncoding
		return enc.EncodeToString(hdr) + "." + enc.EncodeToString(body) + ".", nil
	case InvalidHMACPublic:
		der, err := x509.MarshalPKIXPublicKey(m.iss.PublicKey())
		if err != nil {
			return "", fmt.Errorf("soak: %w", err)
		}
		secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		return verifiertest.Sign("HS256", secret, map[string]any{"kid": m.iss.KeyID(), "typ": "at+jwt"}, claims())
	case InvalidTampered:
		tok, err := m.iss.Mint(verifiertest.Token{Subject: "soak-client", Scope: scope})
		if err != nil {
			return "", err
		}
		parts := strings.Split(tok, ".")
		c := claims()
		c["scope"] = "read write admin"
		body, _ := json.Marshal(c)
		parts[1] = base64.RawURLEncoding.EncodeToString(body)
		return strings.Join(parts, "."), nil
	case InvalidUnknownKid:
		return m.iss.Mint(verifiertest.Token{Scope: scope, Header: map[string]any{"kid": "soak-" + randomHex(8)}})
	case InvalidGarbage:
		return "not-a-jwt." + randomHex(16), nil
	case InvalidMissing:
		return "", nil
	}
	return "", fmt.Errorf("soak: unknown invalid kind %d", int(k))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
