package claimheader_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// testIssuer mints tokens and verifies them, for verified claims.
type testIssuer struct {
	iss *verifiertest.Issuer
	v   *verifier.Verifier
}

func newTestIssuer(t testing.TB) *testIssuer {
	t.Helper()
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err, "verifier.New(iss.VerifierConfig())")
	return &testIssuer{iss: iss, v: v}
}

// claims mints tok and returns its verified claims.
func (ti *testIssuer) claims(t testing.TB, tok verifiertest.Token) *verifier.Claims {
	t.Helper()
	c, err := ti.v.Verify(context.Background(), ti.iss.MustMint(t, tok))
	require.NoError(t, err, "Verify(minted %+v)", tok)
	return c
}

func mustNew(t testing.TB, m claimheader.Mapping) *claimheader.Headers {
	t.Helper()
	h, err := claimheader.New(m)
	require.NoError(t, err, "New(%+v)", m)
	return h
}

func TestNewAccepts(t *testing.T) {
	tests := []struct {
		name  string
		m     claimheader.Mapping
		names []string
	}{
		{"empty", claimheader.Mapping{}, nil},
		{"subject only", claimheader.Mapping{Subject: "X-Auth-Subject"}, []string{"X-Auth-Subject"}},
		{"every field", claimheader.Mapping{
			Subject: "x-auth-subject", ClientID: "X-Auth-Client", Scopes: "X-Auth-Scopes", Issuer: "X-Auth-Issuer",
			Claims: map[string]string{"tenant": "X-Tenant", "email": "X-Email", "roles": ""},
			JSON:   "X-Auth-Claims",
		}, []string{"X-Auth-Subject", "X-Auth-Client", "X-Auth-Scopes", "X-Auth-Issuer", "X-Email", "X-Tenant", "X-Auth-Claims"}},
		{"underscore names", claimheader.Mapping{Subject: "X_Auth_Subject"}, []string{"X_auth_subject"}},
		{"token characters", claimheader.Mapping{Subject: "X!#$%&'*+.^`|~9"}, []string{"X!#$%&'*+.^`|~9"}},
		{"names like refused ones", claimheader.Mapping{Subject: "Content", Issuer: "X-Forwarded", ClientID: "Hosts"}, []string{"Content", "Hosts", "X-Forwarded"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustNew(t, tt.m)
			assert.Equal(t, tt.names, h.Names(), "New(%+v).Names()", tt.m)
		})
	}
}

func TestNamesIsACopy(t *testing.T) {
	h := mustNew(t, claimheader.Mapping{Subject: "X-Auth-Subject"})
	h.Names()[0] = "Authorization"
	assert.Equal(t, []string{"X-Auth-Subject"}, h.Names(), "Names() after changing an earlier result")
}

func TestNewRefusesNames(t *testing.T) {
	refused := []string{
		"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
		"Proxy-Authenticate", "Proxy-Authorization", "Host", "Authorization", "DPoP", "Cookie", "Set-Cookie",
		"Content-Type", "Content-Length", "content_encoding", "Forwarded", "X-Forwarded-For",
		"X-Forwarded-Host", "x_forwarded_proto", "X-Forwarded-Uri", "X-Real-Ip", "X-Request-Id",
		// other spellings of the same names
		"connection", "KEEP_ALIVE", "te", "host", "AUTHORIZATION", "dpop", "set_cookie", "X_REAL_IP", "x_request-id",
	}
	fields := map[string]func(string) claimheader.Mapping{
		"Subject":  func(n string) claimheader.Mapping { return claimheader.Mapping{Subject: n} },
		"ClientID": func(n string) claimheader.Mapping { return claimheader.Mapping{ClientID: n} },
		"Scopes":   func(n string) claimheader.Mapping { return claimheader.Mapping{Scopes: n} },
		"Issuer":   func(n string) claimheader.Mapping { return claimheader.Mapping{Issuer: n} },
		"Claims":   func(n string) claimheader.Mapping { return claimheader.Mapping{Claims: map[string]string{"c": n}} },
		"JSON":     func(n string) claimheader.Mapping { return claimheader.Mapping{JSON: n} },
	}
	for field, mapping := range fields {
		for _, name := range refused {
			t.Run(field+"/"+name, func(t *testing.T) {
				h, err := claimheader.New(mapping(name))
				require.ErrorIs(t, err, claimheader.ErrInvalidMapping, "New(%s: %q)", field, name)
				assert.Contains(t, err.Error(), "must not be set from claims", "New(%s: %q) error", field, name)
				assert.Nil(t, h, "New(%s: %q) Headers", field, name)
			})
		}
	}
}

