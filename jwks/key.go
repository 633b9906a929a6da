package jwks

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Limits on the keys this package accepts. RSA keys below 2048 bits are
// breakable or close to it (NIST SP 800-131A); above 8192 bits a single
// verification costs enough to be a denial-of-service lever.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// Key is one verification key: a public key (RSA, ECDSA P-256/P-384/P-521 or
// Ed25519) or an HMAC secret, with its key ID and the algorithms it may
// verify. A Key never prints its secret: String and the fmt verbs show only
// its ID, type and algorithms.
//
// Keys are immutable and safe for concurrent use. Build them with
// [NewPublicKey], [NewSecret], [ParseJWK], [ParseJWKS] or [ParsePEM].
type Key struct {
	id     string
	kind   kind
	algs   []string // algorithms this key may verify, never empty
	pub    crypto.PublicKey
	secret []byte
	// fingerprint identifies the key material, so that a refreshed key set
	// can tell an unchanged key from a new one with the same ID.
	fingerprint [32]byte
	// macs pools HMAC states for HS256, HS384 and HS512 (secrets only).
	// It is a pointer so that a Key value may be copied, for printing.
	macs *[3]sync.Pool
	// life says until when the key may be trusted; see Usable. A pointer,
	// like macs, so that Key values stay copyable.
	life *keyLife
}

// keyLife is the part of a key that its source changes over time.
type keyLife struct {
	retired atomic.Bool  // the key left the set it came from
	until   atomic.Int64 // Unix nanoseconds after which its set is stale; 0: never
}

// Usable reports whether the key may still be trusted at t: false once it
// has left the key set it came from, or when that set has gone stale (see
// RemoteConfig.MaxStale). Keys made by this package's constructors and held
// by static sets are always usable. A cache of verification results, such
// as the verifier's cache of verified tokens, checks it before trusting a
// result obtained with the key.
func (k *Key) Usable(t time.Time) bool {
	if k.life == nil {
		return true
	}
	if k.life.retired.Load() {
		return false
	}
	until := k.life.until.Load()
	return until == 0 || t.UnixNano() < until
}

// NewPublicKey returns a key that verifies signatures made with the private
// half of pub, which must be an *rsa.PublicKey of 2048 to 8192 bits, an
// *ecdsa.PublicKey on P-256, P-384 or P-521, or an ed25519.PublicKey.
// id is matched against the "kid" header of tokens; see [Static] for how an
// empty id matches. The key verifies every algorithm of its type (RS* and PS*
// for RSA, ES256/384/512 by curve, EdDSA and Ed25519 for Ed25519).
func NewPublicKey(id string, pub crypto.PublicKey) (*Key, error) {
	return newPublicKey(id, pub, "")
}

// NewSecret returns an HMAC key for the HS256, HS384 and HS512 algorithms.
// RFC 7518 section 3.2 requires a secret at least as long as the hash output,
// so a secret of 32 bytes verifies HS256 only, 48 bytes HS256 and HS384, and
// 64 bytes or more all three. A shorter secret is refused. The secret is
// copied.
func NewSecret(id string, secret []byte) (*Key, error) {
	return newSecret(id, secret, "")
}

func newSecret(id string, secret []byte, alg string) (*Key, error) {
	if len(secret) < 32 {
		return nil, fmt.Errorf("jwks: HMAC secret%s is %d bytes; HS256 needs at least 32", quoteID(id), len(secret))
	}
	k := &Key{id: id, kind: kindHMAC, secret: slices.Clone(secret), macs: new([3]sync.Pool)}
	if err := k.restrict(alg); err != nil {
		return nil, err
	}
	k.fingerprint = fingerprintOf("oct", k.secret)
	return k, nil
}

