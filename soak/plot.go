package main

import (
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var (
	colorP50      = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	colorP99      = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	colorHeap     = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	colorRotation = color.RGBA{R: 90, G: 90, B: 90, A: 255}
	colorOutage   = color.NRGBA{R: 255, G: 165, B: 0, A: 80}
)

// minPlotMs keeps latencies above zero on the log scale.
const minPlotMs = 0.05

// writePlot draws the report's timeline into a PNG at path: latency p50
// and p99 per second above (log scale), heap in use below, the outage
// shaded and each rotation (the new key put in use) a vertical line.
func writePlot(r *Report, path string) error {
	lat := plot.New()
	lat.Title.Text = "jwtgate under soak: latency per second (from the intended send time)"
	lat.Y.Label.Text = "ms (log)"
	lat.Y.Scale = plot.LogScale{}
	lat.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	heap := plot.New()
	heap.Title.Text = "jwtgate heap in use"
	heap.X.Label.Text = "seconds from the start of the load"
	heap.Y.Label.Text = "MiB"

	var p50, p99, hp plotter.XYs
	maxLat, maxHeap := 1.0, 1.0
	for _, s := range r.Timeline {
		if s.Requests > 0 {
			p50 = append(p50, plotter.XY{X: float64(s.T), Y: max(s.P50, minPlotMs)})
			p99 = append(p99, plotter.XY{X: float64(s.T), Y: max(s.P99, minPlotMs)})
			maxLat = max(maxLat, s.P99)
		}
		if s.HeapMiB > 0 {
			hp = append(hp, plotter.XY{X: float64(s.T), Y: s.HeapMiB})
			maxHeap = max(maxHeap, s.HeapMiB)
		}
	}
	minLat := maxLat
	for _, xy := range p50 {
		minLat = min(minLat, xy.Y)
	}
	minLat = max(minLat*0.7, minPlotMs)
	lat.Y.Min, lat.Y.Max = minLat, maxLat*1.5
	heap.Y.Min, heap.Y.Max = 0, maxHeap*1.2

	for _, pl := range []struct {
		p        *plot.Plot
		min, max float64
	}{{lat, minLat, maxLat * 1.5}, {heap, 0, maxHeap * 1.2}} {
		start, end := r.Outage["start"], r.Outage["end"]
		shade, err := plotter.NewPolygon(plotter.XYs{{X: start, Y: pl.min}, {X: end, Y: pl.min}, {X: end, Y: pl.max}, {X: start, Y: pl.max}})
		if err != nil {
			return fmt.Errorf("soak: plot: %w", err)
		}
		shade.Color, shade.LineStyle.Width = colorOutage, 0
		pl.p.Add(shade)
		if pl.p == lat {
			pl.p.Legend.Add("issuer outage", shade)
		}
		for i, rot := range r.Rotations {
			if rot.Kid == "" || rot.UseS >= float64(len(r.Timeline)) {
				continue // not reached
			}
			line, err := plotter.NewLine(plotter.XYs{{X: rot.UseS, Y: pl.min}, {X: rot.UseS, Y: pl.max}})
			if err != nil {
				return fmt.Errorf("soak: plot: %w", err)
			}
			line.Color, line.Dashes = colorRotation, []vg.Length{vg.Points(4), vg.Points(3)}
			pl.p.Add(line)
			if i == 0 && pl.p == lat {
				pl.p.Legend.Add("rotation (new key in use)", line)
			}
		}
	}
	for _, s := range []struct {
		name string
		xy   plotter.XYs
		c    color.Color
		p    *plot.Plot
	}{{"p50", p50, colorP50, lat}, {"p99", p99, colorP99, lat}, {"heap in use", hp, colorHeap, heap}} {
		if len(s.xy) == 0 {
			continue
		}
		line, err := plotter.NewLine(s.xy)
		if err != nil {
			return fmt.Errorf("soak: plot: %w", err)
		}
		line.Color, line.Width = s.c, vg.Points(1.2)
		s.p.Add(line)
		s.p.Legend.Add(s.name, line)
	}
	lat.Legend.Top, heap.Legend.Top = true, true
	for _, p := range []*plot.Plot{lat, heap} {
		p.X.Min, p.X.Max = 0, float64(len(r.Timeline))
	}

	img := vgimg.New(9*vg.Inch, 6*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadX: vg.Points(4), PadY: vg.Points(10)}
	canvases := plot.Align([][]*plot.Plot{{lat}, {heap}}, tiles, dc)
	lat.Draw(canvases[0][0])
	heap.Draw(canvases[1][0])
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("soak: plot: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("soak: plot: %w", err)
	}
	return f.Close()
}
