package jwks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for [RemoteConfig]; REFRESH.md in this package explains each.
const (
	// DefaultFetchTimeout bounds one fetch, discovery included.
	DefaultFetchTimeout = 10 * time.Second
	// DefaultMaxBodySize bounds a fetched document: 1 MiB, hundreds of
	// times a typical key set.
	DefaultMaxBodySize = 1 << 20
	// DefaultRefreshInterval is the lifetime of a key set whose answer
	// carries no caching headers.
	DefaultRefreshInterval = time.Hour
	// DefaultMinRefreshInterval is the shortest lifetime a key set is
	// given, whatever its caching headers say.
	DefaultMinRefreshInterval = 5 * time.Minute
	// DefaultMaxRefreshInterval is the longest lifetime a key set is given,
	// whatever its caching headers say.
	DefaultMaxRefreshInterval = 24 * time.Hour
	// DefaultMaxStale is how long after its expiry a key set stays in use
	// while refreshes fail.
	DefaultMaxStale = 12 * time.Hour
	// DefaultRefreshCooldown is the shortest time between two fetches made
	// for unknown key IDs.
	DefaultRefreshCooldown = 30 * time.Second
	// DefaultUnknownKeyTTL is how long a key ID still unknown after a fetch
	// fails without another fetch.
	DefaultUnknownKeyTTL = 5 * time.Minute
	// DefaultMaxWait bounds how long a lookup waits for a fetch.
	DefaultMaxWait = 2 * time.Second
	// DefaultMaxBackoff caps the delay between retries after failures.
	DefaultMaxBackoff = 5 * time.Minute

	// maxUnknownKeys bounds the memory of unknown key IDs.
	maxUnknownKeys = 4096
	// maxRememberedKeyID is the longest key ID, in bytes, remembered as
	// unknown; a longer one is not remembered, and stays subject to the
	// cooldown. Real key IDs (UUIDs, RFC 7638 thumbprints, counters) are
	// well under 100 bytes. With maxUnknownKeys, it bounds the memory of
	// unknown key IDs to about 1 MiB of key IDs.
	maxRememberedKeyID = 256
	// minBackoff is the first retry delay after a failure.
	minBackoff = time.Second
)

