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

// joined makes a room the user has joined as member and returns its id.
func (e *env) joined(name string) string {
	e.t.Helper()
	room := e.createRoom(name, "")
	r := e.do(request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + room + `"}`})
	require.Equal(e.t, 201, r.status, r.body)
	return room
}

func (e *env) post(token, room, text string) string {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/messages", token: token, body: fmt.Sprintf(`{"room": %q, "text": %q}`, room, text)})
	require.Equal(e.t, 201, r.status, r.body)
	return oid(e.t, r)
}

func TestMessages_PostAndReadScenarios(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	other := e.createRoom("other", `, "is_open": false, "is_visible": false`)
	first := e.post(e.userToken, room, "hello <script>alert(1)</script>")
	uid := e.user.ID.Hex()
	e.run(t, []scenario{
		{name: "text is returned verbatim", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 200,
			want: []string{`"text": "hello <script>alert(1)</script>"`, `"sender": {"$oid": "` + uid + `"}`, `"room": {"$oid": "` + room + `"}`}},
		{name: "no edited field before an edit", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 200},
		{name: "empty text", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": ""}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'text' parameter is required."}`},
		{name: "blank text", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "  \n "}`}, status: 400},
		{name: "10,001 characters", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "` + strings.Repeat("é", 10001) + `"}`}, status: 400, want: []string{"10000"}},
		{name: "10,000 characters", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "` + strings.Repeat("é", 10000) + `"}`}, status: 201},
		{name: "text as a number", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": 5}`}, status: 400},
		{name: "non-UTF-8 text", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: "{\"room\": \"" + room + "\", \"text\": \"\xc3\x28\"}"}, status: 400},
		{name: "no room or recipient", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"text": "hi"}`}, status: 400},
		{name: "both room and recipient", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "recipient": "` + e.admin.ID.Hex() + `", "text": "hi"}`}, status: 400},
		{name: "a bogus room id", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "bogus", "text": "hi"}`}, status: 400},
		{name: "a missing room", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "5706dac4d55cfe00010944ad", "text": "hi"}`}, status: 404},
		{name: "a hidden room one is not in", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + other + `", "text": "hi"}`}, status: 404},
		{name: "a visible room one has not joined", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + e.createRoom("visible", "") + `", "text": "hi"}`}, status: 403},
		{name: "a message to oneself", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "` + uid + `", "text": "hi"}`}, status: 400},
		{name: "a message to nobody", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "5706dac4d55cfe00010944ad", "text": "hi"}`}, status: 400},
		{name: "a direct message", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": {"$oid": "` + e.admin.ID.Hex() + `"}, "text": "psst"}`}, status: 201,
			want: []string{`"recipient": {"$oid": "` + e.admin.ID.Hex() + `"}`}},
		{name: "the other side reads it", req: request{method: "GET", path: "/api/messages?with=" + uid, token: e.adminToken}, status: 200, want: []string{`"text": "psst"`}},
		{name: "read without a room", req: request{method: "GET", path: "/api/messages", token: e.userToken}, status: 400},
		{name: "a bogus cursor", req: request{method: "GET", path: "/api/messages?room=" + room + "&before=zz", token: e.userToken}, status: 400, want: []string{"'before'"}},
		{name: "a negative limit", req: request{method: "GET", path: "/api/messages?room=" + room + "&limit=-1", token: e.userToken}, status: 400},
		{name: "a huge limit", req: request{method: "GET", path: "/api/messages?room=" + room + "&limit=1000000", token: e.userToken}, status: 400},
		{name: "reading a hidden room", req: request{method: "GET", path: "/api/messages?room=" + other, token: e.userToken}, status: 404},
		{name: "someone else's message cannot be edited", req: request{method: "PATCH", path: "/api/messages/" + first, token: e.adminToken, body: `{"text": "mine now"}`}, status: 403},
		{name: "the sender edits", req: request{method: "PATCH", path: "/api/messages/" + first, token: e.userToken, body: `{"text": "hello again"}`}, status: 200,
			want: []string{`"text": "hello again"`, `"edited": {"$date": "`}},
		{name: "an edit to empty text", req: request{method: "PATCH", path: "/api/messages/" + first, token: e.userToken, body: `{"text": ""}`}, status: 400},
		{name: "an edit of a bogus id", req: request{method: "PATCH", path: "/api/messages/xx", token: e.userToken, body: `{"text": "x"}`}, status: 404},
	})
}

