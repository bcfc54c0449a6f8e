package api_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oid extracts the id of an object in a JSON answer.
func oid(t testing.TB, r response) string {
	t.Helper()
	var v struct {
		ID map[string]string `json:"_id"`
	}
	r.json(t, &v)
	require.Len(t, v.ID["$oid"], 24, r.body)
	return v.ID["$oid"]
}

func TestMembers_Scenarios(t *testing.T) {
	e := newEnv(t)
	open := e.createRoom("open", "")
	closed := e.createRoom("closed", `, "is_open": false`)
	hidden := e.createRoom("hidden", `, "is_open": false, "is_visible": false`)
	uid := e.user.ID.Hex()

	join := e.do(request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": {"$oid": "` + open + `"}}`})
	require.Equal(t, 201, join.status, join.body)
	assert.Contains(t, join.body, `"role": "member"`)
	memberID := oid(t, join)

	e.run(t, []scenario{
		{name: "joining twice is a conflict", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + open + `"}`}, status: 409},
		{name: "a closed room cannot be joined", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + closed + `"}`}, status: 403},
		{name: "a hidden room is not found", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + hidden + `"}`}, status: 404},
		{name: "a joiner cannot pick its role", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + closed + `", "role": "owner"}`}, status: 403},
		{name: "the room is required", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'room' parameter is required."}`},
		{name: "a room that is not an id", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "xyz"}`}, status: 400, want: []string{"'room'"}},
		{name: "a room as an operator", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": {"$ne": 1}}`}, status: 400},
		{name: "a non-owner cannot invite", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + open + `", "user": "` + e.admin.ID.Hex() + `"}`}, status: 403},
		{name: "the owner invites into a closed room as guest", req: request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + closed + `", "user": "` + uid + `", "role": "guest"}`},
			status: 201, want: []string{`"role": "guest"`}},
		{name: "an unknown role", req: request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + hidden + `", "user": "` + uid + `", "role": "king"}`}, status: 400, want: []string{"'role'"}},
		{name: "an unknown user", req: request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + hidden + `", "user": "5706dac4d55cfe00010944ad"}`}, status: 400, want: []string{"'user'"}},
		{name: "members list with names", req: request{method: "GET", path: "/api/members?room=" + open, token: e.userToken}, status: 200,
			want: []string{`"username": "admin"`, `"username": "test_user"`, `"role": "owner"`}},
		{name: "a non-member cannot list a room's members", req: request{method: "GET", path: "/api/members?room=" + hidden, token: e.userToken}, status: 404},
		{name: "list without a room", req: request{method: "GET", path: "/api/members", token: e.userToken}, status: 400},
		{name: "list with a bogus room", req: request{method: "GET", path: "/api/members?room=nope", token: e.userToken}, status: 400},
		{name: "a member cannot change its own role", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.userToken, body: `{"role": "owner"}`}, status: 403},
		{name: "the owner changes a role", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.adminToken, body: `{"role": "guest"}`}, status: 200, want: []string{`"role": "guest"`}},
		{name: "an empty patch", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.adminToken, body: `{}`}, status: 400},
		{name: "a member moves its read marker", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.userToken, body: `{"last_read": "5706dac4d55cfe00010944ad"}`}, status: 200, want: []string{`"last_read": {"$oid": "5706dac4d55cfe00010944ad"}`}},
		{name: "nobody else moves it", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.adminToken, body: `{"last_read": "5706dac4d55cfe00010944ad"}`}, status: 403},
		{name: "a member leaves", req: request{method: "DELETE", path: "/api/members/" + memberID, token: e.userToken}, status: 200, want: []string{`"profile": {"$oid": "` + uid + `"}`}},
		{name: "and is gone", req: request{method: "DELETE", path: "/api/members/" + memberID, token: e.userToken}, status: 404},
		{name: "a bogus member id", req: request{method: "DELETE", path: "/api/members/zzz", token: e.userToken}, status: 404},
	})
	r := e.do(request{method: "GET", path: "/api/rooms/" + open, token: e.adminToken})
	var room struct {
		Members []map[string]string `json:"members"`
	}
	r.json(t, &room)
	assert.Len(t, room.Members, 1, "the room's members list follows joins and leaves: %s", r.body)
}
