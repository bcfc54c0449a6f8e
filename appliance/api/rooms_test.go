package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRooms_Scenarios(t *testing.T) {
	e := newEnv(t)
	open := e.createRoom("open room", "")
	hidden := e.createRoom("secret", `, "is_visible": false, "is_open": false`)
	missing := "5706dac4d55cfe00010944ad"
	e.run(t, []scenario{
		{name: "an admin creates a room and owns it", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "test_room"}`},
			status: 201, want: []string{`"name": "test_room"`, `"is_open": true`, `"is_visible": true`, `"members": [{"$oid": "`, `"created": {"$date": "`}},
		{name: "names are unique without regard to case", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "TEST_ROOM"}`},
			status: 409, want: []string{`"title": "Conflict"`}},
		{name: "an empty name is missing", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": ""}`},
			status: 400, want: []string{"Missing parameter"}},
		{name: "a blank name is missing", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "   "}`},
			status: 400, want: []string{"Missing parameter"}},
		{name: "a 121-character name is invalid", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "` + strings.Repeat("x", 121) + `"}`},
			status: 400, want: []string{"'name'", "120"}},
		{name: "a name with control characters is invalid", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "a\u0000b"}`},
			status: 400, want: []string{"'name'"}},
		{name: "an operator object as the name", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": {"$ne": 1}}`},
			status: 400, want: []string{"must be a string"}},
		{name: "a string as a flag", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "flags", "is_open": "yes"}`},
			status: 400, want: []string{"'is_open'", "true or false"}},
		{name: "120 emoji are fine", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "` + strings.Repeat("😀", 120) + `"}`},
			status: 201},
		{name: "right-to-left names are kept", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "غرفة"}`},
			status: 201, want: []string{`"name": "غرفة"`}},
		{name: "a user sees visible rooms only", req: request{method: "GET", path: "/api/rooms", token: e.userToken},
			status: 200, want: []string{`"open room"`}},
		{name: "a user gets a visible room", req: request{method: "GET", path: "/api/rooms/" + open, token: e.userToken}, status: 200},
		{name: "a user does not see a hidden room", req: request{method: "GET", path: "/api/rooms/" + hidden, token: e.userToken}, status: 404},
		{name: "an admin sees a hidden room", req: request{method: "GET", path: "/api/rooms/" + hidden, token: e.adminToken}, status: 200, want: []string{`"is_visible": false`}},
		{name: "a missing room", req: request{method: "GET", path: "/api/rooms/" + missing, token: e.adminToken}, status: 404},
		{name: "an id that is not an ObjectId", req: request{method: "GET", path: "/api/rooms/not-an-id", token: e.adminToken}, status: 404},
		{name: "a user may not rename a room it does not own", req: request{method: "PATCH", path: "/api/rooms/" + open, token: e.userToken, body: `{"name": "mine"}`},
			status: 403, want: []string{"Permission Denied"}},
		{name: "a user may not delete a room it does not own", req: request{method: "DELETE", path: "/api/rooms/" + open, token: e.userToken}, status: 403},
		{name: "the owner renames with PATCH", req: request{method: "PATCH", path: "/api/rooms/" + open, token: e.adminToken, body: `{"name": "renamed"}`},
			status: 200, want: []string{`"name": "renamed"`, `"is_open": true`}},
		{name: "PUT without the name is refused: it replaces", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.adminToken, body: `{"is_open": false}`},
			status: 400, exact: `{"title": "Missing parameter", "description": "The 'name' parameter is required."}`},
		{name: "PUT with {} is refused", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.adminToken, body: `{}`},
			status: 400, exact: `{"title": "Missing parameter", "description": "The 'name' parameter is required."}`},
		{name: "PUT without a body is refused", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.adminToken, headers: map[string]string{"Content-Type": "application/json"}},
			status: 400, exact: `{"title": "Missing parameter", "description": "The 'name' parameter is required."}`},
		{name: "PUT by a non-owner is forbidden first", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.userToken, body: `{}`}, status: 403},
		{name: "PUT replaces: a flag left out takes its default", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.adminToken, body: `{"name": "renamed", "is_visible": false}`},
			status: 200, want: []string{`"name": "renamed"`, `"is_open": true`, `"is_visible": false`}},
		{name: "PUT again, the other flag", req: request{method: "PUT", path: "/api/rooms/" + open, token: e.adminToken, body: `{"name": "renamed", "is_open": false}`},
			status: 200, want: []string{`"name": "renamed"`, `"is_open": false`, `"is_visible": true`}},
		{name: "renaming to a taken name", req: request{method: "PATCH", path: "/api/rooms/" + open, token: e.adminToken, body: `{"name": "Secret"}`},
			status: 409},
		{name: "renaming to empty", req: request{method: "PATCH", path: "/api/rooms/" + open, token: e.adminToken, body: `{"name": ""}`},
			status: 400},
		{name: "PATCH on a missing room", req: request{method: "PATCH", path: "/api/rooms/" + missing, token: e.adminToken, body: `{"name": "x"}`}, status: 404},
		{name: "POST on a room is not allowed", req: request{method: "POST", path: "/api/rooms/" + open, token: e.adminToken, body: `{}`},
			status: 405, headers: map[string]string{"Allow": "GET, PUT, PATCH, DELETE, OPTIONS"}},
		{name: "the owner deletes a room", req: request{method: "DELETE", path: "/api/rooms/" + hidden, token: e.adminToken}, status: 204},
		{name: "a deleted room is gone", req: request{method: "GET", path: "/api/rooms/" + hidden, token: e.adminToken}, status: 404},
		{name: "and its name is free again", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "secret"}`}, status: 201},
	})
	r := e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.NotContains(t, r.body, `"is_visible": false`, "no hidden room is listed to a non-member")
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

	e.run(t, []scenario{
		{name: "limit 0", req: request{method: "GET", path: "/api/rooms?limit=0", token: e.adminToken}, status: 400, want: []string{"'limit'"}},
		{name: "negative limit", req: request{method: "GET", path: "/api/rooms?limit=-5", token: e.adminToken}, status: 400},
		{name: "huge limit", req: request{method: "GET", path: "/api/rooms?limit=99999999999999999999", token: e.adminToken}, status: 400},
		{name: "text limit", req: request{method: "GET", path: "/api/rooms?limit=ten", token: e.adminToken}, status: 400},
		{name: "negative offset", req: request{method: "GET", path: "/api/rooms?offset=-1", token: e.adminToken}, status: 400, want: []string{"'offset'"}},
		{name: "offset past the end", req: request{method: "GET", path: "/api/rooms?offset=1000", token: e.adminToken}, status: 200, exact: "[]"},
	})
}

func TestRooms_RaceForOneNameHasOneWinner(t *testing.T) {
	e := newEnv(t)
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = e.do(request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "contested"}`}).status
		})
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		require.Contains(t, []int{http.StatusCreated, http.StatusConflict}, s)
		if s == http.StatusCreated {
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
