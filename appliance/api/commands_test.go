package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommands_Scenarios(t *testing.T) {
	e := newEnv(t)
	room := e.joined("ops") // the user is a member; the admin made it and owns it
	other := e.createRoom("elsewhere", "")
	run := func(token, text string) request {
		return request{method: "POST", path: "/api/commands", token: token, body: `{"room": "` + room + `", "text": "` + text + `"}`}
	}
	e.run(t, []scenario{
		{name: "the list", req: request{method: "GET", path: "/api/commands", token: e.userToken}, status: 200,
			want: []string{`"name": "me"`, `"name": "topic"`, `"usage": "@user"`, `"name": "leave"`, `"name": "mute"`}},
		{name: "the list needs a login", req: request{method: "GET", path: "/api/commands"}, status: 401, want: []string{`"title": "Not authentificated"`}},
		{name: "/me posts an action", req: run(e.userToken, "/me waves"), status: 200, want: []string{`"message": {`, `"text": "_waves_"`}, notWant: []string{`"text": "/me`}},
		{name: "/me alone", req: run(e.userToken, "/me"), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'text' parameter needs an action after /me, such as /me waves."}`},
		{name: "/topic by a member", req: run(e.userToken, "/topic Launch day"), status: 403, want: []string{`"title": "Permission Denied"`}},
		{name: "/topic by the owner", req: run(e.adminToken, "/TOPIC Launch day"), status: 200,
			exact: `{"text": "The topic of ops is now: Launch day"}`},
		{name: "/unmute by a member", req: run(e.userToken, "/unmute"), status: 200, exact: `{"text": "This room is no longer muted."}`},
		{name: "/invite of nobody", req: run(e.adminToken, "/invite @nobody"), status: 404, exact: `{"title": "Not found", "description": "No such user."}`},
		{name: "/invite without a name", req: run(e.adminToken, "/invite"), status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'user' parameter is required."}`},
		{name: "/invite by a member", req: run(e.userToken, "/invite @admin"), status: 403, want: []string{`"title": "Permission Denied"`}},
		{name: "an unknown command", req: run(e.userToken, "/etc/hosts is wrong"), status: 400,
			exact: `{"title": "Invalid parameter", "description": "There is no command /etc/hosts. Type / to see the commands, or start the text with a space to send it as a message."}`},
		{name: "a long unknown command is cut in the answer", req: run(e.userToken, "/"+strings.Repeat("x", 100)), status: 400,
			exact: `{"title": "Invalid parameter", "description": "There is no command /` + strings.Repeat("x", 32) + `…. Type / to see the commands, or start the text with a space to send it as a message."}`},
		{name: "text without a slash", req: run(e.userToken, "hello"), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'text' parameter must start with a slash command, such as /me or /topic."}`},
		{name: "no text", req: request{method: "POST", path: "/api/commands", token: e.userToken, body: `{"room": "` + room + `"}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'text' parameter is required."}`},
		{name: "no room", req: request{method: "POST", path: "/api/commands", token: e.userToken, body: `{"text": "/mute"}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'room' parameter is required."}`},
		{name: "a room that is not an id", req: request{method: "POST", path: "/api/commands", token: e.userToken, body: `{"room": "x", "text": "/mute"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'room' parameter must be an ObjectId."}`},
		{name: "text of the wrong type", req: request{method: "POST", path: "/api/commands", token: e.userToken, body: `{"room": "` + room + `", "text": ["/mute"]}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'text' parameter must be a string."}`},
		{name: "text too long", req: run(e.userToken, "/me "+strings.Repeat("a", 10_001)), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'text' parameter must be 1 to 10000 characters long."}`},
		{name: "/mute in a room one is not in", req: request{method: "POST", path: "/api/commands", token: e.userToken, body: `{"room": "` + other + `", "text": "/mute"}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "You are not a member of this room."}`},
		{name: "/me in a room one is not in", req: request{method: "POST", path: "/api/commands", token: e.userToken, body: `{"room": "` + other + `", "text": "/me waves"}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Join the room to post in it."}`},
	})
}

func TestCommands_DoWhatTheySay(t *testing.T) {
	e := newEnv(t)
	room := e.joined("ops")
	do := func(token, text string) response {
		r := e.do(request{method: "POST", path: "/api/commands", token: token, body: `{"room": "` + room + `", "text": "` + text + `"}`})
		require.Equal(t, 200, r.status, r.body)
		return r
	}
	do(e.adminToken, "/topic Launch day")
	r := e.do(request{method: "GET", path: "/api/rooms/" + room, token: e.userToken})
	assert.Contains(t, r.body, `"topic": "Launch day"`)
	assert.Equal(t, `{"text": "The topic of ops is cleared."}`, do(e.adminToken, "/topic").body)
	r = e.do(request{method: "GET", path: "/api/rooms/" + room, token: e.userToken})
	assert.NotContains(t, r.body, `"topic"`)

	do(e.userToken, "/mute")
	r = e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.Contains(t, r.body, `"muted": true`)
	do(e.userToken, "/unmute")
	r = e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.NotContains(t, r.body, `"muted"`)

	carol := e.newUser("carol")
	assert.Equal(t, `{"text": "carol is now a member of this room."}`, do(e.adminToken, "/invite @carol").body)
	r = e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.adminToken})
	assert.Contains(t, r.body, carol)

	assert.Equal(t, `{"text": "You left the room."}`, do(e.userToken, "/leave").body)
	r = e.do(request{method: "POST", path: "/api/commands", token: e.userToken, body: `{"room": "` + room + `", "text": "/leave"}`})
	assert.Equal(t, 403, r.status, r.body)
}

func TestCustomCommands_ARoundTripThroughTheReceiver(t *testing.T) {
	e := newEnv(t, withLoopbackOutgoing)
	room := e.joined("ops")
	var got url.Values
	var sigOK bool
	answer := `{"response_type": "in_channel", "text": "It is *sunny* in Paris", "attachments": [{"title": "Paris", "fields": [{"title": "Temp", "value": "21°C"}]}]}`
	status := 200
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got, _ = url.ParseQuery(string(body))
		sigOK = verify(got.Get("token"), r.Header.Get("X-Makechat-Request-Timestamp"), body, r.Header.Get("X-Makechat-Signature"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	defer recv.Close()

	r := e.do(request{method: "POST", path: "/api/custom-commands", token: e.adminToken, body: `{"name": "/Weather", "url": "` + recv.URL + `", "help": "The weather in a city"}`})
	require.Equal(t, 201, r.status, r.body)
	var c struct {
		ID    map[string]string `json:"_id"`
		Token string            `json:"token"`
	}
	r.json(t, &c)
	require.Len(t, c.Token, 32)
	list := e.do(request{method: "GET", path: "/api/commands", token: e.userToken})
	assert.Contains(t, list.body, `"name": "weather"`)
	assert.Contains(t, list.body, `"custom": true`)
	assert.NotContains(t, list.body, c.Token)

	run := func(text string) response {
		return e.do(request{method: "POST", path: "/api/commands", token: e.userToken, body: `{"room": "` + room + `", "text": "` + text + `"}`})
	}
	r = run("/weather Paris")
	require.Equal(t, 200, r.status, r.body)
	assert.True(t, sigOK, "signed with the command's token")
	assert.Equal(t, c.Token, got.Get("token"))
	assert.Equal(t, "/weather", got.Get("command"))
	assert.Equal(t, "Paris", got.Get("text"))
	assert.Equal(t, "test_user", got.Get("user_name"))
	assert.Equal(t, room, got.Get("channel_id"))
	assert.Equal(t, "ops", got.Get("channel_name"))
	assert.Contains(t, r.body, `"text": "It is **sunny** in Paris`)
	assert.Contains(t, r.body, `"title": "Paris"`)
	assert.Contains(t, r.body, `"sender": {"$oid": "`+e.user.ID.Hex()+`"}`, "an in_channel answer is posted as the one who asked")

	answer = `{"text": "only for you"}`
	r = run("/weather Oslo")
	assert.Equal(t, `{"text": "only for you"}`, r.body, "ephemeral by default")

	answer = `not json`
	r = run("/weather Rome")
	assert.Equal(t, 502, r.status)
	assert.Equal(t, `{"title": "Bad Gateway", "description": "The command /weather did not answer: its answer is not a JSON object."}`, r.body)
	status, answer = 500, `{}`
	r = run("/weather Rome")
	assert.Equal(t, `{"title": "Bad Gateway", "description": "The command /weather did not answer: it answered 500."}`, r.body)

	require.Equal(t, 204, e.do(request{method: "DELETE", path: "/api/custom-commands/" + c.ID["$oid"], token: e.adminToken}).status)
	r = run("/weather Rome")
	assert.Equal(t, 400, r.status, "gone")
}

func TestCustomCommands_BadInputIsRefused(t *testing.T) {
	e := newEnv(t) // no outgoing_allow
	post := func(body string) request {
		return request{method: "POST", path: "/api/custom-commands", token: e.adminToken, body: body}
	}
	e.run(t, []scenario{
		{name: "a user may not", req: request{method: "POST", path: "/api/custom-commands", token: e.userToken, body: `{"name": "x", "url": "https://x.example"}`}, status: 403,
			want: []string{`"title": "Permission Denied"`}},
		{name: "nor list them", req: request{method: "GET", path: "/api/custom-commands", token: e.userToken}, status: 403, want: []string{`"title": "Permission Denied"`}},
		{name: "a built-in name", req: post(`{"name": "me", "url": "https://x.example"}`), status: 409,
			exact: `{"title": "Conflict", "description": "A command named '/me' already exists."}`},
		{name: "no name", req: post(`{"url": "https://x.example"}`), status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'name' parameter is required."}`},
		{name: "a name with a space", req: post(`{"name": "two words", "url": "https://x.example"}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'name' parameter must be 1 to 32 lower-case letters, digits, '-' and '_'."}`},
		{name: "no url", req: post(`{"name": "x"}`), status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'url' parameter is required."}`},
		{name: "a file url", req: post(`{"name": "x", "url": "file:///etc/passwd"}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'url' parameter must be an http or https URL."}`},
		{name: "the loopback", req: post(`{"name": "x", "url": "http://127.0.0.1:9/"}`), status: 400,
			want: []string{"The 'url' parameter cannot be called: refused by the outgoing request policy"}},
		{name: "help on two lines", req: post(`{"name": "x", "url": "https://x.example", "help": "a\nb"}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'help' parameter must be printable text on one line."}`},
		{name: "no such command to delete", req: request{method: "DELETE", path: "/api/custom-commands/0123456789abcdef01234567", token: e.adminToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such command."}`},
		{name: "a malformed id", req: request{method: "DELETE", path: "/api/custom-commands/x", token: e.adminToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such command."}`},
	})
	r := e.do(request{method: "GET", path: "/api/custom-commands", token: e.adminToken})
	assert.Equal(t, "[]", r.body)
}
