package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math"
	"os"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The displayed quarters (top left, top right, bottom left, bottom right)
// of the quadrants image stored red, blue / green, yellow, for each EXIF
// orientation, worked out by hand from the EXIF definition of where the
// stored first row and first column go.
var displayedQuarters = map[uint16][4]string{
	1: {"red", "blue", "green", "yellow"}, // row 0 top, column 0 left
	2: {"blue", "red", "yellow", "green"}, // row 0 top, column 0 right
	3: {"yellow", "green", "blue", "red"}, // row 0 bottom, column 0 right
	4: {"green", "yellow", "red", "blue"}, // row 0 bottom, column 0 left
	5: {"red", "green", "blue", "yellow"}, // row 0 left, column 0 top
	6: {"green", "red", "yellow", "blue"}, // row 0 right, column 0 top
	7: {"yellow", "blue", "green", "red"}, // row 0 right, column 0 bottom
	8: {"blue", "yellow", "red", "green"}, // row 0 left, column 0 bottom
}

func TestThumbnail_AppliesEveryExifOrientation(t *testing.T) {
	for _, size := range []struct {
		name                  string
		storedW, storedH      int
		maxSide, wantW, wantH int
	}{
		{"decoded whole", 64, 32, 48, 48, 24},
		{"decoded at a quarter", 256, 128, 64, 64, 32},
	} {
		stored := encodeJPEG(t, quadrants(size.storedW, size.storedH))
		for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			for orientation, want := range displayedQuarters {
				t.Run(fmt.Sprintf("%s/%v/%d", size.name, order, orientation), func(t *testing.T) {
					jpg := withExif(stored, exifTIFF(order, orientation))
					storedW, storedH, wantW, wantH := size.storedW, size.storedH, size.wantW, size.wantH
					if orientation >= 5 {
						storedW, storedH, wantW, wantH = storedH, storedW, wantH, wantW
					}

					info, err := Probe(bytes.NewReader(jpg), nil)
					require.NoError(t, err)
					assert.Equal(t, int(orientation), info.Orientation)
					assert.Equal(t, [2]int{storedW, storedH}, [2]int{info.Width, info.Height}, "probe gives the displayed size")

					thumb, err := Thumbnail(bytes.NewReader(jpg), size.maxSide, nil)
					require.NoError(t, err)
					assert.Equal(t, [2]int{wantW, wantH}, [2]int{thumb.Width, thumb.Height})
					out, err := jpeg.Decode(bytes.NewReader(thumb.Data))
					require.NoError(t, err)
					assert.Equal(t, [2]int{wantW, wantH}, [2]int{out.Bounds().Dx(), out.Bounds().Dy()})
					assert.Equal(t, want, cornerColours(out))
				})
			}
		}
	}
}

func TestThumbnail_LeftHalfRedBecomesTheTopUnderOrientation6(t *testing.T) {
	// The example of the issue, on its own: a photo taken with the phone
	// held upright is stored on its side.
	img := quadrants(40, 20)
	for y := range 20 {
		for x := range 40 {
			if x < 20 {
				img.SetRGBA(x, y, red)
			} else {
				img.SetRGBA(x, y, blue)
			}
		}
	}
	jpg := withExif(encodeJPEG(t, img), exifTIFF(binary.BigEndian, 6))
	thumb, err := Thumbnail(bytes.NewReader(jpg), 100, nil)
	require.NoError(t, err)
	out, err := jpeg.Decode(bytes.NewReader(thumb.Data))
	require.NoError(t, err)
	require.Equal(t, [2]int{20, 40}, [2]int{out.Bounds().Dx(), out.Bounds().Dy()})
	assert.Equal(t, [4]string{"red", "red", "blue", "blue"}, cornerColours(out))
}

