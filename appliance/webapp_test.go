package appliance

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/maintenance"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandler_ServesTheWebAppBesideTheAPI(t *testing.T) {
	cfg := testConfig(t)
	cfg.WebCustomDir = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(cfg.WebCustomDir, "robots.txt"), []byte("User-agent: *\nDisallow: /\n"), 0o644))
	a, err := New(cfg, zerolog.New(io.Discard), "test")
	require.NoError(t, err)
	defer a.store.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	fetch := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, string(b)
	}

	for _, p := range []string{"/", "/login", "/register", "/makechat/admin"} {
		resp, body := fetch(p)
		require.Equal(t, 200, resp.StatusCode, p)
		assert.Contains(t, body, "<!doctype html>", p)
		csp := resp.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self'", p)
		assert.Contains(t, csp, "connect-src 'self'", p)
		assert.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"), "the site's security headers apply to pages")
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"))
		assert.NotEmpty(t, resp.Header.Get("X-Request-Id"))
	}
	// The service worker is served from the root, so that its scope is
	// the whole site, as JavaScript, revalidated (browsers check it for
	// updates), under the pages' policy.
	resp, body := fetch("/sw.js")
	require.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "text/javascript; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	assert.Contains(t, resp.Header.Get("Content-Security-Policy"), "script-src 'self'")
	assert.Contains(t, body, "addEventListener('push'")
	resp, body = fetch("/robots.txt")
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, body, "Disallow: /", "web_custom_dir is served")
	resp, _ = fetch("/no/such/page")
	assert.Equal(t, 404, resp.StatusCode)
	resp, _ = fetch("/assets/../../../etc/passwd")
	assert.NotEqual(t, 200, resp.StatusCode)

	resp, body = fetch("/api/nope")
	assert.Equal(t, 404, resp.StatusCode)
	assert.Contains(t, body, `"title": "Not found"`, "the API keeps its own answers")
	resp, _ = fetch("/healthz")
	assert.Equal(t, 200, resp.StatusCode)

	// Maintenance switched through the API persists in data_dir, like
	// the CLI's, and puts the maintenance page in front of every page.
	ctx := context.Background()
	admin, err := a.chat.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "root", Email: "root@example.com", Password: "pw", IsSuperuser: true})
	require.NoError(t, err)
	_, token, err := a.chat.CreateToken(ctx, chat.Actor{User: admin}, "t")
	require.NoError(t, err)
	setMaintenance := func(on string) {
		req, err := http.NewRequest("PUT", srv.URL+"/api/maintenance", strings.NewReader(`{"maintenance": `+on+`}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
	}
	// A session from before maintenance (logins are refused during it).
	login, err := http.Post(srv.URL+"/api/login", "application/json", strings.NewReader(`{"username": "root", "password": "pw"}`))
	require.NoError(t, err)
	login.Body.Close()
	require.Equal(t, 200, login.StatusCode)
	setMaintenance("true")
	assert.True(t, maintenance.Open(cfg.DataDir).On(), "the data_dir file is written")
	for _, p := range []string{"/", "/login", "/makechat/admin", "/assets/x/app.css"} {
		resp, body := fetch(p)
		assert.Equal(t, 503, resp.StatusCode, p)
		assert.Contains(t, body, "Back in a few minutes", p)
	}
	// An administrator's session still gets the pages, to switch it off
	// from the admin.
	for _, p := range []string{"/makechat/admin", "/"} {
		req, _ := http.NewRequest("GET", srv.URL+p, nil)
		for _, c := range login.Cookies() {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, "an administrator gets %s during maintenance", p)
	}
	setMaintenance("false")
	assert.False(t, maintenance.Open(cfg.DataDir).On(), "and removed")
	resp, _ = fetch("/")
	assert.Equal(t, 200, resp.StatusCode)
}
