package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUsers_Scenarios(t *testing.T) {
	e := newEnv(t)
	// The rows read the ordinary user; a row that changes a user makes
	// its own.
	uid := e.user.ID.Hex()
	adminRequired := `{"title": "Permission Denied", "description": "Admin required."}`
	badEmail := `{"title": "Invalid parameter", "description": "The 'email' parameter must be a valid email address."}`
	e.run(t, []scenario{
		{name: "a user may not list users", req: request{method: "GET", path: "/api/users", token: e.userToken}, status: 403, exact: adminRequired},
		{name: "an admin lists users without hashes", req: request{method: "GET", path: "/api/users", token: e.adminToken}, status: 200,
			want: []string{`"username": "admin"`, `"username": "test_user"`}, notWant: []string{`"password"`, "$2a$"}},
		{name: "an admin creates a user", req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "bob", "email": "bob@example.com", "password": "bob_pass"}`},
			status: 201, want: []string{`"username": "bob"`, `"is_superuser": false`, `"is_disabled": false`}, notWant: []string{"bob_pass", `"password"`}},
		{name: "an admin creates an admin", req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "root2", "email": "root2@example.com", "password": "pw", "is_superuser": true}`},
			status: 201, want: []string{`"is_superuser": true`}},
		{name: "a user may not create users", req: request{method: "POST", path: "/api/users", token: e.userToken, body: `{"username": "eve", "email": "eve@example.com", "password": "x"}`}, status: 403, exact: adminRequired},
		{name: "a duplicate username, in another case", req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "TEST_USER", "email": "other@example.com", "password": "x"}`}, status: 409,
			exact: `{"title": "Conflict", "description": "The username 'TEST_USER' is already taken."}`},
		{name: "a duplicate email, in another case", req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "bobby", "email": "TEST@example.com", "password": "x"}`}, status: 409,
			exact: `{"title": "Conflict", "description": "The email address 'TEST@example.com' is already in use."}`},
		{name: "a 10,000-character username", req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "` + strings.Repeat("u", 10000) + `", "email": "u@example.com", "password": "x"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'username' parameter must be 1 to 120 letters, digits, '_' or '-'."}`},
		{name: "an email with a display name", req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "dn", "email": "Bob <dn@example.com>", "password": "x"}`}, status: 400, exact: badEmail},
		{name: "a missing password", req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "np", "email": "np@example.com"}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'password' parameter is required."}`},
		{name: "is_superuser as a string", req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "s", "email": "s@example.com", "password": "x", "is_superuser": "true"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'is_superuser' parameter must be true or false."}`},
		{name: "get one", req: request{method: "GET", path: "/api/users/" + uid, token: e.adminToken}, status: 200, want: []string{`"email": "test@example.com"`}},
		{name: "get a bogus id", req: request{method: "GET", path: "/api/users/12", token: e.adminToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such user."}`},
		{name: "patch an email", status: 200, want: []string{`"email": "new@example.com"`},
			setup: func(e *env) request {
				return request{method: "PATCH", path: "/api/users/" + e.newUser("carol"), token: e.adminToken, body: `{"email": "new@example.com"}`}
			}},
		{name: "patch an email to a taken one", req: request{method: "PATCH", path: "/api/users/" + uid, token: e.adminToken, body: `{"email": "admin@example.com"}`}, status: 409,
			exact: `{"title": "Conflict", "description": "The email address 'admin@example.com' is already in use."}`},
		{name: "patch a bad email", req: request{method: "PATCH", path: "/api/users/" + uid, token: e.adminToken, body: `{"email": "x"}`}, status: 400, exact: badEmail},
		{name: "a user may not patch users", req: request{method: "PATCH", path: "/api/users/" + uid, token: e.userToken, body: `{"is_superuser": true}`}, status: 403, exact: adminRequired},
		{name: "PUT is not allowed on users", req: request{method: "PUT", path: "/api/users/" + uid, token: e.adminToken, body: `{}`}, status: 405,
			headers: map[string]string{"Allow": "GET, PATCH, DELETE, OPTIONS"}},
	})
}

func TestUsers_TheListCountsEveryUser(t *testing.T) {
	e := newEnv(t)
	e.newUser("carol")
	r := e.do(request{method: "GET", path: "/api/users", token: e.adminToken})
	require.Equal(t, 200, r.status, r.body)
	assert.Equal(t, "3", r.header.Get("X-Total-Count"))
}

func TestUsers_PasswordChangeTakesEffect(t *testing.T) {
	e := newEnv(t)
	b := e.browser("test_user", "test_pass")
	r := e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"password": "new_pass"}`})
	require.Equal(t, 200, r.status)
	assert.Equal(t, 401, e.do(request{method: "GET", path: "/api/ping", client: b}).status, "old sessions end with a new password")
	assert.Equal(t, 401, e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`}).status)
	assert.Equal(t, 200, e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "new_pass"}`}).status)
}

func TestUsers_TheLastAdminCannotBeRemoved(t *testing.T) {
	e := newEnv(t)
	aid := e.admin.ID.Hex()
	lastAdmin := `{"title": "Conflict", "description": "This is the last active administrator; make another one first."}`
	e.run(t, []scenario{
		{name: "demote", req: request{method: "PATCH", path: "/api/users/" + aid, token: e.adminToken, body: `{"is_superuser": false}`}, status: 409, exact: lastAdmin},
		{name: "disable", req: request{method: "PATCH", path: "/api/users/" + aid, token: e.adminToken, body: `{"is_disabled": true}`}, status: 409, exact: lastAdmin},
		{name: "delete", req: request{method: "DELETE", path: "/api/users/" + aid, token: e.adminToken}, status: 409, exact: lastAdmin},
	})
	r := e.do(request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "second", "email": "second@example.com", "password": "x", "is_superuser": true}`})
	require.Equal(t, 201, r.status)
	assert.Equal(t, 204, e.do(request{method: "DELETE", path: "/api/users/" + aid, token: e.adminToken}).status, "with another admin it may go")
}

func TestUsers_DeleteTakesTokensSessionsAndMemberships(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "DELETE", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken})
	require.Equal(t, 204, r.status)
	assert.Equal(t, 401, e.do(request{method: "GET", path: "/api/ping", token: e.userToken}).status)
	assert.Equal(t, 404, e.do(request{method: "GET", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken}).status)
	assert.Equal(t, 404, e.do(request{method: "DELETE", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken}).status)
}

func TestHealthz_AnswersWithoutAuth(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "GET", path: "/healthz"})
	assert.Equal(t, 200, r.status)
	assert.Equal(t, `{"status": "ok"}`, r.body)
}

func TestUsers_TwoAdminsDemotingEachOtherLeaveOne(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": "second", "email": "second@example.com", "password": "x", "is_superuser": true}`})
	require.Equal(t, 201, r.status)
	second := oid(t, r)
	demote := func(id string) request {
		return request{method: "PATCH", path: "/api/users/" + id, token: e.adminToken, body: `{"is_superuser": false}`}
	}
	rs := e.sendAll(demote(second), demote(e.admin.ID.Hex()))
	a, b := rs[0].status, rs[1].status
	assert.False(t, a == 200 && b == 200, "both demotions passed")
	n, err := e.store.CountAdmins(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "one administrator remains")
}
