package dpop

import (
	"bytes"
	"errors"
	"net/url"
	"strconv"
	"strings"
)

var (
	errURLNil      = errors.New("no URL")
	errURLScheme   = errors.New("scheme is not http or https")
	errURLOpaque   = errors.New("URL is opaque")
	errURLNoHost   = errors.New("URL has no host")
	errURLUserinfo = errors.New("URL has userinfo")
	errURLPort     = errors.New("URL has an invalid port")
	errURLHost     = errors.New("URL host has a character a host may not hold")
	errURLPath     = errors.New("URL path has an invalid percent-encoding")
)

// CanonicalURL returns the form of u that [Checker.Check] compares: the
// "htu" claim of a proof matches a request when both have the same
// canonical form. It applies the syntax-based and scheme-based
// normalisations of RFC 3986 sections 6.2.2 and 6.2.3, as RFC 9449 section
// 4.3 recommends: scheme and host in lower case; the default port (80 for
// http, 443 for https) removed, as is an empty port, and leading zeros of
// another; percent-encodings in upper case, those of unreserved characters
// decoded, and characters a path may not hold raw encoded; dot segments
// removed; an empty path made "/". The query and the fragment are dropped.
//
// It reads the path in its escaped form ([url.URL.EscapedPath]), so that
// "%2F" stays apart from "/", as RFC 3986 requires.
//
// It fails for a URL that is not absolute (no scheme or no host), that is
// opaque, that carries userinfo, whose scheme is neither http nor https, or
// whose port is not a number from 0 to 65535.
func CanonicalURL(u *url.URL) (string, error) {
	b, err := appendCanonicalURL(nil, u)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// appendCanonicalURL appends the canonical form of u to dst; see
// CanonicalURL. It allocates nothing when dst has room, unless the path
// holds dot segments.
func appendCanonicalURL(dst []byte, u *url.URL) ([]byte, error) {
	if u == nil {
		return dst, errURLNil
	}
	var defaultPort string
	switch {
	case strings.EqualFold(u.Scheme, "https"):
		dst, defaultPort = append(dst, "https://"...), "443"
	case strings.EqualFold(u.Scheme, "http"):
		dst, defaultPort = append(dst, "http://"...), "80"
	default:
		return dst, errURLScheme
	}
	if u.Opaque != "" {
		return dst, errURLOpaque
	}
	if u.User != nil {
		return dst, errURLUserinfo
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return dst, errURLNoHost
	}
	var err error
	if strings.HasPrefix(u.Host, "[") {
		// An IP literal; url.Parse has checked it.
		dst = append(dst, '[')
		if dst, err = appendHost(dst, host, true); err != nil {
			return dst, err
		}
		dst = append(dst, ']')
	} else {
		if strings.Contains(host, ":") {
			// A port that is not a number: url.Parse refuses it, but
			// a URL may be built by hand.
			return dst, errURLPort
		}
		if dst, err = appendHost(dst, host, false); err != nil {
			return dst, err
		}
	}
	if port != "" {
		p := strings.TrimLeft(port, "0")
		if p == "" {
			p = "0"
		}
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return dst, errURLPort
		}
		if p != defaultPort {
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, n, 10)
		}
	}
	return appendCanonicalPath(dst, u.EscapedPath())
}

// appendHost appends host in lower case, and percent-encoded (in upper
// case) the bytes of non-ASCII characters, which url.Parse has decoded, so
// that the encoding is the same whether the URL had them encoded or not.
// Other ASCII characters than a reg-name may hold (RFC 3986 section 3.2.2)
// make it fail, but for the colons and the zone ("%") of an IP literal.
func appendHost(dst []byte, host string, ipLiteral bool) ([]byte, error) {
	if canonicalHost(host) {
		return append(dst, host...), nil
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case 'A' <= c && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		case isUnreserved(c) || isSubDelim(c) || ipLiteral && c == ':':
			dst = append(dst, c)
		case c >= 0x80 || ipLiteral && c == '%':
			dst = appendPercent(dst, c)
		default:
			return dst, errURLHost
		}
	}
	return dst, nil
}

