package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/makechat/makechat/appliance/media/internal/jpegscale"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validSamples returns one small valid file of each format read, for the
// robustness tests and the fuzz seeds.
func validSamples(t testing.TB) map[string][]byte {
	webp, err := os.ReadFile("testdata/video-001.lossy.webp")
	require.NoError(t, err)
	lossless, err := os.ReadFile("testdata/gopher-doc.with-alpha.lossless.webp")
	require.NoError(t, err)
	return map[string][]byte{
		"png":            encodePNG(t, quadrants(24, 16)),
		"jpeg with exif": withExif(encodeJPEG(t, quadrants(24, 16)), exifTIFF(binary.LittleEndian, 8)),
		"gif":            twoFrameGIF(t),
		"lossy webp":     webp,
		"lossless webp":  lossless,
	}
}

// checkNoPanic runs every entry point on data and fails unless each returns
// a preview or one of the package's errors.
func checkNoPanic(t *testing.T, data []byte) {
	t.Helper()
	opts := &Options{MaxPixels: 1 << 20}
	known := func(err error) bool {
		return err == nil || errors.Is(err, ErrNotImage) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrTooManyPixels)
	}
	_, err := Probe(bytes.NewReader(data), opts)
	require.True(t, known(err), "probe: %v", err)
	_, err = Thumbnail(bytes.NewReader(data), 8, opts)
	require.True(t, known(err), "thumbnail: %v", err)
	_, err = Avatar(bytes.NewReader(data), 8, opts)
	require.True(t, known(err), "avatar: %v", err)
}

func TestThumbnail_NeverPanicsOnTruncatedOrMangledImages(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, data := range validSamples(t) {
		t.Run(name, func(t *testing.T) {
			// Every cut through the headers, then a sample of the rest.
			for n := 0; n < len(data); n++ {
				checkNoPanic(t, data[:n])
				if n > 256 {
					n += 6
				}
			}
			for range 300 {
				mangled := append([]byte{}, data...)
				for range 1 + rng.IntN(4) {
					mangled[rng.IntN(len(mangled))] = byte(rng.Uint32())
				}
				checkNoPanic(t, mangled)
			}
		})
	}
	t.Run("random bytes after each signature", func(t *testing.T) {
		for _, magic := range []string{"\x89PNG\r\n\x1a\n", "\xff\xd8\xff", "GIF89a", "RIFF\x00\x00\x00\x00WEBPVP8L", "RIFF\x00\x00\x00\x00WEBPVP8X"} {
			for range 200 {
				noise := make([]byte, rng.IntN(300))
				for i := range noise {
					noise[i] = byte(rng.Uint32())
				}
				checkNoPanic(t, append([]byte(magic), noise...))
			}
		}
	})
}

func FuzzProbe(f *testing.F) {
	for _, data := range validSamples(f) {
		f.Add(data)
	}
	f.Add(pngBomb(100_000, 100_000))
	f.Add(gifBomb(65_535, 65_535))
	f.Add(webpBomb(20_000, 20_000))
	f.Add(progressiveJPEG(16, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := &Options{MaxPixels: 1 << 20}
		info, err := Probe(bytes.NewReader(data), opts)
		if err == nil {
			assert.Contains(t, []string{"png", "jpeg", "gif", "webp"}, info.Format)
			assert.Positive(t, info.Width)
			assert.Positive(t, info.Height)
			assert.LessOrEqual(t, info.Width*info.Height, 1<<20)
			assert.True(t, info.Orientation >= 1 && info.Orientation <= 8, "orientation %d", info.Orientation)
		}
		thumb, err := Thumbnail(bytes.NewReader(data), 16, opts)
		if err == nil {
			assert.True(t, thumb.Width <= 16 && thumb.Height <= 16, "%d×%d", thumb.Width, thumb.Height)
			assert.NotEmpty(t, thumb.Data)
		}
	})
}

// FuzzDecodeScaled feeds the scaled JPEG decoder directly, at each scale,
// with the pixel limit of the other fuzz tests and through the scan limit
// of header.decode: whatever the bytes, it returns an error or an image of
// the size the frame header gives, divided by the scale and rounded up,
// and it never decodes what image/jpeg's header reader refuses.
func FuzzDecodeScaled(f *testing.F) {
	f.Add(encodeJPEG(f, quadrants(24, 16)), uint8(0))
	f.Add(encodeJPEG(f, image.NewGray(image.Rect(0, 0, 17, 9))), uint8(1))
	f.Add(progressiveJPEG(16, 3), uint8(2))
	// Small crops of the test pictures, as the fuzzer mutates a seed the
	// faster the fewer its bytes.
	for _, name := range []string{
		"crop.444.progressive.jpeg", "crop.422.jpeg", "crop.420.progressive.jpeg", "crop.gray.progressive.jpeg",
	} {
		data, err := os.ReadFile("internal/jpegscale/testdata/" + name)
		require.NoError(f, err)
		f.Add(data, uint8(len(name)))
	}
	f.Fuzz(func(t *testing.T, data []byte, scale uint8) {
		denom := 2 << (scale % 3)
		img, err := jpegscale.DecodeScaled(&scanLimiter{r: bytes.NewReader(data)}, denom, 1<<20)
		if err != nil {
			return
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		require.NoError(t, err, "the header of what decodes")
		want := image.Rect(0, 0, (cfg.Width+denom-1)/denom, (cfg.Height+denom-1)/denom)
		assert.Equal(t, want, img.Bounds())
		assert.LessOrEqual(t, cfg.Width*cfg.Height, 1<<20)
		switch img.(type) {
		case *image.Gray, *image.YCbCr, *image.RGBA:
		default:
			t.Errorf("decodes to a %T", img)
		}
	})
}
