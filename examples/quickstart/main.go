// Command quickstart runs a small API protected by JWTs of the four issuer
// styles our users meet, and a demo issuer their clients get tokens from.
//
//	go run ./examples/quickstart
//
// The API has these routes:
//
//	GET  /public   no token needed
//	GET  /items    Bearer token from the issuer (keys from its JWKS) with scope "read"
//	POST /items    the same, with scopes "read" and "write"
//	GET  /cameras  Django-style token, "Authorization: JWT <token>", HS256 with the server secret
//	GET  /ledger   Bearer token the client minted itself: iss = sub = client ID, HS256 with its secret
//
// The demo issuer has one registered client per style and prints, for
// each, the two commands its users run: get a token with the client ID and
// secret, then call the API with it.
//
//   - Drone-mapping style: client credentials in the form, token_format=jwt;
//     the token has scopes "read write" and lasts 10 h (expires_in 36000).
//
//   - Travel/connectivity style: client credentials in HTTP Basic (curl -u);
//     scope "read", 1 h; a wrong secret gets 401.
//
//   - Camera-catalogue style (Django): username and password posted to
//     /api-token-auth/, the token is sent with the scheme word JWT.
//
//   - Geospatial-finance style: the client mints its own token. This
//     program does it for you, from the repository root:
//
//     go run ./examples/quickstart -mint-client-token -client-id ID -client-secret SECRET -audience AUD
//
//     prints a token with iss = sub = ID and aud = AUD, valid 5 minutes
//     (-expires-in), signed HS256 with SECRET, and exits.
//
// With -issuer (and -audience) the API trusts a real issuer instead, found
// by OpenID Connect discovery, on /items only. With -selftest it performs
// every style's token request and API call itself, plus requests that must
// fail, prints each answer and exits non-zero if any differs from what is
// expected.
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