func TestNewRefusesInvalid(t *testing.T) {
	tests := []struct {
		name string
		m    claimheader.Mapping
		want string
	}{
		{"space", claimheader.Mapping{Subject: "X Auth"}, "not a valid header name"},
		{"colon", claimheader.Mapping{Subject: "X-Auth:"}, "not a valid header name"},
		{"pseudo-header", claimheader.Mapping{Subject: ":authority"}, "not a valid header name"},
		{"newline", claimheader.Mapping{Subject: "X-Auth\r\nX-Admin"}, "not a valid header name"},
		{"non-ASCII", claimheader.Mapping{Subject: "X-Authé"}, "not a valid header name"},
		{"quote", claimheader.Mapping{Subject: `X"Auth`}, "not a valid header name"},
		{"slash", claimheader.Mapping{JSON: "X/Auth"}, "not a valid header name"},
		{"claim header", claimheader.Mapping{Claims: map[string]string{"tenant": "X Tenant"}}, "not a valid header name"},
		{"empty claim name", claimheader.Mapping{Claims: map[string]string{"": "X-Tenant"}}, "empty name"},
		{"same name twice", claimheader.Mapping{Subject: "X-Auth", Issuer: "X-Auth"}, "same header"},
		{"case", claimheader.Mapping{Subject: "X-Auth", Issuer: "x-AUTH"}, "same header"},
		{"underscore", claimheader.Mapping{Subject: "X-Auth-Subject", ClientID: "X_Auth_Subject"}, "same header"},
		{"mixed", claimheader.Mapping{Scopes: "x_auth-SUBJECT", JSON: "X-Auth_Subject"}, "same header"},
		{"claim and field", claimheader.Mapping{Subject: "X-Tenant", Claims: map[string]string{"tenant": "x_tenant"}}, "same header"},
		{"two claims", claimheader.Mapping{Claims: map[string]string{"a": "X-Claim", "b": "X_CLAIM"}}, "same header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := claimheader.New(tt.m)
			require.ErrorIs(t, err, claimheader.ErrInvalidMapping, "New(%+v)", tt.m)
			assert.Contains(t, err.Error(), tt.want, "New(%+v) error", tt.m)
			assert.True(t, strings.HasPrefix(err.Error(), "claimheader: "), "New(%+v) error %q: want the package prefix", tt.m, err)
			assert.Nil(t, h, "New(%+v) Headers", tt.m)
		})
	}
}

