package resourcemeta_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/jwtgate/jwtgate/resourcemeta"
)

// Publishing the metadata of an API whose resource identifier has a path:
// the document lives at the path-inserted location of RFC 9728 section
// 3.1, and URL is what a 401 challenge names in resource_metadata.
func Example() {
	doc, err := resourcemeta.New(resourcemeta.Metadata{
		Resource:               "https://api.example.com/v1/items",
		AuthorizationServers:   []string{"https://auth.example.com"},
		ScopesSupported:        []string{"read", "write"},
		BearerMethodsSupported: []string{"header"},
		ResourceName:           "Items API",
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle(doc.Path(), doc.Handler())

	fmt.Println("metadata at", doc.URL())
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", doc.URL(), nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Print(w.Body.String())
	// Output:
	// metadata at https://api.example.com/.well-known/oauth-protected-resource/v1/items
	// 200 application/json
	// {"resource":"https://api.example.com/v1/items","authorization_servers":["https://auth.example.com"],"scopes_supported":["read","write"],"bearer_methods_supported":["header"],"resource_name":"Items API"}
}

// New refuses metadata that clients could not use, naming the member.
func ExampleNew_refused() {
	for _, m := range []resourcemeta.Metadata{
		{Resource: "http://api.example.com"},
		{Resource: "https://api.example.com/v1?tenant=a"},
		{Resource: "https://api.example.com", ScopesSupported: []string{"read write"}},
		{Resource: "https://api.example.com", ResourceSigningAlgValuesSupported: []string{"none"}},
	} {
		_, err := resourcemeta.New(m)
		fmt.Println(err)
	}
	// Output:
	// resourcemeta: resource "http://api.example.com": must be an absolute https URL (http only for a loopback host)
	// resourcemeta: resource "https://api.example.com/v1?tenant=a": must not have a query
	// resourcemeta: scopes_supported[0] "read write": is not a scope token (printable ASCII without space, '"' or '\')
	// resourcemeta: resource_signing_alg_values_supported[0] "none": is never allowed (RFC 9728 section 2, RFC 9449 section 4.2)
}
