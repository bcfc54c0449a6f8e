package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// profileAt is the fixed moment the profile tests' clock starts at.
var profileAt = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// patchMe sends PATCH /api/me with body as the user of token.
func (e *env) patchMe(token, body string) response {
	e.t.Helper()
	return e.do(request{method: "PATCH", path: "/api/me", token: token, body: body})
}

// storedUser is the user with id (hex) as the store holds it.
func (e *env) storedUser(id string) storage.User {
	e.t.Helper()
	uid, err := storage.ParseID(id)
	require.NoError(e.t, err)
	u, err := e.store.User(context.Background(), uid)
	require.NoError(e.t, err)
	return u
}

func TestProfile_BadInputIsRefusedWithTheDocumentedErrorAndChangesNothing(t *testing.T) {
	clock := &fakeClock{now: profileAt}
	e := newEnv(t, func(o *envConfig) { o.Now = clock.Now })
	// What every row must leave as it is.
	r := e.patchMe(e.userToken, `{"display_name": "Kept Name", "status": {"text": "Kept status"}}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	before := e.storedUser(e.user.ID.Hex())

	invalid := func(field, why string) string {
		return fmt.Sprintf(`{"title": "Invalid parameter", "description": "The '%s' parameter %s."}`, field, why)
	}
	const (
		nameText    = "must be printable text on one line"
		nameFormat  = "must not contain invisible formatting characters (bidi controls, zero-width characters)"
		statusText  = "must be printable text on one line"
		statusFmt   = "must not contain invisible formatting characters (bidi controls, zero-width characters) outside an emoji"
		mustBeTime  = `must be a time such as \"2026-12-04T18:00:00Z\" (RFC 3339), or null`
		mustBeObj   = `must be an object such as {\"text\": \"In a meeting\", \"expires\": null}, or null`
		tooLarge    = `{"title": "Request body too large", "description": "The request body must not be larger than 256 KiB."}`
		missingName = `{"title": "Missing parameter", "description": "The 'display_name' parameter is required."}`
	)
	patch := func(body string) request {
		return request{method: "PATCH", path: "/api/me", token: e.userToken, body: body}
	}
	huge := strings.Repeat("a", 1<<20)
	e.run(t, []scenario{
		{name: "a display name of 65 characters", req: patch(`{"display_name": "` + strings.Repeat("é", 65) + `"}`),
			status: 400, exact: invalid("display_name", "must be at most 64 characters long")},
		{name: "a display name on two lines", req: patch(`{"display_name": "Ann\nAdmin"}`), status: 400, exact: invalid("display_name", nameText)},
		{name: "a display name with a bell", req: patch(`{"display_name": "Ann\u0007"}`), status: 400, exact: invalid("display_name", nameText)},
		{name: "a display name with a NUL", req: patch(`{"display_name": "Ann\u0000"}`), status: 400, exact: invalid("display_name", nameText)},
		{name: "a display name shown backwards by a bidi override", req: patch(`{"display_name": "\u202enimda"}`), status: 400, exact: invalid("display_name", nameFormat)},
		{name: "a display name with a bidi isolate", req: patch(`{"display_name": "\u2067Ann\u2069"}`), status: 400, exact: invalid("display_name", nameFormat)},
		{name: "a display name with a zero-width space", req: patch(`{"display_name": "ad\u200bmin"}`), status: 400, exact: invalid("display_name", nameFormat)},
		{name: "a display name with a byte-order mark", req: patch(`{"display_name": "\ufeffAnn"}`), status: 400, exact: invalid("display_name", nameFormat)},
		{name: "a display name that is a number", req: patch(`{"display_name": 42}`), status: 400, exact: invalid("display_name", "must be a string")},
		{name: "a display name that is an operator", req: patch(`{"display_name": {"$ne": 1}}`), status: 400, exact: invalid("display_name", "must be a string")},
		{name: "a display name that is a list", req: patch(`{"display_name": ["Ann"]}`), status: 400, exact: invalid("display_name", "must be a string")},
		{name: "a display name that is true", req: patch(`{"display_name": true}`), status: 400, exact: invalid("display_name", "must be a string")},
		{name: "a status of 101 characters", req: patch(`{"status": {"text": "` + strings.Repeat("x", 101) + `"}}`),
			status: 400, exact: invalid("status.text", "must be at most 100 characters long")},
		{name: "a status on two lines", req: patch(`{"status": {"text": "busy\r\nreally"}}`), status: 400, exact: invalid("status.text", statusText)},
		{name: "a status shown backwards by a bidi override", req: patch(`{"status": {"text": "\u202eyadiloh no"}}`), status: 400, exact: invalid("status.text", statusFmt)},
		{name: "a status with a right-to-left mark", req: patch(`{"status": {"text": "busy\u200f"}}`), status: 400, exact: invalid("status.text", statusFmt)},
		{name: "a status with a stray joiner", req: patch(`{"status": {"text": "a\u200db"}}`), status: 400, exact: invalid("status.text", statusFmt)},
		{name: "a status that is a string", req: patch(`{"status": "busy"}`), status: 400, exact: invalid("status", mustBeObj)},
		{name: "a status that is a list", req: patch(`{"status": ["busy"]}`), status: 400, exact: invalid("status", mustBeObj)},
		{name: "a status that is a number", req: patch(`{"status": 1}`), status: 400, exact: invalid("status", mustBeObj)},
		{name: "a status text that is a number", req: patch(`{"status": {"text": 5}}`), status: 400, exact: invalid("status.text", "must be a string")},
		{name: "a status text that is an object", req: patch(`{"status": {"text": {"$gt": ""}}}`), status: 400, exact: invalid("status.text", "must be a string")},
		{name: "an expiry in words", req: patch(`{"status": {"text": "out", "expires": "tomorrow"}}`), status: 400, exact: invalid("status.expires", mustBeTime)},
		{name: "an expiry in seconds", req: patch(`{"status": {"text": "out", "expires": 1764838800}}`), status: 400, exact: invalid("status.expires", mustBeTime)},
		{name: "an expiry without its zone", req: patch(`{"status": {"text": "out", "expires": "2026-12-04T18:00:00"}}`), status: 400, exact: invalid("status.expires", mustBeTime)},
		{name: "an expiry whose $date is a number", req: patch(`{"status": {"text": "out", "expires": {"$date": 5}}}`), status: 400, exact: invalid("status.expires", mustBeTime)},
		{name: "an expiry in the past", req: patch(`{"status": {"text": "out", "expires": "2026-12-04T08:59:59Z"}}`), status: 400, exact: invalid("status.expires", "must be a time in the future")},
		{name: "an expiry that is now", req: patch(`{"status": {"text": "out", "expires": "2026-12-04T10:00:00+01:00"}}`), status: 400, exact: invalid("status.expires", "must be a time in the future")},
		{name: "a 1 MB display name", req: patch(`{"display_name": "` + huge + `"}`), status: 413, exact: tooLarge},
		{name: "a 1 MB body of unknown fields", req: patch(`{"padding": "` + huge + `", "display_name": "Ann"}`), status: 413, exact: tooLarge},
		{name: "unknown fields only", req: patch(`{"nickname": "Ann", "mood": "🙂"}`), status: 400, exact: missingName},
		{name: "an empty object", req: patch(`{}`), status: 400, exact: missingName},
		{name: "no body", req: request{method: "PATCH", path: "/api/me", token: e.userToken}, status: 400, exact: missingName},
		{name: "JSON cut short", req: patch(`{"display_name": "Ann"`), status: 400, want: []string{`"title": "Malformed JSON"`}},
		{name: "a body that is no object", req: patch(`"Ann"`), status: 400, want: []string{`"title": "Malformed JSON"`}},
		{name: "two objects", req: patch(`{"display_name": "Ann"} {}`), status: 400, want: []string{`"title": "Malformed JSON"`}},
		{name: "a body that is not UTF-8", req: patch("{\"display_name\": \"Ann\xff\"}"), status: 400, want: []string{`"title": "Malformed JSON"`}},
		{name: "a body that is not JSON", req: request{method: "PATCH", path: "/api/me", token: e.userToken, body: "display_name=Ann", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			status: 406, want: []string{`"title": "Media type not acceptable"`}},
		{name: "no credentials", req: request{method: "PATCH", path: "/api/me", body: `{"display_name": "Ann"}`},
			status: 401, exact: `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`},
		{name: "PUT, which the route lacks", req: request{method: "PUT", path: "/api/me", token: e.userToken, body: `{"display_name": "Ann"}`},
			status: 405, headers: map[string]string{"Allow": "GET, PATCH, OPTIONS"}},
	})
	// A browser's cookie without this server's Origin is refused too.
	b := e.browser("test_user", "test_pass")
	r = e.do(request{method: "PATCH", path: "/api/me", body: `{"display_name": "Forged"}`, client: b})
	assert.Equal(t, http.StatusForbidden, r.status, r.body)
	r = e.do(request{method: "PATCH", path: "/api/me", body: `{"display_name": "Mine"}`, client: b, headers: e.origin()})
	assert.Equal(t, http.StatusOK, r.status, r.body)
	r = e.patchMe(e.userToken, `{"display_name": "Kept Name"}`)
	require.Equal(t, http.StatusOK, r.status, r.body)

	assert.Equal(t, before, e.storedUser(e.user.ID.Hex()), "nothing refused was stored")
}

func TestProfile_SetOnesOwnShownEverywhereToEveryoneAndRemovedByNullOrEmpty(t *testing.T) {
	clock := &fakeClock{now: profileAt}
	e := newEnv(t, func(o *envConfig) { o.Now = clock.Now })
	room := e.joined("general")
	userID := e.user.ID.Hex()
	otherID, other := e.tokenOf("other")
	watcher := e.dial(other, "") // shares no room with the user: learns of it anyway
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "` + otherID + `", "text": "hi"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)

	// Trimmed; an emoji at the start is text; the expiry is kept in
	// UTC at millisecond precision; unknown fields are ignored.
	r = e.patchMe(e.userToken, `{"display_name": "  Ann Smith ", "status": {"text": " 🌴 On holiday ", "expires": "2026-12-05T18:00:00.1234+01:00", "emoji": "x"}, "email": "evil@example.com"}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	profile := `"display_name": "Ann Smith", "status": {"text": "🌴 On holiday", "expires": {"$date": "2026-12-05T17:00:00.123Z"}}`
	me := `{"_id": {"$oid": "` + userID + `"}, "username": "test_user", "email": "test@example.com", "is_superuser": false, "is_disabled": false, ` +
		`"created": {"$date": "2026-12-04T09:00:00.000Z"}, ` + profile + `, "can_create_rooms": false, "can_invite": false, "can_create_bots": false, "hide_presence": false}`
	assert.Equal(t, me, r.body, "the answer is GET /api/me's")
	assert.Equal(t, me, e.do(request{method: "GET", path: "/api/me", token: e.userToken}).body)
	assert.Equal(t, "test@example.com", e.storedUser(userID).Email, "only the profile changes")
	ev := watcher.nextOf("user.updated")
	assert.JSONEq(t, `{"_id": {"$oid": "`+userID+`"}, "username": "test_user", `+profile+`}`, string(ev.Data), "everyone learns of it live, without an email")

	// Every view of the user carries it.
	views := []struct{ what, token, path string }{
		{"the user, to an administrator", e.adminToken, "/api/users/" + userID},
		{"the users, to an administrator", e.adminToken, "/api/users"},
		{"the people directory", other, "/api/people?q=test"},
		{"the members", e.adminToken, "/api/members?room=" + room},
		{"the direct conversations", other, "/api/directs"},
	}
	for _, v := range views {
		got := e.do(request{method: "GET", path: v.path, token: v.token})
		require.Equal(t, http.StatusOK, got.status, got.body)
		assert.Contains(t, got.body, `"username": "test_user", `, v.what)
		assert.Contains(t, got.body, profile, v.what)
	}
	people := e.do(request{method: "GET", path: "/api/people?q=test", token: other}).body
	assert.Equal(t, `[{"_id": {"$oid": "`+userID+`"}, "username": "test_user", `+profile+`}]`, people, "never an email")
	assert.NotContains(t, e.do(request{method: "GET", path: "/api/people?q=other", token: other}).body, "display_name", "a user without a profile has no such fields")
	ping := e.do(request{method: "GET", path: "/api/ping", token: e.userToken}).body
	assert.Equal(t, `{"username": "test_user", "is_superuser": false, "have_rooms": true}`, ping, "the seed's ping keeps its three fields")

	// One field at a time; the other stays.
	r = e.patchMe(e.userToken, `{"status": {"text": "In a meeting", "expires": null}}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"display_name": "Ann Smith", "status": {"text": "In a meeting"}, "can_create_rooms"`, "no expiry: none shown")
	ev = watcher.nextOf("user.updated")
	assert.JSONEq(t, `{"_id": {"$oid": "`+userID+`"}, "username": "test_user", "display_name": "Ann Smith", "status": {"text": "In a meeting"}}`, string(ev.Data))
	r = e.patchMe(e.userToken, `{"display_name": "Ann"}`)
	assert.Contains(t, r.body, `"display_name": "Ann", "status": {"text": "In a meeting"}, `)
	// Given back as the API writes it: {"$date": …} is taken too.
	r = e.patchMe(e.userToken, `{"status": {"text": "Back soon", "expires": {"$date": "2026-12-04T10:00:00.000Z"}}}`)
	assert.Contains(t, r.body, `"status": {"text": "Back soon", "expires": {"$date": "2026-12-04T10:00:00.000Z"}}`)

	// Removed by null, by "", by a blank text; then the fields are gone.
	for _, body := range []string{`{"display_name": null, "status": null}`, `{"display_name": "", "status": {"text": ""}}`, `{"display_name": "   ", "status": {"text": " ", "expires": "2030-01-01T00:00:00Z"}}`} {
		r = e.patchMe(e.userToken, `{"display_name": "Ann", "status": {"text": "x"}}`)
		require.Equal(t, http.StatusOK, r.status, r.body)
		r = e.patchMe(e.userToken, body)
		require.Equal(t, http.StatusOK, r.status, r.body)
		assert.NotContains(t, r.body, `"display_name"`, body)
		assert.NotContains(t, r.body, `"status"`, body)
		u := e.storedUser(userID)
		assert.Empty(t, u.DisplayName, body)
		assert.Equal(t, storage.Status{}, u.Status, body)
	}
	ev = watcher.nextOf("user.updated")
	for ev.Data != nil && strings.Contains(string(ev.Data), "display_name") {
		ev = watcher.nextOf("user.updated")
	}
	assert.JSONEq(t, `{"_id": {"$oid": "`+userID+`"}, "username": "test_user"}`, string(ev.Data), "a removal reaches everyone too")

	// A bot, with its token, has a profile of its own.
	r = e.do(request{method: "POST", path: "/api/bots", token: e.adminToken, body: `{"username": "deploybot"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	botID := oid(t, r)
	r = e.do(request{method: "POST", path: "/api/bots/" + botID + "/tokens", token: e.adminToken, body: `{"name": "ci"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	var tok struct{ Value string }
	r.json(t, &tok)
	r = e.patchMe(tok.Value, `{"display_name": "Deploy Bot", "status": {"text": "🚀 Shipping"}}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"is_bot": true, "owner": {"$oid": "`+e.admin.ID.Hex()+`"}, "display_name": "Deploy Bot", "status": {"text": "🚀 Shipping"}`)
}

func TestProfile_AnExpiredStatusIsShownNowhereAndGoesWithTheNextWrite(t *testing.T) {
	clock := &fakeClock{now: profileAt}
	e := newEnv(t, func(o *envConfig) { o.Now = clock.Now })
	room := e.joined("general")
	userID := e.user.ID.Hex()
	otherID, other := e.tokenOf("other")
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"recipient": "` + otherID + `", "text": "hi"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	r = e.patchMe(e.userToken, `{"display_name": "Ann", "status": {"text": "In a meeting", "expires": "2026-12-04T10:00:00Z"}}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	views := []struct{ what, token, path string }{
		{"the account", e.userToken, "/api/me"},
		{"the user, to an administrator", e.adminToken, "/api/users/" + userID},
		{"the users, to an administrator", e.adminToken, "/api/users"},
		{"the people directory", other, "/api/people?q=test"},
		{"the members", e.adminToken, "/api/members?room=" + room},
		{"the direct conversations", other, "/api/directs"},
	}
	shown := func(when string, want bool) {
		t.Helper()
		for _, v := range views {
			got := e.do(request{method: "GET", path: v.path, token: v.token})
			require.Equal(t, http.StatusOK, got.status, got.body)
			assert.Contains(t, got.body, `"display_name": "Ann"`, "%s, %s: the name does not expire", v.what, when)
			if want {
				assert.Contains(t, got.body, `"status": {"text": "In a meeting", "expires": {"$date": "2026-12-04T10:00:00.000Z"}}`, "%s, %s", v.what, when)
			} else {
				assert.NotContains(t, got.body, `"status"`, "%s, %s", v.what, when)
			}
		}
	}
	clock.advance(time.Hour - time.Millisecond)
	shown("a millisecond before it expires", true)
	clock.advance(time.Millisecond)
	shown("when it expires", false)
	assert.Equal(t, "In a meeting", e.storedUser(userID).Status.Text, "no job cleared it: it is only hidden")

	// The next write of the user clears it, and says so to everyone
	// without the status.
	watcher := e.dial(other, "")
	r = e.patchMe(e.userToken, `{"display_name": "Ann B."}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.NotContains(t, r.body, `"status"`)
	assert.Equal(t, storage.Status{}, e.storedUser(userID).Status, "cleared by the write")
	ev := watcher.nextOf("user.updated")
	assert.JSONEq(t, `{"_id": {"$oid": "`+userID+`"}, "username": "test_user", "display_name": "Ann B."}`, string(ev.Data))

	// An administrator's write of the user (a new email) clears it too.
	r = e.patchMe(e.userToken, `{"status": {"text": "Lunch", "expires": "2026-12-04T10:30:00Z"}}`)
	require.Equal(t, http.StatusOK, r.status, r.body)
	clock.advance(time.Hour)
	r = e.do(request{method: "PATCH", path: "/api/users/" + userID, token: e.adminToken, body: `{"email": "ann@example.com"}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.NotContains(t, r.body, `"status"`)
	assert.Equal(t, storage.Status{}, e.storedUser(userID).Status)
}

// messageName is the display_name of a message's JSON ("" if none).
func messageName(t *testing.T, data []byte) string {
	t.Helper()
	var m struct {
		DisplayName *string `json:"display_name"`
	}
	require.NoError(t, json.Unmarshal(data, &m), string(data))
	if m.DisplayName == nil {
		return ""
	}
	require.NotEmpty(t, *m.DisplayName, "an empty display_name is left out, not sent as \"\"")
	return *m.DisplayName
}
