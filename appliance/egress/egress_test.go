package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/egress/egresstest"
)

func client(t *testing.T, p Policy) *Client {
	t.Helper()
	c, err := New(p)
	require.NoError(t, err)
	return c
}

func get(t *testing.T, c *Client, rawURL string) (string, error) {
	t.Helper()
	req, err := http.NewRequest("GET", rawURL, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	b, err := c.Read(resp)
	return string(b), err
}

// receiver is a server on the loopback that answers "hello", with the
// port it listens on.
func receiver(t *testing.T, h http.HandlerFunc) (srv *httptest.Server, port string) {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello") }
	}
	srv = httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return srv, u.Port()
}

func TestInside_NamesEveryAddressAnOutsiderMustNotReach(t *testing.T) {
	for _, s := range []string{
		"127.0.0.1", "127.255.0.9", "::1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fc00::1", "fd12::1",
		"169.254.169.254", "fe80::1", "100.64.0.1", "100.127.255.254", "224.0.0.1", "239.1.1.1", "ff02::1", "ff05::2",
		"0.0.0.0", "0.1.2.3", "::", "255.255.255.255", "240.0.0.1", "192.0.0.170", "198.18.0.1",
		"::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1", "2001:0:a00:1::1", "100::1",
	} {
		assert.True(t, inside(netip.MustParseAddr(s).Unmap()), s)
	}
	for _, s := range []string{"1.1.1.1", "93.184.215.14", "100.128.0.1", "172.32.0.1", "2606:4700::1111", "2a00:1450:4001::200e", "192.0.3.1"} {
		assert.False(t, inside(netip.MustParseAddr(s)), s)
	}
}

func TestDo_RefusesTheLoopbackUnlessAllowed(t *testing.T) {
	_, port := receiver(t, nil)
	for _, u := range []string{"http://127.0.0.1:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/", "http://localhost.test:" + port + "/"} {
		_, err := get(t, client(t, Policy{Resolver: egresstest.Names{"localhost.test": {"127.0.0.1"}}}), u)
		require.ErrorIs(t, err, ErrRefused, u)
		assert.Contains(t, err.Error(), "outgoing_allow")
	}
	for _, allow := range []string{"127.0.0.1", "127.0.0.0/8", "localhost.test", "LOCALHOST.test."} {
		body, err := get(t, client(t, Policy{Allow: []string{allow}, Resolver: egresstest.Names{"localhost.test": {"127.0.0.1"}}}), "http://localhost.test:"+port+"/")
		require.NoError(t, err, allow)
		assert.Equal(t, "hello", body)
	}
}

func TestDo_ANameWithOneInsideAddressAmongOutsideOnesIsRefused(t *testing.T) {
	_, port := receiver(t, nil)
	c := client(t, Policy{Resolver: egresstest.Names{"mixed.test": {"93.184.215.14", "127.0.0.1"}}})
	_, err := get(t, c, "http://mixed.test:"+port+"/")
	require.ErrorIs(t, err, ErrRefused)
	require.ErrorIs(t, c.Check(context.Background(), "http://mixed.test:"+port+"/"), ErrRefused)
}

func TestDo_RedirectsAreCheckedAgain(t *testing.T) {
	// The allowed name redirects to an address that is not allowed, then
	// to a scheme that is not http.
	_, inner := receiver(t, nil)
	srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/inside":
			http.Redirect(w, r, "http://127.0.0.1:"+inner+"/", http.StatusFound)
		case "/file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/fine":
			http.Redirect(w, r, "/ok", http.StatusFound)
		default:
			fmt.Fprint(w, "ok")
		}
	})
	u, _ := url.Parse(srv.URL)
	base := "http://hooks.test:" + u.Port()
	c := client(t, Policy{Allow: []string{"hooks.test"}, Resolver: egresstest.Names{"hooks.test": {"127.0.0.1"}}})
	for _, path := range []string{"/inside", "/file", "/loop"} {
		_, err := get(t, c, base+path)
		require.ErrorIs(t, err, ErrRefused, path)
	}
	body, err := get(t, c, base+"/fine")
	require.NoError(t, err)
	assert.Equal(t, "ok", body)
}

func TestDo_RefusesURLsThatAreNotPlainHTTP(t *testing.T) {
	c := client(t, Policy{})
	for _, u := range []string{"file:///etc/passwd", "gopher://x.test/", "ftp://x.test/", "http://user:pw@x.test/", "http:///path"} {
		_, err := get(t, c, u)
		require.ErrorIs(t, err, ErrRefused, u)
		require.ErrorIs(t, c.Check(context.Background(), u), ErrRefused, u)
	}
	require.ErrorIs(t, c.Check(context.Background(), "::not a url"), ErrRefused)
	err := c.Check(context.Background(), "http://does-not-resolve.invalid/")
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrRefused, "a name that does not resolve is not the policy's refusal")
}

