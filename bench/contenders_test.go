package bench

// The contenders: each library's net/http middleware in front of the same
// handler, configured in the lightest way that still checks the signature,
// the algorithm, "iss", "aud" and "exp" (TestContendersReject proves it).
// Libraries without a middleware of their own (keyfunc + golang-jwt,
// go-oidc, jwx) get the same minimal one, wrap, written as their
// documentation suggests. Keys come from the fixture's JWKS endpoint,
// fetched once before timing; HS256 secrets are configured statically.
// Ours runs Authenticate (no scope requirement, as no peer checks scopes);
// the "-cached" rows keep the default token cache and are served the same
// token every time (a token seen before), the others DisableCache, except
// ours-default: the default configuration (cache on, default size) served a
// token never seen before on every request (unseen_test.go).
// Echo and Gin rows serve the request through the framework's router.
//
// | name     | library                                   | key source                       |
// |----------|-------------------------------------------|----------------------------------|
// | ours     | jwtgate nethttp, DisableCache             | jwks.Remote (HS256: jwks.Static) |
// | ours-default | jwtgate nethttp, default config, unseen tokens | jwks.Remote (HS256: jwks.Static) |
// | keyfunc  | MicahParks/keyfunc v3 + golang-jwt v5     | keyfunc HTTP storage (HS256: JWK set JSON) |
// | echo-jwt | labstack/echo-jwt v4 on echo v4           | SigningKeys by kid               |
// | go-oidc  | coreos/go-oidc v3 IDTokenVerifier         | oidc.RemoteKeySet (no HS256)     |
// | auth0    | auth0/go-jwt-middleware v2                | jwks.CachingProvider             |
// | jwx-jws  | jwx v3 jws.Verify + one json.Unmarshal    | jwk.Fetch'd set                  |
// | jwx-jwt  | jwx v3 jwt.ParseString                    | jwk.Fetch'd set                  |

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	auth0jwks "github.com/auth0/go-jwt-middleware/v2/jwks"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	golangjwt "github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/jwtgate/jwtgate/echomw"
	"github.com/jwtgate/jwtgate/ginmw"
	"github.com/jwtgate/jwtgate/nethttp"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// A contender builds a handler serving the fixture request through one
// library's middleware. Kinds tell the table what a row is.
type contender struct {
	name  string
	kind  kind
	build func(f *Fixture) (http.Handler, error)
	// na, if set, says why the contender cannot take part for alg.
	na func(alg string) string
	// unseen contenders are benchmarked with a token never seen before on
	// every request, through a handler built anew for every run
	// (benchServeUnseen), not with the fixture request.
	unseen bool
}

// unsupported reports whether c cannot take part for alg.
func (c contender) unsupported(alg string) bool { return c.na != nil && c.na(alg) != "" }

type kind int

const (
	baseline kind = iota // no authentication: noauth, echo-bare, gin-bare, echo-mw, gin-mw
	ours
	peer
)

var contenders = []contender{
	{name: "noauth", kind: baseline, build: func(*Fixture) (http.Handler, error) { return NoAuthHandler, nil }},
	{name: "echo-bare", kind: baseline, build: buildEchoBare},
	{name: "gin-bare", kind: baseline, build: buildGinBare},
	{name: "echo-mw", kind: baseline, build: buildEchoMW},
	{name: "gin-mw", kind: baseline, build: buildGinMW},
	{name: "ours", kind: ours, build: oursNetHTTP(true)},
	{name: "ours-cached", kind: ours, build: oursNetHTTP(false)},
	{name: "ours-default", kind: ours, build: oursNetHTTP(false), unseen: true},
	{name: "ours-echo", kind: ours, build: oursEcho(true)},
	{name: "ours-echo-cached", kind: ours, build: oursEcho(false)},
	{name: "ours-gin", kind: ours, build: oursGin(true)},
	{name: "ours-gin-cached", kind: ours, build: oursGin(false)},
	{name: "keyfunc", kind: peer, build: buildKeyfunc},
	{name: "echo-jwt", kind: peer, build: buildEchoJWT},
	{name: "go-oidc", kind: peer, build: buildOIDC, na: func(alg string) string {
		if alg == "HS256" {
			return "go-oidc verifies only asymmetric signatures (no HMAC algorithms)"
		}
		return ""
	}},
	{name: "auth0", kind: peer, build: buildAuth0},
	{name: "jwx-jws", kind: peer, build: buildJWXJWS},
	{name: "jwx-jwt", kind: peer, build: buildJWXJWT},
}