func newPublicKey(id string, pub crypto.PublicKey, alg string) (*Key, error) {
	// Keys are copied, so that a caller changing its key afterwards cannot
	// change ours.
	k := &Key{id: id}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if err := checkRSA(p); err != nil {
			return nil, fmt.Errorf("jwks: key %q: %w", id, err)
		}
		k.kind = kindRSA
		k.pub = &rsa.PublicKey{N: new(big.Int).Set(p.N), E: p.E}
	case *ecdsa.PublicKey:
		kd, cp, err := checkEC(p)
		if err != nil {
			return nil, fmt.Errorf("jwks: key %q: %w", id, err)
		}
		k.kind = kd
		k.pub = cp
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("jwks: key %q: Ed25519 public key is %d bytes, want %d", id, len(p), ed25519.PublicKeySize)
		}
		k.kind = kindEd25519
		k.pub = slices.Clone(p)
	case nil:
		return nil, fmt.Errorf("jwks: key %q: no public key given", id)
	default:
		return nil, fmt.Errorf("jwks: key %q: unsupported public key type %T", id, pub)
	}
	der, err := x509.MarshalPKIXPublicKey(k.pub)
	if err != nil { // cannot happen for a key that passed the checks above
		return nil, fmt.Errorf("jwks: key %q: encoding the public key: %w", id, err)
	}
	k.fingerprint = fingerprintOf("pkix", der)
	if err := k.restrict(alg); err != nil {
		return nil, err
	}
	return k, nil
}

// fingerprintOf identifies key material: the SHA-256 of the label and the
// material, each preceded by its length, so that no two (label, material)
// pairs share an encoding. Public keys are given as the DER of their
// SubjectPublicKeyInfo (label "pkix"), which names the algorithm and curve
// and delimits every number; HMAC secrets as their bytes (label "oct").
func fingerprintOf(label string, material []byte) [32]byte {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(label), material} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// restrict sets the algorithms the key may verify: alg alone if given (it
// must suit the key), otherwise every algorithm of the key's type.
func (k *Key) restrict(alg string) error {
	k.algs = algorithmsFor(k.kind, len(k.secret))
	if alg == "" {
		return nil
	}
	if !slices.Contains(k.algs, alg) {
		if _, known := lookupAlgorithm(alg); !known {
			return fmt.Errorf("jwks: key %q: unsupported algorithm %q", k.id, alg)
		}
		return fmt.Errorf("jwks: key %q: algorithm %s does not suit a %s", k.id, alg, k.describe())
	}
	k.algs = []string{alg}
	return nil
}

func checkRSA(p *rsa.PublicKey) error {
	if p == nil || p.N == nil || p.N.Sign() <= 0 {
		return errors.New("RSA modulus missing")
	}
	bits := p.N.BitLen()
	if bits < minRSABits {
		return fmt.Errorf("RSA key is %d bits; at least %d are required", bits, minRSABits)
	}
	if bits > maxRSABits {
		return fmt.Errorf("RSA key is %d bits; at most %d are accepted", bits, maxRSABits)
	}
	if p.N.Bit(0) == 0 {
		return errors.New("RSA modulus is even")
	}
	if p.E < 3 || p.E%2 == 0 {
		return fmt.Errorf("RSA public exponent %d is not an odd number of at least 3", p.E)
	}
	if hasROCAFingerprint(p.N) {
		return errors.New("RSA key has the ROCA fingerprint (CVE-2017-15361) and must be replaced")
	}
	return nil
}

// checkEC checks that p is a valid point on a supported curve and returns
// its kind and a copy. It reads the point through [ecdsa.PublicKey.Bytes],
// which refuses negative or overlong coordinates, coordinates not reduced
// modulo the field prime, points off the curve and the point at infinity,
// and parses the encoding back into the copy, so that the copy shares no
// memory with p.
func checkEC(p *ecdsa.PublicKey) (kind, *ecdsa.PublicKey, error) {
	if p == nil || p.Curve == nil {
		return 0, nil, errIncompleteEC
	}
	var kd kind
	switch p.Curve {
	case elliptic.P256():
		kd = kindP256
	case elliptic.P384():
		kd = kindP384
	case elliptic.P521():
		kd = kindP521
	default:
		return 0, nil, fmt.Errorf("unsupported EC curve %s", p.Curve.Params().Name)
	}
	raw, err := ecPointBytes(p)
	if err != nil {
		return 0, nil, err
	}
	cp, err := ecdsa.ParseUncompressedPublicKey(p.Curve, raw)
	if err != nil { // cannot happen: Bytes checked the same encoding
		return 0, nil, fmt.Errorf("EC public key is not a valid %s point: %w", p.Curve.Params().Name, err)
	}
	return kd, cp, nil
}

var errIncompleteEC = errors.New("incomplete EC public key")

