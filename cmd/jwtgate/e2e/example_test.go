package e2e_test

import (
	"fmt"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/e2e"
)

// The nginx configuration the tests run, here for one claim header: nginx
// on port 8080 asks jwtgate (forward_auth mode, port 9000) about each
// request and passes those it allows to the service on port 9001.
func ExampleNginxSnippet() {
	conf, err := e2e.NginxSnippet(e2e.Front{
		Listen:       "127.0.0.1:8080",
		Auth:         "127.0.0.1:9000",
		Upstream:     "127.0.0.1:9001",
		ClaimHeaders: []string{"X-Auth-Subject"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(conf)
	// Output:
	// # The auth answer's challenge: nginx passes WWW-Authenticate on by itself
	// # for 401 only; this adds it for 403 (insufficient_scope).
	// map $status $jwtgate_challenge_403 {
	//     403     $jwtgate_www_authenticate;
	//     default "";
	// }
	//
	// server {
	//     listen 127.0.0.1:8080;
	//
	//     location / {
	//         auth_request /_jwtgate;
	//         auth_request_set $jwtgate_www_authenticate $upstream_http_www_authenticate;
	//         add_header WWW-Authenticate $jwtgate_challenge_403 always;
	//         # A DPoP nonce jwtgate asks the client to use (dpop: nonce: true).
	//         auth_request_set $jwtgate_dpop_nonce $upstream_http_dpop_nonce;
	//         add_header DPoP-Nonce $jwtgate_dpop_nonce always;
	//         auth_request_set $jwtgate_x_auth_subject $upstream_http_x_auth_subject;
	//
	//         # The claim headers from jwtgate's answer replace any the client
	//         # sent; an empty one is not sent at all. The token and its DPoP
	//         # proof stay here.
	//         proxy_set_header X-Auth-Subject $jwtgate_x_auth_subject;
	//         proxy_set_header Authorization "";
	//         proxy_set_header DPoP "";
	//         # Forwarding headers: nginx's, never the client's.
	//         proxy_set_header X-Original-Uri "";
	//         proxy_set_header X-Original-Method "";
	//         proxy_set_header X-Original-Url "";
	//         proxy_set_header X-Forwarded-Uri "";
	//         proxy_set_header X-Forwarded-Method "";
	//         proxy_set_header X-Forwarded-Prefix "";
	//         proxy_set_header X-Real-Ip "";
	//         proxy_set_header Forwarded "";
	//         proxy_set_header Host $host;
	//         proxy_set_header X-Forwarded-For $remote_addr;
	//         proxy_set_header X-Forwarded-Proto $scheme;
	//         proxy_http_version 1.1;
	//         proxy_set_header Connection "";
	//         proxy_pass http://127.0.0.1:9001;
	//     }
	//
	//     location = /_jwtgate {
	//         internal;
	//         # jwtgate in forward_auth mode; it believes the X-Original-* and
	//         # X-Forwarded-* headers because nginx's address is in its
	//         # trusted_proxies. nginx sets each of them, replacing whatever the
	//         # client sent under those names, and removes X-Original-URL.
	//         proxy_pass http://127.0.0.1:9000/;
	//         proxy_pass_request_body off;
	//         proxy_set_header Content-Length "";
	//         proxy_set_header X-Original-Method $request_method;
	//         proxy_set_header X-Original-URI $request_uri;
	//         proxy_set_header X-Forwarded-Method $request_method;
	//         proxy_set_header X-Forwarded-Uri $request_uri;
	//         proxy_set_header X-Forwarded-Host $host;
	//         proxy_set_header X-Forwarded-Proto $scheme;
	//         proxy_set_header X-Forwarded-For $remote_addr;
	//         proxy_set_header X-Original-URL "";
	//         proxy_http_version 1.1;
	//         proxy_set_header Connection "";
	//     }
	// }
}
