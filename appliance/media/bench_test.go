package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
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

// BenchmarkThumbnail12MP times a 400-pixel thumbnail of a 4000×3000 JPEG
// and reports, besides ms/op and the bytes allocated per op (B/op, the
// total over the op's life, freed or not), peak-MB: the most the heap grew
// above its level at the start of an op (after a forced collection), at
// the default GOGC. That includes garbage the collector had not yet
// reclaimed, so it is close to the memory a server needs for one
// thumbnail at a time.
func BenchmarkThumbnail12MP(b *testing.B) {
	jpg := encodeJPEG(b, photoLike(4000, 3000))
	b.Logf("source: 4000×3000 JPEG of %.1f MB", float64(len(jpg))/1e6)
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

		thumb, err := Thumbnail(bytes.NewReader(jpg), 400, nil)

		b.StopTimer()
		elapsed += time.Since(start)
		peak = max(peak, sampler.Peak()-base[0].Value.Uint64())
		if err != nil {
			b.Fatal(err)
		}
		if thumb.Width != 400 || thumb.Height != 300 {
			b.Fatalf("thumbnail is %d×%d, want 400×300", thumb.Width, thumb.Height)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}

// BenchmarkDecodeJPEG12MP times image/jpeg alone on the same photo, the
// floor under BenchmarkThumbnail12MP: the difference is what this package
// adds.
func BenchmarkDecodeJPEG12MP(b *testing.B) {
	jpg := encodeJPEG(b, photoLike(4000, 3000))
	b.ReportAllocs()
	b.SetBytes(int64(len(jpg)))
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(jpg)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}
