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

// BenchmarkHistoryNewest50Decorated times GET of a room's newest 50
// messages, each with 3 reactions and every fifth the root of a thread of
// 3 replies: what the store reads plus what the API does with it.
func BenchmarkHistoryNewest50Decorated(b *testing.B) {
	e := newEnv(b)
	room := e.joined("general")
	for i := range 60 {
		id, _ := e.say(e.userToken, room, fmt.Sprintf("message %d about the release", i))
		for _, r := range []struct{ token, emoji string }{{e.userToken, "%F0%9F%91%8D"}, {e.adminToken, "%F0%9F%91%8D"}, {e.adminToken, "%F0%9F%8E%89"}} {
			if res := e.do(request{method: "PUT", path: "/api/messages/" + id + "/reactions/" + r.emoji, token: r.token}); res.status/100 != 2 {
				b.Fatal(res.body)
			}
		}
		if i%5 == 0 {
			for j := range 3 {
				if res := e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: fmt.Sprintf(`{"room": %q, "thread": %q, "text": "reply %d"}`, room, id, j)}); res.status != 201 {
					b.Fatal(res.body)
				}
			}
		}
	}
	c := e.srv.Client()
	req := func() *http.Request {
		r, _ := http.NewRequest("GET", e.srv.URL+"/api/messages?room="+room+"&limit=50", nil)
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

// BenchmarkPost times posts to one room from 64 concurrent clients, each
// durable before its answer: the write path with its reads.
func BenchmarkPost(b *testing.B) {
	e := newEnv(b)
	room := e.joined("general")
	c := e.srv.Client()
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, _ := http.NewRequest("POST", e.srv.URL+"/api/messages", strings.NewReader(`{"room": "`+room+`", "text": "a message of a busy room"}`))
			r.Header.Set("X-Auth-Token", e.userToken)
			r.Header.Set("Content-Type", "application/json")
			roundTrip(b, c, func() *http.Request { return r }, 201)
		}
	})
}
