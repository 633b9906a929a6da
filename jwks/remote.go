package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for [RemoteConfig].
const (
	// DefaultFetchTimeout bounds one fetch, discovery included.
	DefaultFetchTimeout = 10 * time.Second
	// DefaultMaxBodySize bounds a fetched document: 1 MiB, hundreds of
	// times a typical key set.
	DefaultMaxBodySize = 1 << 20
	// DefaultRefreshCooldown is the shortest time between two fetches for
	// unknown key IDs, and between attempts after a failure.
	DefaultRefreshCooldown = 30 * time.Second
	// DefaultRefreshInterval is how long a fetched set is used before it is
	// refreshed in the background.
	DefaultRefreshInterval = time.Hour
)

// RemoteConfig configures a [Remote] key source.
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

	// FetchTimeout bounds each fetch, discovery included. Zero means
	// DefaultFetchTimeout (10 s).
	FetchTimeout time.Duration

	// MaxBodySize bounds the size of a fetched document. Zero means
	// DefaultMaxBodySize (1 MiB).
	MaxBodySize int64

	// RefreshCooldown is the shortest time between two fetches made
	// because a token named a key ID the set does not hold, or because the
	// last fetch failed. Tokens with unknown key IDs arriving within it
	// fail at once, so bogus key IDs cannot flood the issuer. Zero means
	// DefaultRefreshCooldown (30 s).
	RefreshCooldown time.Duration

	// RefreshInterval is how long a fetched key set is used before it is
	// refreshed in the background on next use (requests keep using the old
	// set meanwhile). Zero means DefaultRefreshInterval (1 h).
	RefreshInterval time.Duration

	// Logger receives a record for each failed fetch and each key skipped
	// as unusable. Nil means slog.Default().
	Logger *slog.Logger

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// Remote is a key source backed by an issuer's JWKS endpoint. Construction
// does no I/O: the first lookup fetches the set (or call [Remote.Refresh] at
// start-up to fail fast). Afterwards lookups read the cached set without
// locks; a token naming an unknown key ID triggers one refetch, shared by all
// lookups waiting for it and rate-limited by RefreshCooldown. When a fetch
// fails the last good set stays in use.
//
// Every fetch is bounded by FetchTimeout and MaxBodySize and runs detached
// from the request that triggered it, so a cancelled request does not abort
// a fetch that others wait for; each waiter still stops waiting when its own
// context ends. A Remote is safe for concurrent use. Call [Remote.Close] when
// done with it.
type Remote struct {
	client       *http.Client
	issuer       string
	fetchTimeout time.Duration
	maxBody      int64
	cooldown     time.Duration
	interval     time.Duration
	log          *slog.Logger
	now          func() time.Time

	set atomic.Pointer[keySet]

	mu          sync.Mutex
	jwksURL     string     // configured or discovered; guarded by mu
	inflight    *fetchCall // the fetch under way, if any
	lastAttempt time.Time  // start of the last fetch of any kind
	lastKidTry  time.Time  // start of the last fetch for an unknown kid
	lastErr     error      // result of the last fetch
	closed      bool
	wg          sync.WaitGroup
}

