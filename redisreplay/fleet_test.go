package redisreplay_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/redisreplay"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// The fleet tests run two instances of a resource server, each with its
// own verifier, DPoP checker, Redis client and Store, on one Redis, behind
// one public URL: the reverse proxy in front of them (played by the test's
// client) names it in X-Forwarded-Proto and X-Forwarded-Host, which each
// instance believes from loopback. A proof is then valid at either
// instance, and only the shared store stops it being accepted twice.

const (
	// fleetURL is the URL clients use, which proofs sign.
	fleetURL   = "https://api.example.test/items"
	fleetProto = "https"
	fleetHost  = "api.example.test"
	fleetRealm = "api"
	// fleetRetryAfter is the instances' Retry-After, in seconds.
	fleetRetryAfter = 7
)

// replayedChallenge is the answer to a proof used before, at any instance.
const replayedChallenge = `DPoP realm="api", error="invalid_dpop_proof", error_description="proof replayed", algs="ES256"`

// unavailableBody is the body of the answer when the replay store cannot
// be reached.
const unavailableBody = `{"error":"temporarily_unavailable","error_description":"DPoP replay store unavailable"}` + "\n"

// loopback are the addresses of the proxy in front of the instances.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// fleet is an issuer, a token it issued bound to its DPoP client key, and
// the instances that accept it.
type fleet struct {
	iss       *verifiertest.Issuer
	token     string
	instances map[string]*httptest.Server
}

// newFleet starts an issuer and an instance for each name, whose replay
// store store returns, and closes them in t.Cleanup.
func newFleet(t *testing.T, store func(t *testing.T) dpop.ReplayStore, names ...string) *fleet {
	t.Helper()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: fixedNow})
	f := &fleet{
		iss: iss,
		token: iss.MustMint(t, verifiertest.Token{
			Claims: map[string]any{"cnf": verifiertest.DPoPBound(iss.DPoPThumbprint())},
		}),
		instances: make(map[string]*httptest.Server, len(names)),
	}
	for _, name := range names {
		f.instances[name] = newInstance(t, iss, name, store(t))
	}
	return f
}

// newInstance returns a server whose handler answers "<name> served
// <subject>" to the requests its nethttp middleware lets through.
func newInstance(t *testing.T, iss *verifiertest.Issuer, name string, store dpop.ReplayStore) *httptest.Server {
	t.Helper()
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err, "verifier.New for instance %s", name)
	checker, err := dpop.New(dpop.Config{Algorithms: []string{"ES256"}, Replay: store, Now: fixedNow})
	require.NoError(t, err, "dpop.New for instance %s", name)
	mw, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{
		Realm:      fleetRealm,
		DPoP:       checker,
		RetryAfter: fleetRetryAfter * time.Second,
		Proxy:      &bearer.Proxy{Addresses: loopback, ForwardedURL: true},
	}})
	require.NoError(t, err, "nethttp.New for instance %s", name)
	s := httptest.NewServer(mw.Authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := nethttp.ClaimsFrom(r)
		if !ok {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, name+" served "+claims.Subject())
	})))
	t.Cleanup(s.Close)
	return s
}

// redisStores returns stores on srv's Redis, each with a client of its
// own, made with opt (ContextTimeoutEnabled set).
func redisStores(srv *redisServer, opt redis.Options) func(t *testing.T) dpop.ReplayStore {
	return func(t *testing.T) dpop.ReplayStore {
		opt.ContextTimeoutEnabled = true
		client := srv.newClient(t, opt)
		s, err := redisreplay.New(redisreplay.Config{Client: client, Now: fixedNow})
		require.NoError(t, err, "redisreplay.New")
		return s
	}
}

// memoryStores returns a store in memory for each instance.
func memoryStores(*testing.T) dpop.ReplayStore {
	s := dpop.NewMemoryStore(0)
	s.Now = fixedNow
	return s
}

