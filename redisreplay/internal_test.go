package redisreplay

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTTLMillis(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int64
	}{
		{math.MinInt64, 0},
		{-time.Second, 0},
		{0, 0},
		{1, 1},
		{time.Millisecond - 1, 1},
		{time.Millisecond, 1},
		{time.Millisecond + 1, 2},
		{time.Second, 1000},
		{90*time.Second + 500*time.Microsecond, 90_001},
		{math.MaxInt64, math.MaxInt64/int64(time.Millisecond) + 1},
	}
	for _, tt := range tests {
		t.Run(tt.d.String(), func(t *testing.T) {
			assert.Equal(t, tt.want, ttlMillis(tt.d), "ttlMillis(%d ns)", int64(tt.d))
		})
	}
}