// ledgerAudience is the audience the /ledger route accepts in the tokens
// clients mint themselves.
const ledgerAudience = "https://api.example.test/ledger"

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
	audience := fs.String("audience", "", "audience the API accepts (required with -issuer), or of the token -mint-client-token makes")
	selftest := fs.Bool("selftest", false, "get tokens and call the API in every style, print each answer, exit non-zero on any surprise")
	mint := fs.Bool("mint-client-token", false, "print a client-minted token (needs -client-id, -client-secret, -audience) and exit")
	clientID := fs.String("client-id", "", "with -mint-client-token: the client ID, the token's iss and sub")
	clientSecret := fs.String("client-secret", "", "with -mint-client-token: the client secret the token is signed with (HS256)")
	expiresIn := fs.Duration("expires-in", 5*time.Minute, "with -mint-client-token: the token's lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *mint {
		return mintClientToken(*clientID, *clientSecret, *audience, *expiresIn, out)
	}

	var (
		cfg     apiConfig
		demo    *verifiertest.Issuer
		clients []verifiertest.Client
	)
	if *issuerURL == "" {
		clients = verifiertest.DemoClients()
		demo = verifiertest.NewIssuer(verifiertest.IssuerConfig{Clients: clients})
		defer demo.Close()
		cfg = apiConfig{items: demo.VerifierConfig(), cameraSecret: demo.HMACSecret(), clientSecrets: map[string][]byte{}}
		for _, c := range clients {
			cfg.clientSecrets[c.ID] = []byte(c.Secret)
		}
	} else {
		if *audience == "" {
			return errors.New("-issuer needs -audience: the API identifier tokens must be issued for")
		}
		if *selftest {
			return errors.New("-selftest gets its tokens from the embedded demo issuer and works only with it")
		}
		keys, err := jwks.NewRemote(jwks.RemoteConfig{Issuer: *issuerURL})
		if err != nil {
			return err
		}
		defer keys.Close()
		if err := keys.Refresh(ctx); err != nil {
			return fmt.Errorf("cannot load the issuer's keys: %w", err)
		}
		cfg.items = verifier.Config{
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
		return selfTest(base, demo, clients, out)
	}
	fmt.Fprintf(out, "API listening on %s\n", base)
	if demo != nil {
		printCommands(base, demo, clients, out)
	} else {
		fmt.Fprintf(out, "Trusting issuer %s for audience %q. Try:\n  curl -i %s/items -H \"Authorization: Bearer $TOKEN\"\n", *issuerURL, *audience, base)
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// mintClientToken prints a token as a client of a geospatial-finance
// style API mints it.
func mintClientToken(id, secret, audience string, expiresIn time.Duration, out io.Writer) error {
	if id == "" || secret == "" || audience == "" {
		return errors.New("-mint-client-token needs -client-id, -client-secret and -audience")
	}
	if expiresIn <= 0 {
		return errors.New("-expires-in must be positive")
	}
	token, err := verifiertest.MintClientToken(verifiertest.Client{ID: id, Secret: secret}, audience, expiresIn)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, token)
	return err
}

// apiConfig says how each route verifies its tokens.
type apiConfig struct {
	// items verifies the Bearer tokens of /items: an issuer's tokens,
	// with keys from its JWKS.
	items verifier.Config
	// cameraSecret is the server secret of the Django-style tokens of
	// /cameras; nil leaves the route out.
	cameraSecret []byte
	// clientSecrets are the secrets of the clients that mint their own
	// tokens for /ledger, by client ID; nil leaves the route out.
	clientSecrets map[string][]byte
}

// newAPI builds the protected API: the part of this example to copy.
func newAPI(cfg apiConfig) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /public", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "public: no token needed")
	})

	// Tokens from an issuer, signed with its keys (drone-mapping and travel
	// styles): Bearer, scopes checked per route.
	auth, err := newAuth(cfg.items, "Bearer")
	if err != nil {
		return nil, err
	}
	mux.Handle("GET /items", auth.Require(scopes.AllOf("read"))(http.HandlerFunc(listItems)))
	mux.Handle("POST /items", auth.Require(scopes.AllOf("read", "write"))(http.HandlerFunc(createItem)))

	// Django-style tokens: scheme word JWT, HS256 with the server secret,
	// no iss and no aud to check.
	if cfg.cameraSecret != nil {
		key, err := jwks.NewSecret("", cfg.cameraSecret)
		if err != nil {
			return nil, err
		}
		keys, err := jwks.NewStatic(key)
		if err != nil {
			return nil, err
		}
		auth, err := newAuth(verifier.Config{
			Keys:              keys,
			Algorithms:        []string{"HS256"},
			SkipIssuerCheck:   true,
			SkipAudienceCheck: true,
			Leeway:            verifier.DefaultLeeway,
		}, "JWT")
		if err != nil {
			return nil, err
		}
		mux.Handle("GET /cameras", auth.Authenticate(http.HandlerFunc(listCameras)))
	}

	// Client-minted tokens: Bearer, HS256 with the secret of the client the
	// token's iss names, audience checked.
	if cfg.clientSecrets != nil {
		keys, err := jwks.SecretsByIssuer(cfg.clientSecrets)
		if err != nil {
			return nil, err
		}
		auth, err := newAuth(verifier.Config{
			Issuers:    keys.Issuers(),
			Audiences:  []string{ledgerAudience},
			Keys:       keys,
			Algorithms: []string{"HS256"},
			Leeway:     verifier.DefaultLeeway,
		}, "Bearer")
		if err != nil {
			return nil, err
		}
		mux.Handle("GET /ledger", auth.Authenticate(http.HandlerFunc(showLedger)))
	}
	return mux, nil
}

// newAuth returns the net/http middleware for tokens that cfg verifies,
// sent after the given scheme word.
func newAuth(cfg verifier.Config, scheme string) (*nethttp.Middleware, error) {
	v, err := verifier.New(cfg)
	if err != nil {
		return nil, err
	}
	return nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "quickstart", Schemes: []string{scheme}}})
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

func listCameras(w http.ResponseWriter, r *http.Request) {
	claims, _ := nethttp.ClaimsFrom(r)
	var user struct {
		UserID   int    `json:"user_id"`
		Username string `json:"username"`
	}
	if err := claims.Decode(&user); err != nil {
		http.Error(w, "the token has no user", http.StatusForbidden)
		return
	}
	fmt.Fprintf(w, "cameras for %s (user %d)\n", user.Username, user.UserID)
}

func showLedger(w http.ResponseWriter, r *http.Request) {
	claims, _ := nethttp.ClaimsFrom(r)
	fmt.Fprintf(w, "ledger of %s\n", claims.Subject())
}
