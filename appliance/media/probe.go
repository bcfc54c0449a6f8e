package media

import "io"

// Defaults used where Options is nil or leaves a field zero.
const (
	// DefaultMaxPixels admits the 48 and 50 megapixel photos of current
	// phones while bounding what one decode may allocate.
	DefaultMaxPixels = 50_000_000
	// DefaultQuality is the JPEG quality of previews.
	DefaultQuality = 82
)

// Options are the limits and settings of Probe, Thumbnail and Avatar. A nil
// *Options, or a zero field, means the default.
type Options struct {
	// MaxPixels is the most pixels (width × height) an image may have;
	// larger ones are refused with ErrTooManyPixels from the header alone.
	// It bounds the memory of a decode: about 1.5 to 3 bytes a pixel for a
	// baseline JPEG, 4 to 8 for PNG, GIF and WebP, and up to 15 for a
	// progressive JPEG, which keeps every DCT coefficient until its last
	// scan (750 MB at the default, for a 50 MP progressive 4:4:4 JPEG).
	// A JPEG previewed at a quarter of its size or less needs far less:
	// under 0.2 bytes a pixel when baseline, 3 to 6 when progressive (two
	// bytes a coefficient).
	MaxPixels int
	// Quality is the quality, 1 to 100, of previews encoded as JPEG.
	Quality int
}

func (o *Options) maxPixels() int {
	if o == nil || o.MaxPixels <= 0 {
		return DefaultMaxPixels
	}
	return o.MaxPixels
}

func (o *Options) quality() int {
	if o == nil || o.Quality <= 0 {
		return DefaultQuality
	}
	return min(o.Quality, 100)
}

// Info is what an image's header says about it.
type Info struct {
	// Format is "png", "jpeg", "gif" or "webp".
	Format string
	// Width and Height are the size as displayed: for an EXIF orientation
	// of 5 to 8 they are the stored size swapped.
	Width, Height int
	// Orientation is the EXIF orientation of a JPEG, 1 to 8; 1 (as
	// stored) when there is none or it is invalid, and for other formats.
	Orientation int
}

// Probe reads an image's header, and for a JPEG its EXIF orientation,
// without decoding its pixels. It fails with ErrNotImage, ErrCorrupt or
// ErrTooManyPixels; with the latter, the Info returned is filled in.
func Probe(r io.Reader, opts *Options) (Info, error) {
	h, err := readHeader(r, opts)
	return h.info, err
}
