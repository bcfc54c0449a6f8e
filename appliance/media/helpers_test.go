package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// The colours of the test pattern, and their names in assertions.
var (
	red    = color.RGBA{255, 0, 0, 255}
	blue   = color.RGBA{0, 0, 255, 255}
	green  = color.RGBA{0, 255, 0, 255}
	yellow = color.RGBA{255, 255, 0, 255}
)

// quadrants returns a w×h image whose top left quarter is red, top right
// blue, bottom left green and bottom right yellow, so that any turn or flip
// of it can be told from the others.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = blue
			case x < w/2 && y >= h/2:
				c = green
			case x >= w/2 && y >= h/2:
				c = yellow
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// colourName returns the name of the pattern colour nearest to c.
func colourName(c color.Color) string {
	r, g, b, _ := c.RGBA()
	best, bestDist := "", math.MaxFloat64
	for name, p := range map[string]color.RGBA{"red": red, "blue": blue, "green": green, "yellow": yellow} {
		dr := float64(r>>8) - float64(p.R)
		dg := float64(g>>8) - float64(p.G)
		db := float64(b>>8) - float64(p.B)
		if d := dr*dr + dg*dg + db*db; d < bestDist {
			best, bestDist = name, d
		}
	}
	return best
}

// cornerColours returns the colour names at the centres of img's four
// quarters: top left, top right, bottom left, bottom right.
func cornerColours(img image.Image) [4]string {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	at := func(x, y int) string { return colourName(img.At(b.Min.X+x, b.Min.Y+y)) }
	return [4]string{at(w/4, h/4), at(3*w/4, h/4), at(w/4, 3*h/4), at(3*w/4, 3*h/4)}
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}))
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// twoFrameGIF returns an animated GIF whose first frame is red and second
// blue.
func twoFrameGIF(t testing.TB) []byte {
	t.Helper()
	palette := color.Palette{red, blue}
	anim := &gif.GIF{}
	for i := range 2 {
		frame := image.NewPaletted(image.Rect(0, 0, 20, 20), palette)
		for p := range frame.Pix {
			frame.Pix[p] = uint8(i)
		}
		anim.Image = append(anim.Image, frame)
		anim.Delay = append(anim.Delay, 10)
	}
	var buf bytes.Buffer
	require.NoError(t, gif.EncodeAll(&buf, anim))
	return buf.Bytes()
}

// gpsLatitude is the GPS latitude written into test EXIF data, as three
// rationals (48/1, 51/1, 2958/100), so that tests can look for its bytes.
var gpsLatitude = []uint32{48, 1, 51, 1, 2958, 100}

// exifTIFF returns EXIF data (a TIFF structure) in the given byte order
// whose IFD0 holds an Orientation tag and a pointer to a GPS IFD with a
// latitude, laid out by hand:
//
//	0   header: byte order, 42, offset of IFD0 (8)
//	8   IFD0: 2 entries (Orientation, GPS IFD pointer), next IFD 0
//	38  GPS IFD: 2 entries (GPSLatitudeRef "N", GPSLatitude), next IFD 0
//	68  GPSLatitude's three rationals
func exifTIFF(order binary.AppendByteOrder, orientation uint16) []byte {
	var b []byte
	u16 := func(v uint16) { b = order.AppendUint16(b, v) }
	u32 := func(v uint32) { b = order.AppendUint32(b, v) }
	if order.String() == binary.LittleEndian.String() {
		b = append(b, "II"...)
	} else {
		b = append(b, "MM"...)
	}
	u16(42)
	u32(8)
	// IFD0.
	u16(2)
	u16(0x0112) // Orientation, SHORT, 1 value, in the entry.
	u16(3)
	u32(1)
	u16(orientation)
	u16(0)
	u16(0x8825) // GPS IFD pointer, LONG, 1 value.
	u16(4)
	u32(1)
	u32(38)
	u32(0)
	// GPS IFD.
	u16(2)
	u16(0x0001) // GPSLatitudeRef, ASCII, 2 bytes, in the entry.
	u16(2)
	u32(2)
	b = append(b, 'N', 0, 0, 0)
	u16(0x0002) // GPSLatitude, RATIONAL, 3 values, at offset 68.
	u16(5)
	u32(3)
	u32(68)
	u32(0)
	for _, v := range gpsLatitude {
		u32(v)
	}
	return b
}

