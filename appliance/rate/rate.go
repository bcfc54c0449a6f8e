// Package rate limits how often a key (a user, an address) may do
// something: a token bucket per key, refilled at a steady rate up to a
// burst. Start from New and Take.
//
// A Limiter keeps at most MaxKeys buckets: full buckets are forgotten
// first (a full bucket is the same as no bucket), so a flood of new
// keys costs bounded memory and never lets a throttled key off early
// unless every bucket is in use.
package rate

import (
	"math"
	"sync"
	"time"
)

// DefaultMaxKeys bounds the buckets a Limiter keeps.
const DefaultMaxKeys = 100_000

// Limiter hands out tokens per key. The zero value is not usable; a nil
// *Limiter allows everything, which is how a limit of 0 is switched off.
type Limiter struct {
	rate    float64 // tokens per second
	burst   float64
	maxKeys int
	now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// New returns a limiter of perSecond tokens per second with room for
// burst at once, or nil (no limit) when perSecond is 0. now is the clock
// (time.Now if nil).
func New(perSecond float64, burst int, now func() time.Time) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: perSecond, burst: float64(max(burst, 1)), maxKeys: DefaultMaxKeys, now: now, buckets: map[string]*bucket{}}
}

// Take spends one token of key's bucket. When there is none it spends
// nothing and returns false with how long until there will be one.
func (l *Limiter) Take(key string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		wait := time.Duration(math.Ceil((1 - b.tokens) / l.rate * float64(time.Second)))
		return false, wait
	}
	b.tokens--
	return true, 0
}

// Charge spends one token of key's bucket for something done elsewhere
// (on another node of a cluster): it never refuses, and an empty bucket
// stays empty rather than going into debt.
func (l *Limiter) Charge(key string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.maxKeys {
			l.evict(l.now())
		}
		b = &bucket{tokens: l.burst, at: l.now()}
		l.buckets[key] = b
	}
	l.refill(b, l.now())
	b.tokens = max(0, b.tokens-1)
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
		b.at = now
	}
}

// evict forgets full buckets, or failing that the one refilled longest
// ago; l.mu is held.
func (l *Limiter) evict(now time.Time) {
	var stalest string
	var stalestAt time.Time
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
			continue
		}
		if stalest == "" || b.at.Before(stalestAt) {
			stalest, stalestAt = k, b.at
		}
	}
	if len(l.buckets) >= l.maxKeys && stalest != "" {
		delete(l.buckets, stalest)
	}
}
