package verifier

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/jwks"
)

// Defaults for [Config].
const (
	// DefaultLeeway is the clock skew we recommend tolerating between the
	// issuer and this server: 30 seconds. Config.Leeway has no implicit
	// default; set it to this value (or another) explicitly.
	DefaultLeeway = 30 * time.Second
	// DefaultMaxTokenSize bounds the length of a token: 8 KiB, far above
	// any access token an issuer mints yet small enough that hostile input
	// costs little.
	DefaultMaxTokenSize = 8 << 10
	// maxLeeway is the largest leeway New accepts.
	maxLeeway = 5 * time.Minute
)

// Config configures a [Verifier]. Issuers, Audiences and Keys are required:
// a verifier that would check no issuer, no audience or no key refuses to
// start. Issuers that put no "iss" or "aud" in their tokens are served by the
// explicit opt-outs SkipIssuerCheck and SkipAudienceCheck.
type Config struct {
	// Issuers lists the trusted issuers. A token's "iss" must equal one of
	// them exactly (case-sensitive, no normalisation of trailing slashes).
	// The check runs before any key is looked up, so a token of another
	// issuer never causes a key fetch.
	Issuers []string

	// Audiences lists the audiences this server accepts, usually its own
	// API identifier. A token's "aud" (one string or an array) must contain
	// at least one of them.
	Audiences []string

	// Keys supplies the verification keys: a [jwks.Remote] for an issuer's
	// JWKS endpoint, a [jwks.Static] for public keys or HMAC secrets, or a
	// [jwks.ByIssuer] to give each issuer its own source. When Keys is a
	// [jwks.IssuerLister] (as ByIssuer is), New refuses a trusted issuer it
	// does not list. Of the candidate keys the source returns for a token,
	// exactly one must suit the token's algorithm: a token costs at most
	// one signature check.
	Keys jwks.Source

	// Algorithms is the allowlist of "alg" values. Empty means every
	// algorithm of [jwks.Algorithms]. Whatever the list, "none" is never
	// accepted and each algorithm verifies only with a key of its own type:
	// HS256 never with an RSA public key, ES256 only with a P-256 key.
	Algorithms []string

	// Leeway is the clock skew tolerated when checking "exp", "nbf" and
	// "iat". Zero means none. [DefaultLeeway] (30 s) suits most servers;
	// New refuses more than 5 minutes.
	Leeway time.Duration

	// MaxTokenSize is the largest token, in bytes, that is parsed at all.
	// Zero means [DefaultMaxTokenSize] (8 KiB).
	MaxTokenSize int

	// SkipIssuerCheck accepts tokens whatever their "iss", including none.
	// Use it only for issuers that put no "iss" in their tokens, such as
	// Django-style HS256 tokens, and whose keys are not shared with other
	// issuers. Issuers must then be empty.
	SkipIssuerCheck bool

	// SkipAudienceCheck accepts tokens whatever their "aud", including none.
	// Without an audience check, a token the issuer minted for another API
	// is accepted here; use it only for issuers that put no "aud" in their
	// tokens. Audiences must then be empty.
	SkipAudienceCheck bool

	// StrictRFC9068 enforces the JWT profile for OAuth 2.0 access tokens
	// (RFC 9068): the header's "typ" must be "at+jwt" (or
	// "application/at+jwt", in any letter case), and "sub", "client_id",
	// "iat" and "jti" must be present. It rejects ID tokens and other JWTs
	// offered as access tokens. Off by default, since many issuers do not
	// follow the profile.
	StrictRFC9068 bool

	// MaxTokenAge, if set, rejects tokens issued ("iat") longer ago than
	// this, beyond the leeway, whatever their "exp"; "iat" is then
	// required. Zero means no limit.
	MaxTokenAge time.Duration

	// CacheSize is how many verified tokens are remembered, so that a token
	// seen again skips parsing and the signature check. A token is cached
	// when it is verified a second time (within about the last 4,096
	// verifications), so that tokens seen once cost nothing to remember.
	// A cached token is
	// still checked for "exp", "nbf", "iat" and MaxTokenAge on every use,
	// and is checked afresh once the key that verified it has left its key
	// set or the set has gone stale. The oldest entries are dropped once
	// expired, a few with each new entry, so that the cache holds little
	// more than the tokens still in use. Zero means DefaultCacheSize
	// (10,000).
	CacheSize int

	// CacheBytes bounds the memory of the cache, counting each token, its
	// claims and about 512 bytes of overhead. Zero means DefaultCacheBytes
	// (16 MiB).
	CacheBytes int

	// DisableCache turns the cache of verified tokens off: every token's
	// claims are read and its signature checked on every call.
	DisableCache bool

	// Now returns the current time. Nil means time.Now. Tests set it to
	// check expiry without sleeping.
	Now func() time.Time

	// OnVerify, if set, is called at the end of every Verify with its error
	// (nil on success), for metrics: [Outcome] turns it into a label such
	// as "ok", "expired" or "keys_unavailable". It runs on the request's
	// goroutine and must be fast and safe for concurrent use.
	OnVerify func(err error)
}

