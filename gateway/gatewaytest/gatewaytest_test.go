package gatewaytest_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/policy"
	"github.com/jwtgate/jwtgate/verifier"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// TestPolicyYAMLNamesTheRules checks, without a YAML library, that each
// rule's pattern appears in PolicyYAML with its access (policyyaml's tests
// can load it and compare it with Rules).
func TestPolicyYAMLNamesTheRules(t *testing.T) {
	blocks := strings.Split(gatewaytest.PolicyYAML, "  - pattern: ")[1:]
	rules := gatewaytest.Rules()
	require.Len(t, blocks, len(rules), "rules in PolicyYAML")
	for i, r := range rules {
		b := blocks[i]
		assert.True(t, strings.HasPrefix(b, r.Pattern+"\n") || strings.HasPrefix(b, `"`+r.Pattern+`"`+"\n"), "rule %d of PolicyYAML: %q; want pattern %q", i, b, r.Pattern)
		var want string
		switch a := r.Access; {
		case a.Kind() == policy.KindScopes && a.Scopes().IsAnyOf():
			want = "any_scopes: [" + strings.Join(a.Scopes().Scopes(), ", ") + "]"
		case a.Kind() == policy.KindScopes:
			want = "scopes: [" + strings.Join(a.Scopes().Scopes(), ", ") + "]"
		default:
			want = "allow: " + a.Kind().String()
		}
		// The YAML lists scopes in the order written; compare as sets.
		got := strings.TrimSpace(strings.SplitN(b, "\n", 3)[1])
		assert.Equal(t, sortedList(want), sortedList(got), "rule %d (%s) of PolicyYAML", i, r.Pattern)
	}
	assert.Contains(t, gatewaytest.PolicyYAML, "default: deny\n")
	assert.Equal(t, policy.KindDeny, gatewaytest.Policy(t).Default().Kind())
}

func sortedList(s string) string {
	head, list, ok := strings.Cut(s, "[")
	if !ok {
		return s
	}
	items := strings.Split(strings.TrimSuffix(list, "]"), ", ")
	slices.Sort(items)
	return head + "[" + strings.Join(items, ", ") + "]"
}

func TestMappingMatchesNames(t *testing.T) {
	h, err := claimheader.New(gatewaytest.Mapping())
	require.NoError(t, err, "claimheader.New(Mapping())")
	assert.ElementsMatch(t, gatewaytest.HeaderNames(), h.Names(), "HeaderNames and the mapping's names")
	for _, name := range gatewaytest.HeaderNames() {
		assert.Contains(t, gatewaytest.HeadersYAML, ": "+name, "HeadersYAML names %s", name)
	}
}

func TestCasesAreWellFormed(t *testing.T) {
	cases := gatewaytest.Cases()
	require.NotEmpty(t, cases)
	seen := map[string]bool{}
	for _, c := range cases {
		assert.False(t, seen[c.Name], "case name %q used twice", c.Name)
		seen[c.Name] = true
		assert.NotEmpty(t, c.Method, "%s: method", c.Name)
		assert.NotEmpty(t, c.Target, "%s: target", c.Name)
		assert.NotZero(t, http.StatusText(c.Status), "%s: status %d", c.Name, c.Status)
		if c.Status == http.StatusOK && c.ForwardAuthStatus == 0 {
			assert.Empty(t, c.Challenge, "%s: a challenge on a 200", c.Name)
		}
		for name := range c.Want {
			assert.NotContains(t, c.Absent, name, "%s: %s both wanted and absent", c.Name, name)
		}
	}
	cases[0].Name = "changed"
	assert.NotEqual(t, "changed", gatewaytest.Cases()[0].Name, "Cases returns the same slice twice")
}

// TestTokens checks that each kind of token is what it says, with the
// verifier a gateway of the table uses.
func TestTokens(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{})
	v, err := verifier.New(iss.VerifierConfig())
	require.NoError(t, err)
	for kind, want := range map[gatewaytest.Token]error{
		gatewaytest.Valid:         nil,
		gatewaytest.Expired:       verifier.ErrExpired,
		gatewaytest.BadSignature:  verifier.ErrSignature,
		gatewaytest.OtherAudience: verifier.ErrAudience,
		gatewaytest.Malformed:     verifier.ErrMalformed,
	} {
		t.Run(kind.String(), func(t *testing.T) {
			tok := gatewaytest.MintToken(t, iss, kind, "read write", nil)
			claims, err := v.Verify(context.Background(), tok)
			if want != nil {
				require.ErrorIs(t, err, want, "Verify of a %v token", kind)
				return
			}
			require.NoError(t, err, "Verify of a %v token", kind)
			assert.Equal(t, gatewaytest.Subject, claims.Subject())
			assert.Equal(t, gatewaytest.ClientID, claims.ClientID())
			assert.Equal(t, "read write", claims.Scopes().String())
		})
	}
	assert.Empty(t, gatewaytest.MintToken(t, iss, gatewaytest.NoToken, "read", nil))
}

func TestValuesFoldsNames(t *testing.T) {
	h := map[string][]string{"X-Auth-Subject": {"a"}, "X_auth_subject": {"b"}, "x-AUTH_subject": {"c"}, "X-Other": {"d"}}
	assert.Equal(t, []string{"a", "b", "c"}, gatewaytest.Values(h, "X-Auth-Subject"))
	assert.Nil(t, gatewaytest.Values(h, "X-Auth-Scopes"))
}

func TestModeString(t *testing.T) {
	assert.Equal(t, "proxy", gatewaytest.ModeProxy.String())
	assert.Equal(t, "forward_auth", gatewaytest.ModeForwardAuth.String())
}

func TestAdjusters(t *testing.T) {
	byName := map[string]gatewaytest.Case{}
	for _, c := range gatewaytest.Cases() {
		byName[c.Name] = c
	}
	for _, tc := range []struct {
		adjust    func(*gatewaytest.Case)
		name      string
		status    int
		challenge string
	}{
		{gatewaytest.NginxAuthRequest, "path/dot_dot", 500, gatewaytest.AnyChallenge},
		{gatewaytest.NginxAuthRequest, "path/invalid_escape", 400, gatewaytest.AnyChallenge},
		{gatewaytest.NginxAuthRequest, "default/lowercase_method", 400, gatewaytest.AnyChallenge},
		{gatewaytest.NginxAuthRequest, "any_of/neither", 403, ""},
		{gatewaytest.NginxAuthRequest, "authenticated/expired", 401, `error="invalid_token"`},
		{gatewaytest.NginxAuthRequest, "public/exact", 200, ""},
		{gatewaytest.CaddyForwardAuth, "forwarding/forged_uri_without_token", 401, "Bearer"},
		{gatewaytest.CaddyForwardAuth, "path/dot_dot", 400, gatewaytest.AnyChallenge},
	} {
		c, ok := byName[tc.name]
		require.True(t, ok, "no case %q", tc.name)
		if c.ForwardAuthStatus != 0 {
			c.Status = c.ForwardAuthStatus
		}
		tc.adjust(&c)
		assert.Equal(t, tc.status, c.Status, "status of %s after the adjuster", tc.name)
		assert.Equal(t, tc.challenge, c.Challenge, "challenge of %s after the adjuster", tc.name)
	}
}
