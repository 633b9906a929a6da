package dpop

// Tests and benchmarks of unexported parts: the header cache and the cost
// of Check without its signature check. (Package verifiertest imports this
// package, so these tests make their proofs themselves.)

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

var iNow = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

const iURL = "https://api.example.test/items"

// iSigner makes ES256 proofs.
type iSigner struct {
	key    *ecdsa.PrivateKey
	header string // encoded
}

func newISigner(t testing.TB) *iSigner {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	raw, err := k.PublicKey.Bytes()
	require.NoError(t, err)
	enc := base64.RawURLEncoding
	jwk := `{"kty":"EC","crv":"P-256","x":"` + enc.EncodeToString(raw[1:33]) + `","y":"` + enc.EncodeToString(raw[33:]) + `"}`
	return &iSigner{key: k, header: enc.EncodeToString([]byte(`{"typ":"dpop+jwt","alg":"ES256","jwk":` + jwk + `}`))}
}

// proof returns a proof for GET iURL with token, signed with s's key, or
// by the key given.
func (s *iSigner) proof(t testing.TB, jti, token string, by *ecdsa.PrivateKey) string {
	t.Helper()
	sum := sha256.Sum256([]byte(token))
	claims, err := json.Marshal(map[string]any{
		"jti": jti, "htm": "GET", "htu": iURL, "iat": iNow.Unix(),
		"ath": base64.RawURLEncoding.EncodeToString(sum[:]),
	})
	require.NoError(t, err)
	input := s.header + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	if by == nil {
		by = s.key
	}
	r, sv, err := ecdsa.Sign(rand.Reader, by, digest[:])
	require.NoError(t, err)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func iRequest(t testing.TB, token string) Request {
	u, err := url.Parse(iURL)
	require.NoError(t, err)
	return Request{Method: "GET", URL: u, AccessToken: token}
}

// TestMemos: a header and an access token's hash are remembered once a
// proof with them passes the signature check, never before, and the memos
// stay bounded.
func TestMemos(t *testing.T) {
	s := newISigner(t)
	c, err := New(Config{Now: func() time.Time { return iNow }})
	require.NoError(t, err)
	ctx := context.Background()
	forger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	_, err = c.Check(ctx, s.proof(t, "forged", "tok", forger), iRequest(t, "tok"))
	require.ErrorIs(t, err, ErrInvalidProof, "Check of a forged proof")
	assert.Empty(t, c.headers.m, "header memo after a proof whose signature failed")
	assert.Empty(t, c.aths.m, "ath memo after a proof whose signature failed")

	_, err = c.Check(ctx, s.proof(t, "good", "tok", nil), iRequest(t, "tok"))
	require.NoError(t, err, "Check of a good proof")
	assert.Len(t, c.headers.m, 1, "header memo after a good proof")
	assert.Len(t, c.aths.m, 1, "ath memo after a good proof")

	// A remembered token's hash is still compared.
	_, err = c.Check(ctx, s.proof(t, "other", "another token", nil), iRequest(t, "tok"))
	require.ErrorIs(t, err, ErrInvalidProof, "Check of a proof for another token")

	long := strings.Repeat("t", maxMemoToken+1)
	_, err = c.Check(ctx, s.proof(t, "long", long, nil), iRequest(t, long))
	require.NoError(t, err, "Check of a good proof with a long token")
	assert.Len(t, c.aths.m, 1, "ath memo after a token longer than maxMemoToken")

	for i := range headerMemoSize + 10 {
		c.headers.put(strconv.Itoa(i), &header{})
	}
	assert.Len(t, c.headers.m, headerMemoSize, "header cache after more puts than its size")
}

// BenchmarkCheckWithoutSignature measures what Check costs above the
// signature check, precisely: the signature check is replaced by a no-op.
// The proofs are those of one known client with an access token of a
// typical size; the clock moves on by 30 s every 1024 proofs, so that the
// replay store runs in its steady state, dropping as many IDs as it adds.
func BenchmarkCheckWithoutSignature(b *testing.B) {
	s := newISigner(b)
	now := iNow
	c, err := New(Config{Now: func() time.Time { return now }})
	require.NoError(b, err)
	token := strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 35)
	req := iRequest(b, token)
	ctx := context.Background()
	_, err = c.Check(ctx, s.proof(b, "warm", token, nil), req)
	require.NoError(b, err)
	c.verify = func(*jwks.Key, string, []byte, []byte) error { return nil }

	sum := sha256.Sum256([]byte(token))
	ath := base64.RawURLEncoding.EncodeToString(sum[:])
	sig := "." + base64.RawURLEncoding.EncodeToString(make([]byte, 64))
	proofs := make([]string, 1024)
	n := 0
	mint := func() {
		for i := range proofs {
			n++
			claims := `{"jti":"` + base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(n)+"-jti-of-16b")) +
				`","htm":"GET","htu":"` + iURL + `","iat":` + strconv.FormatInt(now.Unix(), 10) + `,"ath":"` + ath + `"}`
			proofs[i] = s.header + "." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + sig
		}
	}
	mint()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(proofs) {
			b.StopTimer()
			now = now.Add(30 * time.Second)
			mint()
			i = 0
			b.StartTimer()
		}
		if _, err := c.Check(ctx, proofs[i], req); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// TestMemoryStoreKeys: a checker hands a MemoryStore its replay ID
// unencoded, and the store files it under the same key as the encoded ID
// given to Remember, so that the two ways into one store agree; other IDs
// get keys of their own.
func TestMemoryStoreKeys(t *testing.T) {
	s := newISigner(t)
	store := NewMemoryStore(16)
	store.Now = func() time.Time { return iNow }
	c, err := New(Config{Now: func() time.Time { return iNow }, Replay: store})
	require.NoError(t, err)
	ctx := context.Background()
	res, err := c.Check(ctx, s.proof(t, "jti-1", "tok", nil), iRequest(t, "tok"))
	require.NoError(t, err, "Check of a good proof")

	h, ok := c.headers.get(s.header)
	require.True(t, ok, "header memo after a good proof")
	w := new(work)
	id := replayID(replayKey(w, &h.rawThumbprint, []byte(res.ID)))
	fresh, err := store.Remember(ctx, id, iNow.Add(time.Minute))
	require.NoError(t, err)
	assert.False(t, fresh, "Remember(%q), the replay ID of a proof Check accepted; want a replay", id)

	keys := map[storeKey]string{}
	for _, other := range []string{"", "a", id, id[:42] + "B", strings.Repeat("A", 42) + "B", strings.Repeat("A", 43), strings.Repeat("A", 44), strings.Repeat("*", 43)} {
		k := keyOf(other)
		prev, dup := keys[k]
		assert.False(t, dup, "keyOf(%q) == keyOf(%q)", other, prev)
		keys[k] = other
		fresh, err := store.Remember(ctx, other, iNow.Add(time.Minute))
		require.NoError(t, err, "Remember(%q)", other)
		assert.Equal(t, other != id, fresh, "Remember(%q), with the replay ID %q remembered", other, id)
	}
}