func TestDo_AServerThatNeverAnswersTimesOut(t *testing.T) {
	hang := make(chan struct{})
	_, port := receiver(t, func(http.ResponseWriter, *http.Request) { <-hang })
	defer close(hang)
	c := client(t, Policy{Allow: []string{"127.0.0.1"}, Timeout: 200 * time.Millisecond})
	_, err := get(t, c, "http://127.0.0.1:"+port+"/")
	var nerr net.Error
	require.True(t, errors.As(err, &nerr) && nerr.Timeout(), "%v", err)
}

func TestRead_ABodyOverTheLimitIsAnError(t *testing.T) {
	_, port := receiver(t, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, strings.Repeat("x", 2048)) })
	c := client(t, Policy{Allow: []string{"127.0.0.1"}, MaxBytes: 1024})
	_, err := get(t, c, "http://127.0.0.1:"+port+"/")
	require.ErrorContains(t, err, "longer than 1024 bytes")
	c = client(t, Policy{Allow: []string{"127.0.0.1"}, MaxBytes: 2048})
	body, err := get(t, c, "http://127.0.0.1:"+port+"/")
	require.NoError(t, err)
	assert.Len(t, body, 2048)
}

func TestNew_RefusesAnAllowEntryItCannotRead(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "not a host", "-x.test", "a..b", "x_y.test", strings.Repeat("a", 64) + ".test"} {
		_, err := New(Policy{Allow: []string{bad}})
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "outgoing_allow")
	}
	_, err := New(Policy{Allow: []string{" 10.0.0.5 ", "10.1.0.0/16", "jenkins.internal", "fd00::/8", ""}})
	require.NoError(t, err)
}

// chain is a server on the loopback where /hops/n redirects to
// /hops/n-1 and /hops/0 answers "end": a request to /hops/n follows n
// redirects.
func chain(t *testing.T) (base string) {
	t.Helper()
	srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		var n int
		if _, err := fmt.Sscanf(r.URL.Path, "/hops/%d", &n); err != nil || n <= 0 {
			fmt.Fprint(w, "end")
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hops/%d", n-1), http.StatusFound)
	})
	return srv.URL
}

func TestDo_FollowsAtMostMaxRedirects(t *testing.T) {
	base := chain(t)
	for _, tc := range []struct {
		name         string
		maxRedirects int
		followed     int // the longest chain that is followed
	}{
		{"zero is the default", 0, DefaultMaxRedirects},
		{"three", 3, 3},
		{"one", 1, 1},
		{"negative follows none", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, Policy{Allow: []string{"127.0.0.1"}, MaxRedirects: tc.maxRedirects})
			body, err := get(t, c, fmt.Sprintf("%s/hops/%d", base, tc.followed))
			require.NoError(t, err)
			assert.Equal(t, "end", body)
			_, err = get(t, c, fmt.Sprintf("%s/hops/%d", base, tc.followed+1))
			require.ErrorIs(t, err, ErrRefused)
			assert.ErrorContains(t, err, "redirects")
		})
	}
}

func TestDo_ARedirectToAURLWithCredentialsIsRefused(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	var port string
	srv, port := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/login" {
			http.Redirect(w, r, "http://user:secret@127.0.0.1:"+port+"/inside", http.StatusFound)
			return
		}
		fmt.Fprint(w, "inside")
	})
	c := client(t, Policy{Allow: []string{"127.0.0.1"}})
	_, err := get(t, c, srv.URL+"/login")
	require.ErrorIs(t, err, ErrRefused)
	assert.ErrorContains(t, err, "user name or password")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"/login"}, paths, "the redirect's target is never asked")
}

func TestCheckURL_RefusesCredentialsAndOtherSchemes(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://example.com/a?b=c", true},
		{"http://example.com:8080/", true},
		{"https://user@example.com/", false},
		{"https://user:pw@example.com/", false},
		{"https://:pw@example.com/", false},
		{"https://@example.com/", false},
		{"javascript:alert(1)", false},
		{"data:text/html,hi", false},
		{"https:///path", false},
	} {
		u, err := url.Parse(tc.url)
		require.NoError(t, err, tc.url)
		if tc.ok {
			assert.NoError(t, CheckURL(u), tc.url)
		} else {
			assert.ErrorIs(t, CheckURL(u), ErrRefused, tc.url)
		}
	}
}

func TestMaxBytes_IsThePolicysLimitOrTheDefault(t *testing.T) {
	assert.Equal(t, int64(DefaultMaxBytes), client(t, Policy{}).MaxBytes())
	assert.Equal(t, int64(4096), client(t, Policy{MaxBytes: 4096}).MaxBytes())
}
