package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"
)

func TestCommit_APanicInOneWriteFailsOnlyThatWrite(t *testing.T) {
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "commit.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err }))
	c := newCommitter(db)
	defer c.stop()

	// The first write holds the committer, alone in its transaction,
	// until the others are queued, so that they share the next one.
	release, running := make(chan struct{}), make(chan struct{})
	var once sync.Once
	defer func() {
		// Let a failed test end rather than hang in c.stop.
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	first := make(chan error, 1)
	go func() {
		first <- c.do(func(tx *bbolt.Tx) error {
			once.Do(func() { close(running) })
			<-release
			return tx.Bucket([]byte("b")).Put([]byte("first"), []byte("1"))
		})
	}()
	select {
	case <-running:
	case <-time.After(10 * time.Second):
		t.Fatal("the first write did not start")
	}
	const writers = 20
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			errs[i] = c.do(func(tx *bbolt.Tx) error {
				if i == 7 {
					panic("a programming error")
				}
				return tx.Bucket([]byte("b")).Put(fmt.Appendf(nil, "w%02d", i), []byte("x"))
			})
		})
	}
	require.Eventually(t, func() bool { return len(c.calls) == writers }, 10*time.Second, time.Millisecond)
	close(release)
	ended := make(chan struct{})
	go func() { wg.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the queued writes did not end within 10 s of the first one's")
	}
	select {
	case err := <-first:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the first write did not end")
	}

	for i, err := range errs {
		if i == 7 {
			require.Error(t, err)
			assert.Contains(t, err.Error(), "a write panicked: a programming error")
			continue
		}
		assert.NoError(t, err, "write %d", i)
	}
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := range writers {
			got := b.Get(fmt.Appendf(nil, "w%02d", i))
			if (got == nil) != (i == 7) {
				return errors.New(fmt.Sprint("write ", i, " stored: ", got != nil))
			}
		}
		return nil
	}))
	// And the committer still works.
	require.NoError(t, c.do(func(tx *bbolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte("after"), []byte("1")) }))
}
