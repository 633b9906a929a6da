package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// call is a request to the API, shown as a curl command and made by the
// self-test, with the status and a piece of the body it must get.
type call struct {
	about, method, path string
	header              http.Header
	want                int
	says                string
}

// demoCalls mints the demo tokens and lists a call for every route.
func demoCalls(demo *verifiertest.Issuer) []call {
	withToken := func(tok verifiertest.Token) http.Header {
		return http.Header{"Authorization": {demo.AuthorizationHeader(tok)}}
	}
	shop := withToken(verifiertest.Token{Subject: "camera-shop", Scope: "read write"})
	viewer := withToken(verifiertest.Token{Subject: "catalogue-viewer", Scope: "read"})
	stale := withToken(verifiertest.Token{Subject: "old-app", Scope: "read", ExpiresIn: -time.Hour})
	return []call{
		{"public", "GET", "/public", nil, 200, "no token needed"},
		{"health check, broken token ignored", "GET", "/healthz", http.Header{"Authorization": {"Bearer x.y.z"}}, 200, "ok"},
		{"welcome without a token", "GET", "/welcome", nil, 200, "welcome, guest"},
		{"welcome with a token", "GET", "/welcome", viewer, 200, "welcome back, catalogue-viewer"},
		{"welcome with an expired token", "GET", "/welcome", stale, 401, "token expired"},
		{"browser preflight", "OPTIONS", "/cameras", http.Header{"Origin": {"https://shop.example"}, "Access-Control-Request-Method": {"POST"}}, 204, ""},
		{"cameras without a token", "GET", "/cameras", nil, 401, ""},
		{"cameras with read", "GET", "/cameras", viewer, 200, `"for":"catalogue-viewer"`},
		{"add a camera with read only", "POST", "/cameras", viewer, 403, "insufficient_scope"},
		{"add a camera with read write", "POST", "/cameras", shop, 201, `"added_by":"camera-shop"`},
		{"cameras with an expired token", "GET", "/cameras", stale, 401, "token expired"},
	}
}

// curl returns the curl command that makes c against the API at api.
func (c call) curl(api string) string {
	cmd := fmt.Sprintf("curl -i -X %s %s%s", c.method, api, c.path)
	for _, name := range slices.Sorted(maps.Keys(c.header)) {
		cmd += fmt.Sprintf(" -H '%s: %s'", name, c.header.Get(name))
	}
	return cmd
}

// check makes every call, prints what came back and returns an error
// listing the surprises.
func check(api string, calls []call, out io.Writer) error {
	var surprises []error
	for _, c := range calls {
		got, body, err := c.make(api)
		if err == nil && (got != c.want || !strings.Contains(body, c.says)) {
			err = fmt.Errorf("got %d %q, want %d containing %q", got, body, c.want, c.says)
		}
		if err != nil {
			surprises = append(surprises, fmt.Errorf("%s: %w", c.about, err))
		}
		fmt.Fprintf(out, "%-3d %-7s %-8s %s\n", got, c.method, c.path, c.about)
	}
	if err := errors.Join(surprises...); err != nil {
		return fmt.Errorf("%d of %d calls surprised the self-test:\n%w", len(surprises), len(calls), err)
	}
	fmt.Fprintf(out, "self-test passed: %d calls answered as expected\n", len(calls))
	return nil
}

// make sends c to the API at api and returns the status and body.
func (c call) make(api string) (int, string, error) {
	req, err := http.NewRequest(c.method, api+c.path, nil)
	if err != nil {
		return 0, "", err
	}
	maps.Copy(req.Header, c.header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(body), err
}
