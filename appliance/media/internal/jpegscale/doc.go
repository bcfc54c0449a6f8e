// Package jpegscale decodes a JPEG at 1/2, 1/4 or 1/8 of its size, scaling
// in the DCT domain as libjpeg does: each 8×8 block of coefficients becomes
// 4×4, 2×2 or 1×1 pixels by a reduced inverse DCT of its lowest
// frequencies, so that a 12-megapixel photo wanted as a thumbnail costs the
// Huffman decoding of its coefficients and little else. [DecodeScaled] is
// the one entry point.
//
// The code is the decoder half of the standard library's image/jpeg as of
// Go 1.26.8 (reader.go, with its marker parsers split out into
// markers.go, scan.go and huffman.go, under the BSD licence in
// LICENSE beside them), with these changes:
//
//   - Blocks are reconstructed by the reduced IDCTs of idct.go, into an
//     image of the scaled size; the full 8×8 IDCT is gone, as a full-size
//     decode is image/jpeg's job.
//   - Coefficients are kept as int16 rather than int32, which halves the
//     memory of a progressive image between its scans, and quantization
//     tables are stored in natural order.
//   - A frame of more pixels than the caller allows is refused before
//     anything of its size is allocated.
//   - CMYK and YCbCrK images (four components) are refused; DecodeConfig,
//     the encoder and the registration with package image are removed.
//
// Like image/jpeg, it reads baseline and progressive JPEGs of 8-bit
// samples, and returns an error, never panics, on damaged input.
package jpegscale
