package dpop_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/dpop"
)

func TestNewNoncesErrors(t *testing.T) {
	cases := map[string]struct {
		secret   []byte
		lifetime time.Duration
		want     string
	}{
		"short secret":      {make([]byte, 31), time.Minute, "shorter than 32 bytes"},
		"no secret":         {nil, time.Minute, "shorter than 32 bytes"},
		"zero lifetime":     {make([]byte, 32), 0, "lifetime must be positive"},
		"negative lifetime": {make([]byte, 32), -time.Minute, "lifetime must be positive"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n, err := dpop.NewNonces(tc.secret, tc.lifetime, nil)
			require.Error(t, err, "NewNonces(%d-byte secret, %v) = %v; want an error", len(tc.secret), tc.lifetime, n)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// nqchar matches the nonce syntax of RFC 9449 section 8.1.
var nqchar = regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`)

func TestNonces(t *testing.T) {
	secret := []byte(strings.Repeat("0123456789abcdef", 2))
	clock := newFakeClock(t0)
	a, err := dpop.NewNonces(secret, time.Minute, clock.Now)
	require.NoError(t, err)
	b, err := dpop.NewNonces(secret, time.Minute, clock.Now)
	require.NoError(t, err)
	other, err := dpop.NewNonces([]byte(strings.Repeat("x", 32)), time.Minute, clock.Now)
	require.NoError(t, err)
	secret[0] = 'X' // the secret was copied

	n0 := a.Current()
	assert.Len(t, n0, 43, "Current(): a base64url SHA-256")
	assert.Regexp(t, nqchar, n0, "Current() follows the nonce syntax")
	assert.Equal(t, n0, b.Current(), "Current() of two instances with one secret")
	assert.NotEqual(t, n0, other.Current(), "Current() with another secret")
	assert.True(t, b.Valid(n0), "Valid(current nonce of another instance)")
	assert.False(t, other.Valid(n0), "Valid(nonce of another secret)")

	for _, bad := range []string{"", n0[:42], n0 + "A", strings.ToUpper(n0), "A" + n0[1:]} {
		if bad != n0 {
			assert.False(t, a.Valid(bad), "Valid(%q)", bad)
		}
	}

	// Within the bucket the nonce stays; in the next, the old one is still
	// accepted; in the one after, it is not.
	clock.Advance(59 * time.Second)
	assert.Equal(t, n0, a.Current(), "Current() later in the same minute")
	clock.Advance(time.Second)
	n1 := a.Current()
	assert.NotEqual(t, n0, n1, "Current() in the next minute")
	assert.True(t, a.Valid(n0), "Valid(previous nonce)")
	assert.True(t, a.Valid(n1), "Valid(current nonce)")
	clock.Advance(time.Minute)
	assert.False(t, a.Valid(n0), "Valid(nonce two buckets old)")
	assert.True(t, a.Valid(n1), "Valid(previous nonce)")
	// A clock that jumps works too, forward and back.
	clock.Advance(time.Hour)
	assert.False(t, a.Valid(n1), "Valid(nonce an hour old)")
	clock.Advance(-time.Hour - 2*time.Minute)
	assert.Equal(t, n0, a.Current(), "Current() back at the start")
}

// TestNoncesBefore1970: buckets are floored, not truncated, before 1970.
func TestNoncesBefore1970(t *testing.T) {
	clock := newFakeClock(time.Unix(-30, 0))
	n, err := dpop.NewNonces(make([]byte, 32), time.Minute, clock.Now)
	require.NoError(t, err)
	before := n.Current()
	clock.Advance(20 * time.Second) // -10 s: same bucket as -30 s
	assert.Equal(t, before, n.Current(), "Current() at -30 s and -10 s")
	clock.Advance(20 * time.Second) // +10 s: the next bucket
	assert.NotEqual(t, before, n.Current(), "Current() at -10 s and +10 s")
}
