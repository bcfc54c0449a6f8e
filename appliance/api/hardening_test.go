package api_test

// Tests of issue 11's findings, each at the level it was found: real
// HTTP requests and real WebSocket streams against a real store.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dialCookie opens a stream as a browser does: by the session cookie,
// with an Origin header.
func (e *env) dialCookie(b *http.Client, origin string) (*wsClient, error) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/stream"
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h, HTTPClient: b})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	e.t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{t: e.t, conn: conn}, nil
}

// closed reads until the stream ends and returns its close status and
// reason, failing after 10 seconds.
func (c *wsClient) closed() (websocket.StatusCode, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.conn.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code, ce.Reason
		}
		require.NoError(c.t, ctx.Err(), "the stream did not close within 10 s")
		return -1, err.Error()
	}
}

// stillOpen checks that the stream still delivers: a DM to its user is
// the marker.
func (e *env) stillOpen(c *wsClient, to string, token string) {
	e.t.Helper()
	text := fmt.Sprintf("marker %d", time.Now().UnixNano())
	r := e.do(request{method: "POST", path: "/api/messages", token: token, body: `{"recipient": "` + to + `", "text": "` + text + `"}`})
	require.Equal(e.t, 201, r.status, r.body)
	for {
		ev := c.nextOf("message.created")
		var m struct{ Text string }
		require.NoError(e.t, json.Unmarshal(ev.Data, &m))
		if m.Text == text {
			return
		}
	}
}

// --- 1. Slow bodies ---

func TestBody_AStalledBodyGets408AndTheServerMovesOn(t *testing.T) {
	e := newEnv(t, func(o *envConfig) { o.readTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = fmt.Fprintf(conn, "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err, "the server answers rather than wait for the rest")
	defer resp.Body.Close()
	assert.Equal(t, 408, resp.StatusCode)
	var body map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	assert.Equal(t, "Request Timeout", body["title"])
	assert.NotEmpty(t, body["description"])
}

// --- 2. Streams end with what authorised them ---

func TestStream_EndsWhenItsSessionLogsOutByPOSTOrGET(t *testing.T) {
	for _, method := range []string{"POST", "GET"} {
		t.Run(method, func(t *testing.T) {
			e := newEnv(t)
			b := e.browser("test_user", "test_pass")
			ws, err := e.dialCookie(b, e.srv.URL)
			require.NoError(t, err)
			other := e.browser("test_user", "test_pass")
			kept, err := e.dialCookie(other, e.srv.URL)
			require.NoError(t, err)
			r := e.do(request{method: method, path: "/api/logout", client: b, headers: e.origin()})
			require.Equal(t, 204, r.status, r.body)
			code, reason := ws.closed()
			assert.Equal(t, websocket.StatusPolicyViolation, code)
			assert.Contains(t, reason, "logged out")
			e.stillOpen(kept, e.user.ID.Hex(), e.adminToken)
		})
	}
}

func TestStream_EndsWhenItsTokenIsRevoked(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "POST", path: "/api/tokens", token: e.userToken, body: `{"name": "bot"}`})
	require.Equal(t, 201, r.status)
	var tok struct {
		ID    map[string]string `json:"_id"`
		Value string            `json:"value"`
	}
	r.json(t, &tok)
	ws := e.dial(tok.Value, "")
	kept := e.dial(e.userToken, "")
	r = e.do(request{method: "DELETE", path: "/api/tokens/" + tok.ID["$oid"], token: e.userToken})
	require.Equal(t, 204, r.status, r.body)
	code, reason := ws.closed()
	assert.Equal(t, websocket.StatusPolicyViolation, code)
	assert.Contains(t, reason, "token revoked")
	e.stillOpen(kept, e.user.ID.Hex(), e.adminToken)
}

func TestStream_EndsWhenItsSessionExpires(t *testing.T) {
	e := newEnv(t, func(o *envConfig) { o.SessionTTL = 1500 * time.Millisecond })
	b := e.browser("test_user", "test_pass")
	ws, err := e.dialCookie(b, e.srv.URL)
	require.NoError(t, err)
	code, reason := ws.closed()
	assert.Equal(t, websocket.StatusPolicyViolation, code)
	assert.Contains(t, reason, "session expired")
}

func TestStream_EndsWhenTheAccountIsDisabledDeletedOrGivenANewPassword(t *testing.T) {
	for _, c := range []struct {
		name, method, body, reason string
	}{
		{"disabled", "PATCH", `{"is_disabled": true}`, "account disabled"},
		{"deleted", "DELETE", ``, "account deleted"},
		{"password reset", "PATCH", `{"password": "a new one"}`, "password changed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			ws := e.dial(e.userToken, "")
			r := e.do(request{method: c.method, path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: c.body})
			require.Less(t, r.status, 300, r.body)
			code, reason := ws.closed()
			assert.Equal(t, websocket.StatusPolicyViolation, code)
			assert.Contains(t, reason, c.reason)
		})
	}
}

