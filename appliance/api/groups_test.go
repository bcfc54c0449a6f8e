package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type groupJSON struct {
	ID     map[string]string   `json:"_id"`
	Name   string              `json:"name"`
	Group  []map[string]string `json:"group"`
	Unread *int                `json:"unread"`
	Users  []struct {
		ID       map[string]string `json:"_id"`
		Username string            `json:"username"`
	} `json:"users"`
}

func usersJSON(ids ...string) string {
	return `{"users": ["` + strings.Join(ids, `", "`) + `"]}`
}

func TestGroups_TheSameUsersFindTheSameConversation(t *testing.T) {
	e := newEnv(t)
	bobID, bobToken := e.tokenOf("bob")
	carolID, carolToken := e.tokenOf("carol")
	daveID, _ := e.tokenOf("dave")

	r := e.do(request{method: "POST", path: "/api/groups", token: e.userToken, body: usersJSON(bobID, carolID)})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	var g groupJSON
	r.json(t, &g)
	assert.Empty(t, g.Name)
	assert.Len(t, g.Group, 3)
	assert.Len(t, g.Users, 3)
	assert.NotEmpty(t, r.header.Get("Location"))

	again := e.do(request{method: "POST", path: "/api/groups", token: carolToken, body: usersJSON(e.user.ID.Hex(), bobID)})
	require.Equal(t, http.StatusOK, again.status, again.body)
	var g2 groupJSON
	again.json(t, &g2)
	assert.Equal(t, g.ID, g2.ID, "the same set, opened by another of them, in another order")

	other := e.do(request{method: "POST", path: "/api/groups", token: e.userToken, body: usersJSON(bobID, carolID, daveID)})
	require.Equal(t, http.StatusCreated, other.status, other.body)

	// It is a room for its messages, threads and markers, and only its
	// users read it.
	room := g.ID["$oid"]
	id, _ := e.say(bobToken, room, "hello both")
	e.reply(carolToken, id, "hi!", "")
	assert.Equal(t, "hello both", listedTexts(e.messages(e.userToken, "room="+room)))
	_, eveToken := e.tokenOf("eve")
	for _, req := range []request{
		{method: "GET", path: "/api/messages?room=" + room, token: eveToken},
		{method: "POST", path: "/api/messages", token: eveToken, body: `{"room": "` + room + `", "text": "x"}`},
		{method: "POST", path: "/api/members", token: eveToken, body: `{"room": "` + room + `"}`},
	} {
		r := e.do(req)
		assert.Equal(t, http.StatusNotFound, r.status, "%s %s: %s", req.method, req.path, r.body)
	}

	// Its members and settings are fixed, for administrators too.
	for _, req := range []request{
		{method: "PATCH", path: "/api/rooms/" + room, token: e.adminToken, body: `{"name": "renamed"}`},
		{method: "PUT", path: "/api/rooms/" + room, token: e.userToken, body: `{"name": "renamed"}`},
		{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + room + `", "user": "` + daveID + `"}`},
		{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": "h"}`},
		{method: "DELETE", path: "/api/rooms/" + room, token: e.adminToken},
	} {
		r := e.do(req)
		assert.Equal(t, http.StatusForbidden, r.status, "%s %s: %s", req.method, req.path, r.body)
		assert.Contains(t, r.body, "fixed")
	}
	members := e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.userToken})
	require.Equal(t, http.StatusOK, members.status, members.body)
	var ms []struct {
		ID      map[string]string `json:"_id"`
		Profile map[string]string `json:"profile"`
	}
	members.json(t, &ms)
	require.Len(t, ms, 3)
	for _, m := range ms {
		if m.Profile["$oid"] == e.user.ID.Hex() {
			r := e.do(request{method: "DELETE", path: "/api/members/" + m.ID["$oid"], token: e.userToken})
			assert.Equal(t, http.StatusForbidden, r.status, "no one leaves: %s", r.body)
		}
	}

	// Listed with the direct conversations, not the rooms.
	rooms := e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.NotContains(t, rooms.body, room)
	list := e.do(request{method: "GET", path: "/api/groups", token: e.userToken})
	var gs []groupJSON
	list.json(t, &gs)
	require.Len(t, gs, 2)
	for _, x := range gs {
		if x.ID["$oid"] == room {
			require.NotNil(t, x.Unread)
			assert.Equal(t, 1, *x.Unread, "bob's message; carol's reply is in its thread")
		}
	}
}

