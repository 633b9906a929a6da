// Package config reads jwtgate's YAML configuration file strictly: an
// unknown key, a value of the wrong type, a missing requirement of the mode
// is an [Error] naming the file and line. Every problem of a file is
// reported at once, as [Errors].
//
// HMAC secrets are read from the files or environment variables the file
// names, checked for length and kept in a [Secret], which never prints its
// bytes.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/policy"
)

// The modes of the gateway.
const (
	ModeProxy       = "proxy"
	ModeForwardAuth = "forward_auth"
)

// Defaults of the optional settings.
const (
	DefaultAdminListen           = "127.0.0.1:9091"
	DefaultShutdownTimeout       = 10 * time.Second
	DefaultDialTimeout           = 5 * time.Second
	DefaultResponseHeaderTimeout = 30 * time.Second
	DefaultIdleTimeout           = 90 * time.Second
	// MinSecretSize is the shortest HMAC secret accepted, in bytes (RFC
	// 7518 section 3.2, for HS256).
	MinSecretSize = 32
	// maxSecretFileSize bounds what is read from a secret file.
	maxSecretFileSize = 64 << 10
)

// Config is a checked configuration.
type Config struct {
	File            string        // the file it was read from
	Mode            string        // ModeProxy or ModeForwardAuth
	Listen          string        // the gateway's address
	AdminListen     string        // the admin listener's address; "" when off
	ShutdownTimeout time.Duration // bound of a graceful shutdown
	LogLevel        slog.Level
	TLS             *TLS        // nil for plain HTTP
	Upstream        *Upstream   // proxy mode only
	ForwardAuth     ForwardAuth // forward_auth mode only
	TrustedProxies  []netip.Prefix
	// ClientCertificateHeader names the header a trusted proxy puts the
	// client certificate in.
	ClientCertificateHeader string
	Realm                   string
	Issuers                 []Issuer
	Audiences               []string
	SkipAudienceCheck       bool
	Algorithms              []string
	Leeway                  time.Duration
	Headers                 claimheader.Mapping
	HeadersLine             int // the line of the headers key's value, for errors found later
	Policy                  *policy.Policy
	// DPoP accepts DPoP-bound tokens (RFC 9449); nil refuses them.
	DPoP *DPoP
}

// TLS is the listener's TLS setting.
type TLS struct {
	CertFile     string // resolved against the configuration file's folder
	KeyFile      string
	ClientCAFile string // "" when client certificates are not asked for
	// RequireClientCert refuses connections without a valid client
	// certificate; otherwise one is verified only if given.
	RequireClientCert bool
}

// Upstream is the service behind the proxy.
type Upstream struct {
	URL                   *url.URL
	DialTimeout           time.Duration
	ResponseHeaderTimeout time.Duration
	IdleTimeout           time.Duration
	// ForwardAuthorization keeps the Authorization and DPoP headers.
	ForwardAuthorization bool
}

// ForwardAuth holds the settings of forward_auth mode.
type ForwardAuth struct {
	PathPrefix string // Envoy ext_authz path_prefix to remove
}

// Issuer is one trusted issuer and where its keys come from: exactly one
// of Discovery, JWKSURL and Secret is set.
type Issuer struct {
	Issuer    string
	Discovery bool
	JWKSURL   string
	Secret    Secret
	// SecretFrom says where the secret came from ("file /run/x" or
	// "env NAME"), for messages.
	SecretFrom string
	// Keys are the timers of the remote key source (discovery or
	// jwks_url); zero fields mean the defaults. Always zero for a secret.
	Keys KeyCache
}

// Secret holds an HMAC secret. It never prints its bytes: every fmt verb
// shows "[secret]".
type Secret []byte

// String returns "[secret]".
func (Secret) String() string { return "[secret]" }