// withExif returns a JPEG with an APP1 EXIF segment holding tiff inserted
// right after the start-of-image marker of jpg.
func withExif(jpg, tiff []byte) []byte {
	payload := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(2+len(payload)))
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// jpegMarkers lists the markers of a JPEG's segments up to the first scan.
func jpegMarkers(t testing.TB, jpg []byte) []byte {
	t.Helper()
	require.True(t, bytes.HasPrefix(jpg, []byte{0xFF, 0xD8}), "starts with SOI")
	var markers []byte
	for i := 2; ; {
		require.Less(t, i+4, len(jpg), "segments run past the end")
		require.Equal(t, byte(0xFF), jpg[i], "a marker at offset %d", i)
		markers = append(markers, jpg[i+1])
		if jpg[i+1] == 0xDA {
			return markers
		}
		i += 2 + int(binary.BigEndian.Uint16(jpg[i+2:]))
	}
}

// pngChunk returns a PNG chunk with its CRC.
func pngChunk(kind string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, kind...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// pngBomb returns a PNG of a few dozen bytes whose valid IHDR claims
// w×h RGBA pixels, followed by an empty image stream.
func pngBomb(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8 bits, RGBA, deflate, no filter, no interlace.
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// jpegBomb returns a small real JPEG whose frame header is changed to claim
// w×h pixels.
func jpegBomb(t testing.TB, w, h uint16) []byte {
	t.Helper()
	jpg := encodeJPEG(t, quadrants(16, 16))
	sof := bytes.Index(jpg, []byte{0xFF, 0xC0})
	require.Positive(t, sof, "the encoder writes a baseline frame header")
	binary.BigEndian.PutUint16(jpg[sof+5:], h)
	binary.BigEndian.PutUint16(jpg[sof+7:], w)
	return jpg
}

// gifBomb returns a GIF header whose logical screen is w×h.
func gifBomb(w, h uint16) []byte {
	out := []byte("GIF89a")
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	return append(out, 0, 0, 0, ';')
}

// webpBomb returns an extended WebP header (VP8X) whose canvas is w×h.
func webpBomb(w, h uint32) []byte {
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, 4+8+10)
	out = append(out, "WEBPVP8X"...)
	out = binary.LittleEndian.AppendUint32(out, 10)
	out = append(out, 0, 0, 0, 0)
	out = append(out, byte(w-1), byte((w-1)>>8), byte((w-1)>>16))
	return append(out, byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
}

// jpegSegment returns a JPEG marker segment.
func jpegSegment(marker byte, body []byte) []byte {
	out := []byte{0xFF, marker}
	out = binary.BigEndian.AppendUint16(out, uint16(2+len(body)))
	return append(out, body...)
}

// progressiveJPEG returns a valid grey side×side progressive JPEG of one
// DC scan and then acScans AC scans, each of twelve bytes: one symbol of a
// one-code Huffman table ends every block of the image at once.
func progressiveJPEG(side, acScans int) []byte {
	out := []byte{0xFF, 0xD8}
	out = append(out, jpegSegment(0xDB, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...))...)
	sof := binary.BigEndian.AppendUint16([]byte{8}, uint16(side))
	sof = binary.BigEndian.AppendUint16(sof, uint16(side))
	out = append(out, jpegSegment(0xC2, append(sof, 1, 1, 0x11, 0))...)
	// A DC table whose one code, "0", means a difference of 0, and an AC
	// table whose one code means an end-of-band run of 2^14 or more.
	counts := make([]byte, 16)
	counts[0] = 1
	dht := append(append([]byte{0x00}, counts...), 0x00)
	dht = append(append(append(dht, 0x10), counts...), 0xE0)
	out = append(out, jpegSegment(0xC4, dht)...)
	blocks := ((side + 7) / 8) * ((side + 7) / 8)
	out = append(out, jpegSegment(0xDA, []byte{1, 1, 0x00, 0, 0, 0})...)
	out = append(out, make([]byte, (blocks+7)/8)...)
	for range acScans {
		out = append(out, jpegSegment(0xDA, []byte{1, 1, 0x00, 1, 63, 0})...)
		out = append(out, 0x00, 0x01) // The code, 14 zero bits of run length, padding.
	}
	return append(out, 0xFF, 0xD9)
}
