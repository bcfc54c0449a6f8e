package media

import (
	"fmt"
	"image"
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// boxAverage is the oracle for shrink: it averages each k×k block of sr in
// premultiplied RGBA, straight from the definition, pixel by pixel through
// the image's own colour model.
func boxAverage(src image.Image, sr image.Rectangle, k int) [][4]float64 {
	var out [][4]float64
	for y0 := sr.Min.Y; y0 < sr.Max.Y; y0 += k {
		for x0 := sr.Min.X; x0 < sr.Max.X; x0 += k {
			var sum [4]float64
			n := 0.0
			for y := y0; y < min(y0+k, sr.Max.Y); y++ {
				for x := x0; x < min(x0+k, sr.Max.X); x++ {
					r, g, b, a := src.At(x, y).RGBA()
					sum[0] += float64(r >> 8)
					sum[1] += float64(g >> 8)
					sum[2] += float64(b >> 8)
					sum[3] += float64(a >> 8)
					n++
				}
			}
			for c := range sum {
				sum[c] /= n
			}
			out = append(out, sum)
		}
	}
	return out
}

func requireCloseTo(t *testing.T, want [][4]float64, got *image.RGBA, tolerance float64) {
	t.Helper()
	require.Len(t, got.Pix, 4*len(want))
	for i, px := range want {
		for c := range 4 {
			diff := float64(got.Pix[4*i+c]) - px[c]
			require.True(t, diff <= tolerance && diff >= -tolerance,
				"pixel %d channel %d: got %d, want %.1f", i, c, got.Pix[4*i+c], px[c])
		}
	}
}

func TestShrink_AveragesYCbCrBlocksOfEveryLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		// Values that stay inside the RGB gamut, where averaging before
		// converting to RGB and after agree.
		src := image.NewYCbCr(image.Rect(0, 0, 37, 29), ratio)
		for i := range src.Y {
			src.Y[i] = uint8(64 + rng.IntN(128))
		}
		for i := range src.Cb {
			src.Cb[i] = uint8(112 + rng.IntN(32))
			src.Cr[i] = uint8(112 + rng.IntN(32))
		}
		for _, sr := range []image.Rectangle{src.Rect, image.Rect(3, 5, 34, 26)} {
			for _, k := range []int{2, 3, 5} {
				t.Run(fmt.Sprintf("%v/%v/%d", ratio, sr, k), func(t *testing.T) {
					got, ok := shrinkYCbCr(src, sr, k)
					require.True(t, ok)
					requireCloseTo(t, boxAverage(src, sr, k), got, 2)
				})
			}
		}
	}
}

func TestShrink_AveragesOtherImagesInPremultipliedRGBA(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	nrgba := image.NewNRGBA(image.Rect(0, 0, 23, 17))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(rng.Uint32())
	}
	gray := image.NewGray(image.Rect(0, 0, 23, 17))
	for i := range gray.Pix {
		gray.Pix[i] = uint8(rng.Uint32())
	}
	paletted := image.NewPaletted(image.Rect(0, 0, 23, 17), color.Palette{color.Transparent, red, blue})
	for i := range paletted.Pix {
		paletted.Pix[i] = uint8(rng.IntN(3))
	}
	for name, src := range map[string]image.Image{"nrgba": nrgba, "gray": gray, "paletted": paletted} {
		for _, k := range []int{2, 4} {
			t.Run(fmt.Sprintf("%s/%d", name, k), func(t *testing.T) {
				sr := image.Rect(1, 2, 22, 17)
				requireCloseTo(t, boxAverage(src, sr, k), shrink(src, sr, k), 1)
			})
		}
	}
}
