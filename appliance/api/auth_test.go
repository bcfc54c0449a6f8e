package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogin_Scenarios(t *testing.T) {
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "right password logs in", req: request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`},
			status: 200, want: []string{`"username": "test_user"`, `"is_superuser": false`}},
		{name: "username is case-insensitive", req: request{method: "POST", path: "/api/login", body: `{"username": "TEST_USER", "password": "test_pass"}`},
			status: 200, want: []string{`"username": "test_user"`}},
		{name: "wrong password", req: request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "nope"}`},
			status: 401, exact: `{"title": "Bad login attempt", "description": "Invalid username or password."}`},
		{name: "unknown user looks the same as a wrong password", req: request{method: "POST", path: "/api/login", body: `{"username": "ghost", "password": "nope"}`},
			status: 401, exact: `{"title": "Bad login attempt", "description": "Invalid username or password."}`},
		{name: "missing username", req: request{method: "POST", path: "/api/login", body: `{"password": "x"}`},
			status: 400, exact: `{"title": "Missing parameter", "description": "The 'username' parameter is required."}`},
		{name: "missing password", req: request{method: "POST", path: "/api/login", body: `{"username": "x"}`},
			status: 400, want: []string{"'password' parameter is required"}},
		{name: "empty body", req: request{method: "POST", path: "/api/login"},
			status: 400, want: []string{"Missing parameter"}},
		{name: "operator injection is a type error", req: request{method: "POST", path: "/api/login", body: `{"username": {"$ne": 1}, "password": "x"}`},
			status: 400, exact: `{"title": "Invalid parameter", "description": "The 'username' parameter must be a string."}`},
		{name: "malformed JSON", req: request{method: "POST", path: "/api/login", body: `{"username": `},
			status: 400, want: []string{`"title": "Malformed JSON"`}},
		{name: "a JSON array is not an object", req: request{method: "POST", path: "/api/login", body: `["admin"]`},
			status: 400, want: []string{`"title": "Malformed JSON"`}},
		{name: "trailing garbage", req: request{method: "POST", path: "/api/login", body: `{"username": "a", "password": "b"} x`},
			status: 400, want: []string{`"title": "Malformed JSON"`}},
		{name: "non-UTF-8 body", req: request{method: "POST", path: "/api/login", body: "{\"username\": \"\xff\xfe\", \"password\": \"x\"}"},
			status: 400, want: []string{`"title": "Malformed JSON"`, "UTF-8"}},
		{name: "a 10,000 character username", req: request{method: "POST", path: "/api/login", body: `{"username": "` + strings.Repeat("a", 10000) + `", "password": "x"}`},
			status: 401, exact: `{"title": "Bad login attempt", "description": "Invalid username or password."}`},
		{name: "a 1 MB body", req: request{method: "POST", path: "/api/login", body: `{"username": "` + strings.Repeat("a", 1<<20) + `"}`},
			status: 413, want: []string{`"title": "Request body too large"`}},
		{name: "a form post", req: request{method: "POST", path: "/api/login", body: "username=a&password=b", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			status: 406, want: []string{`"title": "Media type not acceptable"`}},
		{name: "GET is not allowed", req: request{method: "GET", path: "/api/login"},
			status: 405, headers: map[string]string{"Allow": "POST, OPTIONS"}},
		{name: "a login posted from another site is refused", req: request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`, headers: map[string]string{"Origin": "https://evil.example"}},
			status: 403, want: []string{`"title": "Permission Denied"`, "Origin"}},
	})
}

func TestLogin_SetsASafeSessionCookie(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`})
	require.Equal(t, 200, r.status)
	c := r.header.Get("Set-Cookie")
	assert.Contains(t, c, "session=")
	assert.Contains(t, c, "Path=/")
	assert.Contains(t, c, "HttpOnly")
	assert.Contains(t, c, "SameSite=Lax")
	assert.Contains(t, c, "Max-Age=3600")
	assert.NotContains(t, c, "Secure", "plain HTTP must not set Secure")
}

