// Package redisreplay is a dpop.ReplayStore on Redis, for a fleet of server
// instances that must refuse a DPoP proof replayed to any one of them.
//
// Each Remember is one round trip: SET key 1 PX ms NX, where the key is the
// prefix and the proof's id, and ms is the time left until the proof's
// acceptance window ends, rounded up to a whole millisecond. Redis answers
// OK when the key was new (the proof is fresh) and nil when it exists (a
// replay), and drops the key when the window ends.
//
// The expiry is relative (PX), computed with Config.Now, rather than an
// absolute PXAT: the time the proof stays recorded is then measured by
// Redis's own clock from the moment it receives the command, so a Redis
// clock that runs ahead of the servers' cannot drop a record early and
// reopen the window to a replay. A proof whose window has already ended is
// refused (fresh is false) without a round trip: it is too old to be
// accepted, Redis refuses a PX of zero, and a PXAT in the past would store
// and drop the key at once, answering "fresh" to every replay.
//
// The store fails closed. An error from Redis, a cancelled context or an
// expired deadline gives an error, and the proof is not accepted. A SET
// that go-redis retries after its reply was lost finds its own key and
// answers "not fresh": a proof is then refused once, never accepted twice.
//
// For deployment: give the store a Redis (or a database) whose
// maxmemory-policy is noeviction, since every record carries an expiry and
// the volatile-* and allkeys-* policies may evict records before their time,
// whereas a full noeviction Redis refuses the SET and so refuses the proof.
// Records live only as long as a proof's window (a few minutes at most), so
// persistence matters little: a Redis restarted empty forgets the proofs of
// the current window only.
//
// While Redis is unreachable, every DPoP request is answered 503 once the
// store gives up. With go-redis's defaults (three retries, five dial
// attempts) that takes a second or more per request, and an HTTP request's
// context has no deadline of its own: give the client short DialTimeout,
// ReadTimeout and WriteTimeout, and few retries (MaxRetries: 1, say), or
// bound the request with a deadline in a middleware before this one.
package redisreplay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when Config.Prefix is empty.
const DefaultPrefix = "jwtgate:dpop:"

// Config configures a Store.
type Config struct {
	// Client is the Redis client: a *redis.Client, *redis.ClusterClient,
	// *redis.Ring (or a failover client), shared with the rest of the
	// program if convenient. Required. Clients that go-redis builds must be
	// created with ContextTimeoutEnabled set, so that the caller's deadline
	// bounds the round trip (New refuses them otherwise); a client of
	// another type is used as given.
	Client redis.UniversalClient

	// Prefix begins every key, so that the records of several stores (or of
	// several applications) on one Redis stay apart. Empty means
	// DefaultPrefix.
	Prefix string

	// Now returns the current time, from which the expiry of each record is
	// computed. Nil means time.Now.
	Now func() time.Time
}

// Store remembers DPoP proof ids in Redis. It is safe for concurrent use,
// and several Stores (in one process or in many) that share a Redis and a
// prefix refuse each other's proofs.
type Store struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
}

var _ dpop.ReplayStore = (*Store)(nil)

// New returns a Store for cfg. It refuses a nil client, and a go-redis
// client whose ContextTimeoutEnabled is off (such a client would keep a
// request waiting past its deadline when Redis is slow). New does not
// contact Redis.
func New(cfg Config) (*Store, error) {
	honours, isNil := inspect(cfg.Client)
	if isNil {
		return nil, errors.New("redisreplay: Config.Client is nil")
	}
	if !honours {
		return nil, errors.New("redisreplay: the client ignores request deadlines; create it with ContextTimeoutEnabled: true")
	}
	s := &Store{client: cfg.Client, prefix: cfg.Prefix, now: cfg.Now}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// inspect reports whether c is nil (also a nil pointer of a go-redis client
// type), and whether it lets a context's deadline cut a command short:
// go-redis clients do so only with ContextTimeoutEnabled; a client of
// another type is trusted to.
func inspect(c redis.UniversalClient) (honoursContext, isNil bool) {
	switch c := c.(type) {
	case nil:
		return false, true
	case *redis.Client:
		if c == nil {
			return false, true
		}
		return c.Options().ContextTimeoutEnabled, false
	case *redis.ClusterClient:
		if c == nil {
			return false, true
		}
		return c.Options().ContextTimeoutEnabled, false
	case *redis.Ring:
		if c == nil {
			return false, true
		}
		return c.Options().ContextTimeoutEnabled, false
	}
	return true, false
}

// Remember records id until the time given and reports whether id was new
// (true) or already recorded (false: a replay), in one round trip to Redis.
// When until is not after Config.Now, the proof's window has ended:
// Remember reports false without contacting Redis. An error (Redis
// unreachable or failing, ctx cancelled or past its deadline) means the
// store could not tell, and fresh is then false. The key is the prefix and
// id as given (the DPoP checker passes a hash of the proof); no error
// message contains it.
func (s *Store) Remember(ctx context.Context, id string, until time.Time) (fresh bool, err error) {
	if id == "" {
		return false, errors.New("redisreplay: empty proof id")
	}
	ms := ttlMillis(until.Sub(s.now()))
	if ms <= 0 {
		return false, nil
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("redisreplay: remember proof: %w", err)
	}
	cmd := redis.NewBoolCmd(ctx, "set", s.prefix+id, "1", "px", ms, "nx")
	if err := s.client.Process(ctx, cmd); err != nil {
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			return false, fmt.Errorf("redisreplay: remember proof: %w (%w)", cerr, err)
		}
		return false, fmt.Errorf("redisreplay: remember proof: %w", err)
	}
	return cmd.Val(), nil
}

// ttlMillis is d in whole milliseconds, rounded up so that a record never
// expires before its proof's window ends; zero when d is not positive.
func ttlMillis(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	ms := int64(d / time.Millisecond)
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}
