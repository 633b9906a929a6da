// Command echo runs a small Echo API protected by bearer JWTs, with a demo
// issuer on loopback that mints the tokens, and prints curl commands to try
// them:
//
//	GOWORK=$PWD/all.work go run ./echomw/example   # from the repository root
//	go run ./example                              # from echomw/
//
// The API, a drone-mapping service:
//
//	GET     /healthz   no token needed, whatever the request carries (Options.Skip)
//	GET     /public    no token needed
//	GET     /hello     token optional: a greeting for anyone, by name with a token
//	GET     /flights   needs scope "read"
//	POST    /flights   needs scopes "read" and "write"
//	OPTIONS /flights   CORS preflight, answered without a token (nethttp.IsPreflight)
//
// With -selftest it sends the requests itself, prints each status and exits
// non-zero if any answer differs from what is expected.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/echomw"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "echo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("echo", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address the API listens on")
	selftest := fs.Bool("selftest", false, "send the demo requests to the API, print each status, exit non-zero on any surprise")
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
	if e.Listener, err = net.Listen("tcp", *addr); err != nil {
		return err
	}
	e.HideBanner, e.HidePort = true, true
	e.Server.ReadHeaderTimeout = 10 * time.Second
	go func() { _ = e.Start("") }()
	defer e.Close()
	base := "http://" + e.ListenerAddr().String()

	reqs := demoRequests(demo)
	if *selftest {
		return selfTest(base, reqs, out)
	}
	fmt.Fprintf(out, "API listening on %s, trusting demo issuer %s\n\n", base, demo.URL)
	printCurls(base, reqs, out)
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return e.Shutdown(shutdown)
}

// newAPI builds the protected API: the part of this example to copy.
func newAPI(cfg verifier.Config) (*echo.Echo, error) {
	v, err := verifier.New(cfg)
	if err != nil {
		return nil, err
	}
	auth, err := echomw.New(v, echomw.Options{
		Options: bearer.Options{
			Realm:    "drones",
			Optional: true, // no token is fine for Authenticate; Require still wants one
		},
		Skip: func(c echo.Context) bool {
			return bearer.IsPreflight(c.Request()) || c.Request().URL.Path == "/healthz"
		},
	})
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.Use(auth.Authenticate)
	e.GET("/healthz", func(c echo.Context) error { return c.String(http.StatusOK, "ok\n") })
	e.GET("/public", func(c echo.Context) error { return c.String(http.StatusOK, "public: no token needed\n") })
	e.GET("/hello", hello)

	flights := e.Group("/flights", auth.Require(scopes.AllOf("read")))
	flights.OPTIONS("", preflight)
	flights.GET("", listFlights)
	flights.POST("", planFlight, auth.Require(scopes.AllOf("read", "write")))
	return e, nil
}

func hello(c echo.Context) error {
	claims, ok := echomw.ClaimsFrom(c)
	if !ok {
		return c.String(http.StatusOK, "hello, stranger\n")
	}
	return c.String(http.StatusOK, fmt.Sprintf("hello, %s (scopes %q)\n", claims.Subject(), claims.Scopes()))
}

func listFlights(c echo.Context) error {
	claims, _ := echomw.ClaimsFrom(c)
	return c.String(http.StatusOK, "flights visible to "+claims.Subject()+"\n")
}

func planFlight(c echo.Context) error {
	claims, _ := echomw.ClaimsFrom(c)
	return c.String(http.StatusCreated, "flight planned by "+claims.Subject()+"\n")
}

// preflight answers a browser's CORS preflight; browsers send it without
// credentials, so Options.Skip lets it past the scope guard.
func preflight(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, POST")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	return c.NoContent(http.StatusNoContent)
}