func TestStream_ADemotedAdministratorStopsGettingAdminEventsAtOnce(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"is_superuser": true}`})
	require.Equal(t, 200, r.status)
	ws := e.dial(e.userToken, "")
	e.createRoom("hidden one", `, "is_open": false, "is_visible": false`)
	assert.Contains(t, string(ws.nextOf("room.created").Data), "hidden one", "an administrator hears of hidden rooms")

	r = e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"is_superuser": false}`})
	require.Equal(t, 200, r.status)
	e.createRoom("hidden two", `, "is_open": false, "is_visible": false`)
	e.createRoom("public three", "")
	ev := ws.nextOf("room.created")
	assert.Contains(t, string(ev.Data), "public three", "the hidden room's event never reached the demoted user's open stream")
}

func TestStream_ARaceWithLogoutDuringTheHandshakeLeavesNoStream(t *testing.T) {
	// Whatever the order of a logout and a stream's registration, the
	// stream is either refused or ended: never left open.
	e := newEnv(t)
	for range 20 {
		b := e.browser("test_user", "test_pass")
		var wg sync.WaitGroup
		var ws *wsClient
		var dialErr error
		wg.Go(func() { ws, dialErr = e.dialCookie(b, e.srv.URL) })
		r := e.do(request{method: "POST", path: "/api/logout", client: b, headers: e.origin()})
		require.Equal(t, 204, r.status)
		wg.Wait()
		if dialErr != nil {
			continue
		}
		code, _ := ws.closed()
		assert.Equal(t, websocket.StatusPolicyViolation, code)
	}
}

// --- 3. Webhooks speak only while their maker may ---

func TestHook_PostsOnlyWhileItsMakerMayWrite(t *testing.T) {
	e := newEnv(t)
	room := e.joined("builds")
	// Make the user an owner, so that it may make a hook.
	r := e.do(request{method: "GET", path: "/api/members?room=" + room, token: e.adminToken})
	require.Equal(t, 200, r.status)
	var members []struct {
		ID      map[string]string `json:"_id"`
		Profile map[string]string `json:"profile"`
	}
	r.json(t, &members)
	var memberID string
	for _, m := range members {
		if m.Profile["$oid"] == e.user.ID.Hex() {
			memberID = m.ID["$oid"]
		}
	}
	require.NotEmpty(t, memberID)
	setRole := func(role string) {
		r := e.do(request{method: "PATCH", path: "/api/members/" + memberID, token: e.adminToken, body: `{"role": "` + role + `"}`})
		require.Equal(t, 200, r.status, r.body)
	}
	setRole("owner")
	r = e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.userToken, body: `{"name": "CI"}`})
	require.Equal(t, 201, r.status, r.body)
	var hook struct{ URL string }
	r.json(t, &hook)
	postHook := func() response { return e.do(request{method: "POST", path: hook.URL, body: `{"text": "build ok"}`}) }
	require.Equal(t, 200, postHook().status)

	r = e.do(request{method: "GET", path: "/api/rooms/" + room + "/hooks", token: e.adminToken})
	require.Equal(t, 200, r.status)
	assert.Contains(t, r.body, `"creator": {"$oid": "`+e.user.ID.Hex()+`"}`)
	assert.Contains(t, r.body, `"creator_username": "test_user"`)
	assert.Contains(t, r.body, `"active": true`)

	setRole("guest")
	r = postHook()
	assert.Equal(t, 403, r.status, "a guest's hook is mute")
	assert.Contains(t, r.body, `"title": "Permission Denied"`)
	r = e.do(request{method: "GET", path: "/api/rooms/" + room + "/hooks", token: e.adminToken})
	assert.Contains(t, r.body, `"active": false`, "the owners can see it is mute, and revoke it")

	setRole("member")
	require.Equal(t, 200, postHook().status, "checked per post: rights back, voice back")
	r = e.do(request{method: "DELETE", path: "/api/members/" + memberID, token: e.userToken})
	require.Equal(t, 200, r.status, "the maker leaves")
	assert.Equal(t, 403, postHook().status)
}

