package bearertest_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/jwtgate/jwtgate/bearer"
	"github.com/jwtgate/jwtgate/bearer/bearertest"
)

// An adapter under test installs the table's hooks in its own types: its
// skipper asks SkipRequest, its error handler writes what WriteCustomError
// writes.
func ExampleSkipRequest() {
	preflight := httptest.NewRequest("OPTIONS", "/r", nil)
	preflight.Header.Set("Access-Control-Request-Method", "POST")
	for _, r := range []struct {
		name string
		skip bool
	}{
		{"GET /healthz", bearertest.SkipRequest(httptest.NewRequest("GET", "/healthz", nil))},
		{"CORS preflight of /r", bearertest.SkipRequest(preflight)},
		{"GET /r", bearertest.SkipRequest(httptest.NewRequest("GET", "/r", nil))},
	} {
		fmt.Println(r.name, "skipped:", r.skip)
	}

	w := httptest.NewRecorder()
	bearertest.WriteCustomError(w, httptest.NewRequest("GET", "/r", nil), bearer.ErrNoCredentials)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// GET /healthz skipped: true
	// CORS preflight of /r skipped: true
	// GET /r skipped: false
	// 401 denied: no credentials
}
