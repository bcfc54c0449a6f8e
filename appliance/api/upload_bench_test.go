package api_test

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The upload benchmarks of issue 15: throughput of 8 concurrent
// uploaders against the disk's own sequential fsynced write rate,
// measured in the same run on the same file system; and the p99 of
// message posts while 25 MiB files upload.
//
//	go test ./appliance/api -run XXX -bench 'Upload|PostsWhile' -benchtime 40x

// uploadRequest streams a multipart upload of size bytes (data with its
// first 8 bytes made unique by n, so that no two uploads are the same
// bytes, which would be stored once).
func uploadRequest(b *testing.B, e *env, data []byte, n uint64) *http.Request {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		part, err := mw.CreateFormFile("file", fmt.Sprintf("upload-%d.bin", n))
		if err == nil {
			var head [8]byte
			binary.BigEndian.PutUint64(head[:], n)
			_, err = part.Write(head[:])
			if err == nil {
				_, err = part.Write(data[8:])
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	r, err := http.NewRequest("POST", e.srv.URL+"/api/uploads", pr)
	if err != nil {
		b.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set("X-Auth-Token", e.adminToken)
	return r
}

// upload sends an upload and checks it was taken.
func upload(c *http.Client, r *http.Request) error {
	resp, err := c.Do(r)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("upload: status %d", resp.StatusCode)
	}
	return nil
}

// diskRate writes n files of data one after another in dir, each synced
// and renamed as the store writes its blobs, and returns MB/s.
func diskRate(b *testing.B, dir string, data []byte, n int) float64 {
	start := time.Now()
	for i := range n {
		f, err := os.CreateTemp(dir, "ref-*")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		if err := os.Rename(f.Name(), filepath.Join(dir, fmt.Sprintf("ref-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
	took := time.Since(start)
	os.RemoveAll(dir)
	return float64(n*len(data)) / 1e6 / took.Seconds()
}

func BenchmarkUpload(b *testing.B) {
	for _, size := range []int{1 << 20, 25 << 20} {
		b.Run(fmt.Sprintf("%dMiB-8-uploaders", size>>20), func(b *testing.B) {
			e := newEnv(b, func(o *envConfig) { o.UploadMaxBytes = 32 << 20 })
			data := make([]byte, size)
			_, _ = rand.Read(data) // incompressible, as most uploads are
			// Each uploader keeps its connection, as a browser does.
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
			var next atomic.Uint64
			b.SetBytes(int64(size))
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for {
						n := next.Add(1)
						if n > uint64(b.N) {
							return
						}
						if err := upload(c, uploadRequest(b, e, data, n)); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			upload := float64(b.N*size) / 1e6 / time.Since(start).Seconds()
			b.StopTimer()
			disk := diskRate(b, b.TempDir(), data, max(b.N, 4))
			b.ReportMetric(upload, "upload-MB/s")
			b.ReportMetric(disk, "disk-MB/s")
			b.ReportMetric(100*upload/disk, "%-of-disk")
		})
	}
}

// BenchmarkPostsWhileUploading times b.N posts alone, then b.N posts
// while 25 MiB files upload one after another, and reports both p99s.
func BenchmarkPostsWhileUploading(b *testing.B) {
	e := newEnv(b, func(o *envConfig) { o.UploadMaxBytes = 32 << 20 })
	room := e.createRoom("bench", "")
	c := e.srv.Client()
	post := func() *http.Request {
		r, _ := http.NewRequest("POST", e.srv.URL+"/api/messages", strings.NewReader(`{"room": "`+room+`", "text": "hello"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Auth-Token", e.adminToken)
		return r
	}
	p99 := func() time.Duration {
		d := make([]time.Duration, 0, b.N)
		for range b.N {
			d = append(d, roundTrip(b, c, post, 201))
		}
		sortDurations(d)
		return d[len(d)*99/100]
	}
	b.ResetTimer()
	alone := p99()
	data := make([]byte, 25<<20)
	_, _ = rand.Read(data)
	stop := make(chan struct{})
	var uploads atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := uint64(1); ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := upload(c, uploadRequest(b, e, data, n)); err != nil {
				b.Error(err)
				return
			}
			uploads.Add(1)
		}
	})
	time.Sleep(50 * time.Millisecond) // the first upload under way
	during := p99()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(alone.Microseconds()), "p99-alone-µs")
	b.ReportMetric(float64(during.Microseconds()), "p99-uploading-µs")
	b.ReportMetric(float64(uploads.Load()), "uploads")
}
