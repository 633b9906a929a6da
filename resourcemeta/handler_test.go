package resourcemeta_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/resourcemeta"
)

func newDoc(t *testing.T, resource string) *resourcemeta.Document {
	t.Helper()
	m := full()
	m.Resource = resource
	doc, err := resourcemeta.New(m)
	require.NoError(t, err, "New(resource %q)", resource)
	return doc
}

func TestHandlerAnswers(t *testing.T) {
	doc := newDoc(t, "https://api.example.com/v1/items")
	h := doc.Handler()
	body := string(doc.JSON())

	cases := []struct {
		method     string
		status     int
		body       string
		header     map[string]string // headers the answer must have ("" = must be absent)
		wantLength bool
	}{
		{"GET", http.StatusOK, body, map[string]string{
			"Content-Type":                "application/json",
			"Cache-Control":               "public, max-age=3600",
			"X-Content-Type-Options":      "nosniff",
			"Access-Control-Allow-Origin": "*",
			"Allow":                       "",
		}, true},
		{"HEAD", http.StatusOK, "", map[string]string{
			"Content-Type":  "application/json",
			"Cache-Control": "public, max-age=3600",
		}, true},
		{"OPTIONS", http.StatusNoContent, "", map[string]string{
			"Allow":                        "GET, HEAD, OPTIONS",
			"Access-Control-Allow-Origin":  "*",
			"Access-Control-Allow-Methods": "GET, HEAD",
			"Access-Control-Allow-Headers": "*",
			"Cache-Control":                "",
		}, false},
	}
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND"} {
		cases = append(cases, struct {
			method     string
			status     int
			body       string
			header     map[string]string
			wantLength bool
		}{m, http.StatusMethodNotAllowed, "method not allowed\n", map[string]string{
			"Allow":         "GET, HEAD, OPTIONS",
			"Content-Type":  "text/plain; charset=utf-8",
			"Cache-Control": "",
		}, false})
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(c.method, doc.Path(), strings.NewReader("{}")))
			assert.Equal(t, c.status, w.Code, "%s %s: status", c.method, doc.Path())
			assert.Equal(t, c.body, w.Body.String(), "%s %s: body", c.method, doc.Path())
			for name, want := range c.header {
				assert.Equal(t, want, w.Header().Get(name), "%s %s: header %s", c.method, doc.Path(), name)
			}
			if c.wantLength {
				assert.Equal(t, strconv.Itoa(len(body)), w.Header().Get("Content-Length"), "%s: Content-Length", c.method)
			}
		})
	}
}

// The answer is built from configuration only: whatever the request says
// about its host, scheme or prefix, the body is the same.
func TestHandlerIgnoresRequestHeaders(t *testing.T) {
	doc := newDoc(t, "https://api.example.com/v1/items")
	want := string(doc.JSON())
	spoofs := []struct {
		name string
		set  func(r *http.Request)
	}{
		{"none", func(r *http.Request) {}},
		{"Host", func(r *http.Request) { r.Host = "evil.example" }},
		{"X-Forwarded-Host", func(r *http.Request) { r.Header.Set("X-Forwarded-Host", "evil.example") }},
		{"X-Forwarded-Proto", func(r *http.Request) { r.Header.Set("X-Forwarded-Proto", "http") }},
		{"X-Forwarded-Prefix", func(r *http.Request) { r.Header.Set("X-Forwarded-Prefix", "/evil") }},
		{"Forwarded", func(r *http.Request) { r.Header.Set("Forwarded", `host=evil.example;proto=http`) }},
		{"Origin", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }},
		{"every one", func(r *http.Request) {
			r.Host = "evil.example"
			r.Header.Set("X-Forwarded-Host", "evil.example")
			r.Header.Set("X-Forwarded-Proto", "http")
			r.Header.Set("Forwarded", `host=evil.example`)
		}},
	}
	for _, s := range spoofs {
		t.Run(s.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/any/path", nil)
			s.set(r)
			w := httptest.NewRecorder()
			doc.Handler().ServeHTTP(w, r)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, want, w.Body.String(), "GET with spoofed %s: body", s.name)
			for name, values := range w.Header() {
				for _, v := range values {
					assert.NotContains(t, v, "evil", "GET with spoofed %s: header %s", s.name, name)
				}
			}
		})
	}
}

// Mounted on an http.ServeMux at Path, the handler answers at URL, for
// resources with and without paths, percent-encoded ones included.
func TestHandlerOnServeMuxAtURL(t *testing.T) {
	for _, resource := range []string{
		"https://api.example.com",
		"https://api.example.com/",
		"https://api.example.com/mcp",
		"https://api.example.com/v1/items/",
		"https://api.example.com/caf%C3%A9/a%2Fb",
		"https://api.example.com/a%7Bid%7D",
		"http://127.0.0.1:8080/mcp",
	} {
		t.Run(resource, func(t *testing.T) {
			doc := newDoc(t, resource)
			mux := http.NewServeMux()
			mux.Handle(doc.Path(), doc.Handler())
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })

			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest("GET", doc.URL(), nil))
			assert.Equal(t, http.StatusOK, w.Code, "GET %s with the handler at %q", doc.URL(), doc.Path())
			assert.Equal(t, string(doc.JSON()), w.Body.String(), "GET %s", doc.URL())

			w = httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest("GET", doc.URL()+"/other", nil))
			assert.Equal(t, http.StatusNotFound, w.Code, "GET below %s reached the handler", doc.URL())
		})
	}
}

// Through a real server: HEAD has the length of GET and no body, and
// concurrent requests get the same bytes.
func TestHandlerOverHTTP(t *testing.T) {
	doc := newDoc(t, "http://127.0.0.1/v1/items")
	srv := httptest.NewServer(doc.Handler())
	defer srv.Close()

	resp, err := srv.Client().Head(srv.URL + doc.Path())
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "HEAD status")
	assert.Equal(t, int64(len(doc.JSON())), resp.ContentLength, "HEAD Content-Length")
	assert.Empty(t, b, "HEAD body")

	var wg sync.WaitGroup
	bodies := make([]string, 8)
	for i := range bodies {
		wg.Go(func() {
			resp, err := srv.Client().Get(srv.URL + doc.Path())
			if err != nil {
				bodies[i] = err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			bodies[i] = string(b)
		})
	}
	wg.Wait()
	for i, b := range bodies {
		assert.Equal(t, string(doc.JSON()), b, "GET %d of %d", i+1, len(bodies))
	}
}
