package backup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
)

// words make message texts with a realistic spread of search terms.
var words = []string{"deploy", "release", "build", "review", "merge", "lunch", "meeting", "bug", "fix", "test",
	"server", "client", "database", "backup", "restore", "monday", "friday", "coffee", "docs", "issue",
	"ticket", "urgent", "later", "thanks", "question", "answer", "today", "tomorrow", "staging", "production"}

// benchStore is an embedded store holding n messages in 20 rooms, made
// through Import so that setting it up takes seconds, not hours.
func benchStore(b *testing.B, n int) (storage.Store, storage.ID, storage.ID) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "makechat.db")
	b.Cleanup(func() {
		if fi, err := os.Stat(path); err == nil {
			b.Logf("store file: %.0f MiB", float64(fi.Size())/(1<<20))
		}
	})
	st, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	ids := storage.NewIDGen()
	ctx := context.Background()
	user := storage.User{ID: ids.New(), Username: "poster", Email: "p@example.com", Created: time.Now()}
	var rooms []storage.ID
	recs := []storage.Record{{Collection: storage.CollUsers, Value: user}}
	for i := range 20 {
		r := storage.Room{ID: ids.New(), Name: fmt.Sprintf("room %d", i), Created: time.Now(), Members: []storage.ID{}}
		rooms = append(rooms, r.ID)
		recs = append(recs, storage.Record{Collection: storage.CollRooms, Value: r})
	}
	if err := st.Import(ctx, recs); err != nil {
		b.Fatal(err)
	}
	for done := 0; done < n; {
		recs = recs[:0]
		for i := 0; i < 10000 && done < n; i, done = i+1, done+1 {
			text := fmt.Sprintf("%s the %s %s before %s, see #%d", words[done%30], words[(done/30)%30], words[(done/900)%30], words[(done*7)%30], done)
			recs = append(recs, storage.Record{Collection: storage.CollMessages, Value: storage.Message{
				ID: ids.New(), Room: rooms[done%len(rooms)], Sender: user.ID, Text: text, Created: time.Now()}})
		}
		if err := st.Import(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	return st, rooms[0], user.ID
}

// BenchmarkBackupAndRestore backs up a store of MAKECHAT_BENCH_MESSAGES
// messages (default 100,000) while a writer posts one message after
// another, and restores it into a new store. It reports the speeds and
// the writer's longest wait during the backup beside its longest wait
// before it. Run it once:
//
//	MAKECHAT_BENCH_MESSAGES=1000000 go test -run XXX -bench BackupAndRestore -benchtime 1x ./backup
func BenchmarkBackupAndRestore(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("MAKECHAT_BENCH_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	start := time.Now()
	st, room, user := benchStore(b, n)
	b.Logf("store of %d messages made in %v", n, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	ids := storage.NewIDGen()
	for b.Loop() {
		// A writer posts without pause and notes each write's latency,
		// labelled by whether a backup was running when it began.
		var backingUp atomic.Bool
		var stop atomic.Bool
		var mu sync.Mutex
		var before, during []time.Duration
		var wg sync.WaitGroup
		wg.Go(func() {
			for !stop.Load() {
				inBackup := backingUp.Load()
				t0 := time.Now()
				m := storage.Message{ID: ids.New(), Room: room, Sender: user, Text: "written during the benchmark", Created: t0}
				if err := st.CreateMessage(ctx, m); err != nil {
					b.Error(err)
					return
				}
				d := time.Since(t0)
				if d > 20*time.Millisecond {
					b.Logf("a write took %v at %s (backup running: %v)", d.Round(time.Millisecond), t0.Format("15:04:05.000"), inBackup || backingUp.Load())
				}
				mu.Lock()
				if inBackup || backingUp.Load() {
					during = append(during, d)
				} else {
					before = append(before, d)
				}
				mu.Unlock()
			}
		})
		time.Sleep(2 * time.Second)
		backingUp.Store(true)
		t0 := time.Now()
		path, m, err := ToDir(ctx, st, b.TempDir(), Info{Version: "bench", Source: "bolt"})
		backupTime := time.Since(t0)
		b.Logf("backup from %s to %s", t0.Format("15:04:05.000"), time.Now().Format("15:04:05.000"))
		backingUp.Store(false)
		stop.Store(true)
		wg.Wait()
		if err != nil {
			b.Fatal(err)
		}
		fi, _ := os.Stat(path)

		dst, err := bolt.Open(filepath.Join(b.TempDir(), "restored.db"), bolt.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t0 = time.Now()
		if _, err := Restore(ctx, dst, path, RestoreOptions{}); err != nil {
			b.Fatal(err)
		}
		restoreTime := time.Since(t0)
		dst.Close()

		msgs := float64(m.Count(storage.CollMessages))
		b.ReportMetric(backupTime.Seconds(), "backup-s")
		b.ReportMetric(msgs/backupTime.Seconds(), "backup-msgs/s")
		b.ReportMetric(float64(fi.Size())/(1<<20), "backup-MiB")
		b.ReportMetric(restoreTime.Seconds(), "restore-s")
		b.ReportMetric(msgs/restoreTime.Seconds(), "restore-msgs/s")
		b.ReportMetric(float64(slices.Max(before).Microseconds())/1000, "write-max-ms-before")
		b.ReportMetric(float64(slices.Max(during).Microseconds())/1000, "write-max-ms-during")
		b.ReportMetric(float64(len(during)), "writes-during")
		slices.Sort(during)
		b.ReportMetric(float64(during[len(during)*99/100].Microseconds())/1000, "write-p99-ms-during")
		slices.Sort(before)
		b.ReportMetric(float64(before[len(before)*99/100].Microseconds())/1000, "write-p99-ms-before")
	}
}
