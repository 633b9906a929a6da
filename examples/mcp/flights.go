package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// flight is one scheduled flight of the demo timetable.
type flight struct {
	Number  string `json:"number"`
	From    string `json:"from" jsonschema:"IATA code of the departure airport"`
	To      string `json:"to" jsonschema:"IATA code of the arrival airport"`
	Departs string `json:"departs" jsonschema:"local departure time, HH:MM"`
}

var timetable = []flight{
	{"JG101", "ZRH", "LHR", "07:05"},
	{"JG202", "LHR", "JFK", "10:30"},
	{"JG303", "JFK", "SFO", "14:15"},
	{"JG404", "ZRH", "JFK", "09:40"},
}

type listFlightsIn struct {
	From string `json:"from,omitempty" jsonschema:"only flights departing from this airport (IATA code)"`
}

type listFlightsOut struct {
	Flights []flight `json:"flights"`
}

type planFlightIn struct {
	From string `json:"from" jsonschema:"IATA code of the departure airport"`
	To   string `json:"to" jsonschema:"IATA code of the destination airport"`
}

type planFlightOut struct {
	Legs    []flight `json:"legs"`
	Planner string   `json:"planner" jsonschema:"subject of the token the plan was made with"`
}

// addFlightTools adds list_flights and plan_flight to s. The scopes they
// need are checked before they run (toolScopes).
func addFlightTools(s *mcp.Server) {
	mcp.AddTool(s, &mcp.Tool{
		Name:        "list_flights",
		Description: "List the scheduled flights (needs scope read).",
	}, listFlights)
	mcp.AddTool(s, &mcp.Tool{
		Name:        "plan_flight",
		Description: "Plan a trip between two airports, direct or with one connection (needs scopes read and write).",
	}, planFlight)
}

func listFlights(_ context.Context, _ *mcp.CallToolRequest, in listFlightsIn) (*mcp.CallToolResult, listFlightsOut, error) {
	out := listFlightsOut{Flights: []flight{}}
	for _, f := range timetable {
		if in.From == "" || strings.EqualFold(f.From, in.From) {
			out.Flights = append(out.Flights, f)
		}
	}
	return nil, out, nil
}

func planFlight(_ context.Context, req *mcp.CallToolRequest, in planFlightIn) (*mcp.CallToolResult, planFlightOut, error) {
	out := planFlightOut{Planner: subject(req)}
	for _, f := range timetable {
		if !strings.EqualFold(f.From, in.From) {
			continue
		}
		if strings.EqualFold(f.To, in.To) {
			out.Legs = []flight{f}
			return nil, out, nil
		}
		for _, g := range timetable {
			if g.From == f.To && strings.EqualFold(g.To, in.To) && g.Departs > f.Departs {
				out.Legs = []flight{f, g}
				return nil, out, nil
			}
		}
	}
	return nil, out, fmt.Errorf("no route from %s to %s in the timetable", in.From, in.To)
}

// subject returns the subject of the request's token, which tokenInfo put
// in the SDK's TokenInfo.
func subject(req *mcp.CallToolRequest) string {
	if req.Extra == nil || req.Extra.TokenInfo == nil {
		return ""
	}
	sub, _ := req.Extra.TokenInfo.Extra["sub"].(string)
	return sub
}
