package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// The answers of the reaction routes, written out.
const (
	notAnEmoji    = `{"title": "Invalid parameter", "description": "The 'emoji' parameter must be exactly one emoji."}`
	noEmoji       = `{"title": "Missing parameter", "description": "The 'emoji' parameter is required."}`
	noSuchMessage = `{"title": "Not found", "description": "No such message."}`
	tooFast       = `{"title": "Too many requests", "description": "You are changing reactions too fast; try again in a moment."}`
	tooManyMine   = `{"title": "Invalid parameter", "description": "You already have 20 reactions on this message; remove one first."}`
	tooManyEmoji  = `{"title": "Invalid parameter", "description": "This message already has 40 different emoji; react with one of those."}`
)

// reactionPath is the route of one emoji on message id.
func reactionPath(id, emoji string) string {
	return "/api/messages/" + id + "/reactions/" + url.PathEscape(emoji)
}

// reactor is one user in a view's "users": `{"_id": …, "username": …}`.
func reactor(id, username string) string {
	return `{"_id": {"$oid": "` + id + `"}, "username": "` + username + `"}`
}

// reactionsJSON is a view's "reactions" field: each group is an emoji
// and its reactors.
func reactionsJSON(groups ...[]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = fmt.Sprintf(`{"emoji": "%s", "count": %d, "users": [%s]}`, g[0], len(g)-1, strings.Join(g[1:], ", "))
	}
	return `"reactions": [` + strings.Join(parts, ", ") + `]`
}

// withReactions is a message's JSON, as posted (without reactions),
// with the given reactions field added at its end.
func withReactions(posted, field string) string {
	return strings.TrimSuffix(posted, "}") + ", " + field + "}"
}

// say posts text in room with token and returns the new message's id
// and the JSON it was answered with.
func (e *env) say(token, room, text string) (id, body string) {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/messages", token: token, body: fmt.Sprintf(`{"room": %q, "text": %q}`, room, text)})
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	return oid(e.t, r), r.body
}

// messageJSON is one message of room's history as the API wrote it,
// read with token.
func (e *env) messageJSON(token, room, id string) string {
	e.t.Helper()
	return e.messageFrom(token, "room="+room, id)
}

// messageFrom is one message of the list that query selects (such as
// "with=<user id>"), read with token.
func (e *env) messageFrom(token, query, id string) string {
	e.t.Helper()
	r := e.do(request{method: "GET", path: "/api/messages?" + query, token: token})
	require.Equal(e.t, http.StatusOK, r.status, r.body)
	var msgs []json.RawMessage
	r.json(e.t, &msgs)
	for _, m := range msgs {
		var v struct {
			ID map[string]string `json:"_id"`
		}
		require.NoError(e.t, json.Unmarshal(m, &v))
		if v.ID["$oid"] == id {
			return string(m)
		}
	}
	e.t.Fatalf("message %s is not in the list of %s", id, query)
	return ""
}

// emojiRun is n different emoji: U+1F600 onwards.
func emojiRun(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune(0x1F600 + i))
	}
	return out
}

