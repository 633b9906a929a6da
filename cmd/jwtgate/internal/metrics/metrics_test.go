package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

func TestMetrics(t *testing.T) {
	m := New()
	m.Request("allowed", time.Millisecond)
	m.Upstream(2 * time.Millisecond)
	m.OnFetch("https://issuer.example")(jwks.FetchEvent{Result: jwks.FetchUpdated})
	m.OnFetch("https://issuer.example")(jwks.FetchEvent{Result: jwks.FetchFailed, Err: errors.New("down")})
	at := time.Unix(1700000000, 0)
	m.Reload(true, at)
	m.Reload(false, at.Add(time.Hour))

	assert.Equal(t, 1.0, testutil.ToFloat64(m.requests.WithLabelValues("allowed")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.keyFetches.WithLabelValues("https://issuer.example", "updated")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.keyFetches.WithLabelValues("https://issuer.example", "failed")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.reloads.WithLabelValues("success")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.reloads.WithLabelValues("failure")))
	assert.Equal(t, 1700000000.0, testutil.ToFloat64(m.lastReload), "a failed reload leaves the last success time")

	n, err := testutil.GatherAndCount(m.Registry(), "jwtgate_request_duration_seconds", "jwtgate_upstream_duration_seconds")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "histogram series")
	lint, err := testutil.GatherAndLint(m.Registry())
	require.NoError(t, err)
	for _, p := range lint {
		if strings.HasPrefix(p.Metric, "jwtgate_") {
			t.Errorf("metric %s: %s", p.Metric, p.Text)
		}
	}
}
