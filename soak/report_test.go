package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentiles(t *testing.T) {
	msList := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100 down to 1: the input order must not matter
	}
	thousand := make([]int, 1000)
	for i := range thousand {
		thousand[i] = i + 1
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Percentiles
	}{
		{"none", nil, Percentiles{}},
		{"one", msList(7), Percentiles{Count: 1, P50: 7, P99: 7, P999: 7, Max: 7}},
		{"two", msList(2, 1), Percentiles{Count: 2, P50: 1, P99: 2, P999: 2, Max: 2}},
		{"1..100", msList(hundred...), Percentiles{Count: 100, P50: 50, P99: 99, P999: 100, Max: 100}},
		{"1..1000", msList(thousand...), Percentiles{Count: 1000, P50: 500, P99: 990, P999: 999, Max: 1000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]time.Duration(nil), tt.in...)
			assert.Equal(t, tt.want, percentiles(tt.in), "percentiles")
			assert.Equal(t, before, tt.in, "percentiles must not reorder its input")
		})
	}
}

func TestWindowPhase(t *testing.T) {
	w := Window{Start: 10 * time.Second, For: 5 * time.Second, Allowance: 3 * time.Second}
	for _, tt := range []struct {
		at   time.Duration
		want string
	}{
		{0, PhaseBefore}, {9999 * time.Millisecond, PhaseBefore}, {10 * time.Second, PhaseOutage},
		{14999 * time.Millisecond, PhaseOutage}, {15 * time.Second, PhaseRecovery},
		{17999 * time.Millisecond, PhaseRecovery}, {18 * time.Second, PhaseAfter},
	} {
		assert.Equal(t, tt.want, w.phase(tt.at), "phase(%v)", tt.at)
	}
}

func TestBounded(t *testing.T) {
	d := 100 * time.Second
	at := []time.Duration{10 * time.Second, 30 * time.Second, 40 * time.Second, 60 * time.Second, 80 * time.Second, 99 * time.Second}
	tests := []struct {
		name    string
		values  []float64
		slack   float64
		want    Bound
		wantErr string
	}{
		{"flat", []float64{50, 10, 12, 99, 11, 12}, 0, Bound{SecondQuarterMax: 12, LastQuarterMax: 12, Limit: 18, OK: true}, ""},
		{"growing within slack", []float64{1, 10, 10, 10, 20, 25}, 10, Bound{SecondQuarterMax: 10, LastQuarterMax: 25, Limit: 25, OK: true}, ""},
		{"leaking", []float64{1, 10, 10, 30, 40, 50}, 10, Bound{SecondQuarterMax: 10, LastQuarterMax: 50, Limit: 25, OK: false}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bounded(at, tt.values, d, tt.slack, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got, "bounded(%v)", tt.values)
		})
	}
	_, err := bounded(at[:2], []float64{1, 2}, d, 0, nil)
	require.EqualError(t, err, "too few samples (1 in the second quarter, 0 in the last)")
	// The outage's samples are left out: a peak there is no trend.
	got, err := bounded(at, []float64{1, 10, 90, 10, 12, 12}, d, 0, func(t time.Duration) bool { return t == 40*time.Second })
	require.NoError(t, err)
	assert.Equal(t, Bound{SecondQuarterMax: 10, LastQuarterMax: 12, Limit: 15, OK: true}, got, "bounded without the outage's sample")
}

// TestAnalyse: the acceptance numbers come out of the records, and each
// breach is a failure.
func TestAnalyse(t *testing.T) {
	w := Window{Start: 40 * time.Second, For: 10 * time.Second, Allowance: 5 * time.Second}
	d := 100 * time.Second
	var samples []Sample
	for s := range 101 {
		samples = append(samples, Sample{At: time.Duration(s) * time.Second, HeapInuse: 5 << 20, Goroutines: 30,
			Fetches: map[string]float64{"updated": float64(s)}})
	}
	base := []Record{
		{At: time.Second, Latency: time.Millisecond, Kind: KindReused, Outcome: OutcomeOK},
		{At: 2 * time.Second, Latency: 2 * time.Millisecond, Kind: KindFresh, Outcome: OutcomeOK},
		{At: 3 * time.Second, Latency: 3 * time.Millisecond, Kind: KindInvalid, Invalid: InvalidAlgNone, Outcome: OutcomeUnauthorized},
		{At: 45 * time.Second, Latency: time.Second, Kind: KindReused, Outcome: OutcomeKeysUnavailable},
		{At: 52 * time.Second, Latency: 4 * time.Millisecond, Kind: KindFresh, Outcome: OutcomeUnauthorized},
	}
	tests := []struct {
		name         string
		extra        []Record
		wantDuring   int // valid refused during the outage and its allowance
		wantFailures []string
	}{
		{"clean", nil, 2, nil},
		{"valid refused after the allowance", []Record{{At: 56 * time.Second, Kind: KindReused, Outcome: OutcomeUnauthorized}}, 2,
			[]string{"1 valid tokens refused outside the outage window"}},
		{"invalid accepted", []Record{{At: 60 * time.Second, Kind: KindInvalid, Invalid: InvalidTampered, Outcome: OutcomeOK}}, 2,
			[]string{"1 invalid tokens accepted"}},
		{"invalid answered 400", []Record{{At: 60 * time.Second, Kind: KindInvalid, Invalid: InvalidGarbage, Outcome: OutcomeBadRequest}}, 2,
			[]string{"1 invalid tokens answered other than 401 (or the documented 503)"}},
		{"a 502 during the outage", []Record{{At: 45 * time.Second, Kind: KindReused, Outcome: OutcomeBadGateway}}, 3,
			[]string{"1 5xx answers other than the documented 503"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := append(append([]Record(nil), base...), tt.extra...)
			r := analyse(recs, samples, w, d)
			r.finish()
			assert.Equal(t, tt.wantFailures, r.Failures, "Failures")
			assert.Equal(t, len(tt.wantFailures) == 0, r.Pass, "Pass")
			assert.Equal(t, len(recs), r.Requests, "Requests")
			assert.Equal(t, tt.wantDuring, r.ValidRefused.DuringOutage, "valid refused during the outage and its allowance")
			assert.InDelta(t, 2.0, r.ValidRefused.LastAfterOutage, 1e-9, "last valid refusal after the outage's end (52 s, outage ending at 50 s)")
			assert.Equal(t, map[string]int{"200": 1, "401": 1}, r.ByKind["fresh"], "fresh tokens by answer")
			assert.Equal(t, 1, r.ServerErrors["503 keys unavailable"], "documented 503s")
			assert.Equal(t, 1, r.InvalidByType["alg-none"]["401"], "alg-none answered 401")
			assert.Equal(t, map[string]float64{"updated": 100}, r.KeyFetches, "key fetches from the last sample")
			assert.True(t, r.Heap.OK && r.Goroutines.OK, "flat heap and goroutines are bounded")
			assert.Len(t, r.Timeline, 100, "one entry per second")
			var text strings.Builder
			r.WriteText(&text)
			if r.Pass {
				assert.True(t, strings.HasSuffix(text.String(), "PASS\n"), "text report ends in PASS:\n%s", text.String())
			} else {
				assert.Contains(t, text.String(), "FAIL: "+tt.wantFailures[0], "text report")
			}
		})
	}
}
