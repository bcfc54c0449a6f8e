package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// mixEmoji are the emoji the mix reacts with.
var mixEmoji = []string{"👍", "🎉", "❤️", "😂", "🚀", "👀", "✅", "🙏"}

// mix compares plain posting with a mix where 20% of operations are
// reactions (put on, or taken off, a recent message) and 20% replies in
// the thread of a recent message, at each -writers count (issue 16: the
// mix stays within 15% of plain posting at 32 posters).
func (r *runner) mix(ctx context.Context) error {
	t, err := r.mainTarget(ctx)
	if err != nil {
		return err
	}
	tbl := newTable(fmt.Sprintf("mix: N clients, plain posts vs 60%% posts + 20%% reactions + 20%% thread replies, %s each", r.opts.duration),
		"clients", "plain ops/s", "mix ops/s", "mix / plain", "mix p50", "mix p99", "reactions", "replies", "errors")
	for _, n := range r.opts.writers {
		plain := runMix(ctx, t, n, r.opts.duration, false)
		mixed := runMix(ctx, t, n, r.opts.duration, true)
		if err := ctx.Err(); err != nil {
			return err
		}
		p, m := perSecond(plain.ok, plain.elapsed), perSecond(mixed.ok, mixed.elapsed)
		tbl.add(fmt.Sprint(n), fmtRate(p), fmtRate(m), percent(m, p), fmtDur(mixed.lat.p50), fmtDur(mixed.lat.p99),
			thousands(mixed.reactions), thousands(mixed.replies), thousands(plain.failed+mixed.failed))
		for _, e := range sortedErrors(mixed.errs) {
			tbl.note("error: %d clients: %d × %s", n, mixed.errs[e], e)
		}
	}
	tbl.note("every operation is durable before its answer; ops/s counts 2xx answers")
	tbl.print(r.out)
	return nil
}

type mixResult struct {
	publishResult
	reactions, replies int64
}

// runMix runs n clients for d; with mixed, each client's operations are
// 60% posts, 20% reaction toggles and 20% replies, on its own recent
// messages.
func runMix(ctx context.Context, t *target, n int, d time.Duration, mixed bool) mixResult {
	hc := newHTTPClient(n)
	defer hc.CloseIdleConnections()
	h := tokenHeader(t.token)
	results := make([]mixResult, n)
	lats := make([][]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range results {
		res := &results[i]
		res.errs = map[string]int{}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano())))
			var recent []string          // this client's latest messages
			reacted := map[string]bool{} // message + emoji it has on
			lat := make([]time.Duration, 0, 1024)
			for seq := 0; time.Now().Before(deadline) && ctx.Err() == nil; seq++ {
				op := rng.IntN(10)
				if !mixed || len(recent) == 0 {
					op = 0
				}
				var method, path string
				var body []byte
				switch {
				case op < 6:
					method, path = http.MethodPost, "/api/messages"
					body = postBody(t.room, "mix "+strconv.Itoa(i)+" "+strconv.Itoa(seq)+" a small message of a few words")
				case op < 8:
					id, emoji := recent[rng.IntN(len(recent))], mixEmoji[rng.IntN(len(mixEmoji))]
					method, path = http.MethodPut, "/api/messages/"+id+"/reactions/"+url.PathEscape(emoji)
					if reacted[id+emoji] {
						method = http.MethodDelete
					}
					reacted[id+emoji] = method == http.MethodPut
					res.reactions++
				default:
					method, path = http.MethodPost, "/api/messages"
					body = jsonBody(map[string]string{"thread": recent[rng.IntN(len(recent))], "text": "a reply of a few words"})
					res.replies++
				}
				t0 := time.Now()
				status, answer, _, err := request(ctx, hc, method, t.base+path, body, h)
				took := time.Since(t0)
				switch {
				case err != nil:
					res.failed++
					res.errs[clip(err.Error(), 160)]++
					continue
				case status/100 != 2:
					res.failed++
					res.errs[fmt.Sprintf("%s %d %s", method, status, clip(string(answer), 160))]++
					continue
				}
				res.ok++
				lat = append(lat, took)
				if op < 6 && mixed {
					var m struct {
						ID struct {
							OID string `json:"$oid"`
						} `json:"_id"`
					}
					if json.Unmarshal(answer, &m) == nil && m.ID.OID != "" {
						recent = append(recent, m.ID.OID)
						if len(recent) > 50 {
							recent = recent[1:]
						}
					}
				}
			}
			lats[i] = lat
		})
	}
	wg.Wait()
	out := mixResult{publishResult: publishResult{posters: n, elapsed: time.Since(start), errs: map[string]int{}}}
	var all []time.Duration
	for i, res := range results {
		all = append(all, lats[i]...)
		out.ok += res.ok
		out.failed += res.failed
		out.reactions += res.reactions
		out.replies += res.replies
		for e, c := range res.errs {
			out.errs[e] += c
		}
	}
	out.lat = summarize(all)
	return out
}
