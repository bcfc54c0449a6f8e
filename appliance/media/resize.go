package media

import (
	"image"

	"golang.org/x/image/draw"
)

// kernelBudget bounds the scratch memory of the final, kernel-filtered
// scaling step. x/image/draw's kernels keep a float64 RGBA value (32 bytes)
// for every destination column of every source row; past this budget the
// step switches to a bilinear scaler that needs none.
const kernelBudget = 32 << 20

// fit returns the size of a w×h image scaled so that its longest side is
// at most maxSide, keeping its aspect ratio and never enlarging it. Neither
// side is less than 1.
func fit(w, h, maxSide int) (int, int) {
	longest := max(w, h)
	if longest <= maxSide {
		return w, h
	}
	scale := func(n int) int {
		// Round n·maxSide/longest to the nearest integer.
		return max(1, int((int64(n)*int64(maxSide)*2+int64(longest))/(2*int64(longest))))
	}
	return scale(w), scale(h)
}

// resize returns the part sr of src scaled to exactly w×h, as premultiplied
// RGBA. It works in two steps, the way image libraries make thumbnails
// fast: first it averages blocks of k×k source pixels (a box filter, one
// cheap pass over the source) down to between two and four times the
// target size, then a Catmull-Rom kernel does the rest with good quality,
// on an image a few times the size of the target instead of a photo.
func resize(src image.Image, sr image.Rectangle, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// The largest k leaving at least twice the target size on both axes.
	k := max(1, min(sr.Dx()/(2*w), sr.Dy()/(2*h)))
	var scaler draw.Scaler = draw.CatmullRom
	if int64(w)*int64(sr.Dy()/k)*32 > kernelBudget {
		// A large target: shrink to within twice its size instead, where
		// bilinear sampling loses little.
		k = max(1, min(sr.Dx()/w, sr.Dy()/h))
		scaler = draw.ApproxBiLinear
	}
	if k > 1 {
		src = shrink(src, sr, k)
		sr = src.Bounds()
	}
	if sr.Dx() == w && sr.Dy() == h {
		draw.Draw(dst, dst.Rect, src, sr.Min, draw.Src)
		return dst
	}
	scaler.Scale(dst, dst.Rect, src, sr, draw.Src, nil)
	return dst
}