func TestHook_AnAdministratorsHookPostsWithoutJoining(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("alerts", "")
	r := e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": "pager"}`})
	require.Equal(t, 201, r.status)
	var hook struct{ URL string }
	r.json(t, &hook)
	r = e.do(request{method: "POST", path: hook.URL, body: `{"text": "disk full", "username": "admin"}`})
	require.Equal(t, 200, r.status, r.body)
	// 8. A hook's post says it came through a hook, and it posts as its
	// bot: the payload cannot choose another name.
	assert.Contains(t, r.body, `"hook": {"$oid": "`)
	assert.Contains(t, r.body, `"username": "pager"`)
	assert.NotContains(t, r.body, `"sender": {"$oid": "`+e.admin.ID.Hex()+`"}`)
}

// --- 4. Failed logins ---

func TestLogin_FailuresSpreadOverAddressesDoNotLockTheOwnerOut(t *testing.T) {
	e := newEnv(t, withLoopbackProxy)
	from := func(addr string) map[string]string { return map[string]string{"X-Forwarded-For": addr} }
	for i := range auth.AccountFailures + 20 {
		e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "wrong"}`, headers: from(fmt.Sprintf("198.51.100.%d", i%100))})
	}
	r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`, headers: from("203.0.113.5")})
	assert.Equal(t, 200, r.status, "the owner at an address with no failures logs in: %s", r.body)
	r = e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`, headers: from("198.51.100.7")})
	assert.Equal(t, 429, r.status, "past the account's hourly cap, an address that failed waits")
	assert.NotEmpty(t, r.header.Get("Retry-After"))
}

func TestLogin_ABrowserThatLoggedInBeforeIsNotLockedOutFromItsAddress(t *testing.T) {
	e := newEnv(t, func(o *envConfig) { o.SecretKey = "test secret" })
	owner := e.browser("test_user", "test_pass") // gets a device cookie
	for range auth.PairFailures {
		e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "wrong"}`})
	}
	r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`})
	require.Equal(t, 429, r.status, "a stranger at the same address is blocked")
	r = e.do(request{method: "POST", path: "/api/login", client: owner, body: `{"username": "test_user", "password": "test_pass"}`})
	assert.Equal(t, 200, r.status, "the owner's browser is not: %s", r.body)
}

// --- 5. Forwarded headers ---

func TestProxy_TheClientIsTheRightMostUntrustedAddressOfEveryLine(t *testing.T) {
	e := newEnv(t, withLoopbackProxy)
	// The address the failures are counted under is what a trusted proxy
	// says, whatever the client wrote before it.
	fail := func(h http.Header) {
		hr, _ := http.NewRequest("POST", e.srv.URL+"/api/login", strings.NewReader(`{"username": "test_user", "password": "wrong"}`))
		hr.Header = h
		hr.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(hr)
		require.NoError(t, err)
		resp.Body.Close()
	}
	loginFrom := func(addr string) int {
		return e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "test_pass"}`, headers: map[string]string{"X-Forwarded-For": addr}}).status
	}
	for _, h := range []http.Header{
		// HAProxy's option forwardfor appends a line: the forged first
		// line must not win.
		{"X-Forwarded-For": {"10.9.9.9", "203.0.113.50"}},
		// The same, within one line.
		{"X-Forwarded-For": {"10.9.9.9, 203.0.113.50"}},
		// A chain through a second, trusted proxy.
		{"X-Forwarded-For": {"10.9.9.9, 203.0.113.50, 127.0.0.2"}},
		// RFC 7239.
		{"Forwarded": {`for=10.9.9.9`, `for="203.0.113.50:4711";proto=http`}},
	} {
		for range auth.PairFailures {
			fail(h)
		}
		assert.Equal(t, 429, loginFrom("203.0.113.50"), "the failures counted against 203.0.113.50: %v", h)
		assert.Equal(t, 200, loginFrom("10.9.9.9"), "not against the forged address: %v", h)
		e = newEnv(t, withLoopbackProxy)
	}
}

