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
	// What the rows read; a row that revokes a hook makes its own.
	room := e.joined("alerts")
	hookID, hookURL := e.newHook(room, "CI")
	require.Regexp(t, `^/api/hooks/[a-z0-9]{32}$`, hookURL)
	secret := strings.TrimPrefix(hookURL, "/api/hooks/")
	form := url.Values{"payload": {`{"text": "from a form"}`}}.Encode()
	noHook := `{"title": "Not found", "description": "No such hook."}`
	e.run(t, []scenario{
		{name: "a member may not make hooks", req: request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.userToken, body: `{}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Room owner or admin required."}`},
		{name: "the list hides the secret", req: request{method: "GET", path: "/api/rooms/" + room + "/hooks", token: e.adminToken}, status: 200,
			want: []string{`"name": "CI"`}, notWant: []string{secret}},
		{name: "a Slack-style post", req: request{method: "POST", path: hookURL, body: `{"text": "build failed"}`}, status: 200,
			want: []string{`"text": "build failed"`, `"username": "CI"`, `"hook": {"$oid": "` + hookID + `"}`}},
		{name: "with a username", req: request{method: "POST", path: hookURL, body: `{"text": "deployed", "username": "deploybot"}`}, status: 200, want: []string{`"username": "deploybot"`}},
		{name: "as a form payload", req: request{method: "POST", path: hookURL, body: form, headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 200, want: []string{"from a form"}},
		{name: "a form without payload", req: request{method: "POST", path: hookURL, body: "x=1", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'payload' parameter is required."}`},
		{name: "a form with a bad payload", req: request{method: "POST", path: hookURL, body: "payload=%7B", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 400,
			exact: `{"title": "Malformed JSON", "description": "The 'payload' field is not a JSON object with a string 'text'."}`},
		{name: "no text", req: request{method: "POST", path: hookURL, body: `{"attachments": []}`}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'text' parameter is required."}`},
		{name: "malformed", req: request{method: "POST", path: hookURL, body: `{"text": `}, status: 400, want: []string{`"title": "Malformed JSON"`}},
		{name: "oversized", req: request{method: "POST", path: hookURL, body: `{"text": "` + strings.Repeat("x", 300<<10) + `"}`}, status: 413,
			exact: `{"title": "Request body too large", "description": "The request body must not be larger than 256 KiB."}`},
		{name: "a bad secret", req: request{method: "POST", path: "/api/hooks/0000000000000000000000000000zzzz", body: `{"text": "x"}`}, status: 404, exact: noHook},
		// The client sends the dots as they are; the server's router
		// redirects to the cleaned path, /etc, which is not the API's.
		{name: "a malformed secret", req: request{method: "POST", path: "/api/hooks/../../etc", body: `{"text": "x"}`}, status: 404, exact: "404 page not found\n"},
		{name: "a hook's messages are in the room", status: 200, want: []string{`"text": "seen in the room"`, `"hook": {"$oid": "` + hookID + `"}`},
			setup: func(e *env) request {
				r := e.do(request{method: "POST", path: hookURL, body: `{"text": "seen in the room"}`})
				require.Equal(e.t, 200, r.status, r.body)
				return request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken}
			}},
		{name: "a hook's message cannot be edited by the hook's maker", status: 403, want: []string{`"title": "Permission Denied"`},
			setup: func(e *env) request {
				r := e.do(request{method: "POST", path: hookURL, body: `{"text": "from the hook"}`})
				require.Equal(e.t, 200, r.status, r.body)
				return request{method: "PATCH", path: "/api/messages/" + oid(e.t, r), token: e.adminToken, body: `{"text": "forged"}`}
			}},
		{name: "revoke", status: 204,
			setup: func(e *env) request {
				id, _ := e.newHook(room, "to revoke")
				return request{method: "DELETE", path: "/api/rooms/" + room + "/hooks/" + id, token: e.adminToken}
			}},
		{name: "a revoked hook is dead", status: 404, exact: noHook,
			setup: func(e *env) request {
				_, postURL := e.revokedHook(room)
				return request{method: "POST", path: postURL, body: `{"text": "x"}`}
			}},
		{name: "revoke again", status: 404, exact: noHook,
			setup: func(e *env) request {
				id, _ := e.revokedHook(room)
				return request{method: "DELETE", path: "/api/rooms/" + room + "/hooks/" + id, token: e.adminToken}
			}},
	})
}

// revokedHook makes a hook in room, revokes it and returns its id and URL.
func (e *env) revokedHook(room string) (id, postURL string) {
	e.t.Helper()
	id, postURL = e.newHook(room, "revoked")
	r := e.do(request{method: "DELETE", path: "/api/rooms/" + room + "/hooks/" + id, token: e.adminToken})
	require.Equal(e.t, 204, r.status, r.body)
	return id, postURL
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
