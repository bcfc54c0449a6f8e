package media

import (
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// shrink returns the part sr of src reduced k times on each axis by
// averaging each k×k block into one pixel (the blocks on the right and
// bottom edges may be smaller). It converts the source one row at a time
// into premultiplied RGBA, using image/draw's fast paths for the types the
// decoders return, so its memory is one source row plus the result.
func shrink(src image.Image, sr image.Rectangle, k int) *image.RGBA {
	if ycc, ok := src.(*image.YCbCr); ok {
		if dst, ok := shrinkYCbCr(ycc, sr, k); ok {
			return dst
		}
	}
	w := sr.Dx()
	ow, oh := (w+k-1)/k, (sr.Dy()+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	row := image.NewRGBA(image.Rect(0, 0, w, 1))
	sums := make([]uint64, 4*ow)
	for oy := range oh {
		y0 := sr.Min.Y + oy*k
		y1 := min(y0+k, sr.Max.Y)
		clear(sums)
		for y := y0; y < y1; y++ {
			draw.Draw(row, row.Rect, src, image.Pt(sr.Min.X, y), draw.Src)
			addBlocks(sums, row.Pix, k)
		}
		out := dst.Pix[oy*dst.Stride:]
		for ox := range ow {
			n := uint64(y1-y0) * uint64(min(k, w-ox*k))
			for c := range 4 {
				out[4*ox+c] = uint8((sums[4*ox+c] + n/2) / n)
			}
		}
	}
	return dst
}

// addBlocks adds each run of k pixels of an RGBA row to its block's sums.
func addBlocks(sums []uint64, pix []uint8, k int) {
	for ox := 0; 4*ox < len(sums); ox++ {
		block := pix[4*ox*k : min(4*(ox+1)*k, len(pix))]
		var r, g, b, a uint64
		for i := 0; i+3 < len(block); i += 4 {
			r += uint64(block[i])
			g += uint64(block[i+1])
			b += uint64(block[i+2])
			a += uint64(block[i+3])
		}
		sums[4*ox] += r
		sums[4*ox+1] += g
		sums[4*ox+2] += b
		sums[4*ox+3] += a
	}
}

// chromaShift returns, for each subsample ratio a JPEG or WebP decoder
// returns, by how many bits a luma coordinate is shifted right to give the
// chroma coordinate, across and down.
func chromaShift(ratio image.YCbCrSubsampleRatio) (sx, sy uint, ok bool) {
	switch ratio {
	case image.YCbCrSubsampleRatio444:
		return 0, 0, true
	case image.YCbCrSubsampleRatio422:
		return 1, 0, true
	case image.YCbCrSubsampleRatio420:
		return 1, 1, true
	case image.YCbCrSubsampleRatio440:
		return 0, 1, true
	case image.YCbCrSubsampleRatio411:
		return 2, 0, true
	case image.YCbCrSubsampleRatio410:
		return 2, 1, true
	}
	return 0, 0, false
}

// shrinkYCbCr is shrink for the YCbCr images of JPEG and lossy WebP, and
// gives the same result but for rounding. It averages the Y, Cb and Cr
// samples of each block and converts only the averages to RGB (the
// conversion is affine), which spares converting every pixel of a photo.
// For each row of blocks it first adds up the rows of each plane column by
// column, a tight loop over the samples, then each block's columns; a
// subsampled chroma sample counts once for every pixel of the block that
// uses it. It reports false, having done nothing, for a layout it does not
// handle.
func shrinkYCbCr(src *image.YCbCr, sr image.Rectangle, k int) (*image.RGBA, bool) {
	sx, sy, ok := chromaShift(src.SubsampleRatio)
	if !ok || src.Rect.Min != (image.Point{}) || !sr.In(src.Rect) {
		return nil, false
	}
	ow, oh := (sr.Dx()+k-1)/k, (sr.Dy()+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	// The chroma columns under sr, and the column sums of a row of blocks.
	c0, c1 := sr.Min.X>>sx, (sr.Max.X-1)>>sx+1
	luma := make([]uint64, sr.Dx())
	cb, cr := make([]uint64, c1-c0), make([]uint64, c1-c0)
	for oy := range oh {
		y0 := sr.Min.Y + oy*k
		y1 := min(y0+k, sr.Max.Y)
		clear(luma)
		clear(cb)
		clear(cr)
		for y := y0; y < y1; y++ {
			addRow(luma, src.Y[y*src.YStride+sr.Min.X:], 1)
		}
		for cy := y0 >> sy; cy <= (y1-1)>>sy; cy++ {
			// The rows of the block that use this chroma row.
			rows := uint64(min((cy+1)<<sy, y1) - max(cy<<sy, y0))
			addRow(cb, src.Cb[cy*src.CStride+c0:], rows)
			addRow(cr, src.Cr[cy*src.CStride+c0:], rows)
		}
		out := dst.Pix[oy*dst.Stride:]
		for ox := range ow {
			x0 := sr.Min.X + ox*k
			x1 := min(x0+k, sr.Max.X)
			n := uint64(y1-y0) * uint64(x1-x0)
			r, g, b := color.YCbCrToRGB(
				uint8((spanSum(luma, x0-sr.Min.X, x1-sr.Min.X, 0)+n/2)/n),
				uint8((spanSum(cb, x0-c0<<sx, x1-c0<<sx, sx)+n/2)/n),
				uint8((spanSum(cr, x0-c0<<sx, x1-c0<<sx, sx)+n/2)/n))
			out[4*ox], out[4*ox+1], out[4*ox+2], out[4*ox+3] = r, g, b, 0xFF
		}
	}
	return dst, true
}

// addRow adds weight times each sample of row to the matching column sum.
func addRow(sums []uint64, row []uint8, weight uint64) {
	row = row[:len(sums)]
	for i, v := range row {
		sums[i] += uint64(v) * weight
	}
}

// spanSum returns the sum of cols[x>>shift] for x in [x0, x1), x0 < x1: the
// sum over a span of pixels of columns subsampled by 1<<shift, reading each
// column once and weighting it by how many of the span's pixels share it.
func spanSum(cols []uint64, x0, x1 int, shift uint) uint64 {
	first, last := x0>>shift, (x1-1)>>shift
	if first == last {
		return cols[first] * uint64(x1-x0)
	}
	var middle uint64
	for _, v := range cols[first+1 : last] {
		middle += v
	}
	return middle<<shift +
		cols[first]*uint64((first+1)<<shift-x0) +
		cols[last]*uint64(x1-last<<shift)
}
