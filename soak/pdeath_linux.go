package main

import (
	"os/exec"
	"syscall"
)

// setParentDeath has the kernel kill the child if the soak dies without
// stopping it (killed with SIGKILL, say), so no jwtgate outlives a run.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
