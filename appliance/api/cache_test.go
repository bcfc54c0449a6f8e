package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The server keeps tokens, users, rooms and memberships in memory (see
// storage/cache): what ends a right must end it on the very next
// request, however warm the cache was.

func TestCache_ADisabledUserIsRefusedOnTheNextRequest(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	for range 3 {
		e.say(e.userToken, room, "warm")
	}
	r := e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"is_disabled": true}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "still here?"}`})
	assert.Equal(t, http.StatusUnauthorized, r.status, r.body)

	r = e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"is_disabled": false}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	e.say(e.userToken, room, "back")
}

func TestCache_ARevokedTokenIsRefusedOnTheNextRequest(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "POST", path: "/api/tokens", token: e.userToken, body: `{"name": "bot"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	var tok struct {
		ID    map[string]string `json:"_id"`
		Value string            `json:"value"`
	}
	r.json(t, &tok)
	for range 3 {
		r = e.do(request{method: "GET", path: "/api/me", token: tok.Value})
		require.Equal(t, http.StatusOK, r.status, r.body)
	}
	r = e.do(request{method: "DELETE", path: "/api/tokens/" + tok.ID["$oid"], token: e.userToken})
	require.Equal(t, http.StatusNoContent, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/me", token: tok.Value})
	assert.Equal(t, http.StatusUnauthorized, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/me", token: e.userToken})
	assert.Equal(t, http.StatusOK, r.status, "the user's other token still works")
}

func TestCache_ARemovedMemberIsRefusedOnTheNextRequest(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("private", `, "is_open": false, "is_visible": false`)
	r := e.do(request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + room + `", "user": "` + e.user.ID.Hex() + `"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	member := oid(t, r)
	for range 3 {
		e.say(e.userToken, room, "warm")
		r = e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
		require.Equal(t, http.StatusOK, r.status, r.body)
	}
	r = e.do(request{method: "DELETE", path: "/api/members/" + member, token: e.adminToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "still in?"}`})
	assert.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	assert.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, r.status, r.body)

	// A guest cannot post: a role change applies at once too.
	r = e.do(request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + room + `", "user": "` + e.user.ID.Hex() + `"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	member = oid(t, r)
	e.say(e.userToken, room, "back")
	r = e.do(request{method: "PATCH", path: "/api/members/" + member, token: e.adminToken, body: `{"role": "guest"}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "as a guest"}`})
	assert.Equal(t, http.StatusForbidden, r.status, r.body)
}
