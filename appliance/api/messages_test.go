package api_test

import (
	"encoding/json"
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
	e.join(room)
	return room
}

// join makes the user a member of room and returns the membership's id.
func (e *env) join(room string) string {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + room + `"}`})
	require.Equal(e.t, 201, r.status, r.body)
	return oid(e.t, r)
}

// post posts text in room with token and returns the message's id.
func (e *env) post(token, room, text string) string {
	e.t.Helper()
	id, err := e.tryPost(token, room, text)
	require.NoError(e.t, err)
	return id
}

// tryPost is post for any goroutine: it returns what went wrong rather
// than failing the test.
func (e *env) tryPost(token, room, text string) (string, error) {
	r, err := e.send(request{method: "POST", path: "/api/messages", token: token, body: fmt.Sprintf(`{"room": %q, "text": %q}`, room, text)})
	if err != nil {
		return "", err
	}
	if r.status != http.StatusCreated {
		return "", fmt.Errorf("post %q: status %d: %s", text, r.status, r.body)
	}
	var m struct {
		ID map[string]string `json:"_id"`
	}
	if err := json.Unmarshal([]byte(r.body), &m); err != nil || len(m.ID["$oid"]) != 24 {
		return "", fmt.Errorf("post %q: no id in %s (%v)", text, r.body, err)
	}
	return m.ID["$oid"], nil
}

