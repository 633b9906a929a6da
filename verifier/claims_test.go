package verifier_test

import (
	"context"
	"encoding/json"
	jsonv2 "encoding/json/v2"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/verifier"
)

// vtClaimsFixture signs exact claims JSON with a static ES256 key and
// verifies it at vtEpoch.
type vtClaimsFixture struct {
	signer *vtSigner
	v      *verifier.Verifier
}

func vtNewClaimsFixture(t *testing.T) *vtClaimsFixture {
	t.Helper()
	signer := vtNewSigner(t, "ES256", "claims-key")
	cfg := signer.config(vtNewClock())
	cfg.Audiences = append(cfg.Audiences, "https://other.example.test")
	return &vtClaimsFixture{signer: signer, v: vtNew(t, cfg)}
}

// verify signs header and payload and returns the verified claims.
func (f *vtClaimsFixture) verify(t *testing.T, header, payload string) *verifier.Claims {
	t.Helper()
	tok := f.signer.raw(t, header, payload)
	c, err := f.v.Verify(context.Background(), tok)
	require.NoError(t, err, "Verify(header %s, payload %s) returned an error; want claims", header, payload)
	require.NotNil(t, c, "Verify returned nil claims and nil error")
	return c
}

const vtClaimsHeader = `{"alg":"ES256","kid":"claims-key","typ":"at+jwt"}`

// vtPayload returns a claims set with the mandatory members plus extra,
// a comma-led list of members or "".
func vtPayload(extra string) string {
	return fmt.Sprintf(`{"iss":%q,"aud":%q,"exp":%d%s}`, vtStaticIssuer, vtAudience, vtEpoch.Add(time.Hour).Unix(), extra)
}

func TestClaimsAccessors(t *testing.T) {
	f := vtNewClaimsFixture(t)
	exp := vtEpoch.Unix() + 3600
	payload := fmt.Sprintf(`{
		"iss": %q,
		"sub": "drone-fleet-7",
		"aud": [%q, "https://other.example.test"],
		"exp": %d.25,
		"iat": %d.5,
		"nbf": %d.125,
		"jti": "token-id-1",
		"client_id": "client-abc",
		"azp": "azp-ignored",
		"scope": "read write"
	}`, vtStaticIssuer, vtAudience, exp, vtEpoch.Unix()-60, vtEpoch.Unix()-120)
	c := f.verify(t, vtClaimsHeader, payload)

	tests := []struct {
		name      string
		got, want any
	}{
		{"Issuer", c.Issuer(), vtStaticIssuer},
		{"Subject", c.Subject(), "drone-fleet-7"},
		{"Audience", c.Audience(), []string{vtAudience, "https://other.example.test"}},
		{"ExpiresAt", c.ExpiresAt().UTC(), time.Unix(exp, 250_000_000).UTC()},
		{"IssuedAt", c.IssuedAt().UTC(), time.Unix(vtEpoch.Unix()-60, 500_000_000).UTC()},
		{"NotBefore", c.NotBefore().UTC(), time.Unix(vtEpoch.Unix()-120, 125_000_000).UTC()},
		{"ID", c.ID(), "token-id-1"},
		{"ClientID prefers client_id over azp", c.ClientID(), "client-abc"},
		{"Scopes", c.Scopes().List(), []string{"read", "write"}},
		{"Algorithm", c.Algorithm(), "ES256"},
		{"KeyID", c.KeyID(), "claims-key"},
		{"Type", c.Type(), "at+jwt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.got, "Claims.%s() of payload %s", tc.name, payload)
		})
	}

	t.Run("Audience returns a copy", func(t *testing.T) {
		aud := c.Audience()
		require.NotEmpty(t, aud, "Claims.Audience()")
		aud[0] = "https://mutated.example.test"
		_ = append(aud[:1], "https://appended.example.test")
		assert.Equal(t, []string{vtAudience, "https://other.example.test"}, c.Audience(),
			"Claims.Audience() after the caller changed a previously returned slice")
	})

	t.Run("Scopes list is a copy", func(t *testing.T) {
		l := c.Scopes().List()
		l[0] = "admin"
		assert.False(t, c.Scopes().Has("admin"), "Claims.Scopes().Has(admin) after mutating a returned List; want false")
		assert.True(t, c.Scopes().Has("read"), "Claims.Scopes().Has(read) after mutating a returned List; want true")
	})
}

