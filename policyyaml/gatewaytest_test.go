package policyyaml_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/gateway/gatewaytest"
	"github.com/jwtgate/jwtgate/policyyaml"
)

// TestGatewayTablePolicy loads the acceptance table's policy text, the one
// jwtgate's end-to-end tests put in its configuration file, and checks that
// it is the policy the table's Go rules describe.
func TestGatewayTablePolicy(t *testing.T) {
	p, err := policyyaml.Parse([]byte(gatewaytest.PolicyYAML))
	require.NoError(t, err, "Parse(gatewaytest.PolicyYAML)")
	want := gatewaytest.Rules()
	got := p.Rules()
	require.Len(t, got, len(want), "rules of Parse(gatewaytest.PolicyYAML)")
	for i := range want {
		assert.Equal(t, want[i].Pattern, got[i].Pattern, "rule %d pattern", i)
		assert.Equal(t, want[i].Access.String(), got[i].Access.String(), "rule %d (%s) access", i, want[i].Pattern)
	}
	assert.Equal(t, "deny", p.Default().String(), "default of Parse(gatewaytest.PolicyYAML)")
}
