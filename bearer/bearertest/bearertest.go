// Package bearertest is the conformance suite of the adapters built on
// package bearer: one table of cases (requests, middleware chains and the
// exact answers they must get) that every adapter of this repository runs,
// and that an adapter for another framework can run too.
//
// An HTTP adapter supplies an [HTTPAdapter]: a function that builds its
// framework's router from the [Layer]s of a case. [RunHTTP] sends every case
// through that router and through the net/http adapter ([NetHTTP], the
// reference), and fails the test if an answer differs from the expected one
// (status, every header, body, whether the handler ran, whose claims it
// saw, how often each verifier ran) or from the reference's:
//
//	func TestConformance(t *testing.T) {
//		bearertest.RunHTTP(t, bearertest.HTTPAdapter{Name: "chi", Router: chiRouter})
//	}
//
// Other transports (gRPC) take the same cases from [NewTable] and map them
// onto their own protocol.
package bearertest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Paths are the paths every router of the table serves, each with GET and
// OPTIONS, behind the case's middleware.
var Paths = []string{"/r", "/healthz"}

// Layer is one middleware of a case's router: Authenticate, or Require
// (Requirement) when Guard is set; router-wide when Global is set (around
// the mux, e.Use, r.Use), otherwise on the route. A case lists its layers
// outermost first, router-wide ones before the route's.
type Layer struct {
	Verifier *verifier.Verifier
	Options  bearer.Options
	// Skip: the adapter's skipper is [SkipRequest], in its own hook type.
	Skip bool
	// CustomErrors: the adapter's error handler answers as
	// [WriteCustomError] does, in its own hook type.
	CustomErrors bool

	Guard       bool
	Requirement scopes.Requirement
	Global      bool
	// Again: this layer is the same middleware as the one before (its
	// Authenticate, then its Require), not a new one.
	Again bool
}

// Final is the final handler of a case's router: the adapter calls it with
// the response writer and what its claims accessor (ClaimsFrom) returns.
type Final func(w http.ResponseWriter, claims *verifier.Claims, ok bool)

// HTTPAdapter is an HTTP adapter under test.
type HTTPAdapter struct {
	Name string
	// Router returns a handler that serves GET and OPTIONS of every path
	// in [Paths] behind layers (each made into the adapter's middleware,
	// see [Middlewares]), ending in final.
	Router func(t testing.TB, layers []Layer, final Final) http.Handler
}

// Middlewares makes the middleware of each layer with newM: a new one,
// unless the layer is Again the one before.
func Middlewares[M any](t testing.TB, layers []Layer, newM func(Layer) (*M, error)) []*M {
	t.Helper()
	ms := make([]*M, len(layers))
	for i, l := range layers {
		if l.Again && i > 0 {
			ms[i] = ms[i-1]
			continue
		}
		m, err := newM(l)
		require.NoError(t, err, "making the middleware of layer %d, options %+v", i, l.Options)
		ms[i] = m
	}
	return ms
}

// NetHTTP is the net/http adapter (package nethttp), the reference every
// other adapter's answers are compared with.
var NetHTTP = HTTPAdapter{Name: "nethttp", Router: netHTTPRouter}

func netHTTPRouter(t testing.TB, layers []Layer, final Final) http.Handler {
	ms := Middlewares(t, layers, func(l Layer) (*nethttp.Middleware, error) {
		opts := nethttp.Options{Options: l.Options}
		if l.Skip {
			opts.Skip = SkipRequest
		}
		if l.CustomErrors {
			opts.ErrorHandler = WriteCustomError
		}
		return nethttp.New(l.Verifier, opts)
	})
	mw := func(i int) func(http.Handler) http.Handler {
		if layers[i].Guard {
			return ms[i].Require(layers[i].Requirement)
		}
		return ms[i].Authenticate
	}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, ok := nethttp.ClaimsFrom(r)
		final(w, claims, ok)
	})
	for i := len(layers) - 1; i >= 0; i-- {
		if !layers[i].Global {
			h = mw(i)(h)
		}
	}
	mux := http.NewServeMux()
	for _, p := range Paths {
		mux.Handle("GET "+p, h)
		mux.Handle("OPTIONS "+p, h)
	}
	var root http.Handler = mux
	for i := len(layers) - 1; i >= 0; i-- {
		if layers[i].Global {
			root = mw(i)(root)
		}
	}
	return root
}

