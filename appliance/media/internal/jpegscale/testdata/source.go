//go:build ignore

// Source writes the picture the test JPEGs are encoded from, as a binary
// PPM on standard output: 1001×667 pixels of smooth colour gradients, fine
// stripes, hard-edged shapes in saturated colours and a little grain, so
// that every band of the DCT carries something.
package main

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
)

func main() {
	const w, h = 1001, 667
	rng := rand.New(rand.NewPCG(1001, 667))
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "P6\n%d %d\n255\n", w, h)
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/w, float64(y)/h
			r := 40 + 180*fx
			g := 60 + 150*fy
			b := 200 - 120*fx*fy
			switch {
			case math.Hypot(float64(x-250), float64(y-330)) < 150:
				// A red disc.
				r, g, b = 230, 30, 40
			case x > 550 && x < 900 && y > 80 && y < 300:
				// Stripes whose period shrinks from 16 to 2 pixels.
				p := 16 - 14*float64(x-550)/350
				v := 128 + 110*math.Sin(2*math.Pi*float64(x)/p)
				r, g, b = v, v, v
			case x > 600 && x < 950 && y > 400 && y < 600 && (x/12+y/12)%2 == 0:
				// A checkerboard of blue and yellow.
				r, g, b = 250, 220, 20
			case x > 600 && x < 950 && y > 400 && y < 600:
				r, g, b = 20, 40, 220
			}
			grain := float64(rng.IntN(5) - 2)
			out.Write([]byte{clamp(r + grain), clamp(g + grain), clamp(b + grain)})
		}
	}
	out.Flush()
}

func clamp(v float64) byte { return byte(math.Round(min(max(v, 0), 255))) }
