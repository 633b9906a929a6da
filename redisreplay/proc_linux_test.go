package redisreplay_test

import "syscall"

// dieWithParent has Linux kill redis-server when the test binary dies
// before its cleanups run (a panic, a timeout).
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