func contenderNamed(name string) contender {
	for _, c := range contenders {
		if c.name == name {
			return c
		}
	}
	panic("no contender " + name)
}

var (
	handlersMu sync.Mutex
	handlers   = map[string]http.Handler{}
)

// handlerFor builds c's handler for f once per process (keyfunc starts a
// refresh goroutine per build) and serves the fixture request through it
// once, so keys are fetched and caches warm before any timing.
func handlerFor(c contender, f *Fixture) (http.Handler, error) {
	handlersMu.Lock()
	defer handlersMu.Unlock()
	id := f.Alg + "/" + c.name
	if h, ok := handlers[id]; ok {
		return h, nil
	}
	h, err := c.build(f)
	if err != nil {
		return nil, fmt.Errorf("%s: build: %w", id, err)
	}
	w := NewWriter()
	h.ServeHTTP(w, Request(f.Token))
	if w.Status != http.StatusOK {
		return nil, fmt.Errorf("%s: warm-up request answered %d, want 200", id, w.Status)
	}
	handlers[id] = h
	return h, nil
}

// Our adapters.

func oursNetHTTP(disableCache bool) func(*Fixture) (http.Handler, error) {
	return func(f *Fixture) (http.Handler, error) {
		v, err := Ours(f, disableCache)
		if err != nil {
			return nil, err
		}
		mw, err := nethttp.New(v, nethttp.Options{})
		if err != nil {
			return nil, err
		}
		return mw.Authenticate(Handler(func(r *http.Request) string {
			c, ok := nethttp.ClaimsFrom(r)
			if !ok {
				return ""
			}
			return c.Subject()
		})), nil
	}
}

func oursEcho(disableCache bool) func(*Fixture) (http.Handler, error) {
	return func(f *Fixture) (http.Handler, error) {
		v, err := Ours(f, disableCache)
		if err != nil {
			return nil, err
		}
		mw, err := echomw.New(v, echomw.Options{})
		if err != nil {
			return nil, err
		}
		e := echo.New()
		e.GET(Path, func(c echo.Context) error {
			claims, ok := echomw.ClaimsFrom(c)
			if !ok || claims.Subject() != Subject {
				return c.NoContent(http.StatusInternalServerError)
			}
			return c.NoContent(http.StatusOK)
		}, mw.Authenticate)
		return e, nil
	}
}

func oursGin(disableCache bool) func(*Fixture) (http.Handler, error) {
	return func(f *Fixture) (http.Handler, error) {
		v, err := Ours(f, disableCache)
		if err != nil {
			return nil, err
		}
		mw, err := ginmw.New(v, ginmw.Options{})
		if err != nil {
			return nil, err
		}
		r := gin.New()
		r.GET(Path, mw.Authenticate, func(c *gin.Context) {
			claims, ok := ginmw.ClaimsFrom(c)
			if !ok || claims.Subject() != Subject {
				c.Status(http.StatusInternalServerError)
				return
			}
			c.Status(http.StatusOK)
		})
		return r, nil
	}
}

func buildEchoBare(*Fixture) (http.Handler, error) {
	e := echo.New()
	e.GET(Path, func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	return e, nil
}

func buildGinBare(*Fixture) (http.Handler, error) {
	r := gin.New()
	r.GET(Path, func(c *gin.Context) { c.Status(http.StatusOK) })
	return r, nil
}

// buildEchoMW is echo-bare with one middleware that only calls the next
// handler: what Echo charges any middleware. (Echo applies its middleware
// anew on every request, so each costs at least the closure it returns.)
func buildEchoMW(*Fixture) (http.Handler, error) {
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return next(c) }
	})
	e.GET(Path, func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	return e, nil
}

// buildGinMW is gin-bare with one middleware that only calls the next
// handler.
func buildGinMW(*Fixture) (http.Handler, error) {
	r := gin.New()
	r.Use(func(c *gin.Context) { c.Next() })
	r.GET(Path, func(c *gin.Context) { c.Status(http.StatusOK) })
	return r, nil
}

