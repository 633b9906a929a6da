package jwks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/httpcc"
)

// Hooks receive events from a [Remote], for metrics. Every field is
// optional. Hooks are called synchronously, from the goroutine that fetched
// or looked up, and must be fast and safe for concurrent use.
type Hooks struct {
	// OnFetch is called when a fetch of the key set ends.
	OnFetch func(FetchEvent)
	// OnCooldown is called when a lookup names a key ID the set lacks and
	// no fetch is made for it: within the cooldown, or for a key ID
	// recently found missing. The lookup fails at once.
	OnCooldown func()
}

func (h Hooks) cooldown() {
	if h.OnCooldown != nil {
		h.OnCooldown()
	}
}

// FetchResult is the outcome of a fetch.
type FetchResult string

// The outcomes of a fetch.
const (
	// FetchUpdated: the issuer sent a key set, now in use.
	FetchUpdated FetchResult = "updated"
	// FetchNotModified: the issuer answered 304; the cached set was
	// confirmed.
	FetchNotModified FetchResult = "not_modified"
	// FetchFailed: the fetch failed; the previous set, if any, stays.
	FetchFailed FetchResult = "failed"
)

// FetchEvent describes one fetch of a key set.
type FetchEvent struct {
	// URL is the JWKS endpoint, without user information, query or
	// fragment.
	URL string
	// Result is the outcome.
	Result FetchResult
	// Duration is how long the fetch took, discovery included.
	Duration time.Duration
	// Keys is the number of usable keys in the set fetched, or cached for
	// FetchNotModified.
	Keys int
	// Skipped is the number of keys skipped as unusable.
	Skipped int
	// Err is the error of a failed fetch.
	Err error
}

// fetch downloads, parses and publishes the key set, or confirms the
// cached one with a conditional request. It sets the next refresh at
// refreshDelay, or at spreadDelay when recovering (the last fetch failed).
func (r *Remote) fetch(ctx context.Context, recovering bool) (err error) {
	start := r.now()
	ev := FetchEvent{Result: FetchFailed}
	defer func() {
		ev.Duration, ev.Err = r.now().Sub(start), err
		if r.hooks.OnFetch != nil {
			r.hooks.OnFetch(ev)
		}
	}()

	u, err := r.endpoint(ctx)
	if err != nil {
		r.log.Warn("jwks: discovery failed", "issuer", r.issuer, "err", err)
		return err
	}
	ev.URL = redact(u)
	prev := r.set.Load()
	resp, err := r.get(ctx, u, prev)
	if err != nil {
		r.log.Warn("jwks: fetch failed; keeping the previous key set", "url", ev.URL, "err", err)
		return err
	}
	defer resp.Body.Close()
	now := r.now()
	lifetime := r.lifetime(resp.Header, now)
	delay := refreshDelay
	if recovering {
		delay = spreadDelay
	}

	if resp.StatusCode == http.StatusNotModified {
		next := *prev
		next.fetchedAt, next.expiresAt, next.refreshAt = now, now.Add(lifetime), now.Add(delay(lifetime))
		r.extendLife(next.index.all, next.expiresAt)
		r.set.Store(&next)
		ev.Result, ev.Keys = FetchNotModified, len(prev.index.all)
		return nil
	}

	body, err := r.readBody(resp, u)
	if err == nil {
		var keys []*Key
		var problems []error
		keys, problems, err = parseSet(body, false)
		ev.Skipped = len(problems)
		for _, p := range problems {
			r.log.Warn("jwks: key skipped", "url", ev.URL, "err", p)
		}
		if err == nil && len(keys) == 0 {
			err = errors.New("jwks: key set holds no usable key")
		}
		if err == nil {
			r.publish(keys, &keySet{
				fetchedAt:    now,
				expiresAt:    now.Add(lifetime),
				refreshAt:    now.Add(delay(lifetime)),
				etag:         resp.Header.Get("ETag"),
				lastModified: resp.Header.Get("Last-Modified"),
			})
			ev.Result, ev.Keys = FetchUpdated, len(keys)
			return nil
		}
	}
	r.log.Warn("jwks: fetched key set rejected; keeping the previous one", "url", ev.URL, "err", err)
	return err
}