func TestSession_WorksUntilLogoutEndsItServerSide(t *testing.T) {
	e := newEnv(t)
	b := e.browser("test_user", "test_pass")
	r := e.do(request{method: "GET", path: "/api/ping", client: b})
	require.Equal(t, 200, r.status)
	assert.Equal(t, `{"username": "test_user", "is_superuser": false, "have_rooms": false}`, r.body)

	// Keep the cookie value to replay it after logout.
	u := e.srv.URL + "/api/ping"
	req, _ := http.NewRequest("GET", u, nil)
	cookies := b.Jar.Cookies(req.URL)
	require.Len(t, cookies, 1)

	r = e.do(request{method: "POST", path: "/api/logout", client: b, headers: e.origin()})
	require.Equal(t, 204, r.status)
	r = e.do(request{method: "GET", path: "/api/ping", headers: map[string]string{"Cookie": "session=" + cookies[0].Value}})
	assert.Equal(t, 401, r.status, "a logged-out session must be dead on the server")
}

func TestLogout_IsIdempotentAndTakesNoBody(t *testing.T) {
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "POST without a session", req: request{method: "POST", path: "/api/logout", headers: map[string]string{"Content-Type": ""}}, status: 204},
		{name: "GET for old clients", req: request{method: "GET", path: "/api/logout"}, status: 204},
		{name: "an unknown session cookie", req: request{method: "POST", path: "/api/logout", headers: merge(e.origin(), map[string]string{"Cookie": "session=nope"})}, status: 204},
		{name: "DELETE is not allowed", req: request{method: "DELETE", path: "/api/logout"}, status: 405},
	})
}

func TestSession_CookieWritesNeedTheServersOrigin(t *testing.T) {
	e := newEnv(t)
	e.createRoom("lobby", "")
	b := e.browser("admin", "admin_pass")
	crossOrigin := []string{`"title": "Permission Denied"`, "Origin"}
	e.run(t, []scenario{
		{name: "no Origin", req: request{method: "POST", path: "/api/rooms", client: b, body: `{"name": "r1"}`}, status: 403, want: crossOrigin},
		{name: "another Origin", req: request{method: "POST", path: "/api/rooms", client: b, body: `{"name": "r1"}`, headers: map[string]string{"Origin": "http://evil.example"}}, status: 403, want: crossOrigin},
		{name: "null Origin", req: request{method: "POST", path: "/api/rooms", client: b, body: `{"name": "r1"}`, headers: map[string]string{"Origin": "null"}}, status: 403, want: crossOrigin},
		{name: "own Origin", req: request{method: "POST", path: "/api/rooms", client: b, body: `{"name": "r1"}`, headers: e.origin()}, status: 201, want: []string{`"name": "r1"`}},
		{name: "reads need no Origin", req: request{method: "GET", path: "/api/rooms", client: b}, status: 200, want: []string{`"name": "lobby"`}},
		{name: "tokens need no Origin", req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": "r2"}`}, status: 201, want: []string{`"name": "r2"`}},
	})
}

func TestSession_ExpiresAfterTTL(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	e := newEnv(t, func(o *envConfig) { o.Now = clock.Now })
	b := e.browser("test_user", "test_pass")
	r := e.do(request{method: "GET", path: "/api/ping", client: b})
	require.Equal(t, 200, r.status)
	clock.advance(time.Hour + time.Second)
	r = e.do(request{method: "GET", path: "/api/ping", client: b, headers: map[string]string{"Cookie": "session=" + sessionValue(t, e, b)}})
	assert.Equal(t, 401, r.status)
	n, err := e.chat.ExpireSessions(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the expired session is removed from the store")
}

func TestLogin_FailuresBlockThatUsernameFromThatAddressOnly(t *testing.T) {
	e := newEnv(t)
	for range 10 {
		r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "wrong"}`})
		require.Equal(t, 401, r.status)
	}
	r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`})
	assert.Equal(t, 429, r.status, "the right password must not get through from that address while limited")
	assert.NotEmpty(t, r.header.Get("Retry-After"))
	assert.Contains(t, r.body, `"title": "Too many requests"`)
	// Another user from the same address is not: ten failures are far
	// from the address's own limit.
	r = e.do(request{method: "POST", path: "/api/login", body: `{"username": "admin", "password": "admin_pass"}`})
	assert.Equal(t, 200, r.status)
}