func TestClaimsOptionalMembers(t *testing.T) {
	f := vtNewClaimsFixture(t)
	c := f.verify(t, `{"alg":"ES256"}`, vtPayload(""))
	tests := []struct {
		name      string
		got, want any
	}{
		{"Subject", c.Subject(), ""},
		{"IssuedAt", c.IssuedAt(), time.Time{}},
		{"NotBefore", c.NotBefore(), time.Time{}},
		{"ID", c.ID(), ""},
		{"ClientID", c.ClientID(), ""},
		{"Scopes.Len", c.Scopes().Len(), 0},
		{"KeyID", c.KeyID(), ""},
		{"Type", c.Type(), ""},
		{"Audience of a string aud", c.Audience(), []string{vtAudience}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.got, "Claims.%s() of a token without the optional members", tc.name)
		})
	}
}

func TestClaimsClientID(t *testing.T) {
	f := vtNewClaimsFixture(t)
	tests := []struct {
		name  string
		extra string
		want  string
	}{
		{"client_id only", `,"client_id":"c1"`, "c1"},
		{"azp only", `,"azp":"a1"`, "a1"},
		{"both, client_id first", `,"client_id":"c1","azp":"a1"`, "c1"},
		{"both, azp first", `,"azp":"a1","client_id":"c1"`, "c1"},
		{"empty client_id falls back to azp", `,"client_id":"","azp":"a1"`, "a1"},
		{"neither", ``, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := f.verify(t, vtClaimsHeader, vtPayload(tc.extra))
			assert.Equal(t, tc.want, c.ClientID(), "Claims.ClientID() with members %s", tc.extra)
		})
	}
}

func TestClaimsScopes(t *testing.T) {
	f := vtNewClaimsFixture(t)
	tests := []struct {
		name  string
		extra string
		want  []string
	}{
		{"scope string", `,"scope":"read write"`, []string{"read", "write"}},
		{"scope with extra spaces and repeats", `,"scope":"  read   write read "`, []string{"read", "write"}},
		{"scp array", `,"scp":["read","write"]`, []string{"read", "write"}},
		{"scp string", `,"scp":"read write"`, []string{"read", "write"}},
		{"scp empty array", `,"scp":[]`, nil},
		{"scope empty string", `,"scope":""`, nil},
		{"union of scope and scp", `,"scope":"read write","scp":["write","admin"]`, []string{"read", "write", "admin"}},
		{"union, scp first", `,"scp":["admin"],"scope":"read"`, []string{"admin", "read"}},
		{"scope values are case-sensitive", `,"scope":"Read read"`, []string{"Read", "read"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := f.verify(t, vtClaimsHeader, vtPayload(tc.extra))
			got := c.Scopes()
			assert.ElementsMatch(t, tc.want, got.List(), "Claims.Scopes().List() with members %s", tc.extra)
			assert.Equal(t, len(tc.want), got.Len(), "Claims.Scopes().Len() with members %s", tc.extra)
			for _, s := range tc.want {
				assert.True(t, got.Has(s), "Claims.Scopes().Has(%q) with members %s = false, want true", s, tc.extra)
			}
			assert.False(t, got.Has("delete"), "Claims.Scopes().Has(delete) with members %s = true, want false", tc.extra)
		})
	}

	t.Run("scope of the wrong type", func(t *testing.T) {
		for _, extra := range []string{`,"scope":42`, `,"scp":[1,2]`, `,"scp":{"read":true}`} {
			tok := f.signer.raw(t, vtClaimsHeader, vtPayload(extra))
			_, err := f.v.Verify(context.Background(), tok)
			vtRequireRejected(t, err, verifier.ErrMalformed, tok)
		}
	})
}