// Case is one row of the table, ready to run: its layers carry their
// verifiers.
type Case struct {
	Name    string
	Layers  []Layer
	Request Request
	Want    Want
	// By names the verifier whose claims the final handler must see (see
	// [Table.Producer]); "" when it must see none.
	By string
	// Verifies, if not nil, is how often each named verifier must run for
	// the request (a verifier absent from it must not run).
	Verifies map[string]int
	// KeysDown: the verifier's key source is down (its Verify answers
	// verifier.ErrKeysUnavailable for well-formed tokens).
	KeysDown bool

	proof *confProof // the DPoP proof of the request; see Table.Proofs
}

// Request is the request of a case.
type Request struct {
	Method        string   // GET or OPTIONS
	Path          string   // one of Paths
	Query         string   // raw query, without "?"
	Authorization []string // Authorization header lines, in order
	Cookies       []string // Cookie header lines, in order
	Header        map[string]string
	// Replay: the request's DPoP proof (see [Table.Proofs]) is one sent
	// before; a runner sends the request once first, and checks the
	// answer to the second.
	Replay bool
}

// HTTP returns r as an *http.Request to serve.
func (r Request) HTTP() *http.Request {
	target := r.Path
	if r.Query != "" {
		target += "?" + r.Query
	}
	req := httptest.NewRequest(r.Method, target, nil)
	for _, a := range r.Authorization {
		req.Header.Add("Authorization", a)
	}
	for _, c := range r.Cookies {
		req.Header.Add("Cookie", c)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	return req
}

// Want is the answer a case must get. Headers not named here must be
// absent (Date and Content-Length aside).
type Want struct {
	Status int
	// Challenges are the WWW-Authenticate lines, in order; none means
	// the header is absent.
	Challenges   []string
	RetryAfter   string // Retry-After; "" means absent
	Nonce        string // DPoP-Nonce; "" means absent
	ContentType  string
	CacheControl string            // "" means absent
	Header       map[string]string // further headers
	Body         string
	// Ran: the final handler ran; Subject is the subject of the claims it
	// saw ("" for none).
	Ran     bool
	Subject string
}

// HTTPHeader returns every header w expects, Date and Content-Length aside.
func (w Want) HTTPHeader() http.Header {
	h := http.Header{}
	if len(w.Challenges) > 0 {
		h["Www-Authenticate"] = w.Challenges
	}
	for name, v := range map[string]string{
		"Dpop-Nonce":    w.Nonce,
		"Retry-After":   w.RetryAfter,
		"Content-Type":  w.ContentType,
		"Cache-Control": w.CacheControl,
	} {
		if v != "" {
			h.Set(name, v)
		}
	}
	for name, v := range w.Header {
		h.Set(name, v)
	}
	return h
}

// HandlerBody is what the final handler of [RunHTTP] writes for claims of
// subject ("" for none).
func HandlerBody(subject string) string { return confHandlerBody(subject) }

// Table is the conformance table with the issuers, verifiers and tokens its
// cases use, started for one test.
type Table struct {
	dpop   *confDPoP
	cases  []Case
	names  map[*verifier.Verifier]string
	counts map[string]*atomic.Int64
	down   *verifiertest.Issuer
}

// NewTable starts the table's issuers (stopped when t ends) and returns the
// table.
func NewTable(t testing.TB) *Table {
	t.Helper()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: confClock})
	issB := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256", Now: confClock})
	verifiers, counts := confVerifiers(t, iss, issB)
	down, downIssuer := unavailableVerifier(t, iss)
	tb := &Table{names: map[*verifier.Verifier]string{}, counts: map[string]*atomic.Int64{}, down: downIssuer, dpop: newConfDPoP(t, iss)}
	for id, v := range verifiers {
		tb.names[v] = id.String()
		tb.counts[id.String()] = counts[id]
	}

	tk := confMint(t, iss)
	names := map[string]bool{}
	all := append(confCases(tk), confChainCases(tk, confMintChain(t, iss, issB))...)
	for _, tc := range append(all, dpopCases(tb.dpop, tk)...) {
		require.False(t, names[tc.name], "conformance case %q is defined twice", tc.name)
		names[tc.name] = true
		c := Case{Name: tc.name, Request: tc.req.export(), Want: tc.want.export(), KeysDown: tc.down, proof: tc.req.proof}
		layers := tc.chain
		if layers == nil {
			v := verifiers[confA]
			if tc.down {
				v = down
			}
			layers = tc.guard.layers(v, tc.opts)
			if tc.want.subject != "" {
				c.By = confA.String()
			}
		} else {
			require.NotNil(t, tc.verifies, "chain case %q: verifies not set", tc.name)
			require.Equal(t, tc.want.subject != "", tc.by != confNone, "chain case %q: by (%s) set exactly when the handler sees claims (subject %q)", tc.name, tc.by, tc.want.subject)
			c.By = tc.by.String()
			if tc.by == confNone {
				c.By = ""
			}
			c.Verifies = map[string]int{}
			for id, n := range tc.verifies {
				if n != 0 {
					c.Verifies[id.String()] = n
				}
			}
		}
		for _, l := range layers {
			v := l.v
			if l.id != confNone {
				v = verifiers[l.id]
			}
			c.Layers = append(c.Layers, Layer{
				Verifier: v, Options: l.opts.Options, Skip: l.opts.Skip, CustomErrors: l.opts.CustomErrors,
				Guard: l.guard, Requirement: l.req, Global: l.global, Again: l.again,
			})
		}
		tb.cases = append(tb.cases, c)
	}
	return tb
}

