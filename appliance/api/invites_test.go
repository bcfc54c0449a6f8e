package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withInvitesByOwners(o *envConfig) { o.InvitesByOwners = true }

// newInvite makes an invite as token and returns its id and the secret
// of its URL.
func (e *env) newInvite(token, body string) (id, secret string) {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/invites", token: token, body: body})
	require.Equal(e.t, 201, r.status, r.body)
	var v struct {
		ID  map[string]string `json:"_id"`
		URL string            `json:"url"`
	}
	r.json(e.t, &v)
	require.True(e.t, strings.HasPrefix(v.URL, "/invite/"), v.URL)
	return v.ID["$oid"], strings.TrimPrefix(v.URL, "/invite/")
}

func accept(secret, username string) request {
	return request{method: "POST", path: "/api/invites/" + secret + "/accept",
		body: fmt.Sprintf(`{"username": %q, "email": "%s@example.com", "password": "a long password"}`, username, username)}
}

func TestInvites_AnAcceptedInviteMakesAnAccountJoinedAndLoggedIn(t *testing.T) {
	e := newEnv(t) // registration is off
	general := e.createRoom("general", "")
	dev := e.createRoom("dev", `, "is_open": false, "is_visible": false`)
	_, secret := e.newInvite(e.adminToken, `{"rooms": ["`+general+`", {"$oid": "`+dev+`"}], "max_uses": 2}`)

	r := e.do(request{method: "GET", path: "/api/invites/" + secret + "/accept"})
	require.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"rooms": ["general", "dev"]`)
	assert.Contains(t, r.body, `"inviter": "admin"`)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	req := accept(secret, "newcomer")
	req.client = browser
	req.headers = e.origin()
	r = e.do(req)
	require.Equal(t, 201, r.status, r.body)
	assert.Contains(t, r.body, `"username": "newcomer"`)
	assert.Contains(t, r.body, `"is_superuser": false`)
	assert.Contains(t, r.header.Get("Set-Cookie"), "session=")

	// Logged in, and a member of both rooms, the hidden one too.
	r = e.do(request{method: "GET", path: "/api/ping", client: browser})
	require.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"have_rooms": true`)
	for _, room := range []string{general, dev} {
		r = e.do(request{method: "GET", path: "/api/messages?room=" + room, client: browser})
		assert.Equal(t, 200, r.status, "a member reads the room: %s", r.body)
	}

	// The second use, then the invite is used up: 404 like an unknown one.
	require.Equal(t, 201, e.do(accept(secret, "second")).status)
	r = e.do(accept(secret, "third"))
	assert.Equal(t, 404, r.status)
	assert.Equal(t, `{"title": "Not found", "description": "No such invite."}`, r.body)
	assert.Equal(t, 404, e.do(request{method: "GET", path: "/api/invites/" + secret + "/accept"}).status)
	r = e.do(request{method: "POST", path: "/api/login", body: `{"username": "third", "password": "a long password"}`})
	assert.Equal(t, 401, r.status, "no account was made")
}