func TestClaimsDecode(t *testing.T) {
	f := vtNewClaimsFixture(t)
	c := f.verify(t, vtClaimsHeader, vtPayload(`,
		"tenant": {"id": "t-42", "limits": {"rps": 25, "burst": 2.5}, "regions": ["eu", "us"]},
		"roles": ["pilot", "viewer"],
		"user_id": 9007199254740993,
		"active": true,
		"note": "caf\u00e9 \"quoted\""`))

	type limits struct {
		RPS   int     `json:"rps"`
		Burst float64 `json:"burst"`
	}
	var got struct {
		Issuer string  `json:"iss"`
		Exp    float64 `json:"exp"`
		// Names match exactly (encoding/json/v2): an untagged field
		// named Sub does not receive "sub", unlike with encoding/json v1.
		Sub    string
		Tenant struct {
			ID      string   `json:"id"`
			Limits  limits   `json:"limits"`
			Regions []string `json:"regions"`
		} `json:"tenant"`
		Roles  []string    `json:"roles"`
		UserID json.Number `json:"user_id"`
		Active bool        `json:"active"`
		Note   string      `json:"note"`
	}
	require.NoError(t, c.Decode(&got), "Claims.Decode(&struct) returned an error")
	assert.Equal(t, vtStaticIssuer, got.Issuer, "decoded iss")
	assert.Equal(t, float64(vtEpoch.Unix()+3600), got.Exp, "decoded exp")
	assert.Empty(t, got.Sub, "decoded an untagged field Sub from \"sub\"; want names matched case-sensitively")
	assert.Equal(t, "t-42", got.Tenant.ID, "decoded tenant.id")
	assert.Equal(t, limits{RPS: 25, Burst: 2.5}, got.Tenant.Limits, "decoded tenant.limits")
	assert.Equal(t, []string{"eu", "us"}, got.Tenant.Regions, "decoded tenant.regions")
	assert.Equal(t, []string{"pilot", "viewer"}, got.Roles, "decoded roles")
	assert.Equal(t, json.Number("9007199254740993"), got.UserID, "decoded user_id keeps all digits")
	assert.True(t, got.Active, "decoded active")
	assert.Equal(t, `café "quoted"`, got.Note, "decoded note")

	t.Run("into a map", func(t *testing.T) {
		var m map[string]any
		require.NoError(t, c.Decode(&m), "Claims.Decode(&map) returned an error")
		assert.Equal(t, vtStaticIssuer, m["iss"], "map[iss]")
		assert.Equal(t, map[string]any{"rps": float64(25), "burst": 2.5}, m["tenant"].(map[string]any)["limits"], "map[tenant][limits]")
	})

	t.Run("type mismatch", func(t *testing.T) {
		var bad struct {
			Tenant string `json:"tenant"`
		}
		err := c.Decode(&bad)
		require.Error(t, err, "Claims.Decode into a string field for an object claim returned nil")
		var semErr *jsonv2.SemanticError
		assert.True(t, errors.As(err, &semErr), "Claims.Decode error %q (%T) does not wrap *json.SemanticError of encoding/json/v2", err, err)
		assert.True(t, strings.HasPrefix(err.Error(), "verifier: decoding claims"), "Claims.Decode error %q lacks the package prefix", err)
	})

	t.Run("not a pointer", func(t *testing.T) {
		var m map[string]any
		err := c.Decode(m)
		require.Error(t, err, "Claims.Decode(non-pointer) returned nil")
		var semErr *jsonv2.SemanticError
		assert.True(t, errors.As(err, &semErr), "Claims.Decode(non-pointer) error %q (%T) does not wrap *json.SemanticError of encoding/json/v2", err, err)
	})

	t.Run("decoded values do not alias the claims", func(t *testing.T) {
		var first struct {
			Roles []string `json:"roles"`
		}
		require.NoError(t, c.Decode(&first), "Claims.Decode")
		first.Roles[0] = "admin"
		var second struct {
			Roles []string `json:"roles"`
		}
		require.NoError(t, c.Decode(&second), "Claims.Decode")
		assert.Equal(t, []string{"pilot", "viewer"}, second.Roles, "roles decoded after the caller changed an earlier result")
	})
}

