package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Percentiles summarises latencies, in milliseconds.
type Percentiles struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P99   float64 `json:"p99_ms"`
	P999  float64 `json:"p99_9_ms"`
	Max   float64 `json:"max_ms"`
}

// percentiles returns the nearest-rank percentiles of lat (which it does
// not modify).
func percentiles(lat []time.Duration) Percentiles {
	if len(lat) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	rank := func(q float64) float64 {
		i := int(math.Ceil(q*float64(len(s)))) - 1
		return ms(s[min(max(i, 0), len(s)-1)])
	}
	return Percentiles{Count: len(s), P50: rank(0.50), P99: rank(0.99), P999: rank(0.999), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// Window is the outage: from Start for For, plus the recovery allowance
// after it, all from the start of the load.
type Window struct {
	Start, For, Allowance time.Duration
}

// The phases of the run, by a request's intended send time.
const (
	PhaseBefore   = "before outage"
	PhaseOutage   = "outage"
	PhaseRecovery = "recovery allowance"
	PhaseAfter    = "after"
)

// phase returns the phase of a request intended at at.
func (w Window) phase(at time.Duration) string {
	switch {
	case at < w.Start:
		return PhaseBefore
	case at < w.Start+w.For:
		return PhaseOutage
	case at < w.Start+w.For+w.Allowance:
		return PhaseRecovery
	}
	return PhaseAfter
}

// Rotation is one key rotation, done as issuers do: the next key is
// published, used once the gateway had time to fetch it, and the old key
// retired once its tokens have expired. Times are from the start of the
// load; a step past the end of the run is not taken.
type Rotation struct {
	Publish time.Duration `json:"-"`
	Use     time.Duration `json:"-"`
	Retire  time.Duration `json:"-"`
	// The same in seconds, for the JSON report.
	PublishS float64 `json:"publish_s"`
	UseS     float64 `json:"use_s"`
	RetireS  float64 `json:"retire_old_s"`
	Kid      string  `json:"kid"`
}

// Second is one second of the run.
type Second struct {
	T          int     `json:"t_s"`
	Requests   int     `json:"requests"`
	P50        float64 `json:"p50_ms"`
	P99        float64 `json:"p99_ms"`
	HeapMiB    float64 `json:"heap_inuse_mib,omitzero"`
	Goroutines float64 `json:"goroutines,omitzero"`
}

// Bound is the check that a series stays bounded: the maximum of the last
// quarter of the run is at most 1.5 times that of the second quarter plus
// a slack, both leaving out the outage and its recovery allowance (whose
// waits raise the requests in flight for a while).
type Bound struct {
	SecondQuarterMax float64 `json:"second_quarter_max"`
	LastQuarterMax   float64 `json:"last_quarter_max"`
	Limit            float64 `json:"limit"`
	OK               bool    `json:"ok"`
}

// Bound factors: a quarter's peak may grow by half, plus the slack, over
// the second quarter's (the first is warm-up).
const (
	boundFactor     = 1.5
	heapSlack       = 4 << 20 // bytes
	goroutinesSlack = 20
)

// bounded checks the series values (with their times) over a run of d,
// leaving out the times skip reports.
func bounded(at []time.Duration, values []float64, d time.Duration, slack float64, skip func(time.Duration) bool) (Bound, error) {
	var b Bound
	n2, n4 := 0, 0
	for i, t := range at {
		switch {
		case skip != nil && skip(t):
		case t >= d/4 && t < d/2:
			b.SecondQuarterMax = max(b.SecondQuarterMax, values[i])
			n2++
		case t >= 3*d/4 && t <= d:
			b.LastQuarterMax = max(b.LastQuarterMax, values[i])
			n4++
		}
	}
	if n2 == 0 || n4 == 0 {
		return b, fmt.Errorf("too few samples (%d in the second quarter, %d in the last)", n2, n4)
	}
	b.Limit = boundFactor*b.SecondQuarterMax + slack
	b.OK = b.LastQuarterMax <= b.Limit
	return b, nil
}

// Report is what a run found.
type Report struct {
	Settings        map[string]string         `json:"settings"`
	Requests        int                       `json:"requests"`
	ByKind          map[string]map[string]int `json:"by_kind"`         // kind -> outcome -> count
	InvalidByType   map[string]map[string]int `json:"invalid_by_type"` // invalid kind -> outcome -> count
	ValidRefused    ValidRefused              `json:"valid_refused"`
	InvalidAccepted int                       `json:"invalid_accepted"`
	InvalidNot401   int                       `json:"invalid_not_401"` // other than 401, and the documented 503 during the outage
	ServerErrors    map[string]int            `json:"server_errors"`   // by cause
	Overload        int64                     `json:"not_sent_overload"`
	TokenRequests   int64                     `json:"client_token_requests"`
	PoolMisses      int64                     `json:"pool_misses"`
	Latency         map[string]Percentiles    `json:"latency"` // "all", by phase, by kind
	Reasons         map[string]int            `json:"refusal_reasons"`
	Outage          map[string]float64        `json:"outage_s"`
	Rotations       []Rotation                `json:"rotations"`
	Issuer          map[string]int64          `json:"issuer_requests_by_mode"`
	Garbage         map[string]int64          `json:"garbage_answers"`
	KeyFetches      map[string]float64        `json:"gateway_key_fetches"`
	Heap            Bound                     `json:"heap_inuse_bytes"`
	Goroutines      Bound                     `json:"goroutines"`
	ScrapeErrors    int                       `json:"scrape_errors"`
	Timeline        []Second                  `json:"timeline"`
	Failures        []string                  `json:"failures"`
	Pass            bool                      `json:"pass"`
}

// ValidRefused counts valid tokens not answered 200.
type ValidRefused struct {
	DuringOutage int            `json:"during_outage"` // outage and recovery allowance
	Outside      int            `json:"outside"`
	ByPhase      map[string]int `json:"by_phase"`
	ByOutcome    map[string]int `json:"by_outcome"`
	// LastAfterOutage is how long after the outage's end the last valid
	// token was refused (0 if none was refused after it): the recovery.
	LastAfterOutage float64 `json:"last_after_outage_s"`
}

// analyse builds the report of a run of length d from its records and
// samples.
func analyse(recs []Record, samples []Sample, w Window, d time.Duration) *Report {
	r := &Report{
		Requests:      len(recs),
		ByKind:        map[string]map[string]int{},
		InvalidByType: map[string]map[string]int{},
		ValidRefused:  ValidRefused{ByPhase: map[string]int{}, ByOutcome: map[string]int{}},
		ServerErrors:  map[string]int{},
		Latency:       map[string]Percentiles{},
		Outage: map[string]float64{
			"start": w.Start.Seconds(), "end": (w.Start + w.For).Seconds(), "recovery_allowance": w.Allowance.Seconds(),
		},
	}
	lat := map[string][]time.Duration{}
	seconds := map[int][]time.Duration{}
	for _, rec := range recs {
		kind, out, ph := rec.Kind.String(), rec.Outcome.String(), w.phase(rec.At)
		inc(r.ByKind, kind, out)
		lat["all"] = append(lat["all"], rec.Latency)
		lat[ph] = append(lat[ph], rec.Latency)
		lat[kind] = append(lat[kind], rec.Latency)
		seconds[int(rec.At/time.Second)] = append(seconds[int(rec.At/time.Second)], rec.Latency)
		if rec.Outcome == OutcomeKeysUnavailable || rec.Outcome.unexpected5xx() {
			r.ServerErrors[out]++
		}
		switch rec.Kind {
		case KindInvalid:
			inc(r.InvalidByType, rec.Invalid.String(), out)
			switch rec.Outcome {
			case OutcomeOK:
				r.InvalidAccepted++
			case OutcomeUnauthorized:
			case OutcomeKeysUnavailable:
				// Documented only while the issuer cannot be asked for a
				// key ID the gateway has not cached.
				if ph != PhaseOutage && ph != PhaseRecovery {
					r.InvalidNot401++
				}
			default:
				r.InvalidNot401++
			}
		default:
			if rec.Outcome != OutcomeOK {
				r.ValidRefused.ByPhase[ph]++
				r.ValidRefused.ByOutcome[out]++
				if ph == PhaseRecovery {
					r.ValidRefused.LastAfterOutage = max(r.ValidRefused.LastAfterOutage, (rec.At - w.Start - w.For).Seconds())
				}
				if ph == PhaseOutage || ph == PhaseRecovery {
					r.ValidRefused.DuringOutage++
				} else {
					r.ValidRefused.Outside++
				}
			}
		}
	}
	for k, v := range lat {
		r.Latency[k] = percentiles(v)
	}
	bySecond := map[int]Sample{}
	var at []time.Duration
	var heap, gor []float64
	for _, s := range samples {
		bySecond[int(s.At/time.Second)] = s
		at = append(at, s.At)
		heap = append(heap, s.HeapInuse)
		gor = append(gor, s.Goroutines)
	}
	for t := 0; t < int(math.Ceil(d.Seconds())); t++ {
		p := percentiles(seconds[t])
		sec := Second{T: t, Requests: p.Count, P50: p.P50, P99: p.P99}
		if s, ok := bySecond[t]; ok {
			sec.HeapMiB, sec.Goroutines = math.Round(s.HeapInuse/(1<<20)*100)/100, s.Goroutines
		}
		r.Timeline = append(r.Timeline, sec)
	}
	var err error
	inOutage := func(t time.Duration) bool { return t >= w.Start && t < w.Start+w.For+w.Allowance && w.For > 0 }
	if r.Heap, err = bounded(at, heap, d, heapSlack, inOutage); err != nil {
		r.Failures = append(r.Failures, "heap: "+err.Error())
	} else if !r.Heap.OK {
		r.Failures = append(r.Failures, fmt.Sprintf("heap not bounded: last-quarter max %.1f MiB > %.1f MiB (%.1f × second-quarter max %.1f MiB + %d MiB)",
			r.Heap.LastQuarterMax/(1<<20), r.Heap.Limit/(1<<20), boundFactor, r.Heap.SecondQuarterMax/(1<<20), heapSlack>>20))
	}
	if r.Goroutines, err = bounded(at, gor, d, goroutinesSlack, inOutage); err != nil {
		r.Failures = append(r.Failures, "goroutines: "+err.Error())
	} else if !r.Goroutines.OK {
		r.Failures = append(r.Failures, fmt.Sprintf("goroutines not bounded: last-quarter max %.0f > %.0f (%.1f × second-quarter max %.0f + %d)",
			r.Goroutines.LastQuarterMax, r.Goroutines.Limit, boundFactor, r.Goroutines.SecondQuarterMax, goroutinesSlack))
	}
	if len(samples) > 0 {
		r.KeyFetches = samples[len(samples)-1].Fetches
	}
	if r.InvalidAccepted > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d invalid tokens accepted", r.InvalidAccepted))
	}
	if r.InvalidNot401 > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d invalid tokens answered other than 401 (or the documented 503)", r.InvalidNot401))
	}
	if r.ValidRefused.Outside > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d valid tokens refused outside the outage window", r.ValidRefused.Outside))
	}
	unexpected := 0
	for o := range numOutcomes {
		if o.unexpected5xx() {
			unexpected += r.ServerErrors[o.String()]
		}
	}
	if unexpected > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d 5xx answers other than the documented 503", unexpected))
	}
	if r.Requests == 0 {
		r.Failures = append(r.Failures, "no request was sent")
	}
	return r
}

