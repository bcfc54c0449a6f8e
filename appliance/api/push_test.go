package api_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/webpush"
)

// pushEndpoint is a push service on loopback, as a test runs it: it
// keeps what it receives and answers status (201 unless told otherwise).
type pushEndpoint struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	status int
	arrive chan struct{}
}

type received struct {
	path   string
	header http.Header
	body   []byte
}

func newPushEndpoint(t *testing.T) *pushEndpoint {
	p := &pushEndpoint{status: http.StatusCreated, arrive: make(chan struct{}, 1000)}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.got = append(p.got, received{r.URL.Path, r.Header.Clone(), body})
		status := p.status
		p.mu.Unlock()
		w.WriteHeader(status)
		p.arrive <- struct{}{}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// browser is a browser's side of a subscription: its keys.
type browser struct {
	key      *ecdh.PrivateKey
	auth     []byte
	endpoint string
}

func newBrowser(t *testing.T, endpoint string) browser {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	return browser{key, auth, endpoint}
}

func (b browser) json() string {
	enc := base64.RawURLEncoding
	return fmt.Sprintf(`{"endpoint": %q, "keys": {"p256dh": %q, "auth": %q}}`, b.endpoint, enc.EncodeToString(b.key.PublicKey().Bytes()), enc.EncodeToString(b.auth))
}

// next waits for the next push and decrypts it with b's keys.
func (p *pushEndpoint) next(t *testing.T, b browser) (received, map[string]string) {
	t.Helper()
	select {
	case <-p.arrive:
	case <-time.After(10 * time.Second):
		t.Fatal("no push arrived")
	}
	p.mu.Lock()
	r := p.got[len(p.got)-1]
	p.mu.Unlock()
	plain, err := webpush.Decrypt(r.body, b.key, b.auth)
	require.NoError(t, err)
	var payload map[string]string
	require.NoError(t, json.Unmarshal(plain, &payload))
	return r, payload
}

func (p *pushEndpoint) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

func TestPush_SubscriptionsAreCheckedAndKeptPerUser(t *testing.T) {
	e := newEnv(t) // the egress policy refuses loopback
	r := e.do(request{method: "GET", path: "/api/push", token: e.userToken})
	require.Equal(t, http.StatusOK, r.status, r.body)
	var info struct {
		PublicKey string `json:"public_key"`
	}
	r.json(t, &info)
	key, err := base64.RawURLEncoding.DecodeString(info.PublicKey)
	require.NoError(t, err)
	assert.Len(t, key, 65, "an uncompressed P-256 point")

	good := newBrowser(t, "https://push.example.com/send/abc")
	for _, c := range []struct{ name, body string }{
		{"no endpoint", `{"keys": {"p256dh": "x", "auth": "y"}}`},
		{"http, not https", strings.Replace(good.json(), "https://", "http://", 1)},
		{"loopback", strings.Replace(good.json(), "push.example.com", "127.0.0.1", 1)},
		{"a private address", strings.Replace(good.json(), "push.example.com", "10.1.2.3", 1)},
		{"link-local", strings.Replace(good.json(), "push.example.com", "169.254.169.254", 1)},
		{"credentials in the URL", strings.Replace(good.json(), "https://", "https://u:p@", 1)},
		{"a bad p256dh", `{"endpoint": "https://push.example.com/x", "keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}`},
		{"a short auth", `{"endpoint": "https://push.example.com/x", "keys": {"p256dh": "` + base64.RawURLEncoding.EncodeToString(good.key.PublicKey().Bytes()) + `", "auth": "AAAA"}}`},
		{"a 1 MB endpoint", `{"endpoint": "https://push.example.com/` + strings.Repeat("a", 1<<20) + `", "keys": {"p256dh": "x", "auth": "y"}}`},
		{"not JSON", `{`},
	} {
		r := e.do(request{method: "POST", path: "/api/push/subscriptions", token: e.userToken, body: c.body})
		assert.Contains(t, []int{400, 413}, r.status, "%s: %s", c.name, r.body)
		assert.Contains(t, r.body, `"title"`, c.name)
	}
	r = e.do(request{method: "GET", path: "/api/push", token: e.userToken})
	assert.Contains(t, r.body, `"subscriptions": []`, "nothing kept")
}

func TestPush_AMentionArrivesEncryptedAtTheBrowsersPushService(t *testing.T) {
	ep := newPushEndpoint(t)
	e := newEnv(t, withLoopbackOutgoing, func(o *envConfig) { o.pushClient = ep.srv.Client() })
	room := e.joined("general")
	b := newBrowser(t, ep.srv.URL+"/push/user-browser")
	r := e.do(request{method: "POST", path: "/api/push/subscriptions", token: e.userToken, body: b.json()})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	sub := oid(t, r)

	id, _ := e.say(e.adminToken, room, "lunch, @test_user?")
	got, payload := ep.next(t, b)
	assert.Equal(t, "/push/user-browser", got.path)
	assert.Equal(t, "#general", payload["title"])
	assert.Equal(t, "admin: lunch, @test_user?", payload["body"])
	assert.Equal(t, id, payload["message"])
	assert.Equal(t, "mention", payload["reason"])
	assert.Equal(t, "r"+room, payload["conversation"])
	assert.Equal(t, "aes128gcm", got.header.Get("Content-Encoding"))
	assert.True(t, strings.HasPrefix(got.header.Get("Authorization"), "vapid t="), got.header.Get("Authorization"))
	assert.Equal(t, webpush.TopicOf("r"+room), got.header.Get("Topic"), "grouped per conversation")
	assert.NotEmpty(t, got.header.Get("TTL"))

	// Not a mention in a room at its default level: nothing. A direct
	// message: a push.
	e.say(e.adminToken, room, "no names here")
	r = e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "psst"}`})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	_, payload = ep.next(t, b)
	assert.Equal(t, "psst", payload["body"])
	assert.Equal(t, "admin", payload["title"])

	// A browser showing that conversation, visible: no push; hidden:
	// a push.
	ws := e.dial(e.userToken, "")
	view := func(visible bool) {
		msg := fmt.Sprintf(`{"event": "viewing", "data": {"recipient": %q, "visible": %v}}`, e.admin.ID.Hex(), visible)
		require.NoError(t, ws.conn.Write(t.Context(), 1, []byte(msg)))
	}
	key := "d" + e.admin.ID.Hex()
	view(true)
	require.Eventually(t, func() bool { return e.pusher.Shows(e.user.ID, key) }, 5*time.Second, 5*time.Millisecond)
	before := ep.count()
	fanned, _, _ := e.pusher.Stats()
	e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "you see this"}`})
	require.Eventually(t, func() bool { n, _, _ := e.pusher.Stats(); return n > fanned }, 5*time.Second, 5*time.Millisecond)
	view(false)
	require.Eventually(t, func() bool { return !e.pusher.Shows(e.user.ID, key) }, 5*time.Second, 5*time.Millisecond)
	e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "tab hidden"}`})
	_, payload = ep.next(t, b)
	assert.Equal(t, "tab hidden", payload["body"])
	assert.Equal(t, before+1, ep.count(), "nothing for the message seen")

	// The push service says the subscription is gone: it is dropped.
	ep.mu.Lock()
	ep.status = http.StatusGone
	ep.mu.Unlock()
	e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"recipient": "` + e.user.ID.Hex() + `", "text": "into the void"}`})
	ep.next(t, b)
	require.Eventually(t, func() bool {
		r := e.do(request{method: "GET", path: "/api/push", token: e.userToken})
		return strings.Contains(r.body, `"subscriptions": []`)
	}, 5*time.Second, 20*time.Millisecond, "a gone subscription is deleted")
	r = e.do(request{method: "DELETE", path: "/api/push/subscriptions/" + sub, token: e.userToken})
	assert.Equal(t, http.StatusNotFound, r.status, r.body)
}

func TestPush_OnlyItsOwnerRemovesASubscription(t *testing.T) {
	ep := newPushEndpoint(t)
	e := newEnv(t, withLoopbackOutgoing, func(o *envConfig) { o.pushClient = ep.srv.Client() })
	b := newBrowser(t, ep.srv.URL+"/push/x")
	r := e.do(request{method: "POST", path: "/api/push/subscriptions", token: e.userToken, body: b.json()})
	require.Equal(t, http.StatusCreated, r.status, r.body)
	sub := oid(t, r)
	assert.Equal(t, http.StatusNotFound, e.do(request{method: "DELETE", path: "/api/push/subscriptions/" + sub, token: e.adminToken}).status)
	assert.Equal(t, http.StatusNotFound, e.do(request{method: "DELETE", path: "/api/push/subscriptions/nope", token: e.userToken}).status)
	assert.Equal(t, http.StatusNoContent, e.do(request{method: "DELETE", path: "/api/push/subscriptions/" + sub, token: e.userToken}).status)
	r = e.do(request{method: "GET", path: "/api/push", token: e.userToken})
	assert.Contains(t, r.body, `"subscriptions": []`)
}
