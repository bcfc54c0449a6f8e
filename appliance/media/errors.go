package media

import "errors"

// Errors returned by Probe, Thumbnail and Avatar. They are wrapped with the
// detail of what went wrong; test for them with errors.Is.
var (
	// ErrNotImage means the bytes are not a PNG, JPEG, GIF or WebP image:
	// another kind of file, an image format this package does not read, or
	// nothing at all.
	ErrNotImage = errors.New("media: not a PNG, JPEG, GIF or WebP image")
	// ErrCorrupt means the bytes start like an image this package reads but
	// are truncated or damaged, or are built to exhaust the decoder (a JPEG
	// of more than a hundred scans).
	ErrCorrupt = errors.New("media: image is truncated or damaged")
	// ErrTooManyPixels means the image's header claims more pixels than
	// Options.MaxPixels allows; it was not decoded.
	ErrTooManyPixels = errors.New("media: image has too many pixels")
)
