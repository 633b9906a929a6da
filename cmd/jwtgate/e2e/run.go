package e2e

import (
	"bytes"
	"context"
	"encoding/json/v2"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// LoadRest is the claim headers and policy of the jwtgate that the load
// tests measure (Gate.Rest): four claim headers, and GET /items/ open to
// a token with scope read or admin.
const LoadRest = `headers:
  subject: X-Auth-Subject
  client_id: X-Auth-Client-Id
  scopes: X-Auth-Scopes
  issuer: X-Auth-Issuer
policy:
  default: deny
  rules:
    - pattern: /healthz
      allow: public
    - pattern: GET /items/
      any_scopes: [read, admin]
`

// Gate is a jwtgate configuration for a test: one issuer whose keys are at
// a JWKS URL, and the policy and claim headers as YAML text.
type Gate struct {
	// Mode is "proxy" or "forward_auth".
	Mode string
	// Upstream is the service's URL (proxy mode only).
	Upstream string
	// Issuer, JWKSURL and Audience name the one issuer jwtgate trusts.
	Issuer, JWKSURL, Audience string
	// Rest is more YAML for the top level, such as the "headers:" and
	// "policy:" sections; it must start at column 0.
	Rest string
	// LogLevel is jwtgate's log_level; empty means info. jwtgate logs
	// its bound addresses and each request at info: with a higher level,
	// set Listen to a port chosen beforehand.
	LogLevel string
	// Listen is the address to serve on; empty means 127.0.0.1:0.
	Listen string
	// AdminListen is the admin listener's address; empty means
	// 127.0.0.1:0, "off" none.
	AdminListen string
	// TrustedProxies are the addresses whose forwarding headers jwtgate
	// believes; nil means loopback in forward_auth mode (the front runs
	// there) and none in proxy mode (the clients run there).
	TrustedProxies []string
}

var gateTemplate = template.Must(template.New("jwtgate.yaml").Funcs(template.FuncMap{"quote": strconv.Quote}).Parse(
	`# Generated for a test: loopback, ports chosen by the system.
mode: {{.Mode}}
listen: {{or .Listen "127.0.0.1:0"}}
admin_listen: {{or .AdminListen "127.0.0.1:0"}}
log_level: {{or .LogLevel "info"}}
shutdown_timeout: 5s
{{- if eq .Mode "proxy"}}
upstream:
  url: {{quote .Upstream}}
{{- end}}
{{- with .Trusted}}
trusted_proxies: [{{range $i, $p := .}}{{if $i}}, {{end}}{{quote $p}}{{end}}]
{{- end}}
realm: api
issuers:
  - issuer: {{quote .Issuer}}
    jwks_url: {{quote .JWKSURL}}
audiences: [{{quote .Audience}}]
{{.Rest}}`))

// YAML returns the configuration file's text.
func (g Gate) YAML() (string, error) {
	switch g.Mode {
	case "proxy":
		if g.Upstream == "" {
			return "", fmt.Errorf("%w: proxy mode needs an upstream", errGate)
		}
	case "forward_auth":
		if g.Upstream != "" {
			return "", fmt.Errorf("%w: forward_auth mode has no upstream", errGate)
		}
	default:
		return "", fmt.Errorf("%w: mode %q is neither proxy nor forward_auth", errGate, g.Mode)
	}
	if g.Issuer == "" || g.JWKSURL == "" || g.Audience == "" {
		return "", fmt.Errorf("%w: issuer, JWKS URL and audience are required", errGate)
	}
	trusted := g.TrustedProxies
	if trusted == nil && g.Mode == "forward_auth" {
		trusted = []string{"127.0.0.1/32", "::1/128"}
	}
	var b bytes.Buffer
	if err := gateTemplate.Execute(&b, struct {
		Gate
		Trusted []string
	}{g, trusted}); err != nil {
		return "", fmt.Errorf("e2e: rendering jwtgate.yaml: %w", err)
	}
	return b.String(), nil
}

var errGate = errors.New("e2e: invalid jwtgate configuration")

// WrkOptions configures one [Wrk] run.
type WrkOptions struct {
	// URL is the target.
	URL string
	// Header holds request headers, such as "Authorization: Bearer ...".
	Header []string
	// Duration, Threads and Connections are wrk's -d, -t and -c.
	Duration    time.Duration
	Threads     int
	Connections int
}

// WrkResult is what wrk measured.
type WrkResult struct {
	Requests       int64   `json:"requests"`
	DurationMicros int64   `json:"duration_us"`
	Connect        int64   `json:"connect_errors"`
	Read           int64   `json:"read_errors"`
	Write          int64   `json:"write_errors"`
	Timeout        int64   `json:"timeout_errors"`
	Non2xx         int64   `json:"non_2xx_3xx"`
	P50Micros      float64 `json:"p50_us"`
	P90Micros      float64 `json:"p90_us"`
	P99Micros      float64 `json:"p99_us"`
	MeanMicros     float64 `json:"mean_us"`
}

// RequestsPerSecond is the throughput of the run.
func (r WrkResult) RequestsPerSecond() float64 {
	if r.DurationMicros <= 0 {
		return 0
	}
	return float64(r.Requests) / (float64(r.DurationMicros) / 1e6)
}

// Errors is the number of failed requests: socket errors and answers
// other than 2xx or 3xx.
func (r WrkResult) Errors() int64 {
	return r.Connect + r.Read + r.Write + r.Timeout + r.Non2xx
}

// wrkReport is the Lua script whose done() prints wrk's summary as one
// JSON object on the last line of the output.
const wrkReport = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\n{"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeout_errors":%d,"non_2xx_3xx":%d,"p50_us":%f,"p90_us":%f,"p99_us":%f,"mean_us":%f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean))
end
`

// Wrk runs wrk (found on PATH) with o and returns its summary.
func Wrk(ctx context.Context, o WrkOptions) (WrkResult, error) {
	if o.Duration < time.Second || o.Threads < 1 || o.Connections < o.Threads {
		return WrkResult{}, fmt.Errorf("e2e: wrk needs a duration of at least 1s and connections >= threads >= 1, not %v, %d, %d", o.Duration, o.Threads, o.Connections)
	}
	dir, err := os.MkdirTemp("", "jwtgate-wrk-")
	if err != nil {
		return WrkResult{}, fmt.Errorf("e2e: wrk: %w", err)
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "report.lua")
	if err := os.WriteFile(script, []byte(wrkReport), 0o600); err != nil {
		return WrkResult{}, fmt.Errorf("e2e: wrk: %w", err)
	}
	args := []string{
		"-t", strconv.Itoa(o.Threads), "-c", strconv.Itoa(o.Connections),
		"-d", strconv.Itoa(int(o.Duration.Seconds())) + "s", "--timeout", "5s",
		"-s", script,
	}
	for _, h := range o.Header {
		args = append(args, "-H", h)
	}
	args = append(args, o.URL)
	cmd := exec.CommandContext(ctx, "wrk", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return WrkResult{}, fmt.Errorf("e2e: wrk %s: %w: %s", o.URL, err, strings.TrimSpace(stderr.String()))
	}
	text := strings.TrimSpace(string(out))
	last := text[strings.LastIndexByte(text, '\n')+1:]
	var r WrkResult
	if err := json.Unmarshal([]byte(last), &r); err != nil {
		return WrkResult{}, fmt.Errorf("e2e: wrk %s: reading its summary: %w; output:\n%s", o.URL, err, text)
	}
	return r, nil
}
