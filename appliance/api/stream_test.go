package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wsClient is a real WebSocket client of /api/stream.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

type wsEvent struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

func (e *env) dial(token, query string) *wsClient {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/stream" + query
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: http.Header{"X-Auth-Token": {token}}})
	require.NoError(e.t, err)
	if resp.Body != nil {
		resp.Body.Close()
	}
	conn.SetReadLimit(1 << 20)
	e.t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{t: e.t, conn: conn}
}

// dialSmallWindow opens a stream whose socket has a small receive
// buffer, so that a client that does not read holds back the server's
// writes after a few kilobytes rather than after the megabytes a
// loopback socket buffers by default: a slow client, for the tests of
// slow clients.
func (e *env) dialSmallWindow(token string) *wsClient {
	e.t.Helper()
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return errors.Join(err, serr)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/stream"
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPHeader: http.Header{"X-Auth-Token": {token}},
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}},
	})
	require.NoError(e.t, err)
	if resp.Body != nil {
		resp.Body.Close()
	}
	conn.SetReadLimit(1 << 20)
	e.t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{t: e.t, conn: conn}
}

// next reads the next event, failing after 10 seconds.
func (c *wsClient) next() wsEvent {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := c.conn.Read(ctx)
	require.NoError(c.t, err)
	var ev wsEvent
	require.NoError(c.t, json.Unmarshal(data, &ev), string(data))
	return ev
}

// nextOf reads events until one named name arrives.
func (c *wsClient) nextOf(name string) wsEvent {
	c.t.Helper()
	for {
		if ev := c.next(); ev.Event == name {
			return ev
		}
	}
}

func textOf(t *testing.T, ev wsEvent) string {
	var m struct {
		Text string `json:"text"`
	}
	require.NoError(t, json.Unmarshal(ev.Data, &m))
	return m.Text
}

func TestStream_MembersReceiveMessagesInOrderAndOthersDoNot(t *testing.T) {
	e := newEnv(t)
	room := e.joined("live")
	secret := e.createRoom("admins only", `, "is_open": false, "is_visible": false`)
	adminWS := e.dial(e.adminToken, "")
	userWS := e.dial(e.userToken, "")
	e.post(e.adminToken, secret, "not for users")
	for i := range 20 {
		e.post(e.userToken, room, fmt.Sprintf("m%d", i))
	}
	for _, c := range []*wsClient{adminWS, userWS} {
		for i := range 20 {
			ev := c.nextOf("message.created")
			txt := textOf(t, ev)
			if txt == "not for users" {
				require.Same(t, adminWS, c, "a non-member received a hidden room's message")
				ev = c.nextOf("message.created")
				txt = textOf(t, ev)
			}
			assert.Equal(t, fmt.Sprintf("m%d", i), txt)
		}
	}
}

func TestStream_ConcurrentPostsArriveInIdOrder(t *testing.T) {
	e := newEnv(t)
	room := e.joined("order")
	ws := e.dial(e.userToken, "")
	require.NoError(t, postConcurrently(16, 160, func(i int) error {
		_, err := e.tryPost(e.userToken, room, fmt.Sprintf("m%d", i))
		return err
	}))
	last := ""
	for range 160 {
		ev := ws.nextOf("message.created")
		var m struct {
			ID map[string]string `json:"_id"`
		}
		require.NoError(t, json.Unmarshal(ev.Data, &m))
		require.Greater(t, m.ID["$oid"], last, "events must come in id order")
		last = m.ID["$oid"]
	}
}