func TestMessages_CursorsPageThroughHistory(t *testing.T) {
	e := newEnv(t)
	room := e.joined("paged")
	var ids []string
	for i := range 60 {
		ids = append(ids, e.post(e.userToken, room, fmt.Sprintf("message %d", i)))
	}
	type msg struct {
		ID   map[string]string `json:"_id"`
		Text string            `json:"text"`
	}
	get := func(q string) ([]msg, response) {
		r := e.do(request{method: "GET", path: "/api/messages?room=" + room + q, token: e.userToken})
		require.Equal(t, 200, r.status, r.body)
		var ms []msg
		r.json(t, &ms)
		return ms, r
	}
	newest, r := get("&limit=20")
	require.Len(t, newest, 20)
	assert.Equal(t, ids[40], newest[0].ID["$oid"], "no cursor: the newest, oldest first")
	assert.Equal(t, ids[59], newest[19].ID["$oid"])
	assert.Contains(t, r.header.Get("Link"), "before="+ids[40])

	older, _ := get("&limit=20&before=" + ids[40])
	require.Len(t, older, 20)
	assert.Equal(t, ids[20], older[0].ID["$oid"])
	assert.Equal(t, ids[39], older[19].ID["$oid"])

	after, _ := get("&limit=5&after=" + ids[10])
	require.Len(t, after, 5)
	assert.Equal(t, ids[11], after[0].ID["$oid"])

	r = e.do(request{method: "DELETE", path: "/api/messages/" + ids[30], token: e.userToken})
	require.Equal(t, 200, r.status)
	around, _ := get("&limit=2&after=" + ids[29])
	assert.Equal(t, ids[31], around[0].ID["$oid"], "a deleted message is gone from history")
	fromDeleted, _ := get("&limit=1&before=" + ids[30])
	assert.Equal(t, ids[29], fromDeleted[0].ID["$oid"], "a deleted message still works as a cursor")
}

func TestMessages_DeleteRights(t *testing.T) {
	e := newEnv(t)
	room := e.joined("rights")
	mine := e.post(e.userToken, room, "user's")
	admins := e.post(e.adminToken, room, "admin's")
	e.run(t, []scenario{
		{name: "a member cannot delete another's message", req: request{method: "DELETE", path: "/api/messages/" + admins, token: e.userToken}, status: 403},
		{name: "the room owner deletes a member's message", req: request{method: "DELETE", path: "/api/messages/" + mine, token: e.adminToken}, status: 200},
		{name: "a deleted message is not found", req: request{method: "DELETE", path: "/api/messages/" + mine, token: e.adminToken}, status: 404},
	})
}

func TestMessages_GuestsReadButDoNotWrite(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("announcements", `, "is_open": false`)
	r := e.do(request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + room + `", "user": "` + e.user.ID.Hex() + `", "role": "guest"}`})
	require.Equal(t, 201, r.status)
	e.post(e.adminToken, room, "news")
	e.run(t, []scenario{
		{name: "a guest reads", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 200, want: []string{"news"}},
		{name: "a guest may not post", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi"}`}, status: 403},
	})
}

