package jpegscale

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pictures are the test JPEGs, made by libjpeg's cjpeg from one 1001×667
// picture (see testdata/README.md): baseline and progressive, in every
// layout a camera or an image editor writes.
var pictures = []string{
	"picture.444.jpeg", "picture.444.progressive.jpeg",
	"picture.422.jpeg", "picture.422.progressive.jpeg",
	"picture.420.jpeg", "picture.420.progressive.jpeg",
	"picture.gray.jpeg", "picture.gray.progressive.jpeg",
}

// minBoxPSNR is the least PSNR, in dB, of a plane of a scaled decode
// against the same plane of the full-size decode averaged in blocks of
// denom×denom samples. At 1/8 both are the mean of each 8×8 block, so
// they differ by rounding only (59 to 65 dB here) and by clipping where
// the full decode overshoots. At 1/2 and 1/4 a reduced IDCT keeps each
// block's lowest frequencies and drops the rest, where a box average
// softens what it keeps and lets the rest alias in: the two differ by a
// fraction of the fine detail. The stripes of the test picture, down to a
// period of 2 pixels, are a hard case for that (31 dB at 1/2, 33 at 1/4,
// on luma), and 30 dB, the usual mark of a good lossy encoding, is what a
// scaled picture must still reach. Gross bugs score 21 to 26 dB here (a
// sign wrong in the 2×2 IDCT, two constants of the 4×4 swapped); subtler
// ones are the job of minLowPassPSNR.
var minBoxPSNR = map[int]float64{2: 30, 4: 30, 8: 50}

// minLowPassPSNR is the least PSNR, in dB, of a scaled decode against the
// pixels computed in floating point, from the definitions of ITU-T T.81
// A.3.3, from the full-size decode: each 8×8 block's DCT, its lowest
// (8/denom)² coefficients, and their IDCT at the centres of the scaled
// pixels. The two differ by the rounding of the full decode's pixels to
// integers, by the reduced IDCT's fixed-point rounding, and by clipping
// where the full decode overshoots: 57.6 to 66 dB here. Dropping the
// correction bits of a progressive refinement scan, or the rounding of
// the 1×1 IDCT, falls to 47–53 dB.
const minLowPassPSNR = 55

func readPicture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return data
}

func TestDecodeScaled_IsCloseToABoxAverageOfTheFullDecode(t *testing.T) {
	for _, name := range pictures {
		data := readPicture(t, name)
		full, err := jpeg.Decode(bytes.NewReader(data))
		require.NoError(t, err)
		for _, denom := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("%s/1:%d", name, denom), func(t *testing.T) {
				got, err := DecodeScaled(bytes.NewReader(data), denom, 1001*667)
				require.NoError(t, err)
				// ⌈1001/d⌉×⌈667/d⌉.
				want := map[int]image.Rectangle{2: image.Rect(0, 0, 501, 334), 4: image.Rect(0, 0, 251, 167), 8: image.Rect(0, 0, 126, 84)}[denom]
				require.Equal(t, want, got.Bounds())
				require.IsType(t, full, got, "the layout of the file")
				if full, ok := full.(*image.YCbCr); ok {
					assert.Equal(t, full.SubsampleRatio, got.(*image.YCbCr).SubsampleRatio)
				}
				wantPlanes, gotPlanes := planes(full), planes(got)
				for i, p := range wantPlanes {
					psnr := psnr(p.boxAverage(denom), gotPlanes[i])
					t.Logf("%s PSNR %.1f dB", p.name, psnr)
					assert.GreaterOrEqual(t, psnr, minBoxPSNR[denom], p.name)
				}
			})
		}
	}
}

