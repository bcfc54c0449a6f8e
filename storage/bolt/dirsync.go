package bolt

import (
	"sync"

	"github.com/makechat/makechat/storage/durable"
)

// dirSyncer makes renames durable by fsyncing their directories, several
// blobs' directories in one round: a lone blob's directory is synced at
// once, and every directory asked for while a round is on its way to
// disk joins the next round, as the committer groups transactions. On a
// journaling file system the first fsync of a round commits the journal
// with every rename queued so far, and the others find nothing left to
// write, so concurrent uploads share one journal commit instead of
// queueing one each behind the other.
type dirSyncer struct {
	mu      sync.Mutex
	next    *syncRound // the round that the directories asked for now join
	running bool       // a goroutine is running rounds
}

type syncRound struct {
	dirs map[string]error // each directory's fsync error, once done
	done chan struct{}
}

// sync returns once dir has been fsynced after this call began.
func (d *dirSyncer) sync(dir string) error {
	d.mu.Lock()
	if d.next == nil {
		d.next = &syncRound{dirs: map[string]error{}, done: make(chan struct{})}
	}
	r := d.next
	r.dirs[dir] = nil
	if !d.running {
		d.running = true
		go d.run()
	}
	d.mu.Unlock()
	<-r.done
	return r.dirs[dir]
}

// run syncs rounds until none is waiting.
func (d *dirSyncer) run() {
	for {
		d.mu.Lock()
		r := d.next
		d.next = nil
		if r == nil {
			d.running = false
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		for dir := range r.dirs {
			r.dirs[dir] = durable.SyncDir(dir)
		}
		close(r.done)
	}
}
