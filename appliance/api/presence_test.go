package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
)

// flushPresence publishes the presence changes as the server does every
// few seconds.
func (e *env) flushPresence() {
	e.t.Helper()
	var out []chat.Presence
	for _, c := range e.presence.Flush() {
		out = append(out, chat.Presence{User: c.User, Status: c.Status, LastSeen: c.LastSeen})
	}
	require.NoError(e.t, e.chat.PresenceChanged(context.Background(), out))
}

type presenceJSON struct {
	User     map[string]string `json:"user"`
	Status   string            `json:"status"`
	LastSeen *json.RawMessage  `json:"last_seen"`
}

func (e *env) presenceOf(token, query string) []presenceJSON {
	e.t.Helper()
	r := e.do(request{method: "GET", path: "/api/presence" + query, token: token})
	require.Equal(e.t, http.StatusOK, r.status, r.body)
	var out []presenceJSON
	r.json(e.t, &out)
	return out
}

func TestPresence_StreamsMakeUsersOnlineAndChangesGoOutBatched(t *testing.T) {
	e := newEnv(t)
	watcher := e.dial(e.adminToken, "")
	assert.Empty(t, e.presenceOf(e.adminToken, "?users="+e.user.ID.Hex())[0].LastSeen)

	ws := e.dial(e.userToken, "")
	require.Eventually(t, func() bool { return len(e.presenceOf(e.adminToken, "")) == 2 }, 5*time.Second, 10*time.Millisecond)
	e.flushPresence()
	ev := watcher.nextOf("presence")
	assert.Contains(t, string(ev.Data), e.user.ID.Hex())
	assert.Contains(t, string(ev.Data), `"online"`)

	// A hundred reconnects between two batches: no change at all.
	for range 100 {
		c := e.dial(e.userToken, "")
		c.conn.CloseNow()
	}
	require.Eventually(t, func() bool { st, _ := e.presence.Status(e.user.ID); return st == "online" }, 5*time.Second, 10*time.Millisecond)
	assert.Empty(t, e.presence.Flush(), "online before and after")

	ws.conn.CloseNow()
	require.Eventually(t, func() bool { st, _ := e.presence.Status(e.user.ID); return st == "offline" }, 5*time.Second, 10*time.Millisecond)
	e.flushPresence()
	ev = watcher.nextOf("presence")
	assert.Contains(t, string(ev.Data), `"offline"`)
	got := e.presenceOf(e.adminToken, "?users="+e.user.ID.Hex())
	require.Len(t, got, 1)
	assert.Equal(t, "offline", got[0].Status)
	require.NotNil(t, got[0].LastSeen, "last seen, kept in the store")
	u, err := e.store.User(context.Background(), e.user.ID)
	require.NoError(t, err)
	assert.False(t, u.LastSeen.IsZero())
}

func TestPresence_AUserMayHideIt(t *testing.T) {
	e := newEnv(t)
	watcher := e.dial(e.adminToken, "")
	e.dial(e.userToken, "")
	require.Eventually(t, func() bool { return len(e.presenceOf(e.adminToken, "")) == 2 }, 5*time.Second, 10*time.Millisecond)
	r := e.do(request{method: "PATCH", path: "/api/me", token: e.userToken, body: `{"hide_presence": true}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	assert.Contains(t, r.body, `"hide_presence": true`)
	ev := watcher.nextOf("presence")
	assert.Contains(t, string(ev.Data), `"offline"`)
	got := e.presenceOf(e.adminToken, "?users="+e.user.ID.Hex())
	assert.Equal(t, "offline", got[0].Status)
	assert.Nil(t, got[0].LastSeen, "no last-seen time either")
	assert.Len(t, e.presenceOf(e.adminToken, ""), 1, "only the admin is listed")
	e.flushPresence()
	r = e.do(request{method: "PATCH", path: "/api/me", token: e.userToken, body: `{"hide_presence": false}`})
	require.Equal(t, http.StatusOK, r.status, r.body)
	ev = watcher.nextOf("presence")
	assert.Contains(t, string(ev.Data), `"online"`)

	for _, q := range []string{"?users=nope", "?users=" + strings.Repeat(e.user.ID.Hex()+",", 200) + e.user.ID.Hex()} {
		r := e.do(request{method: "GET", path: "/api/presence" + q, token: e.userToken})
		assert.Equal(t, http.StatusBadRequest, r.status, r.body)
	}
	r = e.do(request{method: "PATCH", path: "/api/me", token: e.userToken, body: `{"hide_presence": "yes"}`})
	assert.Equal(t, http.StatusBadRequest, r.status, r.body)
}
