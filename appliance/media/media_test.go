package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSniff_TakesTheTypeFromTheBytes(t *testing.T) {
	jpg := encodeJPEG(t, quadrants(8, 8))
	webp, err := os.ReadFile("testdata/video-001.lossy.webp")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		head []byte
		want string
	}{
		{"png", encodePNG(t, quadrants(8, 8)), "image/png"},
		{"jpeg", jpg, "image/jpeg"},
		{"gif", twoFrameGIF(t), "image/gif"},
		{"webp", webp, "image/webp"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "application/pdf"},
		{"html", []byte("<!DOCTYPE html><html><script>alert(1)</script>"), "text/html; charset=utf-8"},
		{"svg with an XML declaration", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "text/xml; charset=utf-8"},
		{"bare svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), "text/plain; charset=utf-8"},
		{"tiff", []byte("II*\x00\x08\x00\x00\x00"), "image/tiff"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), "image/heic"},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), "image/avif"},
		{"binary", []byte{0x00, 0x01, 0x02, 0xFE}, "application/octet-stream"},
		{"only the first 512 bytes count", append(bytes.Repeat([]byte("a"), 512), 0x00), "text/plain; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Sniff(tc.head))
		})
	}
}

func TestInline_OnlyForImagesBrowsersShowSafely(t *testing.T) {
	for contentType, want := range map[string]bool{
		"image/png":                true,
		"image/jpeg":               true,
		"image/gif":                true,
		"image/webp":               true,
		"IMAGE/PNG":                true,
		"image/png; foo=bar":       true,
		"image/svg+xml":            false,
		"text/html; charset=utf-8": false,
		"text/xml; charset=utf-8":  false,
		"application/pdf":          false,
		"image/tiff":               false,
		"image/heic":               false,
		"image/bmp":                false,
		"":                         false,
		"image/png;;;":             false,
	} {
		assert.Equal(t, want, Inline(contentType), contentType)
	}
}

func TestProbe_ReadsFormatAndSizeOfEachFormat(t *testing.T) {
	webp, err := os.ReadFile("testdata/gopher-doc.with-alpha.lossless.webp")
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		data []byte
		want Info
	}{
		{"png", encodePNG(t, quadrants(40, 30)), Info{Format: "png", Width: 40, Height: 30, Orientation: 1}},
		{"jpeg without exif", encodeJPEG(t, quadrants(40, 30)), Info{Format: "jpeg", Width: 40, Height: 30, Orientation: 1}},
		{"gif", twoFrameGIF(t), Info{Format: "gif", Width: 20, Height: 20, Orientation: 1}},
		{"webp", webp, Info{Format: "webp", Width: 75, Height: 100, Orientation: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Probe(bytes.NewReader(tc.data), nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, info)
		})
	}
}

func TestProbe_RefusesPixelBombsFromTheHeaderWithoutAllocating(t *testing.T) {
	for _, tc := range []struct {
		name          string
		data          []byte
		width, height int
	}{
		{"png", pngBomb(100_000, 100_000), 100_000, 100_000},
		{"jpeg", jpegBomb(t, 65_000, 65_000), 65_000, 65_000},
		{"gif", gifBomb(65_535, 65_535), 65_535, 65_535},
		{"webp", webpBomb(20_000, 20_000), 20_000, 20_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			info, probeErr := Probe(bytes.NewReader(tc.data), nil)
			_, thumbErr := Thumbnail(bytes.NewReader(tc.data), 100, nil)
			_, avatarErr := Avatar(bytes.NewReader(tc.data), 100, nil)
			runtime.ReadMemStats(&after)

			require.ErrorIs(t, probeErr, ErrTooManyPixels)
			assert.ErrorIs(t, thumbErr, ErrTooManyPixels)
			assert.ErrorIs(t, avatarErr, ErrTooManyPixels)
			assert.Equal(t, tc.width, info.Width, "the size is reported with the error")
			assert.Equal(t, tc.height, info.Height)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated by three refusals")
		})
	}
}

func TestOptions_MaxPixelsSetsTheLimit(t *testing.T) {
	data := encodePNG(t, quadrants(100, 100))
	_, err := Probe(bytes.NewReader(data), &Options{MaxPixels: 9_999})
	assert.ErrorIs(t, err, ErrTooManyPixels)
	_, err = Thumbnail(bytes.NewReader(data), 50, &Options{MaxPixels: 9_999})
	assert.ErrorIs(t, err, ErrTooManyPixels)
	_, err = Thumbnail(bytes.NewReader(data), 50, &Options{MaxPixels: 10_000})
	assert.NoError(t, err)
}

