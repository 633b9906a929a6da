package gatewaytest

import (
	"net/http"
	"strings"
)

// Mode is how the gateway sits behind the front door.
type Mode int

const (
	// ModeProxy: the front door is the gateway itself (Gateway.Handler
	// before a reverse proxy to the upstream, or jwtgate in proxy mode).
	ModeProxy Mode = iota
	// ModeForwardAuth: the front door is a proxy (nginx, Caddy, a Go
	// proxy) that asks the gateway's forward-auth endpoint about each
	// request and copies the claim headers of its 200 answer onto the
	// request it passes to the upstream, replacing any of those names.
	ModeForwardAuth
)

// String returns "proxy" or "forward_auth".
func (m Mode) String() string {
	if m == ModeForwardAuth {
		return "forward_auth"
	}
	return "proxy"
}

// Token is the token a case sends, as "Authorization: Bearer <token>".
// Every token but [NoToken] and [Malformed] has the subject [Subject], the
// client_id [ClientID], the tenant_id [Tenant] and the case's scope.
type Token int

const (
	// NoToken sends no Authorization header.
	NoToken Token = iota
	// Valid is a valid token of the target's issuer.
	Valid
	// Expired expired an hour ago.
	Expired
	// BadSignature is a valid token with its signature altered.
	BadSignature
	// OtherAudience is signed by the issuer for another audience.
	OtherAudience
	// Malformed is not a JWT.
	Malformed
)

// String names the token kind.
func (k Token) String() string {
	return [...]string{"none", "valid", "expired", "bad_signature", "other_audience", "malformed"}[k]
}

// Field is a header line sent as it is: the name keeps its spelling.
type Field struct{ Name, Value string }

// IssuerValue, as a value of Case.Want, stands for the issuer's URL.
const IssuerValue = "{issuer}"

// AnyChallenge, as Case.Challenge, leaves WWW-Authenticate unchecked.
const AnyChallenge = "*"

// Case is one request of the table and what must come of it.
type Case struct {
	// Name names the case, for t.Run.
	Name string
	// Method is the request method, sent as it is.
	Method string
	// Target is the request target, sent as it is, such as
	// "/public/../admin/users".
	Target string
	// Header are extra header lines, in order, after Host and the token's
	// Authorization.
	Header []Field
	// Token is the token sent; Scope its scope claim and Claims claims
	// added to (or, with a nil value, removed from) it.
	Token  Token
	Scope  string
	Claims map[string]any

	// Status is the status the front door must answer.
	Status int
	// ForwardAuthStatus, if not 0, replaces Status in ModeForwardAuth
	// (where the forwarding headers a client forges reach the gateway
	// next to the proxy's and make it refuse the request with 400).
	ForwardAuthStatus int
	// Challenge is a substring the WWW-Authenticate of a refusal must
	// contain; "" means the answer must have none, AnyChallenge that it is
	// not checked. Not checked when Status is 200.
	Challenge string

	// Want are headers the upstream must receive, each with exactly this
	// one value under every spelling of its name (IssuerValue stands for
	// the issuer's URL). Checked only when the status is 200.
	Want map[string]string
	// Absent are headers the upstream must not receive, in any spelling.
	// The claim headers not in Want are always checked absent, and the
	// Authorization header is checked as Target.ForwardAuthorization says.
	Absent []string
	// WantPath, if set, is the escaped path the upstream must receive;
	// WantQuery, if set, its raw query.
	WantPath  string
	WantQuery string
}

// claims are the claim headers of a token with the given scope.
func claims(scope string) map[string]string {
	m := map[string]string{
		SubjectHeader:  Subject,
		ClientIDHeader: ClientID,
		IssuerHeader:   IssuerValue,
		TenantHeader:   Tenant,
	}
	if scope != "" {
		m[ScopesHeader] = scope
	}
	return m
}