func TestClaimsContext(t *testing.T) {
	f := vtNewClaimsFixture(t)
	c := f.verify(t, vtClaimsHeader, vtPayload(`,"sub":"ctx-user"`))

	t.Run("round trip", func(t *testing.T) {
		ctx := verifier.NewContext(context.Background(), c)
		got, ok := verifier.FromContext(ctx)
		require.True(t, ok, "FromContext(NewContext(ctx, claims)) reported no claims")
		assert.Same(t, c, got, "FromContext(NewContext(ctx, claims)) returned other claims")
		assert.Equal(t, "ctx-user", got.Subject(), "Subject() of claims from the context")
	})

	t.Run("derived context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(verifier.NewContext(context.Background(), c))
		defer cancel()
		ctx = context.WithValue(ctx, struct{ other int }{1}, "x")
		got, ok := verifier.FromContext(ctx)
		require.True(t, ok, "FromContext on a context derived from NewContext reported no claims")
		assert.Same(t, c, got, "FromContext on a derived context returned other claims")
	})

	t.Run("empty context", func(t *testing.T) {
		got, ok := verifier.FromContext(context.Background())
		assert.False(t, ok, "FromContext(context.Background()) reported claims")
		assert.Nil(t, got, "FromContext(context.Background()) returned %v, want nil", got)
	})

	t.Run("nil claims", func(t *testing.T) {
		got, ok := verifier.FromContext(verifier.NewContext(context.Background(), nil))
		assert.False(t, ok, "FromContext(NewContext(ctx, nil)) reported claims")
		assert.Nil(t, got, "FromContext(NewContext(ctx, nil)) returned %v, want nil", got)
	})

	t.Run("innermost claims win", func(t *testing.T) {
		other := f.verify(t, vtClaimsHeader, vtPayload(`,"sub":"inner"`))
		ctx := verifier.NewContext(verifier.NewContext(context.Background(), c), other)
		got, ok := verifier.FromContext(ctx)
		require.True(t, ok, "FromContext on nested NewContext reported no claims")
		assert.Equal(t, "inner", got.Subject(), "Subject() of claims from a context set twice")
	})
}

func TestClaimsAs(t *testing.T) {
	f := vtNewClaimsFixture(t)
	c := f.verify(t, vtClaimsHeader, vtPayload(`,"sub":"typed","tenant_id":"t-42","roles":["pilot"]`))
	type appClaims struct {
		Subject  string   `json:"sub"`
		TenantID string   `json:"tenant_id"`
		Roles    []string `json:"roles"`
	}
	ctx := verifier.NewContext(context.Background(), c)

	t.Run("decodes the claims of the context", func(t *testing.T) {
		got, err := verifier.ClaimsAs[appClaims](ctx)
		require.NoError(t, err, "ClaimsAs[appClaims](context with claims)")
		assert.Equal(t, appClaims{Subject: "typed", TenantID: "t-42", Roles: []string{"pilot"}}, got, "ClaimsAs[appClaims]")
	})
	t.Run("a pointer type", func(t *testing.T) {
		got, err := verifier.ClaimsAs[*appClaims](ctx)
		require.NoError(t, err, "ClaimsAs[*appClaims](context with claims)")
		require.NotNil(t, got, "ClaimsAs[*appClaims] returned nil")
		assert.Equal(t, "t-42", got.TenantID, "ClaimsAs[*appClaims].TenantID")
	})
	t.Run("no claims", func(t *testing.T) {
		for name, ctx := range map[string]context.Context{
			"empty context":       context.Background(),
			"claims hidden (nil)": verifier.NewContext(ctx, nil),
		} {
			got, err := verifier.ClaimsAs[appClaims](ctx)
			assert.ErrorIs(t, err, verifier.ErrNoClaims, "ClaimsAs on %s", name)
			assert.Zero(t, got, "ClaimsAs on %s returned a value with its error", name)
		}
	})
	t.Run("type mismatch is an error and a zero value", func(t *testing.T) {
		type wrong struct {
			Roles string `json:"roles"`
			Sub   string `json:"sub"`
		}
		got, err := verifier.ClaimsAs[wrong](ctx)
		var semErr *jsonv2.SemanticError
		assert.True(t, errors.As(err, &semErr), "ClaimsAs[wrong] error %v (%T), want a *json.SemanticError", err, err)
		assert.NotErrorIs(t, err, verifier.ErrNoClaims, "ClaimsAs[wrong] error")
		assert.Zero(t, got, "ClaimsAs[wrong] returned a partly decoded value with its error")
	})
}