func TestInvites_BadInputLosesNothing(t *testing.T) {
	e := newEnv(t)
	notFound := `{"title": "Not found", "description": "No such invite."}`
	e.run(t, []scenario{
		{name: "an unknown secret", req: accept("0123456789abcdefghijklmnopqrstuv", "x1"), status: 404, exact: notFound},
		{name: "a malformed secret", req: accept("NOT-a-secret%00", "x2"), status: 404, exact: notFound},
		{name: "a revoked invite", setup: func(e *env) request {
			id, secret := e.newInvite(e.adminToken, `{}`)
			require.Equal(t, 204, e.do(request{method: "DELETE", path: "/api/invites/" + id, token: e.adminToken}).status)
			return accept(secret, "x3")
		}, status: 404, exact: notFound},
		{name: "a taken username, and the use is not spent", setup: func(e *env) request {
			_, secret := e.newInvite(e.adminToken, `{"max_uses": 1}`)
			r := e.do(accept(secret, "test_user"))
			require.Equal(t, 409, r.status, r.body)
			return accept(secret, "x4")
		}, status: 201, want: []string{`"username": "x4"`}},
		{name: "a short password", setup: func(e *env) request {
			_, secret := e.newInvite(e.adminToken, `{}`)
			return request{method: "POST", path: "/api/invites/" + secret + "/accept", body: `{"username": "x5", "email": "x5@example.com", "password": "short"}`}
		}, status: 400, want: []string{`'password'`}},
		{name: "a bad email", setup: func(e *env) request {
			_, secret := e.newInvite(e.adminToken, `{}`)
			return request{method: "POST", path: "/api/invites/" + secret + "/accept", body: `{"username": "x6", "email": "x", "password": "a long password"}`}
		}, status: 400, want: []string{`'email'`}},
		{name: "a foreign Origin", setup: func(e *env) request {
			_, secret := e.newInvite(e.adminToken, `{}`)
			req := accept(secret, "x7")
			req.headers = map[string]string{"Origin": "http://evil.example"}
			return req
		}, status: 403, want: []string{"Permission Denied"}},
		{name: "a user may not make invites", req: request{method: "POST", path: "/api/invites", token: e.userToken, body: `{}`}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Admin required."}`},
		{name: "max_uses out of range", req: request{method: "POST", path: "/api/invites", token: e.adminToken, body: `{"max_uses": -1}`}, status: 400, want: []string{`'max_uses'`}},
		{name: "expires_in out of range", req: request{method: "POST", path: "/api/invites", token: e.adminToken, body: `{"expires_in": 5}`}, status: 400, want: []string{`'expires_in'`}},
		{name: "rooms not ids", req: request{method: "POST", path: "/api/invites", token: e.adminToken, body: `{"rooms": ["nope"]}`}, status: 400, want: []string{`'rooms'`}},
		{name: "a room that does not exist", req: request{method: "POST", path: "/api/invites", token: e.adminToken, body: `{"rooms": ["5706dac4d55cfe00010944ad"]}`}, status: 404,
			exact: `{"title": "Not found", "description": "No such room."}`},
		{name: "anonymous", req: request{method: "GET", path: "/api/invites"}, status: 401,
			exact: `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`},
		{name: "another's invite is not found", setup: func(e *env) request {
			id, _ := e.newInvite(e.adminToken, `{}`)
			return request{method: "DELETE", path: "/api/invites/" + id, token: e.userToken}
		}, status: 404, exact: notFound},
		{name: "the list never shows a secret", setup: func(e *env) request {
			e.newInvite(e.adminToken, `{"max_uses": 3}`)
			return request{method: "GET", path: "/api/invites", token: e.adminToken}
		}, status: 200, want: []string{`"max_uses": 3`, `"uses": 0`}, notWant: []string{"/invite/", "secret"}},
	})
}

func TestInvites_OwnersInviteToTheirOwnRoomsWhenAllowed(t *testing.T) {
	e := newEnv(t, withInvitesByOwners)
	mine := e.createRoom("mine", "")
	other := e.createRoom("other", "")
	// Make the user the owner of "mine".
	r := e.do(request{method: "POST", path: "/api/members", token: e.adminToken, body: `{"room": "` + mine + `", "user": "` + e.user.ID.Hex() + `", "role": "owner"}`})
	require.Equal(t, 201, r.status, r.body)

	r = e.do(request{method: "GET", path: "/api/me", token: e.userToken})
	assert.Contains(t, r.body, `"can_invite": true`)
	assert.Contains(t, r.body, `"can_create_rooms": false`)

	_, secret := e.newInvite(e.userToken, `{"rooms": ["`+mine+`"], "expires_in": 3600}`)
	require.Equal(t, 201, e.do(accept(secret, "friend")).status)
	r = e.do(request{method: "POST", path: "/api/invites", token: e.userToken, body: `{"rooms": ["` + other + `"]}`})
	assert.Equal(t, 403, r.status, "not a room it owns: %s", r.body)
	r = e.do(request{method: "POST", path: "/api/invites", token: e.userToken, body: `{}`})
	assert.Equal(t, 400, r.status, "an owner's invite names its rooms: %s", r.body)

	r = e.do(request{method: "GET", path: "/api/invites", token: e.userToken})
	var list []json.RawMessage
	r.json(t, &list)
	assert.Len(t, list, 1, "its own invites only")
}

func TestPeople_FindsActiveUsersByNameWithoutEmails(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"tina", "tom", "Tobias", "zoe"} {
		e.newUser(name)
	}
	e.newUser("toby")
	r := e.do(request{method: "GET", path: "/api/users?limit=100", token: e.adminToken})
	require.Equal(t, 200, r.status)
	var users []struct {
		ID       map[string]string `json:"_id"`
		Username string            `json:"username"`
	}
	r.json(t, &users)
	for _, u := range users {
		if u.Username == "toby" {
			require.Equal(t, 200, e.do(request{method: "PATCH", path: "/api/users/" + u.ID["$oid"], token: e.adminToken, body: `{"is_disabled": true}`}).status)
		}
	}
	e.run(t, []scenario{
		{name: "a prefix, without regard to case", req: request{method: "GET", path: "/api/people?q=TO", token: e.userToken}, status: 200,
			want: []string{`"username": "Tobias"`, `"username": "tom"`}, notWant: []string{"tina", "toby", "email", "@example.com"}},
		{name: "a limit", req: request{method: "GET", path: "/api/people?q=t&limit=1", token: e.userToken}, status: 200,
			want: []string{`"username": "test_user"`}, notWant: []string{"tina"}},
		{name: "nothing matches", req: request{method: "GET", path: "/api/people?q=qqq", token: e.userToken}, status: 200, exact: `[]`},
		{name: "a bad limit", req: request{method: "GET", path: "/api/people?limit=0", token: e.userToken}, status: 400, want: []string{`'limit'`}},
		{name: "a query too long", req: request{method: "GET", path: "/api/people?q=" + strings.Repeat("a", 200), token: e.userToken}, status: 400, want: []string{`'q'`}},
		{name: "anonymous", req: request{method: "GET", path: "/api/people"}, status: 401,
			exact: `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`},
	})
}

