package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"
)

// startup times the server's start, from exec to the first 200 of
// /healthz, on an empty store and on the large one.
func (r *runner) startup(ctx context.Context) error {
	big, err := r.bigStore(ctx)
	if err != nil {
		return err
	}
	tbl := newTable(fmt.Sprintf("startup: exec to the first 200 of GET /healthz (polled every 1ms), median of %d starts after one untimed start", r.opts.starts),
		"store", "median", "min", "max", "server's own figure")
	for _, c := range []struct {
		name, dir string
	}{
		{"empty", filepath.Join(r.work, "empty")},
		{thousands(int64(big.messages)) + " messages", big.dir},
	} {
		// The untimed start creates the empty store, and leaves the
		// binary and the store in the page cache, as on a restart.
		if _, _, err := timeStart(ctx, r.binary, c.dir); err != nil {
			return err
		}
		var took, logged []time.Duration
		for range r.opts.starts {
			t, l, err := timeStart(ctx, r.binary, c.dir)
			if err != nil {
				return err
			}
			took, logged = append(took, t), append(logged, l)
		}
		s := sortedCopy(took)
		tbl.add(c.name, fmtDur(median(took)), fmtDur(s[0]), fmtDur(s[len(s)-1]), fmtDur(median(logged)))
	}
	tbl.note("the server's own figure is the \"startup\" of its ready line: from its main to listening")
	tbl.print(r.out)
	return nil
}

// timeStart starts the server on dataDir, polls /healthz every
// millisecond until it answers 200 (30 s at most), and stops it again. It
// returns the time from exec to that answer and the start-up time the
// server logged.
func timeStart(ctx context.Context, binary, dataDir string) (took, logged time.Duration, err error) {
	addr, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	hc := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		Timeout:   time.Second,
	}
	srv, err := startServer(binary, dataDir, addr)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if stopErr := srv.stop(); stopErr != nil && err == nil {
			err = fmt.Errorf("stop: %w", stopErr)
		}
	}()
	url := "http://" + addr + "/healthz"
	deadline := srv.started.Add(30 * time.Second)
	for {
		resp, err := hc.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				took = time.Since(srv.started)
				break
			}
		}
		select {
		case <-srv.exited:
			return 0, 0, fmt.Errorf("server exited during start-up: %v; its log:\n%s", srv.waitErr, tail(srv.logPath, 2000))
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("no 200 from %s within 30s", url)
		}
	}
	if err := srv.waitReady(ctx); err != nil {
		return 0, 0, err
	}
	return took, srv.startup, nil
}
