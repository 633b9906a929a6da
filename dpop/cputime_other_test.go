//go:build !linux

package dpop

import "time"

// threadCPU reports false: the CPU time of a thread is read on Linux only.
func threadCPU() (time.Duration, bool) { return 0, false }
