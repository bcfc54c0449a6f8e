package api_test

import (
	"strings"
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
	// What the rows read: the user is a member of open, and of nothing
	// else. A row that changes a membership makes its own.
	open := e.createRoom("open", "")
	closed := e.createRoom("closed", `, "is_open": false`)
	hidden := e.createRoom("hidden", `, "is_open": false, "is_visible": false`)
	uid := e.user.ID.Hex()
	memberID := e.join(open)
	noRoom := `{"title": "Not found", "description": "No such room."}`
	noMember := `{"title": "Not found", "description": "No such member."}`
	ownerRequired := `{"title": "Permission Denied", "description": "Room owner or admin required."}`
	closedRoom := `{"title": "Permission Denied", "description": "This room is closed: ask one of its owners for an invitation."}`
	notAnID := `{"title": "Invalid parameter", "description": "The 'room' parameter must be an ObjectId."}`

	e.run(t, []scenario{
		{name: "a user joins an open room as a member", status: 201, want: []string{`"role": "member"`, `"profile": {"$oid": "` + uid + `"}`},
			setup: func(e *env) request {
				return request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": {"$oid": "` + e.createRoom("joinable", "") + `"}}`}
			}},
		{name: "joining twice is a conflict", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + open + `"}`}, status: 409,
			exact: `{"title": "Conflict", "description": "That user is already a member of this room."}`},
		{name: "a closed room cannot be joined", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + closed + `"}`}, status: 403, exact: closedRoom},
		{name: "a hidden room is not found", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + hidden + `"}`}, status: 404, exact: noRoom},
		{name: "a joiner cannot pick its role", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + closed + `", "role": "owner"}`}, status: 403, exact: closedRoom},
		{name: "the room is required", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'room' parameter is required."}`},
		{name: "a room that is not an id", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "xyz"}`}, status: 400, exact: notAnID},
		{name: "a room as an operator", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": {"$ne": 1}}`}, status: 400, exact: notAnID},
		{name: "a non-owner cannot invite", req: request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + open + `", "user": "` + e.admin.ID.Hex() + `"}`}, status: 403, exact: ownerRequired},
		{name: "the owner invites into a closed room as guest", status: 201, want: []string{`"role": "guest"`, `"profile": {"$oid": "` + uid + `"}`},
			setup: func(e *env) request {
				room := e.createRoom("invitation only", `, "is_open": false`)
				return request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + room + `", "user": "` + uid + `", "role": "guest"}`}
			}},
		{name: "an unknown role", req: request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + hidden + `", "user": "` + uid + `", "role": "king"}`}, status: 400, want: []string{"'role'"}},
		{name: "an unknown user", req: request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + hidden + `", "user": "5706dac4d55cfe00010944ad"}`}, status: 400, want: []string{"'user'"}},
		{name: "members list with names", req: request{method: "GET", path: "/api/members?room=" + open, token: e.userToken}, status: 200,
			want: []string{`"username": "admin"`, `"username": "test_user"`, `"role": "owner"`}},
		{name: "a non-member cannot list a room's members", req: request{method: "GET", path: "/api/members?room=" + hidden, token: e.userToken}, status: 404, exact: noRoom},
		{name: "list without a room", req: request{method: "GET", path: "/api/members", token: e.userToken}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'room' parameter is required."}`},
		{name: "list with a bogus room", req: request{method: "GET", path: "/api/members?room=nope", token: e.userToken}, status: 400, exact: notAnID},
		{name: "a member cannot change its own role", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.userToken, body: `{"role": "owner"}`}, status: 403, exact: ownerRequired},
		{name: "the owner changes a role", status: 200, want: []string{`"role": "guest"`},
			setup: func(e *env) request {
				return request{method: "PATCH", path: "/api/members/" + e.join(e.createRoom("demotions", "")), token: e.adminToken, body: `{"role": "guest"}`}
			}},
		{name: "an empty patch", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.adminToken, body: `{}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'role' parameter is required."}`},
		{name: "a member moves its read marker", status: 200, want: []string{`"last_read": {"$oid": "5706dac4d55cfe00010944ad"}`},
			setup: func(e *env) request {
				return request{method: "PATCH", path: "/api/members/" + e.join(e.createRoom("read", "")), token: e.userToken, body: `{"last_read": "5706dac4d55cfe00010944ad"}`}
			}},
		{name: "nobody else moves it", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.adminToken, body: `{"last_read": "5706dac4d55cfe00010944ad"}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Only the member itself may move its read marker."}`},
		{name: "a member mutes its room", status: 200, want: []string{`"muted": true`},
			setup: func(e *env) request {
				return request{method: "PATCH", path: "/api/members/" + e.join(e.createRoom("noisy", "")), token: e.userToken, body: `{"muted": true}`}
			}},
		{name: "and sees it in its room list, and in the member list", status: 200, want: []string{`"name": "muted list"`, `"muted": true`},
			setup: func(e *env) request {
				room := e.createRoom("muted list", "")
				r := e.do(request{method: "PATCH", path: "/api/members/" + e.join(room), token: e.userToken, body: `{"muted": true}`})
				require.Equal(e.t, 200, r.status, r.body)
				r = e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.userToken})
				require.Equal(e.t, 1, strings.Count(r.body, `"muted": true`), r.body)
				return request{method: "GET", path: "/api/rooms", token: e.userToken}
			}},
		{name: "nobody else sees that it muted a room", status: 200, want: []string{`"username": "test_user"`}, notWant: []string{`"muted"`},
			setup: func(e *env) request {
				room := e.createRoom("private mute", "")
				r := e.do(request{method: "PATCH", path: "/api/members/" + e.join(room), token: e.userToken, body: `{"muted": true}`})
				require.Equal(e.t, 200, r.status, r.body)
				return request{method: "GET", path: "/api/members?room=" + room, token: e.adminToken}
			}},
		{name: "unmuting drops the field", status: 200, want: []string{`"role": "member"`}, notWant: []string{`"muted"`},
			setup: func(e *env) request {
				id := e.join(e.createRoom("unmuted", ""))
				r := e.do(request{method: "PATCH", path: "/api/members/" + id, token: e.userToken, body: `{"muted": true}`})
				require.Equal(e.t, 200, r.status, r.body)
				return request{method: "PATCH", path: "/api/members/" + id, token: e.userToken, body: `{"muted": false}`}
			}},
		{name: "nobody else mutes it", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.adminToken, body: `{"muted": true}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Only the member itself may mute or unmute a room."}`},
		{name: "muted must be true or false", req: request{method: "PATCH", path: "/api/members/" + memberID, token: e.userToken, body: `{"muted": "yes"}`}, status: 400,
			want: []string{"'muted'", "true or false"}},
		{name: "a member leaves", status: 200, want: []string{`"profile": {"$oid": "` + uid + `"}`},
			setup: func(e *env) request {
				return request{method: "DELETE", path: "/api/members/" + e.join(e.createRoom("left", "")), token: e.userToken}
			}},
		{name: "a member who left is gone", status: 404, exact: noMember,
			setup: func(e *env) request {
				id := e.join(e.createRoom("gone", ""))
				r := e.do(request{method: "DELETE", path: "/api/members/" + id, token: e.userToken})
				require.Equal(e.t, 200, r.status, r.body)
				return request{method: "DELETE", path: "/api/members/" + id, token: e.userToken}
			}},
		{name: "a bogus member id", req: request{method: "DELETE", path: "/api/members/zzz", token: e.userToken}, status: 404, exact: noMember},
	})
}

func TestMembers_ARoomsMemberListFollowsJoinsAndLeaves(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("lobby", "")
	members := func() []map[string]string {
		t.Helper()
		r := e.do(request{method: "GET", path: "/api/rooms/" + room, token: e.adminToken})
		require.Equal(t, 200, r.status, r.body)
		var v struct {
			Members []map[string]string `json:"members"`
		}
		r.json(t, &v)
		return v.Members
	}
	require.Len(t, members(), 1, "the owner")
	member := e.join(room)
	assert.Len(t, members(), 2, "the owner and the joiner")
	r := e.do(request{method: "DELETE", path: "/api/members/" + member, token: e.userToken})
	require.Equal(t, 200, r.status, r.body)
	assert.Len(t, members(), 1, "the joiner left")
}
