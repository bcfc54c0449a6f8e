package media

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"github.com/makechat/makechat/appliance/media/internal/jpegscale"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// codec is one image format this package reads.
type codec struct {
	format       string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
}

// codecFor returns the codec for a sniffed content type. The decoders are
// called directly rather than through image.Decode, so that the formats
// read here are these four whatever else the program registers.
func codecFor(contentType string) (codec, bool) {
	switch contentType {
	case "image/png":
		return codec{"png", png.DecodeConfig, png.Decode}, true
	case "image/jpeg":
		return codec{"jpeg", jpeg.DecodeConfig, jpeg.Decode}, true
	case "image/gif":
		return codec{"gif", gif.DecodeConfig, gif.Decode}, true
	case "image/webp":
		return codec{"webp", webp.DecodeConfig, webp.Decode}, true
	}
	return codec{}, false
}

// source is the reader under an image. It remembers the first error of
// that reader other than io.EOF, so that a failure to read the file is
// reported as such and not mistaken for a damaged image.
type source struct {
	r   io.Reader
	err error
}

func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// failed returns the error to report for a decoder's error: the reader's
// own if it had one, else the decoder's, as ErrCorrupt.
func (s *source) failed(format, what string, err error) error {
	if s.err != nil {
		return fmt.Errorf("media: read %s: %w", format, s.err)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrCorrupt, format, what, err)
}

// header is an image whose header has been read and checked.
type header struct {
	codec codec
	info  Info
	// stored is the size of the pixels as encoded, before orientation.
	stored image.Point
	// scalable is whether the image is a JPEG that jpegscale can decode
	// at a reduced size: any but CMYK and YCbCrK.
	scalable bool
	src      *source
	// body yields the whole file again from its first byte: the bytes the
	// header reader consumed, then the rest.
	body io.Reader
}

// readHeader identifies the format from the first bytes, reads the header,
// and refuses an image with more pixels than allowed, all before anything
// proportional to the image's size is allocated. It returns a zero header
// with any error but ErrTooManyPixels.
func readHeader(r io.Reader, opts *Options) (header, error) {
	src := &source{r: r}
	br := bufio.NewReader(src)
	head, _ := br.Peek(sniffLen)
	if src.err != nil {
		return header{}, fmt.Errorf("media: read image: %w", src.err)
	}
	if len(head) == 0 {
		return header{}, fmt.Errorf("%w: the file is empty", ErrNotImage)
	}
	contentType := Sniff(head)
	c, ok := codecFor(contentType)
	if !ok {
		return header{}, fmt.Errorf("%w: the file is %s", ErrNotImage, contentType)
	}

	// The decoders read ahead of the header; keep what they consumed so
	// that the full decode can start again from the first byte.
	var consumed bytes.Buffer
	cfg, err := c.decodeConfig(io.TeeReader(br, &consumed))
	if err != nil {
		return header{}, src.failed(c.format, "header", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return header{}, fmt.Errorf("%w: %s header gives a size of %d×%d", ErrCorrupt, c.format, cfg.Width, cfg.Height)
	}
	h := header{
		codec:  c,
		info:   Info{Format: c.format, Width: cfg.Width, Height: cfg.Height, Orientation: 1},
		stored: image.Pt(cfg.Width, cfg.Height),
		src:    src,
		body:   io.MultiReader(&consumed, br),
	}
	if c.format == "jpeg" {
		h.scalable = cfg.ColorModel != color.CMYKModel
		h.info.Orientation = jpegOrientation(consumed.Bytes())
		if h.info.Orientation >= 5 {
			h.info.Width, h.info.Height = cfg.Height, cfg.Width
		}
	}
	// Both sides come from at most 32-bit header fields, so the product
	// fits in an int64.
	if pixels := int64(cfg.Width) * int64(cfg.Height); pixels > int64(opts.maxPixels()) {
		return h, fmt.Errorf("%w: %d×%d is more than %d", ErrTooManyPixels, cfg.Width, cfg.Height, opts.maxPixels())
	}
	return h, nil
}

// decode decodes the pixels of an image whose header was read, and checks
// that they are the size the header announced. A JPEG is decoded scaled
// down in the DCT by as much as still leaves at least need pixels on each
// axis (see jpegScale); any other image at its full size.
func (h header) decode(need image.Point) (image.Image, error) {
	body := h.body
	size := h.stored
	decode := h.codec.decode
	if h.codec.format == "jpeg" {
		body = &scanLimiter{r: body}
		if denom := jpegScale(h.stored, need); denom > 1 && h.scalable {
			size = scaledSize(size, denom)
			decode = func(r io.Reader) (image.Image, error) {
				// The header's own size is the most the decoder may
				// allocate for, whatever the stream says further on.
				return jpegscale.DecodeScaled(r, denom, h.stored.X*h.stored.Y)
			}
		}
	}
	img, err := decode(body)
	if err != nil {
		return nil, h.src.failed(h.codec.format, "data", err)
	}
	if img.Bounds().Size() == size {
		return img, nil
	}
	// A GIF's first frame may cover only part of its canvas: draw it in
	// place on a transparent canvas of the size the header gave, which
	// the pixel limit has already admitted. Any other mismatch is damage.
	if h.codec.format == "gif" && img.Bounds().In(image.Rectangle{Max: h.stored}) {
		canvas := image.NewNRGBA(image.Rectangle{Max: h.stored})
		draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Src)
		return canvas, nil
	}
	return nil, fmt.Errorf("%w: %s decodes to %v, its header says %v", ErrCorrupt, h.codec.format, img.Bounds().Size(), size)
}
