package dpop

import (
	"context"
	"time"
)

// ReplayStore remembers the proofs already accepted, so that each proof is
// accepted once. Implementations are safe for concurrent use; a store that
// several server instances share (such as one on Redis) refuses a proof
// replayed to another instance too.
type ReplayStore interface {
	// Remember records id until the time given, after which the proof it
	// names is too old to be accepted anyway, and reports whether id was
	// new (true) or is already recorded (false: a replay). An error means
	// the store could not tell; the proof is then not accepted.
	Remember(ctx context.Context, id string, until time.Time) (fresh bool, err error)
}
