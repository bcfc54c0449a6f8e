package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/makechat/makechat/appliance/media/internal/jpegscale"
)

// photoLike returns a w×h image of smooth gradients with grain, which JPEG
// compresses about as well as a photo (a 12 MP one to a few megabytes).
func photoLike(w, h int) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(12, 3000))
	for y := range h {
		for x := range w {
			v := (x*255/w+y*255/h)/2 + rng.IntN(24) - 12
			img.Y[img.YOffset(x, y)] = uint8(min(max(v, 0), 255))
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			i := y*img.CStride + x
			img.Cb[i] = uint8(64 + x*128/w + rng.IntN(6))
			img.Cr[i] = uint8(192 - y*128/h + rng.IntN(6))
		}
	}
	return img
}

// heapSampler records the largest heap seen while it runs, from
// runtime/metrics' /memory/classes/heap/objects:bytes: the bytes of live
// objects plus dead ones not yet swept, which is what the heap occupies.
// Reading it does not stop the world, unlike runtime.ReadMemStats, so it
// can be sampled every millisecond without disturbing what is measured
// much; the heap of a thumbnail grows in a few large steps that last longer.
type heapSampler struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

const heapObjects = "/memory/classes/heap/objects:bytes"

func startHeapSampler() *heapSampler {
	s := &heapSampler{stop: make(chan struct{})}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		sample := []metrics.Sample{{Name: heapObjects}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			s.peak = max(s.peak, sample[0].Value.Uint64())
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// Peak stops the sampler and returns the largest heap it saw, counting
// the heap as it is now, which the last tick may have missed.
func (s *heapSampler) Peak() uint64 {
	close(s.stop)
	s.done.Wait()
	now := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(now)
	return max(s.peak, now[0].Value.Uint64())
}

// BenchmarkThumbnail12MP times previews of a 4000×3000 JPEG (the 400 px
// thumbnail and the avatar decode it at 1/8, the 800 px thumbnail at 1/4)
// and reports, besides ms/op and the bytes allocated per op (B/op, the
// total over the op's life, freed or not), peak-MB: the most the heap grew
// above its level at the start of an op (after a forced collection), at
// the default GOGC. That includes garbage the collector had not yet
// reclaimed, so it is close to the memory a server needs for one
// thumbnail at a time.
func BenchmarkThumbnail12MP(b *testing.B) {
	jpg := encodeJPEG(b, photoLike(4000, 3000))
	b.Logf("source: 4000×3000 JPEG of %.1f MB", float64(len(jpg))/1e6)
	for _, tc := range []struct {
		name          string
		preview       func(io.Reader) (Thumb, error)
		width, height int
	}{
		{"400px", func(r io.Reader) (Thumb, error) { return Thumbnail(r, 400, nil) }, 400, 300},
		{"800px", func(r io.Reader) (Thumb, error) { return Thumbnail(r, 800, nil) }, 800, 600},
		{"avatar256", func(r io.Reader) (Thumb, error) { return Avatar(r, 256, nil) }, 256, 256},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(jpg)))
			var peak uint64
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				base := []metrics.Sample{{Name: heapObjects}}
				metrics.Read(base)
				sampler := startHeapSampler()
				start := time.Now()
				b.StartTimer()

				thumb, err := tc.preview(bytes.NewReader(jpg))

				b.StopTimer()
				elapsed += time.Since(start)
				peak = max(peak, sampler.Peak()-base[0].Value.Uint64())
				if err != nil {
					b.Fatal(err)
				}
				if thumb.Width != tc.width || thumb.Height != tc.height {
					b.Fatalf("preview is %d×%d, want %d×%d", thumb.Width, thumb.Height, tc.width, tc.height)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/op")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}

// BenchmarkDecodeJPEG12MP times the decoders alone on the same photo:
// image/jpeg at full size, which previews of a JPEG used before the scaled
// decoder and still use for CMYK, and jpegscale at each scale. The
// difference from BenchmarkThumbnail12MP is what the rest of a preview
// costs.
func BenchmarkDecodeJPEG12MP(b *testing.B) {
	jpg := encodeJPEG(b, photoLike(4000, 3000))
	for _, tc := range []struct {
		name   string
		decode func(io.Reader) (image.Image, error)
	}{
		{"image-jpeg", jpeg.Decode},
		{"scaled-1of2", func(r io.Reader) (image.Image, error) { return jpegscale.DecodeScaled(r, 2, 12_000_000) }},
		{"scaled-1of4", func(r io.Reader) (image.Image, error) { return jpegscale.DecodeScaled(r, 4, 12_000_000) }},
		{"scaled-1of8", func(r io.Reader) (image.Image, error) { return jpegscale.DecodeScaled(r, 8, 12_000_000) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(jpg)))
			for b.Loop() {
				if _, err := tc.decode(bytes.NewReader(jpg)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}
