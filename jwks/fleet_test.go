package jwks_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/jwtgate/jwtgate/jwks"
)

// The fleet simulation: N instances of a server, each with its own
// jwks.Remote (default timers, unchanged scheduler), fetch from one issuer
// through the in-memory transport of storm_test.go, in a synctest bubble
// where a day of fake time passes in seconds. The issuer records the fake
// time of every request; the tables give key-set fetches per second at the
// issuer, per phase. RELIABILITY.md (section Fleet) shows and explains them.
//
//	go test ./jwks/ -run TestFleet -v           # N = 1 and 100
//	go test ./jwks/ -run TestFleet -v -fleet    # also N = 10,000, tables as markdown

var fleetFlag = flag.Bool("fleet", false, "fleet simulation: also run N = 10,000 instances and print the tables as markdown")

// Timeline of the default-timers run, from the moment every instance starts.
const (
	fleetLifetime     = jwks.DefaultRefreshInterval // no caching headers
	fleetPublishAhead = 7 * time.Hour               // key b appears in the set
	fleetUseAhead     = 8 * time.Hour               // tokens signed with b arrive
	fleetRotate       = 9 * time.Hour               // key c appears and is used at once
	fleetErrorsDown   = 10 * time.Hour              // issuer answers 503, for fleetOutage
	fleetHangDown     = 18 * time.Hour              // issuer hangs, for fleetOutage
	fleetOutage       = 2 * time.Hour
	fleetAfter        = 6 * time.Hour // watched after each recovery
	fleetEnd          = fleetHangDown + fleetOutage + fleetAfter
	fleetArrival      = time.Second // tokens with a new kid reach each instance within this
	fleetTokens       = 5           // tokens with the new kid each instance receives in fleetArrival
	fleetMaxAge       = 6 * time.Hour
	fleetMaxAgeEnd    = 25 * time.Hour
)

// fleetInstance is one server: its Remote, the fake times of the requests
// it made, and the fake times at which tokens with a new kid reached it.
type fleetInstance struct {
	r        *jwks.Remote
	issuer   http.Handler
	mu       sync.Mutex
	requests []time.Time
	lookups  []time.Time
	fetches  []fleetFetch
}

// fleetFetch is one fetch an instance made, from its OnFetch hook.
type fleetFetch struct {
	start, end time.Time
	ok         bool
}

func (in *fleetInstance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in.mu.Lock()
	in.requests = append(in.requests, time.Now())
	in.mu.Unlock()
	in.issuer.ServeHTTP(w, r)
}

// kidFetches counts the requests the instance made at the very instant one
// of its lookups ran: the fetches those lookups triggered. (Fake time does
// not pass during a fetch from the in-memory issuer; a background refresh at
// the same nanosecond does not happen.)
func (in *fleetInstance) kidFetches(from time.Time) int {
	in.mu.Lock()
	defer in.mu.Unlock()
	n := 0
	for _, at := range in.requests {
		if !at.Before(from) && slices.Contains(in.lookups, at) {
			n++
		}
	}
	return n
}

// refreshedBefore reports whether the instance made a request at or after
// from and before its first lookup since from.
func (in *fleetInstance) refreshedBefore(from time.Time) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	first := time.Time{}
	for _, at := range in.lookups {
		if !at.Before(from) && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	return slices.ContainsFunc(in.requests, func(at time.Time) bool { return !at.Before(from) && at.Before(first) })
}

// fleet is the simulated fleet and its issuer, inside one bubble.
type fleet struct {
	t      *testing.T
	start  time.Time
	issuer *stormIssuer
	nodes  []*fleetInstance
}

func newFleet(t *testing.T, n int, issuer *stormIssuer) *fleet {
	f := &fleet{t: t, start: time.Now(), issuer: issuer}
	for range n {
		in := &fleetInstance{issuer: issuer}
		in.r = stormRemote(t, in, jwks.RemoteConfig{Hooks: jwks.Hooks{OnFetch: func(e jwks.FetchEvent) {
			now := time.Now()
			in.mu.Lock()
			in.fetches = append(in.fetches, fleetFetch{start: now.Add(-e.Duration), end: now, ok: e.Result != jwks.FetchFailed})
			in.mu.Unlock()
		}}})
		f.nodes = append(f.nodes, in)
	}
	return f
}

