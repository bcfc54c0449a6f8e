package appliance

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
)

func TestMetricsAreForAdministratorsAndCountRequests(t *testing.T) {
	a, err := New(testConfig(t), zerolog.New(io.Discard), "test")
	require.NoError(t, err)
	defer a.store.Close()
	ctx := context.Background()
	admin, err := a.chat.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "admin", Email: "a@example.com", Password: "admin_pass", IsSuperuser: true})
	require.NoError(t, err)
	bob, err := a.chat.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "bob", Email: "b@example.com", Password: "bob_pass"})
	require.NoError(t, err)
	_, adminToken, err := a.chat.CreateToken(ctx, chat.Actor{User: admin}, "prometheus")
	require.NoError(t, err)
	_, bobToken, err := a.chat.CreateToken(ctx, chat.Actor{User: bob}, "bot")
	require.NoError(t, err)
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	get := func(path, token string) (int, string, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	for range 3 {
		code, _, _ := get("/api/rooms", bobToken)
		require.Equal(t, 200, code)
	}
	get("/api/rooms/not-an-id", bobToken)
	get("/no/such/page/"+strings.Repeat("x", 50), "")

	code, _, body := get("/metrics", "")
	assert.Equal(t, 401, code)
	assert.Contains(t, body, `"title"`)
	code, _, body = get("/metrics", bobToken)
	assert.Equal(t, 403, code)
	assert.Contains(t, body, "Admin required.")

	code, ctype, body := get("/metrics", adminToken)
	require.Equal(t, 200, code)
	assert.Contains(t, ctype, "text/plain")
	for _, want := range []string{
		`makechat_http_requests_total{code="200",method="GET",route="/api/rooms"} 3`,
		`makechat_http_requests_total{code="401",method="GET",route="/metrics"} 1`,
		`route="/api/rooms/{id}"`,
		`makechat_store_operation_duration_seconds_count{op="get token by hash"}`,
		`makechat_streams_open 0`,
		`makechat_backup_age_seconds`,
	} {
		assert.True(t, strings.Contains(body, want), "the scrape lacks %s", want)
	}
	assert.False(t, strings.Contains(body, "not-an-id"), "raw paths must not become labels")
	assert.False(t, strings.Contains(body, "xxxxx"), "raw paths must not become labels")
}
