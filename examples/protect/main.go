// Command protect is the README's first example: an API whose routes need
// bearer tokens from an OAuth 2.0 issuer, with scopes per route. Its test
// runs it against a test issuer.
//
//	go run ./examples/protect -issuer https://auth.example.com -audience https://api.example.com
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/nethttp"
	"github.com/jwtgate/jwtgate/scopes"
	"github.com/jwtgate/jwtgate/verifier"
)

func main() {
	issuer := flag.String("issuer", "https://auth.example.com", "the issuer of the tokens")
	audience := flag.String("audience", "https://api.example.com", "this API's identifier")
	flag.Parse()

	api, err := newAPI(*issuer, *audience)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", api))
}

// newAPI returns the API's routes, protected by tokens of issuer for
// audience.
func newAPI(issuer, audience string) (http.Handler, error) {
	keys, err := jwks.NewRemote(jwks.RemoteConfig{Issuer: issuer})
	if err != nil {
		return nil, err
	}
	v, err := verifier.New(verifier.Config{
		Issuers:   []string{issuer},
		Audiences: []string{audience},
		Keys:      keys,
		Leeway:    verifier.DefaultLeeway,
	})
	if err != nil {
		return nil, err
	}
	auth, err := nethttp.New(v, nethttp.Options{Options: bearer.Options{Realm: "api"}})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /items", auth.Require(scopes.AllOf("read"))(http.HandlerFunc(listItems)))
	mux.Handle("POST /items", auth.Require(scopes.AllOf("read", "write"))(http.HandlerFunc(createItem)))
	return mux, nil
}

func listItems(w http.ResponseWriter, r *http.Request) {
	claims, _ := nethttp.ClaimsFrom(r)
	fmt.Fprintf(w, "items of %s\n", claims.Subject())
}

func createItem(w http.ResponseWriter, r *http.Request) {
	claims, _ := nethttp.ClaimsFrom(r)
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, "item created by %s\n", claims.Subject())
}