func TestStrip(t *testing.T) {
	tests := []struct {
		name    string
		m       claimheader.Mapping
		in      http.Header
		removed []string // keys of in that must go; the others stay
	}{
		{
			name:    "canonical",
			m:       claimheader.Mapping{Subject: "X-Auth-Subject"},
			in:      http.Header{"X-Auth-Subject": {"admin"}, "Accept": {"*/*"}},
			removed: []string{"X-Auth-Subject"},
		},
		{
			name: "every spelling",
			m:    claimheader.Mapping{Subject: "X-Auth-Subject"},
			in: http.Header{
				"X-Auth-Subject": {"a"}, "x-auth-subject": {"b"}, "X_AUTH_SUBJECT": {"c"}, "x_Auth-subject": {"d"},
				"X_auth_subject": {"e"}, "X-AUTH_SUBJECT": {"f"},
				"X-Auth-Subjects": {"kept"}, "X-Auth": {"kept"}, "XAuthSubject": {"kept"}, "X.Auth.Subject": {"kept"},
			},
			removed: []string{"X-Auth-Subject", "x-auth-subject", "X_AUTH_SUBJECT", "x_Auth-subject", "X_auth_subject", "X-AUTH_SUBJECT"},
		},
		{
			name:    "multiple values",
			m:       claimheader.Mapping{Subject: "X-Auth-Subject"},
			in:      http.Header{"X-Auth-Subject": {"a", "b", "c"}, "X_auth_subject": {"d", "e"}},
			removed: []string{"X-Auth-Subject", "X_auth_subject"},
		},
		{
			name:    "mapping name with underscores",
			m:       claimheader.Mapping{Subject: "X_Auth_Subject"},
			in:      http.Header{"X-Auth-Subject": {"a"}, "x_auth_subject": {"b"}, "X_auth_subject": {"c"}, "X-Auth-Sub": {"kept"}},
			removed: []string{"X-Auth-Subject", "x_auth_subject", "X_auth_subject"},
		},
		{
			name: "every configured header",
			m: claimheader.Mapping{
				Subject: "X-Sub", ClientID: "X-Client", Scopes: "X-Scopes", Issuer: "X-Iss",
				Claims: map[string]string{"tenant": "X-Tenant"}, JSON: "X-Claims",
			},
			in: http.Header{
				"X-Sub": {"a"}, "x_client": {"b"}, "X-SCOPES": {"c"}, "x-iss": {"d"}, "X_Tenant": {"e"}, "x-claims": {"f"},
				"Authorization": {"Bearer x"}, "Cookie": {"a=b"}, "X-Forwarded-For": {"192.0.2.1"},
			},
			removed: []string{"X-Sub", "x_client", "X-SCOPES", "x-iss", "X_Tenant", "x-claims"},
		},
		{
			name:    "claim mapped to no header",
			m:       claimheader.Mapping{Claims: map[string]string{"tenant": ""}},
			in:      http.Header{"Tenant": {"kept"}, "": {"kept"}},
			removed: nil,
		},
		{
			name:    "empty mapping",
			m:       claimheader.Mapping{},
			in:      http.Header{"X-Auth-Subject": {"kept"}},
			removed: nil,
		},
		{
			name:    "empty header",
			m:       claimheader.Mapping{Subject: "X-Auth-Subject"},
			in:      http.Header{},
			removed: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustNew(t, tt.m)
			want := tt.in.Clone()
			for _, k := range tt.removed {
				require.Contains(t, want, k, "test case: removed key not in the input")
				delete(want, k)
			}
			got := tt.in.Clone()
			h.Strip(got)
			assert.Equal(t, want, got, "Strip(%v) with mapping %+v", tt.in, tt.m)
		})
	}
}

func TestStripNil(t *testing.T) {
	h := mustNew(t, claimheader.Mapping{Subject: "X-Auth-Subject"})
	assert.NotPanics(t, func() { h.Strip(nil) }, "Strip(nil)")
}

func TestMatches(t *testing.T) {
	h := mustNew(t, claimheader.Mapping{Subject: "X-Auth-Subject", Claims: map[string]string{"t": "X_Tenant"}})
	for name, want := range map[string]bool{
		"X-Auth-Subject": true, "x_auth_SUBJECT": true, "X-Tenant": true, "x_tenant": true,
		"X-Auth-Subjects": false, "X-Client-Cert": false, "": false,
	} {
		assert.Equal(t, want, h.Matches(name), "Matches(%q)", name)
	}
	assert.False(t, mustNew(t, claimheader.Mapping{}).Matches("X-Auth-Subject"), "Matches on the empty mapping")
}

func TestSet(t *testing.T) {
	ti := newTestIssuer(t)
	h := mustNew(t, claimheader.Mapping{
		Subject: "X-Auth-Subject", ClientID: "X-Auth-Client", Scopes: "X-Auth-Scopes", Issuer: "X-Auth-Issuer",
	})
	claims := ti.claims(t, verifiertest.Token{
		Subject: "robot", Scope: "read write", Claims: map[string]any{"client_id": "dashboard"},
	})
	hdr := http.Header{
		// the client's attempts: each must be replaced, never appended to
		"X-Auth-Subject": {"admin", "root"},
		"X_auth_subject": {"admin"},
		"x-auth-client":  {"admin-client"},
		"X-Auth-Scopes":  {"admin"},
		"X_AUTH_ISSUER":  {"https://evil.example"},
		"Accept":         {"application/json"},
		"Authorization":  {"Bearer abc"},
	}
	require.NoError(t, h.Set(hdr, claims), "Set(hdr, claims)")
	want := http.Header{
		"X-Auth-Subject": {"robot"},
		"X-Auth-Client":  {"dashboard"},
		"X-Auth-Scopes":  {"read write"},
		"X-Auth-Issuer":  {ti.iss.URL},
		"Accept":         {"application/json"},
		"Authorization":  {"Bearer abc"},
	}
	assert.Equal(t, want, hdr, "header after Set")

	// The values are the header's own: appending to one changes no other.
	hdr["X-Auth-Subject"] = append(hdr["X-Auth-Subject"], "x")
	assert.Equal(t, []string{"dashboard"}, hdr["X-Auth-Client"], "X-Auth-Client after appending to X-Auth-Subject")

	// Again on the same header: still one value each.
	require.NoError(t, h.Set(hdr, claims), "second Set(hdr, claims)")
	assert.Equal(t, want, hdr, "header after a second Set")
}