// RemoteConfig configures a [Remote] key source. Only URL or Issuer is
// required; zero durations and sizes mean the defaults above.
type RemoteConfig struct {
	// URL is the JWKS endpoint. If empty, Issuer is required and the
	// endpoint is discovered from the issuer's metadata.
	URL string

	// Issuer is the issuer identifier. When URL is empty, the source reads
	// Issuer + "/.well-known/openid-configuration" (falling back to the
	// RFC 8414 "/.well-known/oauth-authorization-server" location), checks
	// that its "issuer" equals Issuer exactly, and uses its "jwks_uri".
	Issuer string

	// HTTPClient makes the requests. Nil means a client that follows
	// redirects but never from https to http.
	HTTPClient *http.Client

	// FetchTimeout bounds each fetch, discovery included (10 s).
	FetchTimeout time.Duration

	// MaxBodySize bounds the size of a fetched document (1 MiB).
	MaxBodySize int64

	// RefreshInterval is the lifetime of a key set whose answer has no
	// Cache-Control max-age or Expires header (1 h). The set is refreshed
	// in the background at a random point between 75 % and 90 % of its
	// lifetime (after a fetch that ends a run of failures, anywhere up to
	// that point); requests keep using it meanwhile.
	RefreshInterval time.Duration

	// MinRefreshInterval and MaxRefreshInterval clamp the lifetime of a key
	// set, whatever its caching headers say (5 min and 24 h).
	MinRefreshInterval time.Duration
	MaxRefreshInterval time.Duration

	// MaxStale is how long past its expiry the last good key set stays in
	// use while refreshes fail (12 h). After that, lookups fail with
	// ErrUnavailable until the issuer answers again.
	MaxStale time.Duration

	// RefreshCooldown is the shortest time between two fetches made
	// because a token named a key ID the set lacks (30 s). Tokens with
	// unknown key IDs arriving within it fail at once, so bogus key IDs
	// cannot flood the issuer.
	RefreshCooldown time.Duration

	// UnknownKeyTTL is how long a key ID still missing after a fetch made
	// for it fails at once, without another fetch (5 min). Key IDs longer
	// than 256 bytes are not remembered, and at most 4096 are.
	UnknownKeyTTL time.Duration

	// MaxWait bounds how long a lookup waits for a fetch (2 s); a slower
	// fetch carries on for later requests.
	MaxWait time.Duration

	// MaxBackoff caps the delay between retries after failed fetches
	// (5 min); retries start after 1 s and double.
	MaxBackoff time.Duration

	// Hooks receive events for metrics.
	Hooks Hooks

	// Logger receives a record for each failed fetch and each key skipped
	// as unusable. Nil means slog.Default().
	Logger *slog.Logger

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Remote is a key source backed by an issuer's JWKS endpoint, cached and
// refreshed as described in REFRESH.md in this package: construction does no
// I/O; the first lookup fetches the set (or call [Remote.Refresh] at start-up
// to fail fast); lookups then read the cached set without locks while it is
// refreshed in the background before it expires. A token naming an unknown
// key ID triggers one refetch, shared by all lookups waiting for it and
// rate-limited by RefreshCooldown. When fetches fail, the last good set
// stays in use for up to MaxStale past its expiry.
//
// A Remote is safe for concurrent use. Call [Remote.Close] to stop its
// background refreshes.
type Remote struct {
	client       *http.Client
	issuer       string
	fetchTimeout time.Duration
	maxBody      int64
	interval     time.Duration
	minInterval  time.Duration
	maxInterval  time.Duration
	maxStale     time.Duration
	cooldown     time.Duration
	unknownTTL   time.Duration
	maxWait      time.Duration
	maxBackoff   time.Duration
	hooks        Hooks
	log          *slog.Logger
	now          func() time.Time

	set atomic.Pointer[keySet]

	mu          sync.Mutex
	jwksURL     string               // configured or discovered
	inflight    *fetchCall           // the fetch under way, if any
	lastAttempt time.Time            // start of the last fetch
	lastKidTry  time.Time            // start of the last fetch for an unknown kid
	failures    int                  // consecutive failed fetches
	retryAt     time.Time            // earliest retry after a failure
	lastErr     error                // error of the last fetch, nil if it succeeded
	unknown     map[string]time.Time // key IDs missing after a fetch, until when
	timer       *time.Timer          // the next background refresh
	closed      bool
	wg          sync.WaitGroup
}

// keySet is one fetched key set, never modified once published.
type keySet struct {
	index        *Static
	fetchedAt    time.Time // when the issuer last vouched for it
	expiresAt    time.Time
	refreshAt    time.Time
	etag         string
	lastModified string
}

// fetchCall is one fetch that any number of lookups may wait for.
type fetchCall struct {
	done chan struct{}
	err  error
}

// NewRemote checks cfg and returns a source. It does no I/O.
func NewRemote(cfg RemoteConfig) (*Remote, error) {
	r := &Remote{
		client:       cfg.HTTPClient,
		issuer:       cfg.Issuer,
		fetchTimeout: orDefault(cfg.FetchTimeout, DefaultFetchTimeout),
		maxBody:      orDefault(cfg.MaxBodySize, DefaultMaxBodySize),
		interval:     orDefault(cfg.RefreshInterval, DefaultRefreshInterval),
		minInterval:  orDefault(cfg.MinRefreshInterval, DefaultMinRefreshInterval),
		maxInterval:  orDefault(cfg.MaxRefreshInterval, DefaultMaxRefreshInterval),
		maxStale:     orDefault(cfg.MaxStale, DefaultMaxStale),
		cooldown:     orDefault(cfg.RefreshCooldown, DefaultRefreshCooldown),
		unknownTTL:   orDefault(cfg.UnknownKeyTTL, DefaultUnknownKeyTTL),
		maxWait:      orDefault(cfg.MaxWait, DefaultMaxWait),
		maxBackoff:   orDefault(cfg.MaxBackoff, DefaultMaxBackoff),
		hooks:        cfg.Hooks,
		log:          cfg.Logger,
		now:          cfg.Now,
		jwksURL:      cfg.URL,
		unknown:      map[string]time.Time{},
	}
	switch {
	case cfg.URL != "":
		if err := checkFetchURL(cfg.URL, ""); err != nil {
			return nil, fmt.Errorf("jwks: RemoteConfig.URL: %w", err)
		}
	case cfg.Issuer != "":
		if err := checkFetchURL(cfg.Issuer, ""); err != nil {
			return nil, fmt.Errorf("jwks: RemoteConfig.Issuer must be an http(s) URL for discovery: %w", err)
		}
	default:
		return nil, errors.New("jwks: RemoteConfig needs URL or Issuer")
	}
	for _, d := range []time.Duration{r.fetchTimeout, r.interval, r.minInterval, r.maxInterval, r.maxStale, r.cooldown, r.unknownTTL, r.maxWait, r.maxBackoff} {
		if d < 0 {
			return nil, errors.New("jwks: RemoteConfig durations must not be negative")
		}
	}
	if r.maxBody < 0 {
		return nil, errors.New("jwks: RemoteConfig.MaxBodySize must not be negative")
	}
	if r.minInterval > r.maxInterval {
		return nil, fmt.Errorf("jwks: RemoteConfig.MinRefreshInterval %v exceeds MaxRefreshInterval %v", r.minInterval, r.maxInterval)
	}
	if r.client == nil {
		r.client = &http.Client{CheckRedirect: noDowngrade}
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r, nil
}

func orDefault[T int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func noDowngrade(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return errors.New("refusing redirect from https to " + req.URL.Scheme)
	}
	return nil
}

// checkFetchURL requires an absolute http or https URL; when base is an
// https URL, ref must be https too.
func checkFetchURL(ref, base string) error {
	u, err := url.Parse(ref)
	if err != nil {
		return errors.New("not a valid URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return errors.New("not an absolute http(s) URL")
	}
	if b, err := url.Parse(base); err == nil && b.Scheme == "https" && u.Scheme != "https" {
		return errors.New("an https issuer must publish an https URL")
	}
	return nil
}

// usable returns the cached set if it may still be used at now.
func (r *Remote) usable(now time.Time) *keySet {
	set := r.set.Load()
	if set == nil || !now.Before(set.expiresAt.Add(r.maxStale)) {
		return nil
	}
	return set
}

// Keys implements [Source]. A lookup whose key ID is in the cached set
// returns at once; one whose key ID is unknown may wait, at most MaxWait, for
// a refetch; with no usable set it waits for the first fetch, or fails at
// once with ErrUnavailable while failures back off.
func (r *Remote) Keys(ctx context.Context, q Query) ([]*Key, error) {
	now := r.now()
	set := r.usable(now)
	if set != nil {
		keys, err := set.index.Keys(ctx, q)
		if err == nil {
			if !now.Before(set.expiresAt) {
				// The refresher should have replaced the set; make sure a
				// fetch is on its way (rate-limited by the backoff).
				r.startFetch(ctx, fetchExpired)
			}
			return keys, nil
		}
		call, failing := r.startFetchForKid(ctx, q.KeyID, now)
		if call == nil {
			r.hooks.cooldown()
			if failing != nil {
				// The issuer cannot be asked whether it has this key: the
				// token may be good, so the answer is "try again later",
				// not "get a new token" (which would be signed by the
				// same unknown key).
				return nil, fmt.Errorf("%w: a key set with this key ID cannot be fetched: %w", ErrUnavailable, failing)
			}
			return nil, ErrKeyNotFound
		}
		if err := r.wait(ctx, call); err != nil {
			return nil, fmt.Errorf("%w: gave up waiting for a refetch: %w", ErrUnavailable, err)
		}
		return r.lookupAfterFetch(ctx, q, call)
	}

	call := r.startFetch(ctx, fetchEmpty)
	if call == nil {
		return nil, r.unavailable()
	}
	if err := r.wait(ctx, call); err != nil {
		return nil, fmt.Errorf("%w: gave up waiting for a fetch: %w", ErrUnavailable, err)
	}
	if r.usable(r.now()) == nil {
		return nil, r.unavailable()
	}
	return r.lookupAfterFetch(ctx, q, call)
}

// lookupAfterFetch answers q from the set a fetch left, remembering a key
// ID the fetch did not bring.
func (r *Remote) lookupAfterFetch(ctx context.Context, q Query, call *fetchCall) ([]*Key, error) {
	now := r.now()
	set := r.usable(now)
	if set == nil {
		return nil, r.unavailable()
	}
	keys, err := set.index.Keys(ctx, q)
	if err != nil && call.err != nil {
		return nil, fmt.Errorf("%w: the refetch failed: %w", ErrUnavailable, call.err)
	}
	if err != nil && q.KeyID != "" && len(q.KeyID) <= maxRememberedKeyID {
		// The key ID is copied: the caller's string may be a view into
		// the whole token, which the memory would otherwise keep alive.
		kid := strings.Clone(q.KeyID)
		r.mu.Lock()
		if len(r.unknown) >= maxUnknownKeys {
			clear(r.unknown)
		}
		r.unknown[kid] = now.Add(r.unknownTTL)
		r.mu.Unlock()
	}
	return keys, err
}

// unavailable returns ErrUnavailable with the last fetch error.
func (r *Remote) unavailable() error {
	r.mu.Lock()
	err := r.lastErr
	r.mu.Unlock()
	if err == nil {
		return ErrUnavailable
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// wait waits for call, at most MaxWait and never past ctx.
func (r *Remote) wait(ctx context.Context, call *fetchCall) error {
	select {
	case <-call.done:
		return nil
	default:
	}
	t := time.NewTimer(r.maxWait)
	defer t.Stop()
	select {
	case <-call.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return fmt.Errorf("fetch took longer than %v", r.maxWait)
	}
}

// Refresh fetches the key set now, whatever the cooldown and backoff, and
// returns the fetch's error. Call it at start-up to fail fast when the
// issuer is unreachable; a Remote never refreshed explicitly fetches on
// first use.
func (r *Remote) Refresh(ctx context.Context) error {
	call := r.startFetch(ctx, fetchForced)
	if call == nil {
		return errors.New("jwks: remote key source is closed")
	}
	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetchReason says why a fetch is wanted; each has its own limit.
type fetchReason int

const (
	fetchEmpty      fetchReason = iota // no usable set: allowed unless failures back off
	fetchExpired                       // the set expired: likewise
	fetchBackground                    // the refresher's timer fired
	fetchForced                        // Refresh was called
)

// startFetchForKid returns the fetch a lookup for an unknown key ID may
// wait for: the one under way, or a new one if neither the negative cache
// nor the cooldown forbids it; or nil.
//
// When it returns nil, failing is the error of the last fetch if that
// fetch failed and kid is not one a successful fetch found missing: the
// key may exist, but the issuer cannot be asked now.
func (r *Remote) startFetchForKid(ctx context.Context, kid string, now time.Time) (call *fetchCall, failing error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if until, ok := r.unknown[kid]; ok {
		if now.Before(until) {
			return nil, nil
		}
		delete(r.unknown, kid)
	}
	if r.inflight != nil {
		return r.inflight, nil
	}
	if r.closed || within(now, r.lastKidTry, r.cooldown) || r.lastErr != nil && within(now, r.lastAttempt, r.cooldown) {
		return nil, r.lastErr
	}
	r.lastKidTry = now
	return r.startLocked(ctx, now), nil
}

// within reports whether now is less than d after t (a zero t is never).
func within(now, t time.Time, d time.Duration) bool {
	return !t.IsZero() && now.Sub(t) < d
}

// startFetch returns the fetch under way, or starts one if why allows it
// now, or returns nil.
func (r *Remote) startFetch(ctx context.Context, why fetchReason) *fetchCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inflight != nil {
		return r.inflight
	}
	now := r.now()
	if r.closed || (why == fetchEmpty || why == fetchExpired) && now.Before(r.retryAt) {
		return nil
	}
	return r.startLocked(ctx, now)
}

// startLocked starts a fetch; r.mu is held and no fetch is under way.
func (r *Remote) startLocked(ctx context.Context, now time.Time) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	r.inflight = call
	r.lastAttempt = now
	recovering := r.failures > 0
	r.wg.Add(1)
	// Detach from the caller: other lookups may wait on this fetch after
	// the caller has gone. The fetch keeps the caller's values (for
	// tracing) and has its own deadline.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.fetchTimeout)
	go func() {
		defer r.wg.Done()
		defer cancel()
		err := r.fetch(fctx, recovering)
		r.mu.Lock()
		r.inflight = nil
		r.lastErr = err
		if err != nil {
			r.failures++
			r.retryAt = r.now().Add(r.backoff())
		} else {
			r.failures = 0
			r.retryAt = time.Time{}
		}
		r.scheduleLocked()
		r.mu.Unlock()
		call.err = err
		close(call.done)
	}()
	return call
}

// Close stops background refreshes and waits for any fetch under way to
// finish. Lookups keep answering from the cached set, but nothing is fetched
// again.
func (r *Remote) Close() error {
	r.mu.Lock()
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}

// Status describes the state of a key source, for readiness checks and
// metrics.
type Status struct {
	// Ready reports whether usable keys are loaded.
	Ready bool
	// Keys is the number of usable keys.
	Keys int
	// FetchedAt is when the issuer last vouched for the set (a 200 or 304
	// answer); zero for a set never fetched.
	FetchedAt time.Time
	// ExpiresAt is when the set is due to be replaced; past it plus
	// MaxStale, the set is no longer used.
	ExpiresAt time.Time
	// Age is how long ago FetchedAt was.
	Age time.Duration
	// Failures counts the fetches that failed since the last success.
	Failures int
	// LastError is the error of the last fetch, or nil if it succeeded.
	LastError error
}

// Status reports whether usable keys are loaded, how old they are and how
// the last fetch went.
func (r *Remote) Status() Status {
	now := r.now()
	r.mu.Lock()
	st := Status{Failures: r.failures, LastError: r.lastErr}
	r.mu.Unlock()
	if set := r.set.Load(); set != nil {
		st.FetchedAt, st.ExpiresAt, st.Age = set.fetchedAt, set.expiresAt, now.Sub(set.fetchedAt)
		if r.usable(now) != nil {
			st.Ready, st.Keys = true, len(set.index.all)
		}
	}
	return st
}
