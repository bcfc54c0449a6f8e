package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// publishResult is what N posters got in one run.
type publishResult struct {
	posters int
	ok      int64 // 201 answers
	failed  int64 // anything else, or no answer
	elapsed time.Duration
	lat     summary        // of the 201 answers
	errs    map[string]int // failures by status and body, or by error
}

// publish posts to one room from 1, 8, 32 and 256 posters and compares
// each rate with the floor for as many writers.
func (r *runner) publish(ctx context.Context) error {
	t, err := r.mainTarget(ctx)
	if err != nil {
		return err
	}
	tbl := newTable(fmt.Sprintf("publish: N posters to one room, each with its own keep-alive connection, %s each", r.opts.duration),
		"posters", "posts/s", "p50", "p99", "max", "server CPU/post", "floor", "% of floor", "errors")
	var failures []string
	for _, n := range r.opts.writers {
		var floor floorResult
		if r.opts.target == "" {
			if floor, err = r.floorFor(ctx, n); err != nil {
				return err
			}
		}
		before := t.cpuTicks()
		res := runPublish(ctx, t, n, r.opts.duration)
		if err := ctx.Err(); err != nil {
			return err
		}
		cpuCol := "-"
		if t.srv != nil && res.ok > 0 {
			cpuCol = fmtDur(time.Duration(t.cpuTicks()-before) * (time.Second / userHZ) / time.Duration(res.ok))
		}
		rate := perSecond(res.ok, res.elapsed)
		floorCol, pctCol := "-", "-"
		if floor.writes > 0 {
			floorCol, pctCol = fmtRate(floor.rate()), percent(rate, floor.rate())
		}
		tbl.add(fmt.Sprint(n), fmtRate(rate), fmtDur(res.lat.p50), fmtDur(res.lat.p99), fmtDur(res.lat.max),
			cpuCol, floorCol, pctCol, thousands(res.failed))
		for _, e := range sortedErrors(res.errs) {
			failures = append(failures, fmt.Sprintf("%d posters: %d × %s", n, res.errs[e], e))
		}
	}
	tbl.note("posts/s counts 201 answers; latency is request to answer, which the server gives once the message is durable")
	if r.opts.target == "" {
		tbl.note("server CPU/post: the server process's user and system time over the step, per 201 answer")
	}
	if r.opts.target == "" {
		tbl.note("floor: bare bbolt commits/s with as many writers, on the same disk")
	}
	for _, f := range failures {
		tbl.note("error: %s", f)
	}
	tbl.print(r.out)
	return nil
}

// runPublish runs n posters for d, each posting as fast as its answers
// come back.
func runPublish(ctx context.Context, t *target, n int, d time.Duration) publishResult {
	hc := newHTTPClient(n)
	defer hc.CloseIdleConnections()
	type poster struct {
		ok, failed int64
		lat        []time.Duration
		errs       map[string]int
	}
	posters := make([]poster, n)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for i := range posters {
		p := &posters[i]
		p.lat = make([]time.Duration, 0, 1024)
		p.errs = map[string]int{}
		wg.Go(func() {
			prefix := "publish " + strconv.Itoa(i) + " "
			for seq := 0; time.Now().Before(deadline) && ctx.Err() == nil; seq++ {
				body := postBody(t.room, prefix+strconv.Itoa(seq)+" a small message of a few words")
				t0 := time.Now()
				status, answer, err := post(ctx, hc, t, body)
				lat := time.Since(t0)
				switch {
				case err != nil:
					p.failed++
					p.errs[clip(err.Error(), 160)]++
				case status != http.StatusCreated:
					p.failed++
					p.errs[fmt.Sprintf("%d %s", status, clip(answer, 160))]++
				default:
					p.ok++
					p.lat = append(p.lat, lat)
				}
			}
		})
	}
	wg.Wait()
	res := publishResult{posters: n, elapsed: time.Since(start), errs: map[string]int{}}
	var lat []time.Duration
	for _, p := range posters {
		res.ok += p.ok
		res.failed += p.failed
		lat = append(lat, p.lat...)
		for e, c := range p.errs {
			res.errs[e] += c
		}
	}
	res.lat = summarize(lat)
	return res
}

// sortedErrors lists error texts, the most frequent first.
func sortedErrors(errs map[string]int) []string {
	out := make([]string, 0, len(errs))
	for e := range errs {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if errs[out[i]] != errs[out[j]] {
			return errs[out[i]] > errs[out[j]]
		}
		return out[i] < out[j]
	})
	if len(out) > 5 {
		out = out[:5]
	}
	return out
}

// cpuTicks is the started server's CPU time so far (0 for a target the
// tool did not start).
func (t *target) cpuTicks() int64 {
	if t.srv == nil {
		return 0
	}
	return procTicks(strconv.Itoa(t.srv.pid()), false)
}
