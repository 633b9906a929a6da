// Package e2e tests jwtgate end to end, as a process, directly in proxy
// mode and behind the real gateways it is meant to answer: Debian's nginx
// (auth_request) and Caddy (forward_auth), which the tests start on
// loopback ports with configurations rendered from this package's
// templates. The same templates render the snippets of the README, so that
// the documented configurations are the tested ones; Traefik, which Debian
// does not package, has a template but no test.
//
// The tests skip when nginx, caddy or (for the short load test) wrk is not
// installed, unless JWTGATE_REQUIRE_GATEWAYS=1 (CI sets it). See the loadtest program
// (e2e/loadtest) for the full load test and BenchmarkProxy for the in-process comparison.
package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"text/template"
)

// Front describes a gateway in front of a service whose requests jwtgate,
// in forward_auth mode, decides on.
type Front struct {
	// Listen is the address the gateway serves on, host:port.
	Listen string
	// Auth is the address of jwtgate's forward-auth listener, host:port.
	Auth string
	// Upstream is the address of the service, host:port.
	Upstream string
	// ClaimHeaders are the names of the claim headers jwtgate answers
	// with (its "headers:" configuration), which the gateway copies onto
	// the request it passes to the service. Any header of these names
	// that the client sent, in any case and with "_" for "-", is removed
	// first.
	ClaimHeaders []string
	// Dir is the directory of the gateway's own files (nginx's pid file,
	// error log and temporary files); used only by the full nginx
	// configuration ([NginxConf]).
	Dir string
}

// errFront is the class of the errors of a [Front] that cannot be rendered.
var errFront = errors.New("e2e: invalid front")

func (f Front) check() error {
	for _, a := range []struct{ name, addr string }{{"Listen", f.Listen}, {"Auth", f.Auth}, {"Upstream", f.Upstream}} {
		if !hostPort(a.addr) {
			return fmt.Errorf("%w: %s %q is not host:port (an IP address or a DNS name, and a port)", errFront, a.name, a.addr)
		}
	}
	for _, h := range f.ClaimHeaders {
		if !headerName(h) {
			return fmt.Errorf("%w: claim header %q is not a header name of letters, digits and \"-\"", errFront, h)
		}
	}
	if strings.ContainsAny(f.Dir, "\";{}\n\r\t ") {
		return fmt.Errorf("%w: Dir %q has a character the configuration files cannot hold", errFront, f.Dir)
	}
	return nil
}