func TestStream_MembershipChangesTakeEffectAtOnce(t *testing.T) {
	e := newEnv(t)
	room := e.createRoom("lobby", "")
	ws := e.dial(e.userToken, "")
	r := e.do(request{method: "POST", path: "/api/members", token: e.userToken, body: `{"room": "` + room + `"}`})
	require.Equal(t, 201, r.status)
	memberID := oid(t, r)
	ws.nextOf("member.added")
	e.post(e.adminToken, room, "welcome")
	assert.Equal(t, "welcome", textOf(t, ws.nextOf("message.created")))

	require.Equal(t, 200, e.do(request{method: "DELETE", path: "/api/members/" + memberID, token: e.adminToken}).status)
	ws.nextOf("member.removed")
	e.post(e.adminToken, room, "after you left")
	// A DM is the marker that everything before it was delivered.
	r = e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "marker"}`})
	require.Equal(t, 201, r.status)
	assert.Equal(t, "marker", textOf(t, ws.nextOf("message.created")), "the removed member got nothing of the room")
}

func TestStream_SinceReplaysWhatWasMissed(t *testing.T) {
	e := newEnv(t)
	room := e.joined("replay")
	first := e.post(e.userToken, room, "seen")
	for i := range 5 {
		e.post(e.adminToken, room, fmt.Sprintf("missed %d", i))
	}
	ws := e.dial(e.userToken, "?since="+first)
	for i := range 5 {
		assert.Equal(t, fmt.Sprintf("missed %d", i), textOf(t, ws.nextOf("message.created")))
	}
	e.post(e.adminToken, room, "live")
	assert.Equal(t, "live", textOf(t, ws.nextOf("message.created")), "live events follow the replay, without duplicates")
}

func TestStream_TypingReachesOthersOnly(t *testing.T) {
	e := newEnv(t)
	room := e.joined("typing")
	adminWS := e.dial(e.adminToken, "")
	userWS := e.dial(e.userToken, "")
	ctx := context.Background()
	require.NoError(t, userWS.conn.Write(ctx, websocket.MessageText, []byte(`{"event": "typing", "data": {"room": "`+room+`"}}`)))
	ev := adminWS.nextOf("typing")
	assert.Contains(t, string(ev.Data), `"username": "test_user"`)
	e.post(e.adminToken, room, "after typing")
	assert.Equal(t, "message.created", userWS.next().Event, "the typist does not get its own typing event")
}

func TestStream_BadCredentialsAndCursors(t *testing.T) {
	e := newEnv(t)
	e.run(t, []scenario{
		{name: "a bad token", req: request{method: "GET", path: "/api/stream?token=nope"}, status: 401, want: []string{"Not authentificated"}},
		{name: "no credentials", req: request{method: "GET", path: "/api/stream"}, status: 401,
			exact: `{"title": "Not authentificated", "description": "Please provide an auth token or login."}`},
		{name: "a bogus since", req: request{method: "GET", path: "/api/stream?since=zz", token: e.userToken}, status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'since' parameter must be an ObjectId."}`},
		// The WebSocket library answers this one itself, in plain text.
		{name: "not a WebSocket", req: request{method: "GET", path: "/api/stream", token: e.userToken}, status: 426, exact: `{"title": "Upgrade Required", "description": "This route is a WebSocket: open it with a WebSocket client (Connection: Upgrade, Upgrade: websocket)."}`},
		{name: "a WebSocket without a key", req: request{method: "GET", path: "/api/stream", token: e.userToken, headers: map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}},
			status: 400, exact: `{"title": "Bad Request", "description": "A WebSocket handshake needs GET, Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key."}`},
		{name: "a WebSocket of another version", req: request{method: "GET", path: "/api/stream", token: e.userToken, headers: map[string]string{"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}},
			status: 400, exact: `{"title": "Bad Request", "description": "A WebSocket handshake needs GET, Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key."}`},
	})
	ctx := context.Background()
	u := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/api/stream?token=" + e.userToken
	conn, _, err := websocket.Dial(ctx, u, nil)
	require.NoError(t, err, "?token= authenticates")
	conn.CloseNow()
}

func TestStream_GarbageAndHugeFramesCloseCleanly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	garbage := e.dial(e.userToken, "")
	require.NoError(t, garbage.conn.Write(ctx, websocket.MessageText, []byte("not json")))
	_, _, err := garbage.conn.Read(ctx)
	assert.Equal(t, websocket.StatusUnsupportedData, websocket.CloseStatus(err))

	huge := e.dial(e.userToken, "")
	_ = huge.conn.Write(ctx, websocket.MessageText, []byte(`{"event": "typing", "x": "`+strings.Repeat("x", 1<<20)+`"}`))
	_, _, err = huge.conn.Read(ctx)
	assert.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err))

	// The server is unharmed.
	room := e.joined("after")
	ok := e.dial(e.userToken, "")
	e.post(e.userToken, room, "still fine")
	assert.Equal(t, "still fine", textOf(t, ok.nextOf("message.created")))
}

func TestStream_ADisabledUsersStreamIsClosed(t *testing.T) {
	e := newEnv(t)
	ws := e.dial(e.userToken, "")
	r := e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"is_disabled": true}`})
	require.Equal(t, 200, r.status)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := ws.conn.Read(ctx)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err))
}

func TestStream_ASlowClientIsDroppedAndOthersGetEverything(t *testing.T) {
	e := newEnv(t)
	room := e.joined("firehose")
	slow := e.dialSmallWindow(e.userToken) // never reads until the end
	fast := e.dial(e.adminToken, "")
	text := strings.Repeat("x", 10000)
	const total = 800
	got := make(chan int, 1)
	go func() {
		n := 0
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for n < total {
			_, data, err := fast.conn.Read(ctx)
			if err != nil {
				break
			}
			if strings.Contains(string(data), `"message.created"`) {
				n++
			}
		}
		got <- n
	}()
	require.NoError(t, postConcurrently(16, total, func(int) error {
		_, err := e.tryPost(e.adminToken, room, text)
		return err
	}))
	assert.Equal(t, total, <-got, "the reading client got every message") // the reader gives up after 60 s
	// The slow client's stream was cut off: reading drains what was
	// buffered and then finds the close.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	n := 0
	for err == nil {
		_, _, err = slow.conn.Read(ctx)
		n++
	}
	assert.Less(t, n, total, "the slow client did not get everything")
	// Dropped by the hub, it gets a close frame with the reason; cut in
	// the middle of a stalled write, it finds the connection gone.
	if status := websocket.CloseStatus(err); status != -1 {
		assert.Equal(t, websocket.StatusPolicyViolation, status, "it was closed with a reason: %v", err)
	}
}

func TestStream_APasswordChangeClosesOpenStreams(t *testing.T) {
	e := newEnv(t)
	ws := e.dial(e.userToken, "")
	r := e.do(request{method: "PATCH", path: "/api/users/" + e.user.ID.Hex(), token: e.adminToken, body: `{"password": "changed"}`})
	require.Equal(t, 200, r.status)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := ws.conn.Read(ctx)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err))
}