func TestReactions_TheViewGroupsEmojiInOrderWithWhoReacted(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	id, posted := e.say(e.adminToken, room, "ship it?")
	user, admin := reactor(e.user.ID.Hex(), "test_user"), reactor(e.admin.ID.Hex(), "admin")
	bobID, bobToken := e.tokenOf("bob")
	bob := reactor(bobID, "bob")
	r := e.do(request{method: "POST", path: "/api/members", token: bobToken, body: `{"room": "` + room + `"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)

	put := func(token, emoji string) response {
		t.Helper()
		r := e.do(request{method: "PUT", path: reactionPath(id, emoji), token: token})
		require.Equal(t, http.StatusOK, r.status, r.body)
		return r
	}
	del := func(token, emoji string) response {
		t.Helper()
		r := e.do(request{method: "DELETE", path: reactionPath(id, emoji), token: token})
		require.Equal(t, http.StatusOK, r.status, r.body)
		return r
	}
	assert.Equal(t, withReactions(posted, reactionsJSON([]string{"👍", user})), put(e.userToken, "👍").body)
	put(e.adminToken, "🎉")
	three := put(bobToken, "👍").body
	want := withReactions(posted, reactionsJSON([]string{"👍", user, bob}, []string{"🎉", admin}))
	assert.Equal(t, want, three)
	assert.Equal(t, want, put(bobToken, "👍").body, "again: the same answer")
	assert.Equal(t, want, e.messageJSON(e.userToken, room, id), "the history shows the same")
	assert.NotContains(t, want, `"edited"`)

	// The emoji stand in the order of their earliest reaction still
	// there: with the user's 👍 gone, bob's comes after the admin's 🎉.
	assert.Equal(t, withReactions(posted, reactionsJSON([]string{"🎉", admin}, []string{"👍", bob})), del(e.userToken, "👍").body)
	assert.Equal(t, withReactions(posted, reactionsJSON([]string{"🎉", admin}, []string{"👍", bob})), del(e.userToken, "👍").body, "again: the same answer")
	del(bobToken, "👍")
	assert.Equal(t, withReactions(posted, reactionsJSON([]string{"🎉", admin}, []string{"👍", user})), put(e.userToken, "👍").body)
	del(e.userToken, "👍")
	assert.Equal(t, posted, del(e.adminToken, "🎉").body, "without reactions, the message is as it was posted")
	assert.Equal(t, posted, e.messageJSON(e.userToken, room, id))
}

func TestReactions_OtherBrowsersSeeEachChangeLive(t *testing.T) {
	e := newEnv(t)
	room := e.joined("live")
	id, posted := e.say(e.userToken, room, "react to me")
	ws := e.dial(e.userToken, "")
	r := e.do(request{method: "PUT", path: reactionPath(id, "🎉"), token: e.adminToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	ev := ws.nextOf("message.updated")
	assert.JSONEq(t, r.body, string(ev.Data))
	assert.Contains(t, string(ev.Data), reactionsJSON([]string{"🎉", reactor(e.admin.ID.Hex(), "admin")}))

	// Repeating it changes nothing and sends nothing; the removal is
	// the next event.
	r = e.do(request{method: "PUT", path: reactionPath(id, "🎉"), token: e.adminToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	r = e.do(request{method: "DELETE", path: reactionPath(id, "🎉"), token: e.adminToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	ev = ws.nextOf("message.updated")
	assert.JSONEq(t, posted, string(ev.Data))
}

func TestReactions_Scenarios(t *testing.T) {
	e := newEnv(t)
	room := e.joined("general")
	good := e.joined("good")
	hidden := e.createRoom("staff", `, "is_open": false, "is_visible": false`)
	plain, _ := e.say(e.userToken, room, "no reactions here")
	secret := e.post(e.adminToken, hidden, "staff only")
	_, strangerToken := e.tokenOf("stranger")
	r := e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "psst"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	direct := oid(t, r)
	me := reactor(e.user.ID.Hex(), "test_user")

	// reactsWith is a row: the user puts emoji on a new message and
	// gets it back with that reaction alone.
	reactsWith := func(name, emoji string) scenario {
		return scenario{name: name, status: 200,
			setup: func(e *env) request {
				id, _ := e.say(e.adminToken, good, name)
				return request{method: "PUT", path: reactionPath(id, emoji), token: e.userToken}
			},
			want: []string{reactionsJSON([]string{emoji, me})},
		}
	}
	// refused is a row: the user's emoji on plain is refused with body.
	refused := func(name, escaped, body string) scenario {
		return scenario{name: name, req: request{method: "PUT", path: "/api/messages/" + plain + "/reactions/" + escaped, token: e.userToken}, status: 400, exact: body}
	}
	e.run(t, []scenario{
		reactsWith("a plain emoji", "👍"),
		reactsWith("an emoji with a skin tone", "👍🏽"),
		reactsWith("a flag", "🇫🇷"),
		reactsWith("a subdivision flag", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"),
		reactsWith("a keycap", "1️⃣"),
		reactsWith("a family", "👨‍👩‍👧‍👦"),
		reactsWith("an emoji with VS16", "❤️"),
		{name: "a JSON body is not needed, and one sent is ignored", status: 200,
			setup: func(e *env) request {
				id, _ := e.say(e.adminToken, good, "with a body")
				return request{method: "PUT", path: reactionPath(id, "🙂"), token: e.userToken, body: `{"emoji": "ok"}`}
			},
			want: []string{reactionsJSON([]string{"🙂", me})}},
		{name: "no Content-Type is needed", status: 200,
			setup: func(e *env) request {
				id, _ := e.say(e.adminToken, good, "without a type")
				return request{method: "PUT", path: reactionPath(id, "🙃"), token: e.userToken, headers: map[string]string{"Content-Type": ""}}
			},
			want: []string{reactionsJSON([]string{"🙃", me})}},
		{name: "removing a reaction that is not there answers the message", req: request{method: "DELETE", path: reactionPath(plain, "👍"), token: e.userToken}, status: 200,
			want: []string{`"text": "no reactions here"`}, notWant: []string{`"reactions"`}},

		refused("a letter", "a", notAnEmoji),
		refused("a word", "ok", notAnEmoji),
		refused("markup", url.PathEscape("<b>"), notAnEmoji),
		refused("two emoji", url.PathEscape("👍👍"), notAnEmoji),
		refused("an emoji and text", url.PathEscape("👍 ok"), notAnEmoji),
		refused("a lone skin tone", url.PathEscape("🏽"), notAnEmoji),
		refused("a lone ZWJ", url.PathEscape("\u200d"), notAnEmoji),
		refused("a trailing ZWJ", url.PathEscape("👨\u200d"), notAnEmoji),
		refused("a lone regional indicator", url.PathEscape("🇫"), notAnEmoji),
		refused("an unended tag sequence", url.PathEscape("🏴\U000e0067\U000e0062"), notAnEmoji),
		refused("a combining mark", url.PathEscape("👍\u0301"), notAnEmoji),
		refused("an RTL mark", url.PathEscape("\u200f👍"), notAnEmoji),
		refused("a NUL", "%00", notAnEmoji),
		refused("an emoji and a NUL", url.PathEscape("👍\x00"), notAnEmoji),
		refused("invalid UTF-8", "%FF", notAnEmoji),
		refused("a cut emoji", "%F0%9F%91", notAnEmoji),
		refused("a slash", "%2F", notAnEmoji),
		refused("a path", "a/b", notAnEmoji),
		refused("1 KB of text", strings.Repeat("a", 1024), notAnEmoji),
		refused("1 KB of one emoji", url.PathEscape(strings.Repeat("👍", 256)), notAnEmoji),
		refused("nothing", "", noEmoji),
		{name: "a bad emoji is refused on removal too", req: request{method: "DELETE", path: reactionPath(plain, "ok"), token: e.userToken}, status: 400, exact: notAnEmoji},

		{name: "a hidden room's message is not found", req: request{method: "PUT", path: reactionPath(secret, "👍"), token: strangerToken}, status: 404, exact: noSuchMessage},
		{name: "nor is it for a removal", req: request{method: "DELETE", path: reactionPath(secret, "👍"), token: strangerToken}, status: 404, exact: noSuchMessage},
		{name: "another's direct message is not found", req: request{method: "PUT", path: reactionPath(direct, "👍"), token: strangerToken}, status: 404, exact: noSuchMessage},
		{name: "the other party of a direct message reacts", status: 200,
			setup: func(e *env) request {
				r := e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "hello"}`})
				require.Equal(e.t, http.StatusCreated, r.status, r.body)
				return request{method: "PUT", path: reactionPath(oid(e.t, r), "👋"), token: e.userToken}
			},
			want: []string{reactionsJSON([]string{"👋", me})}},
		{name: "a deleted message is not found", status: 404, exact: noSuchMessage,
			setup: func(e *env) request {
				id, _ := e.say(e.userToken, good, "soon gone")
				r := e.do(request{method: "DELETE", path: "/api/messages/" + id, token: e.userToken})
				require.Equal(e.t, http.StatusOK, r.status, r.body)
				return request{method: "PUT", path: reactionPath(id, "👍"), token: e.userToken}
			}},
		{name: "an unknown message is not found", req: request{method: "PUT", path: reactionPath(storage.NewIDGen().New().Hex(), "👍"), token: e.userToken}, status: 404, exact: noSuchMessage},
		{name: "an id that is no ObjectId is not found", req: request{method: "PUT", path: reactionPath("nope", "👍"), token: e.userToken}, status: 404, exact: noSuchMessage},
		{name: "without credentials", req: request{method: "PUT", path: reactionPath(plain, "👍")}, status: 401,
			exact: `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`},
		{name: "GET is not a method of the route", req: request{method: "GET", path: reactionPath(plain, "👍"), token: e.userToken}, status: 405,
			headers: map[string]string{"Allow": "PUT, DELETE, OPTIONS"}},
		{name: "a message without reactions has no reactions field", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 200,
			want: []string{`"text": "no reactions here"`}, notWant: []string{`"reactions"`}},
	})

	// The refusals changed nothing.
	for _, c := range []struct{ token, room, id string }{{e.userToken, room, plain}, {e.adminToken, hidden, secret}} {
		assert.NotContains(t, e.messageJSON(c.token, c.room, c.id), `"reactions"`)
	}
	assert.NotContains(t, e.messageFrom(e.userToken, "with="+e.admin.ID.Hex(), direct), `"reactions"`)
}

