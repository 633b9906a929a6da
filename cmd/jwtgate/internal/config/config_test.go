package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// base is a valid proxy-mode file; tests add or replace lines.
const base = `mode: proxy
listen: 127.0.0.1:0
upstream:
  url: http://127.0.0.1:9000
issuers:
  - issuer: https://issuer.example.com/
    discovery: true
audiences: [https://api.example.com]
policy:
  default: deny
`

func noEnv(string) (string, bool) { return "", false }

func parse(t *testing.T, text string) (*Config, error) {
	t.Helper()
	return Parse("jwtgate.yaml", []byte(text), Options{Dir: t.TempDir(), LookupEnv: noEnv})
}

func TestParseValid(t *testing.T) {
	c, err := parse(t, base)
	require.NoError(t, err, "Parse(base)")
	assert.Equal(t, ModeProxy, c.Mode)
	assert.Equal(t, "127.0.0.1:0", c.Listen)
	assert.Equal(t, DefaultAdminListen, c.AdminListen, "admin_listen default")
	assert.Equal(t, DefaultShutdownTimeout, c.ShutdownTimeout, "shutdown_timeout default")
	assert.Equal(t, slog.LevelInfo, c.LogLevel)
	require.NotNil(t, c.Upstream)
	assert.Equal(t, "http://127.0.0.1:9000", c.Upstream.URL.String())
	assert.Equal(t, DefaultDialTimeout, c.Upstream.DialTimeout)
	assert.Equal(t, DefaultResponseHeaderTimeout, c.Upstream.ResponseHeaderTimeout)
	assert.Equal(t, DefaultIdleTimeout, c.Upstream.IdleTimeout)
	require.Len(t, c.Issuers, 1)
	assert.True(t, c.Issuers[0].Discovery)
	assert.Equal(t, []string{"https://api.example.com"}, c.Audiences)
	assert.Equal(t, "jwtgate.yaml", c.File)
	require.NotNil(t, c.Policy)
}