func TestProxy_ForwardedHeaderGivesSchemeAndHost(t *testing.T) {
	e := newEnv(t, withLoopbackProxy)
	r := e.do(request{method: "POST", path: "/api/login", body: `{"username": "admin", "password": "admin_pass"}`,
		headers: map[string]string{"Forwarded": `for="[2001:db8::7]:1234";proto=https;host=chat.example.com`, "Origin": "https://chat.example.com"}})
	require.Equal(t, 200, r.status, r.body)
	assert.Contains(t, r.header.Get("Set-Cookie"), "Secure")
}

// --- 6. Per-user caps ---

func TestStream_AUserOverItsStreamCapIsClosedWith1008(t *testing.T) {
	e := newEnv(t, func(o *envConfig) { o.maxStreams = 3 })
	for range 3 {
		e.dial(e.userToken, "")
	}
	extra := e.dial(e.userToken, "")
	code, reason := extra.closed()
	assert.Equal(t, websocket.StatusPolicyViolation, code)
	assert.Contains(t, reason, "too many streams")
	for range 5 {
		e.dial(e.adminToken, "") // administrators are exempt
	}
	admin := e.dial(e.adminToken, "")
	e.stillOpen(admin, e.admin.ID.Hex(), e.userToken)
}

func TestPost_AUserOverItsRateGets429WithRetryAfterAndAdminsAreExempt(t *testing.T) {
	e := newEnv(t, func(o *envConfig) { o.PostsPerSecond, o.PostBurst = 0.01, 5 })
	room := e.joined("chatty")
	for i := range 5 {
		e.post(e.userToken, room, fmt.Sprint("burst ", i))
	}
	r := e.do(request{method: "POST", path: "/api/messages", token: e.userToken, body: `{"room": "` + room + `", "text": "one too many"}`})
	assert.Equal(t, 429, r.status)
	assert.NotEmpty(t, r.header.Get("Retry-After"))
	assert.Contains(t, r.body, `"title": "Too many requests"`)
	for i := range 50 {
		e.post(e.adminToken, room, fmt.Sprint("admin ", i))
	}
	r = e.do(request{method: "GET", path: "/api/messages?room=" + room + "&limit=100", token: e.userToken})
	assert.NotContains(t, r.body, "one too many", "the refused post was not stored")
}

func TestTyping_IsLimitedPerUserAcrossStreams(t *testing.T) {
	e := newEnv(t, func(o *envConfig) { o.TypingPerSecond = 0.01 })
	room := e.joined("typing")
	listener := e.dial(e.adminToken, "")
	ctx := context.Background()
	typing := []byte(`{"event": "typing", "data": {"room": "` + room + `"}}`)
	// Three streams, each typing twice: the user's burst is 3 in all.
	for range 3 {
		ws := e.dial(e.userToken, "")
		require.NoError(t, ws.conn.Write(ctx, websocket.MessageText, typing))
		require.NoError(t, ws.conn.Write(ctx, websocket.MessageText, typing))
		// The server reads a stream's frames in order: once it has
		// answered the close, it has handled both typing frames.
		require.NoError(t, ws.conn.Close(websocket.StatusNormalClosure, ""))
	}
	e.post(e.adminToken, room, "marker")
	seen := 0
	for {
		ev := listener.next()
		if ev.Event == "message.created" {
			break
		}
		if ev.Event == "typing" {
			seen++
		}
	}
	assert.Equal(t, 3, seen, "six typing events from three streams, three delivered")
}