func (f *fleet) close() {
	for _, in := range f.nodes {
		in.r.Close()
	}
}

// at returns the fake time d after the fleet started.
func (f *fleet) at(d time.Duration) time.Time { return f.start.Add(d) }

// advanceTo lets fake time pass until d after the start, and lets every
// fetch due by then finish.
func (f *fleet) advanceTo(d time.Duration) {
	advance(time.Until(f.at(d)))
	synctest.Wait()
}

// startAll starts every instance at once, as start-up code does: Refresh,
// to fail fast if the issuer is down.
func (f *fleet) startAll() {
	var wg sync.WaitGroup
	for i, in := range f.nodes {
		wg.Go(func() {
			assert.NoError(f.t, in.r.Refresh(context.Background()), "Refresh of instance %d at start-up", i)
		})
	}
	wg.Wait()
}

// tokens delivers fleetTokens tokens with kid to every instance, each at a
// uniform random instant within fleetArrival from now, and waits for the
// lookups; it returns how many failed.
func (f *fleet) tokens(kid string) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for _, in := range f.nodes {
		for range fleetTokens {
			wait := rand.N(fleetArrival)
			wg.Go(func() {
				advance(wait)
				in.mu.Lock()
				in.lookups = append(in.lookups, time.Now())
				in.mu.Unlock()
				if _, err := in.r.Keys(context.Background(), q(kid)); err != nil {
					mu.Lock()
					failed++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return failed
}

// kidFetches counts the fetches that lookups triggered, fleet-wide, and the
// most any one instance made, since from.
func (f *fleet) kidFetches(from time.Time) (total, most int) {
	for _, in := range f.nodes {
		k := in.kidFetches(from)
		total, most = total+k, max(most, k)
	}
	return total, most
}

// refreshedBeforeTokens counts the instances whose background refresh
// came after from and before their first token with a new kid.
func (f *fleet) refreshedBeforeTokens(from time.Time) int {
	n := 0
	for _, in := range f.nodes {
		if in.refreshedBefore(from) {
			n++
		}
	}
	return n
}

// recovered counts the instances whose last fetch succeeded.
func (f *fleet) recovered() int {
	n := 0
	for _, in := range f.nodes {
		if st := in.r.Status(); st.Ready && st.Failures == 0 {
			n++
		}
	}
	return n
}

// ready counts the instances with usable keys.
func (f *fleet) ready() int {
	n := 0
	for _, in := range f.nodes {
		if in.r.Status().Ready {
			n++
		}
	}
	return n
}

// fleetStats are the issuer's fetches in one window.
type fleetStats struct {
	Phase, Window string
	N             int
	Fetches       int
	Mean          float64 // fetches per second over the window
	Peak1         int     // most fetches in any 1 s (sliding)
	Peak10        float64 // most fetches in any 10 s (sliding), per second
}

// window computes the stats of the sorted arrival times in [from, to).
func window(times []time.Time, from, to time.Time) (count, peak1, peak10 int) {
	lo, _ := slices.BinarySearchFunc(times, from, time.Time.Compare)
	hi, _ := slices.BinarySearchFunc(times, to, time.Time.Compare)
	in := times[lo:hi]
	return len(in), peakIn(in, time.Second), peakIn(in, 10*time.Second)
}

// peakIn returns the most sorted times within any span shorter than w.
func peakIn(times []time.Time, w time.Duration) int {
	most, i := 0, 0
	for j := range times {
		for times[j].Sub(times[i]) >= w {
			i++
		}
		most = max(most, j-i+1)
	}
	return most
}

// stats measures the issuer's arrivals between from and to after the start.
func (f *fleet) stats(phase string, from, to time.Duration) fleetStats {
	times := f.issuer.arrivals()
	slices.SortFunc(times, time.Time.Compare)
	count, p1, p10 := window(times, f.at(from), f.at(to))
	return fleetStats{
		Phase: phase, Window: fmtWindow(from, to), N: len(f.nodes), Fetches: count,
		Mean: float64(count) / (to - from).Seconds(), Peak1: p1, Peak10: float64(p10) / 10,
	}
}

// bunching returns, for each hour from `from` (the last one cut at to),
// the busiest 10 s over the hour's mean: about 1.5 for a large fleet whose
// refreshes are spread, 5 or more for one whose refreshes fall in the same
// few minutes.
func (f *fleet) bunching(from, to time.Duration) []float64 {
	times := f.issuer.arrivals()
	slices.SortFunc(times, time.Time.Compare)
	var out []float64
	for a := from; a < to; a += time.Hour {
		b := min(a+time.Hour, to)
		count, _, p10 := window(times, f.at(a), f.at(b))
		ratio := 0.0
		if count > 0 {
			ratio = float64(p10) / (float64(count) / (b - a).Seconds() * 10)
		}
		out = append(out, ratio)
	}
	return out
}

// nextRefresh returns, for each instance, how long after its first
// successful fetch at or after from its next fetch started.
func (f *fleet) nextRefresh(from time.Time) []time.Duration {
	var out []time.Duration
	for _, in := range f.nodes {
		in.mu.Lock()
		i := slices.IndexFunc(in.fetches, func(e fleetFetch) bool { return !e.end.Before(from) && e.ok })
		if i >= 0 && i+1 < len(in.fetches) {
			out = append(out, in.fetches[i+1].start.Sub(in.fetches[i].end))
		}
		in.mu.Unlock()
	}
	return out
}

// gapStats summarises next-refresh delays as fractions of the lifetime:
// the shortest, the longest, and the share under 75 %.
type gapStats struct {
	Event           string
	N               int
	Min, Max, Early float64
}

func summariseGaps(event string, n int, gaps []time.Duration, lifetime time.Duration) gapStats {
	g := gapStats{Event: event, N: n, Min: 1e9}
	for _, d := range gaps {
		x := d.Seconds() / lifetime.Seconds()
		g.Min, g.Max = min(g.Min, x), max(g.Max, x)
		if x < 0.75 {
			g.Early++
		}
	}
	if len(gaps) > 0 {
		g.Early /= float64(len(gaps))
	}
	return g
}

func fmtWindow(from, to time.Duration) string {
	return fmtOffset(from) + " – " + fmtOffset(to)
}

func fmtOffset(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", d/time.Hour, d%time.Hour/time.Minute)
	default:
		return d.String()
	}
}

// steadyMean is the mean fetch rate of n instances refreshing a set of the
// given lifetime: one fetch per mean refresh delay (82.5 % of the lifetime).
func steadyMean(n int, lifetime time.Duration) float64 {
	return float64(n) / (0.825 * lifetime.Seconds())
}

// assertSteady checks a window of routine refreshes: every instance makes
// between D/(0.9 L) - 1 and D/(0.75 L) + 1 fetches in a window of length D
// (its refresh delays are within 75 % to 90 % of the lifetime L), and a fleet
// of 100 or more averages within 10 % of N/(0.825 L).
func assertSteady(t *testing.T, s fleetStats, d, lifetime time.Duration) {
	t.Helper()
	n := float64(s.N)
	lo := n * (d.Seconds()/(0.9*lifetime.Seconds()) - 1)
	hi := n * (d.Seconds()/(0.75*lifetime.Seconds()) + 1)
	assert.True(t, float64(s.Fetches) >= lo && float64(s.Fetches) <= hi,
		"%s: issuer saw %d fetches from %d instances in %v, want within [%.0f, %.0f]", s.Phase, s.Fetches, s.N, d, lo, hi)
	if s.N >= 100 {
		want := steadyMean(s.N, lifetime)
		assert.InEpsilon(t, want, s.Mean, 0.10, "%s: mean fetches/s from %d instances, want N/(0.825 x %v) = %.3f", s.Phase, s.N, lifetime, want)
	}
}

// recoveryPeakBound bounds the busiest 10 s after an outage: each instance,
// at the 5 min MaxBackoff, retries at most once per 150 s (equal jitter:
// half fixed), so N instances average at most N/15 fetches per 10 s; twice
// that plus 10 leaves room for chance. A herd (every instance at once)
// would be N.
func recoveryPeakBound(n int) float64 {
	return 2*float64(n)*10/(jwks.DefaultMaxBackoff/2).Seconds() + 10
}

// outageLoadBound bounds one instance's requests during an outage of d:
// nine quick retries (1 s doubling to 256 s, each at least half) and then
// at least 150 s between retries, plus the refresh that found the issuer
// down.
func outageLoadBound(d time.Duration) float64 {
	return 10 + d.Seconds()/(jwks.DefaultMaxBackoff/2).Seconds()
}

// fleetResults collects the figures of every fleet size as the simulations
// make them (a failed assertion ends a synctest bubble's test at once).
type fleetResults struct {
	rows  []fleetStats
	gaps  []gapStats
	bunch map[int]map[string][]float64
}

// simulateFleet runs the default-timers timeline with n instances and
// adds its phases, the bunching after each event and the delays to the
// next refresh after each event to out.
func simulateFleet(t *testing.T, n int, out *fleetResults) {
	a, b, c := stormKey(t), stormKey(t), stormKey(t)
	issuer := newStormIssuer(jwksJSON(t, ecJWK("a", a)))
	issuer.header.Set("ETag", `"a"`) // no Cache-Control, no Expires: RefreshInterval applies
	synctest.Test(t, func(t *testing.T) {
		f := newFleet(t, n, issuer)
		defer f.close()

		// Start-up: every instance at once.
		f.startAll()
		f.advanceTo(time.Minute)
		s := f.stats("start-up, all at once", 0, time.Minute)
		assert.Equal(t, n, f.stats("", 0, time.Nanosecond).Fetches, "fetches at the instant %d instances started", n)
		out.rows = append(out.rows, s)

		// Steady state.
		f.advanceTo(fleetPublishAhead)
		s = f.stats("steady state (1 h lifetime)", time.Hour, fleetPublishAhead)
		assertSteady(t, s, fleetPublishAhead-time.Hour, fleetLifetime)
		out.rows = append(out.rows, s)

		// A key published an hour ahead of use (more than the 54 min
		// longest refresh delay): routine refreshes bring it, and its
		// tokens cost no fetch.
		issuer.set(func(s *stormIssuer) {
			s.body = jwksJSON(t, ecJWK("a", a), ecJWK("b", b))
			s.header.Set("ETag", `"ab"`)
		})
		f.advanceTo(fleetUseAhead)
		assert.Zero(t, f.tokens("b"), "lookups of key b published an hour ahead that failed")
		f.advanceTo(fleetUseAhead + time.Minute)
		total, _ := f.kidFetches(f.at(fleetUseAhead))
		assert.Zero(t, total, "fetches triggered by tokens signed with a key published an hour ahead")
		out.rows = append(out.rows, f.stats("rotation, key published 1 h ahead", fleetUseAhead, fleetUseAhead+time.Minute))

		// A key used as soon as it is published: each instance fetches
		// once, when its first token with the new kid arrives.
		f.advanceTo(fleetRotate)
		issuer.set(func(s *stormIssuer) {
			s.body = jwksJSON(t, ecJWK("b", b), ecJWK("c", c))
			s.header.Set("ETag", `"bc"`)
		})
		assert.Zero(t, f.tokens("c"), "lookups of key c used at once that failed")
		f.advanceTo(fleetRotate + time.Minute)
		total, most := f.kidFetches(f.at(fleetRotate))
		ahead := f.refreshedBeforeTokens(f.at(fleetRotate))
		assert.Equal(t, n, total+ahead, "instances that fetched for their first token with a new key (%d) or had refreshed just before it (%d)", total, ahead)
		assert.LessOrEqual(t, most, 1, "fetches one instance made for %d tokens with one new key", fleetTokens)
		out.rows = append(out.rows, f.stats("rotation, new key used at once", fleetRotate, fleetRotate+time.Minute))

		out.rows = append(out.rows, f.outage(t, "503", fleetErrorsDown, func(s *stormIssuer) { s.status = http.StatusServiceUnavailable },
			func(s *stormIssuer) { s.status = http.StatusOK })...)
		var gate chan struct{}
		out.rows = append(out.rows, f.outage(t, "hang", fleetHangDown, func(s *stormIssuer) {
			gate = make(chan struct{})
			s.gate = gate
		}, func(s *stormIssuer) {
			s.gate = nil
			close(gate)
		})...)

		bunch := map[string][]float64{
			"1 start-up at once":          f.bunching(time.Minute, 6*time.Hour+time.Minute),
			"2 new key used at once":      f.bunching(fleetRotate+time.Minute, fleetErrorsDown),
			"3 recovery from 503 outage":  f.bunching(fleetErrorsDown+fleetOutage+10*time.Minute, fleetErrorsDown+fleetOutage+fleetAfter),
			"4 recovery from hang outage": f.bunching(fleetHangDown+fleetOutage+10*time.Minute, fleetEnd),
		}
		out.bunch[n] = bunch
		for _, e := range []struct {
			event    string
			at       time.Duration
			recovery bool
		}{
			{"start-up at once", 0, false},
			{"new key used at once", fleetRotate, false},
			{"recovery from 503 outage", fleetErrorsDown + fleetOutage, true},
			{"recovery from hang outage", fleetHangDown + fleetOutage, true},
		} {
			g := f.nextRefresh(f.at(e.at))
			assert.Len(t, g, n, "instances with a refresh after the %s", e.event)
			gs := summariseGaps(e.event, n, g, fleetLifetime)
			assert.LessOrEqual(t, gs.Max, 0.9, "longest delay, as a fraction of the lifetime, before the refresh that followed the %s", e.event)
			if e.recovery && n >= 100 {
				// Spread over the whole refresh delay (full jitter), about
				// 91 % of the instances refresh before 75 % of the lifetime;
				// at 75-90 % alone, none would, and the fleet would refresh
				// within the same quarter of an hour for hours.
				assert.GreaterOrEqual(t, gs.Early, 0.5, "share of %d instances refreshing before 75 %% of the lifetime after the %s", n, e.event)
			}
			out.gaps = append(out.gaps, gs)
		}
		if n >= 10000 {
			for _, k := range []string{"3 recovery from 503 outage", "4 recovery from hang outage"} {
				assert.LessOrEqual(t, bunch[k][0], 4.0, "busiest 10 s over the mean in the hour after the %s, %d instances", k[2:], n)
			}
		}
	})
}

// outage takes the issuer down at `down` for fleetOutage and watches the
// recovery and the hours after it.
func (f *fleet) outage(t *testing.T, kind string, down time.Duration, fail, heal func(*stormIssuer)) []fleetStats {
	t.Helper()
	n := len(f.nodes)
	up := down + fleetOutage
	f.advanceTo(down)
	f.issuer.set(fail)
	f.advanceTo(up)
	during := f.stats("outage, "+kind, down, up)
	assert.LessOrEqual(t, float64(during.Fetches), float64(n)*outageLoadBound(fleetOutage),
		"fetches by %d instances during a %v outage (%s)", n, fleetOutage, kind)
	assert.Zero(t, f.recovered(), "instances whose last fetch succeeded at the end of a %v outage (%s)", fleetOutage, kind)
	assert.Equal(t, n, f.ready(), "instances still serving from their last good keys after a %v outage (%s)", fleetOutage, kind)

	f.issuer.set(heal)
	back := jwks.DefaultMaxBackoff + jwks.DefaultFetchTimeout
	f.advanceTo(up + back)
	assert.Equal(t, n, f.recovered(), "instances recovered %v after a %v outage (%s) ended", back, fleetOutage, kind)
	f.advanceTo(up + fleetAfter)
	rec := f.stats("recovery, "+kind, up, up+10*time.Minute)
	assert.LessOrEqual(t, rec.Peak10*10, recoveryPeakBound(n), "busiest 10 s after a %v outage (%s) with %d instances", fleetOutage, kind, n)
	after := f.stats("after recovery, "+kind, up+10*time.Minute, up+fleetAfter)
	assertSteady(t, after, fleetAfter-10*time.Minute, fleetLifetime)
	return []fleetStats{during, rec, after}
}

// simulateMaxAge runs a steady state where the issuer sends
// Cache-Control max-age (as large issuers do, for hours).
func simulateMaxAge(t *testing.T, n int, out *fleetResults) {
	issuer := newStormIssuer(jwksJSON(t, ecJWK("a", stormKey(t))))
	issuer.header.Set("ETag", `"a"`)
	issuer.header.Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(fleetMaxAge.Seconds())))
	synctest.Test(t, func(t *testing.T) {
		f := newFleet(t, n, issuer)
		defer f.close()
		f.startAll()
		f.advanceTo(fleetMaxAgeEnd)
		s := f.stats(fmt.Sprintf("steady state (max-age %v)", fleetMaxAge), time.Hour, fleetMaxAgeEnd)
		out.rows = append(out.rows, s)
		assertSteady(t, s, fleetMaxAgeEnd-time.Hour, fleetMaxAge)
	})
}

func TestFleet(t *testing.T) {
	sizes := []int{1, 100}
	if *fleetFlag {
		sizes = append(sizes, 10000)
	}
	out := &fleetResults{bunch: map[int]map[string][]float64{}}
	for _, n := range sizes {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			simulateFleet(t, n, out)
			simulateMaxAge(t, n, out)
		})
	}
	t.Log("\n" + fleetTable(out.rows, sizes) + "\n" + bunchTable(out.bunch, sizes) + "\n" + gapTable(out.gaps))
}

