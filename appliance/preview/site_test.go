package preview

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/makechat/makechat/appliance/egress"
	"github.com/stretchr/testify/require"
)

// site is a server on the loopback that counts the requests it gets, by
// path, and keeps the headers of the last one.
type site struct {
	srv    *httptest.Server
	mu     sync.Mutex
	hits   map[string]int
	header http.Header
}

func newSite(t *testing.T, h http.HandlerFunc) *site {
	t.Helper()
	s := &site{hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.header = r.Header.Clone()
		s.mu.Unlock()
		h(w, r)
	}))
	// Closing the connections first ends the handlers that still wait
	// for their request's end, which Close waits for.
	t.Cleanup(func() {
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

func (s *site) url(path string) string { return s.srv.URL + path }

func (s *site) port() string {
	u, _ := url.Parse(s.srv.URL)
	return u.Port()
}

// lastHeader returns the headers of the last request the site got.
func (s *site) lastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header
}

// requests returns how many requests the site got for path, or for any
// path if path is "".
func (s *site) requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if path != "" {
		return s.hits[path]
	}
	n := 0
	for _, h := range s.hits {
		n += h
	}
	return n
}

// page answers html as an HTML page.
func page(html string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, html)
	}
}

// loopback is a policy that lets the fetcher reach the test's servers.
func loopback() egress.Policy {
	return egress.Policy{Allow: []string{"127.0.0.1"}}
}

func fetcher(t *testing.T, p egress.Policy, opts Options) *Fetcher {
	t.Helper()
	c, err := egress.New(Policy(p))
	require.NoError(t, err)
	return New(c, opts)
}

// gate holds handlers until the test opens it, or until their request
// ends; it opens at the test's end in any case.
type gate struct {
	ch   chan struct{}
	once sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{ch: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.ch) }) }

func (g *gate) wait(r *http.Request) {
	select {
	case <-g.ch:
	case <-r.Context().Done():
	}
}

// clock is a time that a test moves on.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
