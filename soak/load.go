package main

import (
	"context"
	"encoding/json/v2"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Kind is the kind of token a request carries.
type Kind uint8

// The kinds of requests.
const (
	KindReused  Kind = iota // a client's token, reused until shortly before it expires
	KindFresh               // a token minted for this one request
	KindInvalid             // an invalid token (see Invalid)
	numKinds
)

var kindNames = [numKinds]string{"reused", "fresh", "invalid"}

// String returns the kind's name.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Outcome is how the gateway answered a request.
type Outcome uint8

// The outcomes of a request.
const (
	OutcomeOK              Outcome = iota // 200: the upstream's answer
	OutcomeUnauthorized                   // 401
	OutcomeForbidden                      // 403
	OutcomeBadRequest                     // 400
	OutcomeKeysUnavailable                // 503 "signing keys unavailable": the documented one
	OutcomeUnavailable                    // another 503
	OutcomeBadGateway                     // 502
	OutcomeInternal                       // 500
	OutcomeServerError                    // another 5xx
	OutcomeOtherStatus                    // any other status
	OutcomeTransport                      // no answer: timeout, reset, refused
	numOutcomes
)

var outcomeNames = [numOutcomes]string{
	"200", "401", "403", "400", "503 keys unavailable", "503 other", "502", "500", "5xx other", "other status", "transport error",
}

// String returns the outcome's name, such as "503 keys unavailable".
func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// unexpected5xx reports whether o is a server error other than the
// documented 503.
func (o Outcome) unexpected5xx() bool {
	return o == OutcomeUnavailable || o == OutcomeBadGateway || o == OutcomeInternal || o == OutcomeServerError
}

// Record is one request sent by the load generator.
type Record struct {
	At      time.Duration // intended send time, from the start of the load
	Latency time.Duration // from the intended send time to the end of the answer
	Kind    Kind
	Invalid Invalid // for KindInvalid
	Outcome Outcome
}

// loadConfig configures a load run.
type loadConfig struct {
	Target      string                // URL requested
	Rate        int                   // requests per second
	Credentials []verifiertest.Client // one per simulated client
	TokenURL    string                // where the clients get their tokens
	Lifetime    time.Duration         // of the tokens minted
	Fresh       float64               // share of fresh tokens
	Invalid     float64               // share of invalid tokens
	Duration    time.Duration
	Seed        uint64
}

// poolMaxAge is how old a token minted ahead may be when it is used.
const poolMaxAge = 2 * time.Second

// pooled is a token minted ahead.
type pooled struct {
	token string
	at    time.Time
}

// client is one simulated client: its own connections (one kept idle,
// as a service calling an API a few times a second holds) and its token,
// reused until shortly before it expires.
type client struct {
	verifiertest.Client // its ID and secret
	auth                verifiertest.ClientAuth
	http                *http.Client
	mu                  sync.Mutex
	token               string
	renewAt             time.Time
}

// load drives requests at a fixed rate (open loop) and keeps their
// records.
type load struct {
	cfg     loadConfig
	m       *minter
	clients []*client
	fresh   chan pooled
	invalid [numInvalid]chan pooled

	tokenRequests, poolMisses, overload atomic.Int64
	inflight                            atomic.Int64

	mu      sync.Mutex
	records []Record
	reasons map[string]int // "kind outcome: description" of refusals, counted
}

// maxInflight bounds the requests in flight; past it a request is not
// sent and counts as overload (a failure of the run).
const maxInflight = 20000

func newLoad(cfg loadConfig, m *minter) *load {
	l := &load{cfg: cfg, m: m, reasons: map[string]int{}}
	for i, cred := range cfg.Credentials {
		tr := &http.Transport{MaxIdleConnsPerHost: 1, IdleConnTimeout: 30 * time.Second, DisableCompression: true}
		l.clients = append(l.clients, &client{
			Client: cred,
			auth:   verifiertest.ClientAuth(i % 2), // half with HTTP Basic, half in the form
			http:   &http.Client{Transport: tr, Timeout: 10 * time.Second},
		})
	}
	perSec := float64(cfg.Rate)
	l.fresh = make(chan pooled, max(4, int(perSec*cfg.Fresh/2)))
	for k := range numInvalid {
		l.invalid[k] = make(chan pooled, max(2, int(perSec*cfg.Invalid/float64(numInvalid)/2)))
	}
	return l
}

// close closes the clients' idle connections.
func (l *load) close() {
	for _, c := range l.clients {
		c.http.CloseIdleConnections()
	}
}

// fill mints tokens ahead into the pools until ctx ends.
func (l *load) fill(ctx context.Context) {
	for ctx.Err() == nil {
		filled := false
		if len(l.fresh) < cap(l.fresh) {
			if tok, err := l.m.valid("soak-fresh", l.cfg.Lifetime); err == nil {
				l.fresh <- pooled{tok, time.Now()}
				filled = true
			}
		}
		for k := range numInvalid {
			if len(l.invalid[k]) < cap(l.invalid[k]) {
				if tok, err := l.m.invalid(k); err == nil {
					l.invalid[k] <- pooled{tok, time.Now()}
					filled = true
				}
			}
		}
		if !filled {
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
}

// take returns a token from pool no older than poolMaxAge, or one from
// mint when the pool has none.
func (l *load) take(pool chan pooled, mint func() (string, error)) (string, error) {
	for {
		select {
		case p := <-pool:
			if time.Since(p.at) <= poolMaxAge {
				return p.token, nil
			}
		default:
			l.poolMisses.Add(1)
			return mint()
		}
	}
}

// tokenOf returns c's token, getting a new one from the issuer's token
// endpoint when none is held or it is due for renewal: a client renews at
// four fifths of the lifetime, and at least 2 s before expiry. spent is
// the time the token request took (zero when the held token is reused).
func (l *load) tokenOf(ctx context.Context, c *client, now time.Time) (tok string, spent time.Duration, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && now.Before(c.renewAt) {
		return c.token, 0, nil
	}
	tok, err = c.RequestToken(ctx, c.http, l.cfg.TokenURL, c.auth)
	spent = time.Since(now)
	if err != nil {
		return "", spent, err
	}
	l.tokenRequests.Add(1)
	margin := max(l.cfg.Lifetime/5, 2*time.Second)
	c.token, c.renewAt = tok, now.Add(l.cfg.Lifetime-margin)
	return tok, spent, nil
}

// run sends requests from start for cfg.Duration, then waits for the
// answers. ctx ends it early (the requests in flight are cancelled).
func (l *load) run(ctx context.Context, start time.Time) {
	rng := rand.New(rand.NewPCG(l.cfg.Seed, l.cfg.Seed^0x5eed))
	var wg sync.WaitGroup
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	nextInvalid := 0
	for i := 0; ; i++ {
		at := time.Duration(float64(i) * float64(time.Second) / float64(l.cfg.Rate))
		if at >= l.cfg.Duration {
			break
		}
		if d := time.Until(start.Add(at)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		kind, inv := KindReused, Invalid(0)
		switch r := rng.Float64(); {
		case r < l.cfg.Fresh:
			kind = KindFresh
		case r < l.cfg.Fresh+l.cfg.Invalid:
			kind, inv = KindInvalid, Invalid(nextInvalid%int(numInvalid))
			nextInvalid++
		}
		c := l.clients[i%len(l.clients)]
		if l.inflight.Load() >= maxInflight {
			l.overload.Add(1)
			continue
		}
		l.inflight.Add(1)
		wg.Go(func() {
			defer l.inflight.Add(-1)
			l.one(ctx, c, start, at, kind, inv)
		})
	}
	wg.Wait()
}

// one sends one request and records it.
func (l *load) one(ctx context.Context, c *client, start time.Time, at time.Duration, kind Kind, inv Invalid) {
	intended := start.Add(at)
	var (
		tok   string
		err   error
		spent time.Duration // in the client's own token request
	)
	switch kind {
	case KindReused:
		tok, spent, err = l.tokenOf(ctx, c, time.Now())
	case KindFresh:
		tok, err = l.take(l.fresh, func() (string, error) { return l.m.valid("soak-fresh", l.cfg.Lifetime) })
	case KindInvalid:
		tok, err = l.take(l.invalid[inv], func() (string, error) { return l.m.invalid(inv) })
	}
	rec := Record{At: at, Kind: kind, Invalid: inv, Outcome: OutcomeTransport}
	var desc string
	if err == nil {
		rec.Outcome, desc = l.send(ctx, c, tok, kind == KindInvalid && inv == InvalidMissing)
	} else {
		desc = "getting a token failed: " + err.Error()
	}
	// The client's token request is the issuer's time, not the gateway's.
	rec.Latency = time.Since(intended) - spent
	l.mu.Lock()
	l.records = append(l.records, rec)
	if rec.Outcome != OutcomeOK {
		what := kind.String()
		if kind == KindInvalid {
			what = inv.String()
		}
		l.reasons[fmt.Sprintf("%s: %s: %s", what, rec.Outcome, desc)]++
	}
	l.mu.Unlock()
}

// send makes the request and classifies the answer; desc is the answer's
// error_description, or the transport error.
func (l *load) send(ctx context.Context, c *client, tok string, missing bool) (Outcome, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.cfg.Target, nil)
	if err != nil {
		return OutcomeTransport, err.Error()
	}
	if !missing {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue interface{ Timeout() bool }
		if errors.As(err, &ue) && ue.Timeout() {
			return OutcomeTransport, "timeout"
		}
		return OutcomeTransport, "connection error"
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	var answer struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &answer)
	desc := answer.Description
	if desc == "" {
		desc = answer.Error
	}
	if desc == "" {
		desc = "(no error code)"
	}
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
		return OutcomeOK, ""
	case s == http.StatusUnauthorized:
		return OutcomeUnauthorized, desc
	case s == http.StatusForbidden:
		return OutcomeForbidden, desc
	case s == http.StatusBadRequest:
		return OutcomeBadRequest, desc
	case s == http.StatusServiceUnavailable && answer.Description == "signing keys unavailable":
		return OutcomeKeysUnavailable, desc
	case s == http.StatusServiceUnavailable:
		return OutcomeUnavailable, desc
	case s == http.StatusBadGateway:
		return OutcomeBadGateway, desc
	case s == http.StatusInternalServerError:
		return OutcomeInternal, desc
	case s >= 500:
		return OutcomeServerError, fmt.Sprintf("status %d", s)
	default:
		return OutcomeOtherStatus, fmt.Sprintf("status %d", s)
	}
}

// results returns the records, sorted by intended time, and the refusal
// reasons.
func (l *load) results() ([]Record, map[string]int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := append([]Record(nil), l.records...)
	sortRecords(recs)
	reasons := make(map[string]int, len(l.reasons))
	for k, v := range l.reasons {
		reasons[k] = v
	}
	return recs, reasons
}
