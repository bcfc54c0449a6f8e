package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reply posts text in thread (with extra JSON fields) as token and
// returns the message's id.
func (e *env) reply(token, thread, text, extra string) string {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/messages", token: token, body: fmt.Sprintf(`{"thread": %q, "text": %q%s}`, thread, text, extra)})
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	return oid(e.t, r)
}

// listed is what a list of messages or threads says, decoded loosely.
type listed struct {
	ID      map[string]string `json:"_id"`
	Text    string            `json:"text"`
	Thread  map[string]string `json:"thread"`
	InRoom  bool              `json:"in_room"`
	Replies *struct {
		Count int                 `json:"count"`
		Users []map[string]string `json:"users"`
	} `json:"replies"`
}

func (e *env) messages(token, query string) []listed {
	e.t.Helper()
	r := e.do(request{method: "GET", path: "/api/messages?" + query, token: token})
	require.Equal(e.t, http.StatusOK, r.status, r.body)
	var out []listed
	r.json(e.t, &out)
	return out
}

func listedTexts(ms []listed) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return strings.Join(out, ", ")
}

type threadState struct {
	Root      listed            `json:"root"`
	Following bool              `json:"following"`
	LastRead  map[string]string `json:"last_read"`
	Unread    int               `json:"unread"`
}

func (e *env) threads(token string) []threadState {
	e.t.Helper()
	r := e.do(request{method: "GET", path: "/api/threads", token: token})
	require.Equal(e.t, http.StatusOK, r.status, r.body)
	var out []threadState
	r.json(e.t, &out)
	return out
}

