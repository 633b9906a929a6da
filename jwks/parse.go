package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json/jsontext"
	"encoding/json/v2"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// ParseJWK parses one JSON Web Key (RFC 7517) usable for verifying
// signatures. It refuses keys marked "use": "enc", keys whose "key_ops" omit
// "verify", keys carrying private material, keys whose "alg" is unknown or
// does not suit their type and curve, RSA keys under 2048 bits or with the
// ROCA fingerprint, EC points off their curve, and HMAC secrets under 32
// bytes. A key without "alg" verifies every algorithm of its type.
func ParseJWK(data []byte) (*Key, error) {
	k, err := parseJWK(data)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// ParseJWKS parses a JSON Web Key Set ({"keys": [...]}) for a static key
// source. It is strict: a document that is not exactly one JSON object (with
// no data after it, no member name twice in any object, valid UTF-8 only, and
// "keys" in lower case), any key that [ParseJWK] would refuse, two keys with
// the same "kid", or a set that mixes HMAC secrets with public keys makes it
// fail, since a local key file should contain exactly what is meant.
// (A remote set fetched by [Remote] must be as strict a document, but its
// keys are taken tolerantly: unusable keys are skipped and reported.)
func ParseJWKS(data []byte) ([]*Key, error) {
	keys, problems, err := parseSet(data, true)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks: key set holds no keys")
	}
	return keys, nil
}

// parseSet parses a JWKS document. It returns the usable keys and one error
// per key it skipped; err is set only when the document itself is not a key
// set. Keys that share a "kid" are all skipped, since a token naming that kid
// would be ambiguous. allowSecrets admits HMAC secrets (for local sets); a
// set mixing secrets with public keys is reported as a problem.
func parseSet(data []byte, allowSecrets bool) (keys []*Key, problems []error, err error) {
	// encoding/json/v2 is strict by default: it refuses duplicate member
	// names (anywhere in the document, keys included), invalid UTF-8 and
	// data after the object, and matches "keys" case-sensitively. Each key
	// is then parsed by jwx.
	var doc struct {
		Keys []jsontext.Value `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("jwks: key set is not a JSON object with a \"keys\" array: %w", err)
	}
	if doc.Keys == nil {
		return nil, nil, errors.New("jwks: key set has no \"keys\" array")
	}

	var symmetric, asymmetric bool
	for i, raw := range doc.Keys {
		k, err := parseJWK(raw)
		if err != nil {
			problems = append(problems, fmt.Errorf("jwks: key %d: %s", i, strings.TrimPrefix(err.Error(), "jwks: ")))
			continue
		}
		if k.IsSymmetric() && !allowSecrets {
			problems = append(problems, fmt.Errorf("jwks: key %d (%q): a published key set must not contain HMAC secrets", i, k.id))
			continue
		}
		if k.IsSymmetric() {
			symmetric = true
		} else {
			asymmetric = true
		}
		keys = append(keys, k)
	}
	if symmetric && asymmetric {
		problems = append(problems, errors.New("jwks: key set mixes HMAC secrets with public keys"))
	}

	// Drop every key whose kid is shared with another key.
	dup := map[string]bool{}
	seen := map[string]bool{}
	for _, k := range keys {
		if k.id == "" {
			continue
		}
		if seen[k.id] {
			dup[k.id] = true
		}
		seen[k.id] = true
	}
	for id := range dup {
		problems = append(problems, fmt.Errorf("jwks: kid %q is not unique in the set; none of its keys is used", id))
	}
	if len(dup) > 0 {
		keys = slices.DeleteFunc(keys, func(k *Key) bool { return dup[k.id] })
	}
	return keys, problems, nil
}

// rawKid names, for a message about a key that did not parse, the "kid"
// its JSON gives, if any, so that operators can find it in the set.
func rawKid(raw []byte) string {
	var k struct {
		Kid string `json:"kid"`
	}
	if json.Unmarshal(raw, &k) != nil || k.Kid == "" {
		return ""
	}
	return fmt.Sprintf(" (kid %q)", k.Kid)
}

func parseJWK(data []byte) (*Key, error) {
	jk, err := jwk.ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("jwks: not a valid JWK%s: %w", rawKid(data), err)
	}
	id, _ := jk.KeyID()
	if use, ok := jk.KeyUsage(); ok && use != "sig" {
		return nil, fmt.Errorf("jwks: key %q is for %q, not for signatures", id, use)
	}
	if ops, ok := jk.KeyOps(); ok && !slices.Contains(ops, jwk.KeyOpVerify) {
		return nil, fmt.Errorf("jwks: key %q: key_ops does not include \"verify\"", id)
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if jk.Has(private) {
			return nil, fmt.Errorf("jwks: key %q contains private key material; publish only the public key", id)
		}
	}
	var alg string
	if a, ok := jk.Algorithm(); ok {
		alg = a.String()
		if alg == "" {
			return nil, fmt.Errorf("jwks: key %q has an empty \"alg\"", id)
		}
	}

	var raw any
	if err := jwk.Export(jk, &raw); err != nil {
		return nil, fmt.Errorf("jwks: key %q: %w", id, err)
	}
	switch r := raw.(type) {
	case []byte:
		return newSecret(id, r, alg)
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return newPublicKey(id, r, alg)
	default:
		return nil, fmt.Errorf("jwks: key %q: unsupported key type %s", id, jk.KeyType())
	}
}

// ParsePEM parses every public key in PEM data: "PUBLIC KEY" (PKIX),
// "RSA PUBLIC KEY" (PKCS #1) and "CERTIFICATE" blocks, whose certified key is
// used (the certificate itself is not validated). The keys have no ID and so
// match a token whatever its "kid" (see [Static]); since the verifier checks
// a token against one key at most, several keys of one type from PEM data
// cannot be told apart, and their tokens are refused. Private keys are
// refused.
func ParsePEM(data []byte) ([]*Key, error) {
	var keys []*Key
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		var pub any
		var err error
		switch block.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
		case "CERTIFICATE":
			var cert *x509.Certificate
			cert, err = x509.ParseCertificate(block.Bytes)
			if err == nil {
				pub = cert.PublicKey
			}
		default:
			return nil, fmt.Errorf("jwks: PEM block %q is not a public key or certificate", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("jwks: PEM block %d (%s): %w", len(keys)+1, block.Type, err)
		}
		k, err := NewPublicKey("", pub)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks: no PEM-encoded public key found")
	}
	return keys, nil
}
