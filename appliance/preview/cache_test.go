package preview

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCache_AResultExpiresAtItsTime(t *testing.T) {
	c := newCache(4)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c.put("a", result{preview: Preview{Title: "A"}}, start.Add(time.Minute))
	r, ok := c.get("a", start.Add(59*time.Second))
	assert.True(t, ok)
	assert.Equal(t, "A", r.preview.Title)
	_, ok = c.get("a", start.Add(time.Minute))
	assert.False(t, ok)
	_, ok = c.get("a", start)
	assert.False(t, ok, "an expired result is forgotten")
}

func TestCache_ForgetsTheLeastRecentlyUsedBeyondItsSize(t *testing.T) {
	c := newCache(2)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	later := now.Add(time.Hour)
	c.put("a", result{}, later)
	c.put("b", result{}, later)
	_, ok := c.get("a", now) // a is now used more recently than b
	assert.True(t, ok)
	c.put("c", result{}, later)
	_, ok = c.get("b", now)
	assert.False(t, ok, "b was the least recently used")
	for _, key := range []string{"a", "c"} {
		_, ok = c.get(key, now)
		assert.True(t, ok, key)
	}
}

func TestCache_APutReplacesAKeysResult(t *testing.T) {
	c := newCache(2)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	failed := errors.New("failed")
	c.put("a", result{err: failed}, now.Add(time.Minute))
	c.put("a", result{preview: Preview{Title: "A"}}, now.Add(time.Hour))
	r, ok := c.get("a", now.Add(30*time.Minute))
	assert.True(t, ok)
	assert.NoError(t, r.err)
	assert.Equal(t, "A", r.preview.Title)
	assert.Equal(t, 1, c.order.Len())
}

func TestFetch_TheCacheAnswersAgainWithoutARequestUntilItExpires(t *testing.T) {
	s := newSite(t, page(article))
	c := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f := fetcher(t, loopback(), Options{CacheTTL: time.Hour, Now: c.Now})
	first, err := f.Fetch(context.Background(), s.url("/a"))
	require.NoError(t, err)
	c.advance(59 * time.Minute)
	second, err := f.Fetch(context.Background(), s.url("/a#another-fragment"))
	require.NoError(t, err)
	assert.Equal(t, first, second)
	assert.Equal(t, 1, s.requests("/a"))

	c.advance(time.Minute)
	_, err = f.Fetch(context.Background(), s.url("/a"))
	require.NoError(t, err)
	assert.Equal(t, 2, s.requests("/a"), "an expired preview is fetched again")
}

func TestFetch_AFailureIsCachedForLessTimeThanAPreview(t *testing.T) {
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone" {
			http.NotFound(w, r)
			return
		}
		page(article)(w, r)
	})
	c := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	f := fetcher(t, loopback(), Options{CacheTTL: time.Hour, FailureTTL: time.Minute, Now: c.Now})
	fetchBoth := func() {
		_, err := f.Fetch(context.Background(), s.url("/gone"))
		require.ErrorIs(t, err, ErrStatus)
		_, err = f.Fetch(context.Background(), s.url("/ok"))
		require.NoError(t, err)
	}
	fetchBoth()
	fetchBoth()
	assert.Equal(t, 1, s.requests("/gone"), "a failure is cached")
	c.advance(time.Minute)
	fetchBoth()
	assert.Equal(t, 2, s.requests("/gone"))
	assert.Equal(t, 1, s.requests("/ok"))
}

func TestFetch_ConcurrentFetchesOfOneURLMakeOneRequest(t *testing.T) {
	g := newGate(t)
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		g.wait(r)
		page(article)(w, r)
	})
	f := fetcher(t, loopback(), Options{})
	const callers = 8
	type outcome struct {
		p   Preview
		err error
	}
	outcomes := make(chan outcome, callers)
	for range callers {
		go func() {
			p, err := f.Fetch(context.Background(), s.url("/a"))
			outcomes <- outcome{p, err}
		}()
	}
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		c := f.inflight[s.url("/a")]
		return c != nil && c.waiters == callers
	}, 10*time.Second, time.Millisecond, "every caller joins the fetch under way")
	g.open()
	for range callers {
		select {
		case o := <-outcomes:
			require.NoError(t, o.err)
			assert.Equal(t, `Rust & Go: a "fair" comparison`, o.p.Title)
		case <-time.After(10 * time.Second):
			t.Fatal("a caller got no answer")
		}
	}
	assert.Equal(t, 1, s.requests("/a"))
}

func TestFetch_ACallerWhoseContextEndsLeavesAndTheFetchGoesOnForTheCache(t *testing.T) {
	g := newGate(t)
	arrived := make(chan struct{}, 1)
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		g.wait(r)
		page(article)(w, r)
	})
	f := fetcher(t, loopback(), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := f.Fetch(ctx, s.url("/a"))
		errs <- err
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the request never came")
	}
	cancel()
	select {
	case err := <-errs:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Fetch did not return when its context ended")
	}
	g.open()
	p, err := f.Fetch(context.Background(), s.url("/a"))
	require.NoError(t, err)
	assert.Equal(t, "Example News", p.SiteName)
	assert.Equal(t, 1, s.requests("/a"))
}
