package echo5mw_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/jwtgate/jwtgate/bearer/bearertest"
	"github.com/jwtgate/jwtgate/echo5mw"
)

// The conformance table: every case must get exactly the answer it wants,
// and the one the net/http adapter gives.
func TestConformance(t *testing.T) {
	bearertest.RunHTTP(t, bearertest.HTTPAdapter{Name: "echo5mw", Router: conformanceRouter})
}

// conformanceRouter is the table's router built with Echo v5, whose
// default error handler answers refusals.
func conformanceRouter(t testing.TB, layers []bearertest.Layer, final bearertest.Final) http.Handler {
	ms := bearertest.Middlewares(t, layers, func(l bearertest.Layer) (*echo5mw.Middleware, error) {
		opts := echo5mw.Options{Options: l.Options}
		if l.Skip {
			opts.Skip = func(c *echo.Context) bool { return bearertest.SkipRequest(c.Request()) }
		}
		if l.CustomErrors {
			opts.ErrorHandler = func(c *echo.Context, err error) error {
				bearertest.WriteCustomError(c.Response(), c.Request(), err)
				return nil
			}
		}
		return echo5mw.New(l.Verifier, opts)
	})
	e := echo.New()
	var route []echo.MiddlewareFunc
	for i, l := range layers {
		mw := echo.MiddlewareFunc(ms[i].Authenticate)
		if l.Guard {
			mw = ms[i].Require(l.Requirement)
		}
		if l.Global {
			e.Use(mw)
		} else {
			route = append(route, mw)
		}
	}
	h := func(c *echo.Context) error {
		claims, ok := echo5mw.ClaimsFrom(c)
		final(c.Response(), claims, ok)
		return nil
	}
	for _, p := range bearertest.Paths {
		e.GET(p, h, route...)
		e.OPTIONS(p, h, route...)
	}
	return e
}
