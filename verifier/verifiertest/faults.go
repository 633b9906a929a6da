package verifiertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// Fault is a way in which an issuer's endpoint misbehaves, as real issuers
// do in production: set one with [Issuer.SetFault] for the JWKS endpoint,
// [Issuer.SetDiscoveryFault] for the discovery metadata or
// [Issuer.SetTokenFault] for the token endpoints. The zero value,
// FaultNone, is a working endpoint.
type Fault int

// The faults an endpoint can show.
const (
	// FaultNone: the endpoint answers normally.
	FaultNone Fault = iota
	// FaultDown: the endpoint answers 503 Service Unavailable, as an issuer
	// behind a load balancer does during an outage.
	FaultDown
	// FaultGarbage: the endpoint answers 200 OK with an HTML page, as a
	// maintenance page, captive portal or misrouted proxy does.
	FaultGarbage
	// FaultEmptyKeySet: the JWKS endpoint answers 200 OK with
	// {"keys":[]}; the discovery endpoint answers with metadata that has
	// no "jwks_uri"; the token endpoints answer 200 OK with {}, a success
	// without a token.
	FaultEmptyKeySet
	// FaultHang: the endpoint does not answer. A request is held until the
	// fault is changed (it is then answered as the new fault says), the
	// client gives up, or the issuer is closed (the connection is then
	// dropped without an answer). Key sources closed before the issuer
	// wait for their FetchTimeout; those from [Issuer.NewRemote] do not.
	FaultHang
	numFaults
)

// String returns the fault's name, such as "FaultDown".
func (f Fault) String() string {
	names := [...]string{"FaultNone", "FaultDown", "FaultGarbage", "FaultEmptyKeySet", "FaultHang"}
	if f >= 0 && f < numFaults {
		return names[f]
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

// endpointKind indexes Issuer.faults.
type endpointKind int

const (
	jwksEndpoint endpointKind = iota
	discoveryEndpoint
	tokenEndpoint // both token endpoints
	numEndpoints
)

// SetFault makes the JWKS endpoint misbehave as f says, from the next
// request on; FaultNone restores it. Requests held by FaultHang are
// answered as f says. It panics if f is not one of the Fault constants.
func (i *Issuer) SetFault(f Fault) { i.setFault(jwksEndpoint, f) }

// SetDiscoveryFault makes the discovery metadata misbehave as f says, at
// both of its locations, from the next request on; FaultNone restores it.
// A key source reads the metadata only until it has learnt the JWKS URL,
// so this matters for first fetches. It panics if f is not one of the
// Fault constants.
func (i *Issuer) SetDiscoveryFault(f Fault) { i.setFault(discoveryEndpoint, f) }

// SetTokenFault makes the token endpoints ([Issuer.TokenURL] and
// [Issuer.DjangoTokenURL]) misbehave as f says, from the next request on;
// FaultNone restores them. Clients then cannot get new tokens while those
// they hold still verify. It panics if f is not one of the Fault
// constants.
func (i *Issuer) SetTokenFault(f Fault) { i.setFault(tokenEndpoint, f) }

func (i *Issuer) setFault(e endpointKind, f Fault) {
	if f < 0 || f >= numFaults {
		panic(fmt.Sprintf("verifiertest: unknown %v", f))
	}
	i.update(func() { i.faults[e] = f })
}

// SetLatency delays every answer of every endpoint by d, measured from the
// request's arrival; zero (or less) removes the delay. A change applies to
// requests already waiting, so SetLatency(0) releases them at once. The
// delay is real time: a test that wants no real waiting pairs a long d with
// a short jwks.RemoteConfig.FetchTimeout or MaxWait, then calls
// SetLatency(0).
func (i *Issuer) SetLatency(d time.Duration) {
	i.update(func() { i.latency = max(d, 0) })
}

// update changes the misbehaviour and wakes the requests waiting on it.
func (i *Issuer) update(change func()) {
	i.mu.Lock()
	defer i.mu.Unlock()
	change()
	close(i.changed)
	i.changed = make(chan struct{})
}

// endpoint wraps serve, the normal answer of an endpoint of kind e, with
// its hit counter, the latency and the fault.
func (i *Issuer) endpoint(e endpointKind, hits *atomic.Int64, serve http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch i.hold(r, e) {
		case FaultNone:
			serve(w, r)
		case FaultDown:
			http.Error(w, "503 service unavailable: the issuer is down", http.StatusServiceUnavailable)
		case FaultGarbage:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<!DOCTYPE html>\n<html><head><title>Maintenance</title></head>" +
				"<body><h1>We'll be back soon</h1></body></html>\n"))
		case FaultEmptyKeySet:
			switch e {
			case tokenEndpoint:
				w.Header().Set("Cache-Control", "no-store")
				writeJSON(w, struct{}{})
				return
			case jwksEndpoint:
				w.Header().Set("Content-Type", "application/jwk-set+json")
				_, _ = w.Write([]byte(`{"keys":[]}`))
				return
			}
			meta := i.metadata()
			delete(meta, "jwks_uri")
			writeJSON(w, meta)
		}
	}
}

// hold waits out the latency and any FaultHang, then returns the fault to
// answer with (never FaultHang). When the issuer closes or the client goes
// away first, it aborts the handler, dropping the connection unanswered.
func (i *Issuer) hold(r *http.Request, e endpointKind) Fault {
	arrived := time.Now()
	for {
		i.mu.Lock()
		f, d, changed := i.faults[e], i.latency, i.changed
		i.mu.Unlock()
		var timer *time.Timer
		var timeout <-chan time.Time
		if wait := time.Until(arrived.Add(d)); wait > 0 {
			timer = time.NewTimer(wait)
			timeout = timer.C
		} else if f != FaultHang {
			return f
		}
		select {
		case <-timeout: // the delay is over; look at the fault again
		case <-changed:
		case <-i.done:
			panic(http.ErrAbortHandler)
		case <-r.Context().Done():
			panic(http.ErrAbortHandler)
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

func (i *Issuer) metadata() map[string]any {
	return map[string]any{
		"issuer":                                i.URL,
		"jwks_uri":                              i.JWKSURL(),
		"token_endpoint":                        i.TokenURL(),
		"grant_types_supported":                 []string{"client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"id_token_signing_alg_values_supported": []string{i.alg},
	}
}

func (i *Issuer) serveDiscovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, i.metadata())
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	doc, err := i.JWKS()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(doc)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
