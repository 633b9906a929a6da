// Command gin runs a small Gin API protected by bearer JWTs, with a demo
// issuer on loopback that mints the tokens, and prints curl commands to try
// them:
//
//	GOWORK=$PWD/all.work go run ./ginmw/example   # from the repository root
//	go run ./example                             # from ginmw/
//
// The API, a camera catalogue:
//
//	GET     /healthz   no token needed, whatever the request carries (Options.Skip)
//	GET     /public    no token needed
//	GET     /welcome   token optional: a welcome for anyone, by name with a token
//	GET     /cameras   needs scope "read"
//	POST    /cameras   needs scopes "read" and "write"
//	OPTIONS /cameras   CORS preflight, answered without a token (nethttp.IsPreflight)
//
// With -selftest it sends the requests itself, prints each answer and exits
// non-zero if any differs from what is expected.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/ginmw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gin:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("gin", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address the API listens on")
	selftest := fs.Bool("selftest", false, "send the demo requests to the API, print each answer, exit non-zero on any surprise")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *selftest {
		*addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	demo := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer demo.Close()
	router, err := newAPI(demo.VerifierConfig())
	if err != nil {
		ln.Close()
		return err
	}
	// Gin's own r.Run cannot be shut down; an http.Server can.
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer srv.Close()
	api := "http://" + ln.Addr().String()

	if *selftest {
		return check(api, demoCalls(demo), out)
	}
	fmt.Fprintf(out, "Camera catalogue on %s; tokens from the demo issuer %s\n\n", api, demo.URL)
	for _, c := range demoCalls(demo) {
		fmt.Fprintf(out, "# %s -> %d\n%s\n\n", c.about, c.want, c.curl(api))
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stopping, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(stopping); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newAPI builds the protected API: the part of this example to copy.
func newAPI(cfg verifier.Config) (*gin.Engine, error) {
	v, err := verifier.New(cfg)
	if err != nil {
		return nil, err
	}
	auth, err := ginmw.New(v, ginmw.Options{
		Options: bearer.Options{
			Realm:    "cameras",
			Optional: true, // Authenticate lets anonymous requests in; Require does not
		},
		Skip: func(c *gin.Context) bool {
			return c.Request.URL.Path == "/healthz" || bearer.IsPreflight(c.Request)
		},
	})
	if err != nil {
		return nil, err
	}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), auth.Authenticate)
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/public", func(c *gin.Context) { c.String(http.StatusOK, "public: no token needed\n") })
	r.GET("/welcome", welcome)

	cameras := r.Group("/cameras", auth.Require(scopes.AllOf("read")))
	cameras.OPTIONS("", allowCORS)
	cameras.GET("", func(c *gin.Context) {
		claims, _ := ginmw.ClaimsFrom(c)
		c.JSON(http.StatusOK, gin.H{"cameras": []string{"X100", "Q3"}, "for": claims.Subject()})
	})
	cameras.POST("", auth.Require(scopes.AllOf("read", "write")), func(c *gin.Context) {
		claims, _ := ginmw.ClaimsFrom(c)
		c.JSON(http.StatusCreated, gin.H{"added_by": claims.Subject()})
	})
	return r, nil
}

func welcome(c *gin.Context) {
	if claims, ok := ginmw.ClaimsFrom(c); ok {
		c.String(http.StatusOK, "welcome back, %s\n", claims.Subject())
		return
	}
	c.String(http.StatusOK, "welcome, guest\n")
}

// allowCORS answers a browser's CORS preflight, which never carries a
// token: Options.Skip lets it past the group's scope guard.
func allowCORS(c *gin.Context) {
	c.Header("Access-Control-Allow-Origin", "*")
	c.Header("Access-Control-Allow-Methods", "GET, POST")
	c.Header("Access-Control-Allow-Headers", "Authorization, Content-Type")
	c.Status(http.StatusNoContent)
}