func TestMessages_DeletedRoomTakesItsMessages(t *testing.T) {
	e := newEnv(t)
	room := e.joined("doomed")
	id := e.post(e.userToken, room, "soon gone")
	require.Equal(t, 204, e.do(request{method: "DELETE", path: "/api/rooms/" + room, token: e.adminToken}).status)
	e.run(t, []scenario{
		{name: "posting to a deleted room", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi"}`}, status: 404},
		{name: "reading a deleted room", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 404},
		{name: "editing its message", req: request{method: "PATCH", path: "/api/messages/" + id, token: e.userToken, body: `{"text": "x"}`}, status: 404},
	})
}

func TestMessages_SearchFindsWordsTheCallerMayRead(t *testing.T) {
	e := newEnv(t)
	room := e.joined("search")
	private := e.createRoom("private", `, "is_open": false, "is_visible": false`)
	e.post(e.userToken, room, "Le Café est ouvert")
	e.post(e.userToken, room, "the cafe is closed today")
	e.post(e.adminToken, private, "secret cafe plans")
	r := e.do(request{method: "GET", path: "/api/messages?q=CAFE", token: e.userToken})
	require.Equal(t, 200, r.status, r.body)
	var found []struct {
		Text string `json:"text"`
	}
	r.json(t, &found)
	require.Len(t, found, 2, r.body)
	assert.Equal(t, "the cafe is closed today", found[0].Text, "newest first")
	assert.Equal(t, "Le Café est ouvert", found[1].Text, "accent-insensitive")

	r = e.do(request{method: "GET", path: "/api/messages?q=cafe+closed", token: e.userToken})
	r.json(t, &found)
	assert.Len(t, found, 1, "every word must match")
	e.run(t, []scenario{
		{name: "an empty query", req: request{method: "GET", path: "/api/messages?q=", token: e.userToken}, status: 400},
		{name: "punctuation only", req: request{method: "GET", path: "/api/messages?q=%21%21", token: e.userToken}, status: 200, exact: "[]"},
		{name: "a huge query", req: request{method: "GET", path: "/api/messages?q=" + strings.Repeat("a", 5000), token: e.userToken}, status: 400},
	})
}

func TestMessages_UnreadCountsInRoomList(t *testing.T) {
	e := newEnv(t)
	room := e.joined("unread")
	e.post(e.adminToken, room, "one")
	e.post(e.adminToken, room, "hey @test_user look")
	last := e.post(e.adminToken, room, "three")
	r := e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.Contains(t, r.body, `"unread": 3`)
	assert.Contains(t, r.body, `"mentions": 1`)

	var members []struct {
		ID      map[string]string `json:"_id"`
		Profile map[string]string `json:"profile"`
	}
	e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.userToken}).json(t, &members)
	for _, m := range members {
		if m.Profile["$oid"] == e.user.ID.Hex() {
			r := e.do(request{method: "PATCH", path: "/api/members/" + m.ID["$oid"], token: e.userToken, body: `{"last_read": "` + last + `"}`})
			require.Equal(t, 200, r.status, r.body)
		}
	}
	r = e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.Contains(t, r.body, `"unread": 0`)
}

func TestMessages_ConcurrentPostersLoseNothing(t *testing.T) {
	e := newEnv(t)
	room := e.joined("busy")
	const posters, each = 200, 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{}
	for p := range posters {
		wg.Go(func() {
			for i := range each {
				r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: fmt.Sprintf(`{"room": %q, "text": "p%d m%d"}`, room, p, i)})
				if r.status != http.StatusCreated {
					t.Errorf("post: %d %s", r.status, r.body)
					return
				}
				id := oid(t, r)
				mu.Lock()
				acked[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	seen := 0
	before := ""
	for {
		q := "/api/messages?limit=100&room=" + room
		if before != "" {
			q += "&before=" + before
		}
		var page []struct {
			ID map[string]string `json:"_id"`
		}
		e.do(request{method: "GET", path: q, token: e.userToken}).json(t, &page)
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			assert.True(t, acked[m.ID["$oid"]])
			seen++
		}
		before = page[0].ID["$oid"]
	}
	assert.Equal(t, posters*each, seen)
	assert.Len(t, acked, posters*each)
}