// Verifier verifies access tokens. It is safe for concurrent use.
type Verifier struct {
	issuers    stringSet
	audiences  stringSet
	keys       jwks.Source
	algorithms []string
	leeway     time.Duration
	maxSize    int
	skipIss    bool
	skipAud    bool
	strict     bool
	maxAge     time.Duration
	now        func() time.Time
	onVerify   func(error)
	cache      *tokenCache // nil when disabled
	headers    *headerMemo
	// verifySignature is the signature check, (*jwks.Key).Verify; tests
	// count its calls.
	verifySignature func(k *jwks.Key, alg string, signed, sig []byte) error
}

// New checks cfg and returns a verifier. It does no I/O: remote keys are
// fetched by the key source on first use (see [jwks.Remote]).
func New(cfg Config) (*Verifier, error) {
	if v := reflect.ValueOf(cfg.Keys); !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, errors.New("verifier: Config.Keys is nil; without a key source no token can be verified")
	}
	if err := checkList("Issuers", "SkipIssuerCheck", cfg.Issuers, cfg.SkipIssuerCheck); err != nil {
		return nil, err
	}
	if err := checkList("Audiences", "SkipAudienceCheck", cfg.Audiences, cfg.SkipAudienceCheck); err != nil {
		return nil, err
	}
	if lister, ok := cfg.Keys.(jwks.IssuerLister); ok && !cfg.SkipIssuerCheck {
		known := lister.Issuers()
		for _, iss := range cfg.Issuers {
			if !slices.Contains(known, iss) {
				return nil, fmt.Errorf("verifier: trusted issuer %q has no key source in Config.Keys", iss)
			}
		}
	}
	algs := cfg.Algorithms
	if len(algs) == 0 {
		algs = jwks.Algorithms()
	}
	for _, alg := range algs {
		if !jwks.IsSupported(alg) {
			return nil, fmt.Errorf("verifier: algorithm %q in Config.Algorithms is not supported (supported: %v)", alg, jwks.Algorithms())
		}
	}
	if cfg.Leeway < 0 || cfg.Leeway > maxLeeway {
		return nil, fmt.Errorf("verifier: Config.Leeway %v is outside 0 to %v", cfg.Leeway, maxLeeway)
	}
	if cfg.MaxTokenAge < 0 {
		return nil, fmt.Errorf("verifier: Config.MaxTokenAge %v is negative", cfg.MaxTokenAge)
	}
	maxSize := cfg.MaxTokenSize
	switch {
	case maxSize == 0:
		maxSize = DefaultMaxTokenSize
	case maxSize < 0:
		return nil, fmt.Errorf("verifier: Config.MaxTokenSize %d is negative", maxSize)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	if cfg.CacheSize < 0 || cfg.CacheBytes < 0 {
		return nil, errors.New("verifier: Config.CacheSize and CacheBytes must not be negative; set DisableCache to turn the cache off")
	}
	var cache *tokenCache
	if !cfg.DisableCache {
		cache = newTokenCache(orDefault(cfg.CacheSize, DefaultCacheSize), orDefault(cfg.CacheBytes, DefaultCacheBytes), cfg.Leeway)
	}
	return &Verifier{
		issuers:    newStringSet(cfg.Issuers),
		audiences:  newStringSet(cfg.Audiences),
		keys:       cfg.Keys,
		algorithms: slices.Clone(algs),
		leeway:     cfg.Leeway,
		maxSize:    maxSize,
		skipIss:    cfg.SkipIssuerCheck,
		skipAud:    cfg.SkipAudienceCheck,
		strict:     cfg.StrictRFC9068,
		maxAge:     cfg.MaxTokenAge,
		now:        now,
		onVerify:   cfg.OnVerify,
		cache:      cache,
		headers:    newHeaderMemo(),

		verifySignature: (*jwks.Key).Verify,
	}, nil
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func checkList(field, skip string, values []string, skipped bool) error {
	switch {
	case skipped && len(values) > 0:
		return fmt.Errorf("verifier: Config.%s is set together with %s; choose one", field, skip)
	case !skipped && len(values) == 0:
		return fmt.Errorf("verifier: Config.%s is empty; list the accepted values, or set %s for tokens that carry none", field, skip)
	case slices.Contains(values, ""):
		return fmt.Errorf("verifier: Config.%s contains an empty string", field)
	}
	return nil
}

// Verify checks token, a compact-serialised JWS access token, and returns
// its claims. It runs the checks [Checks] lists, in that order (see the
// package documentation), and stops at the first that fails. A token found
// in the cache of verified tokens is checked again from [CheckExpiry] to
// [CheckMaxAge].
//
// A rejected token yields an [*Error] naming the failed [Check], matching
// [ErrInvalidToken] and one reason sentinel. When keys cannot be obtained
// at all, the error matches [ErrKeysUnavailable] instead. ctx bounds any
// key fetch the lookup waits for.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	c, err := v.verify(ctx, token)
	if v.onVerify != nil {
		v.onVerify(err)
	}
	return c, err
}

