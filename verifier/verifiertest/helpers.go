package verifiertest

import (
	"net/http"
	"net/http/httptest"
)

// AuthorizationHeader returns the value of an Authorization header that
// carries a token minted from tok: "Bearer " followed by the token. It
// panics if the token cannot be minted, which happens only when tok.Claims
// or tok.Header hold a value encoding/json cannot marshal.
func (i *Issuer) AuthorizationHeader(tok Token) string {
	s, err := i.Mint(tok)
	if err != nil {
		panic(err)
	}
	return "Bearer " + s
}

// Request returns an incoming server request for method and target, made
// by httptest.NewRequest, with an Authorization header carrying a token
// minted from tok. Hand it to the ServeHTTP method of a handler, an
// *echo.Echo or a *gin.Engine, with an httptest.ResponseRecorder. The
// request has no body; for one, call httptest.NewRequest and set the header
// from [Issuer.AuthorizationHeader]. Like httptest.NewRequest, it panics on
// a target it cannot parse, and, like AuthorizationHeader, on a token it
// cannot mint.
func (i *Issuer) Request(method, target string, tok Token) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Authorization", i.AuthorizationHeader(tok))
	return r
}