func TestReactions_TheLimitsPerMessageAreRefusedAndChangeNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	room := e.createRoom("votes", "") // open and visible: anyone may read, and react
	id := e.post(e.adminToken, room, "vote")
	mid, err := storage.ParseID(id)
	require.NoError(t, err)
	emoji := emojiRun(storage.MaxReactionEmoji + 1)
	// The reactions before come straight from the store, so that the
	// rate limit (tested on its own) does not come into it.
	add := func(u storage.User, emoji ...string) {
		for _, x := range emoji {
			_, _, err := e.store.AddReaction(ctx, mid, storage.Reaction{Emoji: x, User: u.ID, Username: u.Username, At: time.Now()})
			require.NoError(t, err)
		}
	}
	add(e.user, emoji[:storage.MaxUserReactions]...)
	before := e.messageJSON(e.userToken, room, id)
	r := e.do(request{method: "PUT", path: reactionPath(id, emoji[storage.MaxUserReactions]), token: e.userToken})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, tooManyMine, r.body)
	assert.Equal(t, before, e.messageJSON(e.userToken, room, id))

	add(e.admin, emoji[storage.MaxUserReactions:storage.MaxReactionEmoji]...)
	_, carol := e.tokenOf("carol")
	before = e.messageJSON(e.userToken, room, id)
	r = e.do(request{method: "PUT", path: reactionPath(id, emoji[storage.MaxReactionEmoji]), token: carol})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, tooManyEmoji, r.body)
	assert.Equal(t, before, e.messageJSON(e.userToken, room, id))
	r = e.do(request{method: "PUT", path: reactionPath(id, emoji[0]), token: carol})
	assert.Equal(t, http.StatusOK, r.status, "an emoji the message has is no new one: %s", r.body)
	assert.Contains(t, r.body, `{"emoji": "`+emoji[0]+`", "count": 2, `)
}