func TestGroups_BadSetsAreRefused(t *testing.T) {
	e := newEnv(t)
	ids := make([]string, 8)
	for i := range ids {
		ids[i], _ = e.tokenOf("user" + string(rune('a'+i)))
	}
	disabled, _ := e.tokenOf("gone")
	r := e.do(request{method: "PATCH", path: "/api/users/" + disabled, token: e.adminToken, body: `{"is_disabled": true}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	before := e.do(request{method: "GET", path: "/api/groups", token: e.userToken}).body

	for _, c := range []struct {
		name, body string
		status     int
	}{
		{"no users", `{}`, 400},
		{"one other user (a direct conversation)", usersJSON(ids[0]), 400},
		{"nine with the caller", usersJSON(ids...), 400},
		{"a repeated user", usersJSON(ids[0], ids[0]), 400},
		{"the caller among them", usersJSON(ids[0], e.user.ID.Hex()), 400},
		{"an unknown user", usersJSON(ids[0], "ffffffffffffffffffffffff"), 400},
		{"a disabled user", usersJSON(ids[0], disabled), 400},
		{"not ids", `{"users": ["alice", "bob"]}`, 400},
		{"not a list", `{"users": "x"}`, 400},
		{"a thousand ids", `{"users": [` + strings.Repeat(`"`+ids[0]+`", `, 999) + `"` + ids[1] + `"]}`, 400},
	} {
		r := e.do(request{method: "POST", path: "/api/groups", token: e.userToken, body: c.body})
		assert.Equal(t, c.status, r.status, "%s: %s", c.name, r.body)
		assert.Contains(t, r.body, `"title"`, c.name)
	}
	assert.Equal(t, before, e.do(request{method: "GET", path: "/api/groups", token: e.userToken}).body, "nothing made")
}

func TestGroups_ItsUsersSeeItAppearAndItsMessagesLive(t *testing.T) {
	e := newEnv(t)
	bobID, bobToken := e.tokenOf("bob")
	carolID, _ := e.tokenOf("carol")
	ws := e.dial(bobToken, "")
	r := e.do(request{method: "POST", path: "/api/groups", token: e.userToken, body: usersJSON(bobID, carolID)})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	room := oid(t, r)
	ev := ws.nextOf("room.created")
	assert.Contains(t, string(ev.Data), room)
	admin := e.dial(e.adminToken, "")
	e.say(e.userToken, room, "hello group")
	ev = ws.nextOf("message.created")
	assert.Equal(t, "hello group", textOf(t, ev))
	// The administrator, no member, hears nothing of it.
	e.say(e.adminToken, e.createRoom("elsewhere", ""), "marker")
	ev = admin.nextOf("message.created")
	assert.Equal(t, "marker", textOf(t, ev))
}

func TestDirects_ReadMarkersUnreadAndMarkAllRead(t *testing.T) {
	e := newEnv(t)
	bobID, bobToken := e.tokenOf("bob")
	dm := func(token, to, text string) string {
		r := e.do(request{method: "POST", path: "/api/messages", token: token, body: `{"recipient": "` + to + `", "text": "` + text + `"}`})
		require.Equal(t, http.StatusCreated, r.status, r.body)
		return oid(t, r)
	}
	dm(bobToken, e.user.ID.Hex(), "hi")
	last := dm(bobToken, e.user.ID.Hex(), "are you there @test_user?")
	dm(e.userToken, bobID, "my own message is not unread to me")

	type direct struct {
		User     map[string]string `json:"user"`
		LastRead map[string]string `json:"last_read"`
		Unread   int               `json:"unread"`
		Mentions int               `json:"mentions"`
	}
	directs := func(token string) []direct {
		r := e.do(request{method: "GET", path: "/api/directs", token: token})
		require.Equal(t, http.StatusOK, r.status, r.body)
		var out []direct
		r.json(t, &out)
		return out
	}
	ds := directs(e.userToken)
	require.Len(t, ds, 1)
	assert.Equal(t, 2, ds[0].Unread)
	assert.Equal(t, 1, ds[0].Mentions)

	ws := e.dial(e.userToken, "")
	r := e.do(request{method: "PATCH", path: "/api/directs/" + bobID, token: e.userToken, body: `{"last_read": "` + last + `"}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	var d direct
	r.json(t, &d)
	assert.Equal(t, 0, d.Unread)
	assert.Equal(t, last, d.LastRead["$oid"])
	ev := ws.nextOf("direct.updated")
	require.NoError(t, json.Unmarshal(ev.Data, &d))
	assert.Equal(t, bobID, d.User["$oid"])
	assert.Equal(t, 0, directs(e.userToken)[0].Unread, "kept in the store")
	assert.Equal(t, 1, directs(bobToken)[0].Unread, "bob's marker is his own")

	for _, c := range []struct {
		name, path, body string
		status           int
	}{
		{"no marker", "/api/directs/" + bobID, `{}`, 400},
		{"not an id", "/api/directs/" + bobID, `{"last_read": "x"}`, 400},
		{"oneself", "/api/directs/" + e.user.ID.Hex(), `{"last_read": "` + last + `"}`, 400},
		{"an unknown user", "/api/directs/" + last, `{"last_read": "` + last + `"}`, 404},
		{"a bad user id", "/api/directs/nope", `{"last_read": "` + last + `"}`, 404},
	} {
		r := e.do(request{method: "PATCH", path: c.path, token: e.userToken, body: c.body})
		assert.Equal(t, c.status, r.status, "%s: %s", c.name, r.body)
	}

	// Mark all read: rooms, directs and threads at once.
	room := e.joined("general")
	root, _ := e.say(e.userToken, room, "root")
	bobJoin := e.do(request{method: "POST", path: "/api/members", token: bobToken, body: `{"room": "` + room + `"}`})
	require.Equal(t, http.StatusCreated, bobJoin.status, bobJoin.body)
	e.say(bobToken, room, "unread in the room")
	e.reply(bobToken, root, "unread in the thread", "")
	dm(bobToken, e.user.ID.Hex(), "unread direct")
	r = e.do(request{method: "POST", path: "/api/read-all", token: e.userToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.JSONEq(t, `{"rooms": 1, "directs": 1, "threads": 1}`, r.body)
	assert.Equal(t, 0, directs(e.userToken)[0].Unread)
	assert.Equal(t, 0, e.threads(e.userToken)[0].Unread)
	rooms := e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.Contains(t, rooms.body, `"unread": 0`)
	again := e.do(request{method: "POST", path: "/api/read-all", token: e.userToken})
	assert.JSONEq(t, `{"rooms": 0, "directs": 0, "threads": 0}`, again.body)
}
