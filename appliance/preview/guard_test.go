package preview

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/makechat/makechat/appliance/egress"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/egress/egresstest"
)

func TestFetch_TheLoopbackIsRefusedUnlessAllowed(t *testing.T) {
	s := newSite(t, page(article))
	_, err := fetcher(t, egress.Policy{}, Options{}).Fetch(context.Background(), s.url("/"))
	require.ErrorIs(t, err, egress.ErrRefused)
	assert.Equal(t, 0, s.requests(""), "the server sees no request")
}

func TestFetch_ANameThatResolvesInsideIsRefused(t *testing.T) {
	for _, addrs := range [][]string{{"127.0.0.1"}, {"10.0.0.1"}, {"93.184.215.14", "127.0.0.1"}, {"::1"}} {
		t.Run(strings.Join(addrs, ","), func(t *testing.T) {
			s := newSite(t, page(article))
			f := fetcher(t, egress.Policy{Resolver: egresstest.Names{"news.example.test": addrs}}, Options{})
			_, err := f.Fetch(context.Background(), "http://news.example.test:"+s.port()+"/")
			require.ErrorIs(t, err, egress.ErrRefused)
			assert.Equal(t, 0, s.requests(""))
		})
	}
}

// hops answers /hops/n with a redirect to /hops/n-1, and /hops/0 with a
// page: a fetch of /hops/n follows n redirects.
func hops(w http.ResponseWriter, r *http.Request) {
	var n int
	if _, err := fmt.Sscanf(r.URL.Path, "/hops/%d", &n); err == nil && n > 0 {
		http.Redirect(w, r, fmt.Sprintf("/hops/%d", n-1), http.StatusFound)
		return
	}
	page("<title>The end</title>")(w, r)
}

func TestFetch_FollowsThreeRedirects(t *testing.T) {
	s := newSite(t, hops)
	p, err := fetcher(t, loopback(), Options{}).Fetch(context.Background(), s.url("/hops/3"))
	require.NoError(t, err)
	assert.Equal(t, "The end", p.Title)
	assert.Equal(t, s.url("/hops/3"), p.URL, "the preview's URL is the one asked for")
}

func TestFetch_RefusesAFourthRedirect(t *testing.T) {
	s := newSite(t, hops)
	_, err := fetcher(t, loopback(), Options{}).Fetch(context.Background(), s.url("/hops/4"))
	require.ErrorIs(t, err, egress.ErrRefused)
	assert.Equal(t, 0, s.requests("/hops/0"))
}

func TestFetch_RefusesARedirectInside(t *testing.T) {
	for _, target := range []string{"http://127.0.0.1:%s/inside", "http://[::1]:%s/inside", "http://inside.test:%s/inside", "http://10.0.0.1/inside", "http://u:pw@pages.test:%s/inside"} {
		t.Run(target, func(t *testing.T) {
			var port string
			s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/go" {
					http.Redirect(w, r, strings.Replace(target, "%s", port, 1), http.StatusFound)
					return
				}
				page(article)(w, r)
			})
			port = s.port()
			// The page's name, and only it, is allowed inside.
			f := fetcher(t, egress.Policy{
				Allow:    []string{"pages.test"},
				Resolver: egresstest.Names{"pages.test": {"127.0.0.1"}, "inside.test": {"127.0.0.1"}},
			}, Options{})
			_, err := f.Fetch(context.Background(), "http://pages.test:"+port+"/go")
			require.ErrorIs(t, err, egress.ErrRefused)
			assert.Equal(t, 1, s.requests("/go"))
			assert.Equal(t, 0, s.requests("/inside"))
		})
	}
}

func TestFetch_RefusesURLsWithCredentialsOrOtherSchemes(t *testing.T) {
	s := newSite(t, page(article))
	f := fetcher(t, loopback(), Options{})
	for _, u := range []string{
		"http://user:pw@127.0.0.1:" + s.port() + "/", "http://user@127.0.0.1:" + s.port() + "/",
		"javascript:alert(1)", "file:///etc/passwd", "ftp://127.0.0.1/", "http:///x", "::not a url",
	} {
		_, err := f.Fetch(context.Background(), u)
		require.ErrorIs(t, err, egress.ErrRefused, u)
	}
	assert.Equal(t, 0, s.requests(""))
}