// hostPort reports whether addr is an IP address or a DNS name, a colon and
// a port number: an address that the configuration files can hold as it
// is.
func hostPort(addr string) bool {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	for _, c := range []byte(host) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// headerName reports whether h is a header name of letters, digits and
// inner "-": the names a claim header may have here, which nginx variables
// and Caddy placeholders can spell.
func headerName(h string) bool {
	if h == "" || h[0] == '-' || h[len(h)-1] == '-' {
		return false
	}
	for _, c := range []byte(h) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

var funcs = template.FuncMap{
	// nginxVar is the suffix of nginx's $upstream_http_ and $http_
	// variables for a header name.
	"nginxVar": func(name string) string {
		return strings.ToLower(strings.ReplaceAll(name, "-", "_"))
	},
	"canonical":  http.CanonicalHeaderKey,
	"forwarding": func() []string { return clientForwarding },
}

// clientForwarding are the forwarding headers that only a proxy may set:
// the ones a gateway reads the original request from, and others a
// service may believe. The fronts remove a client's.
var clientForwarding = []string{
	"X-Original-Uri", "X-Original-Method", "X-Original-Url",
	"X-Forwarded-Uri", "X-Forwarded-Method", "X-Forwarded-Prefix",
	"X-Real-Ip", "Forwarded",
}

var templates = template.Must(template.New("").Funcs(funcs).Parse(nginxTemplate + caddyTemplate + traefikTemplate))

// The nginx snippet: an http{} context part. nginx drops client headers
// whose names hold "_" (underscores_in_headers off, the default), and
// proxy_set_header replaces a client header of the same name, or removes
// it when the value is empty, so that a claim header the answer lacks
// never reaches the service under a client's value.
const nginxTemplate = `{{define "nginx-http"}}# The auth answer's challenge: nginx passes WWW-Authenticate on by itself
# for 401 only; this adds it for 403 (insufficient_scope).
map $status $jwtgate_challenge_403 {
    403     $jwtgate_www_authenticate;
    default "";
}

server {
    listen {{.Listen}};

    location / {
        auth_request /_jwtgate;
        auth_request_set $jwtgate_www_authenticate $upstream_http_www_authenticate;
        add_header WWW-Authenticate $jwtgate_challenge_403 always;
        # A DPoP nonce jwtgate asks the client to use (dpop: nonce: true).
        auth_request_set $jwtgate_dpop_nonce $upstream_http_dpop_nonce;
        add_header DPoP-Nonce $jwtgate_dpop_nonce always;
{{- range .ClaimHeaders}}
        auth_request_set $jwtgate_{{nginxVar .}} $upstream_http_{{nginxVar .}};
{{- end}}

        # The claim headers from jwtgate's answer replace any the client
        # sent; an empty one is not sent at all. The token and its DPoP
        # proof stay here.
{{- range .ClaimHeaders}}
        proxy_set_header {{canonical .}} $jwtgate_{{nginxVar .}};
{{- end}}
        proxy_set_header Authorization "";
        proxy_set_header DPoP "";
        # Forwarding headers: nginx's, never the client's.
{{- range forwarding}}
        proxy_set_header {{.}} "";
{{- end}}
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://{{.Upstream}};
    }

    location = /_jwtgate {
        internal;
        # jwtgate in forward_auth mode; it believes the X-Original-* and
        # X-Forwarded-* headers because nginx's address is in its
        # trusted_proxies. nginx sets each of them, replacing whatever the
        # client sent under those names, and removes X-Original-URL.
        proxy_pass http://{{.Auth}}/;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-Method $request_method;
        proxy_set_header X-Original-URI $request_uri;
        proxy_set_header X-Forwarded-Method $request_method;
        proxy_set_header X-Forwarded-Uri $request_uri;
        proxy_set_header X-Forwarded-Host $host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Original-URL "";
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}
{{- end}}

{{- define "nginx.conf"}}# Generated for a test: everything nginx writes is under the test's directory.
daemon off;
worker_processes 1;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log warn;

events {
    worker_connections 1024;
}

http {
    access_log off;
    client_body_temp_path {{.Dir}}/client_body;
    proxy_temp_path {{.Dir}}/proxy;
    fastcgi_temp_path {{.Dir}}/fastcgi;
    uwsgi_temp_path {{.Dir}}/uwsgi;
    scgi_temp_path {{.Dir}}/scgi;

{{template "nginx-http" .}}
}
{{end}}`

// The Caddy snippet: a site block. It spells out what Caddy's forward_auth
// directive stands for, because Debian's Caddy (2.6) sets a copy_headers
// header that the answer lacks to the placeholder's text
// ("{http.reverse_proxy.header.X-Auth-Tenant}") and keeps a client's header
// of that name. Here each claim header is set only when the answer has
// it, after the client's are removed, and headers with "_" in their names
// are removed as nginx does by default.
const caddyTemplate = `{{define "caddy-site"}}http://{{.Listen}} {
    route {
        # Headers only jwtgate and Caddy may set: remove the client's.
        # First any name with "_", which some services read as "-" (nginx
        # drops them by default); case does not matter to Caddy.
        request_header -*_*
{{- range .ClaimHeaders}}
        request_header -{{canonical .}}
{{- end}}
{{- range forwarding}}
        request_header -{{.}}
{{- end}}

        # jwtgate in forward_auth mode: Caddy's forward_auth, spelled
        # out. jwtgate believes X-Forwarded-Method and X-Forwarded-Uri,
        # which Caddy sets, because Caddy's address is in its
        # trusted_proxies. A 2xx answer lets the request go on with the
        # answer's claim headers; any other answer is the response.
        reverse_proxy {{.Auth}} {
            method GET
            rewrite /
            header_up X-Forwarded-Method {method}
            header_up X-Forwarded-Uri {uri}

            @allowed status 2xx
            handle_response @allowed {
{{- range .ClaimHeaders}}
                request_header {{canonical .}} {http.reverse_proxy.header.{{canonical .}}}
{{- end}}
            }
        }

        # A claim header the answer lacks is set to the placeholder's text
        # by Caddy 2.6: remove it.
{{- range .ClaimHeaders}}
        @no_{{nginxVar .}} header {{canonical .}} "{http.reverse_proxy.header.*"
        request_header @no_{{nginxVar .}} -{{canonical .}}
{{- end}}

        # The token and its DPoP proof stay here.
        request_header -Authorization
        request_header -DPoP
        reverse_proxy {{.Upstream}}
    }
}
{{- end}}

{{- define "Caddyfile"}}# Generated for a test: no admin endpoint, no certificates.
{
    admin off
    auto_https off
}

{{template "caddy-site" .}}
{{end}}`

// The Traefik snippet: dynamic configuration (file provider).
const traefikTemplate = `{{define "traefik-dynamic"}}http:
  middlewares:
    jwtgate:
      forwardAuth:
        # jwtgate in forward_auth mode; Traefik sends X-Forwarded-Method
        # and X-Forwarded-Uri, and jwtgate believes them because
        # Traefik's address is in its trusted_proxies.
        address: http://{{.Auth}}/
        # Do not pass on X-Forwarded-* headers the client sent.
        trustForwardHeader: false
        # Copied from jwtgate's 2xx answer onto the request for the
        # service, replacing any the client sent under these names.
        authResponseHeaders:
{{- range .ClaimHeaders}}
          - {{canonical .}}
{{- end}}
    # The token and its DPoP proof stay here (an empty value removes the
    # header).
    jwtgate-token:
      headers:
        customRequestHeaders:
          Authorization: ""
          DPoP: ""
  routers:
    api:
      rule: PathPrefix(` + "`/`" + `)
      middlewares: [jwtgate, jwtgate-token]
      service: api
  services:
    api:
      loadBalancer:
        servers:
          - url: http://{{.Upstream}}/
{{end}}`

func render(name string, f Front) (string, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, f); err != nil {
		return "", fmt.Errorf("e2e: rendering %s: %w", name, err)
	}
	return b.String(), nil
}

// NginxSnippet returns the part of an nginx configuration (for its http{}
// context) that puts nginx in front of f.Upstream with jwtgate at f.Auth
// deciding each request by auth_request.
func NginxSnippet(f Front) (string, error) { return render("nginx-http", f) }

// NginxConf returns a whole nginx.conf around [NginxSnippet], running in
// the foreground with its pid file, error log and temporary files in
// f.Dir.
func NginxConf(f Front) (string, error) {
	if f.Dir == "" {
		return "", fmt.Errorf("%w: nginx.conf needs Dir", errFront)
	}
	return render("nginx.conf", f)
}

// CaddySnippet returns the Caddyfile site block that puts Caddy in front
// of f.Upstream with jwtgate at f.Auth deciding each request by
// forward_auth.
func CaddySnippet(f Front) (string, error) { return render("caddy-site", f) }

// Caddyfile returns a whole Caddyfile around [CaddySnippet], with no admin
// endpoint and no automatic HTTPS.
func Caddyfile(f Front) (string, error) { return render("Caddyfile", f) }

// TraefikSnippet returns Traefik dynamic configuration (YAML, for the file
// provider) of a router to f.Upstream through a forwardAuth middleware
// asking jwtgate at f.Auth.
func TraefikSnippet(f Front) (string, error) { return render("traefik-dynamic", f) }