// finish records the failures found outside analyse and sets Pass.
func (r *Report) finish() {
	if r.Overload > 0 {
		r.Failures = append(r.Failures, fmt.Sprintf("%d requests not sent: more than %d in flight", r.Overload, maxInflight))
	}
	r.Pass = len(r.Failures) == 0
}

func inc(m map[string]map[string]int, k1, k2 string) {
	if m[k1] == nil {
		m[k1] = map[string]int{}
	}
	m[k1][k2]++
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("soak report")
	for _, k := range slices.Sorted(maps.Keys(r.Settings)) {
		p("  %-22s %s", k, r.Settings[k])
	}
	p("requests: %d (token requests by clients %d, pool misses %d, not sent %d)", r.Requests, r.TokenRequests, r.PoolMisses, r.Overload)
	for _, k := range []string{"reused", "fresh", "invalid"} {
		p("  %-8s %s", k, counts(r.ByKind[k]))
	}
	p("invalid tokens by type:")
	for _, k := range invalidNames {
		p("  %-17s %s", k, counts(r.InvalidByType[k]))
	}
	p("invalid accepted: %d; invalid answered other than 401/503: %d", r.InvalidAccepted, r.InvalidNot401)
	p("valid refused: %d during the outage (%.0fs-%.0fs, plus %.0fs recovery allowance), %d outside",
		r.ValidRefused.DuringOutage, r.Outage["start"], r.Outage["end"], r.Outage["recovery_allowance"], r.ValidRefused.Outside)
	if len(r.ValidRefused.ByPhase) > 0 {
		p("  by phase: %s; by answer: %s; the last %.2fs after the outage ended",
			counts(r.ValidRefused.ByPhase), counts(r.ValidRefused.ByOutcome), r.ValidRefused.LastAfterOutage)
	}
	p("5xx by cause: %s", counts(r.ServerErrors))
	p("latency from the intended send time (ms):")
	for _, k := range []string{"all", PhaseBefore, PhaseOutage, PhaseRecovery, PhaseAfter, "reused", "fresh", "invalid"} {
		if l, ok := r.Latency[k]; ok {
			p("  %-19s n=%-7d p50 %7.2f  p99 %7.2f  p99.9 %7.2f  max %8.2f", k, l.Count, l.P50, l.P99, l.P999, l.Max)
		}
	}
	p("rotations (s from start: publish, use, retire old):")
	for _, rot := range r.Rotations {
		p("  %5.1f %5.1f %5.1f  kid %s", rot.PublishS, rot.UseS, rot.RetireS, rot.Kid)
	}
	p("issuer requests through the fault proxy, by mode: %s", counts64(r.Issuer))
	if len(r.Garbage) > 0 {
		p("  garbage answers: %s", counts64(r.Garbage))
	}
	p("gateway key fetches: %s", countsF(r.KeyFetches))
	p("heap in use (MiB): second-quarter max %.1f, last-quarter max %.1f, limit %.1f: %s",
		r.Heap.SecondQuarterMax/(1<<20), r.Heap.LastQuarterMax/(1<<20), r.Heap.Limit/(1<<20), okWord(r.Heap.OK))
	p("goroutines: second-quarter max %.0f, last-quarter max %.0f, limit %.0f: %s",
		r.Goroutines.SecondQuarterMax, r.Goroutines.LastQuarterMax, r.Goroutines.Limit, okWord(r.Goroutines.OK))
	p("heap and goroutines over time (every 10 s):")
	for _, s := range r.Timeline {
		if s.T%10 == 0 {
			p("  t=%4ds  %5d req/s  p50 %6.2f ms  p99 %7.2f ms  heap %6.2f MiB  goroutines %4.0f", s.T, s.Requests, s.P50, s.P99, s.HeapMiB, s.Goroutines)
		}
	}
	if len(r.Reasons) > 0 {
		p("refusals (kind: answer: description):")
		keys := slices.SortedFunc(maps.Keys(r.Reasons), func(a, b string) int { return cmp.Compare(a, b) })
		for _, k := range keys {
			p("  %6d  %s", r.Reasons[k], k)
		}
	}
	if r.ScrapeErrors > 0 {
		p("failed /metrics scrapes: %d", r.ScrapeErrors)
	}
	if r.Pass {
		p("PASS")
		return
	}
	for _, f := range r.Failures {
		p("FAIL: %s", f)
	}
}

func okWord(ok bool) string {
	if ok {
		return "bounded"
	}
	return "NOT bounded"
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func counts64(m map[string]int64) string {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = int(v)
	}
	return counts(c)
}

func countsF(m map[string]float64) string {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = int(v)
	}
	return counts(c)
}

// sortRecords sorts records by intended send time.
func sortRecords(recs []Record) {
	slices.SortStableFunc(recs, func(a, b Record) int { return cmp.Compare(a.At, b.At) })
}