// publish makes keys the current set, described by set. A key unchanged
// from the previous set keeps its identity, so that anything keyed by it
// (such as a cache of verified tokens) survives the refresh; a key no
// longer in the set is retired (see Key.Usable).
func (r *Remote) publish(keys []*Key, set *keySet) {
	old := r.set.Load()
	if old != nil {
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
	set.index = index
	r.extendLife(keys, set.expiresAt)
	r.set.Store(set)
	if old != nil {
		for _, o := range old.index.all {
			if !slices.Contains(keys, o) {
				o.life.retired.Store(true)
			}
		}
	}
}

// extendLife makes keys usable until their set, expiring at expiresAt, goes
// stale.
func (r *Remote) extendLife(keys []*Key, expiresAt time.Time) {
	until := expiresAt.Add(r.maxStale).UnixNano()
	for _, k := range keys {
		if k.life == nil {
			k.life = new(keyLife)
		}
		k.life.until.Store(until)
	}
}

// get requests u, conditionally when prev carries validators. The caller
// closes the body of the response, whose status is 200 or 304.
func (r *Remote) get(ctx context.Context, u string, prev *keySet) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	if prev != nil {
		if prev.etag != "" {
			req.Header.Set("If-None-Match", prev.etag)
		}
		if prev.lastModified != "" {
			req.Header.Set("If-Modified-Since", prev.lastModified)
		}
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: fetching %s: %w", redact(u), unwrapURLError(err))
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNotModified && prev != nil {
		return resp, nil
	}
	resp.Body.Close()
	return nil, fmt.Errorf("jwks: fetching %s: %w %s", redact(u), errStatus, resp.Status)
}

// readBody reads a response body, refusing one over the size limit.
func (r *Remote) readBody(resp *http.Response, u string) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("jwks: reading %s: %w", redact(u), err)
	}
	if int64(len(body)) > r.maxBody {
		return nil, fmt.Errorf("jwks: %s: document larger than %d bytes", redact(u), r.maxBody)
	}
	return body, nil
}

