package main

import (
	"context"
	"fmt"
	"time"
)

// idleSettle is how long the server is left alone before its memory is
// read: long enough for the goroutines of the last streams to have
// started and for the allocator to have settled.
const idleSettle = 2 * time.Second

// idle opens many streams that receive nothing and reads how much the
// server's resident memory grew per stream. It runs its own server, so
// that what earlier scenarios left in the heap does not blur the figure.
func (r *runner) idle(ctx context.Context) error {
	t, err := r.startTarget(ctx, "idle")
	if err != nil {
		return err
	}
	defer r.stopTarget(t, "idle")
	pid := t.srv.pid()
	if err := sleep(ctx, time.Second); err != nil {
		return err
	}
	before, err := rssKiB(pid)
	if err != nil {
		return err
	}
	start := time.Now()
	conns, failed, dialErr := dialMany(ctx, t, r.opts.idle, 64)
	dialTime := time.Since(start)
	defer closeAll(conns)
	// Each stream needs a reader for the server's pings; CloseRead's
	// context ends when the stream does.
	alive := make([]context.Context, len(conns))
	for i, c := range conns {
		alive[i] = c.CloseRead(context.Background())
	}
	if err := sleep(ctx, idleSettle); err != nil {
		return err
	}
	after, err := rssKiB(pid)
	if err != nil {
		return err
	}
	open := 0
	for _, a := range alive {
		if a.Err() == nil {
			open++
		}
	}
	tbl := newTable(fmt.Sprintf("idle: %d idle streams, server RSS before and %s after they are all open", r.opts.idle, idleSettle),
		"streams open", "RSS before", "RSS after", "KiB per stream")
	perConn := "-"
	if open > 0 {
		perConn = fmt.Sprintf("%.1f", float64(after-before)/float64(open))
	}
	tbl.add(thousands(int64(open)), fmt.Sprintf("%.1f MiB", float64(before)/1024), fmt.Sprintf("%.1f MiB", float64(after)/1024), perConn)
	tbl.note("opened %d streams in %s (%d failed%s); %d still open on the client side when measured",
		len(conns), dialTime.Round(time.Millisecond), failed, errSuffix(dialErr), open)
	tbl.print(r.out)
	return nil
}

// sleep waits d unless ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