func TestSetAZPAndEmptyValues(t *testing.T) {
	ti := newTestIssuer(t)
	h := mustNew(t, claimheader.Mapping{Subject: "X-Auth-Subject", ClientID: "X-Auth-Client", Scopes: "X-Auth-Scopes"})
	tests := []struct {
		name string
		tok  verifiertest.Token
		want http.Header
	}{
		{"azp as the client", verifiertest.Token{Subject: "s", Claims: map[string]any{"client_id": nil, "azp": "spa"}},
			http.Header{"X-Auth-Subject": {"s"}, "X-Auth-Client": {"spa"}}},
		{"no client, no scope", verifiertest.Token{Subject: "s", Claims: map[string]any{"client_id": nil}},
			http.Header{"X-Auth-Subject": {"s"}}},
		{"no subject", verifiertest.Token{Claims: map[string]any{"sub": nil}, Scope: "read"},
			http.Header{"X-Auth-Client": {verifiertest.DefaultSubject}, "X-Auth-Scopes": {"read"}}},
		{"empty scope", verifiertest.Token{Subject: "s", Claims: map[string]any{"scope": ""}},
			http.Header{"X-Auth-Subject": {"s"}, "X-Auth-Client": {"s"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ti.claims(t, tt.tok)
			// A smuggled value of an unsent claim is removed all the same.
			hdr := http.Header{"X-Auth-Scopes": {"admin"}, "X_Auth_Client": {"admin"}, "x-auth-subject": {"admin"}}
			require.NoError(t, h.Set(hdr, c), "Set(hdr, claims of %+v)", tt.tok)
			assert.Equal(t, tt.want, hdr, "header after Set with claims of %+v", tt.tok)
		})
	}
}

func TestSetCustomClaims(t *testing.T) {
	ti := newTestIssuer(t)
	h := mustNew(t, claimheader.Mapping{Claims: map[string]string{"c": "X-Claim"}})
	tests := []struct {
		name  string
		value any // the claim "c"; nil leaves it out
		want  []string
	}{
		{"string", "tenant-1", []string{"tenant-1"}},
		{"string with escapes", "a\"b\\c/d", []string{`a"b\c/d`}},
		{"empty string", "", nil},
		{"integer", 42, []string{"42"}},
		{"float", 1.5, []string{"1.5"}},
		{"large number", json.Number("12345678901234567890"), []string{"12345678901234567890"}},
		{"true", true, []string{"true"}},
		{"false", false, []string{"false"}},
		{"array", []any{"admin", 2, nil}, []string{`["admin",2,null]`}},
		{"empty array", []any{}, []string{"[]"}},
		{"object", map[string]any{"b": 1, "a": []string{"x y"}}, []string{`{"a":["x y"],"b":1}`}},
		{"object with a control character", map[string]any{"a": "x\ny"}, []string{`{"a":"x\ny"}`}},
		{"null", json.RawMessage("null"), nil},
		{"absent", nil, nil},
		{"whitespace kept out", json.RawMessage(`[ 1 , { "a" : 2 } ]`), []string{`[1,{"a":2}]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := verifiertest.Token{Claims: map[string]any{"c": tt.value}}
			c := ti.claims(t, tok)
			hdr := http.Header{"X_Claim": {"smuggled"}, "X-Claim": {"smuggled", "twice"}}
			require.NoError(t, h.Set(hdr, c), "Set(hdr, claims with c=%v)", tt.value)
			assert.Equal(t, tt.want, hdr["X-Claim"], "X-Claim after Set with c=%v", tt.value)
			assert.Len(t, hdr, len(tt.want), "header after Set with c=%v: %v", tt.value, hdr)
		})
	}
}

func TestSetRefusesValues(t *testing.T) {
	ti := newTestIssuer(t)
	h := mustNew(t, claimheader.Mapping{
		Subject: "X-Auth-Subject", Issuer: "X-Auth-Issuer", Scopes: "X-Auth-Scopes",
		Claims: map[string]string{"name": "X-Name", "tenant": "X-Tenant"},
		JSON:   "X-Claims",
	})
	tests := []struct {
		name  string
		tok   verifiertest.Token
		claim string
		why   string
	}{
		{"newline in subject", verifiertest.Token{Subject: "robot\r\nX-Admin: yes"}, `"sub"`, "control character"},
		{"NUL in subject", verifiertest.Token{Subject: "robot\x00"}, `"sub"`, "control character"},
		{"tab in subject", verifiertest.Token{Subject: "ro\tbot"}, `"sub"`, "control character"},
		{"DEL in subject", verifiertest.Token{Subject: "robot\x7f"}, `"sub"`, "control character"},
		{"leading space", verifiertest.Token{Subject: " admin"}, `"sub"`, "leading or trailing space"},
		{"trailing space", verifiertest.Token{Subject: "admin "}, `"sub"`, "leading or trailing space"},
		{"escape in a scope", verifiertest.Token{Scope: "read\x1bwrite"}, `"scope"`, "control character"},
		{"newline in a custom claim", verifiertest.Token{Claims: map[string]any{"name": "Ann\nX-Admin: yes"}}, `"name"`, "control character"},
		{"space around a custom claim", verifiertest.Token{Claims: map[string]any{"tenant": "t1 "}}, `"tenant"`, "leading or trailing space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ti.claims(t, tt.tok)
			hdr := http.Header{"X-Auth-Subject": {"admin"}, "x_name": {"admin"}, "X-Claims": {"e30"}, "Accept": {"*/*"}}
			err := h.Set(hdr, c)
			require.ErrorIs(t, err, claimheader.ErrInvalidValue, "Set(hdr, claims of %+v)", tt.tok)
			assert.Contains(t, err.Error(), tt.claim, "Set error: want the claim named")
			assert.Contains(t, err.Error(), tt.why, "Set error: want the reason")
			for _, secret := range []string{"robot", "admin", "Ann", "X-Admin", "t1", "read"} {
				assert.NotContains(t, err.Error(), secret, "Set error %q: must not carry the value", err)
			}
			assert.Equal(t, http.Header{"Accept": {"*/*"}}, hdr, "header after a refused Set: stripped, nothing set")
		})
	}
}

func TestSetUTF8(t *testing.T) {
	ti := newTestIssuer(t)
	h := mustNew(t, claimheader.Mapping{Subject: "X-Auth-Subject", Claims: map[string]string{"name": "X-Name"}})
	c := ti.claims(t, verifiertest.Token{Subject: "zoë", Claims: map[string]any{"name": "東京 ü"}})
	hdr := http.Header{}
	require.NoError(t, h.Set(hdr, c), "Set(hdr, claims with UTF-8 values)")
	assert.Equal(t, http.Header{"X-Auth-Subject": {"zoë"}, "X-Name": {"東京 ü"}}, hdr, "header after Set: UTF-8 sent as its bytes")
}

func TestSetJSON(t *testing.T) {
	ti := newTestIssuer(t)
	for _, m := range []claimheader.Mapping{
		{JSON: "X-Auth-Claims"},
		{JSON: "X_Auth_Claims", Claims: map[string]string{"tenant": "X-Tenant"}},
	} {
		t.Run(m.JSON, func(t *testing.T) {
			h := mustNew(t, m)
			c := ti.claims(t, verifiertest.Token{Subject: "robot", Scope: "read", Claims: map[string]any{
				"tenant": "t1", "roles": []string{"a", "b"}, "nested": map[string]any{"k": "v\nw"},
			}})
			hdr := http.Header{"X-Auth-Claims": {"e30", "e30"}, "x_auth_claims": {"e30"}}
			require.NoError(t, h.Set(hdr, c), "Set(hdr, claims)")
			name := http.CanonicalHeaderKey(m.JSON)
			require.Len(t, hdr[name], 1, "%s after Set: %v", name, hdr)

			raw, err := base64.RawURLEncoding.DecodeString(hdr[name][0])
			require.NoError(t, err, "base64url-decoding %s", name)
			var got, want map[string]any
			require.NoError(t, json.Unmarshal(raw, &got), "unmarshalling the decoded %s: %s", name, raw)
			require.NoError(t, c.Decode(&want), "claims.Decode")
			assert.Equal(t, want, got, "%s decoded", name)
			assert.Equal(t, "robot", got["sub"], "sub in %s", name)
			assert.NotContains(t, string(raw), "\n", "%s: want compact JSON", name)
			if m.Claims != nil {
				assert.Equal(t, []string{"t1"}, hdr["X-Tenant"], "X-Tenant beside the JSON header")
				assert.Len(t, hdr, 2, "header after Set: %v", hdr)
			} else {
				assert.Len(t, hdr, 1, "header after Set: %v", hdr)
			}
		})
	}
}

func TestSetEmptyMapping(t *testing.T) {
	ti := newTestIssuer(t)
	h := mustNew(t, claimheader.Mapping{})
	hdr := http.Header{"X-Auth-Subject": {"kept"}}
	require.NoError(t, h.Set(hdr, ti.claims(t, verifiertest.Token{})), "Set with the empty mapping")
	assert.Equal(t, http.Header{"X-Auth-Subject": {"kept"}}, hdr, "header after Set with the empty mapping")
}

func TestSetConcurrent(t *testing.T) {
	ti := newTestIssuer(t)
	h := mustNew(t, claimheader.Mapping{Subject: "X-Auth-Subject", Claims: map[string]string{"tenant": "X-Tenant"}, JSON: "X-Claims"})
	subjects := []string{"a", "b", "c", "d"}
	claims := make([]*verifier.Claims, len(subjects))
	for i, s := range subjects {
		claims[i] = ti.claims(t, verifiertest.Token{Subject: s, Claims: map[string]any{"tenant": s + "-t"}})
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(subjects)*50)
	for i := range subjects {
		wg.Go(func() {
			for range 50 {
				hdr := http.Header{"X_Auth_Subject": {"admin"}}
				if err := h.Set(hdr, claims[i]); err != nil {
					errs <- err
					return
				}
				if got := hdr["X-Auth-Subject"]; len(got) != 1 || got[0] != subjects[i] || hdr.Get("X-Tenant") != subjects[i]+"-t" || len(hdr) != 3 {
					errs <- errors.New("wrong header: " + strings.Join(got, ","))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Set: %v", err)
	}
}

// rawIssuer signs tokens whose claims JSON is exactly
// {"iss":...,"aud":...,"exp":...,<members>}, for claims JSON that Mint
// cannot write (escaped member names, whitespace), with an HMAC secret: no
// network, cheap enough for a fuzz target.
type rawIssuer struct {
	v      *verifier.Verifier
	secret []byte
	prefix string // the claims JSON before the members
}

func newRawIssuer(t testing.TB) *rawIssuer {
	t.Helper()
	const iss, aud = "https://raw.example.test", "https://api.example.test"
	secret := []byte("0123456789abcdef0123456789abcdef")
	keys, err := jwks.SecretsByIssuer(map[string][]byte{iss: secret})
	require.NoError(t, err, "jwks.SecretsByIssuer")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v, err := verifier.New(verifier.Config{
		Issuers: []string{iss}, Audiences: []string{aud}, Keys: keys,
		Now: func() time.Time { return now },
		// The fuzz targets put claim values of any length in the token;
		// the size bound is the verifier's subject, not this package's.
		MaxTokenSize: 1 << 20,
	})
	require.NoError(t, err, "verifier.New")
	exp := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	return &rawIssuer{v: v, secret: secret, prefix: `{ "iss" : "` + iss + `", "aud":"` + aud + `","exp":` + exp}
}

// claims returns the verified claims of a token with the claims members.
func (ri *rawIssuer) claims(t testing.TB, members string) *verifier.Claims {
	t.Helper()
	payload := ri.prefix + "," + members + "}"
	tok, err := verifiertest.SignRaw("HS256", ri.secret, []byte(`{"alg":"HS256"}`), []byte(payload))
	require.NoError(t, err, "verifiertest.SignRaw(%s)", payload)
	c, err := ri.v.Verify(context.Background(), tok)
	require.NoError(t, err, "Verify(token of %s)", payload)
	return c
}

func TestSetCustomClaimsRawJSON(t *testing.T) {
	ri := newRawIssuer(t)
	long := strings.Repeat("n", 100) // longer than the name buffer
	h := mustNew(t, claimheader.Mapping{
		Claims: map[string]string{"tenant": "X-Tenant", long: "X-Long", "名前": "X-Name", "roles": "X-Roles", "a\"b": "X-Quote"},
		JSON:   "X-Claims",
	})
	tests := []struct {
		name    string
		members string
		want    http.Header // nil: refused
	}{
		{"escaped member name", `"ten\u0061nt":"t1"`, http.Header{"X-Tenant": {"t1"}}},
		{"escaped value", `"tenant":"\u0074\u00e9\t"`, nil}, // a tab: refused below
		{"long member name", `"` + long + `":"v"`, http.Header{"X-Long": {"v"}}},
		{"non-ASCII member name", `"\u540d\u524d":"Ann", "x":1`, http.Header{"X-Name": {"Ann"}}},
		{"quote in the member name", `"a\"b":true`, http.Header{"X-Quote": {"true"}}},
		{"whitespace in values", "\"roles\" : [ \"a\" ,\n\t\"b\" ] , \"tenant\":\"t\"", http.Header{"X-Roles": {`["a","b"]`}, "X-Tenant": {"t"}}},
		{"members only skipped", `"tenants":"x","rolesx":[1,{"tenant":"y"}]`, http.Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ri.claims(t, tt.members)
			hdr := http.Header{"X_Tenant": {"smuggled"}}
			err := h.Set(hdr, c)
			if tt.want == nil {
				require.ErrorIs(t, err, claimheader.ErrInvalidValue, "Set(hdr, claims with %s)", tt.members)
				assert.Empty(t, hdr, "header after a refused Set")
				return
			}
			require.NoError(t, err, "Set(hdr, claims with %s)", tt.members)
			claimsJSON := hdr["X-Claims"]
			delete(hdr, "X-Claims")
			assert.Equal(t, tt.want, hdr, "header after Set with claims %s", tt.members)
			require.Len(t, claimsJSON, 1, "X-Claims after Set")
			raw, err := base64.RawURLEncoding.DecodeString(claimsJSON[0])
			require.NoError(t, err, "base64url-decoding X-Claims")
			var got, want map[string]any
			require.NoError(t, json.Unmarshal(raw, &got), "unmarshalling the decoded X-Claims %s", raw)
			require.NoError(t, c.Decode(&want), "claims.Decode")
			assert.Equal(t, want, got, "X-Claims decoded")
			assert.NotContains(t, string(raw), " ", "X-Claims %s: want compact JSON", raw)
		})
	}
}

func TestSetNil(t *testing.T) {
	ti := newTestIssuer(t)
	h := mustNew(t, claimheader.Mapping{Subject: "X-Auth-Subject"})

	hdr := http.Header{"X_Auth_Subject": {"admin"}, "Accept": {"*/*"}}
	require.NoError(t, h.Set(hdr, nil), "Set(hdr, nil claims)")
	assert.Equal(t, http.Header{"Accept": {"*/*"}}, hdr, "header after Set with nil claims: stripped only")

	err := h.Set(nil, ti.claims(t, verifiertest.Token{}))
	assert.ErrorContains(t, err, "claimheader: nil header", "Set(nil, claims)")
	assert.NoError(t, mustNew(t, claimheader.Mapping{}).Set(nil, nil), "Set(nil, nil) with the empty mapping")

	var none *claimheader.Headers
	hdr = http.Header{"X-Auth-Subject": {"kept"}}
	none.Strip(hdr)
	require.NoError(t, none.Set(hdr, ti.claims(t, verifiertest.Token{})), "Set on a nil *Headers")
	assert.Equal(t, http.Header{"X-Auth-Subject": {"kept"}}, hdr, "header after Strip and Set on a nil *Headers")
	assert.Nil(t, none.Names(), "Names of a nil *Headers")
	assert.False(t, none.Matches("X-Auth-Subject"), "Matches on a nil *Headers")
}
