package cli_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// quick is a client that gives up rather than hang a test.
var quick = &http.Client{Timeout: 3 * time.Second}

// TestServe_StalledBodiesDoNotStopHealthOrLogin opens more stalled
// requests (headers and one byte of a promised body) than the server has
// file descriptors: without a cap and a body deadline, accept fails with
// "too many open files" and nothing answers again; with them, /healthz
// and a real login get through.
func TestServe_StalledBodiesDoNotStopHealthOrLogin(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "alice", "-p", "alice_pass", "-e", "alice@example.com").code)
	// The shell sets the soft and the hard limit, so Go cannot raise it.
	s.wrap = []string{"sh", "-c", `ulimit -n 512 && exec "$0" "$@"`}
	srv := s.serve()
	addr := strings.TrimPrefix(srv.url, "http://")

	const stalled = 1000
	conns := make([]net.Conn, 0, stalled)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range stalled {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		conns = append(conns, c)
		_, err = c.Write([]byte("POST /api/login HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"))
		require.NoError(t, err)
	}

	require.Eventually(t, func() bool {
		resp, err := quick.Get(srv.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 60*time.Second, 200*time.Millisecond, "/healthz answers while %d requests stall", stalled)
	require.Eventually(t, func() bool {
		resp, err := quick.Post(srv.url+"/api/login", "application/json", strings.NewReader(`{"username": "alice", "password": "alice_pass"}`))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 30*time.Second, 200*time.Millisecond, "a real login gets through")
}

// TestChangepass_RevokesTokensUnlessKept: a reset from the command line
// is a reset like the admin page's: the user's tokens stop working,
// unless --keep-tokens says otherwise.
func TestChangepass_RevokesTokensUnlessKept(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "bob", "-p", "bob_pass", "-e", "bob@example.com").code)
	srv := s.serve()
	token := srv.loginToken(t, "bob", "bob_pass")

	r := s.run("user", "changepass", "-u", "bob", "-p", "second_pass", "--keep-tokens")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "its API tokens still work")
	code, _ := srv.get(t, "/api/ping", token)
	require.Equal(t, 200, code)

	r = s.run("user", "changepass", "-u", "bob", "-p", "third_pass")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "its API tokens were revoked")
	code, _ = srv.get(t, "/api/ping", token)
	require.Equal(t, 401, code)
}
