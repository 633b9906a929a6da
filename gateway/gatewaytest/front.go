package gatewaytest

import (
	"io"
	"net/http"
	"strings"
)

// AuthRequestFront is a front proxy for forward-auth tests that does what
// nginx does with this configuration:
//
//	location / {
//	    auth_request /auth;
//	    auth_request_set $sub $upstream_http_x_auth_subject;   # one per claim header
//	    proxy_set_header X-Auth-Subject $sub;
//	    proxy_set_header Authorization "";                    # unless ForwardToken
//	    proxy_set_header DPoP "";                             # unless ForwardToken
//	    proxy_pass http://upstream;
//	}
//	location = /auth {
//	    internal;
//	    proxy_pass http://gateway;
//	    proxy_pass_request_body off;
//	    proxy_set_header Content-Length "";
//	    proxy_set_header X-Original-Method $request_method;
//	    proxy_set_header X-Original-URI $request_uri;
//	    proxy_set_header X-Forwarded-Host $host;
//	    proxy_set_header X-Forwarded-Proto $scheme;
//	}
//
// with nginx's default of dropping request headers whose names have an
// underscore. Unlike nginx, it passes every refusal on as it is (nginx
// turns statuses other than 401 and 403 into 500), as Caddy does.
type AuthRequestFront struct {
	// Auth is the URL of the forward-auth endpoint asked about each
	// request.
	Auth string
	// Upstream receives the requests the endpoint allows.
	Upstream http.Handler
	// Copy names the headers of the endpoint's 200 answer set on the
	// request passed on, in place of the client's (the claim headers).
	Copy []string
	// ForwardToken keeps the Authorization and DPoP headers on the
	// request passed on.
	ForwardToken bool
}

// ServeHTTP asks p.Auth about r and answers its refusal, or passes r on.
func (p *AuthRequestFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for name := range r.Header {
		if strings.Contains(name, "_") {
			delete(r.Header, name)
		}
	}
	sub, err := http.NewRequestWithContext(r.Context(), http.MethodGet, p.Auth, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sub.Header = r.Header.Clone()
	sub.Header.Set("X-Original-Method", r.Method)
	sub.Header.Set("X-Original-Uri", r.RequestURI)
	sub.Header.Set("X-Forwarded-Host", r.Host)
	sub.Header.Set("X-Forwarded-Proto", "http")
	resp, err := http.DefaultClient.Do(sub)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode/100 != 2 {
		for _, name := range []string{"Www-Authenticate", "Content-Type", "Retry-After", "Dpop-Nonce"} {
			if v := resp.Header.Values(name); v != nil {
				w.Header()[name] = v
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
		return
	}
	for _, name := range p.Copy {
		r.Header.Del(name)
		if v := resp.Header.Get(name); v != "" {
			r.Header.Set(name, v)
		}
	}
	if !p.ForwardToken {
		r.Header.Del("Authorization")
		r.Header.Del("Dpop")
	}
	p.Upstream.ServeHTTP(w, r)
}