// Cases returns the table's cases.
func (tb *Table) Cases() []Case { return tb.cases }

// Producer returns the name of the table's verifier that produced c, or ""
// if c is nil or none did.
func (tb *Table) Producer(c *verifier.Claims) string {
	for v, name := range tb.names {
		if c.VerifiedBy(v) {
			return name
		}
	}
	return ""
}

// Verifies returns how often each named verifier has run so far.
func (tb *Table) Verifies() map[string]int64 {
	out := map[string]int64{}
	for name, n := range tb.counts {
		out[name] = n.Load()
	}
	return out
}

// VerifiesSince returns how often each named verifier ran since before (a
// result of [Table.Verifies]), leaving out those that did not.
func (tb *Table) VerifiesSince(before map[string]int64) map[string]int {
	out := map[string]int{}
	for name, n := range tb.counts {
		if d := int(n.Load() - before[name]); d != 0 {
			out[name] = d
		}
	}
	return out
}

// KeysDownRequests returns how many requests the key source of the
// keys-down cases has refused, to show that those cases reached it.
func (tb *Table) KeysDownRequests() int { return tb.down.JWKSRequests() }

// Result is an HTTP adapter's answer to a case.
type Result struct {
	Status    int
	Header    http.Header // without Date and Content-Length
	Body      string
	Ran       bool
	HasClaims bool
	Subject   string
	By        string         // the verifier of the claims the handler saw
	Verifies  map[string]int // the runs of each verifier for the request
}

// Serve sends c's request through adapter's router for c and returns the
// answer.
func (tb *Table) Serve(t testing.TB, adapter HTTPAdapter, c Case) Result {
	t.Helper()
	request := func() *http.Request {
		r := c.Request.HTTP()
		u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
		for _, p := range tb.Proofs(t, c, r.Method, u) {
			r.Header.Add("DPoP", p)
		}
		return r
	}
	var prime *http.Request
	if c.Request.Replay {
		prime = request()
	}
	req := request()
	before := tb.Verifies()
	res, seen := serve(t, adapter, c.Layers, prime, req)
	res.Verifies = tb.VerifiesSince(before)
	res.By = tb.Producer(seen)
	return res
}

// serve sends r through adapter's router for layers, and returns the
// answer and the claims the final handler saw. If prime is not nil, it is
// sent first through the same router, and its answer dropped.
func serve(t testing.TB, adapter HTTPAdapter, layers []Layer, prime, r *http.Request) (Result, *verifier.Claims) {
	t.Helper()
	var (
		res  Result
		seen *verifier.Claims
	)
	h := adapter.Router(t, layers, func(w http.ResponseWriter, claims *verifier.Claims, ok bool) {
		res.Ran, res.HasClaims = true, ok
		subject := ""
		if ok {
			seen = claims
			subject = claims.Subject()
		}
		res.Subject = subject
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, HandlerBody(subject))
	})
	if prime != nil {
		h.ServeHTTP(httptest.NewRecorder(), prime)
		res, seen = Result{}, nil
	}
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("%s: serving %s %s panicked: %v; want an answer", adapter.Name, r.Method, r.URL.Path, p)
			}
		}()
		h.ServeHTTP(rec, r)
	}()
	resp := rec.Result()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	res.Body = string(body)
	res.Status = resp.StatusCode
	res.Header = resp.Header.Clone()
	res.Header.Del("Date")
	res.Header.Del("Content-Length")
	return res, seen
}

