package api_test

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// These benchmarks time whole HTTP round trips over loopback against a
// real server and bbolt file, and report percentiles beside the mean.

func sortDurations(d []time.Duration) { sort.Slice(d, func(i, j int) bool { return d[i] < d[j] }) }

func reportLatency(b *testing.B, d []time.Duration) {
	sortDurations(d)
	b.ReportMetric(float64(d[len(d)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(d[len(d)*99/100].Microseconds()), "p99-µs")
}

func roundTrip(b *testing.B, c *http.Client, req func() *http.Request, want int) time.Duration {
	start := time.Now()
	resp, err := c.Do(req())
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		b.Fatalf("status %d", resp.StatusCode)
	}
	return time.Since(start)
}

func BenchmarkGetRooms(b *testing.B) {
	e := newEnv(b)
	for i := range 20 {
		e.createRoom(fmt.Sprintf("room%d", i), "")
	}
	c := e.srv.Client()
	req := func() *http.Request {
		r, _ := http.NewRequest("GET", e.srv.URL+"/api/rooms", nil)
		r.Header.Set("X-Auth-Token", e.userToken)
		return r
	}
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		d = append(d, roundTrip(b, c, req, 200))
	}
	reportLatency(b, d)
}

// BenchmarkLogin uses bcrypt's default cost (10), as the server does.
func BenchmarkLogin(b *testing.B) {
	e := newEnv(b, withProductionCost)
	c := e.srv.Client()
	req := func() *http.Request {
		r, _ := http.NewRequest("POST", e.srv.URL+"/api/login", strings.NewReader(`{"username": "test_user", "password": "test_pass"}`))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	d := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		d = append(d, roundTrip(b, c, req, 200))
	}
	reportLatency(b, d)
}
