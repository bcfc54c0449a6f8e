package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRooms_Scenarios(t *testing.T) {
	e := newEnv(t)
	// What the rows read; a row that changes a room makes its own.
	open := e.createRoom("open room", "")
	hidden := e.createRoom("secret", `, "is_visible": false, "is_open": false`)
	missing := "5706dac4d55cfe00010944ad"
	notFound := `{"title": "Not found", "description": "No such room."}`
	ownerRequired := `{"title": "Permission Denied", "description": "Room owner or admin required."}`
	nameRequired := `{"title": "Missing parameter", "description": "The 'name' parameter is required."}`
	e.run(t, []scenario{
		{name: "an admin creates a room and owns it", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "test_room"}`},
			status: 201, want: []string{`"name": "test_room"`, `"is_open": true`, `"is_visible": true`, `"members": [{"$oid": "`, `"created": {"$date": "`}},
		{name: "names are unique without regard to case", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "OPEN ROOM"}`},
			status: 409, want: []string{`"title": "Conflict"`}},
		{name: "an empty name is missing", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": ""}`},
			status: 400, exact: nameRequired},
		{name: "a blank name is missing", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "   "}`},
			status: 400, exact: nameRequired},
		{name: "a 121-character name is invalid", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "` + strings.Repeat("x", 121) + `"}`},
			status: 400, want: []string{"'name'", "120"}},
		{name: "a name with control characters is invalid", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "a\u0000b"}`},
			status: 400, want: []string{"'name'"}},
		{name: "an operator object as the name", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": {"$ne": 1}}`},
			status: 400, want: []string{"must be a string"}},
		{name: "a string as a flag", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "flags", "is_open": "yes"}`},
			status: 400, want: []string{"'is_open'", "true or false"}},
		{name: "120 emoji are fine", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "` + strings.Repeat("😀", 120) + `"}`},
			status: 201, want: []string{`"name": "` + strings.Repeat("😀", 120) + `"`}},
		{name: "right-to-left names are kept", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "غرفة"}`},
			status: 201, want: []string{`"name": "غرفة"`}},
		{name: "a room without a topic has no topic field", req: request{method: "GET", path: "/api/rooms/" + open, token: e.userToken},
			status: 200, want: []string{`"name": "open room"`}, notWant: []string{`"topic"`}},
		{name: "a room made with a topic, trimmed", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "with topic", "topic": "  Release planning — Fridays 🚀 "}`},
			status: 201, want: []string{`"topic": "Release planning — Fridays 🚀"`}},
		{name: "a topic of 250 characters", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "long topic", "topic": "` + strings.Repeat("é", 250) + `"}`},
			status: 201, want: []string{`"topic": "` + strings.Repeat("é", 250) + `"`}},
		{name: "a topic of 251 characters", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "too long topic", "topic": "` + strings.Repeat("é", 251) + `"}`},
			status: 400, exact: `{"title": "Invalid parameter", "description": "The 'topic' parameter must be at most 250 characters long."}`},
		{name: "a topic on two lines", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "two lines", "topic": "one\ntwo"}`},
			status: 400, exact: `{"title": "Invalid parameter", "description": "The 'topic' parameter must be printable text on one line."}`},
		{name: "a topic that is not a string", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "odd topic", "topic": ["x"]}`},
			status: 400, exact: `{"title": "Invalid parameter", "description": "The 'topic' parameter must be a string."}`},
		{name: "the owner sets the topic with PATCH, keeping the rest", status: 200, want: []string{`"name": "topical"`, `"is_open": false`, `"topic": "Ship it"`},
			setup: func(e *env) request {
				id := e.createRoom("topical", `, "is_open": false`)
				return request{method: "PATCH", path: "/api/rooms/" + id, token: e.adminToken, body: `{"topic": "Ship it"}`}
			}},
		{name: "an empty topic clears it", status: 200, want: []string{`"name": "cleared"`}, notWant: []string{`"topic"`},
			setup: func(e *env) request {
				id := e.createRoom("cleared", `, "topic": "old"`)
				return request{method: "PATCH", path: "/api/rooms/" + id, token: e.adminToken, body: `{"topic": ""}`}
			}},
		{name: "PUT replaces: a topic left out is cleared", status: 200, want: []string{`"name": "put topic"`}, notWant: []string{`"topic"`},
			setup: func(e *env) request {
				id := e.createRoom("put topic", `, "topic": "old"`)
				return request{method: "PUT", path: "/api/rooms/" + id, token: e.adminToken, body: `{"name": "put topic"}`}
			}},
		{name: "a member may not set the topic", req: request{method: "PATCH", path: "/api/rooms/" + open, token: e.userToken, body: `{"topic": "mine"}`},
			status: 403, exact: ownerRequired},
		{name: "a user sees visible rooms only", req: request{method: "GET", path: "/api/rooms", token: e.userToken},
			status: 200, want: []string{`"open room"`}, notWant: []string{`"secret"`, `"is_visible": false`}},
		{name: "a user gets a visible room", req: request{method: "GET", path: "/api/rooms/" + open, token: e.userToken},
			status: 200, want: []string{`"name": "open room"`}},
		{name: "a user does not see a hidden room", req: request{method: "GET", path: "/api/rooms/" + hidden, token: e.userToken}, status: 404, exact: notFound},
		{name: "an admin sees a hidden room", req: request{method: "GET", path: "/api/rooms/" + hidden, token: e.adminToken}, status: 200, want: []string{`"is_visible": false`}},
		{name: "a missing room", req: request{method: "GET", path: "/api/rooms/" + missing, token: e.adminToken}, status: 404, exact: notFound},
		{name: "an id that is not an ObjectId", req: request{method: "GET", path: "/api/rooms/not-an-id", token: e.adminToken}, status: 404, exact: notFound},
		{name: "a user may not rename a room it does not own", req: request{method: "PATCH", path: "/api/rooms/" + open, token: e.userToken, body: `{"name": "mine"}`},
			status: 403, exact: ownerRequired},
		{name: "a user may not delete a room it does not own", req: request{method: "DELETE", path: "/api/rooms/" + open, token: e.userToken}, status: 403, exact: ownerRequired},
		{name: "the owner renames with PATCH", status: 200, want: []string{`"name": "renamed"`, `"is_open": true`},
			setup: func(e *env) request {
				return request{method: "PATCH", path: "/api/rooms/" + e.createRoom("to rename", ""), token: e.adminToken, body: `{"name": "renamed"}`}
			}},
		{name: "PUT without the name is refused: it replaces", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.adminToken, body: `{"is_open": false}`},
			status: 400, exact: nameRequired},
		{name: "PUT with {} is refused", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.adminToken, body: `{}`},
			status: 400, exact: nameRequired},
		{name: "PUT without a body is refused", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.adminToken, headers: map[string]string{"Content-Type": "application/json"}},
			status: 400, exact: nameRequired},
		{name: "PUT by a non-owner is forbidden first", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.userToken, body: `{}`}, status: 403, exact: ownerRequired},
		{name: "PUT replaces: a flag left out takes its default", status: 200, want: []string{`"name": "put hidden"`, `"is_open": true`, `"is_visible": false`},
			setup: func(e *env) request {
				id := e.createRoom("put hidden", `, "is_open": false`)
				return request{method: "PUT", path: "/api/rooms/" + id, token: e.adminToken, body: `{"name": "put hidden", "is_visible": false}`}
			}},
		{name: "PUT replaces: the other flag left out takes its default", status: 200, want: []string{`"name": "put closed"`, `"is_open": false`, `"is_visible": true`},
			setup: func(e *env) request {
				id := e.createRoom("put closed", `, "is_visible": false`)
				return request{method: "PUT", path: "/api/rooms/" + id, token: e.adminToken, body: `{"name": "put closed", "is_open": false}`}
			}},
		{name: "renaming to a taken name", req: request{method: "PATCH", path: "/api/rooms/" + open, token: e.adminToken, body: `{"name": "Secret"}`},
			status: 409, exact: `{"title": "Conflict", "description": "A room named 'Secret' already exists."}`},
		{name: "renaming to empty", req: request{method: "PATCH", path: "/api/rooms/" + open, token: e.adminToken, body: `{"name": ""}`},
			status: 400, exact: nameRequired},
		{name: "PATCH on a missing room", req: request{method: "PATCH", path: "/api/rooms/" + missing, token: e.adminToken, body: `{"name": "x"}`}, status: 404, exact: notFound},
		{name: "POST on a room is not allowed", req: request{method: "POST", path: "/api/rooms/" + open, token: e.adminToken, body: `{}`},
			status: 405, headers: map[string]string{"Allow": "GET, PUT, PATCH, DELETE, OPTIONS"}},
		{name: "the owner deletes a room", status: 204,
			setup: func(e *env) request {
				return request{method: "DELETE", path: "/api/rooms/" + e.createRoom("to delete", ""), token: e.adminToken}
			}},
		{name: "a deleted room is gone", status: 404, exact: notFound,
			setup: func(e *env) request {
				id := e.deletedRoom("gone")
				return request{method: "GET", path: "/api/rooms/" + id, token: e.adminToken}
			}},
		{name: "a deleted room's name is free again", status: 201, want: []string{`"name": "reused"`},
			setup: func(e *env) request {
				e.deletedRoom("reused")
				return request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "reused"}`}
			}},
	})
}

// deletedRoom makes a room as the admin, deletes it and returns its id.
func (e *env) deletedRoom(name string) string {
	e.t.Helper()
	id := e.createRoom(name, "")
	r := e.do(request{method: "DELETE", path: "/api/rooms/" + id, token: e.adminToken})
	require.Equal(e.t, http.StatusNoContent, r.status, r.body)
	return id
}

func TestRooms_ListIsPaged(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 30; i++ {
		e.createRoom(fmt.Sprintf("room%02d", i), "")
	}
	r := e.do(request{method: "GET", path: "/api/rooms", token: e.adminToken})
	require.Equal(t, 200, r.status)
	var rooms []map[string]any
	r.json(t, &rooms)
	assert.Len(t, rooms, 25, "default limit")
	assert.Equal(t, "30", r.header.Get("X-Total-Count"))
	assert.Contains(t, r.header.Get("Link"), `rel="next"`)
	assert.Contains(t, r.header.Get("Link"), "offset=25")

	r = e.do(request{method: "GET", path: "/api/rooms?limit=10&offset=25", token: e.adminToken})
	r.json(t, &rooms)
	assert.Len(t, rooms, 5)
	assert.Equal(t, "room25", rooms[0]["name"])
	assert.Contains(t, r.header.Get("Link"), `rel="prev"`)

	badLimit := `{"title": "Invalid parameter", "description": "The 'limit' parameter must be a whole number from 1 to 100."}`
	e.run(t, []scenario{
		{name: "limit 0", req: request{method: "GET", path: "/api/rooms?limit=0", token: e.adminToken}, status: 400, want: []string{"'limit'"}},
		{name: "negative limit", req: request{method: "GET", path: "/api/rooms?limit=-5", token: e.adminToken}, status: 400, exact: badLimit},
		{name: "huge limit", req: request{method: "GET", path: "/api/rooms?limit=99999999999999999999", token: e.adminToken}, status: 400, exact: badLimit},
		{name: "text limit", req: request{method: "GET", path: "/api/rooms?limit=ten", token: e.adminToken}, status: 400, exact: badLimit},
		{name: "negative offset", req: request{method: "GET", path: "/api/rooms?offset=-1", token: e.adminToken}, status: 400, want: []string{"'offset'"}},
		{name: "offset past the end", req: request{method: "GET", path: "/api/rooms?offset=1000", token: e.adminToken}, status: 200, exact: "[]"},
	})
}

func TestRooms_RaceForOneNameHasOneWinner(t *testing.T) {
	e := newEnv(t)
	reqs := make([]request, 20)
	for i := range reqs {
		reqs[i] = request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "contested"}`}
	}
	created := 0
	for _, r := range e.sendAll(reqs...) {
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, r.status, r.body)
		if r.status == http.StatusCreated {
			created++
		}
	}
	assert.Equal(t, 1, created)
}

func TestRooms_BadInputLeavesStoredRoomsIntact(t *testing.T) {
	e := newEnv(t)
	id := e.createRoom("keep", "")
	before := e.do(request{method: "GET", path: "/api/rooms/" + id, token: e.adminToken}).body
	for _, body := range []string{
		`{"name": {"$ne": 1}}`, `{"name": "` + strings.Repeat("z", 10000) + `"}`, "{\"name\": \"\xff\"}",
		`{"is_open": "false"}`, `{"name": null, "is_visible": 1}`, `[1, 2]`, `{`, strings.Repeat(" ", 300<<10),
	} {
		r := e.do(request{method: "PATCH", path: "/api/rooms/" + id, token: e.adminToken, body: body})
		require.Contains(t, []int{400, 413}, r.status, "body %.40q: %s", body, r.body)
	}
	after := e.do(request{method: "GET", path: "/api/rooms/" + id, token: e.adminToken}).body
	assert.Equal(t, before, after)
}
