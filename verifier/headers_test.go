package verifier

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// hmSecret signs the tokens of these tests.
var hmSecret = []byte("the header memo tests' secret!!!")

func hmVerifier(t *testing.T) *Verifier {
	t.Helper()
	k, err := jwks.NewSecret("k1", hmSecret)
	require.NoError(t, err)
	keys, err := jwks.NewStatic(k)
	require.NoError(t, err)
	v, err := New(Config{
		Issuers: []string{"https://issuer.test"}, Audiences: []string{"api"},
		Keys: keys, Algorithms: []string{"HS256"}, DisableCache: true,
	})
	require.NoError(t, err)
	return v
}

// hmToken signs a token with header and the claims of client id, valid for
// an hour; a wrong secret gives it a bad signature.
func hmToken(header, id string, secret []byte) string {
	claims := fmt.Sprintf(`{"iss":"https://issuer.test","aud":"api","sub":%q,"exp":%d}`, id, time.Now().Add(time.Hour).Unix())
	signed := jrB64(header) + "." + jrB64(claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func hmKnown(v *Verifier, token string) (header, bool) {
	h, _, ok := v.headers.lookup(jrB64AtDot(token))
	return h, ok
}

// jrB64AtDot returns the encoded header of token.
func jrB64AtDot(token string) string {
	h, _, _ := strings.Cut(token, ".")
	return h
}

// TestHeaderMemoRemembersVerifiedHeaders: once a token has verified, the
// next token with the same header, though different claims, reads the
// header from the memo, and the verified claims are the same as without it.
func TestHeaderMemoRemembersVerifiedHeaders(t *testing.T) {
	const hdr = `{"alg":"HS256","kid":"k1","typ":"at+jwt"}`
	v := hmVerifier(t)
	first := hmToken(hdr, "client-1", hmSecret)
	_, known := hmKnown(v, first)
	require.False(t, known, "a new verifier's memo knows a header")

	c1, err := v.Verify(context.Background(), first)
	require.NoError(t, err)
	h, known := hmKnown(v, first)
	require.True(t, known, "the header of a verified token was not remembered")
	assert.Equal(t, header{alg: "HS256", kid: "k1", typ: "at+jwt"}, h, "remembered header")

	second := hmToken(hdr, "client-2", hmSecret)
	j := new(parser)
	require.NoError(t, j.split(second, v.algorithms, v.headers))
	assert.True(t, j.headerKnown, "split did not use the memo for a remembered header")
	fresh := new(parser)
	require.NoError(t, fresh.split(second, v.algorithms, nil))
	assert.Equal(t, fresh.header, j.header, "the memo's header differs from parsing the same bytes")
	assert.Equal(t, fresh.signature, j.signature, "signature decoded with the memo")
	assert.Equal(t, fresh.payload, j.payload, "payload decoded with the memo")

	c2, err := v.Verify(context.Background(), second)
	require.NoError(t, err)
	assert.Equal(t, "client-2", c2.Subject())
	for _, c := range []*Claims{c1, c2} {
		assert.Equal(t, "HS256", c.Algorithm())
		assert.Equal(t, "k1", c.KeyID())
		assert.Equal(t, "at+jwt", c.Type())
	}
}

// TestHeaderMemoIgnoresRejectedTokens: a token that fails any check leaves
// no trace in the memo, so clients cannot fill it with headers of their own.
func TestHeaderMemoIgnoresRejectedTokens(t *testing.T) {
	v := hmVerifier(t)
	ctx := context.Background()
	rejected := map[string]string{
		"bad signature": hmToken(`{"alg":"HS256","kid":"k1"}`, "x", []byte("a different secret of 32 bytes!!")),
		"unknown key":   hmToken(`{"alg":"HS256","kid":"k2"}`, "x", hmSecret),
		"expired": func() string {
			signed := jrB64(`{"alg":"HS256","kid":"k1","x":1}`) + "." + jrB64(`{"iss":"https://issuer.test","aud":"api","exp":1}`)
			mac := hmac.New(sha256.New, hmSecret)
			mac.Write([]byte(signed))
			return signed + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		}(),
		"algorithm not allowed": hmToken(`{"alg":"HS384","kid":"k1"}`, "x", hmSecret),
	}
	for name, token := range rejected {
		_, err := v.Verify(ctx, token)
		require.Error(t, err, name)
		_, known := hmKnown(v, token)
		assert.False(t, known, "%s: the header of a rejected token was remembered", name)
	}
	for i := range v.headers.slots {
		assert.Nil(t, v.headers.slots[i].entry.Load(), "slot %d holds a header after only rejections", i)
	}
}

// TestHeaderMemoSlotReplacement: a header takes a slot held by another only
// when it is verified twice in a row there, so that more distinct headers
// than slots do not cost an allocation per token.
func TestHeaderMemoSlotReplacement(t *testing.T) {
	m := newHeaderMemo()
	a, b, c := header{alg: "HS256", kid: "a"}, header{alg: "HS256", kid: "b"}, header{alg: "HS256", kid: "c"}
	// Three hashes of one slot.
	const sumA, sumB, sumC = 7, 7 + headerSlots, 7 + 2*headerSlots
	entry := func() string {
		if e := m.slots[sumA%headerSlots].entry.Load(); e != nil {
			return e.header.kid
		}
		return ""
	}
	m.remember("A", sumA, a)
	assert.Equal(t, "a", entry(), "an empty slot takes the first header")
	m.remember("B", sumB, b)
	assert.Equal(t, "a", entry(), "one verification of another header replaced the slot")
	m.remember("C", sumC, c)
	m.remember("B", sumB, b)
	assert.Equal(t, "a", entry(), "B, C, B replaced the slot; only twice in a row should")
	m.remember("B", sumB, b)
	assert.Equal(t, "b", entry(), "B twice in a row did not take the slot")

	// A rotation through more headers than the slot can hold allocates
	// nothing once the slot is taken.
	allocs := testing.AllocsPerRun(100, func() {
		m.remember("A", sumA, a)
		m.remember("C", sumC, c)
	})
	assert.Zero(t, allocs, "allocations per remember of headers that alternate in one slot")
}

// TestHeaderMemoCopies: a remembered header keeps no reference to the token
// it came from, and headers too long to be real are not kept.
func TestHeaderMemoCopies(t *testing.T) {
	v := hmVerifier(t)
	token := hmToken(`{"alg":"HS256","kid":"k1"}`, "x", hmSecret)
	_, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	e := v.headers.slots[maphash.String(v.headers.seed, jrB64AtDot(token))%headerSlots].entry.Load()
	require.NotNil(t, e)
	start, end := uintptr(unsafe.Pointer(unsafe.StringData(token))), uintptr(unsafe.Pointer(unsafe.StringData(token)))+uintptr(len(token))
	for _, s := range []string{e.encoded, e.header.alg, e.header.kid} {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		assert.False(t, p >= start && p < end, "the memo entry shares the token's memory")
	}

	long := fmt.Sprintf(`{"alg":"HS256","kid":"k1","pad":"%0400d"}`, 0)
	token = hmToken(long, "x", hmSecret)
	_, err = v.Verify(context.Background(), token)
	require.NoError(t, err)
	_, known := hmKnown(v, token)
	assert.False(t, known, "a %d-byte encoded header was remembered; the limit is %d", len(jrB64(long)), maxMemoHeader)
}

// TestHeaderMemoConcurrent verifies tokens with many headers from several
// goroutines at once, for the race detector.
func TestHeaderMemoConcurrent(t *testing.T) {
	v := hmVerifier(t)
	var tokens []string
	for i := range 2 * headerSlots {
		tokens = append(tokens, hmToken(fmt.Sprintf(`{"alg":"HS256","kid":"k1","n":%d}`, i), "x", hmSecret))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for r := range 3 {
				for i := range tokens {
					token := tokens[(i*(g+1)+r)%len(tokens)]
					if _, err := v.Verify(context.Background(), token); err != nil {
						t.Errorf("Verify: %v", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