func TestRegister_IsLimitedPerAddressAndChecksUniquenessFirst(t *testing.T) {
	e := newEnv(t, withRegistration)
	reg := func(i int, email string) response {
		return e.do(request{method: "POST", path: "/api/register", body: fmt.Sprintf(`{"username": "new%d", "email": %q, "password1": "long enough", "password2": "long enough"}`, i, email)})
	}
	r := reg(0, "test@example.com")
	assert.Equal(t, 409, r.status, "a taken email is refused before any hashing")
	assert.Contains(t, r.body, "already in use")
	n := 1
	for ; n < 100; n++ {
		if r = reg(n, fmt.Sprintf("n%d@example.com", n)); r.status != 201 {
			break
		}
	}
	assert.Equal(t, 429, r.status, "registrations from one address are limited")
	assert.NotEmpty(t, r.header.Get("Retry-After"))
	assert.Less(t, n, 30)
}

// --- 7. Logout and Origin ---

func TestLogout_FromAnotherSiteIsRefusedAndTheSessionLives(t *testing.T) {
	e := newEnv(t)
	b := e.browser("test_user", "test_pass")
	crossOrigin := []string{`"title": "Permission Denied"`}
	e.run(t, []scenario{
		{name: "GET sent by another site", req: request{method: "GET", path: "/api/logout", client: b, headers: map[string]string{"Sec-Fetch-Site": "cross-site"}}, status: 403, want: crossOrigin},
		{name: "POST without Origin", req: request{method: "POST", path: "/api/logout", client: b}, status: 403, want: crossOrigin},
		{name: "POST from another origin", req: request{method: "POST", path: "/api/logout", client: b, headers: map[string]string{"Origin": "http://evil.example"}}, status: 403, want: crossOrigin},
		{name: "POST with userinfo in the Origin", req: request{method: "POST", path: "/api/logout", client: b, headers: map[string]string{"Origin": "http://evil@" + strings.TrimPrefix(e.srv.URL, "http://")}}, status: 403, want: crossOrigin},
	})
	// Whichever of the refusals ran, the session lives; a GET from its
	// own site (an old script) still ends it.
	r := e.do(request{method: "GET", path: "/api/ping", client: b})
	require.Equal(t, 200, r.status, "the session still works: %s", r.body)
	r = e.do(request{method: "GET", path: "/api/logout", client: b, headers: map[string]string{"Sec-Fetch-Site": "same-origin"}})
	require.Equal(t, 204, r.status, r.body)
	assert.Equal(t, 401, e.do(request{method: "GET", path: "/api/ping", client: b}).status, "the session is gone")
}

func TestOrigin_WithUserinfoIsNotTheSameOrigin(t *testing.T) {
	e := newEnv(t)
	b := e.browser("admin", "admin_pass")
	host := strings.TrimPrefix(e.srv.URL, "http://")
	r := e.do(request{method: "POST", path: "/api/rooms", client: b, body: `{"name": "csrf"}`, headers: map[string]string{"Origin": "http://evil@" + host}})
	assert.Equal(t, 403, r.status)
}

func TestStream_ACookieStreamChecksTheOriginsScheme(t *testing.T) {
	e := newEnv(t)
	b := e.browser("test_user", "test_pass")
	host := strings.TrimPrefix(e.srv.URL, "http://")
	for _, origin := range []string{"https://" + host, "http://evil.example", "http://evil@" + host} {
		_, err := e.dialCookie(b, origin)
		assert.Error(t, err, origin)
	}
	ws, err := e.dialCookie(b, e.srv.URL)
	require.NoError(t, err)
	e.stillOpen(ws, e.user.ID.Hex(), e.adminToken)
}

// --- 8. Names that pass for others ---

