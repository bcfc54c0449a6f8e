package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHooks_Scenarios(t *testing.T) {
	e := newEnv(t)
	room := e.joined("alerts")
	r := e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": "CI"}`})
	require.Equal(t, 201, r.status, r.body)
	var hook struct {
		ID  map[string]string `json:"_id"`
		URL string            `json:"url"`
	}
	r.json(t, &hook)
	require.Regexp(t, `^/api/hooks/[a-z0-9]{32}$`, hook.URL)
	form := url.Values{"payload": {`{"text": "from a form"}`}}.Encode()
	e.run(t, []scenario{
		{name: "a member may not make hooks", req: request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.userToken, body: `{}`}, status: 403},
		{name: "the list hides the secret", req: request{method: "GET", path: "/api/rooms/" + room + "/hooks", token: e.adminToken}, status: 200, want: []string{`"name": "CI"`}},
		{name: "a Slack-style post", req: request{method: "POST", path: hook.URL, body: `{"text": "build failed"}`}, status: 200,
			want: []string{`"text": "build failed"`, `"username": "CI"`, `"hook": {"$oid": "` + hook.ID["$oid"] + `"}`}},
		{name: "with a username", req: request{method: "POST", path: hook.URL, body: `{"text": "deployed", "username": "deploybot"}`}, status: 200, want: []string{`"username": "deploybot"`}},
		{name: "as a form payload", req: request{method: "POST", path: hook.URL, body: form, headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 200, want: []string{"from a form"}},
		{name: "a form without payload", req: request{method: "POST", path: hook.URL, body: "x=1", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 400},
		{name: "a form with a bad payload", req: request{method: "POST", path: hook.URL, body: "payload=%7B", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 400},
		{name: "no text", req: request{method: "POST", path: hook.URL, body: `{"attachments": []}`}, status: 400},
		{name: "malformed", req: request{method: "POST", path: hook.URL, body: `{"text": `}, status: 400},
		{name: "oversized", req: request{method: "POST", path: hook.URL, body: `{"text": "` + strings.Repeat("x", 300<<10) + `"}`}, status: 413},
		{name: "a bad secret", req: request{method: "POST", path: "/api/hooks/0000000000000000000000000000zzzz", body: `{"text": "x"}`}, status: 404},
		{name: "a malformed secret", req: request{method: "POST", path: "/api/hooks/../../etc", body: `{"text": "x"}`}, status: 404},
		{name: "the messages are in the room", req: request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}, status: 200, want: []string{"build failed", "deployed"}},
		{name: "revoke", req: request{method: "DELETE", path: "/api/rooms/" + room + "/hooks/" + hook.ID["$oid"], token: e.adminToken}, status: 204},
		{name: "a revoked hook is dead", req: request{method: "POST", path: hook.URL, body: `{"text": "x"}`}, status: 404},
		{name: "revoke again", req: request{method: "DELETE", path: "/api/rooms/" + room + "/hooks/" + hook.ID["$oid"], token: e.adminToken}, status: 404},
	})
	r = e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	var msgs []struct {
		ID map[string]string `json:"_id"`
	}
	r.json(t, &msgs)
	require.NotEmpty(t, msgs)
	r = e.do(request{method: "PATCH", path: "/api/messages/" + msgs[0].ID["$oid"], token: e.adminToken, body: `{"text": "forged"}`})
	assert.Equal(t, 403, r.status, "a hook's message cannot be edited by the hook's maker")
}

func TestHooks_DieWithTheirMakersAccount(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("ops", "")
	// The ordinary user becomes an owner and makes a hook.
	r := e.do(request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + room + `", "user": "` + e.user.ID.Hex() + `", "role": "owner"}`})
	require.Equal(t, 201, r.status, r.body)
	r = e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.userToken, body: `{}`})
	require.Equal(t, 201, r.status, r.body)
	var hook struct {
		URL string `json:"url"`
	}
	r.json(t, &hook)
	require.Equal(t, 200, e.do(request{method: "POST", path: hook.URL, body: `{"text": "works"}`}).status)
	r = e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"is_disabled": true}`})
	require.Equal(t, 200, r.status)
	assert.Equal(t, 404, e.do(request{method: "POST", path: hook.URL, body: `{"text": "after"}`}).status)
}
