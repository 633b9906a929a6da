package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Sample is one scrape of jwtgate's /metrics.
type Sample struct {
	At         time.Duration      // since the start of the load
	HeapInuse  float64            // go_memstats_heap_inuse_bytes
	HeapAlloc  float64            // go_memstats_heap_alloc_bytes
	Goroutines float64            // go_goroutines
	RSS        float64            // process_resident_memory_bytes
	Fetches    map[string]float64 // jwtgate_key_fetches_total by result
}

// parseMetrics reads the samples the soak follows from a Prometheus text
// exposition.
func parseMetrics(r io.Reader) (Sample, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return Sample{}, fmt.Errorf("soak: parsing /metrics: %w", err)
	}
	s := Sample{Fetches: map[string]float64{}}
	gauge := func(name string) float64 {
		f := families[name]
		if f == nil || len(f.GetMetric()) == 0 {
			return 0
		}
		return f.GetMetric()[0].GetGauge().GetValue()
	}
	s.HeapInuse = gauge("go_memstats_heap_inuse_bytes")
	s.HeapAlloc = gauge("go_memstats_heap_alloc_bytes")
	s.Goroutines = gauge("go_goroutines")
	s.RSS = gauge("process_resident_memory_bytes")
	if f := families["jwtgate_key_fetches_total"]; f != nil {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" {
					s.Fetches[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	if families["go_goroutines"] == nil {
		return s, fmt.Errorf("soak: /metrics has no go_goroutines")
	}
	return s, nil
}

// scraper scrapes /metrics every second.
type scraper struct {
	url    string
	client *http.Client
	mu     sync.Mutex
	series []Sample
	errs   int
}

func newScraper(admin string) *scraper {
	return &scraper{url: "http://" + admin + "/metrics", client: &http.Client{Timeout: 2 * time.Second}}
}

// run scrapes at start and every second after until ctx ends.
func (s *scraper) run(ctx context.Context, start time.Time) {
	defer s.client.CloseIdleConnections()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		s.once(ctx, start)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (s *scraper) once(ctx context.Context, start time.Time) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return
	}
	at := time.Since(start)
	resp, err := s.client.Do(req)
	if err != nil {
		s.fail(ctx)
		return
	}
	defer resp.Body.Close()
	sample, err := parseMetrics(io.LimitReader(resp.Body, 4<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		s.fail(ctx)
		return
	}
	sample.At = at
	s.mu.Lock()
	s.series = append(s.series, sample)
	s.mu.Unlock()
}

func (s *scraper) fail(ctx context.Context) {
	if ctx.Err() != nil {
		return // the run is over; not the gateway's fault
	}
	s.mu.Lock()
	s.errs++
	s.mu.Unlock()
}

// results returns the samples and the number of failed scrapes.
func (s *scraper) results() ([]Sample, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.series...), s.errs
}
