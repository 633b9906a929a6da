package nethttp_test

import (
	"testing"

	"github.com/jwtgate/jwtgate/bearer/bearertest"
)

// The conformance table, through the reference adapter itself.
func TestConformance(t *testing.T) { bearertest.RunHTTP(t, bearertest.NetHTTP) }
