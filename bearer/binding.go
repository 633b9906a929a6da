package bearer

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/jwtgate/jwtgate/dpop"
	"github.com/jwtgate/jwtgate/verifier"
)

// BindingError is the refusal of a token that is bound to a key or a
// certificate (its "cnf" claim) the request does not prove: a DPoP-bound
// token presented as a bearer token or with another key's proof, a token
// presented with DPoP that is not DPoP-bound, a certificate-bound token
// over a connection without that certificate. It matches
// verifier.ErrInvalidToken and is answered with 401 invalid_token.
type BindingError struct {
	// Description is a fixed phrase, such as "DPoP-bound token presented
	// as a bearer token"; it never quotes the request.
	Description string
}

// Error returns the description prefixed with "bearer: ".
func (e *BindingError) Error() string { return "bearer: " + e.Description }

// Is reports whether target is verifier.ErrInvalidToken.
func (e *BindingError) Is(target error) bool { return target == verifier.ErrInvalidToken }

// dpopRequestError marks the refusal of a request that used the DPoP
// scheme, so that its answer is a DPoP challenge.
type dpopRequestError struct{ err error }

func (e *dpopRequestError) Error() string { return e.err.Error() }
func (e *dpopRequestError) Unwrap() error { return e.err }

// schemed returns err, marked as the refusal of a DPoP request if isDPoP.
func schemed(err error, isDPoP bool) error {
	if err == nil || !isDPoP {
		return err
	}
	return &dpopRequestError{err}
}

// bind checks that the request proves what the token's "cnf" claim binds it
// to: the key of its DPoP proof (RFC 9449 section 7.1), the certificate of
// its TLS connection (RFC 8705 section 3).
func (a *Auth) bind(ctx context.Context, claims *verifier.Claims, c Credentials) error {
	jkt := claims.KeyThumbprint()
	switch {
	case c.DPoP:
		if len(c.Proofs) != 1 {
			return &dpop.Error{Reason: dpop.ErrInvalidProof, Description: "exactly one DPoP proof is required"}
		}
		res, err := a.dpop.Check(ctx, c.Proofs[0], dpop.Request{Method: c.Method, URL: c.URL, AccessToken: c.Token})
		if err != nil {
			return err
		}
		if jkt == "" {
			return &BindingError{"token is not DPoP-bound"}
		}
		if subtle.ConstantTimeCompare([]byte(res.Thumbprint), []byte(jkt)) != 1 {
			return &BindingError{"DPoP proof key is not the key the token is bound to"}
		}
	case jkt != "":
		return &BindingError{"DPoP-bound token presented as a bearer token"}
	case a.dpop != nil && a.dpop.Required():
		return &BindingError{"DPoP is required"}
	}
	if x5t := claims.CertificateThumbprint(); x5t != "" {
		var cert *x509.Certificate
		var err error
		switch {
		case c.Certificate != nil:
			cert, err = c.Certificate()
		case c.request != nil:
			cert, err = a.clientCertificate(c.request)
		}
		if err != nil {
			return err
		}
		if cert == nil {
			return &BindingError{"certificate-bound token without a client certificate"}
		}
		sum := sha256.Sum256(cert.Raw)
		got := base64.RawURLEncoding.EncodeToString(sum[:])
		if subtle.ConstantTimeCompare([]byte(got), []byte(x5t)) != 1 {
			return &BindingError{"client certificate is not the one the token is bound to"}
		}
	}
	return nil
}

// fromProxy reports whether r came from the configured proxy.
func (a *Auth) fromProxy(r *http.Request) bool {
	if a.proxy == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap()
	for _, p := range a.proxy.Addresses {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// requestURL returns the absolute URL the client sent r to, for a DPoP
// proof's htu: the scheme of the connection (or of a trusted proxy's
// X-Forwarded-Proto), the Host (or X-Forwarded-Host) and the path.
func (a *Auth) requestURL(r *http.Request) (*url.URL, error) {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	if a.proxy != nil && a.proxy.ForwardedURL && a.fromProxy(r) {
		proto, ok1 := single(r.Header, "X-Forwarded-Proto")
		host, ok2 := single(r.Header, "X-Forwarded-Host")
		if !ok1 || !ok2 || (proto != "http" && proto != "https") {
			return nil, &RequestError{"the proxy's forwarding headers do not name one scheme and host"}
		}
		// The host must be a host[:port] and nothing else.
		if h, err := url.Parse(proto + "://" + host); err != nil || h.Host != host || h.User != nil || h.Path != "" || h.Hostname() == "" {
			return nil, &RequestError{"the proxy's X-Forwarded-Host is not a host"}
		}
		u.Scheme, u.Host = proto, host
	}
	if u.Host == "" {
		return nil, &RequestError{"no host in the request"}
	}
	return u, nil
}

// single returns the one value of the header name, if there is exactly one
// without a comma.
func single(h http.Header, name string) (string, bool) {
	v := h[name]
	if len(v) != 1 || v[0] == "" || strings.Contains(v[0], ",") {
		return "", false
	}
	return strings.TrimSpace(v[0]), true
}

// clientCertificate returns the client certificate of r: the one its TLS
// connection presented or, from the configured proxy, the one in its
// certificate header; nil if there is none.
func (a *Auth) clientCertificate(r *http.Request) (*x509.Certificate, error) {
	if a.proxy != nil && a.proxy.CertificateHeader != "" && a.fromProxy(r) {
		v, ok := single(r.Header, http.CanonicalHeaderKey(a.proxy.CertificateHeader))
		if !ok {
			return nil, nil
		}
		return parseCertificateHeader(v)
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		return r.TLS.PeerCertificates[0], nil
	}
	return nil, nil
}

// errCertificateHeader is the refusal of a proxy certificate header that
// holds no certificate.
var errCertificateHeader = errors.New("bearer: the proxy's client certificate header holds no certificate")

// parseCertificateHeader reads a certificate from a proxy header: PEM,
// URL-escaped or not, or base64 DER.
func parseCertificateHeader(v string) (*x509.Certificate, error) {
	var der []byte
	if unescaped, err := url.QueryUnescape(v); err == nil && strings.HasPrefix(unescaped, "-----BEGIN CERTIFICATE-----") {
		block, _ := pem.Decode([]byte(unescaped))
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, errCertificateHeader
		}
		der = block.Bytes
	} else {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, errCertificateHeader
		}
		der = b
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errCertificateHeader, err)
	}
	return cert, nil
}
