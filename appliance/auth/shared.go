package auth

import (
	"context"
	"time"
)

// Strikes is where a cluster counts failures (storage.Shared has it).
type Strikes interface {
	Strike(ctx context.Context, key string, at time.Time) error
	Strikes(ctx context.Context, key string, since time.Time, limit int) ([]time.Time, error)
	ClearStrikes(ctx context.Context, key string) error
}

// strikeTimeout bounds one call to the shared store.
const strikeTimeout = 5 * time.Second

// sharedCounter is a Limiter whose failures are kept in a cluster's
// store under prefix+key. When the store does not answer, it lets the
// try through: logging in needs the store anyway.
type sharedCounter struct {
	prefix string
	max    int
	window time.Duration
	st     Strikes
	now    func() time.Time
}

func (c *sharedCounter) recent(key string, limit int) []time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), strikeTimeout)
	defer cancel()
	times, _ := c.st.Strikes(ctx, c.prefix+key, c.now().Add(-c.window), limit)
	return times
}

// Blocked returns how long key must still wait, or 0 if it may try.
func (c *sharedCounter) Blocked(key string) time.Duration {
	times := c.recent(key, c.max) // newest first
	if len(times) < c.max {
		return 0
	}
	return max(0, times[c.max-1].Add(c.window).Sub(c.now()))
}

// Fail records a failure for key.
func (c *sharedCounter) Fail(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), strikeTimeout)
	defer cancel()
	_ = c.st.Strike(ctx, c.prefix+key, c.now())
}

// Count returns how many failures key has inside the window (up to the
// most that matter).
func (c *sharedCounter) Count(key string) int { return len(c.recent(key, c.max)) }

// Reset forgets key's failures.
func (c *sharedCounter) Reset(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), strikeTimeout)
	defer cancel()
	_ = c.st.ClearStrikes(ctx, c.prefix+key)
}

// SharedWindow allows a key at most Most tries per Window, counted in a
// cluster's store for every node (a sliding window: the long-run rate of
// a token bucket of that burst). Of tries racing on several nodes at the
// limit, a few may pass; when the store does not answer, tries pass.
type SharedWindow struct {
	prefix string
	most   int
	window time.Duration
	st     Strikes
	now    func() time.Time
}

// NewSharedWindow returns the limit; keys are kept under prefix.
func NewSharedWindow(st Strikes, prefix string, most int, window time.Duration, now func() time.Time) *SharedWindow {
	return &SharedWindow{prefix: prefix, most: most, window: window, st: st, now: now}
}

// Take counts one try of key, or refuses it with how long to wait.
func (w *SharedWindow) Take(key string) (bool, time.Duration) {
	c := sharedCounter{w.prefix, w.most, w.window, w.st, w.now}
	if wait := c.Blocked(key); wait > 0 {
		return false, wait
	}
	c.Fail(key)
	return true, 0
}