func (v *Verifier) verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > v.maxSize {
		return nil, reject(CheckSize, ErrMalformed, errTooLarge)
	}
	now := v.now() // read once: the clock costs tens of nanoseconds
	if v.cache != nil {
		if c, ok := v.cache.get(token, now); ok {
			if err := v.checkTimes(c, now); err != nil {
				v.cache.remove(token)
				return nil, err
			}
			return c, nil
		}
	}
	p := getParser()
	defer putParser(p)
	if err := p.split(token, v.algorithms, v.headers); err != nil {
		return nil, err
	}
	if !slices.Contains(v.algorithms, p.header.alg) {
		return nil, reject(CheckAlgorithm, ErrAlgorithm, fmt.Errorf("%q is not in the allowlist", clip(p.header.alg)))
	}
	if p.payloadErr != nil {
		return nil, p.payloadErr
	}
	c := &Claims{algorithm: p.header.alg, keyID: p.header.kid, typ: p.header.typ, verifier: v}
	if err := c.parse(&p.json, p.payload, string(p.payload)); err != nil {
		return nil, reject(CheckClaims, ErrMalformed, prefixed(errClaimsPrefix, err))
	}
	if !v.skipIss && !v.issuers.has(c.issuer) {
		if c.issuer == "" {
			return nil, reject(CheckIssuer, ErrIssuer, errors.New(`token has no "iss"`))
		}
		return nil, reject(CheckIssuer, ErrIssuer, nil)
	}

	q := jwks.Query{Issuer: c.issuer, KeyID: p.header.kid, Algorithm: p.header.alg}
	key, err := v.checkSignature(ctx, p, q)
	if err != nil {
		return nil, err
	}
	if err := v.checkTimes(c, now); err != nil {
		return nil, err
	}
	if v.strict {
		if err := checkRFC9068(c); err != nil {
			return nil, err
		}
	}
	if !v.skipAud && !slices.ContainsFunc(c.audience, v.audiences.has) {
		if len(c.audience) == 0 {
			return nil, reject(CheckAudience, ErrAudience, errors.New(`token has no "aud"`))
		}
		return nil, reject(CheckAudience, ErrAudience, nil)
	}
	if v.cache != nil {
		v.cache.add(token, c, key, now)
	}
	if !p.headerKnown {
		v.headers.remember(p.headerEnc, p.headerSum, p.header)
	}
	return c, nil
}