func TestThumbnail_ScalesTheLongestSideAndNeverEnlarges(t *testing.T) {
	for _, tc := range []struct {
		name             string
		width, height    int
		maxSide          int
		wantW, wantH     int
		wantContentTypes string
	}{
		{"wide", 1000, 500, 400, 400, 200, "image/jpeg"},
		{"tall", 90, 1000, 50, 5, 50, "image/jpeg"},
		{"a large shrink", 1500, 1000, 64, 64, 43, "image/jpeg"},
		{"smaller than the limit", 300, 100, 400, 300, 100, "image/jpeg"},
		{"a thin line", 2000, 1, 400, 400, 1, "image/jpeg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			thumb, err := Thumbnail(bytes.NewReader(encodePNG(t, quadrants(tc.width, tc.height))), tc.maxSide, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.wantContentTypes, thumb.ContentType)
			assert.Equal(t, [2]int{tc.wantW, tc.wantH}, [2]int{thumb.Width, thumb.Height})
			img, err := jpeg.Decode(bytes.NewReader(thumb.Data))
			require.NoError(t, err)
			assert.Equal(t, image.Pt(tc.wantW, tc.wantH), img.Bounds().Size(), "the encoded size matches")
			if tc.wantH > 8 {
				assert.Equal(t, [4]string{"red", "blue", "green", "yellow"}, cornerColours(img))
			}
		})
	}
}

func TestThumbnail_KeepsTransparencyAsPNG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	for y := range 100 {
		for x := 100; x < 200; x++ {
			img.SetNRGBA(x, y, color.NRGBA{0, 255, 0, 255})
		}
	}
	thumb, err := Thumbnail(bytes.NewReader(encodePNG(t, img)), 50, nil)
	require.NoError(t, err)
	require.Equal(t, "image/png", thumb.ContentType)
	out, err := png.Decode(bytes.NewReader(thumb.Data))
	require.NoError(t, err)
	assert.Equal(t, image.Pt(50, 25), out.Bounds().Size())
	_, _, _, leftAlpha := out.At(5, 12).RGBA()
	r, g, b, rightAlpha := out.At(45, 12).RGBA()
	assert.Zero(t, leftAlpha, "the transparent half stays transparent")
	assert.Equal(t, [4]uint32{0, 0xffff, 0, 0xffff}, [4]uint32{r, g, b, rightAlpha}, "the opaque half stays green")
}

func TestThumbnail_UsesTheFirstFrameOfAnAnimatedGIF(t *testing.T) {
	thumb, err := Thumbnail(bytes.NewReader(twoFrameGIF(t)), 10, nil)
	require.NoError(t, err)
	require.Equal(t, "image/jpeg", thumb.ContentType, "the frames are opaque")
	out, err := jpeg.Decode(bytes.NewReader(thumb.Data))
	require.NoError(t, err)
	assert.Equal(t, "red", colourName(out.At(5, 5)))
}

func TestThumbnail_PlacesAPartialFirstGIFFrameOnItsCanvas(t *testing.T) {
	frame := image.NewPaletted(image.Rect(10, 10, 30, 30), color.Palette{red})
	var buf bytes.Buffer
	require.NoError(t, gif.EncodeAll(&buf, &gif.GIF{
		Image:  []*image.Paletted{frame},
		Delay:  []int{0},
		Config: image.Config{Width: 40, Height: 40, ColorModel: frame.Palette},
	}))
	thumb, err := Thumbnail(&buf, 40, nil)
	require.NoError(t, err)
	require.Equal(t, "image/png", thumb.ContentType, "outside the frame is transparent")
	out, err := png.Decode(bytes.NewReader(thumb.Data))
	require.NoError(t, err)
	assert.Equal(t, image.Pt(40, 40), out.Bounds().Size())
	_, _, _, cornerAlpha := out.At(2, 2).RGBA()
	assert.Zero(t, cornerAlpha)
	assert.Equal(t, "red", colourName(out.At(20, 20)))
}

