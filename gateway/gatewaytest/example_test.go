package gatewaytest_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"

	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
)

// The upstream echoes what it receives, header names as the server keyed
// them; Values finds a header in every spelling.
func ExampleUpstreamHandler() {
	r := httptest.NewRequest("GET", "/p%75blic/page?next=/admin", nil)
	r.Header["X-Auth-Subject"] = []string{"alice"}
	r.Header["X_auth_subject"] = []string{"mallory"}
	w := httptest.NewRecorder()
	gatewaytest.UpstreamHandler().ServeHTTP(w, r)

	var echo gatewaytest.Echo
	if err := json.Unmarshal(w.Body.Bytes(), &echo); err != nil {
		panic(err)
	}
	fmt.Println(w.Header().Get(gatewaytest.UpstreamMarker))
	fmt.Println(echo.Method, echo.Path, echo.EscapedPath, echo.Query)
	fmt.Println(gatewaytest.Values(echo.Header, "x-auth-subject"))
	// Output:
	// reached
	// GET /public/page /p%75blic/page next=/admin
	// [alice mallory]
}

// Each case is one request and what must come of it.
func ExampleCases() {
	for _, c := range gatewaytest.Cases()[:3] {
		fmt.Println(c.Name, c.Method, c.Target, c.Token, c.Status)
	}
	// Output:
	// public/exact GET /healthz none 200
	// public/post POST /healthz none 200
	// public/subtree GET /public/page none 200
}
