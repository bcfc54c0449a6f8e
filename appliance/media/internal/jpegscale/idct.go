package jpegscale

// A block holds the 64 quantized DCT coefficients of an 8×8 block, in
// natural (not zig-zag) order: row v, column u at 8*v+u. Quantized
// coefficients of 8-bit samples fit in 12 bits, so int16 is enough, and
// halves what a progressive image keeps between its scans.
type block [blockSize]int16

const blockSize = 8 * 8

// A quantTable holds a quantization table in natural order.
type quantTable [blockSize]uint16

// The reduced inverse DCTs below turn a block into N×N pixels (N = 4, 2
// or 1) from its N×N lowest-frequency coefficients alone, as IJG libjpeg 7
// and later do for scale_denom 2, 4 and 8 (jidctint.c's jpeg_idct_4x4, _2x2
// and _1x1; libjpeg 6b's jidctred.c instead averaged the full-size pixels,
// from almost all 64 coefficients). Each pixel is the value of the block's
// picture, with every frequency above N-1 dropped, at the centre of the
// d×d pixels it stands for (d = 8/N). In one dimension the 8-point IDCT
//
//	s(x) = ½ Σ C(u) S(u) cos((2x+1)uπ/16),  C(0) = 1/√2, else 1,
//
// at the centre x = d·m + (d-1)/2 has cos((2m+1)uπ/2N): it is the N-point
// IDCT of S(0) to S(N-1), with the same weights. The mean of the block is
// kept: the 1×1 pixel is S(0,0)/8.
//
// The code computes 2√2 times the 1-D transform in each direction, so the
// 2-D result is 8 times the pixel value less 128; the final shift divides
// by 8 and the level shift adds 128, as in the full-size decode.

// Fixed-point constants of idct4x4, √2 times the cosines it needs, to
// constBits fractional bits (the values of libjpeg's jidctint.c).
const (
	constBits      = 13
	fix0_541196100 = 4433  // √2·cos(3π/8)
	fix0_765366865 = 6270  // √2·(cos(π/8) − cos(3π/8))
	fix1_847759065 = 15137 // √2·(cos(π/8) + cos(3π/8))
)

// idct4x4 writes the 4×4 pixels of b, dequantized by q, to dst.
func idct4x4(dst []byte, stride int, b *block, q *quantTable) {
	// The columns first, from the coefficients of rows 0 to 3, into ws
	// scaled by 2^constBits. The arithmetic is in int, 64 bits on the
	// platforms that matter, where no valid file comes near overflowing;
	// a damaged one may wrap around, which gives wrong pixels, no more.
	var ws [16]int
	for u := range 4 {
		s0 := int(b[u]) * int(q[u])
		s1 := int(b[8+u]) * int(q[8+u])
		s2 := int(b[16+u]) * int(q[16+u])
		s3 := int(b[24+u]) * int(q[24+u])
		y0, y1, y2, y3 := idct4(s0, s1, s2, s3)
		ws[u], ws[4+u], ws[8+u], ws[12+u] = y0, y1, y2, y3
	}
	// Then the rows, scaled by 2^(2·constBits), and the final rounding
	// shift that also divides by 8.
	const shift = 2*constBits + 3
	for v := range 4 {
		y0, y1, y2, y3 := idct4(ws[4*v], ws[4*v+1], ws[4*v+2], ws[4*v+3])
		row := dst[v*stride : v*stride+4]
		row[0] = pixel((y0 + 1<<(shift-1)) >> shift)
		row[1] = pixel((y1 + 1<<(shift-1)) >> shift)
		row[2] = pixel((y2 + 1<<(shift-1)) >> shift)
		row[3] = pixel((y3 + 1<<(shift-1)) >> shift)
	}
}

// idct4 is 2√2 times the 4-point 1-D IDCT of s0…s3, scaled by
// 2^constBits. The odd part uses three multiplications, as libjpeg's does.
func idct4(s0, s1, s2, s3 int) (y0, y1, y2, y3 int) {
	e0 := (s0 + s2) << constBits
	e1 := (s0 - s2) << constBits
	z := (s1 + s3) * fix0_541196100
	o0 := z + s1*fix0_765366865 // √2·(s1·cos(π/8) + s3·cos(3π/8))
	o1 := z - s3*fix1_847759065 // √2·(s1·cos(3π/8) − s3·cos(π/8))
	return e0 + o0, e1 + o1, e1 - o1, e0 - o0
}

// idct2x2 writes the 2×2 pixels of b, dequantized by q, to dst. For N = 2
// the cosines are ±1/√2, so that 2√2 times the 1-D transform is a sum and
// a difference.
func idct2x2(dst []byte, stride int, b *block, q *quantTable) {
	s00 := int(b[0]) * int(q[0])
	s01 := int(b[1]) * int(q[1])
	s10 := int(b[8]) * int(q[8])
	s11 := int(b[9]) * int(q[9])
	// The columns, then the rows; +4 rounds the division by 8.
	c0, c1 := s00+s10+4, s00-s10+4
	d0, d1 := s01+s11, s01-s11
	dst[0] = pixel((c0 + d0) >> 3)
	dst[1] = pixel((c0 - d0) >> 3)
	dst[stride] = pixel((c1 + d1) >> 3)
	dst[stride+1] = pixel((c1 - d1) >> 3)
}

// idct1x1 writes the one pixel of b, dequantized by q, to dst: the mean
// of the block.
func idct1x1(dst []byte, _ int, b *block, q *quantTable) {
	dst[0] = pixel((int(b[0])*int(q[0]) + 4) >> 3)
}

// pixel level-shifts an IDCT output by +128 and clips it to [0, 255].
func pixel(v int) byte {
	return byte(min(max(v+128, 0), 255))
}
