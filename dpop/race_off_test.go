//go:build !race

package dpop

const raceEnabled = false