func TestDisabledUser_IsLockedOutOfEverythingAtOnce(t *testing.T) {
	e := newEnv(t)
	b := e.browser("test_user", "test_pass")
	r := e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"is_disabled": true}`})
	require.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"is_disabled": true`)
	seed401 := `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`
	e.run(t, []scenario{
		{name: "its token", req: request{method: "GET", path: "/api/rooms", token: e.userToken}, status: 401, exact: seed401},
		{name: "its session", req: request{method: "GET", path: "/api/rooms", client: b}, status: 401, exact: seed401},
		{name: "a new login", req: request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`}, status: 401, exact: seed401},
	})
	r = e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"is_disabled": false}`})
	require.Equal(t, 200, r.status)
	r = e.do(request{method: "GET", path: "/api/rooms", token: e.userToken})
	assert.Equal(t, 200, r.status, "enabled again, its token works again")
}

func TestRegister_Scenarios(t *testing.T) {
	off := newEnv(t)
	off.run(t, []scenario{
		{name: "is off by default", req: request{method: "POST", path: "/api/register", body: `{"username": "new", "email": "n@example.com", "password1": "password1", "password2": "password1"}`},
			status: 403, want: []string{"Registration is disabled"}},
	})
	e := newEnv(t, withRegistration)
	e.run(t, []scenario{
		{name: "registers and logs in", req: request{method: "POST", path: "/api/register", body: `{"username": "newbie", "email": "n@example.com", "password1": "longenough", "password2": "longenough"}`},
			status: 201, want: []string{`"username": "newbie"`, `"is_superuser": false`}},
		{name: "passwords must match", req: request{method: "POST", path: "/api/register", body: `{"username": "b", "email": "b@example.com", "password1": "longenough", "password2": "different1"}`},
			status: 400, want: []string{"'password2'"}},
		{name: "short password", req: request{method: "POST", path: "/api/register", body: `{"username": "b", "email": "b@example.com", "password1": "short", "password2": "short"}`},
			status: 400, want: []string{"at least 8"}},
		{name: "taken username", req: request{method: "POST", path: "/api/register", body: `{"username": "ADMIN", "email": "x@example.com", "password1": "longenough", "password2": "longenough"}`},
			status: 409, want: []string{`"title": "Conflict"`}},
		{name: "taken email", req: request{method: "POST", path: "/api/register", body: `{"username": "fresh", "email": "ADMIN@example.com", "password1": "longenough", "password2": "longenough"}`},
			status: 409, want: []string{"email"}},
		{name: "bad username", req: request{method: "POST", path: "/api/register", body: `{"username": "no spaces", "email": "x@example.com", "password1": "longenough", "password2": "longenough"}`},
			status: 400, want: []string{"'username'"}},
		{name: "bad email", req: request{method: "POST", path: "/api/register", body: `{"username": "ok", "email": "not-an-email", "password1": "longenough", "password2": "longenough"}`},
			status: 400, want: []string{"'email'"}},
		{name: "missing everything", req: request{method: "POST", path: "/api/register", body: `{}`},
			status: 400, want: []string{"Missing parameter"}},
		{name: "password over 72 bytes", req: request{method: "POST", path: "/api/register", body: fmt.Sprintf(`{"username": "ok", "email": "x@example.com", "password1": "%s", "password2": "%[1]s"}`, strings.Repeat("p", 73))},
			status: 400, want: []string{"72 bytes"}},
	})
	r := e.do(request{method: "POST", path: "/api/register", body: `{"username": "second", "email": "s@example.com", "password1": "longenough", "password2": "longenough"}`})
	require.Equal(t, 201, r.status)
	assert.Contains(t, r.header.Get("Set-Cookie"), "session=")
}