func TestClaimsConfirmation(t *testing.T) {
	f := vtNewClaimsFixture(t)
	t.Run("bound tokens", func(t *testing.T) {
		for _, tc := range []struct {
			name, members string
			jkt, x5t      string
		}{
			{"no cnf", ``, "", ""},
			{"DPoP key", `,"cnf":{"jkt":"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}`, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", ""},
			{"certificate", `,"cnf":{"x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}`, "", "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"},
			{"both, with other members", `,"cnf":{"kid":"k1","jkt":"a","x5t#S256":"b","jwk":{"kty":"EC"}}`, "a", "b"},
		} {
			c := f.verify(t, vtClaimsHeader, vtPayload(tc.members))
			assert.Equal(t, tc.jkt, c.KeyThumbprint(), "%s: KeyThumbprint()", tc.name)
			assert.Equal(t, tc.x5t, c.CertificateThumbprint(), "%s: CertificateThumbprint()", tc.name)
		}
	})
	t.Run("malformed cnf refused", func(t *testing.T) {
		for name, members := range map[string]string{
			"cnf a string":     `,"cnf":"jkt"`,
			"cnf an array":     `,"cnf":[{"jkt":"a"}]`,
			"jkt a number":     `,"cnf":{"jkt":1}`,
			"jkt empty":        `,"cnf":{"jkt":""}`,
			"x5t#S256 null":    `,"cnf":{"x5t#S256":null}`,
			"jkt twice in cnf": `,"cnf":{"jkt":"a","jkt":"b"}`,
		} {
			t.Run(name, func(t *testing.T) {
				tok := f.signer.raw(t, vtClaimsHeader, vtPayload(members))
				_, err := f.v.Verify(context.Background(), tok)
				vtRequireRejected(t, err, verifier.ErrMalformed, tok)
			})
		}
	})
}

func TestClaimsActor(t *testing.T) {
	f := vtNewClaimsFixture(t)
	c := f.verify(t, vtClaimsHeader, vtPayload(`,"sub":"user@example.com",
		"act":{"sub":"https://service16.example.com","act":{"sub":"https://service77.example.com","client_id":"s77"}},
		"may_act":{"sub":"admin@example.com","iss":"https://issuer.example.com","role":"support"}`))
	act, err := c.Actor()
	require.NoError(t, err, "Actor()")
	require.NotNil(t, act, "Actor() of a token with act")
	assert.Equal(t, "https://service16.example.com", act.Subject, "Actor().Subject")
	require.NotNil(t, act.Act, "Actor().Act: the earlier actor")
	assert.Equal(t, "https://service77.example.com", act.Act.Subject, "Actor().Act.Subject")
	assert.Equal(t, "s77", act.Act.ClientID, "Actor().Act.ClientID")
	assert.Nil(t, act.Act.Act, "Actor().Act.Act: the chain ends")

	may, err := c.MayAct()
	require.NoError(t, err, "MayAct()")
	require.NotNil(t, may, "MayAct() of a token with may_act")
	assert.Equal(t, "admin@example.com", may.Subject, "MayAct().Subject")
	assert.Equal(t, "https://issuer.example.com", may.Issuer, "MayAct().Issuer")
	assert.Equal(t, map[string]any{"role": "support"}, may.Claims, "MayAct().Claims: the other members")

	plain := f.verify(t, vtClaimsHeader, vtPayload(`,"sub":"user"`))
	for name, get := range map[string]func() (*verifier.Actor, error){"Actor": plain.Actor, "MayAct": plain.MayAct} {
		a, err := get()
		assert.NoError(t, err, "%s() of a token without the claim", name)
		assert.Nil(t, a, "%s() of a token without the claim", name)
	}

	for name, members := range map[string]string{
		"act a string":     `,"act":"svc"`,
		"act sub a number": `,"act":{"sub":7}`,
	} {
		c := f.verify(t, vtClaimsHeader, vtPayload(members))
		a, err := c.Actor()
		assert.Error(t, err, "Actor() with %s", name)
		assert.Nil(t, a, "Actor() with %s", name)
	}
}

// TestClaimsConcurrentReads reads one Claims from many goroutines; run with
// -race to check that the accessors do not write.
func TestClaimsConcurrentReads(t *testing.T) {
	f := vtNewClaimsFixture(t)
	c := f.verify(t, vtClaimsHeader, vtPayload(`,"sub":"s","jti":"j","azp":"a","scope":"read write","scp":["admin"],"iat":1893455000,"tenant":{"id":"t"}`))

	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				aud := c.Audience()
				aud[0] = fmt.Sprint("worker-", w) // must not reach other readers
				var extra struct {
					Tenant struct {
						ID string `json:"id"`
					} `json:"tenant"`
				}
				err := c.Decode(&extra)
				ok := err == nil && extra.Tenant.ID == "t" &&
					c.Issuer() == vtStaticIssuer && c.Subject() == "s" && c.ID() == "j" &&
					c.ClientID() == "a" && c.Scopes().HasAll("read", "write", "admin") &&
					c.Scopes().Len() == 3 && c.Audience()[0] == vtAudience &&
					c.ExpiresAt().Equal(vtEpoch.Add(time.Hour)) && c.IssuedAt().Unix() == 1893455000 &&
					c.Algorithm() == "ES256" && c.KeyID() == "claims-key" && c.Type() == "at+jwt"
				if !assert.True(t, ok, "worker %d: a concurrent read of the claims returned an unexpected value (Decode err %v)", w, err) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

// vtScribbler is a claim type whose UnmarshalJSON overwrites the bytes it
// is given, as careless (or hostile) code in an application might.
type vtScribbler struct{}

func (*vtScribbler) UnmarshalJSON(b []byte) error {
	for i := range b {
		b[i] = 'X'
	}
	return nil
}

// TestClaimsDecodeCannotChangeClaims is the regression test for a defect
// found in review: the claims' strings shared memory with the JSON that
// Decode handed to encoding/json, which passes it to a custom
// UnmarshalJSON, so application code could rewrite the Issuer of a
// verified token, and the cache then served the rewritten claims.
func TestClaimsDecodeCannotChangeClaims(t *testing.T) {
	f := vtNewClaimsFixture(t)
	tok := f.signer.raw(t, vtClaimsHeader, vtPayload(`,"sub":"alice","scope":"read","jti":"j-1"`))
	var c *verifier.Claims
	for range 2 { // cached on the second verification
		var err error
		c, err = f.v.Verify(context.Background(), tok)
		require.NoError(t, err, "Verify")
	}

	var scribbled struct {
		Iss   vtScribbler `json:"iss"`
		Sub   vtScribbler `json:"sub"`
		Scope vtScribbler `json:"scope"`
		JTI   vtScribbler `json:"jti"`
		Aud   vtScribbler `json:"aud"`
	}
	require.NoError(t, c.Decode(&scribbled), "Claims.Decode into fields whose UnmarshalJSON overwrites its input")

	check := func(what string, c *verifier.Claims) {
		t.Helper()
		assert.Equal(t, vtStaticIssuer, c.Issuer(), "%s: Issuer() after a Decode whose UnmarshalJSON overwrote its input", what)
		assert.Equal(t, "alice", c.Subject(), "%s: Subject()", what)
		assert.Equal(t, "read", c.Scopes().String(), "%s: Scopes()", what)
		assert.Equal(t, "j-1", c.ID(), "%s: ID()", what)
		assert.Equal(t, []string{vtAudience}, c.Audience(), "%s: Audience()", what)
		var plain struct {
			Iss string `json:"iss"`
			Sub string `json:"sub"`
		}
		require.NoError(t, c.Decode(&plain), "%s: Decode", what)
		assert.Equal(t, vtStaticIssuer, plain.Iss, "%s: Decode's iss after an earlier Decode overwrote its input", what)
		assert.Equal(t, "alice", plain.Sub, "%s: Decode's sub", what)
	}
	check("the claims decoded", c)
	again, err := f.v.Verify(context.Background(), tok)
	require.NoError(t, err, "Verify of the cached token")
	check("the claims the cache serves", again)
}

// TestClaimsDecodeAgreesWithAccessors is the regression test for a defect
// found in review: Decode used encoding/json v1, which matches member names
// case-insensitively and keeps the last, so a signed token with "sub" and
// "SUB" verified with Subject() "alice" while Decode gave "admin". Decode
// now reads names exactly, as Verify does.
func TestClaimsDecodeAgreesWithAccessors(t *testing.T) {
	f := vtNewClaimsFixture(t)
	c := f.verify(t, vtClaimsHeader, vtPayload(`,"sub":"alice","SUB":"admin","Sub":"root","ISS":"https://evil.example.test"`))
	require.Equal(t, "alice", c.Subject(), "Subject()")
	var got struct {
		Sub string `json:"sub"`
		Iss string `json:"iss"`
	}
	require.NoError(t, c.Decode(&got), "Claims.Decode")
	assert.Equal(t, c.Subject(), got.Sub, "Decode's \"sub\" differs from Subject() for claims with \"sub\", \"SUB\" and \"Sub\"")
	assert.Equal(t, c.Issuer(), got.Iss, "Decode's \"iss\" differs from Issuer() for claims with \"iss\" and \"ISS\"")
}
