// Package metrics holds jwtgate's Prometheus metrics, in a registry of its
// own (not the process-wide default one), so that tests and several
// gateways in one process never share counters.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jwtgate/jwtgate/jwks"
)

// Metrics are the gateway's metrics. They are safe for concurrent use.
type Metrics struct {
	registry         *prometheus.Registry
	requests         *prometheus.CounterVec
	requestDuration  *prometheus.HistogramVec
	upstreamDuration prometheus.Histogram
	keyFetches       *prometheus.CounterVec
	reloads          *prometheus.CounterVec
	lastReload       prometheus.Gauge
}

// latencyBuckets suit a gateway's own time: from 50 µs to about 1.6 s.
var latencyBuckets = prometheus.ExponentialBuckets(0.00005, 2, 16)

// New returns the metrics, registered with a new registry that also holds
// the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jwtgate_requests_total",
			Help: "Requests handled, by outcome (allowed, public, no_credentials, expired, insufficient_scope, ...).",
		}, []string{"outcome"}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "jwtgate_request_duration_seconds",
			Help:    "Time the gateway itself spent on a request (the upstream's time excluded), by outcome.",
			Buckets: latencyBuckets,
		}, []string{"outcome"}),
		upstreamDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "jwtgate_upstream_duration_seconds",
			Help:    "Time the upstream took to answer a proxied request, body included.",
			Buckets: prometheus.DefBuckets,
		}),
		keyFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jwtgate_key_fetches_total",
			Help: "Fetches of issuers' key sets, by issuer and result (updated, not_modified, failed).",
		}, []string{"issuer", "result"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "jwtgate_config_reloads_total",
			Help: "Configuration reloads, by result (success, failure).",
		}, []string{"result"}),
		lastReload: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "jwtgate_config_last_reload_success_timestamp_seconds",
			Help: "When the configuration in use was loaded, in Unix seconds.",
		}),
	}
	m.registry.MustRegister(m.requests, m.requestDuration, m.upstreamDuration, m.keyFetches,
		m.reloads, m.lastReload,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Both results show from the start, at zero.
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	return m
}

// Handler serves the metrics in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry returns the registry, for tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Request records a request's outcome and the gateway's own time.
func (m *Metrics) Request(outcome string, own time.Duration) {
	m.requests.WithLabelValues(outcome).Inc()
	m.requestDuration.WithLabelValues(outcome).Observe(own.Seconds())
}

// Upstream records the time of a proxied request's upstream answer.
func (m *Metrics) Upstream(d time.Duration) { m.upstreamDuration.Observe(d.Seconds()) }

// OnFetch returns a jwks.Hooks.OnFetch function counting the fetches of
// issuer's key set.
func (m *Metrics) OnFetch(issuer string) func(jwks.FetchEvent) {
	return func(ev jwks.FetchEvent) { m.keyFetches.WithLabelValues(issuer, string(ev.Result)).Inc() }
}

// Reload records a reload (or the first load) and, on success, its time.
func (m *Metrics) Reload(ok bool, at time.Time) {
	if !ok {
		m.reloads.WithLabelValues("failure").Inc()
		return
	}
	m.reloads.WithLabelValues("success").Inc()
	m.lastReload.Set(float64(at.UnixNano()) / 1e9)
}

// Loaded records the configuration loaded at start, which is not a reload.
func (m *Metrics) Loaded(at time.Time) { m.lastReload.Set(float64(at.UnixNano()) / 1e9) }
