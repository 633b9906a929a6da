package redisreplay_test

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtgate/jwtgate/redisreplay"
)

// BenchmarkRemember measures one Remember of a new id: a round trip to a
// redis-server on loopback, and nothing of the DPoP check that would
// precede it (that has its own benchmarks). Each id costs one allocation
// to format; the rest is the store's and go-redis's.
func BenchmarkRemember(b *testing.B) {
	srv := startRedis(b)
	s, err := redisreplay.New(redisreplay.Config{Client: srv.client})
	if err != nil {
		b.Fatalf("New: %v", err)
	}
	var next atomic.Uint64
	remember := func() error {
		id := strconv.FormatUint(next.Add(1), 36)
		fresh, err := s.Remember(b.Context(), id, time.Now().Add(time.Minute))
		if err != nil || !fresh {
			return fmt.Errorf("Remember(%q) = %v, %v; want true, nil", id, fresh, err)
		}
		return nil
	}

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := remember(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := remember(); err != nil {
					b.Error(err) // not Fatal: this is not the benchmark's goroutine
					return
				}
			}
		})
	})
}
