package gateway

import (
	"net/http"
)

// Handler returns a handler that enforces the policy on each request and
// passes those it lets through to next (typically an
// httputil.ReverseProxy), with the claim headers set and forwarding headers
// from untrusted clients removed.
//
// The request is decided on its own method, Host and escaped path. The
// request next receives is a copy with its own headers, from which were
// removed:
//
//   - when the client is not a trusted proxy, every forwarding header a
//     service might believe (Forwarded, X-Forwarded-For, -Host, -Proto,
//     -Port, -Prefix, -Method, -Uri, X-Original-Uri, -Method, -Url,
//     X-Real-Ip, and Config.CertificateHeader), in any letter case and
//     with "_" for "-";
//   - every header named like a claim header, in any spelling, after
//     which the verified claims' headers are set (none on public routes);
//   - Authorization and DPoP, unless Config.ForwardAuthorization.
//
// A token sent in a cookie or the query (bearer.Options.Cookie, Query) is
// left where it is.
func (g *Gateway) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, res, resp := g.check(r, r.Method, r.Host, r.URL.EscapedPath())
		if res.Status != http.StatusOK {
			g.report(r, res)
			resp.Write(w)
			return
		}
		if out == r {
			out = r.WithContext(r.Context()) // a copy whose Header we may replace
		}
		h := r.Header.Clone()
		if h == nil {
			h = make(http.Header)
		}
		if !g.trustedPeer(r) {
			g.removeForwarding(h)
		}
		if !g.forwardTok {
			delete(h, "Authorization")
			delete(h, "Dpop")
		}
		if resp, ok := g.setClaims(h, &res); !ok {
			g.report(r, res)
			resp.Write(w)
			return
		}
		out.Header = h
		g.report(r, res)
		next.ServeHTTP(w, out)
	})
}

// forwardingHeaders are the headers, in folded form (see fold), that a
// proxy sets to describe the client's request, and that a service behind
// the gateway may believe.
var forwardingHeaders = map[string]bool{
	"forwarded":          true,
	"x-forwarded-for":    true,
	"x-forwarded-host":   true,
	"x-forwarded-proto":  true,
	"x-forwarded-port":   true,
	"x-forwarded-prefix": true,
	"x-forwarded-method": true,
	"x-forwarded-uri":    true,
	"x-original-uri":     true,
	"x-original-method":  true,
	"x-original-url":     true,
	"x-real-ip":          true,
}

// removeForwarding removes the forwarding headers from h, in any
// spelling, and the client certificate header of Config.CertificateHeader.
func (g *Gateway) removeForwarding(h http.Header) {
	for name := range h {
		if isForwarding(name) || g.certHeader != "" && foldEqual(name, g.certHeader) {
			delete(h, name)
		}
	}
}

// foldEqual reports whether name folds to f.
func foldEqual(name, f string) bool {
	if len(name) != len(f) {
		return false
	}
	var buf [64]byte
	if len(name) > len(buf) {
		return string(fold(nil, name)) == f
	}
	return string(fold(buf[:0], name)) == f
}

// isForwarding reports whether name folds to one of forwardingHeaders.
func isForwarding(name string) bool {
	if len(name) > len("x-forwarded-method") {
		return false // longer than the longest
	}
	var buf [len("x-forwarded-method")]byte
	return forwardingHeaders[string(fold(buf[:0], name))]
}

// fold appends name to dst in lower case with "_" turned into "-", the
// form in which two spellings of a header name that some server or
// framework would take for one another are equal.
func fold(dst []byte, name string) []byte {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case c == '_':
			c = '-'
		}
		dst = append(dst, c)
	}
	return dst
}