func TestThreads_RepliesStayInTheirThreadAndTheRootSumsThemUp(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	bobID, bobToken := e.tokenOf("bob")
	r := e.do(request{method: "POST", path: "/api/members", token: bobToken, body: `{"room": "` + room + `"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)

	root, _ := e.say(e.userToken, room, "release friday?")
	one := e.reply(bobToken, root, "yes", "")
	e.reply(e.adminToken, one, "a reply to a reply goes to the root", "")
	e.reply(bobToken, root, "let's vote", `, "in_room": true`)
	e.say(e.userToken, room, "after")

	hist := e.messages(e.userToken, "room="+room)
	assert.Equal(t, "release friday?, let's vote, after", listedTexts(hist))
	require.NotNil(t, hist[0].Replies)
	assert.Equal(t, 3, hist[0].Replies.Count)
	assert.Equal(t, []map[string]string{{"$oid": bobID}, {"$oid": e.admin.ID.Hex()}}, hist[0].Replies.Users, "newest first, each once")
	assert.Equal(t, root, hist[1].Thread["$oid"])
	assert.True(t, hist[1].InRoom)

	replies := e.messages(e.userToken, "thread="+root)
	assert.Equal(t, "yes, a reply to a reply goes to the root, let's vote", listedTexts(replies))
	assert.Equal(t, replies, e.messages(e.userToken, "thread="+one), "a reply names its thread too")
	for _, m := range replies {
		assert.Equal(t, root, m.Thread["$oid"])
		assert.Nil(t, m.Replies)
	}
	page := e.messages(e.userToken, "thread="+root+"&limit=1&before="+replies[2].ID["$oid"])
	assert.Equal(t, "a reply to a reply goes to the root", listedTexts(page))
	found := e.messages(e.userToken, "q=vote")
	assert.Equal(t, "let's vote", listedTexts(found), "search finds replies")
}

func TestThreads_BadRepliesAreRefusedAndWriteNothing(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	other := e.joined("other")
	root, _ := e.say(e.userToken, room, "root")
	secret := e.createRoom("secret", `, "is_open": false, "is_visible": false`)
	hidden, _ := e.say(e.adminToken, secret, "hidden")
	gone, _ := e.say(e.userToken, room, "gone")
	require.Equal(t, http.StatusOK, e.do(request{method: "DELETE", path: "/api/messages/" + gone, token: e.userToken}).status)
	dm := e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.admin.ID.Hex() + `0", "text": "x"}`})
	require.Equal(t, http.StatusBadRequest, dm.status, dm.body)
	_, carolToken := e.tokenOf("carol")
	direct := e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "psst"}`})
	require.Equal(t, http.StatusCreated, direct.status, direct.body)
	directID := oid(t, direct)

	post := func(token, body string) response {
		return e.do(request{method: "POST", path: "/api/messages", token: token, body: body})
	}
	for _, c := range []struct {
		name, token, body string
		status            int
		want              string
	}{
		{"not an id", e.userToken, `{"thread": "nope", "text": "x"}`, 400, `'thread'`},
		{"a number", e.userToken, `{"thread": 7, "text": "x"}`, 400, `'thread'`},
		{"in_room not a bool", e.userToken, `{"thread": "` + root + `", "text": "x", "in_room": "yes"}`, 400, ""},
		{"unknown message", e.userToken, `{"thread": "` + e.admin.ID.Hex() + `", "text": "x"}`, 404, "message"},
		{"a deleted root", e.userToken, `{"thread": "` + gone + `", "text": "x"}`, 404, "message"},
		{"a room the user cannot read", e.userToken, `{"thread": "` + hidden + `", "text": "x"}`, 404, "message"},
		{"another room than the root's", e.userToken, `{"thread": "` + root + `", "room": "` + other + `", "text": "x"}`, 400, `'thread'`},
		{"someone else's direct message", carolToken, `{"thread": "` + directID + `", "text": "x"}`, 404, "message"},
		{"no text", e.userToken, `{"thread": "` + root + `"}`, 400, `'text'`},
		{"a non-member of the room", carolToken, `{"thread": "` + root + `", "text": "x"}`, 403, ""},
	} {
		r := post(c.token, c.body)
		assert.Equal(t, c.status, r.status, "%s: %s", c.name, r.body)
		assert.Contains(t, r.body, c.want, c.name)
		assert.NotContains(t, r.body, "panic", c.name)
	}
	assert.Empty(t, e.messages(e.userToken, "thread="+root))
	assert.Nil(t, e.messages(e.userToken, "room="+room)[0].Replies)
	for _, q := range []string{"thread=nope", "thread=" + hidden, "thread=" + gone} {
		r := e.do(request{method: "GET", path: "/api/messages?" + q, token: e.userToken})
		assert.Contains(t, []int{400, 404}, r.status, "%s: %s", q, r.body)
	}

	// In a direct conversation, either user replies; the thread stays
	// between them.
	e.reply(e.userToken, directID, "sure", "")
	assert.Equal(t, "sure", listedTexts(e.messages(e.adminToken, "thread="+directID)))
}

func TestThreads_AReplyArrivesLiveAndReplayIncludesIt(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	root, _ := e.say(e.adminToken, room, "root")
	ws := e.dial(e.userToken, "")
	id := e.reply(e.adminToken, root, "live reply", "")
	ev := ws.nextOf("message.created")
	var m listed
	require.NoError(t, json.Unmarshal(ev.Data, &m))
	assert.Equal(t, id, m.ID["$oid"])
	assert.Equal(t, root, m.Thread["$oid"])

	replay := e.dial(e.userToken, "?since="+root)
	ev = replay.nextOf("message.created")
	require.NoError(t, json.Unmarshal(ev.Data, &m))
	assert.Equal(t, "live reply", m.Text, "a stream catching up gets replies too")
}

func TestThreads_FollowingUnreadAndTheThreadsView(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	bobID, bobToken := e.tokenOf("bob")
	_, carolToken := e.tokenOf("carol")
	for _, tok := range []string{bobToken, carolToken} {
		r := e.do(request{method: "POST", path: "/api/members", token: tok, body: `{"room": "` + room + `"}`})
		require.Equal(t, http.StatusCreated, r.status, r.body)
	}
	root, _ := e.say(e.userToken, room, "root")
	require.Empty(t, e.threads(e.userToken), "a root without replies follows nothing yet")

	ws := e.dial(e.userToken, "")
	e.reply(bobToken, root, "first, cc @carol", "")
	ev := ws.nextOf("thread.updated")
	var live threadState
	require.NoError(t, json.Unmarshal(ev.Data, &live))
	assert.True(t, live.Following)
	assert.Equal(t, root, live.Root.ID["$oid"])
	assert.Equal(t, 1, live.Unread)
	require.NotNil(t, live.Root.Replies, "the root as it is after the reply")
	assert.Equal(t, 1, live.Root.Replies.Count)

	for token, unread := range map[string]int{e.userToken: 1, bobToken: 0, carolToken: 1} { // bob's own reply is not unread to him
		ts := e.threads(token)
		require.Len(t, ts, 1)
		assert.True(t, ts[0].Following)
		assert.Equal(t, unread, ts[0].Unread)
		assert.Equal(t, 1, ts[0].Root.Replies.Count)
	}
	assert.Empty(t, e.threads(e.adminToken), "not mentioned, never replied: not following")

	second := e.reply(bobToken, root, "second", "")
	patch := func(token, body string) response {
		return e.do(request{method: "PATCH", path: "/api/threads/" + root, token: token, body: body})
	}
	r := patch(e.userToken, `{"last_read": "`+second+`"}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"unread": 0`)
	assert.Equal(t, 0, e.threads(e.userToken)[0].Unread)

	r = patch(carolToken, `{"following": false}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"following": false`)
	e.reply(bobToken, root, "third, @carol again", "")
	assert.Empty(t, e.threads(carolToken), "an unfollow sticks through later mentions")
	assert.Equal(t, 1, e.threads(e.userToken)[0].Unread)

	r = e.do(request{method: "GET", path: "/api/threads/" + root, token: carolToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"following": false`)

	for _, c := range []struct {
		name, body string
		status     int
	}{
		{"nothing to change", `{}`, 400},
		{"following not a bool", `{"following": "yes"}`, 400},
		{"last_read not an id", `{"last_read": "x"}`, 400},
		{"not JSON", `{`, 400},
	} {
		r := patch(e.userToken, c.body)
		assert.Equal(t, c.status, r.status, "%s: %s", c.name, r.body)
	}
	assert.Equal(t, http.StatusNotFound, e.do(request{method: "PATCH", path: "/api/threads/nope", token: e.userToken, body: `{"following": true}`}).status)
	hidden := e.createRoom("secret", `, "is_open": false, "is_visible": false`)
	secret, _ := e.say(e.adminToken, hidden, "secret")
	r = e.do(request{method: "PATCH", path: "/api/threads/" + secret, token: e.userToken, body: `{"following": true}`})
	assert.Equal(t, http.StatusNotFound, r.status, r.body)

	// Leaving the room takes its threads out of the view.
	_ = bobID
	r = e.do(request{method: "DELETE", path: "/api/rooms/" + room, token: e.adminToken})
	require.Equal(t, http.StatusNoContent, r.status, r.body)
	assert.Empty(t, e.threads(bobToken))
}

func TestThreads_ReadingAThreadFirstLeavesAutomaticFollowingToCome(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	_, bobToken := e.tokenOf("bob")
	r := e.do(request{method: "POST", path: "/api/members", token: bobToken, body: `{"room": "` + room + `"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	root, _ := e.say(e.adminToken, room, "root")
	first := e.reply(e.adminToken, root, "first", "")
	r = e.do(request{method: "PATCH", path: "/api/threads/" + root, token: bobToken, body: `{"last_read": "` + first + `"}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"following": false`)
	e.reply(e.adminToken, root, "what do you think, @bob?", "")
	ts := e.threads(bobToken)
	require.Len(t, ts, 1, "the mention made bob follow")
	assert.Equal(t, 1, ts[0].Unread)
}