// keySet is one fetched key set, never modified once published.
type keySet struct {
	index     *Static
	fetchedAt time.Time
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
		cooldown:     orDefault(cfg.RefreshCooldown, DefaultRefreshCooldown),
		interval:     orDefault(cfg.RefreshInterval, DefaultRefreshInterval),
		log:          cfg.Logger,
		now:          cfg.Now,
		jwksURL:      cfg.URL,
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
	if r.fetchTimeout < 0 || r.maxBody < 0 || r.cooldown < 0 || r.interval < 0 {
		return nil, errors.New("jwks: RemoteConfig durations and sizes must not be negative")
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

// Keys implements [Source].
func (r *Remote) Keys(ctx context.Context, q Query) ([]*Key, error) {
	set := r.set.Load()
	if set != nil {
		keys, err := set.index.Keys(ctx, q)
		if err == nil {
			if r.now().Sub(set.fetchedAt) >= r.interval {
				r.refreshInBackground(ctx)
			}
			return keys, nil
		}
	}

	why := fetchNoKeys
	if set != nil {
		why = fetchUnknownKid
	}
	call := r.startFetch(ctx, why)
	if call != nil {
		select {
		case <-call.done:
		case <-ctx.Done():
			if set == nil {
				return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
			}
			return nil, fmt.Errorf("%w: gave up waiting for a refetch: %w", ErrKeyNotFound, ctx.Err())
		}
	}
	if set = r.set.Load(); set == nil {
		r.mu.Lock()
		err := r.lastErr
		r.mu.Unlock()
		if err == nil {
			return nil, ErrUnavailable // closed before any fetch
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return set.index.Keys(ctx, q)
}

// Refresh fetches the key set now, regardless of the cooldown, and returns
// the fetch's error. Call it at start-up to fail fast when the issuer is
// unreachable; a Remote that is never refreshed explicitly fetches on first
// use.
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

func (r *Remote) refreshInBackground(ctx context.Context) {
	r.startFetch(ctx, fetchStale)
}

// fetchReason says why a fetch is wanted; each has its own rate limit.
type fetchReason int

const (
	// fetchNoKeys: nothing is cached. At most one attempt per cooldown, so
	// an unreachable issuer is not hammered.
	fetchNoKeys fetchReason = iota
	// fetchUnknownKid: a token names a key ID the cached set lacks. At most
	// one such fetch per cooldown, counted from the last one of its kind, so
	// a rotation right after a routine fetch is still picked up at once;
	// and none within the cooldown after a failed fetch.
	fetchUnknownKid
	// fetchStale: the cached set is older than RefreshInterval. At most
	// one attempt per cooldown.
	fetchStale
	// fetchForced: Refresh was called.
	fetchForced
)

// startFetch returns the fetch under way, or starts one if the rate limit
// for why allows it, or returns nil.
func (r *Remote) startFetch(ctx context.Context, why fetchReason) *fetchCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.inflight != nil {
		return r.inflight
	}
	if r.closed {
		return nil
	}
	now := r.now()
	within := func(t time.Time) bool { return !t.IsZero() && now.Sub(t) < r.cooldown }
	switch why {
	case fetchNoKeys, fetchStale:
		if within(r.lastAttempt) {
			return nil
		}
	case fetchUnknownKid:
		if within(r.lastKidTry) || r.lastErr != nil && within(r.lastAttempt) {
			return nil
		}
		r.lastKidTry = now
	}
	call := &fetchCall{done: make(chan struct{})}
	r.inflight = call
	r.lastAttempt = now
	r.wg.Add(1)
	// Detach from the caller: other lookups may wait on this fetch after
	// the caller has gone. The fetch keeps the caller's values (for
	// tracing) and has its own deadline.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.fetchTimeout)
	go func() {
		defer r.wg.Done()
		defer cancel()
		err := r.fetch(fctx)
		r.mu.Lock()
		r.inflight = nil
		r.lastErr = err
		r.mu.Unlock()
		call.err = err
		close(call.done)
	}()
	return call
}

// fetch downloads, parses and publishes the key set.
func (r *Remote) fetch(ctx context.Context) error {
	u, err := r.endpoint(ctx)
	if err != nil {
		r.log.Warn("jwks: discovery failed", "issuer", r.issuer, "err", err)
		return err
	}
	body, err := r.get(ctx, u)
	if err != nil {
		r.log.Warn("jwks: fetch failed; keeping the previous key set", "url", redact(u), "err", err)
		return err
	}
	keys, problems, err := parseSet(body, false)
	if err == nil && len(keys) == 0 {
		err = errors.New("jwks: key set holds no usable key")
	}
	for _, p := range problems {
		r.log.Warn("jwks: key skipped", "url", redact(u), "err", p)
	}
	if err != nil {
		r.log.Warn("jwks: fetched key set rejected; keeping the previous one", "url", redact(u), "err", err)
		return err
	}
	r.publish(keys)
	return nil
}

// publish makes keys the current set. A key that is unchanged from the
// previous set keeps its identity.
func (r *Remote) publish(keys []*Key) {
	if old := r.set.Load(); old != nil {
		for i, k := range keys {
			for _, o := range old.index.all {
				if o.sameMaterial(k) {
					keys[i] = o
					break
				}
			}
		}
	}
	index, err := NewStatic(keys...)
	if err != nil { // cannot happen: parseSet removed duplicates and secrets
		r.log.Error("jwks: building key index", "err", err)
		return
	}
	r.set.Store(&keySet{index: index, fetchedAt: r.now()})
}

// get fetches u and returns its body, refusing non-200 answers and bodies
// over the size limit.
func (r *Remote) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: fetching %s: %w", redact(u), unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: fetching %s: %w %s", redact(u), errStatus, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("jwks: reading %s: %w", redact(u), err)
	}
	if int64(len(body)) > r.maxBody {
		return nil, fmt.Errorf("jwks: %s: document larger than %d bytes", redact(u), r.maxBody)
	}
	return body, nil
}

// errStatus marks a fetch answered with a status other than 200 OK.
var errStatus = errors.New("status")

// unwrapURLError drops the *url.Error wrapper, whose message repeats the URL
// unredacted.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redact returns u with any password removed, for messages.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	p.RawQuery = ""
	return p.Redacted()
}

// Close stops the source from starting fetches and waits for any fetch under
// way to finish. Lookups keep answering from the cached set.
func (r *Remote) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}