func TestMessages_PostAndReadScenarios(t *testing.T) {
	e := newEnv(t)
	// What the rows read; a row that edits a message posts its own, in
	// a room of its own.
	room := e.joined("general")
	other := e.createRoom("other", `, "is_open": false, "is_visible": false`)
	visible := e.createRoom("visible", "")
	first := e.post(e.userToken, room, "hello <script>alert(1)</script>")
	uid := e.user.ID.Hex()
	noRoom := `{"title": "Not found", "description": "No such room."}`
	badLimit := `{"title": "Invalid parameter", "description": "The 'limit' parameter must be a whole number from 1 to 100."}`
	e.run(t, []scenario{
		{name: "text is returned verbatim", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 200,
			want: []string{`"text": "hello <script>alert(1)</script>"`, `"sender": {"$oid": "` + uid + `"}`, `"room": {"$oid": "` + room + `"}`}},
		{name: "no edited field before an edit", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 200,
			want: []string{`"text": "hello <script>alert(1)</script>"`}, notWant: []string{`"edited"`}},
		{name: "empty text", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": ""}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'text' parameter is required."}`},
		{name: "blank text", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "  \n "}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'text' parameter must not be blank."}`},
		{name: "10,001 characters", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "` + strings.Repeat("é", 10001) + `"}`}, status: 400, want: []string{"10000"}},
		{name: "10,000 characters", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "` + strings.Repeat("é", 10000) + `"}`}, status: 201,
			want: []string{`"text": "` + strings.Repeat("é", 10000) + `"`}},
		{name: "text as a number", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": 5}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'text' parameter must be a string."}`},
		{name: "non-UTF-8 text", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: "{\"room\": \"" + room + "\", \"text\": \"\xc3\x28\"}"}, status: 400,
			exact: `{"title": "Malformed JSON", "description": "The request body is not valid UTF-8."}`},
		{name: "no room or recipient", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"text": "hi"}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'room' parameter is required."}`},
		{name: "both room and recipient", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "recipient": "` + e.admin.ID.Hex() + `", "text": "hi"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'recipient' parameter cannot be given together with 'room'."}`},
		{name: "a bogus room id", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "bogus", "text": "hi"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'room' parameter must be an ObjectId."}`},
		{name: "an empty client_id", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi", "client_id": ""}`}, status: 400, exact: `{"title": "Invalid parameter", "description": "The 'client_id' parameter must be 1 to 64 ASCII letters, digits, '-' or '_'."}`},
		{name: "a client_id with a space", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi", "client_id": "a b"}`}, status: 400, exact: `{"title": "Invalid parameter", "description": "The 'client_id' parameter must be 1 to 64 ASCII letters, digits, '-' or '_'."}`},
		{name: "a client_id of 65 characters", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi", "client_id": "` + strings.Repeat("c", 65) + `"}`}, status: 400, exact: `{"title": "Invalid parameter", "description": "The 'client_id' parameter must be 1 to 64 ASCII letters, digits, '-' or '_'."}`},
		{name: "a client_id as a number", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi", "client_id": 7}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'client_id' parameter must be a string."}`},
		{name: "a client_id is echoed", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi", "client_id": "` + strings.Repeat("c", 64) + `"}`}, status: 201,
			want: []string{`"client_id": "` + strings.Repeat("c", 64) + `"`}},
		{name: "a missing room", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "5706dac4d55cfe00010944ad", "text": "hi"}`}, status: 404, exact: noRoom},
		{name: "a hidden room one is not in", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + other + `", "text": "hi"}`}, status: 404, exact: noRoom},
		{name: "a visible room one has not joined", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + visible + `", "text": "hi"}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Join the room to post in it."}`},
		{name: "a message to oneself", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "` + uid + `", "text": "hi"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'recipient' parameter must be another user."}`},
		{name: "a message to nobody", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "5706dac4d55cfe00010944ad", "text": "hi"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'recipient' parameter must name an existing user."}`},
		{name: "a direct message", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": {"$oid": "` + e.admin.ID.Hex() + `"}, "text": "psst"}`}, status: 201,
			want: []string{`"recipient": {"$oid": "` + e.admin.ID.Hex() + `"}`}},
		{name: "the other side reads a direct message", status: 200, want: []string{`"text": "read me"`},
			setup: func(e *env) request {
				r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "` + e.admin.ID.Hex() + `", "text": "read me"}`})
				require.Equal(e.t, 201, r.status, r.body)
				return request{method: "GET", path: "/api/messages?with=" + uid, token: e.adminToken}
			}},
		{name: "read without a room", req: request{method: "GET", path: "/api/messages", token: e.userToken}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'room' parameter is required."}`},
		{name: "a bogus cursor", req: request{method: "GET", path: "/api/messages?room=" + room + "&before=zz", token: e.userToken}, status: 400, want: []string{"'before'"}},
		{name: "a negative limit", req: request{method: "GET", path: "/api/messages?room=" + room + "&limit=-1", token: e.userToken}, status: 400, exact: badLimit},
		{name: "a huge limit", req: request{method: "GET", path: "/api/messages?room=" + room + "&limit=1000000", token: e.userToken}, status: 400, exact: badLimit},
		{name: "reading a hidden room", req: request{method: "GET", path: "/api/messages?room=" + other, token: e.userToken}, status: 404, exact: noRoom},
		{name: "someone else's message cannot be edited", req: request{method: "PATCH", path: "/api/messages/" + first, token: e.adminToken, body: `{"text": "mine now"}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Only its sender may edit a message."}`},
		{name: "the sender edits", status: 200, want: []string{`"text": "hello again"`, `"edited": {"$date": "`},
			setup: func(e *env) request {
				id := e.post(e.userToken, e.joined("edits"), "hello")
				return request{method: "PATCH", path: "/api/messages/" + id, token: e.userToken, body: `{"text": "hello again"}`}
			}},
		{name: "an edit to empty text", req: request{method: "PATCH", path: "/api/messages/" + first, token: e.userToken, body: `{"text": ""}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'text' parameter is required."}`},
		{name: "an edit of a bogus id", req: request{method: "PATCH", path: "/api/messages/xx", token: e.userToken, body: `{"text": "x"}`}, status: 404,
			exact: `{"title": "Not found", "description": "No such message."}`},
	})
}

func TestMessages_AResentPostWithItsClientIDIsStoredOnce(t *testing.T) {
	e := newEnv(t)
	room := e.joined("resends")
	ws := e.dial(e.userToken, "")
	body := `{"room": "` + room + `", "text": "are you there?", "client_id": "web-1a2b-17"}`
	first := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: body})
	require.Equal(t, 201, first.status, first.body)
	again := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: body})
	require.Equal(t, 201, again.status, again.body)
	assert.JSONEq(t, first.body, again.body, "the resend gets the first answer")
	assert.Contains(t, first.body, `"client_id": "web-1a2b-17"`)

	ev := ws.nextOf("message.created")
	assert.Contains(t, string(ev.Data), `"client_id": "web-1a2b-17"`, "the sender's other tabs match it to what they show")
	e.post(e.userToken, room, "next")
	assert.Equal(t, "next", textOf(t, ws.nextOf("message.created")), "one event for the two posts")

	reused := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "something else", "client_id": "web-1a2b-17"}`})
	assert.Equal(t, 409, reused.status)
	assert.JSONEq(t, `{"title": "Conflict", "description": "This client_id was used for another message; use a new one for each message."}`, reused.body)

	hist := e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	require.Equal(t, 200, hist.status)
	assert.Equal(t, 1, strings.Count(hist.body, "are you there?"))
	assert.NotContains(t, hist.body, "something else")
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
	admins := e.post(e.adminToken, room, "admin's")
	e.run(t, []scenario{
		{name: "a member cannot delete another's message", req: request{method: "DELETE", path: "/api/messages/" + admins, token: e.userToken}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Only its sender, the room's owners or an administrator may delete a message."}`},
		{name: "the room owner deletes a member's message", status: 200, want: []string{`"text": "user's"`},
			setup: func(e *env) request {
				return request{method: "DELETE", path: "/api/messages/" + e.post(e.userToken, room, "user's"), token: e.adminToken}
			}},
		{name: "a deleted message is not found", status: 404, exact: `{"title": "Not found", "description": "No such message."}`,
			setup: func(e *env) request {
				id := e.post(e.userToken, room, "deleted")
				r := e.do(request{method: "DELETE", path: "/api/messages/" + id, token: e.adminToken})
				require.Equal(e.t, 200, r.status, r.body)
				return request{method: "DELETE", path: "/api/messages/" + id, token: e.adminToken}
			}},
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
		{name: "a guest may not post", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi"}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Guests may read this room but not post in it."}`},
	})
}

func TestMessages_DeletedRoomTakesItsMessages(t *testing.T) {
	e := newEnv(t)
	room := e.joined("doomed")
	id := e.post(e.userToken, room, "soon gone")
	require.Equal(t, 204, e.do(request{method: "DELETE", path: "/api/rooms/" + room, token: e.adminToken}).status)
	e.run(t, []scenario{
		{name: "posting to a deleted room", req: request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "hi"}`}, status: 404,
			exact: `{"title": "Not found", "description": "No such room."}`},
		{name: "reading a deleted room", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such room."}`},
		{name: "editing its message", req: request{method: "PATCH", path: "/api/messages/" + id, token: e.userToken, body: `{"text": "x"}`}, status: 404,
			exact: `{"title": "Not found", "description": "No such message."}`},
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
		{name: "an empty query", req: request{method: "GET", path: "/api/messages?q=", token: e.userToken}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'q' parameter is required."}`},
		{name: "punctuation only", req: request{method: "GET", path: "/api/messages?q=%21%21", token: e.userToken}, status: 200, exact: "[]"},
		{name: "a huge query", req: request{method: "GET", path: "/api/messages?q=" + strings.Repeat("a", 5000), token: e.userToken}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'q' parameter must be at most 1000 bytes of text."}`},
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
	var mu sync.Mutex
	acked := map[string]bool{}
	require.NoError(t, postConcurrently(posters, posters*each, func(i int) error {
		id, err := e.tryPost(e.userToken, room, fmt.Sprintf("m%d", i))
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		acked[id] = true
		return nil
	}))
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
