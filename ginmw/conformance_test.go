package ginmw_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/jwtgate/jwtgate/bearer/bearertest"
	"github.com/jwtgate/jwtgate/ginmw"
)

// The conformance table: every case must get exactly the answer it wants,
// and the one the net/http adapter gives.
func TestConformance(t *testing.T) {
	bearertest.RunHTTP(t, bearertest.HTTPAdapter{Name: "ginmw", Router: conformanceRouter})
}

// conformanceRouter is the table's router built with Gin.
func conformanceRouter(t testing.TB, layers []bearertest.Layer, final bearertest.Final) http.Handler {
	ms := bearertest.Middlewares(t, layers, func(l bearertest.Layer) (*ginmw.Middleware, error) {
		opts := ginmw.Options{Options: l.Options}
		if l.Skip {
			opts.Skip = func(c *gin.Context) bool { return bearertest.SkipRequest(c.Request) }
		}
		if l.CustomErrors {
			opts.ErrorHandler = func(c *gin.Context, err error) { bearertest.WriteCustomError(c.Writer, c.Request, err) }
		}
		return ginmw.New(l.Verifier, opts)
	})
	gin.SetMode(gin.TestMode)
	r := gin.New()
	var route []gin.HandlerFunc
	for i, l := range layers {
		mw := gin.HandlerFunc(ms[i].Authenticate)
		if l.Guard {
			mw = ms[i].Require(l.Requirement)
		}
		if l.Global {
			r.Use(mw)
		} else {
			route = append(route, mw)
		}
	}
	route = append(route, func(c *gin.Context) {
		claims, ok := ginmw.ClaimsFrom(c)
		final(c.Writer, claims, ok)
	})
	for _, p := range bearertest.Paths {
		r.GET(p, route...)
		r.OPTIONS(p, route...)
	}
	return r
}