func TestDecodeScaled_KeepsTheLowestFrequenciesOfEachBlock(t *testing.T) {
	for _, name := range []string{"picture.444.jpeg", "picture.420.progressive.jpeg", "picture.gray.jpeg"} {
		data := readPicture(t, name)
		full, err := jpeg.Decode(bytes.NewReader(data))
		require.NoError(t, err)
		for _, denom := range []int{2, 4, 8} {
			t.Run(fmt.Sprintf("%s/1:%d", name, denom), func(t *testing.T) {
				got, err := DecodeScaled(bytes.NewReader(data), denom, 1001*667)
				require.NoError(t, err)
				wantPlanes, gotPlanes := planes(full), planes(got)
				for i, p := range wantPlanes {
					want, got := p.lowPass(denom), gotPlanes[i]
					// Only the whole blocks: the full decode has cut off
					// the edge blocks' padding.
					got.width, got.height = want.width, want.height
					psnr := psnr(want, got)
					t.Logf("%s PSNR %.1f dB", p.name, psnr)
					assert.GreaterOrEqual(t, psnr, float64(minLowPassPSNR), p.name)
				}
			})
		}
	}
}

func TestDecodeScaled_FailsOnEveryTruncation(t *testing.T) {
	for _, name := range []string{"picture.420.jpeg", "picture.422.progressive.jpeg", "picture.gray.progressive.jpeg"} {
		t.Run(name, func(t *testing.T) {
			data := readPicture(t, name)
			// Every cut through the headers, then fifty through the scans
			// (each costs a decode of what comes before it).
			for n := 0; n < len(data); n++ {
				if n > 1024 {
					n = min(n+len(data)/50, len(data)-1)
				}
				for _, denom := range []int{2, 8} {
					_, err := DecodeScaled(bytes.NewReader(data[:n]), denom, 1001*667)
					require.Error(t, err, "cut at %d of %d, 1:%d", n, len(data), denom)
				}
			}
		})
	}
}

func TestDecodeScaled_NeverPanicsOnDamagedBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, name := range pictures {
		t.Run(name, func(t *testing.T) {
			data := readPicture(t, name)
			for range 50 {
				damaged := bytes.Clone(data)
				for range 1 + rng.IntN(8) {
					damaged[rng.IntN(len(damaged))] = byte(rng.Uint32())
				}
				denom := 2 << rng.IntN(3)
				// A damaged file may still decode; it is an image of
				// the size its frame header gives, or an error.
				img, err := DecodeScaled(bytes.NewReader(damaged), denom, 1001*667)
				if err == nil {
					cfg, err := jpeg.DecodeConfig(bytes.NewReader(damaged))
					require.NoError(t, err)
					assert.Equal(t, image.Rect(0, 0, (cfg.Width+denom-1)/denom, (cfg.Height+denom-1)/denom), img.Bounds())
				}
			}
		})
	}
}

func TestDecodeScaled_RefusesAFrameOfMorePixelsThanAllowed(t *testing.T) {
	data := readPicture(t, "picture.420.progressive.jpeg")
	_, err := DecodeScaled(bytes.NewReader(data), 8, 1001*667-1)
	assert.ErrorIs(t, err, errTooManyPixels)
	_, err = DecodeScaled(bytes.NewReader(data), 8, 1001*667)
	assert.NoError(t, err)
}

func TestDecodeScaled_RefusesOtherScalesAndFourComponents(t *testing.T) {
	data := readPicture(t, "picture.420.jpeg")
	for _, denom := range []int{-1, 0, 1, 3, 16} {
		_, err := DecodeScaled(bytes.NewReader(data), denom, 1001*667)
		var unsupported UnsupportedError
		assert.True(t, errors.As(err, &unsupported), "1:%d gives %v", denom, err)
	}
	// The frame header of a 16×16 CMYK image: precision, height, width,
	// four components of one table each.
	sof := []byte{8, 0, 16, 0, 16, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0}
	cmyk := append([]byte{0xFF, 0xD8, 0xFF, 0xC0, 0, byte(2 + len(sof))}, sof...)
	_, err := DecodeScaled(bytes.NewReader(cmyk), 2, 1<<20)
	assert.Equal(t, UnsupportedError("CMYK or YCbCrK"), err)
}

// A plane is one channel of an image: Y, Cb or Cr of a YCbCr, or the
// samples of a Gray.
type plane struct {
	name          string
	pix           []byte
	stride        int
	width, height int
}