func TestThumbnail_StripsExifAndGPS(t *testing.T) {
	tiff := exifTIFF(binary.BigEndian, 1)
	jpg := withExif(encodeJPEG(t, quadrants(64, 32)), tiff)
	gps := binary.BigEndian.AppendUint32(nil, gpsLatitude[4])
	gps = binary.BigEndian.AppendUint32(gps, gpsLatitude[5])
	require.True(t, bytes.Contains(jpg, gps), "the source carries the GPS latitude")
	require.Contains(t, jpegMarkers(t, jpg), byte(0xE1), "the source has an APP1 segment")

	for _, tc := range []struct {
		name string
		make func() (Thumb, error)
	}{
		{"thumbnail", func() (Thumb, error) { return Thumbnail(bytes.NewReader(jpg), 32, nil) }},
		{"thumbnail at full size", func() (Thumb, error) { return Thumbnail(bytes.NewReader(jpg), 64, nil) }},
		{"avatar", func() (Thumb, error) { return Avatar(bytes.NewReader(jpg), 32, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			thumb, err := tc.make()
			require.NoError(t, err)
			require.Equal(t, "image/jpeg", thumb.ContentType)
			assert.False(t, bytes.Contains(thumb.Data, []byte("Exif")), "no Exif header")
			assert.False(t, bytes.Contains(thumb.Data, gps), "no GPS latitude")
			for _, m := range jpegMarkers(t, thumb.Data) {
				assert.False(t, m >= 0xE0 && m <= 0xEF, "application segment APP%d", m-0xE0)
				assert.NotEqual(t, byte(0xFE), m, "comment segment")
			}
		})
	}
}

func TestJpegOrientation_IgnoresWhatIsNotAValidOrientation(t *testing.T) {
	app1 := func(payload []byte) []byte {
		seg := []byte{0xFF, 0xD8, 0xFF, 0xE1}
		seg = binary.BigEndian.AppendUint16(seg, uint16(2+len(payload)))
		return append(seg, payload...)
	}
	exif := func(tiff []byte) []byte { return app1(append([]byte("Exif\x00\x00"), tiff...)) }
	valid := exifTIFF(binary.LittleEndian, 6)
	withEntryCount := func(n uint16) []byte {
		tiff := append([]byte{}, valid...)
		binary.LittleEndian.PutUint16(tiff[8:], n)
		binary.LittleEndian.PutUint16(tiff[10:], 0x0100) // Not the Orientation tag any more.
		return tiff
	}
	withIFDOffset := func(off uint32) []byte {
		tiff := append([]byte{}, valid...)
		binary.LittleEndian.PutUint32(tiff[4:], off)
		return tiff
	}
	withOrientation := func(typ uint16, value uint16) []byte {
		tiff := append([]byte{}, valid...)
		binary.LittleEndian.PutUint16(tiff[12:], typ)
		binary.LittleEndian.PutUint16(tiff[18:], value)
		return tiff
	}
	for _, tc := range []struct {
		name string
		head []byte
		want int
	}{
		{"valid", exif(valid), 6},
		{"after a JFIF segment and fill bytes", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 'J', 'F', 0xFF, 0xFF}, exif(valid)[2:]...), 6},
		{"as LONG", exif(withOrientation(4, 3)), 3},
		{"empty", nil, 1},
		{"not a jpeg", []byte("GIF89a"), 1},
		{"no exif", encodeJPEG(t, quadrants(8, 8)), 1},
		{"segment longer than the data", exif(valid)[:30], 1},
		{"segment length below two", []byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 1, 0, 0}, 1},
		{"not a marker", []byte{0xFF, 0xD8, 0x00, 0xE1, 0, 8}, 1},
		{"start of scan before exif", append([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2}, exif(valid)[2:]...), 1},
		{"exif too short for a TIFF header", exif([]byte("II*\x00")), 1},
		{"bad byte order", exif(append([]byte("XX"), valid[2:]...)), 1},
		{"bad magic number", exif(append([]byte("II\x2b\x00"), valid[4:]...)), 1},
		{"IFD offset past the end", exif(withIFDOffset(0xFFFFFFFF)), 1},
		{"IFD offset at the last byte", exif(withIFDOffset(uint32(len(valid) - 1))), 1},
		{"more entries than bytes", exif(withEntryCount(0xFFFF)), 1},
		{"orientation not in IFD0", exif(withEntryCount(2)), 1},
		{"no entries", exif(withEntryCount(0)), 1},
		{"orientation zero", exif(withOrientation(3, 0)), 1},
		{"orientation nine", exif(withOrientation(3, 9)), 1},
		{"orientation as ASCII", exif(withOrientation(2, 6)), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, jpegOrientation(tc.head))
		})
	}
}

func TestThumbnail_RefusesAJPEGOfTooManyScans(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    []byte
		wantErr error
	}{
		{"a hundred scans", progressiveJPEG(64, 99), nil},
		{"a hundred and one scans", progressiveJPEG(64, 100), ErrCorrupt},
		{"ten thousand scans of a megapixel", progressiveJPEG(1000, 10_000), ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Reading one byte at a time also tests that a marker split
			// across two reads is counted.
			for _, r := range []io.Reader{bytes.NewReader(tc.data), iotest.OneByteReader(bytes.NewReader(tc.data))} {
				_, err := Thumbnail(r, 32, nil)
				if tc.wantErr == nil {
					assert.NoError(t, err)
				} else {
					assert.ErrorIs(t, err, tc.wantErr)
				}
			}
		})
	}
}

