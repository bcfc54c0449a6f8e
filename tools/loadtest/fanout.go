package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Every fanout message's text starts with mark, then the phase, a
// sequence number and the send time in Unix nanoseconds, each followed
// by '|'. Subscribers find it with a byte search instead of decoding the
// frame's JSON, so that reading costs the shared CPU little.
var mark = []byte("LT|")

// Phases of fanout, as carried in the messages.
const (
	phaseWarm = iota // one message that shows every subscriber is registered
	phasePaced
	phaseSaturated
	phases
)

// subscriber is one stream following the fanout room.
type subscriber struct {
	conn *websocket.Conn
	done chan struct{} // closed when reading has ended

	mu    sync.Mutex
	seen  []uint64 // paced sequence numbers received, as bits
	dup   int64    // paced sequence numbers received again
	count [phases]int64
	last  [phases]time.Time
	lat   [phases][]time.Duration // send to receipt
	err   error                   // why reading ended, unless the tool closed it
	endAt int                     // the phase it ended in
}

// fanoutRun is the state shared by one fanout run's subscribers.
type fanoutRun struct {
	targets []*target // the nodes posted to in turn (one, but for cluster)
	posters int       // saturated phase: posters posting as fast as answers come
	subs    []*subscriber
	phase   atomic.Int32
	closing atomic.Bool
}

func (r *runner) fanout(ctx context.Context) error {
	t, err := r.mainTarget(ctx)
	if err != nil {
		return err
	}
	d := r.opts.duration
	paced := int(math.Ceil(float64(r.opts.rate) * d.Seconds()))
	run := &fanoutRun{targets: []*target{t}, posters: r.opts.posters}
	start := time.Now()
	conns, failed, dialErr := dialMany(ctx, t, r.opts.subscribers, 32)
	dialTime := time.Since(start)
	for _, c := range conns {
		s := &subscriber{conn: c, done: make(chan struct{}), seen: make([]uint64, (paced+63)/64)}
		s.lat[phasePaced] = make([]time.Duration, 0, paced)
		run.subs = append(run.subs, s)
		go s.read(run)
	}
	defer run.close()
	if len(run.subs) == 0 {
		return fmt.Errorf("no subscriber could connect: %v", dialErr)
	}

	tbl := newTable(fmt.Sprintf("fanout: %d WebSocket subscribers of one room, %s per phase", len(run.subs), d),
		"phase", "posts/s", "deliveries/s", "missing", "cut off", "p50", "p99", "max")
	tbl.note("connected %d subscribers in %s (%d failed%s)", len(run.subs), dialTime.Round(time.Millisecond), failed, errSuffix(dialErr))
	if err := run.warmUp(ctx); err != nil {
		return err
	}

	run.phase.Store(phasePaced)
	p := run.paced(ctx, r.opts.rate, paced)
	tbl.add(fmt.Sprintf("paced %d/s", r.opts.rate), fmtRate(p.postRate), fmtRate(p.deliveryRate), thousands(p.missing), fmt.Sprint(p.cutOff),
		fmtDur(p.lat.p50), fmtDur(p.lat.p99), fmtDur(p.lat.max))

	run.phase.Store(phaseSaturated)
	s := run.saturated(ctx, d)
	tbl.add(fmt.Sprintf("saturated, %d posters", run.posters), fmtRate(s.postRate), fmtRate(s.deliveryRate), thousands(s.missing), fmt.Sprint(s.cutOff),
		fmtDur(s.lat.p50), fmtDur(s.lat.p99), fmtDur(s.lat.max))

	tbl.note("latency is post sent to frame received (send time carried in the text), so it includes the durable commit")
	tbl.note("paced: %d of %d posts answered 201 (post p50 %s, p99 %s); %d duplicate deliveries",
		p.posted, paced, fmtDur(p.postLat.p50), fmtDur(p.postLat.p99), p.dup)
	tbl.note("saturated: %d posts answered 201 (post p50 %s, p99 %s), %s of %s deliveries arrived",
		s.posted, fmtDur(s.postLat.p50), fmtDur(s.postLat.p99), thousands(s.delivered), thousands(s.expected))
	for _, e := range append(p.errs, s.errs...) {
		tbl.note("error: %s", e)
	}
	for _, e := range run.cutOffReasons() {
		tbl.note("stream ended: %s", e)
	}
	tbl.print(r.out)
	return nil
}

func errSuffix(err error) string {
	if err == nil {
		return ""
	}
	return "; first: " + clip(err.Error(), 160)
}