func TestNames_InvisibleFormattingCharactersAreRefused(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("ok room", "")
	r := e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": "CI"}`})
	require.Equal(t, 201, r.status)
	var hook struct{ URL string }
	r.json(t, &hook)
	invisible := func(param string) []string {
		return []string{`"title": "Invalid parameter"`, "The '" + param + "' parameter must not contain invisible formatting characters"}
	}
	for _, bad := range []string{"admin\u200b", "\u202egnp.exe", "a\u2066b", "\ufeffroom", "x\u200dy", "\u200fname"} {
		js, _ := json.Marshal(bad)
		e.run(t, []scenario{
			{name: "room " + fmt.Sprintf("%q", bad), req: request{method: "POST", path: "/api/rooms", token: e.adminToken, body: `{"name": ` + string(js) + `}`}, status: 400, want: invisible("name")},
			{name: "hook " + fmt.Sprintf("%q", bad), req: request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken, body: `{"name": ` + string(js) + `}`}, status: 400, want: invisible("name")},
			{name: "token " + fmt.Sprintf("%q", bad), req: request{method: "POST", path: "/api/tokens", token: e.adminToken, body: `{"name": ` + string(js) + `}`}, status: 400, want: invisible("name")},
			// A payload's username is not taken: the hook posts as its bot.
			{name: "hook username " + fmt.Sprintf("%q", bad), req: request{method: "POST", path: hook.URL, body: `{"text": "x", "username": ` + string(js) + `}`}, status: 200, want: []string{`"username": "CI"`}},
			// A user's name has a stricter rule, which refuses these too.
			{name: "username " + fmt.Sprintf("%q", bad), req: request{method: "POST", path: "/api/users", token: e.adminToken, body: `{"username": ` + string(js) + `, "email": "x@example.com", "password": "p"}`}, status: 400,
				exact: `{"title": "Invalid parameter", "description": "The 'username' parameter must be 1 to 120 letters, digits, '_' or '-'."}`},
		})
	}
}

// --- 10. A password reset revokes tokens ---

