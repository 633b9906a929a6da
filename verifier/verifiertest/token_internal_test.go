package verifiertest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAuthenticateComparesForUnknownIDs checks that a secret is compared
// in constant time whether or not the client ID exists, so that timing
// does not tell an attacker which IDs are registered.
func TestAuthenticateComparesForUnknownIDs(t *testing.T) {
	clients := DemoClients()
	i := Start(t, IssuerConfig{Clients: clients})
	right := clients[0]
	tests := []struct {
		name, id, secret string
		ok               bool
	}{
		{"right secret", right.ID, right.Secret, true},
		{"wrong secret", right.ID, clients[1].Secret, false},
		{"a prefix of the secret", right.ID, right.Secret[:10], false},
		{"unknown ID", "nobody", right.Secret, false},
		{"unknown ID, empty secret", "nobody", "", false},
		{"empty ID", "", right.Secret, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := i.secretCompares.Load()
			c, ok := i.authenticate(tc.id, tc.secret)
			assert.Equal(t, tc.ok, ok, "authenticate(%q, secret): ok", tc.id)
			assert.Equal(t, before+1, i.secretCompares.Load(), "authenticate(%q, secret): constant-time compares made", tc.id)
			if ok {
				assert.Equal(t, right.ID, c.ID, "authenticate(%q, secret): client", tc.id)
			}
		})
	}
}
