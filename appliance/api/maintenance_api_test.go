package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makechat/makechat/appliance/maintenance"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaintenanceAPI_Errors(t *testing.T) {
	e := newEnv(t)
	user := e.browser("test_user", "test_pass")
	admin := e.browser("admin", "admin_pass")
	unauthenticated := `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`
	adminRequired := `{"title": "Permission Denied", "description": "Admin required."}`
	e.run(t, []scenario{
		{name: "anonymous GET", req: request{method: "GET", path: "/api/maintenance"}, status: 401, exact: unauthenticated},
		{name: "anonymous PUT", req: request{method: "PUT", path: "/api/maintenance", body: `{"maintenance": true}`}, status: 401, exact: unauthenticated},
		{name: "a user's GET", req: request{method: "GET", path: "/api/maintenance", token: e.userToken}, status: 403, exact: adminRequired},
		{name: "a user's PUT", req: request{method: "PUT", path: "/api/maintenance", token: e.userToken, body: `{"maintenance": true}`}, status: 403, exact: adminRequired},
		{name: "a user's session PUT", req: request{method: "PUT", path: "/api/maintenance", client: user, headers: e.origin(), body: `{"maintenance": true}`}, status: 403, exact: adminRequired},
		{name: "missing field", req: request{method: "PUT", path: "/api/maintenance", token: e.adminToken, body: `{}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'maintenance' parameter is required."}`},
		{name: "null field", req: request{method: "PUT", path: "/api/maintenance", token: e.adminToken, body: `{"maintenance": null}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'maintenance' parameter is required."}`},
		{name: "wrong type", req: request{method: "PUT", path: "/api/maintenance", token: e.adminToken, body: `{"maintenance": "on"}`}, status: 400,
			want: []string{`"title": "Invalid parameter"`, `'maintenance'`}},
		{name: "malformed JSON", req: request{method: "PUT", path: "/api/maintenance", token: e.adminToken, body: `{"maintenance": tru`}, status: 400,
			want: []string{`"title": "Malformed JSON"`}},
		{name: "not an object", req: request{method: "PUT", path: "/api/maintenance", token: e.adminToken, body: `[true]`}, status: 400,
			exact: `{"title": "Malformed JSON", "description": "The request body must be a JSON object."}`},
		{name: "too large", req: request{method: "PUT", path: "/api/maintenance", token: e.adminToken, body: `{"x": "` + strings.Repeat("a", 300<<10) + `"}`}, status: 413,
			exact: `{"title": "Request body too large", "description": "The request body must not be larger than 256 KiB."}`},
		{name: "not JSON", req: request{method: "PUT", path: "/api/maintenance", token: e.adminToken, body: `maintenance=1`, headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 406,
			want: []string{`"title": "Media type not acceptable"`}},
		{name: "POST is not a method of the route", req: request{method: "POST", path: "/api/maintenance", token: e.adminToken, body: `{"maintenance": true}`}, status: 405,
			headers: map[string]string{"Allow": "GET, PUT, OPTIONS"}},
		{name: "DELETE neither", req: request{method: "DELETE", path: "/api/maintenance", token: e.adminToken}, status: 405},
		{name: "a cross-origin cookie write", req: request{method: "PUT", path: "/api/maintenance", client: admin, headers: map[string]string{"Origin": "https://evil.example"}, body: `{"maintenance": true}`}, status: 403,
			want: []string{`"title": "Permission Denied"`, "Origin"}},
	})
	assert.False(t, e.maint.On(), "no refused request switched the mode")
}

func TestMaintenanceAPI_AdminSwitchesAndItPersists(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(o *envConfig) { o.maintDir = dir })
	admin := e.browser("admin", "admin_pass")

	r := e.do(request{method: "GET", path: "/api/maintenance", token: e.adminToken})
	require.Equal(t, 200, r.status, r.body)
	assert.Equal(t, `{"maintenance": false}`, r.body)

	r = e.do(request{method: "PUT", path: "/api/maintenance", client: admin, headers: e.origin(), body: `{"maintenance": true}`})
	require.Equal(t, 200, r.status, r.body)
	assert.Equal(t, `{"maintenance": true}`, r.body)
	assert.True(t, maintenance.Open(dir).On(), "the switch's file is written: a restart finds it on")
	assert.Equal(t, 503, e.do(request{method: "GET", path: "/api/rooms", token: e.userToken}).status, "users are now held off")

	// The admin's session still passes the gate, so it can switch back.
	r = e.do(request{method: "GET", path: "/api/maintenance", client: admin})
	assert.Equal(t, `{"maintenance": true}`, r.body)
	r = e.do(request{method: "PUT", path: "/api/maintenance", client: admin, headers: e.origin(), body: `{"maintenance": false}`})
	require.Equal(t, 200, r.status, r.body)
	assert.Equal(t, `{"maintenance": false}`, r.body)
	assert.False(t, maintenance.Open(dir).On(), "and removed")
	assert.Equal(t, 200, e.do(request{method: "GET", path: "/api/rooms", token: e.userToken}).status)
}

func TestMaintenanceAPI_AFailedWriteIsA500AndChangesNothing(t *testing.T) {
	// The switch's directory is a file: the switch cannot be written, as
	// on a full or read-only disk.
	blocker := filepath.Join(t.TempDir(), "not-a-dir")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	e := newEnv(t, func(o *envConfig) { o.maintDir = blocker })
	r := e.do(request{method: "PUT", path: "/api/maintenance", token: e.adminToken, body: `{"maintenance": true}`})
	assert.Equal(t, 500, r.status)
	assert.NotContains(t, r.body, "not-a-dir", "details stay in the log")
	assert.False(t, e.maint.On())
}

func TestDirects_ListsTheCallersPartners(t *testing.T) {
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "anonymous", req: request{method: "GET", path: "/api/directs"}, status: 401,
			exact: `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`},
		{name: "none yet", req: request{method: "GET", path: "/api/directs", token: e.userToken}, status: 200, exact: `[]`},
		{name: "POST is refused", req: request{method: "POST", path: "/api/directs", token: e.userToken, body: `{}`}, status: 405,
			headers: map[string]string{"Allow": "GET, OPTIONS"}},
	})
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "` + e.admin.ID.Hex() + `", "text": "hi"}`})
	require.Equal(t, 201, r.status, r.body)
	assert.Equal(t, `[{"user": {"$oid": "`+e.admin.ID.Hex()+`"}, "username": "admin", "last_read": null, "unread": 0, "mentions": 0}]`,
		e.do(request{method: "GET", path: "/api/directs", token: e.userToken}).body)
	assert.Equal(t, `[{"user": {"$oid": "`+e.user.ID.Hex()+`"}, "username": "test_user", "last_read": null, "unread": 1, "mentions": 0}]`,
		e.do(request{method: "GET", path: "/api/directs", token: e.adminToken}).body)
}