// The minimal middleware for libraries that have none.

type claimsKey struct{}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, bool) {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return h[len(prefix):], true
}

// wrap returns a middleware that verifies the Bearer token with verify,
// answers 401 on any failure, and otherwise puts the claims verify returns
// in the request context.
func wrap(verify func(ctx context.Context, token string) (any, error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := bearer(r)
			if !ok {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			claims, err := verify(r.Context(), token)
			if err != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
		})
	}
}

// subjectOf reads the subject from the claims wrap stored, of type C.
func subjectOf[C any](subject func(C) string) func(*http.Request) string {
	return func(r *http.Request) string {
		c, ok := r.Context().Value(claimsKey{}).(C)
		if !ok {
			return ""
		}
		return subject(c)
	}
}

// keyfunc + golang-jwt v5: the JWKS through keyfunc's HTTP storage, parsed
// into jwt.RegisteredClaims by a parser with an algorithm allowlist and
// issuer, audience and expiry checks.
func buildKeyfunc(f *Fixture) (http.Handler, error) {
	var kf keyfunc.Keyfunc
	var err error
	if f.JWKSURL != "" {
		kf, err = keyfunc.NewDefaultOverrideCtx(context.Background(), []string{f.JWKSURL}, keyfunc.Override{})
	} else {
		kf, err = keyfunc.NewJWKSetJSON(f.JWKS)
	}
	if err != nil {
		return nil, err
	}
	parser := golangjwt.NewParser(
		golangjwt.WithValidMethods([]string{f.Alg}),
		golangjwt.WithIssuer(Issuer),
		golangjwt.WithAudience(Audience),
		golangjwt.WithExpirationRequired(),
		golangjwt.WithLeeway(30*time.Second),
	)
	keyFn := kf.Keyfunc
	mw := wrap(func(_ context.Context, token string) (any, error) {
		claims := &golangjwt.RegisteredClaims{}
		if _, err := parser.ParseWithClaims(token, claims, keyFn); err != nil {
			return nil, err
		}
		return claims, nil
	})
	return mw(Handler(subjectOf(func(c *golangjwt.RegisteredClaims) string { return c.Subject }))), nil
}

// echo-jwt: the keys by kid, the algorithm fixed, and claims whose Validate
// checks issuer and audience (echo-jwt's parser checks neither itself).
type echoClaims struct{ golangjwt.RegisteredClaims }

func (c *echoClaims) Validate() error {
	if c.Issuer != Issuer {
		return errors.New("wrong issuer")
	}
	if !slices.Contains(c.Audience, Audience) {
		return errors.New("wrong audience")
	}
	return nil
}

func buildEchoJWT(f *Fixture) (http.Handler, error) {
	mw, err := echojwt.Config{
		SigningKeys:   map[string]any{f.KeyID: f.Public},
		SigningMethod: f.Alg,
		NewClaimsFunc: func(echo.Context) golangjwt.Claims { return &echoClaims{} },
	}.ToMiddleware()
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.GET(Path, func(c echo.Context) error {
		tok, ok := c.Get("user").(*golangjwt.Token)
		if !ok {
			return c.NoContent(http.StatusInternalServerError)
		}
		if sub, _ := tok.Claims.GetSubject(); sub != Subject {
			return c.NoContent(http.StatusInternalServerError)
		}
		return c.NoContent(http.StatusOK)
	}, mw)
	return e, nil
}

// go-oidc: an IDTokenVerifier over a RemoteKeySet, the audience as client
// ID. It has no middleware, so wrap it.
func buildOIDC(f *Fixture) (http.Handler, error) {
	if f.JWKSURL == "" {
		return nil, errors.New("go-oidc needs a JWKS URL")
	}
	keys := oidc.NewRemoteKeySet(context.Background(), f.JWKSURL)
	v := oidc.NewVerifier(Issuer, keys, &oidc.Config{ClientID: Audience, SupportedSigningAlgs: []string{f.Alg}})
	mw := wrap(func(ctx context.Context, token string) (any, error) { return v.Verify(ctx, token) })
	return mw(Handler(subjectOf(func(t *oidc.IDToken) string { return t.Subject }))), nil
}