// getBody fetches u and returns its body, for discovery.
func (r *Remote) getBody(ctx context.Context, u string) ([]byte, error) {
	resp, err := r.get(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return r.readBody(resp, u)
}

// lifetime returns how long a key set fetched at now stays fresh: the
// lifetime its caching headers give (see cacheLifetime), or RefreshInterval
// when they give none, clamped to [MinRefreshInterval, MaxRefreshInterval].
// A lifetime of zero (no-store, no-cache) thus becomes the minimum.
func (r *Remote) lifetime(h http.Header, now time.Time) time.Duration {
	d, ok := cacheLifetime(h, now)
	if !ok {
		d = r.interval
	}
	return min(max(d, r.minInterval), r.maxInterval)
}

// maxDeltaSeconds is the largest max-age or Age honoured: RFC 9111 section
// 1.2.2 has a cache treat any greater delta-seconds value as 2^31 seconds.
const maxDeltaSeconds = 1 << 31

// cacheLifetime reads the freshness lifetime of a response (RFC 9111
// section 4.2.1) and reports whether the headers gave one. Neither the order
// of the Cache-Control directives nor their split into header lines matters:
//
//   - no-store or no-cache anywhere: zero;
//   - otherwise max-age (the smallest, if repeated), less the Age header;
//   - otherwise Expires, relative to Date (or to now without a valid Date);
//   - otherwise no lifetime (ok is false).
//
// Invalid freshness information counts as zero, as RFC 9111 encourages
// (sections 4.2.1 and 5.3): a Cache-Control line that does not parse, a
// max-age that is not a number, an Expires that is not an HTTP date. None of
// them fails the fetch.
func cacheLifetime(h http.Header, now time.Time) (time.Duration, bool) {
	var maxAge uint64
	haveMaxAge := false
	for _, line := range h.Values("Cache-Control") {
		directives, err := parseCacheControl(line)
		if err != nil {
			return 0, true
		}
		for _, d := range directives {
			switch strings.ToLower(d.Name) {
			case httpcc.NoStore, httpcc.NoCache:
				return 0, true
			case httpcc.MaxAge:
				secs, err := strconv.ParseUint(d.Value, 10, 64)
				if errors.Is(err, strconv.ErrRange) {
					secs, err = maxDeltaSeconds, nil
				}
				if err != nil {
					return 0, true
				}
				if !haveMaxAge || secs < maxAge {
					maxAge, haveMaxAge = secs, true
				}
			}
		}
	}
	if haveMaxAge {
		d := time.Duration(min(maxAge, maxDeltaSeconds)) * time.Second
		if age, err := strconv.ParseUint(h.Get("Age"), 10, 64); err == nil {
			d -= time.Duration(min(age, maxDeltaSeconds)) * time.Second
		} else if errors.Is(err, strconv.ErrRange) {
			d -= maxDeltaSeconds * time.Second
		}
		return d, true
	}
	if exp := h.Get("Expires"); exp != "" {
		t, err := http.ParseTime(exp)
		if err != nil {
			return 0, true // an invalid Expires means already expired
		}
		base := now
		if date, err := http.ParseTime(h.Get("Date")); err == nil {
			base = date
		}
		return t.Sub(base), true
	}
	return 0, false
}

// parseCacheControl splits one Cache-Control header line into its
// directives, with github.com/lestrrat-go/httpcc. (httpcc.ParseResponse is
// not used: its NoCache reports only the form that lists field names, not a
// bare no-cache.) httpcc v1.0.1 panics on a directive with an empty argument,
// such as "max-age="; that line is reported as malformed, like any other.
func parseCacheControl(line string) (directives []*httpcc.TokenPair, err error) {
	defer func() {
		if recover() != nil {
			directives, err = nil, errors.New("jwks: malformed Cache-Control header")
		}
	}()
	return httpcc.ParseResponseDirectives(line)
}

// refreshDelay returns when, after a fetch, to refresh a set with the given
// lifetime: at a random point between 75 % and 90 % of it, so that a fleet
// of servers does not refresh in the same second.
func refreshDelay(lifetime time.Duration) time.Duration {
	return time.Duration(float64(lifetime) * (0.75 + 0.15*rand.Float64()))
}

// spreadDelay returns when, after the first successful fetch that follows
// failures, to refresh a set with the given lifetime: at a uniform random
// point of a refresh delay (full jitter). When an issuer comes back from an
// outage, a whole fleet recovers within one MaxBackoff; with refreshDelay
// its refreshes would then stay within the same quarter of an hour for many
// cycles, as the 75-90 % window widens only slowly. Drawn this way, the
// fleet's refresh times are at once spread nearly as if its servers had
// never been in step (it is nearly the forward recurrence time of the
// refresh schedule), for less than one extra fetch per server.
func spreadDelay(lifetime time.Duration) time.Duration {
	return time.Duration(rand.Float64() * float64(refreshDelay(lifetime)))
}

// backoff returns the delay before the next retry after r.failures
// consecutive failures: from 1 s doubling to MaxBackoff, with jitter.
func (r *Remote) backoff() time.Duration {
	d := r.maxBackoff
	if r.failures < 30 {
		d = min(minBackoff<<(r.failures-1), r.maxBackoff)
	}
	// Equal jitter: half fixed, half random.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// scheduleLocked arms the timer for the next background fetch: at the
// set's refresh time, or at the retry time after a failure. r.mu is held.
func (r *Remote) scheduleLocked() {
	if r.closed {
		return
	}
	var at time.Time
	switch set := r.set.Load(); {
	case r.lastErr != nil:
		at = r.retryAt
	case set != nil:
		at = set.refreshAt
	default:
		return
	}
	if r.timer != nil {
		r.timer.Stop()
	}
	r.timer = time.AfterFunc(at.Sub(r.now()), func() {
		r.startFetch(context.Background(), fetchBackground)
	})
}

// errStatus marks a fetch answered with a status other than 200 OK (or 304
// to a conditional request).
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

// redact returns u without its user information, query and fragment, any
// of which may hold a credential, for messages.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid URL)"
	}
	p.User, p.RawQuery, p.Fragment, p.RawFragment = nil, "", "", ""
	return p.String()
}