func TestJpegScale_IsTheLargestThatStillHoldsThePreview(t *testing.T) {
	for _, tc := range []struct {
		name         string
		stored, need image.Point
		want         int
	}{
		{"12 MP photo, 800 px thumbnail", image.Pt(4000, 3000), image.Pt(800, 600), 4},
		{"12 MP photo, 400 px thumbnail", image.Pt(4000, 3000), image.Pt(400, 300), 8},
		{"12 MP photo, 256 px avatar", image.Pt(4000, 3000), image.Pt(256, 256), 8},
		{"portrait avatar: the short side decides", image.Pt(1000, 3000), image.Pt(256, 256), 2},
		{"sides rounded up: 1599 halves to 800", image.Pt(1599, 1000), image.Pt(800, 500), 2},
		{"1598 halves to 799", image.Pt(1598, 999), image.Pt(800, 500), 1},
		{"exactly 8 times", image.Pt(6400, 4800), image.Pt(800, 600), 8},
		{"smaller than the preview", image.Pt(100, 50), image.Pt(100, 50), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, jpegScale(tc.stored, tc.need))
		})
	}
}

func TestThumbnail_OfAScaledDecodeLooksLikeOneOfTheFullImage(t *testing.T) {
	for _, name := range []string{"picture.444.progressive.jpeg", "picture.420.jpeg", "picture.gray.jpeg"} {
		data, err := os.ReadFile("internal/jpegscale/testdata/" + name)
		require.NoError(t, err)
		full, err := jpeg.Decode(bytes.NewReader(data))
		require.NoError(t, err)
		// The picture is 1001×667: these decode at 1/2, 1/4 and 1/8.
		for _, maxSide := range []int{400, 200, 100} {
			t.Run(fmt.Sprintf("%s/%d", name, maxSide), func(t *testing.T) {
				h, err := readHeader(bytes.NewReader(data), nil)
				require.NoError(t, err)
				w, ht := fit(h.stored.X, h.stored.Y, maxSide)
				img, err := h.decode(image.Pt(w, ht))
				require.NoError(t, err)
				require.Less(t, img.Bounds().Dx(), 1001, "decoded scaled down")
				// Against the same thumbnail made from the full decode, on
				// the left half, of gradients and a disc: the stripes and
				// checks of the right are finer than the thumbnail can
				// show, and every filter aliases them differently (25 dB
				// over the whole). The worst here is the disc's edge in
				// 4:2:0 at 100 px (32 dB), whose chroma a scaled decode
				// keeps at half the resolution the full decode gives the
				// box average; 30 dB, the mark of a good lossy encoding,
				// is what the thumbnail must reach.
				left := image.Rect(0, 0, w/2, ht)
				want := resize(full, full.Bounds(), w, ht).SubImage(left).(*image.RGBA)
				got := resize(img, img.Bounds(), w, ht).SubImage(left).(*image.RGBA)
				psnr := rgbPSNR(want, got)
				t.Logf("PSNR %.1f dB", psnr)
				assert.GreaterOrEqual(t, psnr, 30.0)
			})
		}
	}
}

// rgbPSNR returns the peak signal-to-noise ratio of got against want over
// their red, green and blue samples, in dB.
func rgbPSNR(want, got *image.RGBA) float64 {
	var sum float64
	for y := range want.Rect.Dy() {
		for x := range want.Rect.Dx() {
			w := want.Pix[want.PixOffset(want.Rect.Min.X+x, want.Rect.Min.Y+y):]
			g := got.Pix[got.PixOffset(got.Rect.Min.X+x, got.Rect.Min.Y+y):]
			for c := range 3 {
				diff := float64(w[c]) - float64(g[c])
				sum += diff * diff
			}
		}
	}
	return 10 * math.Log10(255*255*float64(3*want.Rect.Dx()*want.Rect.Dy())/sum)
}

func TestThumbnail_DecodesACMYKJPEGWholeWithImageJPEG(t *testing.T) {
	// jpegscale refuses four components, so the header sends a CMYK JPEG
	// to image/jpeg at its full size, however small the preview.
	data, err := os.ReadFile("testdata/video-001.cmyk.jpeg")
	require.NoError(t, err)
	h, err := readHeader(bytes.NewReader(data), nil)
	require.NoError(t, err)
	assert.False(t, h.scalable)
	img, err := h.decode(image.Pt(32, 22))
	require.NoError(t, err)
	assert.IsType(t, &image.CMYK{}, img)

	thumb, err := Thumbnail(bytes.NewReader(data), 32, nil)
	require.NoError(t, err)
	assert.Equal(t, "image/jpeg", thumb.ContentType)
	assert.Equal(t, [2]int{32, 22}, [2]int{thumb.Width, thumb.Height})
}
