package dpop

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
)

// BenchmarkCheckWithoutSignatureMedian is BenchmarkCheckWithoutSignature
// timing each Check on its own and reporting the median as median-ns/op,
// and, on Linux, the CPU time of the benchmark's thread while it checks as
// cpu-ns/op: on a shared machine the mean (ns/op) also carries the garbage
// collection that minting the proofs causes and the pauses of other
// processes, which are larger than the differences a change to Check
// makes.
func BenchmarkCheckWithoutSignatureMedian(b *testing.B) {
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
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var times []time.Duration
	var cpu time.Duration
	cpu0, cpuOK := threadCPU()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(proofs) {
			b.StopTimer()
			t, _ := threadCPU()
			cpu += t - cpu0
			now = now.Add(30 * time.Second)
			mint()
			i = 0
			cpu0, _ = threadCPU()
			b.StartTimer()
		}
		t0 := time.Now()
		_, err := c.Check(ctx, proofs[i], req)
		times = append(times, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
	t, _ := threadCPU()
	cpu += t - cpu0
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "median-ns/op")
	if cpuOK {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(len(times)), "cpu-ns/op")
	}
}

// BenchmarkMemoryStoreRemember measures a MemoryStore in its steady state:
// the clock moves on by a millisecond each proof, and each proof is
// remembered for 70 s, so that the store holds 70,000 IDs and drops one
// for each it adds.
func BenchmarkMemoryStoreRemember(b *testing.B) {
	s := NewMemoryStore(0)
	const life = 70 * time.Second
	t := iNow.UnixNano()
	var k storeKey
	add := func(i uint64) {
		binary.BigEndian.PutUint64(k[:], i)
		t += int64(time.Millisecond)
		if fresh, err := s.remember(k, t+int64(life), t); !fresh || err != nil {
			b.Fatalf("remember(%d) = %v, %v; want true, nil", i, fresh, err)
		}
	}
	i := uint64(0)
	for ; i < uint64(life/time.Millisecond); i++ {
		add(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		add(i)
		i++
	}
}
