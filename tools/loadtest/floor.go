package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// floorValue is the size of one floor write, about a small message.
const floorValue = 200

// floorResult is what N writers got from bare bbolt in one run.
type floorResult struct {
	writers int
	writes  int64  // Batch calls that returned nil: durable writes
	txs     uint64 // read-write transactions committed (each one fsyncs)
	elapsed time.Duration
}

func (f floorResult) rate() float64 { return perSecond(f.writes, f.elapsed) }

// floor prints the durable-write ceiling of the disk for each number of
// writers.
func (r *runner) floor(ctx context.Context) error {
	t := newTable(fmt.Sprintf("floor: bare bbolt Batch commits of %d-byte values (MaxBatchDelay 1ms, fsync on), %s each", floorValue, r.opts.duration),
		"writers", "commits/s", "transactions/s", "commits per transaction")
	for _, n := range r.opts.writers {
		f, err := r.floorFor(ctx, n)
		if err != nil {
			return err
		}
		t.add(fmt.Sprint(n), fmtRate(f.rate()), fmtRate(perSecond(int64(f.txs), f.elapsed)),
			fmt.Sprintf("%.1f", float64(f.writes)/float64(max(f.txs, 1))))
	}
	t.note("a commit is one Batch call returned, so its write is on disk; bbolt groups concurrent calls into one transaction")
	t.note("file in %s, beside the servers' data directories", r.work)
	t.print(r.out)
	return nil
}

// floorFor measures (once) the floor for n writers.
func (r *runner) floorFor(ctx context.Context, n int) (floorResult, error) {
	if f, ok := r.floors[n]; ok {
		return f, nil
	}
	f, err := measureFloor(ctx, filepath.Join(r.work, fmt.Sprintf("floor-%d.db", n)), n, r.opts.duration)
	if err != nil {
		return f, fmt.Errorf("floor with %d writers: %w", n, err)
	}
	r.floors[n] = f
	return f, nil
}

// measureFloor runs writers goroutines that each commit one small value
// per db.Batch call, with ascending keys as message ids are, for d.
func measureFloor(ctx context.Context, path string, writers int, d time.Duration) (floorResult, error) {
	res := floorResult{writers: writers}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return res, err
	}
	defer os.Remove(path)
	defer db.Close()
	db.MaxBatchDelay = time.Millisecond
	bucket := []byte("floor")
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return res, err
	}
	txBefore, err := lastTx(db)
	if err != nil {
		return res, err
	}

	value := make([]byte, floorValue)
	var key atomic.Uint64
	var writes atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range writers {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				k := binary.BigEndian.AppendUint64(nil, key.Add(1))
				err := db.Batch(func(tx *bbolt.Tx) error {
					b := tx.Bucket(bucket)
					b.FillPercent = 0.9 // as the server's append-only buckets
					return b.Put(k, value)
				})
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				writes.Add(1)
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.writes = writes.Load()
	if firstErr != nil {
		return res, firstErr
	}
	txAfter, err := lastTx(db)
	res.txs = txAfter - txBefore
	return res, err
}

// lastTx is the id of the last committed read-write transaction.
func lastTx(db *bbolt.DB) (uint64, error) {
	var id int
	err := db.View(func(tx *bbolt.Tx) error {
		id = tx.ID()
		return nil
	})
	return uint64(id), err
}