// forgedForwarding are forwarding headers a client forges to make the
// upstream, or the gateway, believe the request is another.
var forgedForwarding = []Field{
	{"X-Original-Uri", "/admin/users"},
	{"X-Original-Method", "DELETE"},
	{"X-Original-Url", "http://internal.example/admin/users"},
	{"X-Forwarded-Uri", "/admin/users"},
	{"X-Forwarded-Method", "DELETE"},
	{"X_Original_Uri", "/admin/users"},
	{"x-forwarded-prefix", "/admin"},
	{"X-Real-IP", "203.0.113.9"},
	{"Forwarded", "for=203.0.113.9;host=internal.example"},
}

// forgedNames are the names of forgedForwarding.
var forgedNames = []string{
	"X-Original-Uri", "X-Original-Method", "X-Original-Url", "X-Forwarded-Uri",
	"X-Forwarded-Method", "X-Forwarded-Prefix", "X-Real-Ip", "Forwarded",
}

const (
	ok           = http.StatusOK
	badRequest   = http.StatusBadRequest
	unauthorized = http.StatusUnauthorized
	forbidden    = http.StatusForbidden
)

// Challenge substrings.
const (
	chBearer       = "Bearer"
	chInvalidToken = `error="invalid_token"`
	chScope        = `error="insufficient_scope"`
	chRequest      = `error="invalid_request"`
)

