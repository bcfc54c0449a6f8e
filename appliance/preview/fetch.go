package preview

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/makechat/makechat/appliance/egress"
)

// The limits of a preview fetch, which Policy sets.
const (
	Timeout      = 5 * time.Second
	MaxBytes     = 1 << 20
	MaxRedirects = 3
)

// Defaults of Options left at zero.
const (
	DefaultCacheSize  = 1024
	DefaultCacheTTL   = time.Hour
	DefaultFailureTTL = 5 * time.Minute
	DefaultUserAgent  = "makechat-preview/1 (+https://github.com/makechat/makechat)"
)

// Policy returns p with the limits of a preview fetch where p leaves them
// at zero: Timeout, MaxBytes and MaxRedirects. Build a Fetcher's client
// from it: egress.New(preview.Policy(egress.Policy{Allow: ...})).
func Policy(p egress.Policy) egress.Policy {
	if p.Timeout == 0 {
		p.Timeout = Timeout
	}
	if p.MaxBytes == 0 {
		p.MaxBytes = MaxBytes
	}
	if p.MaxRedirects == 0 {
		p.MaxRedirects = MaxRedirects
	}
	return p
}

// Options tune a Fetcher; each left at zero takes its default.
type Options struct {
	// CacheSize is how many URLs' results the cache keeps.
	CacheSize int
	// CacheTTL is how long a preview is kept.
	CacheTTL time.Duration
	// FailureTTL is how long a failure is kept, so that a dead or
	// refused link is not asked again for every message that holds it,
	// nor kept away for as long as a page.
	FailureTTL time.Duration
	// UserAgent is sent with each request.
	UserAgent string
	// Now tells the time of the cache; nil is time.Now (tests set it).
	Now func() time.Time
}

// Fetcher fetches link previews through an egress client, with a cache.
// It is safe for concurrent use.
type Fetcher struct {
	client *egress.Client
	opts   Options

	mu       sync.Mutex // guards cache and inflight
	cache    *cache
	inflight map[string]*call
}

// call is one fetch under way, which every caller for its URL waits for.
type call struct {
	done    chan struct{} // closed once result is set
	result  result
	waiters int // how many callers joined it, for tests
}

// New returns a Fetcher that goes out through client, which should have
// been built from Policy.
func New(client *egress.Client, opts Options) *Fetcher {
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.FailureTTL <= 0 {
		opts.FailureTTL = DefaultFailureTTL
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Fetcher{client: client, opts: opts, cache: newCache(opts.CacheSize), inflight: map[string]*call{}}
}

// Fetch returns the preview of the page at rawURL (its fragment left out)
// from the cache, or else by fetching it. A page with nothing to show is
// an error that wraps ErrNoPreview. A URL that the egress policy refuses
// is an error that wraps egress.ErrRefused: at once if the URL itself is
// the reason (not http or https, no host, a user name or password), else
// at the dial (an address inside the server's network, at first or after
// a redirect; too many redirects). The result of a request, a failure
// included, is cached: a preview for Options.CacheTTL, a failure for
// Options.FailureTTL.
//
// Concurrent calls for one URL share one request. The request goes on if
// ctx ends (Fetch then returns ctx's error at once): it is bounded by the
// client's timeout, and its result is cached for the next caller.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (Preview, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return Preview{}, fmt.Errorf("%w: not a URL", egress.ErrRefused)
	}
	if err := egress.CheckURL(u); err != nil {
		return Preview{}, err
	}
	// The cache knows a page by its URL without the fragment, which the
	// server never sees, and with its host in lower case.
	u.Fragment, u.RawFragment = "", ""
	u.Host = strings.ToLower(u.Host)
	key := u.String()

	f.mu.Lock()
	if r, ok := f.cache.get(key, f.opts.Now()); ok {
		f.mu.Unlock()
		return r.preview, r.err
	}
	c := f.inflight[key]
	if c == nil {
		c = &call{done: make(chan struct{})}
		f.inflight[key] = c
		go f.run(context.WithoutCancel(ctx), u, c)
	}
	c.waiters++
	f.mu.Unlock()

	select {
	case <-c.done:
		return c.result.preview, c.result.err
	case <-ctx.Done():
		return Preview{}, ctx.Err()
	}
}

// run makes the fetch of c, caches its result and hands it to c's
// callers. A panic in the fetch (hostile HTML meeting a bug) becomes the
// fetch's error rather than the server's end.
func (f *Fetcher) run(ctx context.Context, pageURL *url.URL, c *call) {
	key := pageURL.String()
	r := func() (r result) {
		defer func() {
			if v := recover(); v != nil {
				r = result{err: fmt.Errorf("preview %s: panic: %v", key, v)}
			}
		}()
		p, err := f.fetch(ctx, pageURL)
		return result{preview: p, err: err}
	}()

	ttl := f.opts.CacheTTL
	if r.err != nil {
		ttl = f.opts.FailureTTL
	}
	f.mu.Lock()
	f.cache.put(key, r, f.opts.Now().Add(ttl))
	delete(f.inflight, key)
	c.result = r
	f.mu.Unlock()
	close(c.done)
}

// fetch gets pageURL and makes its preview from the page's head, reading
// at most the client's MaxBytes of the body.
func (f *Fetcher) fetch(ctx context.Context, pageURL *url.URL) (Preview, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL.String(), nil)
	if err != nil {
		return Preview{}, err
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "text/html, application/xhtml+xml;q=0.9")
	resp, err := f.client.Do(req)
	if err != nil {
		return Preview{}, err
	}
	// Closing the body unread, when the head ends early in a long page,
	// drops the connection instead of reading the rest.
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Preview{}, fmt.Errorf("preview %s: %w (%s)", pageURL, ErrStatus, resp.Status)
	}
	body := bufio.NewReader(io.LimitReader(resp.Body, f.client.MaxBytes()))
	if !isHTML(resp.Header.Get("Content-Type"), body) {
		return Preview{}, fmt.Errorf("preview %s: %w", pageURL, ErrNotHTML)
	}
	h, err := parseHead(body)
	if err != nil {
		return Preview{}, fmt.Errorf("preview %s: read the page: %w", pageURL, err)
	}
	// Relative URLs in the page are relative to where the redirects, if
	// any, led; the preview's URL is the one asked for.
	p, err := h.preview(resp.Request.URL)
	if err != nil {
		return Preview{}, fmt.Errorf("preview %s: %w", pageURL, err)
	}
	p.URL = pageURL.String()
	return p, nil
}

// isHTML reports whether a response of the Content-Type contentType is
// an HTML page; without a Content-Type, the start of body tells.
func isHTML(contentType string, body *bufio.Reader) bool {
	if contentType == "" {
		start, _ := body.Peek(512)
		contentType = http.DetectContentType(start)
	}
	mediaType, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mediaType == "text/html" || mediaType == "application/xhtml+xml")
}
