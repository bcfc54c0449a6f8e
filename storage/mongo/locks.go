package mongo

import "sync"

// keyLocks holds a lock per key while something changes the document
// the key names; a lock is forgotten when no one holds or waits for it.
// The zero value is ready to use.
//
// MongoDB applies each single-document update atomically, but FerretDB
// 1.24 reads, changes and writes back, so two updates racing in one
// process could both apply to the same old document. Within a process
// these locks take them in turn; across processes, which is MongoDB's
// case (a cluster), the conditional replace decides.
type keyLocks struct {
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int // holding or waiting; guarded by keyLocks.mu
}

// lock waits for key's lock and returns its unlock.
func (l *keyLocks) lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*keyLock{}
	}
	kl := l.locks[key]
	if kl == nil {
		kl = &keyLock{}
		l.locks[key] = kl
	}
	kl.users++
	l.mu.Unlock()
	kl.Lock()
	return func() {
		kl.Unlock()
		l.mu.Lock()
		if kl.users--; kl.users == 0 {
			delete(l.locks, key)
		}
		l.mu.Unlock()
	}
}