func TestTokens_Scenarios(t *testing.T) {
	e := newEnv(t)
	id, value := e.newToken(e.userToken, "notifier")
	require.Regexp(t, `^[a-z0-9]{32}$`, value)

	r := e.do(request{method: "GET", path: "/api/ping", token: value})
	require.Equal(t, 200, r.status, "the new token works")

	r = e.do(request{method: "GET", path: "/api/tokens", token: e.userToken})
	require.Equal(t, 200, r.status)
	assert.Contains(t, r.body, `"name": "notifier"`)
	assert.Contains(t, r.body, `"last_used": {"$date"`, "a used token shows when")
	assert.NotContains(t, r.body, value, "the value is shown once only")
	assert.NotContains(t, r.body, `"value"`)

	noToken := `{"title": "Not found", "description": "No such token."}`
	e.run(t, []scenario{
		{name: "a name is required", req: request{method: "POST", path: "/api/tokens", token: e.userToken, body: `{}`}, status: 400, want: []string{"'name'"}},
		{name: "a name must be a string", req: request{method: "POST", path: "/api/tokens", token: e.userToken, body: `{"name": 5}`}, status: 400, want: []string{"must be a string"}},
		{name: "another user's token is not found", req: request{method: "DELETE", path: "/api/tokens/" + id, token: e.adminToken}, status: 404, exact: noToken},
		{name: "a bogus id is not found", req: request{method: "DELETE", path: "/api/tokens/xyz", token: e.userToken}, status: 404, exact: noToken},
		{name: "the owner revokes a token", status: 204,
			setup: func(e *env) request {
				id, _ := e.newToken(e.userToken, "to revoke")
				return request{method: "DELETE", path: "/api/tokens/" + id, token: e.userToken}
			}},
		{name: "a revoked token is dead", status: 401, exact: `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`,
			setup: func(e *env) request {
				id, value := e.newToken(e.userToken, "revoked")
				r := e.do(request{method: "DELETE", path: "/api/tokens/" + id, token: e.userToken})
				require.Equal(e.t, 204, r.status, r.body)
				return request{method: "GET", path: "/api/ping", token: value}
			}},
		{name: "Bearer works for bots", req: request{method: "GET", path: "/api/ping", headers: map[string]string{"Authorization": "Bearer " + e.userToken}}, status: 200,
			exact: `{"username": "test_user", "is_superuser": false, "have_rooms": false}`},
	})
}

func TestPing_SaysWhetherTheUserHasRooms(t *testing.T) {
	e := newEnv(t)
	e.createRoom("general", "")
	r := e.do(request{method: "GET", path: "/api/ping", token: e.adminToken})
	assert.Equal(t, `{"username": "admin", "is_superuser": true, "have_rooms": true}`, r.body)
}

func TestSystemActorRoomHasNoMembers(t *testing.T) {
	e := newEnv(t)
	room, err := e.chat.CreateRoom(context.Background(), chat.SystemActor, chat.NewRoom{Name: "ops"})
	require.NoError(t, err)
	assert.Empty(t, room.Members)
}

func TestMe_AnswersTheCallersOwnAccount(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "GET", path: "/api/me", token: e.userToken})
	require.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.body, `"_id": {"$oid": "`+e.user.ID.Hex()+`"}`)
	assert.Contains(t, r.body, `"username": "test_user"`)
	assert.Contains(t, r.body, `"is_superuser": false`)
	assert.NotContains(t, r.body, "password")
	r = e.do(request{method: "GET", path: "/api/me"})
	assert.Equal(t, 401, r.status)
	assert.Equal(t, `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`, r.body)
	r = e.do(request{method: "POST", path: "/api/me", token: e.userToken, body: `{}`})
	assert.Equal(t, 405, r.status)
}
