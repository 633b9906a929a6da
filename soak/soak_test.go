package main

import (
	"bytes"
	"context"
	"encoding/json/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSoakShort runs a short soak end to end (the real jwtgate binary,
// the fault proxy, rotations, the outage) and checks the acceptance
// numbers, the files written and that nothing is left running.
func TestSoakShort(t *testing.T) {
	goroutines := runtime.NumGoroutine()
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{
		"-duration", "14s", "-rate", "80", "-clients", "16", "-token-lifetime", "5s",
		"-rotate-every", "4s", "-outage-start", "4s", "-outage-for", "4s",
		"-refresh", "2s", "-cooldown", "1s", "-max-backoff", "1s", "-fetch-timeout", "1s", "-max-wait", "500ms",
		"-out", out,
	}, &stdout, &stderr)
	require.Equal(t, 0, code, "soak exit code; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())

	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	require.NoError(t, err, "report.json")
	var r Report
	require.NoError(t, json.Unmarshal(data, &r), "report.json parses")
	assert.True(t, r.Pass, "Pass")
	assert.Empty(t, r.Failures, "Failures")
	assert.InDelta(t, 14*80, r.Requests, 2, "requests sent: duration × rate")
	// 16 clients, 5 s tokens renewed 2 s before expiry over 14 s: each
	// client asked the token endpoint at least twice.
	assert.GreaterOrEqual(t, r.TokenRequests, int64(2*16), "token requests by the clients")
	assert.Zero(t, r.InvalidAccepted, "invalid accepted")
	assert.Zero(t, r.ValidRefused.Outside, "valid refused outside the outage")
	for _, k := range []string{"reused", "fresh", "invalid"} {
		assert.NotEmpty(t, r.ByKind[k], "requests of kind %s", k)
	}
	assert.Zero(t, r.InvalidNot401, "invalid tokens answered other than 401 (or 503 during the outage)")
	for _, k := range invalidNames {
		got := r.InvalidByType[k]["401"]
		if k == InvalidUnknownKid.String() {
			// While the issuer cannot be asked, an unknown kid cannot be
			// checked: the documented 503, never a 200.
			got += r.InvalidByType[k][OutcomeKeysUnavailable.String()]
		}
		assert.Equal(t, got, sum(r.InvalidByType[k]), "invalid %s: every answer 401 (%v)", k, r.InvalidByType[k])
		assert.Positive(t, r.InvalidByType[k]["401"], "invalid %s sent", k)
	}
	faults := r.Issuer["error"] + r.Issuer["hang"] + r.Issuer["garbage"] + r.Issuer["reset"]
	assert.Positive(t, faults, "the issuer failed some key fetches: %v", r.Issuer)
	assert.Positive(t, r.Issuer["pass"], "the issuer served some key fetches: %v", r.Issuer)
	assert.Positive(t, r.KeyFetches["failed"], "the gateway counted failed fetches: %v", r.KeyFetches)
	used := 0
	for _, rot := range r.Rotations {
		if rot.UseS < 14 {
			used++
			assert.NotEmpty(t, rot.Kid, "rotation at %vs has its key", rot.PublishS)
		}
	}
	assert.GreaterOrEqual(t, used, 2, "rotations taken: %+v", r.Rotations)
	assert.Greater(t, r.Heap.SecondQuarterMax, float64(0), "heap scraped")
	assert.Greater(t, r.Goroutines.SecondQuarterMax, float64(0), "goroutines scraped")
	assert.Contains(t, stdout.String(), "PASS", "text report")
	for _, f := range []string{"report.txt", "soak.png", "jwtgate.log"} {
		st, err := os.Stat(filepath.Join(out, f))
		if assert.NoError(t, err, "%s written", f) && f != "jwtgate.log" {
			assert.Positive(t, st.Size(), "%s size", f)
		}
	}
	png, err := os.ReadFile(filepath.Join(out, "soak.png"))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")), "soak.png is a PNG")

	// Nothing left behind: the gateway is gone and our goroutines end.
	gw := r.Settings["gateway"]
	require.NotEmpty(t, gw, "the report names the gateway's address")
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= goroutines+2 }, 10*time.Second, 20*time.Millisecond,
		"goroutines after the run: %d, before: %d", runtime.NumGoroutine(), goroutines)
	assert.False(t, listening(gw), "jwtgate still listens on %s after the run", gw)
}

// listening reports whether addr accepts TCP connections.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{nil, ""},
		{[]string{"-duration", "2s"}, "soak: -duration must be at least 4s"},
		{[]string{"-rate", "0"}, "soak: -rate must be from 1 to 20000"},
		{[]string{"-outage-start", "80s", "-outage-for", "20s"}, "soak: the outage must lie within -duration"},
		{[]string{"-fresh", "0.6", "-invalid", "0.6"}, "soak: -fresh and -invalid must be shares from 0 to 1 that add up to at most 1"},
		{[]string{"-max-wait", "3s"}, "soak: -max-wait must not exceed -fetch-timeout"},
		{[]string{"-outage-modes", "error,flood"}, `soak: unknown fault mode "flood" (known: pass, error, hang, garbage, reset)`},
		{[]string{"extra"}, `soak: unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			o, err := parseFlags(tt.args, &bytes.Buffer{})
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr, "parseFlags(%q)", tt.args)
				return
			}
			require.NoError(t, err, "parseFlags(%q)", tt.args)
			assert.Equal(t, 90*time.Second, o.Duration, "default duration")
			assert.Equal(t, 45*time.Second, o.Timers.MaxStale, "default max_stale: the outage plus 30s")
			assert.Equal(t, 5*time.Second, o.window().Allowance, "recovery allowance: fetch timeout, max backoff and 1s")
		})
	}
}

func TestRotationsPlan(t *testing.T) {
	o, err := parseFlags([]string{"-duration", "60s", "-rotate-every", "25s", "-token-lifetime", "10s", "-refresh", "3s", "-leeway", "1s"}, &bytes.Buffer{})
	require.NoError(t, err)
	got := o.rotations()
	require.Len(t, got, 2, "rotations in 60s, one every 25s: %+v", got)
	// Use after one refresh interval and 2s; retire after lifetime, leeway and 1s more.
	assert.Equal(t, []time.Duration{25 * time.Second, 30 * time.Second, 42 * time.Second}, []time.Duration{got[0].Publish, got[0].Use, got[0].Retire})
	assert.Equal(t, []time.Duration{50 * time.Second, 55 * time.Second, 67 * time.Second}, []time.Duration{got[1].Publish, got[1].Use, got[1].Retire})
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 4.194304e+06
# TYPE go_memstats_heap_alloc_bytes gauge
go_memstats_heap_alloc_bytes 3e+06
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.5e+07
# TYPE jwtgate_key_fetches_total counter
jwtgate_key_fetches_total{issuer="a",result="updated"} 7
jwtgate_key_fetches_total{issuer="b",result="updated"} 1
jwtgate_key_fetches_total{issuer="a",result="failed"} 3
`
	s, err := parseMetrics(strings.NewReader(text))
	require.NoError(t, err, "parseMetrics")
	assert.Equal(t, Sample{HeapInuse: 4194304, HeapAlloc: 3e6, Goroutines: 42, RSS: 2.5e7,
		Fetches: map[string]float64{"updated": 8, "failed": 3}}, s)

	_, err = parseMetrics(strings.NewReader("go_memstats_heap_inuse_bytes 1\n"))
	require.EqualError(t, err, "soak: /metrics has no go_goroutines")
	_, err = parseMetrics(strings.NewReader("not { metrics\n"))
	require.Error(t, err, "parseMetrics of garbage")
}
