package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtgate/jwtgate/jwks"
	"github.com/jwtgate/jwtgate/verifier/verifiertest"
)

// proxyTo starts a fault proxy in front of the issuer, closed at the end
// of the test.
func proxyTo(t *testing.T, iss *verifiertest.Issuer) (*FaultProxy, string) {
	t.Helper()
	u, err := url.Parse(iss.URL)
	require.NoError(t, err)
	fp := NewFaultProxy(u)
	srv := httptest.NewServer(fp)
	t.Cleanup(srv.Close)
	t.Cleanup(fp.Close) // runs first: releases held requests
	return fp, srv.URL
}

func TestFaultProxyPassesOutsideTheOutage(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})
	fp, base := proxyTo(t, iss)
	now := time.Now()
	fp.SetOutage(now.Add(time.Hour), now.Add(2*time.Hour), []Mode{ModeError})
	resp, err := http.Get(base + "/jwks.json")
	require.NoError(t, err, "GET /jwks.json through the proxy")
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	want, err := iss.JWKS()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "status outside the outage")
	assert.JSONEq(t, string(want), string(body), "the issuer's document, passed through")
	assert.Equal(t, int64(1), fp.Counts()["pass"], "pass count")
	assert.Equal(t, 1, iss.JWKSRequests(), "requests the issuer saw")
}

func TestFaultProxyModesInTurn(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})
	fp, base := proxyTo(t, iss)
	now := time.Now()
	fp.SetOutage(now.Add(-time.Second), now.Add(time.Hour), []Mode{ModeError, ModeHang, ModeGarbage, ModeReset})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	get := func(timeout time.Duration) (*http.Response, []byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/jwks.json", nil)
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	resp, _, err := get(5 * time.Second)
	require.NoError(t, err, "error mode")
	assert.GreaterOrEqual(t, resp.StatusCode, 500, "status in error mode")

	_, _, err = get(200 * time.Millisecond)
	require.Error(t, err, "hang mode: the client gives up")
	assert.ErrorIs(t, err, context.DeadlineExceeded, "hang mode error")

	resp, body, err := get(5 * time.Second)
	require.NoError(t, err, "garbage mode")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "status in garbage mode")
	assert.Contains(t, string(body), "<html>", "the first garbage body is the HTML page")

	_, _, err = get(5 * time.Second)
	require.Error(t, err, "reset mode: no answer")

	assert.Equal(t, map[string]int64{"pass": 0, "error": 1, "hang": 1, "garbage": 1, "reset": 1}, fp.Counts(), "Counts")
	assert.Equal(t, 0, iss.JWKSRequests(), "the issuer saw nothing during the outage")
}

// TestGarbageIsNoKeySet: every garbage body fails a real key fetch.
func TestGarbageIsNoKeySet(t *testing.T) {
	iss := verifiertest.Start(t, verifiertest.IssuerConfig{Algorithm: "ES256"})
	fp, base := proxyTo(t, iss)
	now := time.Now()
	fp.SetOutage(now.Add(-time.Second), now.Add(time.Hour), []Mode{ModeGarbage})
	for _, g := range garbageBodies {
		t.Run(g.name, func(t *testing.T) {
			r, err := jwks.NewRemote(jwks.RemoteConfig{URL: base + "/jwks.json", FetchTimeout: 5 * time.Second,
				Logger: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)
			defer r.Close()
			err = r.Refresh(context.Background())
			assert.Error(t, err, "Refresh through garbage body %q: want an error", g.name)
		})
	}
	got := fp.GarbageCounts()
	for _, g := range garbageBodies {
		assert.Equal(t, int64(1), got[g.name], "garbage answers of kind %s", g.name)
	}
}

func TestParseModes(t *testing.T) {
	tests := []struct {
		in      string
		want    []Mode
		wantErr string
	}{
		{"error,hang", []Mode{ModeError, ModeHang}, ""},
		{" garbage , reset ,pass", []Mode{ModeGarbage, ModeReset, ModePass}, ""},
		{"error,down", nil, `soak: unknown fault mode "down" (known: pass, error, hang, garbage, reset)`},
		{"", nil, `soak: unknown fault mode "" (known: pass, error, hang, garbage, reset)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseModes(tt.in)
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr, "ParseModes(%q)", tt.in)
				return
			}
			require.NoError(t, err, "ParseModes(%q)", tt.in)
			assert.Equal(t, tt.want, got, "ParseModes(%q)", tt.in)
		})
	}
}