// canonicalHost reports whether host is in canonical form already: lower
// case letters, digits, "-", "." and no other byte, as most are.
func canonicalHost(host string) bool {
	for i := 0; i < len(host); i++ {
		if c := host[i]; charClass[c]&unreserved == 0 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}

// appendCanonicalPath appends the normalised form of the escaped path p:
// percent-encodings in upper case, those of unreserved characters decoded,
// bytes a path may not hold raw encoded, dot segments removed (RFC 3986
// section 5.2.4), "/" for an empty path.
func appendCanonicalPath(dst []byte, p string) ([]byte, error) {
	start := len(dst)
	if p == "" || p[0] != '/' {
		dst = append(dst, '/')
	}
	// Most paths need no change but the dot segments: copy them whole.
	plain := true
	for i := 0; i < len(p) && plain; i++ {
		plain = charClass[p[i]]&pathChar != 0
	}
	if plain {
		dst = append(dst, p...)
		p = ""
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return dst, errURLPath
			}
			v := unhex(p[i+1])<<4 | unhex(p[i+2])
			i += 2
			if isUnreserved(v) {
				dst = append(dst, v)
			} else {
				dst = appendPercent(dst, v)
			}
		case charClass[c]&pathChar != 0:
			dst = append(dst, c)
		default:
			dst = appendPercent(dst, c)
		}
	}
	if hasDotSegment(dst[start:]) {
		path := bytes.Clone(dst[start:])
		dst = removeDotSegments(dst[:start], path)
	}
	return dst, nil
}

// hasDotSegment reports whether the absolute path p has a segment "." or
// "..".
func hasDotSegment(p []byte) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		seg := p[i+1:]
		if j := bytes.IndexByte(seg, '/'); j >= 0 {
			seg = seg[:j]
		}
		if len(seg) == 1 && seg[0] == '.' || len(seg) == 2 && seg[0] == '.' && seg[1] == '.' {
			return true
		}
	}
	return false
}

// removeDotSegments appends the absolute path p without its dot segments,
// as the algorithm of RFC 3986 section 5.2.4 does: "." is dropped, ".."
// drops the segment before it, and a path ending in either ends with "/".
func removeDotSegments(dst, p []byte) []byte {
	start := len(dst)
	rest := p[1:] // p starts with "/"
	for {
		seg, after, more := bytes.Cut(rest, []byte{'/'})
		switch string(seg) {
		case ".":
			if !more {
				dst = append(dst, '/')
			}
		case "..":
			if i := bytes.LastIndexByte(dst[start:], '/'); i >= 0 {
				dst = dst[:start+i]
			}
			if !more {
				dst = append(dst, '/')
			}
		default:
			dst = append(dst, '/')
			dst = append(dst, seg...)
		}
		if !more {
			break
		}
		rest = after
	}
	return dst
}

// The character classes of RFC 3986 that CanonicalURL needs, as a table.
const (
	unreserved = 1 << iota // section 2.3
	subDelim               // section 2.2
	pathChar               // unreserved, sub-delims, ":", "@" and "/"
)

var charClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~", byte(c)) >= 0:
			t[c] = unreserved | pathChar
		case strings.IndexByte("!$&'()*+,;=", byte(c)) >= 0:
			t[c] = subDelim | pathChar
		case c == ':' || c == '@' || c == '/':
			t[c] = pathChar
		}
	}
	return t
}()

// isUnreserved reports whether c is an unreserved character.
func isUnreserved(c byte) bool { return charClass[c]&unreserved != 0 }

// isSubDelim reports whether c is a sub-delimiter.
func isSubDelim(c byte) bool { return charClass[c]&subDelim != 0 }

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

func appendPercent(dst []byte, c byte) []byte {
	const digits = "0123456789ABCDEF"
	return append(dst, '%', digits[c>>4], digits[c&15])
}