// proof mints a fresh proof for the fleet's token and public URL.
func (f *fleet) proof(t *testing.T) string {
	t.Helper()
	return f.iss.MustMintProof(t, verifiertest.Proof{URL: fleetURL, AccessToken: f.token})
}

// answer is what an instance answered.
type answer struct {
	status     int
	challenge  string // WWW-Authenticate
	retryAfter string
	body       string
}

// send sends GET /items with the fleet's token and proof to instance, as
// the proxy forwards it, and returns the answer. It does not fail t, so
// that goroutines may call it; err is what went wrong in transit.
func (f *fleet) send(t *testing.T, instance, proof string) (answer, error) {
	s := f.instances[instance]
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/items", nil)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "DPoP "+f.token)
	req.Header.Set("DPoP", proof)
	req.Header.Set("X-Forwarded-Proto", fleetProto)
	req.Header.Set("X-Forwarded-Host", fleetHost)
	resp, err := s.Client().Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{
		status:     resp.StatusCode,
		challenge:  resp.Header.Get("WWW-Authenticate"),
		retryAfter: resp.Header.Get("Retry-After"),
		body:       string(body),
	}, nil
}

// mustSend is send for the test's goroutine: it fails t if the request
// does not get an answer.
func (f *fleet) mustSend(t *testing.T, instance, proof string) answer {
	t.Helper()
	a, err := f.send(t, instance, proof)
	require.NoError(t, err, "GET %s at instance %s", fleetURL, instance)
	return a
}

// step is one request of a sequence, and the answer wanted: 200 from the
// instance, or 401 with the challenge.
type step struct {
	name      string
	instance  string
	proof     int // index in the sequence's proofs
	status    int
	challenge string
}

// run sends the steps in order, each with the proof it names.
func (f *fleet) run(t *testing.T, proofs []string, steps []step) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			a := f.mustSend(t, st.instance, proofs[st.proof])
			require.Equal(t, st.status, a.status, "GET with proof %d at instance %s: status (challenge %q, body %q)", st.proof, st.instance, a.challenge, a.body)
			if st.status == http.StatusOK {
				assert.Equal(t, st.instance+" served "+verifiertest.DefaultSubject, a.body, "GET with proof %d at instance %s: body", st.proof, st.instance)
				return
			}
			assert.Equal(t, st.challenge, a.challenge, "GET with proof %d at instance %s: WWW-Authenticate", st.proof, st.instance)
		})
	}
}

// TestFleet: a proof accepted by one instance is refused by the other, and
// by the first again; a fresh proof is accepted by either. The control
// shows what the shared store prevents: with a store in memory per
// instance, the other instance accepts the replay.
func TestFleet(t *testing.T) {
	srv := startRedis(t)
	tests := []struct {
		name   string
		stores func(t *testing.T) dpop.ReplayStore
		// replayToB is the status wanted for a proof accepted by A and
		// replayed to B.
		replayToB      int
		replayToBWants string
		// recorded is the number of proofs wanted in Redis afterwards.
		recorded int
	}{
		{name: "shared Redis", stores: redisStores(srv, redis.Options{}), replayToB: http.StatusUnauthorized, replayToBWants: replayedChallenge, recorded: 2},
		{name: "control: memory per instance", stores: memoryStores, replayToB: http.StatusOK, recorded: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, srv.client.FlushDB(t.Context()).Err(), "FLUSHDB")
			f := newFleet(t, tt.stores, "A", "B")
			proofs := []string{f.proof(t), f.proof(t)}
			f.run(t, proofs, []step{
				{name: "proof 0 at A", instance: "A", proof: 0, status: http.StatusOK},
				{name: "proof 0 replayed to B", instance: "B", proof: 0, status: tt.replayToB, challenge: tt.replayToBWants},
				{name: "proof 0 replayed to A", instance: "A", proof: 0, status: http.StatusUnauthorized, challenge: replayedChallenge},
				{name: "fresh proof 1 at B", instance: "B", proof: 1, status: http.StatusOK},
				{name: "proof 1 replayed to B", instance: "B", proof: 1, status: http.StatusUnauthorized, challenge: replayedChallenge},
			})
			// The proofs accepted are recorded in Redis once each, under
			// the default prefix, when the instances share it.
			keys, err := srv.client.Keys(t.Context(), redisreplay.DefaultPrefix+"*").Result()
			require.NoError(t, err, "KEYS %s*", redisreplay.DefaultPrefix)
			assert.Len(t, keys, tt.recorded, "keys in Redis after two proofs were accepted: %q", keys)
		})
	}
}

