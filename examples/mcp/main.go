// Command mcp runs an MCP server (Model Context Protocol) over the
// streamable HTTP transport of github.com/modelcontextprotocol/go-sdk,
// protected by bearer JWTs that jwtgate verifies, and publishing its OAuth
// 2.0 Protected Resource Metadata (RFC 9728) with package resourcemeta.
//
//	GOWORK=$PWD/all.work go run ./examples/mcp
//
// It serves two tools: list_flights, which needs scope "read", and
// plan_flight, which needs "read" and "write". Without flags it also starts
// a demo issuer on loopback, and prints the URLs and tokens to connect an
// MCP client with. What a client gets:
//
//	no token, a bad or expired one   401  WWW-Authenticate: Bearer realm="mcp", ...,
//	                                      resource_metadata=".../.well-known/oauth-protected-resource/mcp"
//	plan_flight with scope read      403  ... error="insufficient_scope", scope="read write",
//	                                      resource_metadata="...", and a JSON-RPC error
//	GET the resource_metadata URL    200  the RFC 9728 document naming the issuer
//
// With -issuer it trusts a real authorization server instead (found by
// discovery); -resource sets the public resource identifier when the server
// runs behind a reverse proxy (the metadata URL is built from it, never
// from request headers). With -selftest it checks all of the above with
// the SDK's own client and exits non-zero on any surprise.
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

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mcp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mcp", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "address the server listens on")
	resource := fs.String("resource", "", "public resource identifier, the URL clients use, such as https://mcp.example.com/mcp (default http://ADDR/mcp)")
	issuerURL := fs.String("issuer", "", "trust this issuer (found by discovery) instead of the embedded demo issuer")
	audience := fs.String("audience", "", "audience tokens must be issued for (default: the resource identifier)")
	selftest := fs.Bool("selftest", false, "check the server with the MCP SDK's client, print each check, exit non-zero on any surprise")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *issuerURL != "" && *selftest {
		return errors.New("-selftest mints its own tokens and works only with the embedded demo issuer")
	}
	if *selftest {
		*addr = "127.0.0.1:0"
		*resource = ""
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if *resource == "" {
		*resource = "http://" + ln.Addr().String() + "/mcp"
	}
	if *audience == "" {
		*audience = *resource
	}

	cfg := config{resource: *resource}
	var demo *verifiertest.Issuer
	if *issuerURL == "" {
		// Tokens for this resource only (RFC 8707, RFC 9728 section 7.4).
		demo = verifiertest.NewIssuer(verifiertest.IssuerConfig{Audience: *audience})
		defer demo.Close()
		cfg.issuer = demo.URL
		cfg.verifier = demo.VerifierConfig()
	} else {
		keys, err := jwks.NewRemote(jwks.RemoteConfig{Issuer: *issuerURL})
		if err != nil {
			return err
		}
		defer keys.Close()
		if err := keys.Refresh(ctx); err != nil {
			return fmt.Errorf("cannot load the issuer's keys: %w", err)
		}
		cfg.issuer = *issuerURL
		cfg.verifier = verifier.Config{
			Issuers:   []string{*issuerURL},
			Audiences: []string{*audience},
			Keys:      keys,
			Leeway:    verifier.DefaultLeeway,
		}
	}

	handler, doc, err := newServer(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	if *selftest {
		return selfTest(ctx, cfg.resource, doc, demo, out)
	}
	fmt.Fprintf(out, "MCP server (streamable HTTP) at %s\n", cfg.resource)
	fmt.Fprintf(out, "Protected resource metadata at %s\n", doc.URL())
	if demo != nil {
		if err := printConnect(cfg.resource, doc.URL(), demo, out); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "Trusting issuer %s for audience %q.\n", *issuerURL, *audience)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// demoTokens are the tokens the connection instructions and the self-test
// use.
type demoTokens struct{ read, readWrite, expired string }

func mintDemoTokens(demo *verifiertest.Issuer) (demoTokens, error) {
	var t demoTokens
	var err error
	mint := func(dst *string, tok verifiertest.Token) {
		if err == nil {
			*dst, err = demo.Mint(tok)
		}
	}
	mint(&t.read, verifiertest.Token{Subject: "flight-viewer", Scope: "read"})
	mint(&t.readWrite, verifiertest.Token{Subject: "flight-planner", Scope: "read write"})
	mint(&t.expired, verifiertest.Token{Subject: "flight-planner", Scope: "read write", ExpiresIn: -time.Hour})
	return t, err
}

func printConnect(endpoint, metadataURL string, demo *verifiertest.Issuer, out io.Writer) error {
	t, err := mintDemoTokens(demo)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Demo issuer %s (it mints tokens; it has no login or token endpoint)\n\n", demo.URL)
	fmt.Fprintf(out, "Connect an MCP client to %s (streamable HTTP) with the header\n", endpoint)
	fmt.Fprintf(out, "  Authorization: Bearer <token>\n")
	fmt.Fprintf(out, "and one of these tokens (valid for an hour):\n\n")
	fmt.Fprintf(out, "# scope read: list_flights works, plan_flight is refused\n%s\n\n", t.read)
	fmt.Fprintf(out, "# scopes read write: both tools work\n%s\n\n", t.readWrite)
	fmt.Fprintf(out, "# the metadata document (RFC 9728)\ncurl -s %s\n\n", metadataURL)
	fmt.Fprintf(out, "# no token: 401 whose challenge points at the metadata\ncurl -i -X POST %s -H 'Content-Type: application/json' -d '{}'\n\n", endpoint)
	return nil
}
