package media

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
)

// Thumb is an encoded preview image.
type Thumb struct {
	// Data is the encoded image, JPEG or PNG, with no metadata at all.
	Data []byte
	// ContentType is "image/jpeg" or "image/png".
	ContentType string
	// Width and Height are the preview's size in pixels, as displayed.
	Width, Height int
}

// Thumbnail makes a preview of an image whose longest side is at most
// maxSide pixels; a smaller image keeps its size. The EXIF orientation is
// applied, and only the first frame of an animated GIF is used. The preview
// is a JPEG, or a PNG when it has any transparency.
//
// The header is checked against opts' MaxPixels before decoding. A JPEG
// is decoded at 1/8, 1/4 or 1/2 of its size where that still holds the
// preview, which spares most of the decoding work and memory of a photo.
// Besides the decoded image, memory is a few times the preview's size.
func Thumbnail(r io.Reader, maxSide int, opts *Options) (Thumb, error) {
	if maxSide < 1 {
		return Thumb{}, fmt.Errorf("media: thumbnail size %d is not positive", maxSide)
	}
	h, err := readHeader(r, opts)
	if err != nil {
		return Thumb{}, err
	}
	// Scale first and turn the result, so that the turn moves the
	// preview's pixels rather than the photo's. Turning keeps the longest
	// side, so the stored size fits the same way.
	w, ht := fit(h.stored.X, h.stored.Y, maxSide)
	img, err := h.decode(image.Pt(w, ht))
	if err != nil {
		return Thumb{}, err
	}
	preview := orient(resize(img, img.Bounds(), w, ht), h.info.Orientation)
	return encode(preview, opts.quality())
}

// Avatar makes a side×side preview of the centred square of an image, with
// the same checks and conversions as Thumbnail. A smaller image is enlarged,
// so that every avatar has the same size.
func Avatar(r io.Reader, side int, opts *Options) (Thumb, error) {
	if side < 1 {
		return Thumb{}, fmt.Errorf("media: avatar size %d is not positive", side)
	}
	h, err := readHeader(r, opts)
	if err != nil {
		return Thumb{}, err
	}
	// The centred square of the stored pixels, turned, is the centred
	// square of the displayed image. A JPEG may decode smaller than
	// stored, but its square is still at least side pixels.
	img, err := h.decode(image.Pt(side, side))
	if err != nil {
		return Thumb{}, err
	}
	b := img.Bounds()
	s := min(b.Dx(), b.Dy())
	square := image.Rect(0, 0, s, s).Add(b.Min).Add(image.Pt((b.Dx()-s)/2, (b.Dy()-s)/2))
	preview := orient(resize(img, square, side, side), h.info.Orientation)
	return encode(preview, opts.quality())
}

// encode encodes a preview as a JPEG when it is opaque and as a PNG
// otherwise. Encoding from pixels is what drops the original's metadata:
// neither encoder writes any.
func encode(img *image.RGBA, quality int) (Thumb, error) {
	t := Thumb{Width: img.Rect.Dx(), Height: img.Rect.Dy()}
	var buf bytes.Buffer
	var err error
	if img.Opaque() {
		t.ContentType = "image/jpeg"
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality})
	} else {
		t.ContentType = "image/png"
		err = png.Encode(&buf, img)
	}
	if err != nil {
		return Thumb{}, fmt.Errorf("media: encode preview: %w", err)
	}
	t.Data = buf.Bytes()
	return t, nil
}