// read receives frames until the stream ends, recording the marked ones.
func (s *subscriber) read(run *fanoutRun) {
	defer close(s.done)
	buf := make([]byte, 4096)
	for {
		_, rd, err := s.conn.Reader(context.Background())
		if err != nil {
			s.end(run, err)
			return
		}
		n := 0
		for {
			if n == len(buf) {
				buf = append(buf, make([]byte, len(buf))...)
			}
			m, err := rd.Read(buf[n:])
			n += m
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				s.end(run, err)
				return
			}
		}
		now := time.Now()
		phase, seq, sent, ok := parseMark(buf[:n])
		if !ok || phase >= phases {
			continue
		}
		lat := now.Sub(time.Unix(0, sent))
		s.mu.Lock()
		s.count[phase]++
		s.last[phase] = now
		if phase != phaseWarm {
			s.lat[phase] = append(s.lat[phase], lat)
		}
		if phase == phasePaced && seq < int64(len(s.seen))*64 {
			word, bit := seq/64, uint64(1)<<(seq%64)
			if s.seen[word]&bit != 0 {
				s.dup++
			}
			s.seen[word] |= bit
		}
		s.mu.Unlock()
	}
}

func (s *subscriber) end(run *fanoutRun, err error) {
	if run.closing.Load() {
		return
	}
	s.mu.Lock()
	s.err, s.endAt = err, int(run.phase.Load())
	s.mu.Unlock()
}

// parseMark reads phase, sequence number and send time after mark.
func parseMark(b []byte) (phase int, seq, sent int64, ok bool) {
	i := bytes.Index(b, mark)
	if i < 0 {
		return 0, 0, 0, false
	}
	p := b[i+len(mark):]
	var nums [3]int64
	for k := range nums {
		j := bytes.IndexByte(p, '|')
		if j <= 0 {
			return 0, 0, 0, false
		}
		n, ok := parseDigits(p[:j])
		if !ok {
			return 0, 0, 0, false
		}
		nums[k], p = n, p[j+1:]
	}
	return int(nums[0]), nums[1], nums[2], true
}

// parseDigits reads a non-negative decimal int64 without allocating.
func parseDigits(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// markedText is the text of a fanout message.
func markedText(phase int, seq int64, sent time.Time, rest string) string {
	return "LT|" + strconv.Itoa(phase) + "|" + strconv.FormatInt(seq, 10) + "|" + strconv.FormatInt(sent.UnixNano(), 10) + "| " + rest
}

// warmUp posts marked messages until every subscriber has received one,
// which shows that the hub has registered them all.
func (run *fanoutRun) warmUp(ctx context.Context) error {
	hc := newHTTPClient(1)
	defer hc.CloseIdleConnections()
	deadline := time.Now().Add(15 * time.Second)
	for seq := int64(0); ; seq++ {
		t := run.to(seq)
		status, answer, err := post(ctx, hc, t, postBody(t.room, markedText(phaseWarm, seq, time.Now(), "warm-up")))
		if err != nil {
			return fmt.Errorf("warm-up post: %w", err)
		}
		if status != http.StatusCreated {
			return fmt.Errorf("warm-up post: %d %s", status, answer)
		}
		waitUntil(ctx, time.Now().Add(200*time.Millisecond), func() bool { return run.waiting() == 0 })
		if run.waiting() == 0 {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%d subscribers received no warm-up message in 15s", run.waiting())
		}
	}
}

// to is the node the seq-th post goes to.
func (run *fanoutRun) to(seq int64) *target { return run.targets[seq%int64(len(run.targets))] }

// waiting counts live subscribers that have not had a warm-up message.
func (run *fanoutRun) waiting() int {
	n := 0
	for _, s := range run.subs {
		s.mu.Lock()
		if s.err == nil && s.count[phaseWarm] == 0 {
			n++
		}
		s.mu.Unlock()
	}
	return n
}

// waitUntil polls cond every 10ms until it holds, the deadline passes or
// ctx ends.
func waitUntil(ctx context.Context, deadline time.Time, cond func() bool) {
	for !cond() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// phaseResult is one phase's figures.
type phaseResult struct {
	posted       int64
	postRate     float64
	postLat      summary
	delivered    int64
	expected     int64
	deliveryRate float64
	missing      int64
	dup          int64
	cutOff       int
	lat          summary
	errs         []string
}

// paced posts total marked messages at rate per second, from a pool of
// posters so that a slow answer does not hold back the schedule, then
// waits for every subscriber to have every message (10 s at most).
func (run *fanoutRun) paced(ctx context.Context, rate, total int) phaseResult {
	const workers = 16
	hc := newHTTPClient(workers)
	defer hc.CloseIdleConnections()
	posted := make([]bool, total)
	jobs := make(chan int, total)
	var mu sync.Mutex
	var postLat []time.Duration
	errs := map[string]int{}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for seq := range jobs {
				sent := time.Now()
				t := run.to(int64(seq))
				status, answer, err := post(ctx, hc, t, postBody(t.room, markedText(phasePaced, int64(seq), sent, "paced")))
				took := time.Since(sent)
				mu.Lock()
				switch {
				case err != nil:
					errs[clip(err.Error(), 160)]++
				case status != http.StatusCreated:
					errs[fmt.Sprintf("%d %s", status, clip(answer, 160))]++
				default:
					posted[seq] = true
					postLat = append(postLat, took)
				}
				mu.Unlock()
			}
		})
	}
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; i < total && ctx.Err() == nil; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		jobs <- i
	}
	// The schedule's span: the last send was due one interval before
	// its end.
	span := time.Since(start) + interval
	close(jobs)
	wg.Wait()
	waitUntil(ctx, time.Now().Add(10*time.Second), func() bool { return run.missingPaced(posted) == 0 })

	res := phaseResult{posted: int64(len(postLat)), postLat: summarize(postLat), missing: run.missingPaced(posted)}
	res.postRate = perSecond(res.posted, span)
	for _, e := range sortedErrors(errs) {
		res.errs = append(res.errs, fmt.Sprintf("paced post: %d × %s", errs[e], e))
	}
	run.collect(phasePaced, start, &res)
	res.expected = res.posted * int64(len(run.subs))
	return res
}

