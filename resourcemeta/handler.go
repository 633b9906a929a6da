package resourcemeta

import (
	"net/http"
	"strconv"
)

// CacheControl is the Cache-Control of the document's answers: public, as
// the document is the same for everyone, and fresh for an hour, so that a
// change (of authorization servers, say) reaches every client within the
// hour; a 401 challenge with resource_metadata asks clients to fetch it
// again sooner (RFC 9728 section 5.2).
const CacheControl = "public, max-age=3600"

// allow lists the methods the handler answers.
const allow = "GET, HEAD, OPTIONS"

// Handler returns the handler that serves the document, to mount at
// [Document.Path] (see the package documentation for reverse proxies):
//
//	GET, HEAD   200, Content-Type: application/json, Cache-Control: CacheControl
//	OPTIONS     204 with Allow, and CORS preflight answers for browsers
//	other       405 with Allow: GET, HEAD, OPTIONS
//
// Every answer allows cross-origin reads (Access-Control-Allow-Origin: *):
// the document is public, and browser-based clients fetch it from other
// origins (RFC 9728 section 3.1). The answer never depends on the request's
// Host or any other header, nor on its path.
func (d *Document) Handler() http.Handler { return handler{d} }

type handler struct{ d *Document }

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		hdr.Set("Content-Type", "application/json")
		hdr.Set("Content-Length", strconv.Itoa(len(h.d.body)))
		hdr.Set("Cache-Control", CacheControl)
		hdr.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(h.d.body)
		}
	case http.MethodOptions:
		// A preflight, when the client sends a header such as
		// MCP-Protocol-Version with its GET; any header is allowed, as no
		// credentials are involved.
		hdr.Set("Allow", allow)
		hdr.Set("Access-Control-Allow-Methods", "GET, HEAD")
		hdr.Set("Access-Control-Allow-Headers", "*")
		hdr.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
	default:
		hdr.Set("Allow", allow)
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		hdr.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte("method not allowed\n"))
	}
}