// TestFleetConcurrentReplay sends one proof to both instances at once,
// many times: exactly one request is accepted, and every other is refused
// as a replay.
func TestFleetConcurrentReplay(t *testing.T) {
	srv := startRedis(t)
	f := newFleet(t, redisStores(srv, redis.Options{}), "A", "B")
	// Each instance fetches the issuer's keys on its first request; a
	// request with its own proof does that before the race.
	for _, name := range []string{"A", "B"} {
		a := f.mustSend(t, name, f.proof(t))
		require.Equal(t, http.StatusOK, a.status, "warm-up GET at instance %s: status (challenge %q, body %q)", name, a.challenge, a.body)
	}

	const n = 16
	proof := f.proof(t)
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		answers = make([]answer, n)
		errs    = make([]error, n)
	)
	for i := range n {
		instance := []string{"A", "B"}[i%2]
		wg.Go(func() {
			<-start
			answers[i], errs[i] = f.send(t, instance, proof)
		})
	}
	close(start)
	wg.Wait()

	accepted := 0
	for i, a := range answers {
		if !assert.NoError(t, errs[i], "request %d of %d", i, n) {
			continue
		}
		switch a.status {
		case http.StatusOK:
			accepted++
		default:
			assert.Equal(t, http.StatusUnauthorized, a.status, "request %d of %d: status (body %q)", i, n, a.body)
			assert.Equal(t, replayedChallenge, a.challenge, "request %d of %d: WWW-Authenticate", i, n)
		}
	}
	assert.Equal(t, 1, accepted, "%d requests with one proof sent to two instances at once: accepted, want exactly 1", n)
}

// TestFleetRedisDown: with Redis stopped, no instance can tell a fresh
// proof from a replay, so every one answers 503 with Retry-After, never
// 200: neither to a fresh proof nor to one accepted before.
func TestFleetRedisDown(t *testing.T) {
	srv := startRedis(t)
	// Clients that give up at once: with go-redis's retries, each request
	// would take almost two seconds to fail, and end the same way.
	f := newFleet(t, redisStores(srv, redis.Options{MaxRetries: -1, DialerRetries: 1}), "A", "B")
	used := f.proof(t)
	a := f.mustSend(t, "A", used)
	require.Equal(t, http.StatusOK, a.status, "GET at instance A with Redis up: status (challenge %q, body %q)", a.challenge, a.body)
	srv.stop()

	tests := []struct {
		name     string
		instance string
		proof    string
	}{
		{"fresh proof at A", "A", f.proof(t)},
		{"fresh proof at B", "B", f.proof(t)},
		{"proof accepted before, replayed to B", "B", used},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.mustSend(t, tt.instance, tt.proof)
			require.Equal(t, http.StatusServiceUnavailable, a.status, "GET at instance %s with Redis stopped: status (challenge %q, body %q)", tt.instance, a.challenge, a.body)
			assert.Equal(t, strconv.Itoa(fleetRetryAfter), a.retryAfter, "GET at instance %s with Redis stopped: Retry-After", tt.instance)
			assert.Empty(t, a.challenge, "GET at instance %s with Redis stopped: WWW-Authenticate", tt.instance)
			assert.Equal(t, unavailableBody, a.body, "GET at instance %s with Redis stopped: body", tt.instance)
		})
	}
}
