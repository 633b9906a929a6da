//go:build !linux

package redisreplay_test

import "syscall"

// dieWithParent has nothing to ask of the system outside Linux: the
// cleanups stop redis-server.
func dieWithParent() *syscall.SysProcAttr { return nil }
