package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/jwtgate/jwtgate/bearer"
)

// ForwardAuth returns the forward-auth handler: it answers 200 with the
// claim headers when the original request may pass, and otherwise the
// refusal (401, 403, 400, 503) with its RFC 6750 challenge.
//
// It serves only requests from Config.TrustedProxies; any other is refused
// with 403 and nothing it carries is read. The original request is read
// from the headers the proxies send:
//
//	method  X-Forwarded-Method (Caddy, Traefik) or X-Original-Method (nginx)
//	URI     X-Forwarded-Uri (Caddy, Traefik), X-Original-Uri (nginx's
//	        $request_uri) or X-Original-Url (an absolute URL, ingress-nginx)
//	host    X-Forwarded-Host, else the request's Host
//	scheme  X-Forwarded-Proto (for DPoP proofs)
//
// and its credentials (Authorization, DPoP, cookies) from the request's own
// headers, which the proxies copy from the original. A request with none of
// the method and URI headers is taken for an Envoy ext_authz check, whose
// method and path are the original's (after Config.PathPrefix, which is
// removed). A method without a URI, or the reverse, a header sent twice,
// two headers that disagree, or a URI that is not a request target (or
// has a fragment) is refused with 400: the gateway does not guess which
// request it is asked about. Only the URI's path is decided on, never its
// query.
//
// On a public route the answer is 200 without claim headers.
func (g *Gateway) ForwardAuth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.trustedPeer(r) {
			res := Result{Status: http.StatusForbidden, Outcome: OutcomeUntrustedProxy, Err: errUntrustedProxy}
			g.report(r, res)
			untrustedResponse.Write(w)
			return
		}
		orig, escaped, err := g.original(r)
		if err != nil {
			resp := g.auth.Response(err)
			g.report(r, Result{Status: resp.Status, Outcome: OutcomeAmbiguousRequest, Err: err})
			resp.Write(w)
			return
		}
		_, res, resp := g.check(orig, orig.Method, orig.Host, escaped)
		if res.Status == http.StatusOK {
			resp, ok := g.setClaims(w.Header(), &res)
			if !ok {
				clear(w.Header())
				g.report(r, res)
				resp.Write(w)
				return
			}
			g.report(r, res)
			w.WriteHeader(http.StatusOK)
			return
		}
		g.report(r, res)
		resp.Write(w)
	})
}

// The headers that name the original request of a forward-auth request.
const (
	hForwardedMethod = "X-Forwarded-Method"
	hOriginalMethod  = "X-Original-Method"
	hForwardedURI    = "X-Forwarded-Uri"
	hOriginalURI     = "X-Original-Uri"
	hOriginalURL     = "X-Original-Url"
	hForwardedHost   = "X-Forwarded-Host"
)

// original returns the request a forward-auth request r asks about, and
// its escaped path; or a *bearer.RequestError.
func (g *Gateway) original(r *http.Request) (*http.Request, string, error) {
	method, haveMethod, err := agree(r.Header, hForwardedMethod, hOriginalMethod)
	if err != nil {
		return nil, "", err
	}
	var u *url.URL
	var escaped string
	uri, haveURI, err := agreeURI(r.Header)
	if err != nil {
		return nil, "", err
	}
	switch {
	case haveMethod != haveURI:
		return nil, "", &bearer.RequestError{Description: "the proxy sent the original method or URI without the other"}
	case haveMethod:
		if !validMethod(method) {
			return nil, "", &bearer.RequestError{Description: "the proxy's original method is not a method"}
		}
		u = uri
		escaped = u.EscapedPath()
	default:
		// Envoy ext_authz: the check request is the original's method
		// and path, after path_prefix.
		method = r.Method
		escaped = r.URL.EscapedPath()
		if g.pathPrefix != "" {
			rest, ok := strings.CutPrefix(escaped, g.pathPrefix)
			if !ok || !strings.HasPrefix(rest, "/") {
				return nil, "", &bearer.RequestError{Description: "the request path is not under the forward auth path prefix"}
			}
			escaped = rest
		}
		var err error
		if u, err = url.ParseRequestURI(escaped); err != nil {
			return nil, "", &bearer.RequestError{Description: "the request path is not a request target"}
		}
		u.RawQuery = r.URL.RawQuery
	}
	host := r.Host
	switch v := r.Header[hForwardedHost]; len(v) {
	case 0:
	case 1:
		if v[0] == "" || strings.Contains(v[0], ",") {
			return nil, "", &bearer.RequestError{Description: "the proxy's X-Forwarded-Host is not one host"}
		}
		host = v[0]
	default:
		return nil, "", &bearer.RequestError{Description: "the proxy's X-Forwarded-Host is not one host"}
	}
	orig := r.WithContext(r.Context())
	orig.Method = method
	orig.URL = &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}
	orig.Host = host
	orig.RequestURI = ""
	return orig, escaped, nil
}

// agree returns the value of the headers a and b: at most one value each,
// equal if both are sent. found reports whether either was.
func agree(h http.Header, a, b string) (value string, found bool, err error) {
	va, oka, err := one(h, a)
	if err != nil {
		return "", false, err
	}
	vb, okb, err := one(h, b)
	if err != nil {
		return "", false, err
	}
	switch {
	case oka && okb && va != vb:
		return "", false, &bearer.RequestError{Description: "the proxy's " + a + " and " + b + " disagree"}
	case oka:
		return va, true, nil
	case okb:
		return vb, true, nil
	}
	return "", false, nil
}

// agreeURI returns the original request URI named by the URI headers:
// each at most once, a valid request target without a fragment, all with
// the same path.
func agreeURI(h http.Header) (*url.URL, bool, error) {
	var (
		found *url.URL
		from  string
	)
	for _, name := range [...]string{hForwardedURI, hOriginalURI, hOriginalURL} {
		v, ok, err := one(h, name)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if strings.Contains(v, "#") {
			return nil, false, &bearer.RequestError{Description: "the proxy's " + name + " has a fragment"}
		}
		u, err := url.ParseRequestURI(v)
		if err != nil || (name == hOriginalURL) != u.IsAbs() || u.Opaque != "" {
			return nil, false, &bearer.RequestError{Description: "the proxy's " + name + " is not a request target"}
		}
		if found != nil && found.EscapedPath() != u.EscapedPath() {
			return nil, false, &bearer.RequestError{Description: "the proxy's " + from + " and " + name + " disagree"}
		}
		if found == nil {
			found, from = u, name
		}
	}
	return found, found != nil, nil
}

// one returns the one value of header name, if it is sent.
func one(h http.Header, name string) (string, bool, error) {
	switch v := h[name]; len(v) {
	case 0:
		return "", false, nil
	case 1:
		return v[0], true, nil
	}
	return "", false, &bearer.RequestError{Description: "the proxy sent " + name + " more than once"}
}

// validMethod reports whether m is an HTTP method: a token (RFC 9110
// section 9.1).
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
