package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Request counts of history.
const (
	historyPages    = 2000
	historySearches = 500
	historyWorkers  = 4
)

// history reads the newest page of the large room and searches it, on a
// server started on the large store.
func (r *runner) history(ctx context.Context) error {
	big, err := r.bigStore(ctx)
	if err != nil {
		return err
	}
	srv, err := startServer(r.binary, big.dir, "127.0.0.1:0", r.storeEnv(big.dir)...)
	if err != nil {
		return err
	}
	t := &target{srv: srv, room: big.room.Hex()}
	defer r.stopTarget(t, "history")
	if err := srv.waitReady(ctx); err != nil {
		return err
	}
	t.base = srv.url
	hc := newHTTPClient(historyWorkers)
	defer hc.CloseIdleConnections()
	if t.token, err = loginToken(ctx, hc, t.base, adminUser, adminPass); err != nil {
		return err
	}
	if err := checkPage(ctx, hc, t); err != nil {
		return err
	}

	vocab := vocabulary()
	newest := "/api/messages?room=" + t.room + "&limit=50"
	queries := []struct {
		name    string
		workers int
		count   int
		path    func(*rand.Rand) string
	}{
		{"newest 50, 1 client", 1, historyPages, func(*rand.Rand) string { return newest }},
		{"newest 50", historyWorkers, historyPages, func(*rand.Rand) string { return newest }},
		{"search, one word", historyWorkers, historySearches, func(rng *rand.Rand) string {
			return "/api/messages?q=" + vocab[rng.IntN(len(vocab))]
		}},
		{"search, two words", historyWorkers, historySearches, func(rng *rand.Rand) string {
			return "/api/messages?q=" + url.QueryEscape(vocab[rng.IntN(len(vocab))]+" "+vocab[rng.IntN(len(vocab))])
		}},
	}
	tbl := newTable(fmt.Sprintf("history: the room of %s messages, %d client goroutines unless said", thousands(int64(big.messages)), historyWorkers),
		"request", "count", "p50", "p99", "max", "messages per answer", "errors")
	var failures []string
	for _, q := range queries {
		res := runGets(ctx, hc, t, q.workers, q.count, q.path)
		if err := ctx.Err(); err != nil {
			return err
		}
		tbl.add(q.name, thousands(int64(q.count)), fmtDur(res.lat.p50), fmtDur(res.lat.p99), fmtDur(res.lat.max),
			fmt.Sprintf("%.1f", float64(res.messages)/float64(max(res.lat.n, 1))), thousands(res.failed))
		for _, e := range sortedErrors(res.errs) {
			failures = append(failures, fmt.Sprintf("%s: %d × %s", q.name, res.errs[e], e))
		}
	}
	tbl.note("searches use the API's default limit (25) and words drawn uniformly from the fill's vocabulary; latency is request to whole answer")
	for _, f := range failures {
		tbl.note("error: %s", f)
	}
	tbl.print(r.out)
	return nil
}

// checkPage makes sure the newest page is full, so that the timings are
// of real pages.
func checkPage(ctx context.Context, hc *http.Client, t *target) error {
	status, b, _, err := request(ctx, hc, http.MethodGet, t.base+"/api/messages?room="+t.room+"&limit=50", nil, tokenHeader(t.token))
	if err != nil {
		return err
	}
	var msgs []json.RawMessage
	if status != http.StatusOK || json.Unmarshal(b, &msgs) != nil {
		return fmt.Errorf("newest page: %d %s", status, clip(string(b), 300))
	}
	if len(msgs) != 50 {
		return fmt.Errorf("newest page holds %d messages, not 50", len(msgs))
	}
	return nil
}

// getResult is what a run of GETs got.
type getResult struct {
	lat      summary
	messages int64 // messages in all 200 answers
	failed   int64
	errs     map[string]int
}

// runGets sends count GETs from workers goroutines, each path made by
// path.
func runGets(ctx context.Context, hc *http.Client, t *target, workers, count int, path func(*rand.Rand) string) getResult {
	var next atomic.Int64
	var mu sync.Mutex
	res := getResult{errs: map[string]int{}}
	var lat []time.Duration
	var wg sync.WaitGroup
	h := tokenHeader(t.token)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 0x9e7))
			for next.Add(1) <= int64(count) && ctx.Err() == nil {
				p := path(rng)
				t0 := time.Now()
				status, body, _, err := request(ctx, hc, http.MethodGet, t.base+p, nil, h)
				took := time.Since(t0)
				mu.Lock()
				switch {
				case err != nil:
					res.failed++
					res.errs[clip(err.Error(), 160)]++
				case status != http.StatusOK:
					res.failed++
					res.errs[fmt.Sprintf("%d %s", status, clip(string(body), 160))]++
				default:
					lat = append(lat, took)
					res.messages += int64(bytes.Count(body, []byte(`"text"`)))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.lat = summarize(lat)
	return res
}
