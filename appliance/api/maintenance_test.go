package api_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaintenance_OnlyAdminsGetThrough(t *testing.T) {
	e := newEnv(t)
	admin := e.browser("admin", "admin_pass")
	require.NoError(t, e.maint.Set(true))
	maintenance := `{"title": "Maintenance", "description": "makechat is down for maintenance; please try again in a few minutes."}`
	e.run(t, []scenario{
		{name: "a user's token", req: request{method: "GET", path: "/api/rooms", token: e.userToken}, status: 503,
			exact: maintenance, headers: map[string]string{"Retry-After": "60"}},
		{name: "anonymous", req: request{method: "GET", path: "/api/rooms"}, status: 503, exact: maintenance},
		{name: "a login, even an admin's", req: request{method: "POST", path: "/api/login", body: `{"username": "admin", "password": "admin_pass"}`}, status: 503, exact: maintenance},
		{name: "an admin's token", req: request{method: "GET", path: "/api/rooms", token: e.adminToken}, status: 200, exact: `[]`},
		{name: "an admin's existing session", req: request{method: "GET", path: "/api/ping", client: admin}, status: 200,
			exact: `{"username": "admin", "is_superuser": true, "have_rooms": false}`},
		// Past the gate, the stream's handshake refuses a plain GET.
		{name: "an admin's stream by ?token=", req: request{method: "GET", path: "/api/stream?token=" + e.adminToken}, status: 426, want: []string{`"title": "Upgrade Required"`}},
		{name: "a user's stream", req: request{method: "GET", path: "/api/stream?token=" + e.userToken}, status: 503, exact: maintenance},
		{name: "health says so", req: request{method: "GET", path: "/healthz"}, status: 200, exact: `{"maintenance": true, "status": "ok"}`},
	})
	require.NoError(t, e.maint.Set(false))
	r := e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	require.Equal(t, 200, r.status)
	assert.Equal(t, `{"status": "ok"}`, e.do(request{method: "GET", path: "/healthz"}).body)
}
