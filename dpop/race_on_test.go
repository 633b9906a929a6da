//go:build race

package dpop

// raceEnabled reports whether the race detector is on; it changes how much
// code allocates (sync.Pool drops items at random), so allocation counts
// are not checked then.
const raceEnabled = true