// Format prints "[secret]" whatever the verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue keeps a Secret out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Options are what Parse may read besides the file.
type Options struct {
	// Dir is the folder that relative file paths (secrets, TLS) are read
	// from. Empty means the current folder.
	Dir string
	// LookupEnv reads environment variables. Nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Load reads and checks the configuration file at path. Relative paths in
// it are taken from the file's folder.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: "cannot read: " + unwrapPath(err)}}
	}
	return Parse(path, data, Options{Dir: filepath.Dir(path)})
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse checks the configuration in data, read from the file named file.
// Its error is an [Errors] holding every problem found.
func Parse(file string, data []byte, opts Options) (*Config, error) {
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	d := &decoder{file: file}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{{File: file, Line: 1, Msg: "empty configuration"}}
		}
		return nil, Errors{yamlError(file, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, Errors{{File: file, Line: extra.Line, Msg: "more than one YAML document"}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	c := d.config(resolve(root), opts)
	if len(d.errs) > 0 {
		slices.SortStableFunc(d.errs, func(a, b *Error) int { return a.Line - b.Line })
		return nil, d.errs
	}
	c.File = file
	return c, nil
}

// yamlError turns a YAML syntax error ("yaml: line 3: ...") into an Error.
func yamlError(file string, err error) *Error {
	msg := err.Error()
	line := 0
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if n, after, ok := strings.Cut(rest, ": "); ok {
			if _, scanErr := fmt.Sscanf(n, "%d", &line); scanErr == nil {
				msg = after
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &Error{File: file, Line: line, Msg: "invalid YAML: " + msg}
}

// config decodes and checks the top-level mapping.
func (d *decoder) config(root *yaml.Node, opts Options) *Config {
	c := &Config{
		AdminListen:     DefaultAdminListen,
		ShutdownTimeout: DefaultShutdownTimeout,
		LogLevel:        slog.LevelInfo,
	}
	var (
		upstreamNode, forwardAuthNode, trustedNode, policyNode, audNode *yaml.Node
		haveMode, haveListen, haveAud, haveSkipAud, haveIssuers         bool
	)
	ok := d.mapping(root, "the configuration", fields{
		"mode": func(n *yaml.Node) {
			if s, ok := d.str(n, "mode"); ok {
				haveMode = true
				if s != ModeProxy && s != ModeForwardAuth {
					d.errorf(n, "mode must be proxy or forward_auth, not %q", s)
				}
				c.Mode = s
			}
		},
		"listen": func(n *yaml.Node) {
			if s, ok := d.str(n, "listen"); ok {
				haveListen = true
				d.address(n, "listen", s)
				c.Listen = s
			}
		},
		"admin_listen": func(n *yaml.Node) {
			if s, ok := d.str(n, "admin_listen"); ok {
				if s == "off" {
					c.AdminListen = ""
					return
				}
				d.address(n, "admin_listen", s)
				c.AdminListen = s
			}
		},
		"shutdown_timeout": func(n *yaml.Node) {
			if v, ok := d.duration(n, "shutdown_timeout"); ok {
				if v == 0 {
					d.errorf(n, "shutdown_timeout must be more than 0s")
				}
				c.ShutdownTimeout = v
			}
		},
		"log_level": func(n *yaml.Node) {
			if s, ok := d.str(n, "log_level"); ok {
				switch s {
				case "debug":
					c.LogLevel = slog.LevelDebug
				case "info":
					c.LogLevel = slog.LevelInfo
				case "warn":
					c.LogLevel = slog.LevelWarn
				case "error":
					c.LogLevel = slog.LevelError
				default:
					d.errorf(n, "log_level must be debug, info, warn or error, not %q", s)
				}
			}
		},
		"tls":          func(n *yaml.Node) { c.TLS = d.tls(n, opts) },
		"upstream":     func(n *yaml.Node) { upstreamNode = n; c.Upstream = d.upstream(n) },
		"forward_auth": func(n *yaml.Node) { forwardAuthNode = n; c.ForwardAuth = d.forwardAuth(n) },
		"trusted_proxies": func(n *yaml.Node) {
			trustedNode = n
			c.TrustedProxies = d.prefixes(n)
		},
		"client_certificate_header": func(n *yaml.Node) {
			c.ClientCertificateHeader, _ = d.str(n, "client_certificate_header")
		},
		"realm": func(n *yaml.Node) { c.Realm, _ = d.str(n, "realm") },
		"issuers": func(n *yaml.Node) {
			haveIssuers = true
			c.Issuers = d.issuers(n, opts)
		},
		"audiences": func(n *yaml.Node) {
			audNode = n
			if v, ok := d.strings(n, "audiences"); ok {
				haveAud = true
				c.Audiences = v
				if len(v) == 0 {
					d.errorf(n, "audiences must name at least one audience (or set skip_audience_check: true)")
				}
				for _, a := range v {
					if a == "" {
						d.errorf(n, "audiences must not hold an empty string")
					}
				}
			}
		},
		"skip_audience_check": func(n *yaml.Node) {
			if v, ok := d.boolean(n, "skip_audience_check"); ok {
				haveSkipAud = v
				c.SkipAudienceCheck = v
			}
		},
		"algorithms": func(n *yaml.Node) {
			if v, ok := d.strings(n, "algorithms"); ok {
				for _, alg := range v {
					if !jwks.IsSupported(alg) {
						d.errorf(n, "algorithms: unsupported algorithm %q (supported: %s)", alg, strings.Join(jwks.Algorithms(), ", "))
					}
				}
				c.Algorithms = v
			}
		},
		"leeway": func(n *yaml.Node) {
			if v, ok := d.duration(n, "leeway"); ok {
				if v > 5*time.Minute {
					d.errorf(n, "leeway must be at most 5m")
				}
				c.Leeway = v
			}
		},
		"headers": func(n *yaml.Node) { c.HeadersLine = n.Line; c.Headers = d.headers(n) },
		"policy":  func(n *yaml.Node) { policyNode = n },
		"dpop":    func(n *yaml.Node) { c.DPoP = d.dpop(n) },
	})
	if !ok {
		return c
	}
	if !haveMode && c.Mode == "" {
		d.errorf(root, "missing key %q (proxy or forward_auth)", "mode")
	}
	if !haveListen && c.Listen == "" {
		d.errorf(root, "missing key %q", "listen")
	}
	switch c.Mode {
	case ModeProxy:
		if upstreamNode == nil {
			d.errorf(root, "missing key %q (required in mode proxy)", "upstream")
		}
		if forwardAuthNode != nil {
			d.errorf(forwardAuthNode, "forward_auth is only for mode forward_auth")
		}
	case ModeForwardAuth:
		if upstreamNode != nil {
			d.errorf(upstreamNode, "upstream is only for mode proxy")
		}
		if trustedNode == nil {
			d.errorf(root, "missing key %q (required in mode forward_auth)", "trusted_proxies")
		} else if len(c.TrustedProxies) == 0 && !isNull(trustedNode) {
			d.errorf(trustedNode, "trusted_proxies must name at least one address in mode forward_auth")
		}
	}
	if !haveIssuers {
		d.errorf(root, "missing key %q", "issuers")
	}
	switch {
	case haveAud && haveSkipAud:
		d.errorf(audNode, "audiences and skip_audience_check: true exclude each other")
	case !haveAud && !haveSkipAud && audNode == nil:
		d.errorf(root, "missing key %q (or skip_audience_check: true)", "audiences")
	}
	if c.ClientCertificateHeader != "" && len(c.TrustedProxies) == 0 {
		d.errorf(root, "client_certificate_header needs trusted_proxies")
	}
	if policyNode == nil {
		d.errorf(root, "missing key %q", "policy")
	} else {
		c.Policy = d.policy(policyNode)
	}
	return c
}

// address checks a host:port listen address.
func (d *decoder) address(n *yaml.Node, key, s string) {
	if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
		d.errorf(n, "%s: %q is not a host:port address", key, s)
	}
}

func (d *decoder) tls(n *yaml.Node, opts Options) *TLS {
	t := &TLS{}
	var clientAuth *yaml.Node
	var haveAuth, require bool
	if !d.mapping(n, "tls", fields{
		"cert_file":      func(v *yaml.Node) { t.CertFile = d.path(v, "tls.cert_file", opts) },
		"key_file":       func(v *yaml.Node) { t.KeyFile = d.path(v, "tls.key_file", opts) },
		"client_ca_file": func(v *yaml.Node) { t.ClientCAFile = d.path(v, "tls.client_ca_file", opts) },
		"client_auth": func(v *yaml.Node) {
			clientAuth = v
			if s, ok := d.str(v, "tls.client_auth"); ok {
				switch s {
				case "request":
					haveAuth = true
				case "require":
					haveAuth, require = true, true
				default:
					d.errorf(v, "tls.client_auth must be request or require, not %q", s)
				}
			}
		},
	}) {
		return nil
	}
	if t.CertFile == "" {
		d.errorf(n, "missing key %q in tls", "cert_file")
	}
	if t.KeyFile == "" {
		d.errorf(n, "missing key %q in tls", "key_file")
	}
	if haveAuth && t.ClientCAFile == "" {
		d.errorf(clientAuth, "tls.client_auth needs tls.client_ca_file")
	}
	t.RequireClientCert = require
	return t
}

// path decodes a file path, resolved against opts.Dir.
func (d *decoder) path(n *yaml.Node, key string, opts Options) string {
	s, ok := d.str(n, key)
	if !ok {
		return ""
	}
	if s == "" {
		d.errorf(n, "%s must not be empty", key)
		return ""
	}
	if !filepath.IsAbs(s) && opts.Dir != "" {
		s = filepath.Join(opts.Dir, s)
	}
	return s
}

func (d *decoder) upstream(n *yaml.Node) *Upstream {
	u := &Upstream{
		DialTimeout:           DefaultDialTimeout,
		ResponseHeaderTimeout: DefaultResponseHeaderTimeout,
		IdleTimeout:           DefaultIdleTimeout,
	}
	haveURL := false
	if !d.mapping(n, "upstream", fields{
		"url": func(v *yaml.Node) {
			haveURL = true
			s, ok := d.str(v, "upstream.url")
			if !ok {
				return
			}
			parsed, err := url.Parse(s)
			if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" ||
				parsed.User != nil || parsed.RawQuery != "" || parsed.Fragment != "" {
				d.errorf(v, "upstream.url must be an http or https URL with a host (and no user, query or fragment), not %q", s)
				return
			}
			u.URL = parsed
		},
		"dial_timeout": func(v *yaml.Node) { u.DialTimeout = d.positive(v, "upstream.dial_timeout", u.DialTimeout) },
		"response_header_timeout": func(v *yaml.Node) {
			u.ResponseHeaderTimeout = d.positive(v, "upstream.response_header_timeout", u.ResponseHeaderTimeout)
		},
		"idle_timeout": func(v *yaml.Node) { u.IdleTimeout = d.positive(v, "upstream.idle_timeout", u.IdleTimeout) },
		"forward_authorization": func(v *yaml.Node) {
			u.ForwardAuthorization, _ = d.boolean(v, "upstream.forward_authorization")
		},
	}) {
		return nil
	}
	if u.URL == nil && !haveURL {
		d.errorf(n, "missing key %q in upstream", "url")
	}
	return u
}

// positive decodes a duration that must be more than zero.
func (d *decoder) positive(n *yaml.Node, key string, def time.Duration) time.Duration {
	v, ok := d.duration(n, key)
	if !ok {
		return def
	}
	if v == 0 {
		d.errorf(n, "%s must be more than 0s", key)
		return def
	}
	return v
}

func (d *decoder) forwardAuth(n *yaml.Node) ForwardAuth {
	var f ForwardAuth
	d.mapping(n, "forward_auth", fields{
		"path_prefix": func(v *yaml.Node) {
			s, ok := d.str(v, "forward_auth.path_prefix")
			if ok && s != "" && (!strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/")) {
				d.errorf(v, "forward_auth.path_prefix must start with / and not end with one, not %q", s)
			}
			f.PathPrefix = s
		},
	})
	return f
}

func (d *decoder) prefixes(n *yaml.Node) []netip.Prefix {
	if isNull(n) {
		return nil
	}
	list, ok := d.strings(n, "trusted_proxies")
	if !ok {
		return nil
	}
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			addr, addrErr := netip.ParseAddr(s)
			if addrErr != nil {
				d.errorf(n, "trusted_proxies: %q is neither an address nor a prefix such as 10.0.0.0/8", s)
				continue
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		if p.Addr().Is4In6() {
			d.errorf(n, "trusted_proxies: write %q as an IPv4 prefix", s)
			continue
		}
		if p != p.Masked() {
			d.errorf(n, "trusted_proxies: %q has bits set past its prefix length (did you mean %s?)", s, p.Masked())
			continue
		}
		out = append(out, p)
	}
	return out
}

func (d *decoder) headers(n *yaml.Node) claimheader.Mapping {
	var m claimheader.Mapping
	d.mapping(n, "headers", fields{
		"subject":     func(v *yaml.Node) { m.Subject, _ = d.str(v, "headers.subject") },
		"client_id":   func(v *yaml.Node) { m.ClientID, _ = d.str(v, "headers.client_id") },
		"scopes":      func(v *yaml.Node) { m.Scopes, _ = d.str(v, "headers.scopes") },
		"issuer":      func(v *yaml.Node) { m.Issuer, _ = d.str(v, "headers.issuer") },
		"claims":      func(v *yaml.Node) { m.Claims, _ = d.stringMap(v, "headers.claims") },
		"claims_json": func(v *yaml.Node) { m.JSON, _ = d.str(v, "headers.claims_json") },
	})
	return m
}

// isEmptyMapping reports whether m sends no header.
func isEmptyMapping(m claimheader.Mapping) bool {
	return m.Subject == "" && m.ClientID == "" && m.Scopes == "" && m.Issuer == "" && len(m.Claims) == 0 && m.JSON == ""
}

// HeadersEmpty reports whether the claim header mapping sends no header.
func (c *Config) HeadersEmpty() bool { return isEmptyMapping(c.Headers) }

func (d *decoder) issuers(n *yaml.Node, opts Options) []Issuer {
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "issuers must be a list")
		return nil
	}
	if len(n.Content) == 0 {
		d.errorf(n, "issuers must name at least one issuer")
		return nil
	}
	var out []Issuer
	seen := make(map[string]int)
	for _, item := range n.Content {
		item = resolve(item)
		is, ok := d.issuer(item, opts)
		if !ok {
			continue
		}
		if line, dup := seen[is.Issuer]; dup {
			d.errorf(item, "issuer %q already listed at line %d", is.Issuer, line)
			continue
		}
		seen[is.Issuer] = item.Line
		out = append(out, is)
	}
	return out
}

func (d *decoder) issuer(n *yaml.Node, opts Options) (Issuer, bool) {
	var (
		is                Issuer
		sources           []string
		secretFile        string
		secretEnv         string
		secretNode        *yaml.Node
		keysNode          *yaml.Node
		haveIssuer, valid = false, true
	)
	before := len(d.errs)
	if !d.mapping(n, "issuers entry", fields{
		"issuer": func(v *yaml.Node) {
			if s, ok := d.str(v, "issuer"); ok {
				if s == "" {
					d.errorf(v, "issuer must not be empty")
				}
				haveIssuer = true
				is.Issuer = s
			}
		},
		"discovery": func(v *yaml.Node) {
			if b, ok := d.boolean(v, "discovery"); ok && b {
				is.Discovery = true
				sources = append(sources, "discovery")
			}
		},
		"jwks_url": func(v *yaml.Node) {
			if s, ok := d.str(v, "jwks_url"); ok {
				if err := checkKeyURL(s); err != nil {
					d.errorf(v, "jwks_url: %v", err)
				}
				is.JWKSURL = s
				sources = append(sources, "jwks_url")
			}
		},
		"secret_file": func(v *yaml.Node) {
			secretFile = d.path(v, "secret_file", opts)
			secretNode = v
			sources = append(sources, "secret_file")
		},
		"secret_env": func(v *yaml.Node) {
			if s, ok := d.str(v, "secret_env"); ok {
				if s == "" {
					d.errorf(v, "secret_env must not be empty")
				}
				secretEnv = s
			}
			secretNode = v
			sources = append(sources, "secret_env")
		},
		"keys": func(v *yaml.Node) { keysNode = v },
	}) {
		return is, false
	}
	if !haveIssuer {
		d.errorf(n, "missing key %q in issuers entry", "issuer")
		valid = false
	}
	name := is.Issuer
	switch len(sources) {
	case 0:
		d.errorf(n, "issuer %q: give exactly one of discovery: true, jwks_url, secret_file, secret_env", name)
		valid = false
	case 1:
	default:
		d.errorf(n, "issuer %q: give exactly one of discovery: true, jwks_url, secret_file, secret_env (not %s)", name, strings.Join(sources, " and "))
		valid = false
	}
	if is.Discovery && haveIssuer {
		if err := checkKeyURL(name); err != nil {
			d.errorf(n, "issuer %q: discovery needs an issuer that is a URL: %v", name, err)
		}
	}
	if keysNode != nil {
		if secretNode != nil {
			d.errorf(keysNode, "issuer %q: keys (key-cache timers) apply only to discovery or jwks_url, not to a secret", name)
		} else {
			is.Keys = d.keyCache(keysNode, name)
		}
	}
	if len(sources) == 1 && valid {
		switch {
		case secretFile != "":
			is.Secret = d.secretFromFile(secretNode, name, secretFile)
			is.SecretFrom = "file " + secretFile
		case secretEnv != "":
			is.Secret = d.secretFromEnv(secretNode, name, secretEnv, opts)
			is.SecretFrom = "env " + secretEnv
		}
	}
	return is, len(d.errs) == before
}

// checkKeyURL checks a URL keys are fetched from: https, or http to a
// loopback host only.
func checkKeyURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%q: http is allowed only to a loopback host; use https", s)
	}
	return fmt.Errorf("%q is not an http or https URL", s)
}

