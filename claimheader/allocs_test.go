//go:build !race

package claimheader_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/claimheader"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// Allocation bounds. The race detector changes what allocates, so these
// tests are built without it only; .ci/run runs them in a step of their
// own.

// TestStripAllocs: stripping a request that carries no claim header, the
// common case, allocates nothing; nor does stripping one that does.
func TestStripAllocs(t *testing.T) {
	h := mustNew(t, benchMapping)
	hdr := inbound()
	allocs := testing.AllocsPerRun(100, func() { h.Strip(hdr) })
	assert.Zero(t, allocs, "Strip of %d headers, none a claim header: allocations per run", len(hdr))

	smuggled := inbound()
	allocs = testing.AllocsPerRun(100, func() {
		smuggled["X_auth_subject"] = nil // a map with room for it: no allocation
		h.Strip(smuggled)
	})
	assert.Zero(t, allocs, "Strip of a smuggled header: allocations per run")
	assert.Len(t, smuggled, len(hdr), "header after Strip: %v", smuggled)
}

// TestSetAllocs bounds Set's allocations: one slice for all values; a
// custom claim adds one claims.Decode (its copy of the claims JSON and the
// object reading the members) and the value's string, and nothing for the
// members it skips.
func TestSetAllocs(t *testing.T) {
	ti := newTestIssuer(t)
	claims := ti.claims(t, verifiertest.Token{Subject: "robot", Scope: "read write", Claims: map[string]any{
		"tenant": "acme", "roles": []string{"a", "b", "c"}, "profile": map[string]any{"name": "x", "n": 1},
	}})
	tests := []struct {
		name string
		m    claimheader.Mapping
		max  float64
	}{
		{"registered", claimheader.Mapping{Subject: "X-Auth-Subject", ClientID: "X-Auth-Client", Scopes: "X-Auth-Scopes", Issuer: "X-Auth-Issuer"}, 1},
		{"custom", benchMapping, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := mustNew(t, tt.m)
			hdr := inbound()
			require.NoError(t, h.Set(hdr, claims), "Set(hdr, claims)")
			var err error
			allocs := testing.AllocsPerRun(100, func() {
				hdr["X_auth_subject"] = nil // a smuggled header, removed each time
				err = h.Set(hdr, claims)
			})
			require.NoError(t, err, "Set(hdr, claims)")
			assert.LessOrEqual(t, allocs, tt.max, "Set with mapping %+v: allocations per run", tt.m)
			assert.Equal(t, []string{"robot"}, hdr["X-Auth-Subject"], "X-Auth-Subject after Set")
			assert.NotContains(t, hdr, "X_auth_subject", "header after Set")
		})
	}
}
