package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/storage"
)

func withBotsByUsers(o *envConfig) { o.UsersCreateBots = true }

// newBot makes a bot with token and returns its id and a token of it.
func (e *env) newBot(token, username string) (id, botToken string) {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/bots", token: token, body: `{"username": "` + username + `"}`})
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	id = oid(e.t, r)
	r = e.do(request{method: "POST", path: "/api/bots/" + id + "/tokens", token: token, body: `{"name": "main"}`})
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	var tok struct {
		Value string `json:"value"`
	}
	r.json(e.t, &tok)
	return id, tok.Value
}

func TestBots_Scenarios(t *testing.T) {
	e := newEnv(t)
	bot, botToken := e.newBot(e.adminToken, "ci-bot")
	room := e.createRoom("builds", "")
	e.run(t, []scenario{
		{name: "a bot is shown as one", req: request{method: "GET", path: "/api/users/" + bot, token: e.adminToken}, status: 200,
			want: []string{`"username": "ci-bot"`, `"is_bot": true`, `"owner": {"$oid": "`, `"email": ""`}},
		{name: "a person is not", req: request{method: "GET", path: "/api/me", token: e.userToken}, status: 200,
			want: []string{`"can_create_bots": false`}, notWant: []string{"is_bot", "owner"}},
		{name: "the people directory tags bots", req: request{method: "GET", path: "/api/people?q=ci", token: e.userToken}, status: 200,
			want: []string{`"username": "ci-bot"`, `"is_bot": true`}},
		{name: "a bot cannot log in with a password", req: request{method: "POST", path: "/api/login", body: `{"username": "ci-bot", "password": "anything"}`}, status: 401,
			exact: `{"title": "Bad login attempt", "description": "Invalid username or password."}`},
		{name: "its token works", req: request{method: "GET", path: "/api/me", token: botToken}, status: 200,
			want: []string{`"username": "ci-bot"`, `"is_bot": true`, `"can_create_bots": false`}},
		{name: "it posts in a room it joined", status: 201, want: []string{`"text": "build 7 passed"`},
			setup: func(e *env) request {
				r := e.do(request{method: "POST", path: "/api/members", token: botToken, body: `{"room": "` + room + `"}`})
				require.Contains(e.t, []int{201, 409}, r.status, r.body) // joined here or by another row
				return request{method: "POST", path: "/api/messages", token: botToken, body: `{"room": "` + room + `", "text": "build 7 passed"}`}
			}},
		{name: "the member list tags it", status: 200, want: []string{`"username": "ci-bot", "is_bot": true`},
			setup: func(e *env) request {
				r := e.do(request{method: "POST", path: "/api/members", token: botToken, body: `{"room": "` + room + `"}`})
				require.Contains(e.t, []int{201, 409}, r.status, r.body) // joined here or by another row
				return request{method: "GET", path: "/api/members?room=" + room, token: e.adminToken}
			}},
		{name: "a bot makes no bots", req: request{method: "POST", path: "/api/bots", token: botToken, body: `{"username": "x-bot"}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Only administrators may make bots."}`},
		{name: "a user makes no bots by default", req: request{method: "POST", path: "/api/bots", token: e.userToken, body: `{"username": "mine"}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Only administrators may make bots."}`},
		{name: "a user does not see others' bots", req: request{method: "GET", path: "/api/bots", token: e.userToken}, status: 200, exact: `[]`},
		{name: "nor their tokens", req: request{method: "GET", path: "/api/bots/" + bot + "/tokens", token: e.userToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such bot."}`},
		{name: "nor may delete them", req: request{method: "DELETE", path: "/api/bots/" + bot, token: e.userToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such bot."}`},
		{name: "a person is no bot", req: request{method: "GET", path: "/api/bots/" + e.user.ID.Hex() + "/tokens", token: e.adminToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such bot."}`},
		{name: "a malformed id", req: request{method: "GET", path: "/api/bots/zzz/tokens", token: e.adminToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such bot."}`},
		{name: "no username", req: request{method: "POST", path: "/api/bots", token: e.adminToken, body: `{}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'username' parameter is required."}`},
		{name: "a username of the wrong type", req: request{method: "POST", path: "/api/bots", token: e.adminToken, body: `{"username": 7}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'username' parameter must be a string."}`},
		{name: "a username with a space", req: request{method: "POST", path: "/api/bots", token: e.adminToken, body: `{"username": "ci bot"}`}, status: 400,
			want: []string{`"title": "Invalid parameter"`, `'username'`}},
		{name: "a taken username", req: request{method: "POST", path: "/api/bots", token: e.adminToken, body: `{"username": "TEST_USER"}`}, status: 409,
			exact: `{"title": "Conflict", "description": "The username 'TEST_USER' is already taken."}`},
		{name: "a bot gets no password", req: request{method: "PATCH", path: "/api/users/" + bot, token: e.adminToken, body: `{"password": "secret-pass"}`}, status: 409,
			exact: `{"title": "Conflict", "description": "A bot has no password or email and cannot be an administrator; give it tokens."}`},
		{name: "nor admin rights", req: request{method: "PATCH", path: "/api/users/" + bot, token: e.adminToken, body: `{"is_superuser": true}`}, status: 409,
			exact: `{"title": "Conflict", "description": "A bot has no password or email and cannot be an administrator; give it tokens."}`},
		{name: "a bot token of no bot", req: request{method: "DELETE", path: "/api/bots/" + bot + "/tokens/0123456789abcdef01234567", token: e.adminToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such token."}`},
	})

	// Deleting the bot ends its token.
	r := e.do(request{method: "DELETE", path: "/api/bots/" + bot, token: e.adminToken})
	require.Equal(t, 204, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/me", token: botToken})
	assert.Equal(t, 401, r.status)
	r = e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.adminToken})
	assert.Contains(t, r.body, "build 7 passed", "its messages stay")
}

func TestBots_UsersMakeTheirOwnWhenAllowed(t *testing.T) {
	e := newEnv(t, withBotsByUsers)
	mine, _ := e.newBot(e.userToken, "my-bot")
	theirs, _ := e.newBot(e.adminToken, "admins-bot")
	r := e.do(request{method: "GET", path: "/api/bots", token: e.userToken})
	assert.Contains(t, r.body, mine)
	assert.NotContains(t, r.body, theirs)
	r = e.do(request{method: "GET", path: "/api/bots", token: e.adminToken})
	assert.Contains(t, r.body, mine, "administrators answer for every bot")
	assert.Contains(t, r.body, theirs)
	r = e.do(request{method: "GET", path: "/api/me", token: e.userToken})
	assert.Contains(t, r.body, `"can_create_bots": true`)
	r = e.do(request{method: "DELETE", path: "/api/bots/" + mine, token: e.userToken})
	assert.Equal(t, 204, r.status, r.body)
}

func TestBots_AHookWithABotPostsAsTheBotUnderItsOwnName(t *testing.T) {
	e := newEnv(t)
	bot, _ := e.newBot(e.adminToken, "deploy-bot")
	room := e.joined("deploys")
	r := e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": "Deploys", "bot": "` + bot + `"}`})
	require.Equal(t, 201, r.status, r.body)
	assert.Contains(t, r.body, `"bot": {"$oid": "`+bot+`"}`)
	var h struct {
		URL string `json:"url"`
	}
	r.json(t, &h)
	r = e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.adminToken})
	assert.Contains(t, r.body, bot, "the bot joined the room")

	r = e.do(request{method: "POST", path: h.URL, body: `{"text": "shipped", "username": "admin"}`})
	require.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"sender": {"$oid": "`+bot+`"}`)
	assert.Contains(t, r.body, `"username": "deploy-bot"`, "not the name the payload asked for")

	// A user may not hang a hook on a bot it does not answer for.
	owned := e.createRoom("owned", "")
	r = e.do(request{method: "POST", path: "/api/rooms/" + owned + "/hooks", token: e.adminToken, body: `{"bot": "` + e.user.ID.Hex() + `"}`})
	assert.Equal(t, 400, r.status)
	assert.Equal(t, `{"title": "Invalid parameter", "description": "The 'bot' parameter must name a bot you answer for."}`, r.body)
	r = e.do(request{method: "POST", path: "/api/rooms/" + owned + "/hooks", token: e.adminToken, body: `{"bot": "nope"}`})
	assert.Equal(t, `{"title": "Invalid parameter", "description": "The 'bot' parameter must be an ObjectId."}`, r.body)

	// Once the bot is deleted, the hook is dead.
	require.Equal(t, 204, e.do(request{method: "DELETE", path: "/api/bots/" + bot, token: e.adminToken}).status)
	r = e.do(request{method: "POST", path: h.URL, body: `{"text": "anyone?"}`})
	assert.Equal(t, 404, r.status, r.body)
}

func TestBots_AHookWithoutABotGetsOneNamedAfterItThatGoesWithIt(t *testing.T) {
	e := newEnv(t)
	room := e.joined("alerts")
	type made struct {
		ID  map[string]string `json:"_id"`
		URL string            `json:"url"`
		Bot map[string]string `json:"bot"`
	}
	newHook := func(name string) made {
		js, _ := json.Marshal(name)
		r := e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": ` + string(js) + `}`})
		require.Equal(t, 201, r.status, r.body)
		var h made
		r.json(t, &h)
		require.NotEmpty(t, h.Bot["$oid"], "every new hook has a bot")
		return h
	}
	post := func(h made, body string) response {
		r := e.do(request{method: "POST", path: h.URL, body: body})
		require.Equal(t, 200, r.status, r.body)
		return r
	}

	// The bot takes the hook's name, made a username; the next hooks of
	// the same name get the first free of name-bot, name-2...
	grafana := newHook("Grafana alerts")
	r := post(grafana, `{"text": "CPU high", "username": "admin"}`)
	assert.Contains(t, r.body, `"sender": {"$oid": "`+grafana.Bot["$oid"]+`"}`)
	assert.Contains(t, r.body, `"username": "Grafana-alerts"`)
	assert.Contains(t, post(newHook("Grafana alerts"), `{"text": "x"}`).body, `"username": "Grafana-alerts-bot"`)
	assert.Contains(t, post(newHook("Grafana alerts"), `{"text": "x"}`).body, `"username": "Grafana-alerts-2"`)
	assert.Contains(t, post(newHook("🔔"), `{"text": "x"}`).body, `"username": "webhook"`, "nothing of the name is fit for a username")

	// It is a bot in the room, shown as one, owned by the hook's maker.
	r = e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.userToken})
	assert.Contains(t, r.body, grafana.Bot["$oid"])
	r = e.do(request{method: "GET", path: "/api/bots", token: e.adminToken})
	assert.Contains(t, r.body, `"username": "Grafana-alerts"`)
	assert.Contains(t, r.body, `"owner": {"$oid": "`+e.admin.ID.Hex()+`"}`)
	r = e.do(request{method: "GET", path: "/api/people?q=Grafana", token: e.userToken})
	assert.Contains(t, r.body, `"is_bot": true`)
	r = e.do(request{method: "POST", path: "/api/login", body: `{"username": "Grafana-alerts", "password": "anything"}`})
	assert.Equal(t, 401, r.status, "it cannot log in: %s", r.body)

	// Deleting the hook deletes its bot; the bot's messages stay.
	r = e.do(request{method: "DELETE", path: "/api/rooms/" + room + "/hooks/" + grafana.ID["$oid"], token: e.adminToken})
	require.Equal(t, 204, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/bots", token: e.adminToken})
	assert.NotContains(t, r.body, `"username": "Grafana-alerts"`)
	r = e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	assert.Contains(t, r.body, `"text": "CPU high"`)
	assert.Contains(t, newHook("Grafana alerts").URL, "/api/hooks/", "and its name is free again")
	r = e.do(request{method: "GET", path: "/api/bots", token: e.adminToken})
	assert.Contains(t, r.body, `"username": "Grafana-alerts"`)

	// A hook made with a chosen bot leaves the bot when it goes.
	bot, _ := e.newBot(e.adminToken, "keeper")
	r = e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": "kept", "bot": "` + bot + `"}`})
	require.Equal(t, 201, r.status, r.body)
	r = e.do(request{method: "DELETE", path: "/api/rooms/" + room + "/hooks/" + oid(t, r), token: e.adminToken})
	require.Equal(t, 204, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/bots", token: e.adminToken})
	assert.Contains(t, r.body, `"username": "keeper"`)
}

func TestBots_AHookMadeBeforeBotsPostsAsItsMakerUnderItsOwnName(t *testing.T) {
	e := newEnv(t)
	room := e.joined("old")
	roomID, err := storage.ParseID(room)
	require.NoError(t, err)
	// As such a hook is stored: no bot.
	secret := auth.NewToken()
	require.NoError(t, e.store.CreateHook(t.Context(), storage.Hook{ID: storage.NewIDGen().New(), Room: roomID, Creator: e.admin.ID, Name: "legacy CI", SecretHash: auth.HashKey(secret), Created: time.Now()}))
	r := e.do(request{method: "POST", path: "/api/hooks/" + secret, body: `{"text": "still here", "username": "admin"}`})
	require.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"username": "legacy CI"`, "the hook's name, chosen by an owner, not the payload's")
	assert.Contains(t, r.body, `"sender": {"$oid": "`+e.admin.ID.Hex()+`"}`)
	assert.Contains(t, r.body, `"hook": {"$oid": "`)
}

func TestBots_DeletingARoomDeletesTheBotsMadeForItsHooks(t *testing.T) {
	e := newEnv(t)
	room := e.joined("short-lived")
	e.newHook(room, "ephemeral")
	kept, _ := e.newBot(e.adminToken, "kept-bot")
	r := e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": "kept", "bot": "` + kept + `"}`})
	require.Equal(t, 201, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/bots", token: e.adminToken})
	require.Contains(t, r.body, `"username": "ephemeral"`)

	r = e.do(request{method: "DELETE", path: "/api/rooms/" + room, token: e.adminToken})
	require.Equal(t, 204, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/bots", token: e.adminToken})
	assert.NotContains(t, r.body, `"username": "ephemeral"`)
	assert.Contains(t, r.body, `"username": "kept-bot"`, "a bot made on its own stays")
}