func (d *decoder) secretFromFile(n *yaml.Node, issuer, path string) Secret {
	f, err := os.Open(path)
	if err != nil {
		d.errorf(n, "issuer %q: cannot read secret_file: %s", issuer, unwrapPath(err))
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileSize+1))
	if err != nil {
		d.errorf(n, "issuer %q: cannot read secret_file: %s", issuer, unwrapPath(err))
		return nil
	}
	if len(data) > maxSecretFileSize {
		d.errorf(n, "issuer %q: secret_file is larger than %d bytes", issuer, maxSecretFileSize)
		return nil
	}
	// A trailing newline is an editor's, not the secret's.
	data = bytes.TrimRight(data, "\r\n")
	return d.checkSecret(n, issuer, "secret_file", data)
}

func (d *decoder) secretFromEnv(n *yaml.Node, issuer, name string, opts Options) Secret {
	v, ok := opts.LookupEnv(name)
	if !ok {
		d.errorf(n, "issuer %q: environment variable %s is not set", issuer, name)
		return nil
	}
	return d.checkSecret(n, issuer, "secret_env", []byte(v))
}

func (d *decoder) checkSecret(n *yaml.Node, issuer, key string, s []byte) Secret {
	if len(s) < MinSecretSize {
		d.errorf(n, "issuer %q: the secret of %s has %d bytes; at least %d are needed", issuer, key, len(s), MinSecretSize)
		return nil
	}
	if _, err := jwks.NewSecret("", s); err != nil {
		d.errorf(n, "issuer %q: the secret of %s is refused", issuer, key)
		return nil
	}
	return Secret(slices.Clone(s))
}
