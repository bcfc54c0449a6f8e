package cache

import (
	"sync"
	"sync/atomic"
	"time"
)

// table holds values of one kind by key, as linearizable as the store
// behind it for writes that go through the cache:
//
//   - A write marks what it changes before it starts (begin, or
//     beginWhere when it knows no key) and unmarks it after it returns.
//     While a key is marked, its reads go to the store and keep nothing,
//     so no one is served a value the write may already have replaced.
//   - A read that misses creates the key's slot before it asks the store
//     and fills the slot afterwards only if no write began meanwhile (the
//     slot's version is unchanged): a value read before a write committed
//     is never kept after it.
type table[K comparable, V any] struct {
	mu      sync.Mutex
	slots   map[K]*slot[V]
	writing int // writes in flight that know no key: every read goes to the store
	max     int
	ttl     time.Duration // 0: until forgotten
	now     func() time.Time
	clone   func(V) V // a copy the caller may change; nil when V has no shared parts
	vers    *atomic.Uint64
}

type slot[V any] struct {
	v       V
	ok      bool
	ver     uint64
	at      time.Time
	writers int // writes of this key in flight
}

func newTable[K comparable, V any](o options, clone func(V) V) *table[K, V] {
	return &table[K, V]{slots: map[K]*slot[V]{}, max: o.max, ttl: o.ttl, now: o.now, clone: clone, vers: o.vers}
}

// get returns the value of k, from memory or else from load.
func (t *table[K, V]) get(k K, load func() (V, error)) (V, error) {
	t.mu.Lock()
	if t.writing > 0 {
		t.mu.Unlock()
		return load()
	}
	s := t.slot(k)
	if s.writers > 0 {
		t.mu.Unlock()
		return load()
	}
	if s.ok && (t.ttl == 0 || t.now().Sub(s.at) < t.ttl) {
		v := s.v
		t.mu.Unlock()
		return t.copy(v), nil
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

// slot returns k's slot, made if need be; t.mu is held.
func (t *table[K, V]) slot(k K) *slot[V] {
	if s := t.slots[k]; s != nil {
		return s
	}
	if len(t.slots) >= t.max {
		// Full: start again rather than track what is least used. A read
		// in flight finds its slot gone and keeps nothing; a write in
		// flight keeps its slot, marked.
		kept := map[K]*slot[V]{}
		for k, s := range t.slots {
			if s.writers > 0 {
				kept[k] = &slot[V]{ver: t.vers.Add(1), writers: s.writers}
			}
		}
		t.slots = kept
	}
	s := &slot[V]{ver: t.vers.Add(1)}
	t.slots[k] = s
	return s
}

func (t *table[K, V]) copy(v V) V {
	if t.clone == nil {
		return v
	}
	return t.clone(v)
}

// begin marks k as being written until the function it returns is
// called, which forgets k's value: defer t.begin(k)().
func (t *table[K, V]) begin(k K) (end func()) {
	t.mu.Lock()
	s := t.slot(k)
	s.writers++
	s.ok, s.ver = false, t.vers.Add(1)
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		s := t.slot(k)
		s.writers--
		s.ok, s.ver = false, t.vers.Add(1)
	}
}

// beginWhere marks the whole table as being written until the function
// it returns is called, which forgets every value that match selects:
// for a write that knows what it changes only by its values.
func (t *table[K, V]) beginWhere(match func(K, V) bool) (end func()) {
	t.mu.Lock()
	t.writing++
	t.forget(match)
	t.mu.Unlock()
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.writing--
		t.forget(match)
	}
}

// beginAll is beginWhere for a write that may change any value.
func (t *table[K, V]) beginAll() (end func()) {
	return t.beginWhere(func(K, V) bool { return true })
}

// forget drops every value that match selects and makes every read in
// flight keep nothing; t.mu is held.
func (t *table[K, V]) forget(match func(K, V) bool) {
	for k, s := range t.slots {
		if s.ok && match(k, s.v) {
			s.ok = false
		}
		s.ver = t.vers.Add(1)
	}
}
