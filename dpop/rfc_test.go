package dpop_test

// The examples of RFC 9449, as test vectors.

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/dpop"
)

// The header of the RFC 9449 example proofs, which carries the key of
// figure 4, and the access token of figures 6 and 13 with its hash in
// figure 14.
const (
	rfc9449Header = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19"
	rfc9449Token  = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"
	rfc9449ATH    = "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
)

// TestATHRFC9449: the hash of the token of figure 13 is the ath of figure 14.
func TestATHRFC9449(t *testing.T) {
	assert.Equal(t, rfc9449ATH, athOf(rfc9449Token), "base64url(SHA-256(token)) of RFC 9449 figure 13")
}

// TestCheckRFC9449 checks the three proofs of RFC 9449 at the time each
// was made, against the request each was made for.
func TestCheckRFC9449(t *testing.T) {
	cases := []struct {
		name   string
		proof  string
		method string
		url    string
		token  string
		iat    int64
		jti    string
	}{
		{
			name:   "figure 2, token request",
			proof:  rfc9449Header + ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg",
			method: "POST", url: "https://server.example.com/token", iat: 1562262616, jti: "-BwC3ESc6acc2lTc",
		},
		{
			name:   "figure 7, refresh request",
			proof:  rfc9449Header + ".eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjY1Mjk2fQ.pAqut2IRDm_De6PR93SYmGBPXpwrAk90e8cP2hjiaG5QsGSuKDYW7_X620BxqhvYC8ynrrvZLTk41mSRroapUA",
			method: "POST", url: "https://server.example.com/token", iat: 1562265296, jti: "-BwC3ESc6acc2lTc",
		},
		{
			name:   "figure 13, resource request",
			proof:  rfc9449Header + ".eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9.2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA",
			method: "GET", url: "https://resource.example.org/protectedresource", token: rfc9449Token, iat: 1562262618, jti: "e1j3V_bKic8-LAEB",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			issued := time.Unix(tc.iat, 0)
			c, err := dpop.New(dpop.Config{Now: func() time.Time { return issued.Add(2 * time.Second) }})
			require.NoError(t, err)
			req := dpop.Request{Method: tc.method, URL: mustURL(t, tc.url), AccessToken: tc.token}
			res, err := c.Check(context.Background(), tc.proof, req)
			require.NoError(t, err, "Check(RFC 9449 %s)", tc.name)
			assert.Equal(t, dpop.Result{Thumbprint: rfc9449Thumbprint, ID: tc.jti, IssuedAt: issued}, res, "Check(RFC 9449 %s)", tc.name)

			// The same proof with another access token fails.
			if tc.token != "" {
				req.AccessToken += "x"
				_, err = c.Check(context.Background(), tc.proof, req)
				require.ErrorIs(t, err, dpop.ErrInvalidProof, "Check(RFC 9449 %s) with another token", tc.name)
			}
		})
	}
}
