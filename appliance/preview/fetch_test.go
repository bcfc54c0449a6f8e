package preview

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/makechat/makechat/appliance/egress"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const article = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fallback title | Example News</title>
<link rel="stylesheet" href="/s.css">
<style>h1 { color: red } /* <meta property="og:title" content="from a style"> */</style>
<script>document.write('<meta property="og:title" content="from a script">');</script>
<script type="application/ld+json">{"headline": "</title> is not the end of a title here"}</script>
<meta property="og:site_name" content="Example News">
<meta property="og:title" content="Rust &amp; Go: a &quot;fair&quot; comparison">
<meta property="og:description" content="  Which one
   should you pick?&#10;It depends&hellip; ">
<meta property="og:image" content="/images/cover.jpg?w=1200&amp;h=630">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="The card's title">
<meta name="twitter:image" content="https://cdn.example/card.jpg">
</head>
<body>
<meta property="og:title" content="from the body">
<h1>Rust &amp; Go</h1>
</body>
</html>`

func TestFetch_ReadsTheHeadOfARealisticPage(t *testing.T) {
	s := newSite(t, page(article))
	p, err := fetcher(t, loopback(), Options{}).Fetch(context.Background(), s.url("/articles/1#comments"))
	require.NoError(t, err)
	assert.Equal(t, Preview{
		URL:         "http://127.0.0.1:" + s.port() + "/articles/1",
		Title:       `Rust & Go: a "fair" comparison`,
		Description: "Which one should you pick? It depends…",
		Image:       "http://127.0.0.1:" + s.port() + "/images/cover.jpg?w=1200&h=630",
		SiteName:    "Example News",
	}, p)
	header := s.lastHeader()
	assert.Equal(t, "makechat-preview/1 (+https://github.com/makechat/makechat)", header.Get("User-Agent"))
	assert.Contains(t, header.Get("Accept"), "text/html")
}

func TestFetch_AHugePageIsReadOnlyToItsHeadOrItsFirstMegabyte(t *testing.T) {
	for _, tc := range []struct {
		name, start, filler string
		want                Preview
		wantErr             error
	}{
		{"the head ends early", `<html><head><title>Big</title><meta name="description" content="Long"></head><body>`, "<p>lorem ipsum</p>\n", Preview{Title: "Big", Description: "Long"}, nil},
		{"the head never ends", `<html><head><title>Big</title>`, `<meta name="filler" content="x">` + "\n", Preview{Title: "Big"}, nil},
		{"the title never ends", `<html><head><title>Big`, "lorem ipsum ", Preview{}, ErrNoPreview},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var written atomic.Int64
			done := make(chan struct{}, 1)
			s := newSite(t, func(w http.ResponseWriter, _ *http.Request) {
				defer func() {
					select {
					case done <- struct{}{}:
					default:
					}
				}()
				w.Header().Set("Content-Type", "text/html")
				n, _ := io.WriteString(w, tc.start)
				written.Add(int64(n))
				chunk := strings.Repeat(tc.filler, (32<<10)/len(tc.filler))
				for written.Load() < 100<<20 {
					n, err := io.WriteString(w, chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
				}
			})
			p, err := fetcher(t, loopback(), Options{}).Fetch(context.Background(), s.url("/big"))
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
				tc.want.URL = s.url("/big")
				assert.Equal(t, tc.want, p)
			}
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("the handler went on writing after the fetch ended")
			}
			assert.Less(t, written.Load(), int64(100<<20), "the page was not read to its end")
		})
	}
}

func TestFetch_AnAnswerThatIsNotHTMLIsNoPreview(t *testing.T) {
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	for _, tc := range []struct{ contentType, body string }{
		{"application/json", `{"title": "x"}`},
		{"image/png", png},
		{"text/plain; charset=utf-8", "<title>Looks like HTML</title>"},
		{"", png},
	} {
		t.Run(tc.contentType, func(t *testing.T) {
			s := newSite(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["Content-Type"] = nil // no Content-Type when it is ""
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				io.WriteString(w, tc.body)
			})
			_, err := fetcher(t, loopback(), Options{}).Fetch(context.Background(), s.url("/"))
			require.ErrorIs(t, err, ErrNotHTML)
			require.ErrorIs(t, err, ErrNoPreview)
		})
	}
}

func TestFetch_HTMLIsKnownByItsTypeOrByItsStart(t *testing.T) {
	for _, contentType := range []string{"TEXT/HTML; charset=UTF-8", "application/xhtml+xml", ""} {
		t.Run(contentType, func(t *testing.T) {
			s := newSite(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header()["Content-Type"] = nil
				if contentType != "" {
					w.Header().Set("Content-Type", contentType)
				}
				io.WriteString(w, "<html><head><title>Typed</title></head></html>")
			})
			p, err := fetcher(t, loopback(), Options{}).Fetch(context.Background(), s.url("/"))
			require.NoError(t, err)
			assert.Equal(t, "Typed", p.Title)
		})
	}
}

func TestFetch_AnErrorStatusIsNoPreview(t *testing.T) {
	s := newSite(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, "<title>Not found</title>")
	})
	_, err := fetcher(t, loopback(), Options{}).Fetch(context.Background(), s.url("/"))
	require.ErrorIs(t, err, ErrStatus)
	require.ErrorIs(t, err, ErrNoPreview)
	assert.ErrorContains(t, err, "404")
}

func TestFetch_ASlowServerTimesOut(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start string // what the server sends before it stalls; "" is not even its headers
	}{
		{"no answer", ""},
		{"a head that never comes", "<html><head><title>Slow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGate(t)
			s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.start != "" {
					w.Header().Set("Content-Type", "text/html")
					io.WriteString(w, tc.start)
					w.(http.Flusher).Flush()
				}
				g.wait(r)
			})
			p := loopback()
			p.Timeout = 100 * time.Millisecond
			_, err := fetcher(t, p, Options{}).Fetch(context.Background(), s.url("/"))
			var nerr net.Error
			require.True(t, errors.As(err, &nerr) && nerr.Timeout(), "%v", err)
		})
	}
}

func TestPolicy_SetsThePreviewLimitsLeftAtZero(t *testing.T) {
	assert.Equal(t, egress.Policy{Timeout: 5 * time.Second, MaxBytes: 1 << 20, MaxRedirects: 3}, Policy(egress.Policy{}))
	mine := egress.Policy{Allow: []string{"10.0.0.0/8"}, Timeout: time.Second, MaxBytes: 4096, MaxRedirects: -1}
	assert.Equal(t, mine, Policy(mine))
}
