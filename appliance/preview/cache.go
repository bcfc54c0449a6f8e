package preview

import (
	"container/list"
	"time"
)

// result is the outcome of one fetch: a preview or an error.
type result struct {
	preview Preview
	err     error
}

// cache keeps the results of the most recently used URLs, at most size of
// them, each until it expires. It is not safe for concurrent use: the
// Fetcher's mutex guards it.
type cache struct {
	size  int
	order *list.List // of *cacheEntry, the most recently used first
	items map[string]*list.Element
}

type cacheEntry struct {
	key     string
	result  result
	expires time.Time
}

func newCache(size int) *cache {
	return &cache{size: size, order: list.New(), items: map[string]*list.Element{}}
}

// get returns key's result if the cache holds one that has not expired
// at now.
func (c *cache) get(key string, now time.Time) (result, bool) {
	el, ok := c.items[key]
	if !ok {
		return result{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, key)
		return result{}, false
	}
	c.order.MoveToFront(el)
	return e.result, true
}

// put keeps r as key's result until expires, and forgets the least
// recently used results beyond the cache's size.
func (c *cache) put(key string, r result, expires time.Time) {
	if el, ok := c.items[key]; ok {
		el.Value = &cacheEntry{key: key, result: r, expires: expires}
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, result: r, expires: expires})
	for c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*cacheEntry).key)
	}
}
