package dpop

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jwtgate/jwtgate/jwks"
)

// Defaults of [Config].
const (
	DefaultMaxAge       = time.Minute
	DefaultLeeway       = 5 * time.Second
	DefaultMaxProofSize = 8 << 10
)

// DefaultAlgorithms are the proof algorithms a checker accepts when
// Config.Algorithms is empty: every asymmetric JWS algorithm package jwks
// verifies, under its usual name. [New] reads its own copy of the list, so
// changing this variable changes nothing.
var DefaultAlgorithms = []string{"ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA"}

var defaultAlgorithms = slices.Clone(DefaultAlgorithms)

// allowedAlgorithms are the names Config.Algorithms may hold: the defaults
// and "Ed25519", the fully specified name of EdDSA with Ed25519 (RFC 9864).
var allowedAlgorithms = append(slices.Clone(defaultAlgorithms), "Ed25519")

// maxJTI bounds the length of a proof's "jti", in bytes: RFC 9449 asks for
// 96 random bits at least, which a UUID (36 characters) or 16 base64url
// characters carry, and section 11.1 for a bound.
const maxJTI = 256

// Config configures a [Checker]. The zero value checks proofs with the
// default algorithms, age and sizes, and an in-memory replay store.
type Config struct {
	// Required says that the server demands DPoP: the bearer layer refuses
	// tokens presented with the Bearer scheme, bound or not. The checker
	// itself only reports it ([Checker.Required]).
	Required bool
	// Algorithms lists the proof algorithms ("alg") accepted; empty means
	// DefaultAlgorithms. New refuses "none", the HMAC algorithms and any
	// name it does not know.
	Algorithms []string
	// MaxAge is how long after its "iat" a proof is accepted; zero means
	// DefaultMaxAge (a minute).
	MaxAge time.Duration
	// Leeway is how far in the future "iat" may be, for clocks that are
	// ahead of ours; zero means DefaultLeeway (5 s). It may not be
	// negative. (To accept no future "iat" at all, set a nanosecond.)
	Leeway time.Duration
	// MaxProofSize bounds the proof, in bytes, before any parsing; zero
	// means DefaultMaxProofSize (8 KiB).
	MaxProofSize int
	// Replay remembers the proofs accepted, so that each is accepted once.
	// Nil means a [MemoryStore] of DefaultMemoryStoreSize entries, with the
	// checker's clock. Servers behind one load balancer share one store
	// (such as one on Redis), or a proof refused by one is accepted by
	// another.
	Replay ReplayStore
	// Nonces, if set, makes every proof carry a nonce Nonces accepts
	// ("nonce", RFC 9449 section 9); without one, or with one no longer
	// valid, Check fails with [ErrUseNonce]. Nil means no server nonces.
	Nonces *Nonces
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Checker checks DPoP proofs. It is safe for concurrent use.
type Checker struct {
	required bool
	algs     []string
	maxAge   time.Duration
	leeway   time.Duration
	maxSize  int
	replay   ReplayStore
	ownStore *MemoryStore // replay, when New made it (with the clock now)
	nonces   *Nonces
	now      func() time.Time
	// headers remembers, by their encoding, the headers of proofs that
	// passed the header checks and the signature check: the algorithm,
	// the parsed key and its thumbprint. A client signs every proof with
	// one key, so its headers are all the same and only its first proof
	// pays for parsing the key.
	headers memo[*header]
	// aths remembers the ath of access tokens, which a client presents
	// many times.
	aths memo[[athLen]byte]
	// verify is the signature check, (*jwks.Key).Verify; benchmarks
	// replace it to measure the rest of Check.
	verify func(k *jwks.Key, alg string, signed, sig []byte) error
}

// New checks cfg and returns a checker.
func New(cfg Config) (*Checker, error) {
	c := &Checker{
		required: cfg.Required,
		maxAge:   cfg.MaxAge,
		leeway:   cfg.Leeway,
		maxSize:  cfg.MaxProofSize,
		replay:   cfg.Replay,
		nonces:   cfg.Nonces,
		now:      cfg.Now,
		verify:   (*jwks.Key).Verify,
	}
	algs := cfg.Algorithms
	if len(algs) == 0 {
		algs = defaultAlgorithms
	}
	for _, alg := range algs {
		i := slices.Index(allowedAlgorithms, alg)
		switch {
		case i >= 0:
			if !slices.Contains(c.algs, alg) {
				c.algs = append(c.algs, allowedAlgorithms[i])
			}
		case strings.EqualFold(alg, "none"):
			return nil, errors.New(`dpop: Config.Algorithms: "none" is never allowed`)
		case strings.HasPrefix(alg, "HS"):
			return nil, fmt.Errorf("dpop: Config.Algorithms: %q is a MAC algorithm; DPoP proofs are signed with asymmetric keys (RFC 9449 section 4.2)", alg)
		default:
			return nil, fmt.Errorf("dpop: Config.Algorithms: unknown algorithm %q", alg)
		}
	}
	switch {
	case c.maxAge < 0:
		return nil, errors.New("dpop: Config.MaxAge is negative")
	case c.maxAge == 0:
		c.maxAge = DefaultMaxAge
	}
	switch {
	case c.leeway < 0:
		return nil, errors.New("dpop: Config.Leeway is negative")
	case c.leeway == 0:
		c.leeway = DefaultLeeway
	}
	switch {
	case c.maxSize < 0:
		return nil, errors.New("dpop: Config.MaxProofSize is negative")
	case c.maxSize == 0:
		c.maxSize = DefaultMaxProofSize
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.replay == nil {
		s := NewMemoryStore(DefaultMemoryStoreSize)
		s.Now = c.now
		c.replay, c.ownStore = s, s
	}
	c.headers = newMemo[*header](headerMemoSize)
	c.aths = newMemo[[athLen]byte](athMemoSize)
	return c, nil
}

// Required reports Config.Required: whether the server demands DPoP.
func (c *Checker) Required() bool { return c.required }

// Algorithms returns the accepted proof algorithms, for the algs parameter
// of a DPoP challenge. The caller owns the slice.
func (c *Checker) Algorithms() []string { return slices.Clone(c.algs) }

// Nonce returns the nonce to send in a DPoP-Nonce header, or "" when the
// checker has no Config.Nonces.
func (c *Checker) Nonce() string {
	if c.nonces == nil {
		return ""
	}
	return c.nonces.Current()
}

// Request is what a proof is checked against: the request that carries it.
type Request struct {
	// Method is the request method, compared exactly with "htm".
	Method string
	// URL is the absolute URL of the request, as the client addressed it
	// (scheme, host and port as seen in front of any proxy; the path as
	// sent, with its escaping). Its query and fragment are ignored.
	URL *url.URL
	// AccessToken is the access token the request presents with the
	// proof, if any; the proof's "ath" must then be its base64url SHA-256.
	AccessToken string
}

// Result describes an accepted proof.
type Result struct {
	// Thumbprint is the JWK SHA-256 thumbprint (RFC 7638, base64url) of the
	// key that signed the proof, to compare with the "jkt" member of the
	// access token's "cnf" claim.
	Thumbprint string
	// ID is the proof's "jti".
	ID string
	// IssuedAt is the proof's "iat".
	IssuedAt time.Time
}

// Check checks proof, the value of a request's DPoP header, against req
// (RFC 9449 section 4.3) and, if it passes, records it in the replay store.
// A refusal is an [*Error]: it matches [ErrInvalidProof] (with
// [ErrReplayed] for a second use), [ErrUseNonce], or
// [ErrStoreUnavailable]. Any other error reports a req that cannot be
// checked against, whatever the proof, such as one whose URL is not
// absolute: a bug in the caller (a server answers 500).
//
// Check does not compare the thumbprint with the access token's binding;
// the caller does, with [Result.Thumbprint]. It does not see whether the
// request carried several DPoP headers either, which RFC 9449 refuses.
//
// Checks that need no signature come first, so a proof made up to cost us
// a signature check must be well formed, fresh and for this request; the
// replay store is written only for a proof whose signature verifies.
func (c *Checker) Check(ctx context.Context, proof string, req Request) (Result, error) {
	if req.URL == nil {
		return Result{}, errors.New("dpop: Request.URL is nil")
	}
	if req.Method == "" {
		return Result{}, errors.New("dpop: Request.Method is empty")
	}
	w := works.Get().(*work)
	defer w.release()
	var err error
	if w.url, err = appendCanonicalURL(w.url[:0], req.URL); err != nil {
		return Result{}, fmt.Errorf("dpop: Request.URL: %w", err)
	}

	if len(proof) > c.maxSize {
		return Result{}, refuse(descTooLarge, fmt.Errorf("%d bytes, limit %d", len(proof), c.maxSize))
	}
	// The base64url decoder skips CR and LF; nothing else outside its
	// alphabet passes it.
	if strings.IndexByte(proof, '\n') >= 0 || strings.IndexByte(proof, '\r') >= 0 {
		return Result{}, refuse(descMalformed, errAlphabet)
	}
	dot1 := strings.IndexByte(proof, '.')
	dot2 := -1
	if dot1 >= 0 {
		if i := strings.IndexByte(proof[dot1+1:], '.'); i >= 0 {
			dot2 = dot1 + 1 + i
		}
	}
	if dot2 < 0 || strings.IndexByte(proof[dot2+1:], '.') >= 0 {
		return Result{}, refuse(descMalformed, errParts)
	}
	if dot1 == 0 || dot2 == dot1+1 || dot2 == len(proof)-1 {
		return Result{}, refuse(descMalformed, errEmptyPart)
	}

	// The header: from the cache when a proof with the same header has
	// passed before, which for a client with one key is every time but
	// the first.
	w.proof = append(w.proof[:0], proof...)
	hEnc := proof[:dot1]
	h, known := c.headers.get(hEnc)
	if !known {
		if h, err = c.readHeader(w, w.proof[:dot1]); err != nil {
			return Result{}, err
		}
	}

	// The payload and the signature.
	payload, sig, err := w.decode(w.proof[dot1+1:dot2], w.proof[dot2+1:])
	if err != nil {
		return Result{}, err
	}
	cl, err := w.readClaims(payload)
	if err != nil {
		return Result{}, err
	}
	if err := c.checkClaims(w, cl, req); err != nil {
		return Result{}, err
	}

	if err := c.verify(h.key, h.alg, w.proof[:dot2], sig); err != nil {
		return Result{}, refuse(descSignature, nil)
	}
	if !known {
		c.headers.put(hEnc, h)
	}
	if w.newATH {
		c.aths.put(req.AccessToken, w.ath)
	}

	if c.nonces != nil {
		switch {
		case cl.has&hasNonce == 0:
			return Result{}, &Error{Reason: ErrUseNonce, Description: descNoNonce}
		case !c.nonces.Valid(string(cl.nonce)):
			return Result{}, &Error{Reason: ErrUseNonce, Description: descNonce}
		}
	}

	key := replayKey(w, &h.rawThumbprint, cl.jti)
	until := cl.iat.Add(c.maxAge + c.leeway)
	var fresh bool
	if ms, ok := c.replay.(*MemoryStore); ok {
		// The store in memory takes the ID as the digest, unencoded,
		// and the checker's own store the time Check read.
		if err = ctx.Err(); err == nil {
			t := w.now
			if ms != c.ownStore {
				t = ms.nowNano()
			}
			fresh, err = ms.remember(key, until.UnixNano(), t)
		}
	} else {
		fresh, err = c.replay.Remember(ctx, replayID(key), until)
	}
	switch {
	case err != nil:
		return Result{}, &Error{Reason: ErrStoreUnavailable, Description: descStore, Err: err}
	case !fresh:
		return Result{}, &Error{Reason: ErrReplayed, Description: descReplayed}
	}
	return Result{Thumbprint: h.thumbprint, ID: string(cl.jti), IssuedAt: cl.iat}, nil
}

// checkClaims checks the claims that need no key: jti, htm, htu, iat and
// ath.
func (c *Checker) checkClaims(w *work, cl *claims, req Request) error {
	switch {
	case cl.has&hasJTI == 0 || len(cl.jti) == 0:
		return refuse(descJTI, errNoJTI)
	case len(cl.jti) > maxJTI:
		return refuse(descJTI, errLongJTI)
	case cl.has&hasHTM == 0:
		return refuse(descNoHTM, nil)
	case string(cl.htm) != req.Method:
		return refuse(descHTM, nil)
	case cl.has&hasHTU == 0:
		return refuse(descNoHTU, nil)
	}

	// w.url is the canonical request URL. A client sends htu in canonical form as a rule; otherwise it is
	// parsed and brought to that form.
	if string(cl.htu) != string(w.url) {
		u, err := url.Parse(string(cl.htu))
		if err != nil {
			return refuse(descHTU, errHTUParse)
		}
		if w.htu, err = appendCanonicalURL(w.htu[:0], u); err != nil {
			return refuse(descHTU, err)
		}
		if string(w.htu) != string(w.url) {
			return refuse(descHTU, nil)
		}
	}

	if cl.has&hasIAT == 0 {
		return refuse(descNoIAT, nil)
	}
	now := c.now()
	w.now = now.UnixNano()
	if cl.iat.Before(now.Add(-c.maxAge)) {
		return refuse(descExpired, nil)
	}
	if cl.iat.After(now.Add(c.leeway)) {
		return refuse(descFuture, nil)
	}

	if req.AccessToken != "" {
		if cl.has&hasATH == 0 {
			return refuse(descNoATH, nil)
		}
		want, known := c.ath(w, req.AccessToken)
		if string(cl.ath) != string(want[:]) {
			return refuse(descATH, nil)
		}
		w.newATH = !known && len(req.AccessToken) <= maxMemoToken
		w.ath = want
	}
	return nil
}

// athLen is the length of an ath: a base64url SHA-256.
const athLen = 43

// ath returns the ath of token, base64url(SHA-256(token)), and whether it
// came from the memo. Check adds it to the memo once the proof's signature
// verifies, so that the memo holds only tokens that came with a good proof.
func (c *Checker) ath(w *work, token string) (ath [athLen]byte, known bool) {
	if ath, ok := c.aths.get(token); ok {
		return ath, true
	}
	w.buf = append(w.buf[:0], token...)
	sum := sha256.Sum256(w.buf)
	base64.RawURLEncoding.Encode(ath[:], sum[:])
	return ath, false
}

// replayKey names a proof in the replay store: the SHA-256 of the key's
// thumbprint (the raw 32 bytes) and the jti, so that IDs have one length
// whatever the jti and two clients' jti values never collide.
func replayKey(w *work, thumbprint *[sha256.Size]byte, jti []byte) storeKey {
	w.buf = append(append(w.buf[:0], thumbprint[:]...), jti...)
	return sha256.Sum256(w.buf)
}

// replayIDLen is the length of a replay ID: a base64url SHA-256.
const replayIDLen = 43

// replayID returns the ID of key that a [ReplayStore] is given: key in
// base64url.
func replayID(key storeKey) string {
	var id [replayIDLen]byte
	base64.RawURLEncoding.Encode(id[:], key[:])
	return string(id[:])
}

// memo is a bounded map from strings to values, safe for concurrent use,
// for results computed from a string alone (so that a stale entry is never
// wrong). When full, an arbitrary entry makes room for a new one.
type memo[V any] struct {
	mu  sync.RWMutex
	m   map[string]V
	max int
}

func newMemo[V any](max int) memo[V] { return memo[V]{m: make(map[string]V), max: max} }

func (m *memo[V]) get(k string) (V, bool) {
	m.mu.RLock()
	v, ok := m.m[k]
	m.mu.RUnlock()
	return v, ok
}

// put stores a copy of k, so that the memo keeps no caller's memory.
func (m *memo[V]) put(k string, v V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[k]; ok {
		return
	}
	if len(m.m) >= m.max {
		for old := range m.m {
			delete(m.m, old)
			break
		}
	}
	m.m[strings.Clone(k)] = v
}

// The sizes of a checker's memos. headerMemoSize bounds the headers kept,
// one per client key in use at a time, at a few hundred bytes each;
// athMemoSize the access tokens whose hash is kept, each at most
// maxMemoToken bytes: 4 MB at most, a few hundred kB for typical tokens.
const (
	headerMemoSize = 4096
	athMemoSize    = 2048
	maxMemoToken   = 2048
)

// header is what a checker keeps of a proof header that passed its checks.
type header struct {
	alg           string // one of the checker's algorithms
	key           *jwks.Key
	thumbprint    string
	rawThumbprint [sha256.Size]byte // thumbprint, decoded
}

// work holds the buffers of one Check. Works are pooled, so that a check
// allocates only what its Result keeps (and, for a store other than a
// MemoryStore, the replay ID).
type work struct {
	proof   []byte // a copy of the proof
	decoded []byte // the decoded header or payload, then the signature
	arena   []byte // the claim values we keep
	url     []byte // the canonical request URL
	htu     []byte // the canonical htu, when it is not verbatim
	buf     []byte // what is hashed: the access token, the replay ID
	json    objectReader
	claims  claims
	ath     [athLen]byte // the ath of the access token
	newATH  bool         // whether ath is to be added to the memo
	now     int64        // the time of the check, in Unix nanoseconds
}

var works = sync.Pool{New: func() any { return new(work) }}

// maxPooled bounds the buffers a pooled work keeps.
const maxPooled = 64 << 10

func (w *work) release() {
	if cap(w.proof) > maxPooled || cap(w.decoded) > maxPooled || cap(w.buf) > maxPooled || w.json.BufferCap() > maxPooled {
		return
	}
	w.claims, w.newATH = claims{}, false
	works.Put(w)
}