// gapTable prints how long after each event the instances refreshed next.
func gapTable(gaps []gapStats) string {
	var b strings.Builder
	b.WriteString("Delay from an event's fetch to each instance's next refresh, in % of the 1 h lifetime\n\n| event | N | shortest | longest | share under 75 % |\n|---|---|---|---|---|\n")
	for _, g := range gaps {
		fmt.Fprintf(&b, "| %s | %d | %.1f | %.1f | %.0f %% |\n", g.Event, g.N, 100*g.Min, 100*g.Max, 100*g.Early)
	}
	return b.String()
}

// fleetTable prints the phases as a markdown table, one row per phase,
// one column group per fleet size.
func fleetTable(rows []fleetStats, sizes []int) string {
	var b strings.Builder
	b.WriteString("| phase | window |")
	for _, n := range sizes {
		fmt.Fprintf(&b, " N=%d: fetches, mean/s, peak 1 s, peak 10 s (/s) |", n)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(sizes)) + "\n")
	var phases []fleetStats
	for _, r := range rows {
		if !slices.ContainsFunc(phases, func(p fleetStats) bool { return p.Phase == r.Phase }) {
			phases = append(phases, r)
		}
	}
	for _, p := range phases {
		fmt.Fprintf(&b, "| %s | %s |", p.Phase, p.Window)
		for _, n := range sizes {
			i := slices.IndexFunc(rows, func(r fleetStats) bool { return r.Phase == p.Phase && r.N == n })
			if i < 0 {
				b.WriteString(" – |")
				continue
			}
			r := rows[i]
			fmt.Fprintf(&b, " %d, %.3g, %d, %.3g |", r.Fetches, r.Mean, r.Peak1, r.Peak10)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// bunchTable prints, for the largest fleet, the busiest 10 s over the mean,
// hour by hour.
func bunchTable(bunch map[int]map[string][]float64, sizes []int) string {
	n := sizes[len(sizes)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "N=%d: busiest 10 s ÷ mean, hour by hour from the end of the event's own wave (1 min after the start or the new key, 10 min after the recovery)\n\n| hours after | 1 | 2 | 3 | 4 | 5 | 6 |\n|---|---|---|---|---|---|---|\n", n)
	keys := make([]string, 0, len(bunch[n]))
	for k := range bunch[n] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s |", k[2:])
		for _, v := range bunch[n][k] {
			fmt.Fprintf(&b, " %.1f |", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}