// missingPaced counts, over all subscribers, the posted paced messages
// not received.
func (run *fanoutRun) missingPaced(posted []bool) int64 {
	var missing int64
	for _, s := range run.subs {
		s.mu.Lock()
		for seq, ok := range posted {
			if ok && s.seen[seq/64]&(1<<(seq%64)) == 0 {
				missing++
			}
		}
		s.mu.Unlock()
	}
	return missing
}

// saturated posts from run.posters posters as fast as answers come for d,
// then waits until the deliveries stop (15 s at most).
func (run *fanoutRun) saturated(ctx context.Context, d time.Duration) phaseResult {
	hc := newHTTPClient(run.posters)
	defer hc.CloseIdleConnections()
	var mu sync.Mutex
	var postLat []time.Duration
	errs := map[string]int{}
	var seq atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range run.posters {
		wg.Go(func() {
			var lat []time.Duration
			local := map[string]int{}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				sent := time.Now()
				n := seq.Add(1)
				t := run.to(n)
				status, answer, err := post(ctx, hc, t, postBody(t.room, markedText(phaseSaturated, n, sent, "saturated")))
				switch {
				case err != nil:
					local[clip(err.Error(), 160)]++
				case status != http.StatusCreated:
					local[fmt.Sprintf("%d %s", status, clip(answer, 160))]++
				default:
					lat = append(lat, time.Since(sent))
				}
			}
			mu.Lock()
			postLat = append(postLat, lat...)
			for e, c := range local {
				errs[e] += c
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	postEnd := time.Now()
	posted := int64(len(postLat))
	expected := posted * int64(len(run.subs))
	// Wait until all arrived, or nothing more arrives for a second.
	var lastCount int64 = -1
	lastChange := time.Now()
	waitUntil(ctx, time.Now().Add(15*time.Second), func() bool {
		n := run.delivered(phaseSaturated)
		if n != lastCount {
			lastCount, lastChange = n, time.Now()
		}
		return n >= expected || time.Since(lastChange) > time.Second
	})

	res := phaseResult{posted: posted, postLat: summarize(postLat), expected: expected}
	res.postRate = perSecond(posted, postEnd.Sub(start))
	for _, e := range sortedErrors(errs) {
		res.errs = append(res.errs, fmt.Sprintf("saturated post: %d × %s", errs[e], e))
	}
	run.collect(phaseSaturated, start, &res)
	res.missing = expected - res.delivered
	return res
}

// delivered counts the frames of a phase received so far.
func (run *fanoutRun) delivered(phase int) int64 {
	var n int64
	for _, s := range run.subs {
		s.mu.Lock()
		n += s.count[phase]
		s.mu.Unlock()
	}
	return n
}

// collect adds up a phase's deliveries: their number, their rate from
// the phase's start to the last one, their latency, and the subscribers
// cut off during the phase.
func (run *fanoutRun) collect(phase int, start time.Time, res *phaseResult) {
	var lat []time.Duration
	var last time.Time
	for _, s := range run.subs {
		s.mu.Lock()
		res.delivered += s.count[phase]
		res.dup += s.dup
		lat = append(lat, s.lat[phase]...)
		if s.last[phase].After(last) {
			last = s.last[phase]
		}
		if s.err != nil && s.endAt == phase {
			res.cutOff++
		}
		s.mu.Unlock()
	}
	res.lat = summarize(lat)
	res.deliveryRate = perSecond(res.delivered, last.Sub(start))
}

// cutOffReasons lists why streams ended before the tool closed them.
func (run *fanoutRun) cutOffReasons() []string {
	reasons := map[string]int{}
	for _, s := range run.subs {
		s.mu.Lock()
		if s.err != nil {
			reasons[clip(s.err.Error(), 160)]++
		}
		s.mu.Unlock()
	}
	var out []string
	for _, e := range sortedErrors(reasons) {
		out = append(out, fmt.Sprintf("%d × %s", reasons[e], e))
	}
	return out
}

// close drops every stream and waits for the readers to end.
func (run *fanoutRun) close() {
	run.closing.Store(true)
	conns := make([]*websocket.Conn, len(run.subs))
	for i, s := range run.subs {
		conns[i] = s.conn
	}
	closeAll(conns)
	timeout := time.After(10 * time.Second)
	for _, s := range run.subs {
		select {
		case <-s.done:
		case <-timeout:
			return
		}
	}
}
