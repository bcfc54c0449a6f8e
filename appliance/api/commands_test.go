package api_test

import (
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