func TestThumbnail_ReadsWebP(t *testing.T) {
	for _, tc := range []struct {
		file            string
		wantContentType string
		wantW, wantH    int
	}{
		{"testdata/video-001.lossy.webp", "image/jpeg", 64, 44},
		{"testdata/gopher-doc.with-alpha.lossless.webp", "image/png", 48, 64},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(tc.file)
			require.NoError(t, err)
			defer f.Close()
			thumb, err := Thumbnail(f, 64, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.wantContentType, thumb.ContentType)
			assert.Equal(t, [2]int{tc.wantW, tc.wantH}, [2]int{thumb.Width, thumb.Height})
			cfg, format, err := image.DecodeConfig(bytes.NewReader(thumb.Data))
			require.NoError(t, err)
			assert.Equal(t, tc.wantContentType, "image/"+format)
			assert.Equal(t, [2]int{tc.wantW, tc.wantH}, [2]int{cfg.Width, cfg.Height})
		})
	}
}

func TestAvatar_IsTheCentredSquareAtTheGivenSize(t *testing.T) {
	// The centre square of a 64×32 quadrants image is itself a quadrants
	// image; orientation 6 turns it a quarter clockwise.
	jpg := withExif(encodeJPEG(t, quadrants(64, 32)), exifTIFF(binary.BigEndian, 6))
	for _, side := range []int{16, 96} {
		thumb, err := Avatar(bytes.NewReader(jpg), side, nil)
		require.NoError(t, err)
		assert.Equal(t, [2]int{side, side}, [2]int{thumb.Width, thumb.Height})
		out, err := jpeg.Decode(bytes.NewReader(thumb.Data))
		require.NoError(t, err)
		assert.Equal(t, image.Pt(side, side), out.Bounds().Size())
		assert.Equal(t, [4]string{"green", "red", "yellow", "blue"}, cornerColours(out), "side %d", side)
	}
}

func TestThumbnail_RefusesWhatIsNotAnImage(t *testing.T) {
	pngData := encodePNG(t, quadrants(40, 30))
	jpgData := encodeJPEG(t, quadrants(40, 30))
	gifData := twoFrameGIF(t)
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"nothing", nil, ErrNotImage},
		{"text", []byte("hello, world"), ErrNotImage},
		{"pdf", []byte("%PDF-1.7\n"), ErrNotImage},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), ErrNotImage},
		{"png signature only", pngData[:8], ErrCorrupt},
		{"png cut in its header", pngData[:20], ErrCorrupt},
		{"png cut in half", pngData[:len(pngData)/2], ErrCorrupt},
		{"jpeg cut in half", jpgData[:len(jpgData)/2], ErrCorrupt},
		{"jpeg start marker only", jpgData[:3], ErrCorrupt},
		{"gif cut in half", gifData[:len(gifData)/2], ErrCorrupt},
		{"png with its pixels zeroed", append(append([]byte{}, pngData[:40]...), make([]byte, 200)...), ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Probe(bytes.NewReader(tc.data), nil)
			if tc.want == ErrNotImage {
				assert.ErrorIs(t, err, ErrNotImage, "probe")
			}
			_, err = Thumbnail(bytes.NewReader(tc.data), 16, nil)
			assert.ErrorIs(t, err, tc.want, "thumbnail")
			_, err = Avatar(bytes.NewReader(tc.data), 16, nil)
			assert.ErrorIs(t, err, tc.want, "avatar")
		})
	}
}

func TestThumbnail_RefusesASizeBelowOne(t *testing.T) {
	_, err := Thumbnail(bytes.NewReader(encodePNG(t, quadrants(4, 4))), 0, nil)
	assert.Error(t, err)
	_, err = Avatar(bytes.NewReader(encodePNG(t, quadrants(4, 4))), -1, nil)
	assert.Error(t, err)
}

func TestThumbnail_ReportsAFailureToReadAsSuch(t *testing.T) {
	errDisk := errors.New("disk on fire")
	pngData := encodePNG(t, quadrants(40, 30))
	for name, r := range map[string]func() io.Reader{
		"at once":       func() io.Reader { return iotest.ErrReader(errDisk) },
		"in the header": func() io.Reader { return io.MultiReader(bytes.NewReader(pngData[:20]), iotest.ErrReader(errDisk)) },
		"in the pixels": func() io.Reader {
			return io.MultiReader(bytes.NewReader(pngData[:len(pngData)-40]), iotest.ErrReader(errDisk))
		},
		"one byte at once": func() io.Reader {
			return iotest.OneByteReader(io.MultiReader(bytes.NewReader(pngData[:100]), iotest.ErrReader(errDisk)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Thumbnail(r(), 16, nil)
			assert.ErrorIs(t, err, errDisk)
			assert.NotErrorIs(t, err, ErrCorrupt)
			assert.NotErrorIs(t, err, ErrNotImage)
		})
	}
}
