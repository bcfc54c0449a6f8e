package auth

import (
	"sync"
	"time"
)

// Limiter counts failed logins per key (a username or an address) in a
// sliding window. After Max failures within Window, Blocked answers how
// long the key must wait. It keeps at most MaxKeys keys, dropping the
// stalest first, so a flood of made-up usernames cannot exhaust memory.
type Limiter struct {
	Max     int
	Window  time.Duration
	MaxKeys int

	mu    sync.Mutex
	fails map[string][]time.Time
	now   func() time.Time
}

// NewLimiter returns a Limiter allowing max failures per window.
func NewLimiter(max int, window time.Duration, now func() time.Time) *Limiter {
	return &Limiter{Max: max, Window: window, MaxKeys: 100_000, fails: map[string][]time.Time{}, now: now}
}

// Blocked returns how long key must still wait, or 0 if it may try.
func (l *Limiter) Blocked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := l.recent(key)
	if len(times) < l.Max {
		return 0
	}
	// The oldest failure still inside the window decides when a try frees up.
	wait := times[len(times)-l.Max].Add(l.Window).Sub(l.now())
	if wait <= 0 {
		return 0
	}
	return wait
}

// Fail records a failure for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	times := append(l.recent(key), l.now())
	if len(times) > l.Max {
		times = times[len(times)-l.Max:]
	}
	if _, ok := l.fails[key]; !ok && len(l.fails) >= l.MaxKeys {
		l.evict()
	}
	l.fails[key] = times
}

// Count returns how many failures key has inside the window.
func (l *Limiter) Count(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key))
}

// Reset forgets key's failures (after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

// recent returns key's failures inside the window; l.mu is held.
func (l *Limiter) recent(key string) []time.Time {
	times := l.fails[key]
	cutoff := l.now().Add(-l.Window)
	i := 0
	for i < len(times) && !times[i].After(cutoff) {
		i++
	}
	if i == len(times) {
		delete(l.fails, key)
		return nil
	}
	return times[i:]
}

// evict drops expired keys, and if none expired, the key whose newest
// failure is oldest; l.mu is held.
func (l *Limiter) evict() {
	cutoff := l.now().Add(-l.Window)
	var stalest string
	var stalestAt time.Time
	for k, times := range l.fails {
		last := times[len(times)-1]
		if !last.After(cutoff) {
			delete(l.fails, k)
			continue
		}
		if stalest == "" || last.Before(stalestAt) {
			stalest, stalestAt = k, last
		}
	}
	if len(l.fails) >= l.MaxKeys && stalest != "" {
		delete(l.fails, stalest)
	}
}