// Cases returns the acceptance table: a new copy each call.
func Cases() []Case {
	cs := []Case{
		// Public routes: no token needed, none verified, no claim headers.
		{Name: "public/exact", Method: "GET", Target: "/healthz", Status: ok, WantPath: "/healthz"},
		{Name: "public/post", Method: "POST", Target: "/healthz", Status: ok},
		{Name: "public/subtree", Method: "GET", Target: "/public/page", Status: ok, WantPath: "/public/page"},
		{Name: "public/valid_token_no_claim_headers", Method: "GET", Target: "/public/page", Token: Valid, Scope: "admin", Status: ok},
		{Name: "public/expired_token_not_verified", Method: "GET", Target: "/public/page", Token: Expired, Status: ok},
		{Name: "public/bad_signature_not_verified", Method: "GET", Target: "/public/page", Token: BadSignature, Status: ok},
		{Name: "public/forged_claim_headers_removed", Method: "GET", Target: "/public/page", Status: ok,
			Header: []Field{{"X-Auth-Subject", "mallory"}, {"x-auth-scopes", "admin"}, {"X-AUTH-TENANT", "evil"}, {"X_Auth_Subject", "mallory"}, {"X-Auth-Issuer", "https://evil.example"}}},
		{Name: "public/without_slash_is_default", Method: "GET", Target: "/public", Status: forbidden},
		{Name: "public/other_case_is_default", Method: "GET", Target: "/PUBLIC/page", Status: forbidden},

		// Authenticated.
		{Name: "authenticated/no_token", Method: "GET", Target: "/me", Status: unauthorized, Challenge: chBearer},
		{Name: "authenticated/valid", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Status: ok, Want: claims("read"), WantPath: "/me"},
		{Name: "authenticated/valid_no_scope", Method: "GET", Target: "/me", Token: Valid, Status: ok, Want: claims("")},
		{Name: "authenticated/no_tenant_claim", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Claims: map[string]any{"tenant_id": nil}, Status: ok,
			Header: []Field{{"X-Auth-Tenant", "evil"}},
			Want:   map[string]string{SubjectHeader: Subject, ClientIDHeader: ClientID, ScopesHeader: "read", IssuerHeader: IssuerValue}},
		{Name: "authenticated/expired", Method: "GET", Target: "/me", Token: Expired, Status: unauthorized, Challenge: chInvalidToken},
		{Name: "authenticated/bad_signature", Method: "GET", Target: "/me", Token: BadSignature, Status: unauthorized, Challenge: chInvalidToken},
		{Name: "authenticated/other_audience", Method: "GET", Target: "/me", Token: OtherAudience, Status: unauthorized, Challenge: chInvalidToken},
		{Name: "authenticated/malformed", Method: "GET", Target: "/me", Token: Malformed, Status: unauthorized, Challenge: chInvalidToken},
		{Name: "authenticated/basic_scheme_is_no_token", Method: "GET", Target: "/me", Header: []Field{{"Authorization", "Basic YWxpY2U6c2VjcmV0"}}, Status: unauthorized, Challenge: chBearer},
		{Name: "authenticated/two_authorization_headers", Method: "GET", Target: "/me", Token: Valid, Scope: "read",
			Header: []Field{{"Authorization", "Bearer another"}}, Status: badRequest, Challenge: chRequest},

		// Any of read, admin.
		{Name: "any_of/read", Method: "GET", Target: "/items/42", Token: Valid, Scope: "read", Status: ok, Want: claims("read"), WantPath: "/items/42"},
		{Name: "any_of/admin", Method: "GET", Target: "/items/42", Token: Valid, Scope: "admin", Status: ok, Want: claims("admin")},
		{Name: "any_of/neither", Method: "GET", Target: "/items/42", Token: Valid, Scope: "write", Status: forbidden, Challenge: chScope},
		{Name: "any_of/no_token", Method: "GET", Target: "/items/42", Status: unauthorized, Challenge: chBearer},
		{Name: "any_of/expired", Method: "GET", Target: "/items/42", Token: Expired, Scope: "read", Status: unauthorized, Challenge: chInvalidToken},

		// All of.
		{Name: "all_of/one", Method: "POST", Target: "/items/", Token: Valid, Scope: "write", Status: ok, Want: claims("write")},
		{Name: "all_of/one_missing", Method: "POST", Target: "/items/", Token: Valid, Scope: "read", Status: forbidden, Challenge: chScope},
		{Name: "all_of/two", Method: "DELETE", Target: "/items/42", Token: Valid, Scope: "admin write", Status: ok, Want: claims("admin write")},
		{Name: "all_of/two_one_missing", Method: "DELETE", Target: "/items/42", Token: Valid, Scope: "write", Status: forbidden, Challenge: chScope},
		{Name: "all_of/admin_subtree", Method: "GET", Target: "/admin/users", Token: Valid, Scope: "admin", Status: ok, Want: claims("admin")},
		{Name: "all_of/admin_subtree_missing", Method: "GET", Target: "/admin/users", Token: Valid, Scope: "read write", Status: forbidden, Challenge: chScope},

		// Deny rule and default: 403 without a challenge, token or not,
		// valid or not.
		{Name: "deny/no_token", Method: "GET", Target: "/internal/metrics", Status: forbidden},
		{Name: "deny/valid_admin_token", Method: "GET", Target: "/internal/metrics", Token: Valid, Scope: "admin read write", Status: forbidden},
		{Name: "deny/expired_token", Method: "GET", Target: "/internal/metrics", Token: Expired, Status: forbidden},
		{Name: "default/no_token", Method: "GET", Target: "/other", Status: forbidden},
		{Name: "default/valid_admin_token", Method: "GET", Target: "/other", Token: Valid, Scope: "admin read write", Status: forbidden},
		{Name: "default/method_without_rule", Method: "PUT", Target: "/items/42", Token: Valid, Scope: "admin read write", Status: forbidden},
		{Name: "default/lowercase_method", Method: "get", Target: "/items/42", Token: Valid, Scope: "read", Status: forbidden},

		// Claim headers the client sends are replaced, in every spelling.
		{Name: "claims/forged_subject", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Status: ok, Want: claims("read"),
			Header: []Field{{"X-Auth-Subject", "mallory"}}},
		{Name: "claims/forged_subject_lower", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Status: ok, Want: claims("read"),
			Header: []Field{{"x-auth-subject", "mallory"}}},
		{Name: "claims/forged_subject_upper", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Status: ok, Want: claims("read"),
			Header: []Field{{"X-AUTH-SUBJECT", "mallory"}}},
		{Name: "claims/forged_subject_underscores", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Status: ok, Want: claims("read"),
			Header: []Field{{"X_Auth_Subject", "mallory"}}},
		{Name: "claims/forged_subject_mixed", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Status: ok, Want: claims("read"),
			Header: []Field{{"x_auth-SUBJECT", "mallory"}}},
		{Name: "claims/forged_subject_twice", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Status: ok, Want: claims("read"),
			Header: []Field{{"X-Auth-Subject", "mallory"}, {"X-Auth-Subject", "eve"}}},
		{Name: "claims/forged_every_header", Method: "GET", Target: "/items/42", Token: Valid, Scope: "read", Status: ok, Want: claims("read"),
			Header: []Field{{"X-Auth-Scopes", "admin write"}, {"X-Auth-Tenant", "evil"}, {"X-Auth-Client-Id", "other-app"},
				{"X-Auth-Issuer", "https://evil.example"}, {"X_AUTH_SCOPES", "admin"}}},
		{Name: "claims/forged_scopes_do_not_grant", Method: "GET", Target: "/admin/users", Token: Valid, Scope: "read",
			Header: []Field{{"X-Auth-Scopes", "admin"}}, Status: forbidden, Challenge: chScope},

		// Forwarding headers forged by the client: removed before the
		// upstream by the reverse proxy; next to the proxy's own, refused
		// by forward auth.
		{Name: "forwarding/forged_on_public", Method: "GET", Target: "/public/page", Header: forgedForwarding,
			Status: ok, ForwardAuthStatus: badRequest, Challenge: AnyChallenge, Absent: forgedNames},
		{Name: "forwarding/forged_on_authenticated", Method: "GET", Target: "/me", Token: Valid, Scope: "read", Header: forgedForwarding,
			Status: ok, ForwardAuthStatus: badRequest, Challenge: AnyChallenge, Want: claims("read"), Absent: forgedNames},
		{Name: "forwarding/forged_uri_does_not_open_admin", Method: "GET", Target: "/admin/users", Token: Valid, Scope: "read",
			Header: []Field{{"X-Forwarded-Uri", "/public/page"}, {"X-Original-Uri", "/public/page"}, {"X-Forwarded-Method", "GET"}, {"X-Original-Url", "http://x.example/public/page"}},
			Status: forbidden, ForwardAuthStatus: badRequest, Challenge: AnyChallenge},
		{Name: "forwarding/forged_uri_without_token", Method: "GET", Target: "/admin/users",
			Header: []Field{{"X-Forwarded-Uri", "/healthz"}},
			Status: unauthorized, ForwardAuthStatus: badRequest, Challenge: AnyChallenge},
		{Name: "forwarding/forged_x_forwarded_for", Method: "GET", Target: "/public/page",
			Header: []Field{{"X-Forwarded-For", "203.0.113.9"}, {"X_Forwarded_For", "203.0.113.9"}},
			Status: ok, Want: map[string]string{"X-Forwarded-For": "127.0.0.1"}},

		// Paths read in one way only: ambiguous ones refused with 400.
		{Name: "path/encoded_slash_upper", Method: "GET", Target: "/public%2F..%2Fadmin/users", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/encoded_slash_lower", Method: "GET", Target: "/items%2f42", Token: Valid, Scope: "read", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/encoded_slash_in_segment", Method: "GET", Target: "/public/a%2Fb", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/dot_dot", Method: "GET", Target: "/public/../admin/users", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/dot_dot_encoded", Method: "GET", Target: "/public/%2e%2e/admin/users", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/dot_dot_encoded_upper", Method: "GET", Target: "/public/%2E%2E/admin/users", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/dot_dot_half_encoded", Method: "GET", Target: "/public/.%2e/admin/users", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/dot_dot_semicolon", Method: "GET", Target: "/public/..;/admin/users", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/dot", Method: "GET", Target: "/public/./page", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/double_slash_leading", Method: "GET", Target: "//admin/users", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/double_slash_inside", Method: "GET", Target: "/public//page", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/encoded_backslash", Method: "GET", Target: "/public/..%5cadmin/users", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/invalid_escape", Method: "GET", Target: "/public/%zz", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/truncated_escape", Method: "GET", Target: "/public/page%2", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/encoded_question_mark", Method: "GET", Target: "/admin%3F/public/page", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/fragment_in_target", Method: "GET", Target: "/admin/users#/public/", Status: badRequest, Challenge: AnyChallenge},
		{Name: "path/encoded_letter_is_the_same_path", Method: "GET", Target: "/p%75blic/page", Status: ok, WantPath: "/p%75blic/page"},
		{Name: "path/encoded_letter_same_rule", Method: "GET", Target: "/%61dmin/users", Token: Valid, Scope: "read", Status: forbidden, Challenge: chScope},

		// The query never takes part in matching.
		{Name: "query/public_path_admin_query", Method: "GET", Target: "/public/page?next=/admin/users", Status: ok,
			WantPath: "/public/page", WantQuery: "next=/admin/users"},
		{Name: "query/admin_path_public_query", Method: "GET", Target: "/admin/users?/public/", Status: unauthorized, Challenge: chBearer},
		{Name: "query/admin_path_public_query_read", Method: "GET", Target: "/admin/users?x=/public/page", Token: Valid, Scope: "read", Status: forbidden, Challenge: chScope},
		{Name: "query/dot_dot_in_query", Method: "GET", Target: "/public/page?../../admin", Status: ok, WantPath: "/public/page", WantQuery: "../../admin"},
		{Name: "query/encoded_slash_in_query", Method: "GET", Target: "/items/42?x=%2F..%2Fadmin", Token: Valid, Scope: "read", Status: ok,
			Want: claims("read"), WantQuery: "x=%2F..%2Fadmin"},
	}
	return cs
}

// NginxAuthRequest is a Target.Adjust for nginx's auth_request in front
// of the gateway's forward-auth endpoint (checked with Debian's nginx
// 1.22): nginx answers 500 when the sub-request gets anything but 2xx,
// 401 or 403; it passes WWW-Authenticate on with 401 only; and it refuses
// a lowercase method and a repeated Authorization header with 400 itself.
// It assumes the location passes the claim headers with proxy_set_header
// (which replaces the client's), sets X-Forwarded-For to $remote_addr,
// clears Authorization unless the target forwards it, and keeps nginx's
// default of dropping header names with "_".
func NginxAuthRequest(c *Case) {
	switch {
	case c.Method != strings.ToUpper(c.Method):
		c.Status, c.Challenge = http.StatusBadRequest, AnyChallenge
	case c.Name == "authenticated/two_authorization_headers":
		c.Challenge = AnyChallenge
	case c.Status == http.StatusBadRequest && strings.HasPrefix(c.Name, "path/invalid_escape"),
		c.Status == http.StatusBadRequest && strings.HasPrefix(c.Name, "path/truncated_escape"):
		// nginx refuses these itself, with 400.
		c.Challenge = AnyChallenge
	case c.Status == http.StatusBadRequest, c.Status == http.StatusServiceUnavailable:
		c.Status, c.Challenge = http.StatusInternalServerError, AnyChallenge
	case c.Status == http.StatusForbidden:
		c.Challenge = ""
	}
}

// CaddyForwardAuth is a Target.Adjust for Caddy's forward_auth in front
// of the gateway's forward-auth endpoint (checked with Debian's Caddy
// 2.6.2): Caddy replaces a client's X-Forwarded-Uri and X-Forwarded-Method
// with its own, so a request that forges only those is decided on its
// real URI. It assumes a Caddyfile that removes header names with "_"
// (request_header -*_*), copies the claim headers with copy_headers and
// then deletes those still holding an unexpanded placeholder (Caddy 2.6
// sets "{http.reverse_proxy.header.NAME}" when the answer lacks one), and
// removes Authorization before the upstream unless the target forwards it.
func CaddyForwardAuth(c *Case) {
	if c.Name == "forwarding/forged_uri_without_token" {
		c.Status, c.Challenge = http.StatusUnauthorized, "Bearer"
	}
}
