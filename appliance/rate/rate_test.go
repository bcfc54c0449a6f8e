package rate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestTake_AllowsTheBurstThenTheRate(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(2, 3, c.now)
	for i := range 3 {
		ok, _ := l.Take("alice")
		require.True(t, ok, "burst token %d", i)
	}
	ok, wait := l.Take("alice")
	require.False(t, ok)
	assert.Equal(t, 500*time.Millisecond, wait, "two tokens a second: the next in half a second")
	ok, _ = l.Take("bob")
	assert.True(t, ok, "another key has its own bucket")

	c.t = c.t.Add(499 * time.Millisecond)
	ok, _ = l.Take("alice")
	assert.False(t, ok)
	c.t = c.t.Add(time.Millisecond)
	ok, _ = l.Take("alice")
	assert.True(t, ok)
	c.t = c.t.Add(time.Hour)
	for i := range 3 {
		ok, _ := l.Take("alice")
		require.True(t, ok, "refilled to the burst, not beyond: token %d", i)
	}
	ok, _ = l.Take("alice")
	assert.False(t, ok)
}

func TestNew_ZeroRateIsNoLimit(t *testing.T) {
	l := New(0, 10, nil)
	assert.Nil(t, l)
	for range 1000 {
		ok, wait := l.Take("x")
		require.True(t, ok)
		require.Zero(t, wait)
	}
}

func TestTake_ManyKeysStayBoundedAndAFullBucketGoesFirst(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(0.001, 1, c.now)
	l.maxKeys = 100
	for i := range 1000 {
		ok, _ := l.Take(fmt.Sprint("key", i))
		require.True(t, ok, "a new key starts with its burst")
	}
	assert.LessOrEqual(t, len(l.buckets), 100)

	// A key whose bucket has refilled is forgotten before one that is
	// still throttled.
	l = New(1, 1, c.now)
	l.maxKeys = 2
	l.Take("idle")
	c.t = c.t.Add(time.Hour)
	l.Take("throttled")
	l.Take("newcomer")
	_, kept := l.buckets["throttled"]
	assert.True(t, kept)
	_, kept = l.buckets["idle"]
	assert.False(t, kept)
}

// What a key did elsewhere spends its tokens here, down to empty and not
// below: the next token comes at the rate, as after a Take.
func TestCharge_SpendsWithoutRefusingOrGoingIntoDebt(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(2, 3, c.now)
	for range 5 {
		l.Charge("alice")
	}
	ok, wait := l.Take("alice")
	assert.False(t, ok)
	assert.Equal(t, 500*time.Millisecond, wait)
	c.t = c.t.Add(500 * time.Millisecond)
	ok, _ = l.Take("alice")
	assert.True(t, ok, "no debt from the charges past empty")
	var none *Limiter
	none.Charge("alice") // no limit: nothing to charge
}
