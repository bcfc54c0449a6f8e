package cache

import (
	"sync"
	"sync/atomic"
	"time"
)

// table holds values of one kind by key. A read that misses creates the
// key's slot before it asks the store and fills the slot afterwards only
// if no write forgot the key meanwhile (the slot's version is unchanged):
// a value read before a write committed can never be kept after it.
type table[K comparable, V any] struct {
	mu    sync.Mutex
	slots map[K]*slot[V]
	max   int
	ttl   time.Duration // 0: until forgotten
	now   func() time.Time
	clone func(V) V // a copy the caller may change; nil when V has no shared parts
	vers  *atomic.Uint64
}

type slot[V any] struct {
	v   V
	ok  bool
	ver uint64
	at  time.Time
}

func newTable[K comparable, V any](o options, clone func(V) V) *table[K, V] {
	return &table[K, V]{slots: map[K]*slot[V]{}, max: o.max, ttl: o.ttl, now: o.now, clone: clone, vers: o.vers}
}

// get returns the value of k, from memory or else from load.
func (t *table[K, V]) get(k K, load func() (V, error)) (V, error) {
	t.mu.Lock()
	s := t.slots[k]
	if s != nil && s.ok && (t.ttl == 0 || t.now().Sub(s.at) < t.ttl) {
		v := s.v
		t.mu.Unlock()
		return t.copy(v), nil
	}
	if s == nil {
		if len(t.slots) >= t.max {
			// Full: start again rather than track what is least used.
			// A read in flight finds its slot gone and keeps nothing.
			t.slots = map[K]*slot[V]{}
		}
		s = &slot[V]{ver: t.vers.Add(1)}
		t.slots[k] = s
	}
	ver := s.ver
	t.mu.Unlock()

	v, err := load()
	if err != nil {
		return v, err
	}
	t.mu.Lock()
	if cur := t.slots[k]; cur != nil && cur.ver == ver {
		cur.v, cur.ok, cur.at = t.copy(v), true, t.now()
	}
	t.mu.Unlock()
	return v, nil
}

func (t *table[K, V]) copy(v V) V {
	if t.clone == nil {
		return v
	}
	return t.clone(v)
}

// forget drops k's value; a read of k in flight keeps nothing.
func (t *table[K, V]) forget(k K) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.slots[k]; s != nil {
		s.ok, s.ver = false, t.vers.Add(1)
	}
}

// forgetWhere drops every value that match selects. A read in flight
// has no value to match yet: it keeps nothing either, whatever it reads.
func (t *table[K, V]) forgetWhere(match func(K, V) bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, s := range t.slots {
		if !s.ok || match(k, s.v) {
			s.ok, s.ver = false, t.vers.Add(1)
		}
	}
}

// forgetAll drops every value; reads in flight keep nothing.
func (t *table[K, V]) forgetAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.slots {
		s.ok, s.ver = false, t.vers.Add(1)
	}
}