// checkSignature finds the key for q and verifies the signature with it,
// and returns it. A token costs at most one signature check: of the
// candidate keys the source offers, exactly one must suit the algorithm.
// Several would let a token without "kid" (or with a "kid" the set lacks)
// make the server try every key.
func (v *Verifier) checkSignature(ctx context.Context, p *parser, q jwks.Query) (*jwks.Key, error) {
	keys, err := v.keys.Keys(ctx, q)
	if err != nil {
		if errors.Is(err, jwks.ErrKeyNotFound) {
			return nil, reject(CheckKeyFound, ErrUnknownKey, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	}
	var key *jwks.Key
	suitable := 0
	for _, k := range keys {
		if k.Supports(q.Algorithm) {
			key = k
			suitable++
		}
	}
	switch {
	case suitable == 0:
		return nil, reject(CheckKeyAlgorithm, ErrAlgorithm, fmt.Errorf("no key matching the token supports %s", q.Algorithm))
	case suitable > 1 && q.KeyID == "":
		return nil, reject(CheckKeyFound, ErrUnknownKey, fmt.Errorf(`token has no "kid" and %d keys suit %s`, suitable, q.Algorithm))
	case suitable > 1:
		return nil, reject(CheckKeyFound, ErrUnknownKey, fmt.Errorf(`%d keys suit %s for the token's "kid"`, suitable, q.Algorithm))
	}
	if v.verifySignature(key, q.Algorithm, p.signingInput, p.signature) != nil {
		return nil, reject(CheckSignature, ErrSignature, nil)
	}
	return key, nil
}

func (v *Verifier) checkTimes(c *Claims, now time.Time) error {
	if c.expiresAt.IsZero() {
		return reject(CheckExpiry, ErrMissingClaim, errors.New(`token has no "exp"`))
	}
	// RFC 7519 section 4.1.4: reject on or after exp.
	if !now.Before(c.expiresAt.Add(v.leeway)) {
		return reject(CheckExpiry, ErrExpired, fmt.Errorf("expired %v ago", now.Sub(c.expiresAt).Round(time.Second)))
	}
	if !c.notBefore.IsZero() && now.Add(v.leeway).Before(c.notBefore) {
		return reject(CheckNotBefore, ErrNotYetValid, fmt.Errorf(`"nbf" is %v in the future`, c.notBefore.Sub(now).Round(time.Second)))
	}
	if !c.issuedAt.IsZero() && now.Add(v.leeway).Before(c.issuedAt) {
		return reject(CheckIssuedAt, ErrNotYetValid, fmt.Errorf(`"iat" is %v in the future`, c.issuedAt.Sub(now).Round(time.Second)))
	}
	if v.maxAge > 0 {
		if c.issuedAt.IsZero() {
			return reject(CheckMaxAge, ErrMissingClaim, errors.New(`token has no "iat", needed for the maximum token age`))
		}
		if age := now.Sub(c.issuedAt); age > v.maxAge+v.leeway {
			return reject(CheckMaxAge, ErrExpired, fmt.Errorf("issued %v ago, more than the maximum age %v", age.Round(time.Second), v.maxAge))
		}
	}
	return nil
}

// checkRFC9068 applies the access-token profile of RFC 9068 section 2.
func checkRFC9068(c *Claims) error {
	typ := c.typ
	if len(typ) > len("application/") && strings.EqualFold(typ[:len("application/")], "application/") {
		typ = typ[len("application/"):]
	}
	if !strings.EqualFold(typ, "at+jwt") {
		return reject(CheckProfile, ErrTokenType, fmt.Errorf(`"typ" is %q, want "at+jwt"`, clip(c.typ)))
	}
	for _, claim := range []struct {
		name    string
		present bool
	}{
		{"sub", c.subject != ""},
		{"client_id", c.clientID != ""},
		{"iat", !c.issuedAt.IsZero()},
		{"jti", c.id != ""},
	} {
		if !claim.present {
			return reject(CheckProfile, ErrMissingClaim, fmt.Errorf("token has no %q, required by RFC 9068", claim.name))
		}
	}
	return nil
}

// clip shortens attacker-chosen text, such as an unknown "alg", before it
// goes into an error message.
func clip(s string) string {
	const max = 16
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// stringSet is a set of strings for the issuer and audience checks: a
// slice for the usual handful, a map when there are many, so that a
// verifier trusting a thousand issuers checks one as fast as one.
type stringSet struct {
	list []string
	m    map[string]struct{}
}

func newStringSet(values []string) stringSet {
	if len(values) <= 8 {
		return stringSet{list: slices.Clone(values)}
	}
	m := make(map[string]struct{}, len(values))
	for _, s := range values {
		m[s] = struct{}{}
	}
	return stringSet{m: m}
}

func (s stringSet) has(v string) bool {
	if s.m != nil {
		_, ok := s.m[v]
		return ok
	}
	return slices.Contains(s.list, v)
}