// ecPointBytes returns the uncompressed encoding of p, whose curve is one
// that Bytes supports. Bytes panics when X or Y is nil, as it reads them
// as big.Int values; that is reported as an incomplete key, like a missing
// curve. Other invalid points come back as Bytes's error, which names the
// reason (negative or overflowing coordinate, point not on curve) without
// quoting the coordinates.
func ecPointBytes(p *ecdsa.PublicKey) (raw []byte, err error) {
	defer func() {
		if recover() != nil {
			raw, err = nil, errIncompleteEC
		}
	}()
	raw, err = p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("EC public key is not a valid %s point: %w", p.Curve.Params().Name, err)
	}
	return raw, nil
}

// ID returns the key ID, matched against the "kid" header of tokens.
func (k *Key) ID() string { return k.id }

// Algorithms returns the JWS algorithms this key may verify. The caller owns
// the returned slice.
func (k *Key) Algorithms() []string { return slices.Clone(k.algs) }

// Supports reports whether the key may verify signatures made with alg: the
// algorithm must belong to the key's type (an HMAC algorithm only with a
// secret, ES256 only with a P-256 key, ...) and, if the key names an
// algorithm of its own, be that one.
func (k *Key) Supports(alg string) bool { return slices.Contains(k.algs, alg) }

// Type returns the JWK key type: "RSA", "EC", "OKP" or "oct".
func (k *Key) Type() string {
	switch k.kind {
	case kindRSA:
		return "RSA"
	case kindP256, kindP384, kindP521:
		return "EC"
	case kindEd25519:
		return "OKP"
	default:
		return "oct"
	}
}

// IsSymmetric reports whether the key is an HMAC secret.
func (k *Key) IsSymmetric() bool { return k.kind == kindHMAC }

// Public returns a copy of the public key: an *rsa.PublicKey,
// *ecdsa.PublicKey or ed25519.PublicKey, new on every call, so that a caller
// changing it changes neither the key nor what later calls return. It
// returns nil for an HMAC secret, whose bytes never leave the package.
func (k *Key) Public() crypto.PublicKey {
	switch p := k.pub.(type) {
	case *rsa.PublicKey:
		return &rsa.PublicKey{N: new(big.Int).Set(p.N), E: p.E}
	case *ecdsa.PublicKey:
		raw, err := p.Bytes()
		if err != nil { // cannot happen: the key was checked when made
			return nil
		}
		cp, err := ecdsa.ParseUncompressedPublicKey(p.Curve, raw)
		if err != nil {
			return nil
		}
		return cp
	case ed25519.PublicKey:
		return slices.Clone(p)
	default: // an HMAC secret
		return nil
	}
}

// Verify checks that sig is a valid alg signature of signed under the key.
// It returns nil on success, an error wrapping [ErrSignature] when the
// signature does not match, and another error when the key may not be used
// with alg. For ECDSA the signature must be the fixed-width R || S form of
// RFC 7518 section 3.4.
func (k *Key) Verify(alg string, signed, sig []byte) error {
	if !k.Supports(alg) {
		return fmt.Errorf("%w: %s with a %s", errAlgorithmMismatch, alg, k.describe())
	}
	a, _ := lookupAlgorithm(alg)
	if !k.verifySignature(a, signed, sig) {
		return ErrSignature
	}
	return nil
}

// sameMaterial reports whether k and other are the same key: same ID, same
// key material and same algorithms.
func (k *Key) sameMaterial(other *Key) bool {
	return k.id == other.id && k.fingerprint == other.fingerprint && slices.Equal(k.algs, other.algs)
}

// quoteID returns " \"id\"" for naming a key in a message, or "" for a key
// without ID.
func quoteID(id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf(" %q", id)
}

func (k *Key) describe() string {
	switch k.kind {
	case kindRSA:
		return fmt.Sprintf("%d-bit RSA key", k.pub.(*rsa.PublicKey).N.BitLen())
	case kindP256:
		return "P-256 EC key"
	case kindP384:
		return "P-384 EC key"
	case kindP521:
		return "P-521 EC key"
	case kindEd25519:
		return "Ed25519 key"
	default:
		return fmt.Sprintf("%d-byte HMAC secret", len(k.secret))
	}
}

// String describes the key without its material, for logs and errors.
// String and Format have value receivers so that a Key value, not only a
// *Key, never prints its fields.
func (k Key) String() string {
	return fmt.Sprintf("%s %q %v", k.describe(), k.id, k.algs)
}

// Format makes every fmt verb print [Key.String], so that %v, %+v and %#v
// never print key material.
func (k Key) Format(f fmt.State, _ rune) {
	_, _ = f.Write([]byte(k.String()))
}
