package api_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

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
		{name: "a payload's username is not taken", req: request{method: "POST", path: hookURL, body: `{"text": "deployed", "username": "admin"}`}, status: 200,
			want: []string{`"username": "CI"`}, notWant: []string{`"username": "admin"`}},
		{name: "as a form payload", req: request{method: "POST", path: hookURL, body: form, headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 200, want: []string{"from a form"}},
		{name: "a form without payload", req: request{method: "POST", path: hookURL, body: "x=1", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'payload' parameter is required."}`},
		{name: "a form with a bad payload", req: request{method: "POST", path: hookURL, body: "payload=%7B", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 400,
			exact: `{"title": "Malformed JSON", "description": "The 'payload' field is not a JSON object."}`},
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

// TestHooks_WhatTheToolsSendIsPostedWithCardsAndFound posts each payload
// in appliance/slack/testdata (what Alertmanager, Grafana, Gitea, Uptime
// Kuma, GitHub Actions, Sentry and Mattermost clients send) as JSON and as
// a form, and finds each by search.
func TestHooks_WhatTheToolsSendIsPostedWithCardsAndFound(t *testing.T) {
	e := newEnv(t)
	room := e.joined("alerts")
	_, hookURL := e.newHook(room, "tools")
	files, err := filepath.Glob("../slack/testdata/*.json")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 10)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			body, err := os.ReadFile(f)
			require.NoError(t, err)
			for _, req := range []request{
				{method: "POST", path: hookURL, body: string(body), headers: map[string]string{"Content-Type": "application/json"}},
				{method: "POST", path: hookURL, body: url.Values{"payload": {string(body)}}.Encode(), headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			} {
				r := e.do(req)
				require.Equal(t, 200, r.status, r.body)
				var m struct {
					ID          map[string]string `json:"_id"`
					Text        string            `json:"text"`
					Attachments []map[string]any  `json:"attachments"`
				}
				r.json(t, &m)
				require.NotEmpty(t, m.Text)
				if !strings.Contains(f, "mrkdwn") {
					require.NotEmpty(t, m.Attachments, "cards")
					require.Contains(t, r.body, `"lead": "`, "what to show above the cards")
				}
				// The first word of the text that search indexes finds it.
				word := strings.FieldsFunc(m.Text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })[0]
				found := e.do(request{method: "GET", path: "/api/messages?q=" + url.QueryEscape(word) + "&room=" + room, token: e.userToken})
				require.Equal(t, 200, found.status, found.body)
				require.Contains(t, found.body, m.ID["$oid"], "search for %q", word)
			}
		})
	}
}

func TestHooks_BadOrHostilePayloadsAreClearErrorsAndLoseNothing(t *testing.T) {
	e := newEnv(t)
	room := e.joined("alerts")
	_, hookURL := e.newHook(room, "CI")
	r := e.do(request{method: "POST", path: hookURL, body: `{"text": "kept"}`})
	require.Equal(t, 200, r.status, r.body)
	dividers := `[` + strings.Repeat(`{"type":"divider"},`, 9999) + `{"type":"divider"}]`
	evil := `<script>alert(1)</script><img src=x onerror=alert(1)>`
	e.run(t, []scenario{
		{name: "attachments a string", req: request{method: "POST", path: hookURL, body: `{"attachments": "x"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'attachments' parameter must be an array of objects."}`},
		{name: "attachments an object", req: request{method: "POST", path: hookURL, body: `{"text": "x", "attachments": {"text": "x"}}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'attachments' parameter must be an array of objects."}`},
		{name: "blocks of numbers", req: request{method: "POST", path: hookURL, body: `{"blocks": [1]}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'blocks' parameter must be an array of objects."}`},
		{name: "10,000 blocks", req: request{method: "POST", path: hookURL, body: `{"blocks": ` + dividers + `}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'blocks' parameter may hold at most 100 items."}`},
		{name: "a payload with nothing to show", req: request{method: "POST", path: hookURL, body: `{"attachments": [{"color": "good", "fields": []}]}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The payload has nothing to show: give 'text', or 'attachments' or 'blocks' with something in them."}`},
		{name: "1 MB", req: request{method: "POST", path: hookURL, body: `{"attachments": [{"text": "` + strings.Repeat("x", 1<<20) + `"}]}`}, status: 413,
			exact: `{"title": "Request body too large", "description": "The request body must not be larger than 256 KiB."}`},
		{name: "1 MB as a form", req: request{method: "POST", path: hookURL, body: "payload=" + strings.Repeat("x", 1<<20), headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, status: 413,
			exact: `{"title": "Request body too large", "description": "The request body must not be larger than 256 KiB."}`},
		{name: "a payload that is not an object", req: request{method: "POST", path: hookURL, body: `[{"text": "x"}]`}, status: 400,
			exact: `{"title": "Malformed JSON", "description": "The request body must be a JSON object."}`},
		{name: "text of the wrong type", req: request{method: "POST", path: hookURL, body: `{"text": 5}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'text' parameter must be a string."}`},
		{name: "unknown blocks are skipped", req: request{method: "POST", path: hookURL, body: `{"blocks": [{"type": "carousel", "items": [1]}, {"type": "section", "text": {"type": "mrkdwn", "text": "*shown*"}}]}`}, status: 200,
			want: []string{`"text": "**shown**"`, `"attachments": [`}},
		{name: "HTML and script are kept as text, links that are not web links are dropped", status: 200,
			req:  request{method: "POST", path: hookURL, body: `{"attachments": [{"title": "` + strings.ReplaceAll(evil, `"`, `\"`) + `", "title_link": "javascript:alert(1)", "image_url": "data:text/html,x", "color": "expression(alert(1))"}]}`},
			want: []string{`"title": "<script>alert(1)</script><img src=x onerror=alert(1)>"`}, notWant: []string{"javascript:", "data:text", "expression"}},
	})
	r = e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	require.Contains(t, r.body, `"text": "kept"`, "what was stored before is still there")
}
