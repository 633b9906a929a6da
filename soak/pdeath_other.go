//go:build !linux

package main

import "os/exec"

// setParentDeath does nothing outside Linux: the soak stops jwtgate itself
// on every way out but SIGKILL.
func setParentDeath(*exec.Cmd) {}
