package ginmw_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/ginmw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Protecting Gin routes, with CORS preflight requests and a health check
// left open.
func Example() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, err := verifier.New(issuer.VerifierConfig())
	if err != nil {
		panic(err)
	}
	auth, err := ginmw.New(v, ginmw.Options{Options: bearer.Options{Realm: "api"}, Skip: func(c *gin.Context) bool {
		return bearer.IsPreflight(c.Request) || c.Request.URL.Path == "/healthz"
	}})
	if err != nil {
		panic(err)
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(auth.Authenticate)
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/items", auth.Require(scopes.AllOf("read")), func(c *gin.Context) {
		claims, _ := ginmw.ClaimsFrom(c)
		c.String(http.StatusOK, "items for "+claims.Subject())
	})

	reader, _ := issuer.Mint(verifiertest.Token{Subject: "dashboard", Scope: "read"})
	expired, _ := issuer.Mint(verifiertest.Token{Scope: "read", ExpiresIn: -time.Hour})
	for _, req := range []struct{ path, token string }{
		{"/healthz", ""},
		{"/items", reader},
		{"/items", expired},
	} {
		rq := httptest.NewRequest("GET", req.path, nil)
		if req.token != "" {
			rq.Header.Set("Authorization", "Bearer "+req.token)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, rq)
		fmt.Printf("%s -> %d %s\n", req.path, w.Code, w.Body.String())
	}
	// Output:
	// /healthz -> 200 ok
	// /items -> 200 items for dashboard
	// /items -> 401 {"error":"invalid_token","error_description":"token expired"}
}

// The failure is recorded with c.Error, for logging middleware.
func Example_errors() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, _ := ginmw.New(v, ginmw.Options{})

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(func(c *gin.Context) {
		c.Next()
		for _, e := range c.Errors {
			fmt.Println("logged:", e.Err)
		}
	})
	r.GET("/items", auth.Authenticate, func(c *gin.Context) { c.Status(http.StatusOK) })

	rq := httptest.NewRequest("GET", "/items", nil)
	rq.Header.Add("Authorization", "Bearer a.b.c")
	rq.Header.Add("Authorization", "Bearer a.b.c")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, rq)
	fmt.Println(w.Code)
	// Output:
	// logged: invalid request: more than one Authorization header
	// 400
}

// Testing a Gin handler with the test issuer of package verifiertest:
// AuthorizationHeader gives the header value for a request built with
// httptest.NewRequest.
func Example_testing() {
	issuer := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer issuer.Close()
	v, _ := verifier.New(issuer.VerifierConfig())
	auth, _ := ginmw.New(v, ginmw.Options{})
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/items", auth.Require(scopes.AllOf("write")), func(c *gin.Context) {
		claims, _ := ginmw.ClaimsFrom(c)
		c.String(http.StatusCreated, "created by "+claims.Subject())
	})

	req := httptest.NewRequest("POST", "/items", strings.NewReader(`{"name":"lens"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", issuer.AuthorizationHeader(verifiertest.Token{Subject: "uploader", Scope: "write"}))
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 201 created by uploader
}