// planes returns the planes of a *image.YCbCr or *image.Gray whose
// bounds start at (0, 0).
func planes(img image.Image) []plane {
	switch img := img.(type) {
	case *image.Gray:
		return []plane{{"gray", img.Pix, img.Stride, img.Rect.Dx(), img.Rect.Dy()}}
	case *image.YCbCr:
		// The chroma size, from the offset of the last sample.
		last := img.COffset(img.Rect.Max.X-1, img.Rect.Max.Y-1)
		cw, ch := last%img.CStride+1, last/img.CStride+1
		return []plane{
			{"Y", img.Y, img.YStride, img.Rect.Dx(), img.Rect.Dy()},
			{"Cb", img.Cb, img.CStride, cw, ch},
			{"Cr", img.Cr, img.CStride, cw, ch},
		}
	}
	panic(fmt.Sprintf("no planes for %T", img))
}

func (p plane) at(x, y int) byte { return p.pix[y*p.stride+x] }

// boxAverage returns the plane with each d×d block of samples averaged
// into one; the blocks of the right and bottom edges may be smaller.
func (p plane) boxAverage(d int) plane {
	out := plane{name: p.name, width: (p.width + d - 1) / d, height: (p.height + d - 1) / d}
	out.stride = out.width
	out.pix = make([]byte, out.width*out.height)
	for oy := range out.height {
		for ox := range out.width {
			sum, n := 0, 0
			for y := oy * d; y < min((oy+1)*d, p.height); y++ {
				for x := ox * d; x < min((ox+1)*d, p.width); x++ {
					sum += int(p.at(x, y))
					n++
				}
			}
			out.pix[oy*out.stride+ox] = uint8((sum + n/2) / n)
		}
	}
	return out
}

// lowPass returns the plane's whole 8×8 blocks scaled down denom times by
// keeping their lowest frequencies, in floating point from the definitions
// of the DCT and IDCT in ITU-T T.81 A.3.3.
func (p plane) lowPass(denom int) plane {
	n := 8 / denom
	out := plane{name: p.name, width: p.width / 8 * n, height: p.height / 8 * n}
	out.stride = out.width
	out.pix = make([]byte, out.width*out.height)
	c := func(u int) float64 {
		if u == 0 {
			return 1 / math.Sqrt2
		}
		return 1
	}
	var cos [8][8]float64 // [u][x]: the DCT's cosines at the pixels.
	for u := range 8 {
		for x := range 8 {
			cos[u][x] = math.Cos(float64((2*x+1)*u) * math.Pi / 16)
		}
	}
	for by := 0; by < p.height/8; by++ {
		for bx := 0; bx < p.width/8; bx++ {
			var coef [8][8]float64 // [v][u]
			for v := range n {
				for u := range n {
					var sum float64
					for y := range 8 {
						for x := range 8 {
							f := float64(p.at(8*bx+x, 8*by+y)) - 128
							sum += f * cos[u][x] * cos[v][y]
						}
					}
					coef[v][u] = c(u) * c(v) * sum / 4
				}
			}
			// The scaled pixel (m, k) stands for the denom×denom pixels
			// from (denom·m, denom·k), whose centre has 2x+1 = denom·(2m+1).
			for k := range n {
				for m := range n {
					var sum float64
					for v := range n {
						for u := range n {
							sum += c(u) * c(v) * coef[v][u] *
								math.Cos(float64(denom*(2*m+1)*u)*math.Pi/16) *
								math.Cos(float64(denom*(2*k+1)*v)*math.Pi/16)
						}
					}
					out.pix[(n*by+k)*out.stride+n*bx+m] = uint8(min(max(math.Round(sum/4+128), 0), 255))
				}
			}
		}
	}
	return out
}

// psnr returns the peak signal-to-noise ratio of got against want, in dB.
func psnr(want, got plane) float64 {
	if want.width != got.width || want.height != got.height {
		panic(fmt.Sprintf("%s: %d×%d against %d×%d", want.name, got.width, got.height, want.width, want.height))
	}
	var sum float64
	for y := range want.height {
		for x := range want.width {
			diff := float64(want.at(x, y)) - float64(got.at(x, y))
			sum += diff * diff
		}
	}
	return 10 * math.Log10(255*255*float64(want.width*want.height)/sum)
}
