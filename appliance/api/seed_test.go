package api_test

import (
	"net/http"
	"testing"
)

// The seed's own examples, byte for byte where the seed prints bytes.
func TestSeed_ErrorContract(t *testing.T) {
	e := newEnv(t)
	e.run(t, []scenario{
		{
			name:   "a bad token is refused with the seed's 401",
			req:    request{method: "GET", path: "/api/rooms", token: "4388c735cba9455cae341cbf17ed2191"},
			status: http.StatusUnauthorized,
			exact:  `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`,
		},
		{
			name:   "no credentials at all get the same 401",
			req:    request{method: "GET", path: "/api/rooms"},
			status: http.StatusUnauthorized,
			exact:  `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`,
		},
		{
			name:   "a non-admin creating a room gets the seed's 403",
			req:    request{method: "POST", path: "/api/rooms", token: e.userToken, body: `{"name": "x"}`},
			status: http.StatusForbidden,
			exact:  `{"title": "Permission Denied", "description": "Admin required."}`,
		},
		{
			name:    "PUT without a JSON body type gets the seed's 406",
			req:     request{method: "PUT", path: "/api/rooms", token: e.userToken, headers: map[string]string{"Content-Type": ""}},
			status:  http.StatusNotAcceptable,
			exact:   `{"title": "Media type not acceptable", "description": "This API only supports responses encoded as JSON.", "link": {"href": "http://docs.examples.com/api/json", "rel": "help", "text": "Documentation related to this error"}}`,
			headers: map[string]string{"Content-Type": "application/json; charset=utf-8"},
		},
		{
			name:   "an Accept header without JSON gets 406",
			req:    request{method: "GET", path: "/api/rooms", token: e.userToken, headers: map[string]string{"Accept": "text/html"}},
			status: http.StatusNotAcceptable,
			want:   []string{`"title": "Media type not acceptable"`},
		},
		{
			name:   "Accept with JSON at q=0 gets 406",
			req:    request{method: "GET", path: "/api/rooms", token: e.userToken, headers: map[string]string{"Accept": "application/json;q=0"}},
			status: http.StatusNotAcceptable,
			want:   []string{`"title": "Media type not acceptable"`},
		},
		{
			name:   "Accept listing JSON among others passes",
			req:    request{method: "GET", path: "/api/rooms", token: e.userToken, headers: map[string]string{"Accept": "text/html, application/json;q=0.9"}},
			status: http.StatusOK,
			exact:  `[]`,
		},
		{
			name:    "PUT on the room list gets the seed's 405 with an empty body",
			req:     request{method: "PUT", path: "/api/rooms", token: e.userToken, body: `{"data": "test"}`},
			status:  http.StatusMethodNotAllowed,
			headers: map[string]string{"Allow": "GET, POST, OPTIONS"},
			// No exact and no want: the body must be empty.
		},
		{
			name:   "a room without a name gets the seed's 400",
			req:    request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"trash": "trash"}`},
			status: http.StatusBadRequest,
			exact:  `{"title": "Missing parameter", "description": "The 'name' parameter is required."}`,
		},
		{
			name:    "OPTIONS lists the methods, with an empty body",
			req:     request{method: "OPTIONS", path: "/api/rooms"},
			status:  http.StatusNoContent,
			headers: map[string]string{"Allow": "GET, POST, OPTIONS"},
		},
		{
			name:   "an unknown route is a JSON 404",
			req:    request{method: "GET", path: "/api/nothing-here", token: e.userToken},
			status: http.StatusNotFound,
			want:   []string{`"title": "Not found"`},
		},
	})
}

// The seed's example: a token in X-Auth-Token and GET /api/rooms answer
// the array of rooms in the seed's shape.
func TestSeed_RoomsExampleWorksAsPrinted(t *testing.T) {
	e := newEnv(t)
	id1 := e.createRoom("room1", "")
	id2 := e.createRoom("room2", "")
	r := e.do(request{method: "GET", path: "/api/rooms", token: e.adminToken, headers: map[string]string{"Accept": "*/*"}})
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var rooms []struct {
		ID        map[string]string   `json:"_id"`
		Name      string              `json:"name"`
		Members   []map[string]string `json:"members"`
		IsOpen    bool                `json:"is_open"`
		IsVisible bool                `json:"is_visible"`
		Created   map[string]string   `json:"created"`
	}
	r.json(t, &rooms)
	if len(rooms) != 2 || rooms[0].ID["$oid"] != id1 || rooms[1].ID["$oid"] != id2 {
		t.Fatalf("rooms: %s", r.body)
	}
	for _, room := range rooms {
		if !room.IsOpen || !room.IsVisible || len(room.Members) != 1 || len(room.Members[0]["$oid"]) != 24 || room.Created["$date"] == "" {
			t.Errorf("room not in the seed's shape: %+v", room)
		}
	}
}
