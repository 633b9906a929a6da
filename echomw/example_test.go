package echomw_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/echomw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Protecting Echo routes: authentication for a group, a scope guard per
// route, a health check left open.
func Example() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	auth, err := echomw.New(v, echomw.Options{Options: bearer.Options{Realm: "api"}})
	if err != nil {
		panic(err)
	}

	e := echo.New()
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	api := e.Group("/api", auth.Authenticate)
	api.GET("/items", func(c echo.Context) error {
		claims, _ := echomw.ClaimsFrom(c)
		return c.String(http.StatusOK, "items for "+claims.Subject())
	}, auth.Require(scopes.AnyOf("read", "admin")))
	api.POST("/items", func(c echo.Context) error {
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
		fmt.Println(req.method, req.path, "->", w.Code, w.Header().Values("WWW-Authenticate"))
	}
	// Output:
	// GET /healthz -> 200 []
	// GET /api/items -> 401 [Bearer realm="api"]
	// GET /api/items -> 200 []
	// POST /api/items -> 403 [Bearer realm="api", error="insufficient_scope", scope="read write"]
}

// Failures reach Echo's HTTPErrorHandler as *echo.HTTPError with the right
// status; the cause is in Internal.
func Example_errorHandler() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, _ := echomw.New(v, echomw.Options{})

	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if he, ok := err.(*echo.HTTPError); ok {
			fmt.Println("status", he.Code, "cause:", he.Internal)
		}
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.GET("/items", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, auth.Authenticate)

	r := httptest.NewRequest("GET", "/items", nil)
	r.Header.Set("Authorization", "Bearer not-a-jwt")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// status 401 cause: verifier: malformed token: not a compact JWS of three dot-separated parts
	// 401 {"error":"invalid_token","error_description":"malformed token"}
}

// Testing an Echo handler with the test issuer of package verifiertest:
// the request goes to the *echo.Echo.
func Example_testing() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, _ := echomw.New(v, echomw.Options{})
	e := echo.New()
	e.GET("/items", func(c echo.Context) error {
		claims, _ := echomw.ClaimsFrom(c)
		return c.String(http.StatusOK, "items for "+claims.Subject())
	}, auth.Require(scopes.AllOf("read")))

	w := httptest.NewRecorder()
	e.ServeHTTP(w, issuer.Request("GET", "/items", verifiertest.Token{Subject: "dashboard", Scope: "read"}))
	fmt.Println(w.Code, w.Body.String())
	w = httptest.NewRecorder()
	e.ServeHTTP(w, issuer.Request("GET", "/items", verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour}))
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 200 items for dashboard
	// 401 {"error":"invalid_token","error_description":"token expired"}
}