func TestPasswordReset_RevokesTokensUnlessToldNot(t *testing.T) {
	e := newEnv(t)
	r := e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"password": "reset one", "revoke_tokens": false}`})
	require.Equal(t, 200, r.status, r.body)
	assert.Equal(t, 200, e.do(request{method: "GET", path: "/api/ping", token: e.userToken}).status, "kept on purpose")

	b := e.browser("test_user", "reset one")
	r = e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"password": "reset two"}`})
	require.Equal(t, 200, r.status, r.body)
	assert.Equal(t, 401, e.do(request{method: "GET", path: "/api/ping", token: e.userToken}).status, "the default revokes the tokens")
	assert.Equal(t, 401, e.do(request{method: "GET", path: "/api/ping", client: b}).status, "and ends the sessions")
	r = e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"password": "x", "revoke_tokens": "yes"}`})
	assert.Equal(t, 400, r.status, "revoke_tokens is a boolean")
}

// --- 11. Bursts and slow streams ---

func TestStream_ABurstOf300PostsKeepsEveryReadingSubscriber(t *testing.T) {
	e := newEnv(t)
	room := e.joined("burst")
	subs := make([]*wsClient, 10)
	for i := range subs {
		subs[i] = e.dial(e.userToken, "")
	}
	const posts = 300
	reqs := make([]request, posts)
	for p := range reqs {
		reqs[p] = request{method: "POST", path: "/api/messages", token: e.adminToken, body: fmt.Sprintf(`{"room": %q, "text": "p%d"}`, room, p)}
	}
	for p, r := range e.sendAll(reqs...) {
		require.Equal(t, 201, r.status, "post %d: %s", p, r.body)
	}
	for _, ws := range subs {
		for range posts {
			ws.nextOf("message.created")
		}
		e.stillOpen(ws, e.user.ID.Hex(), e.adminToken)
	}
}

func TestStream_ADroppedSlowClientResumesWithSinceAndLosesNothing(t *testing.T) {
	e := newEnv(t, func(o *envConfig) { o.hub = hub.Options{MaxBacklog: 64 << 10} })
	room := e.joined("firehose")
	first := e.post(e.adminToken, room, "before")
	slow := e.dialSmallWindow(e.userToken) // never reads until it is dropped
	text := strings.Repeat("x", 10000)
	const total = 300
	var mu sync.Mutex
	var ids []string
	require.NoError(t, postConcurrently(8, total, func(int) error {
		id, err := e.tryPost(e.adminToken, room, text)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, id)
		return nil
	}))
	slices.Sort(ids)
	code, reason := slow.closed()
	require.Equal(t, websocket.StatusPolicyViolation, code)
	assert.Contains(t, reason, "since")

	// The client reconnects after the last message it got; it read none,
	// so it resumes where it began, and receives every one in order.
	resumed := e.dial(e.userToken, "?since="+first)
	for _, id := range ids {
		ev := resumed.nextOf("message.created")
		var m struct {
			ID map[string]string `json:"_id"`
		}
		require.NoError(t, json.Unmarshal(ev.Data, &m))
		require.Equal(t, id, m.ID["$oid"])
	}
}

// --- Also: one's own password and sessions ---

func TestAccount_ChangeOwnPasswordAndEndOwnSessions(t *testing.T) {
	e := newEnv(t)
	here := e.browser("test_user", "test_pass")
	there := e.browser("test_user", "test_pass")
	ws, err := e.dialCookie(there, e.srv.URL)
	require.NoError(t, err)

	r := e.do(request{method: "GET", path: "/api/sessions", client: here})
	require.Equal(t, 200, r.status)
	var sessions []struct {
		ID      map[string]string `json:"_id"`
		Current bool              `json:"current"`
		Agent   string            `json:"user_agent"`
	}
	r.json(t, &sessions)
	require.Len(t, sessions, 2)
	var otherID string
	for _, s := range sessions {
		if !s.Current {
			otherID = s.ID["$oid"]
		}
		assert.NotEmpty(t, s.Agent)
	}
	require.NotEmpty(t, otherID)
	assert.NotContains(t, r.body, "key_hash")

	e.run(t, []scenario{
		{name: "another user's session is not found", req: request{method: "DELETE", path: "/api/sessions/" + otherID, token: e.adminToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such session."}`},
		{name: "wrong current password", req: request{method: "POST", path: "/api/me/password", client: here, headers: e.origin(), body: `{"current_password": "nope", "new_password": "a fine new one"}`}, status: 400, want: []string{"current_password"}},
		{name: "missing current password", req: request{method: "POST", path: "/api/me/password", client: here, headers: e.origin(), body: `{"new_password": "a fine new one"}`}, status: 400, want: []string{"Missing parameter"}},
		{name: "too short", req: request{method: "POST", path: "/api/me/password", client: here, headers: e.origin(), body: `{"current_password": "test_pass", "new_password": "short"}`}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'new_password' parameter must be at least 8 characters long."}`},
		{name: "no Origin", req: request{method: "POST", path: "/api/me/password", client: here, body: `{"current_password": "test_pass", "new_password": "a fine new one"}`}, status: 403,
			want: []string{`"title": "Permission Denied"`, "Origin"}},
	})

	// None of the refusals changed anything. Ending the other session
	// ends it and its stream.
	r = e.do(request{method: "DELETE", path: "/api/sessions/" + otherID, client: here, headers: e.origin()})
	require.Equal(t, 204, r.status, r.body)
	assert.Equal(t, 401, e.do(request{method: "GET", path: "/api/ping", client: there}).status, "the other session is gone")
	code, reason := ws.closed()
	assert.Equal(t, websocket.StatusPolicyViolation, code)
	assert.Contains(t, reason, "session ended")

	// Changing one's password keeps this session and the tokens.
	r = e.do(request{method: "POST", path: "/api/me/password", client: here, headers: e.origin(), body: `{"current_password": "test_pass", "new_password": "a fine new one"}`})
	require.Equal(t, 204, r.status, r.body)
	assert.Equal(t, 200, e.do(request{method: "GET", path: "/api/ping", client: here}).status, "this session stays")
	assert.Equal(t, 200, e.do(request{method: "GET", path: "/api/ping", token: e.userToken}).status, "tokens stay")
	r = e.do(request{method: "POST", path: "/api/login", body: `{"username": "test_user", "password": "a fine new one"}`})
	assert.Equal(t, 200, r.status, "the new password logs in: %s", r.body)
}