func TestReactions_AThousandTogglesFromOneClientAreLimitedAndCountsStayRight(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	e := newEnv(t, func(o *envConfig) { o.Now = clock.Now })
	room := e.joined("toggles")
	id, posted := e.say(e.adminToken, room, "toggle me")
	r := e.do(request{method: "PUT", path: reactionPath(id, "👍"), token: e.adminToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	admin, user := reactor(e.admin.ID.Hex(), "admin"), reactor(e.user.ID.Hex(), "test_user")

	var done, limited int
	var last string
	for i := range 1000 {
		method := "PUT"
		if i%2 == 1 {
			method = "DELETE"
		}
		r := e.do(request{method: method, path: reactionPath(id, "👍"), token: e.userToken})
		switch r.status {
		case http.StatusOK:
			done++
			last = r.body
		case http.StatusTooManyRequests:
			limited++
			if limited == 1 {
				assert.Equal(t, tooFast, r.body)
				assert.Equal(t, "1", r.header.Get("Retry-After"))
			}
		default:
			t.Fatalf("toggle %d: %d %s", i, r.status, r.body)
		}
	}
	assert.Equal(t, 60, done, "60 changes in 10 seconds")
	assert.Equal(t, 940, limited)
	alone := withReactions(posted, reactionsJSON([]string{"👍", admin}))
	assert.Equal(t, alone, last, "the 60th change took the user's 👍 off")
	assert.Equal(t, alone, e.messageJSON(e.userToken, room, id), "the refusals changed nothing")

	clock.advance(10 * time.Second)
	r = e.do(request{method: "PUT", path: reactionPath(id, "👍"), token: e.userToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Equal(t, withReactions(posted, reactionsJSON([]string{"👍", admin, user})), r.body)
}

func TestReactions_FiftyUsersAtOnceAreAllCounted(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("crowd", "") // open and visible: anyone may read, and react
	id, posted := e.say(e.adminToken, room, "lunch?")
	var reqs []request
	reactors := map[string]bool{}
	for i := range 50 {
		name := fmt.Sprintf("user%02d", i)
		uid, token := e.tokenOf(name)
		reactors[reactor(uid, name)] = true
		reqs = append(reqs, request{method: "PUT", path: reactionPath(id, "🍕"), token: token})
	}
	for i, r := range e.sendAll(reqs...) {
		require.Equal(t, http.StatusOK, r.status, "user%02d: %s", i, r.body)
	}
	var v struct {
		Reactions []struct {
			Emoji string `json:"emoji"`
			Count int    `json:"count"`
			Users []struct {
				ID       map[string]string `json:"_id"`
				Username string            `json:"username"`
			} `json:"users"`
		} `json:"reactions"`
	}
	got := e.messageJSON(e.adminToken, room, id)
	require.NoError(t, json.Unmarshal([]byte(got), &v))
	require.Len(t, v.Reactions, 1)
	assert.Equal(t, "🍕", v.Reactions[0].Emoji)
	assert.Equal(t, 50, v.Reactions[0].Count)
	seen := map[string]bool{}
	for _, u := range v.Reactions[0].Users {
		seen[reactor(u.ID["$oid"], u.Username)] = true
	}
	assert.Equal(t, reactors, seen)
	assert.True(t, strings.HasPrefix(got, strings.TrimSuffix(posted, "}")), "the rest of the message is as posted")
}
