// Command quickstart runs a small API protected by bearer JWTs.
//
// By default it also starts a demo issuer on loopback, mints tokens with it
// and prints curl commands to try them:
//
//	go run ./examples/quickstart
//
// The API has three routes:
//
//	GET  /public   no token needed
//	GET  /items    needs scope "read"
//	POST /items    needs scopes "read" and "write"
//
// With -issuer (and -audience) it trusts a real issuer instead, found by
// OpenID Connect discovery. With -selftest it sends the requests itself,
// prints each status and exits non-zero if any differs from what is expected.
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

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address the API listens on")
	issuerURL := fs.String("issuer", "", "trust this issuer (found by discovery) instead of the embedded demo issuer")
	audience := fs.String("audience", "", "audience the API accepts (required with -issuer)")
	selftest := fs.Bool("selftest", false, "send test requests to the API, print each status, exit non-zero on any surprise")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var (
		cfg  verifier.Config
		demo *verifiertest.Issuer
	)
	if *issuerURL == "" {
		demo = verifiertest.NewIssuer(verifiertest.IssuerConfig{})
		defer demo.Close()
		cfg = demo.VerifierConfig()
	} else {
		if *audience == "" {
			return errors.New("-issuer needs -audience: the API identifier tokens must be issued for")
		}
		if *selftest {
			return errors.New("-selftest mints its own tokens and works only with the embedded demo issuer")
		}
		keys, err := jwks.NewRemote(jwks.RemoteConfig{Issuer: *issuerURL})
		if err != nil {
			return err
		}
		defer keys.Close()
		if err := keys.Refresh(ctx); err != nil {
			return fmt.Errorf("cannot load the issuer's keys: %w", err)
		}
		cfg = verifier.Config{
			Issuers:   []string{*issuerURL},
			Audiences: []string{*audience},
			Keys:      keys,
			Leeway:    verifier.DefaultLeeway,
		}
	}

	handler, err := newAPI(cfg)
	if err != nil {
		return err
	}
	if *selftest {
		*addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	if *selftest {
		return selfTest(base, demo, out)
	}
	fmt.Fprintf(out, "API listening on %s\n", base)
	if demo != nil {
		if err := printCurls(base, demo, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "Trusting issuer %s for audience %q. Try:\n  curl -i %s/items -H \"Authorization: Bearer $TOKEN\"\n", *issuerURL, *audience, base)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// newAPI builds the protected API: the part of this example to copy.
func newAPI(cfg verifier.Config) (http.Handler, error) {
	v, err := verifier.New(cfg)
	if err != nil {
		return nil, err
	}
	auth, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "quickstart"}})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /public", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "public: no token needed")
	})
	mux.Handle("GET /items", auth.Require(scopes.AllOf("read"))(http.HandlerFunc(listItems)))
	mux.Handle("POST /items", auth.Require(scopes.AllOf("read", "write"))(http.HandlerFunc(createItem)))
	return mux, nil
}

func listItems(w http.ResponseWriter, r *http.Request) {
	claims, _ := nethttp.ClaimsFrom(r)
	fmt.Fprintf(w, "items for %s (scopes %q)\n", claims.Subject(), claims.Scopes())
}

func createItem(w http.ResponseWriter, r *http.Request) {
	claims, _ := nethttp.ClaimsFrom(r)
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, "item created by %s\n", claims.Subject())
}

// demoTokens mints the tokens the curl commands and the self-test use.
type demoTokens struct{ readWrite, readOnly, expired string }

func mintDemoTokens(demo *verifiertest.Issuer) (demoTokens, error) {
	var t demoTokens
	var err error
	mint := func(dst *string, tok verifiertest.Token) {
		if err == nil {
			*dst, err = demo.Mint(tok)
		}
	}
	mint(&t.readWrite, verifiertest.Token{Subject: "drone-fleet", Scope: "read write"})
	mint(&t.readOnly, verifiertest.Token{Subject: "dashboard", Scope: "read"})
	mint(&t.expired, verifiertest.Token{Subject: "old-client", Scope: "read write", ExpiresIn: -time.Hour})
	return t, err
}

func printCurls(base string, demo *verifiertest.Issuer, out io.Writer) error {
	t, err := mintDemoTokens(demo)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo issuer %s (keys at %s)\n\n", demo.URL, demo.JWKSURL())
	fmt.Fprintf(out, "# no token needed (200)\ncurl -i %s/public\n\n", base)
	fmt.Fprintf(out, "# no token (401)\ncurl -i %s/items\n\n", base)
	fmt.Fprintf(out, "# scope read (200)\ncurl -i %s/items -H 'Authorization: Bearer %s'\n\n", base, t.readOnly)
	fmt.Fprintf(out, "# scope read only, route needs read write (403)\ncurl -i -X POST %s/items -H 'Authorization: Bearer %s'\n\n", base, t.readOnly)
	fmt.Fprintf(out, "# scopes read write (201)\ncurl -i -X POST %s/items -H 'Authorization: Bearer %s'\n\n", base, t.readWrite)
	fmt.Fprintf(out, "# expired token (401)\ncurl -i %s/items -H 'Authorization: Bearer %s'\n\n", base, t.expired)
	return nil
}
