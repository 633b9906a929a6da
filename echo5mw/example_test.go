package echo5mw_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/echo5mw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Protecting Echo v5 routes: authentication for a group, a scope guard per
// route, a health check left open.
func Example() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	auth, err := echo5mw.New(v, echo5mw.Options{Options: bearer.Options{Realm: "api"}})
	if err != nil {
		panic(err)
	}

	e := echo.New()
	e.GET("/healthz", func(c *echo.Context) error { return c.String(http.StatusOK, "ok") })
	api := e.Group("/api", auth.Authenticate)
	api.GET("/items", func(c *echo.Context) error {
		claims, _ := echo5mw.ClaimsFrom(c)
		return c.String(http.StatusOK, "items for "+claims.Subject())
	}, auth.Require(scopes.AnyOf("read", "admin")))
	api.POST("/items", func(c *echo.Context) error {
		return c.NoContent(http.StatusCreated)
	}, auth.Require(scopes.AllOf("read", "write")))

	reader, _ := issuer.Mint(verifiertest.Token{Subject: "dashboard", Scope: "read"})
	for _, req := range []struct{ method, path, token string }{
		{"GET", "/healthz", ""},
		{"GET", "/api/items", ""},
		{"GET", "/api/items", reader},
		{"POST", "/api/items", reader},
	} {
		r := httptest.NewRequest(req.method, req.path, nil)
		if req.token != "" {
			r.Header.Set("Authorization", "Bearer "+req.token)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		fmt.Println(req.method, req.path, "->", w.Code, w.Header().Values("WWW-Authenticate"), strings.TrimSpace(w.Body.String()))
	}
	// Output:
	// GET /healthz -> 200 [] ok
	// GET /api/items -> 401 [Bearer realm="api"] {}
	// GET /api/items -> 200 [] items for dashboard
	// POST /api/items -> 403 [Bearer realm="api", error="insufficient_scope", scope="read write"] {"error":"insufficient_scope","scope":"read write"}
}

// Failures reach Echo's HTTPErrorHandler as errors that carry the status
// (echo.StatusCode) and unwrap to the cause; Echo's default handler writes
// them as package nethttp does.
func Example_errorHandler() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, _ := echo5mw.New(v, echo5mw.Options{})

	e := echo.New()
	e.HTTPErrorHandler = func(c *echo.Context, err error) {
		fmt.Println("status", echo.StatusCode(err), "malformed:", errors.Is(err, verifier.ErrMalformed))
		echo.DefaultHTTPErrorHandler(false)(c, err)
	}
	e.GET("/items", func(c *echo.Context) error { return c.NoContent(http.StatusOK) }, auth.Authenticate)

	r := httptest.NewRequest("GET", "/items", nil)
	r.Header.Set("Authorization", "Bearer not-a-jwt")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Header().Get("Content-Type"), " ", w.Body.String())
	// Output:
	// status 401 malformed: true
	// 401 application/json {"error":"invalid_token","error_description":"malformed token"}
}