// RunHTTP runs every case of the table through adapter and through
// [NetHTTP], each case a subtest, and fails if an answer differs from the
// case's or the two adapters' answers differ.
func RunHTTP(t *testing.T, adapter HTTPAdapter) {
	tb := NewTable(t)
	ranDown := false
	for _, c := range tb.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			ranDown = ranDown || c.KeysDown
			got := tb.Serve(t, adapter, c)
			CheckHTTP(t, adapter.Name, c, got)
			if adapter.Name != NetHTTP.Name {
				ref := tb.Serve(t, NetHTTP, c)
				assert.Equal(t, ref, got, "%s: %s answered differently from %s (- %s, + %s)",
					describe(c), adapter.Name, NetHTTP.Name, NetHTTP.Name, adapter.Name)
			}
		})
	}
	if ranDown {
		assert.Positive(t, tb.KeysDownRequests(), "requests to the JWKS endpoint that is down, after the keys-unavailable cases")
	}
}

// CheckHTTP fails t if got is not the answer c wants.
func CheckHTTP(t testing.TB, adapter string, c Case, got Result) {
	t.Helper()
	want, call := c.Want, describe(c)
	assert.Equal(t, want.Status, got.Status, "%s: %s: status", adapter, call)
	assert.Equal(t, want.Challenges, got.Header.Values("WWW-Authenticate"), "%s: %s: WWW-Authenticate lines", adapter, call)
	assert.Equal(t, want.RetryAfter, got.Header.Get("Retry-After"), "%s: %s: Retry-After", adapter, call)
	assert.Equal(t, want.ContentType, got.Header.Get("Content-Type"), "%s: %s: Content-Type", adapter, call)
	assert.Equal(t, want.CacheControl, got.Header.Get("Cache-Control"), "%s: %s: Cache-Control", adapter, call)
	assert.Equal(t, want.HTTPHeader(), got.Header, "%s: %s: the full header set (Date, Content-Length aside)", adapter, call)
	assert.Equal(t, want.Body, got.Body, "%s: %s: body", adapter, call)
	assert.Equal(t, want.Ran, got.Ran, "%s: %s: whether the final handler ran", adapter, call)
	assert.Equal(t, want.Subject != "", got.HasClaims, "%s: %s: whether ClaimsFrom found claims in the handler", adapter, call)
	assert.Equal(t, want.Subject, got.Subject, "%s: %s: subject of the claims the handler saw", adapter, call)
	assert.Equal(t, c.By, got.By, "%s: %s: the verifier that produced the claims the handler saw", adapter, call)
	if c.Verifies != nil {
		assert.Equal(t, c.Verifies, got.Verifies, "%s: %s: Verify calls of each verifier (OnVerify count)", adapter, call)
	}
	for _, tok := range c.Request.Authorization {
		if _, secret, ok := strings.Cut(tok, " "); ok && len(secret) > 20 {
			assert.NotContains(t, got.Body, secret, "%s: %s: body echoes the token", adapter, call)
			assert.NotContains(t, fmt.Sprint(got.Header), secret, "%s: %s: headers echo the token", adapter, call)
		}
	}
}

// describe says what a case sends through which middleware, for failure
// messages.
func describe(c Case) string {
	var chain []string
	for _, l := range c.Layers {
		what := "Authenticate"
		if l.Guard {
			what = "Require(" + l.Requirement.String() + ")"
		}
		if l.Again {
			what += " of the same middleware"
		}
		if l.Options.Optional && !l.Again {
			what += " (optional)"
		}
		if l.Global {
			what += " router-wide"
		} else {
			what += " on the route"
		}
		chain = append(chain, what)
	}
	s := c.Request.Method + " " + c.Request.Path
	if c.Request.Query != "" {
		s += fmt.Sprintf("?<%d bytes of query>", len(c.Request.Query))
	}
	return fmt.Sprintf("%s with %d Authorization header(s), %d Cookie header(s) behind %s",
		s, len(c.Request.Authorization), len(c.Request.Cookies), strings.Join(chain, ", then "))
}
