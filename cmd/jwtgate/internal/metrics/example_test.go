package metrics_test

import (
	"fmt"
	"time"

	"github.com/jwtgate/jwtgate/cmd/jwtgate/internal/metrics"
)

// Each request is counted by its outcome, in a registry of the gateway's
// own.
func ExampleMetrics_Request() {
	m := metrics.New()
	m.Request("allowed", 120*time.Microsecond)
	m.Request("allowed", 90*time.Microsecond)
	m.Request("expired", 60*time.Microsecond)

	families, err := m.Registry().Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range families {
		if f.GetName() != "jwtgate_requests_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			fmt.Printf("%s{outcome=%q} %v\n", f.GetName(), s.GetLabel()[0].GetValue(), s.GetCounter().GetValue())
		}
	}
	// Output:
	// jwtgate_requests_total{outcome="allowed"} 2
	// jwtgate_requests_total{outcome="expired"} 1
}
