// Command example runs a small Echo v5 API protected by bearer JWTs, with a
// demo issuer on loopback that mints the tokens, and prints curl commands
// to try them:
//
//	go run ./example        (from the echo5mw folder)
//
// The API, a drone-mapping service:
//
//	GET     /healthz   no token needed, whatever the request carries (Options.Skip)
//	GET     /public    no token needed
//	GET     /hello     token optional: a greeting for anyone, by name with a token
//	GET     /flights   needs scope "read"
//	POST    /flights   needs scopes "read" and "write"
//	OPTIONS /flights   CORS preflight, answered without a token (bearer.IsPreflight)
//
// With -selftest it serves on a loopback port, sends the requests itself
// with right and wrong tokens, checks every answer (status, challenge,
// body), prints each outcome and exits non-zero if any answer differs from
// what is expected.
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

	"github.com/labstack/echo/v5"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/echo5mw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "echo5 example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "address the API listens on")
	selftest := fs.Bool("selftest", false, "send the demo requests to the API, check every answer, exit non-zero on any surprise")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *selftest {
		*addr = "127.0.0.1:0"
	}

	demo := verifiertest.NewIssuer(verifiertest.IssuerConfig{})
	defer demo.Close()
	e, err := newAPI(demo.VerifierConfig())
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		_ = srv.Close()
		<-served
	}()
	base := "http://" + ln.Addr().String()

	reqs := demoRequests(demo)
	if *selftest {
		return selfTest(base, reqs, out)
	}
	fmt.Fprintf(out, "API listening on %s, trusting demo issuer %s\n\n", base, demo.URL)
	printCurls(base, reqs, out)
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	select {
	case <-ctx.Done():
	case err := <-served:
		served <- err // for the deferred Close
		return fmt.Errorf("serving: %w", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newAPI builds the protected API: the part of this example to copy.
func newAPI(cfg verifier.Config) (*echo.Echo, error) {
	v, err := verifier.New(cfg)
	if err != nil {
		return nil, err
	}
	auth, err := echo5mw.New(v, echo5mw.Options{
		Options: bearer.Options{
			Realm:    "drones",
			Optional: true, // no token is fine for Authenticate; Require still wants one
		},
		Skip: func(c *echo.Context) bool {
			return bearer.IsPreflight(c.Request()) || c.Request().URL.Path == "/healthz"
		},
	})
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.Use(auth.Authenticate) // refusals go to e.HTTPErrorHandler, which writes RFC 6750 answers
	e.GET("/healthz", func(c *echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/public", func(c *echo.Context) error { return c.String(http.StatusOK, "public: no token needed\n") })
	e.GET("/hello", hello)

	flights := e.Group("/flights", auth.Require(scopes.AllOf("read")))
	flights.OPTIONS("", preflight)
	flights.GET("", listFlights)
	flights.POST("", planFlight, auth.Require(scopes.AllOf("read", "write")))
	return e, nil
}

func hello(c *echo.Context) error {
	claims, ok := echo5mw.ClaimsFrom(c)
	if !ok {
		return c.String(http.StatusOK, "hello, stranger\n")
	}
	return c.String(http.StatusOK, fmt.Sprintf("hello, %s (scopes %q)\n", claims.Subject(), claims.Scopes()))
}

func listFlights(c *echo.Context) error {
	claims, _ := echo5mw.ClaimsFrom(c)
	return c.String(http.StatusOK, "flights visible to "+claims.Subject()+"\n")
}

func planFlight(c *echo.Context) error {
	claims, _ := echo5mw.ClaimsFrom(c)
	return c.String(http.StatusCreated, "flight planned by "+claims.Subject()+"\n")
}

// preflight answers a browser's CORS preflight; browsers send it without
// credentials, so Options.Skip lets it past the scope guard.
func preflight(c *echo.Context) error {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	return c.NoContent(http.StatusNoContent)
}
