package bolt

import (
	"fmt"
	"runtime/debug"

	"go.etcd.io/bbolt"
)

// maxGroup bounds how many writes share one transaction.
const maxGroup = 1024

// committer is the store's group commit. One goroutine commits; every
// write that arrives while a commit is on its way to disk joins the next
// transaction. So a lone write commits at once, with no timer to wait
// for, and under load each fsync carries everything queued behind the
// previous one. (bbolt's own DB.Batch closes a group after a fixed delay
// from its first write, which under CPU load left groups of ~10 writes
// where hundreds were waiting.)
type committer struct {
	db    *bbolt.DB
	calls chan *call
	done  chan struct{}
}

type call struct {
	fn  func(*bbolt.Tx) error
	err chan error
}

func newCommitter(db *bbolt.DB) *committer {
	c := &committer{db: db, calls: make(chan *call, maxGroup), done: make(chan struct{})}
	go c.loop()
	return c
}

// do runs fn in a group transaction and returns once that transaction is
// committed (fsynced) or has failed. fn may run more than once and must be
// idempotent: when one function of a group fails, the group is rolled
// back, the failing function is run alone to learn its own answer, and
// the others are run again without it (as DB.Batch does). A panic in fn
// is that call's failure, like any error: the group's other writes
// commit and the process goes on.
func (c *committer) do(fn func(*bbolt.Tx) error) error {
	cl := &call{fn: fn, err: make(chan error, 1)}
	c.calls <- cl
	return <-cl.err
}

// stop ends the loop after the writes already handed in; no do may be
// called during or after it.
func (c *committer) stop() {
	close(c.calls)
	<-c.done
}

func (c *committer) loop() {
	defer close(c.done)
	group := make([]*call, 0, maxGroup)
	for first := range c.calls {
		group = append(group[:0], first)
	fill:
		for len(group) < maxGroup {
			select {
			case cl, ok := <-c.calls:
				if !ok {
					break fill
				}
				group = append(group, cl)
			default:
				break fill
			}
		}
		c.commit(group)
	}
}

func (c *committer) commit(group []*call) {
	for len(group) > 0 {
		failed := -1
		err := c.db.Update(func(tx *bbolt.Tx) error {
			for i, cl := range group {
				if err := safely(cl.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, cl := range group {
				cl.err <- err
			}
			return
		}
		bad := group[failed]
		bad.err <- c.db.Update(func(tx *bbolt.Tx) error { return safely(bad.fn, tx) })
		group = append(group[:failed], group[failed+1:]...)
	}
}

// safely calls fn, turning a panic into its error (with the stack, for
// the log), as bbolt's DB.Batch does: one bad write must not take the
// server, or the writes that share its transaction, down with it.
func safely(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("a write panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(tx)
}