func TestRegister_GETSaysWhetherRegistrationIsOpen(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "GET", path: "/api/register"})
	assert.Equal(t, 200, r.status)
	assert.Equal(t, `{"allow_registration": false}`, r.body)
	e = newEnv(t, withRegistration)
	r = e.do(request{method: "GET", path: "/api/register"})
	assert.Equal(t, `{"allow_registration": true}`, r.body)
}

func TestRooms_UsersCreateRoomsWhenTheSettingSaysSo(t *testing.T) {
	e := newEnv(t, func(o *envConfig) { o.UsersCreateRooms = true })
	r := e.do(request{method: "POST", path: "/api/rooms", token: e.userToken, body: `{"name": "users' room"}`})
	require.Equal(t, 201, r.status, r.body)
	r = e.do(request{method: "GET", path: "/api/me", token: e.userToken})
	assert.Contains(t, r.body, `"can_create_rooms": true`)
}

func TestMembers_ANewMembersReadMarkerStartsAtItsJoin(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("busy", "")
	for i := range 5 {
		e.post(e.adminToken, room, fmt.Sprint("before ", i))
	}
	r := e.do(request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + room + `"}`})
	require.Equal(t, 201, r.status, r.body)
	assert.NotContains(t, r.body, `"last_read": null`)
	r = e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	require.Equal(t, 200, r.status)
	assert.Contains(t, r.body, `"unread": 0`, "nothing from before the join is unread")
	e.post(e.adminToken, room, "after")
	r = e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.Contains(t, r.body, `"unread": 1`)
}