func TestParseEverything(t *testing.T) {
	dir := t.TempDir()
	secret := strings.Repeat("s", 40)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hmac"), []byte(secret+"\n"), 0o600))
	text := `mode: forward_auth
listen: 127.0.0.1:8080
admin_listen: "off"
shutdown_timeout: 3s
log_level: debug
tls:
  cert_file: server.crt
  key_file: /abs/server.key
  client_ca_file: ca.crt
  client_auth: require
forward_auth:
  path_prefix: /authz
trusted_proxies: [127.0.0.1/32, "::1", 10.0.0.0/8]
client_certificate_header: X-Client-Cert
realm: api
issuers:
  - issuer: https://issuer.example.com/
    discovery: true
  - issuer: https://other.example.com
    jwks_url: https://other.example.com/keys
  - issuer: my-client
    secret_file: hmac
  - issuer: another
    secret_env: JWTGATE_SECRET
skip_audience_check: true
algorithms: [RS256, HS256]
leeway: 1m
headers:
  subject: X-Auth-Subject
  client_id: X-Auth-Client-Id
  scopes: X-Auth-Scopes
  issuer: X-Auth-Issuer
  claims: {tenant_id: X-Auth-Tenant}
  claims_json: X-Auth-Claims
policy:
  default: deny
`
	env := func(name string) (string, bool) {
		if name == "JWTGATE_SECRET" {
			return strings.Repeat("e", 32), true
		}
		return "", false
	}
	c, err := Parse("jwtgate.yaml", []byte(text), Options{Dir: dir, LookupEnv: env})
	require.NoError(t, err, "Parse of a file using every key")
	assert.Equal(t, ModeForwardAuth, c.Mode)
	assert.Empty(t, c.AdminListen, "admin_listen off")
	assert.Equal(t, 3*time.Second, c.ShutdownTimeout)
	assert.Equal(t, slog.LevelDebug, c.LogLevel)
	require.NotNil(t, c.TLS)
	assert.Equal(t, &TLS{CertFile: filepath.Join(dir, "server.crt"), KeyFile: "/abs/server.key",
		ClientCAFile: filepath.Join(dir, "ca.crt"), RequireClientCert: true}, c.TLS)
	assert.Nil(t, c.Upstream)
	assert.Equal(t, "/authz", c.ForwardAuth.PathPrefix)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("10.0.0.0/8")}, c.TrustedProxies)
	assert.Equal(t, "X-Client-Cert", c.ClientCertificateHeader)
	require.Len(t, c.Issuers, 4)
	assert.Equal(t, "https://other.example.com/keys", c.Issuers[1].JWKSURL)
	assert.Equal(t, Secret(secret), c.Issuers[2].Secret, "secret_file, trailing newline dropped")
	assert.Equal(t, Secret(strings.Repeat("e", 32)), c.Issuers[3].Secret, "secret_env")
	assert.True(t, c.SkipAudienceCheck)
	assert.Equal(t, []string{"RS256", "HS256"}, c.Algorithms)
	assert.Equal(t, time.Minute, c.Leeway)
	assert.Equal(t, "X-Auth-Tenant", c.Headers.Claims["tenant_id"])
	assert.Equal(t, "X-Auth-Claims", c.Headers.JSON)
	assert.False(t, c.HeadersEmpty())
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"unknown top-level key", base + "scope: read\n",
			[]string{`jwtgate.yaml:11: unknown key "scope"`}},
		{"unknown nested key", strings.Replace(base, "  url: http://127.0.0.1:9000\n", "  url: http://127.0.0.1:9000\n  timeout: 3s\n", 1),
			[]string{`jwtgate.yaml:5: unknown key "timeout"`}},
		{"key twice", base + "listen: 127.0.0.1:1\n",
			[]string{`jwtgate.yaml:11: key "listen" given twice`}},
		{"empty file", "", []string{"jwtgate.yaml:1: empty configuration"}},
		{"not a mapping", "- a\n- b\n", []string{"jwtgate.yaml:1: the configuration must be a mapping"}},
		{"YAML syntax", "mode: proxy\nlisten: [\n", []string{"jwtgate.yaml:2: invalid YAML: did not find expected node content"}},
		{"missing everything", "realm: x\n", []string{
			`jwtgate.yaml:1: missing key "mode" (proxy or forward_auth)`,
			`jwtgate.yaml:1: missing key "listen"`,
			`jwtgate.yaml:1: missing key "issuers"`,
			`jwtgate.yaml:1: missing key "audiences" (or skip_audience_check: true)`,
			`jwtgate.yaml:1: missing key "policy"`,
		}},
		{"bad mode", strings.Replace(base, "mode: proxy", "mode: sidecar", 1),
			[]string{`jwtgate.yaml:1: mode must be proxy or forward_auth, not "sidecar"`}},
		{"bad listen", strings.Replace(base, "listen: 127.0.0.1:0", "listen: localhost", 1),
			[]string{`jwtgate.yaml:2: listen: "localhost" is not a host:port address`}},
		{"proxy without upstream", strings.Replace(base, "upstream:\n  url: http://127.0.0.1:9000\n", "", 1),
			[]string{`jwtgate.yaml:1: missing key "upstream" (required in mode proxy)`}},
		{"forward_auth with upstream, without trusted proxies", strings.Replace(base, "mode: proxy", "mode: forward_auth", 1),
			[]string{
				`jwtgate.yaml:1: missing key "trusted_proxies" (required in mode forward_auth)`,
				`jwtgate.yaml:4: upstream is only for mode proxy`,
			}},
		{"forward_auth section in proxy mode", base + "forward_auth:\n  path_prefix: /x\n",
			[]string{`jwtgate.yaml:12: forward_auth is only for mode forward_auth`}},
		{"bad upstream url", strings.Replace(base, "http://127.0.0.1:9000", "ftp://x", 1),
			[]string{`jwtgate.yaml:4: upstream.url must be an http or https URL with a host (and no user, query or fragment), not "ftp://x"`}},
		{"bad duration", base + "shutdown_timeout: 10\n",
			[]string{`jwtgate.yaml:11: shutdown_timeout: invalid duration "10" (write it as 30s, 5m or 1h30m)`}},
		{"boolean where a string goes", base + "realm: true\n",
			[]string{`jwtgate.yaml:11: realm must be a string, not a boolean`}},
		{"bad log level", base + "log_level: loud\n",
			[]string{`jwtgate.yaml:11: log_level must be debug, info, warn or error, not "loud"`}},
		{"issuer without key source", strings.Replace(base, "    discovery: true\n", "", 1),
			[]string{`jwtgate.yaml:6: issuer "https://issuer.example.com/": give exactly one of discovery: true, jwks_url, secret_file, secret_env`}},
		{"issuer with two key sources", strings.Replace(base, "    discovery: true\n", "    discovery: true\n    jwks_url: https://issuer.example.com/keys\n", 1),
			[]string{`jwtgate.yaml:6: issuer "https://issuer.example.com/": give exactly one of discovery: true, jwks_url, secret_file, secret_env (not discovery and jwks_url)`}},
		{"issuer listed twice", strings.Replace(base, "    discovery: true\n", "    discovery: true\n  - issuer: https://issuer.example.com/\n    discovery: true\n", 1),
			[]string{`jwtgate.yaml:8: issuer "https://issuer.example.com/" already listed at line 6`}},
		{"plain http jwks_url", strings.Replace(base, "    discovery: true\n", "    jwks_url: http://keys.example.com/jwks\n", 1),
			[]string{`jwtgate.yaml:7: jwks_url: "http://keys.example.com/jwks": http is allowed only to a loopback host; use https`}},
		{"secret env unset", strings.Replace(base, "    discovery: true\n", "    secret_env: NOPE\n", 1),
			[]string{`jwtgate.yaml:7: issuer "https://issuer.example.com/": environment variable NOPE is not set`}},
		{"secret file missing", strings.Replace(base, "    discovery: true\n", "    secret_file: /nonexistent/hmac\n", 1),
			[]string{`jwtgate.yaml:7: issuer "https://issuer.example.com/": cannot read secret_file: no such file or directory`}},
		{"audiences and skip", base + "skip_audience_check: true\n",
			[]string{`jwtgate.yaml:8: audiences and skip_audience_check: true exclude each other`}},
		{"unsupported algorithm", base + "algorithms: [none]\n",
			[]string{`jwtgate.yaml:11: algorithms: unsupported algorithm "none" (supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519, HS256, HS384, HS512)`}},
		{"leeway too long", base + "leeway: 10m\n",
			[]string{`jwtgate.yaml:11: leeway must be at most 5m`}},
		{"bad trusted proxy", base + "trusted_proxies: [10.0.0.1/8]\n",
			[]string{`jwtgate.yaml:11: trusted_proxies: "10.0.0.1/8" has bits set past its prefix length (did you mean 10.0.0.0/8?)`}},
		{"not an address", base + "trusted_proxies: [proxy.local]\n",
			[]string{`jwtgate.yaml:11: trusted_proxies: "proxy.local" is neither an address nor a prefix such as 10.0.0.0/8`}},
		{"tls without key, bad client_auth", base + "tls:\n  cert_file: a.crt\n  client_auth: maybe\n", []string{
			`jwtgate.yaml:12: missing key "key_file" in tls`,
			`jwtgate.yaml:13: tls.client_auth must be request or require, not "maybe"`,
		}},
		{"client_auth without CA", base + "tls:\n  cert_file: a.crt\n  key_file: a.key\n  client_auth: require\n",
			[]string{`jwtgate.yaml:14: tls.client_auth needs tls.client_ca_file`}},
		{"certificate header without trusted proxies", base + "client_certificate_header: X-Cert\n",
			[]string{`jwtgate.yaml:1: client_certificate_header needs trusted_proxies`}},
		{"two documents", base + "---\nmode: proxy\n", []string{"jwtgate.yaml:11: more than one YAML document"}},
		{"policy errors at their lines", strings.Replace(base, "  default: deny\n", "  default: maybe\n  rules:\n    - pattern: /x\n      scope: [read]\n    - pattern: \"GET /{bad\"\n      allow: public\n", 1), []string{
			`jwtgate.yaml:10: default must be deny, public or authenticated, not "maybe"`,
			`jwtgate.yaml:12: rule needs one of allow, scopes, any_scopes`,
			`jwtgate.yaml:13: unknown key "scope" in rule (known: pattern, allow, scopes, any_scopes)`,
			`jwtgate.yaml:14: bad pattern "GET /{bad": at offset 5: bad wildcard segment (must end with '}')`,
		}},
		{"policy and other errors together", strings.Replace(base, "  default: deny\n", "  default: deny\n  rules: 3\n", 1) + "leeway: 1\n", []string{
			`jwtgate.yaml:11: rules must be a list of rules, not the number 3`,
			`jwtgate.yaml:12: leeway: invalid duration "1" (write it as 30s, 5m or 1h30m)`,
		}},
		{"dpop unknown key", base + "dpop:\n  mode: allowed\n  replay_cache: 10\n",
			[]string{`jwtgate.yaml:13: unknown key "replay_cache"`}},
		{"dpop bad mode", base + "dpop:\n  mode: optional\n",
			[]string{`jwtgate.yaml:12: dpop.mode must be allowed or required, not "optional"`}},
		{"dpop null", base + "dpop:\n",
			[]string{`jwtgate.yaml:11: dpop must be a mapping (remove the key to refuse DPoP-bound tokens)`}},
		{"dpop not a mapping", base + "dpop: true\n",
			[]string{`jwtgate.yaml:11: dpop must be a mapping`}},
		{"dpop HMAC algorithm", base + "dpop:\n  algorithms: [ES256, HS256]\n",
			[]string{`jwtgate.yaml:12: dpop.algorithms: unsupported algorithm "HS256" (supported: ES256, ES384, ES512, PS256, PS384, PS512, RS256, RS384, RS512, EdDSA, Ed25519)`}},
		{"dpop no algorithms", base + "dpop:\n  algorithms: []\n",
			[]string{`jwtgate.yaml:12: dpop.algorithms must name at least one algorithm (or be left out for the default list)`}},
		{"dpop windows", base + "dpop:\n  max_age: 0s\n  leeway: 1h\n  nonce_lifetime: soon\n", []string{
			`jwtgate.yaml:12: dpop.max_age must be more than 0s`,
			`jwtgate.yaml:13: dpop.leeway must be at most 10m`,
			`jwtgate.yaml:14: dpop.nonce_lifetime: invalid duration "soon" (write it as 30s, 5m or 1h30m)`,
			`jwtgate.yaml:14: dpop.nonce_lifetime needs dpop.nonce: true`,
		}},
		{"dpop nonce not a boolean", base + "dpop:\n  nonce: \"yes\"\n",
			[]string{`jwtgate.yaml:12: dpop.nonce must be true or false`}},
		{"dpop replay cache sizes", base + "dpop:\n  replay_cache_size: 0\n", []string{
			`jwtgate.yaml:12: dpop.replay_cache_size must be a whole number from 1 to 16777216`,
		}},
		{"dpop replay cache size not a number", base + "dpop:\n  replay_cache_size: 1e5\n", []string{
			`jwtgate.yaml:12: dpop.replay_cache_size must be a whole number from 1 to 16777216`,
		}},
		{"several errors at once", base + "scope: read\nleeway: forever\n", []string{
			`jwtgate.yaml:11: unknown key "scope"`,
			`jwtgate.yaml:12: leeway: invalid duration "forever" (write it as 30s, 5m or 1h30m)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, tt.text)
			require.Error(t, err, "Parse returned %+v, want errors %q", c, tt.want)
			var errs Errors
			require.True(t, errors.As(err, &errs), "Parse error %T, want Errors", err)
			got := make([]string, len(errs))
			for i, e := range errs {
				got[i] = e.Error()
			}
			assert.Equal(t, tt.want, got, "Parse errors")
		})
	}
}

func TestParseDPoP(t *testing.T) {
	tests := []struct {
		name string
		text string
		want *DPoP
	}{
		{"absent", "", nil},
		{"empty mapping: allowed, defaults", "dpop: {}\n", &DPoP{NonceLifetime: DefaultNonceLifetime}},
		{"every key", "dpop:\n  mode: required\n  algorithms: [ES256, EdDSA]\n  max_age: 30s\n  leeway: 2s\n  nonce: true\n  nonce_lifetime: 2m\n  replay_cache_size: 100000\n",
			&DPoP{Required: true, Algorithms: []string{"ES256", "EdDSA"}, MaxAge: 30 * time.Second, Leeway: 2 * time.Second,
				Nonce: true, NonceLifetime: 2 * time.Minute, ReplayCacheSize: 100000}},
		{"one algorithm as a string", "dpop:\n  mode: allowed\n  algorithms: ES384\n", &DPoP{Algorithms: []string{"ES384"}, NonceLifetime: DefaultNonceLifetime}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(t, base+tt.text)
			require.NoError(t, err, "Parse of base with:\n%s", tt.text)
			assert.Equal(t, tt.want, c.DPoP, "Config.DPoP")
		})
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	short := "tooshort-secret-value"
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "hmac"), []byte(short), 0o600))
	text := strings.Replace(base, "    discovery: true\n", "    secret_file: hmac\n  - issuer: env-one\n    secret_env: S\n", 1)
	_, err := Parse("jwtgate.yaml", []byte(text), Options{Dir: dir, LookupEnv: func(string) (string, bool) { return short + "-env", true }})
	require.Error(t, err, "Parse with short secrets")
	assert.Equal(t, `jwtgate.yaml:7: issuer "https://issuer.example.com/": the secret of secret_file has 21 bytes; at least 32 are needed`+"\n"+
		`jwtgate.yaml:9: issuer "env-one": the secret of secret_env has 25 bytes; at least 32 are needed`, err.Error())
	assert.NotContains(t, err.Error(), short, "an error must not show the secret")

	long := strings.Repeat("k", 48)
	s := Secret(long)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		assert.Equal(t, "[secret]", fmt.Sprintf(verb, s), "fmt.Sprintf(%q, secret)", verb)
	}
	assert.Equal(t, "[secret]", s.LogValue().String())
	assert.NotContains(t, fmt.Sprintf("%+v", Issuer{Issuer: "x", Secret: s}), long, "an Issuer printed with %%+v")
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.yaml")
	_, err := Load(path)
	require.Error(t, err)
	assert.Equal(t, path+": cannot read: no such file or directory", err.Error())
}

func TestRelativePathsFromTheFilesFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jwtgate.yaml")
	require.NoError(t, os.WriteFile(path, []byte(base+"tls:\n  cert_file: certs/a.crt\n  key_file: certs/a.key\n"), 0o600))
	c, err := Load(path)
	require.NoError(t, err, "Load(%s)", path)
	assert.Equal(t, filepath.Join(dir, "certs/a.crt"), c.TLS.CertFile)
}
