// Package media handles the images among uploaded files: what a file is,
// whether the server may show it inline, how big it claims to be, and the
// small previews (thumbnails and avatars) the web app shows instead of the
// original.
//
// Start from [Sniff] and [Inline] to decide how a stored file is served,
// [Probe] to read an image's format, size and EXIF orientation from its
// header, and [Thumbnail] or [Avatar] to make a preview. [Options] carries
// the limits; a nil *Options means the defaults.
//
// The package reads PNG, JPEG, GIF and WebP, in pure Go. It trusts nothing
// a client says about a file: the type comes from the bytes, and every
// decode is preceded by a look at the header, so that an image claiming more
// than [Options.MaxPixels] is refused with [ErrTooManyPixels] before any
// pixel memory is allocated. Damaged, truncated or hostile input yields
// [ErrNotImage] or [ErrCorrupt], never a panic.
//
// Previews are re-encoded from decoded pixels, so they carry none of the
// original's metadata: no EXIF (camera, GPS position, time), no XMP, no ICC
// profile, no comments. The EXIF orientation of a JPEG is applied to the
// pixels before it is dropped, so the preview looks as the photo does in a
// browser.
//
// The package holds no state; every function may be called concurrently.
package media
