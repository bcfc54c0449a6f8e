package media

import "image"

// orient returns img turned and flipped as EXIF orientation o says the
// stored pixels are to be displayed; img itself for 1 or an unknown value.
// It is applied to previews, after scaling, so it moves few pixels.
func orient(img *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	size := image.Pt(w, h)
	if o >= 5 {
		size = image.Pt(h, w)
	}
	dst := image.NewRGBA(image.Rectangle{Max: size})
	for y := range dst.Rect.Dy() {
		for x := range dst.Rect.Dx() {
			sx, sy := storedAt(o, x, y, w, h)
			s := img.PixOffset(img.Rect.Min.X+sx, img.Rect.Min.Y+sy)
			d := dst.PixOffset(x, y)
			copy(dst.Pix[d:d+4], img.Pix[s:s+4])
		}
	}
	return dst
}

// storedAt returns which pixel of a stored w×h image is displayed at (x, y)
// under EXIF orientation o. The orientation names where the stored first
// row and first column go: 2 mirrors left to right, 3 turns half a turn,
// 4 mirrors top to bottom, 5 transposes (mirrors across the diagonal from
// the top left), 6 turns a quarter clockwise, 7 mirrors across the other
// diagonal, and 8 turns a quarter anticlockwise.
func storedAt(o, x, y, w, h int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	case 8:
		return w - 1 - y, x
	}
	return x, y
}