// auth0 go-jwt-middleware v2: its validator and CheckJWT middleware, keys
// from its caching JWKS provider (TTL one hour, so no refresh while timing).
func buildAuth0(f *Fixture) (http.Handler, error) {
	var keyFunc func(context.Context) (any, error)
	if f.JWKSURL != "" {
		iss, err := url.Parse(Issuer)
		if err != nil {
			return nil, err
		}
		u, err := url.Parse(f.JWKSURL)
		if err != nil {
			return nil, err
		}
		keyFunc = auth0jwks.NewCachingProvider(iss, time.Hour, auth0jwks.WithCustomJWKSURI(u)).KeyFunc
	} else {
		secret := f.Public.([]byte)
		keyFunc = func(context.Context) (any, error) { return secret, nil }
	}
	v, err := validator.New(keyFunc, validator.SignatureAlgorithm(f.Alg), Issuer, []string{Audience},
		validator.WithAllowedClockSkew(30*time.Second))
	if err != nil {
		return nil, err
	}
	mw := jwtmiddleware.New(v.ValidateToken)
	return mw.CheckJWT(Handler(func(r *http.Request) string {
		c, ok := r.Context().Value(jwtmiddleware.ContextKey{}).(*validator.ValidatedClaims)
		if !ok {
			return ""
		}
		return c.RegisteredClaims.Subject
	})), nil
}

// jwxKeySet fetches f's JWKS (HS256: parses it) into a jwk.Set.
func jwxKeySet(f *Fixture) (jwk.Set, error) {
	if f.JWKSURL == "" {
		return jwk.Parse(f.JWKS)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return jwk.Fetch(ctx, f.JWKSURL)
}

// jwx-jws: jws.Verify against the key set, then one json.Unmarshal into a
// small struct and the claim checks by hand, as a lean jwx user would.
type jwsClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  audience `json:"aud"`
	ExpiresAt *float64 `json:"exp"`
	NotBefore *float64 `json:"nbf"`
	IssuedAt  *float64 `json:"iat"`
}

// audience is "aud": one string or an array of strings.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = audience{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(a))
}

func buildJWXJWS(f *Fixture) (http.Handler, error) {
	set, err := jwxKeySet(f)
	if err != nil {
		return nil, err
	}
	const leeway = 30
	mw := wrap(func(_ context.Context, token string) (any, error) {
		payload, err := jws.Verify([]byte(token), jws.WithKeySet(set))
		if err != nil {
			return nil, err
		}
		c := &jwsClaims{}
		if err := json.Unmarshal(payload, c); err != nil {
			return nil, err
		}
		now := float64(time.Now().Unix())
		switch {
		case c.Issuer != Issuer:
			return nil, errors.New("wrong issuer")
		case !slices.Contains(c.Audience, Audience):
			return nil, errors.New("wrong audience")
		case c.ExpiresAt == nil || now >= *c.ExpiresAt+leeway:
			return nil, errors.New("expired")
		case c.NotBefore != nil && now+leeway < *c.NotBefore,
			c.IssuedAt != nil && now+leeway < *c.IssuedAt:
			return nil, errors.New("not yet valid")
		}
		return c, nil
	})
	return mw(Handler(subjectOf(func(c *jwsClaims) string { return c.Subject }))), nil
}

// jwx-jwt: jwt.ParseString with the key set, validating issuer and
// audience (and exp, nbf, iat, which jwx checks by default).
func buildJWXJWT(f *Fixture) (http.Handler, error) {
	set, err := jwxKeySet(f)
	if err != nil {
		return nil, err
	}
	mw := wrap(func(_ context.Context, token string) (any, error) {
		return jwxjwt.ParseString(token,
			jwxjwt.WithKeySet(set),
			jwxjwt.WithIssuer(Issuer),
			jwxjwt.WithAudience(Audience),
			jwxjwt.WithAcceptableSkew(30*time.Second),
		)
	})
	return mw(Handler(subjectOf(func(t jwxjwt.Token) string {
		sub, _ := t.Subject()
		return sub
	}))), nil
}
