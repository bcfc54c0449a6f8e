package api_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withLoopbackOutgoing(o *envConfig) { o.outgoingAllow = []string{"127.0.0.1"} }

// receiver is a test bot on the loopback: it checks each delivery's
// signature with the secret it is given (as a bot would, with its own
// HMAC, not makechat's code), records the deliveries and answers with
// what answer says for the nth one.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	got    []map[string]any
	bad    int // deliveries whose signature did not verify
	answer func(n int, w http.ResponseWriter)
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter)) *receiver {
	rc := &receiver{answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		ok := verify(rc.secret, r.Header.Get("X-Makechat-Request-Timestamp"), body, r.Header.Get("X-Makechat-Signature"))
		if !ok {
			rc.bad++
			rc.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p map[string]any
		_ = json.Unmarshal(body, &p)
		rc.got = append(rc.got, p)
		n := len(rc.got)
		rc.mu.Unlock()
		rc.answer(n, w)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// verify is how a receiver checks a delivery: v0= and the hex
// HMAC-SHA256 of "v0:<timestamp>:<body>" under the signing secret.
func verify(secret, ts string, body []byte, sig string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return ts != "" && hmac.Equal([]byte(sig), []byte("v0="+hex.EncodeToString(mac.Sum(nil))))
}

func (rc *receiver) deliveries() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.got...)
}

// outgoingHook makes an outgoing hook of room to the receiver and gives
// the receiver its signing secret.
func (e *env) outgoingHook(room string, rc *receiver, extra string) (id string) {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/rooms/" + room + "/hooks", token: e.adminToken,
		body: `{"name": "deploybot", "outgoing_url": "` + rc.srv.URL + `/in"` + extra + `}`})
	require.Equal(e.t, http.StatusCreated, r.status, r.body)
	var h struct {
		ID            map[string]string `json:"_id"`
		SigningSecret string            `json:"signing_secret"`
		Outgoing      struct {
			URL string `json:"url"`
		} `json:"outgoing"`
	}
	r.json(e.t, &h)
	require.Len(e.t, h.SigningSecret, 32)
	require.Equal(e.t, rc.srv.URL+"/in", h.Outgoing.URL)
	rc.mu.Lock()
	rc.secret = h.SigningSecret
	rc.mu.Unlock()
	list := e.do(request{method: "GET", path: "/api/rooms/" + room + "/hooks", token: e.adminToken})
	require.NotContains(e.t, list.body, h.SigningSecret, "the secret is shown once")
	return h.ID["$oid"]
}

type delivery struct {
	Message  map[string]string `json:"message"`
	Attempts int               `json:"attempts"`
	Status   int               `json:"status"`
	Error    string            `json:"error"`
	State    string            `json:"state"`
	Reply    map[string]string `json:"reply"`
}

// until polls cond from the test's own goroutine (cond may fail the
// test) until it holds, failing after 10 seconds.
func until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
	}
}

func (e *env) deliveries(room, hook string) []delivery {
	e.t.Helper()
	r := e.do(request{method: "GET", path: "/api/rooms/" + room + "/hooks/" + hook + "/deliveries", token: e.adminToken})
	require.Equal(e.t, 200, r.status, r.body)
	var out []delivery
	r.json(e.t, &out)
	return out
}

func TestOutgoing_TriggeredMessagesAreSignedAndTheAnswerIsPostedAsTheHook(t *testing.T) {
	e := newEnv(t, withLoopbackOutgoing)
	room := e.joined("ops")
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"text": "deploying *prod*", "attachments": [{"color": "good", "title": "Deploy 42"}]}`)
	})
	hook := e.outgoingHook(room, rc, `, "triggers": ["!deploy", "!deploy", " "]`)

	e.post(e.userToken, room, "just chatting")
	sent := e.post(e.userToken, room, "!DEPLOY prod")
	until(t, "the delivery", func() bool { d := e.deliveries(room, hook); return len(d) == 1 && d[0].State == "delivered" })
	got := rc.deliveries()
	require.Len(t, got, 1, "only the message with the trigger word")
	assert.Equal(t, "!DEPLOY prod", got[0]["text"])
	assert.Equal(t, "!deploy", got[0]["trigger_word"])
	assert.Equal(t, "test_user", got[0]["user_name"])
	assert.Equal(t, "ops", got[0]["channel_name"])
	assert.Equal(t, room, got[0]["channel_id"])
	assert.Equal(t, hook, got[0]["hook_id"])
	assert.Equal(t, sent, got[0]["post_id"])
	assert.Zero(t, rc.bad)

	d := e.deliveries(room, hook)[0]
	assert.Equal(t, 1, d.Attempts)
	assert.Equal(t, 200, d.Status)
	require.NotEmpty(t, d.Reply["$oid"])
	msgs := e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.userToken})
	assert.Contains(t, msgs.body, `"text": "deploying **prod**`)
	assert.Contains(t, msgs.body, `"username": "deploybot"`)
	assert.Contains(t, msgs.body, `"title": "Deploy 42"`)

	// The answer, a hook's message, is not sent out again.
	e.post(e.userToken, room, "!deploy staging")
	until(t, "the second delivery", func() bool { return len(rc.deliveries()) >= 2 })
	for _, p := range rc.deliveries() {
		assert.NotEqual(t, d.Reply["$oid"], p["post_id"])
	}
}

func TestOutgoing_FailuresAreRetriedAndLogged(t *testing.T) {
	e := newEnv(t, withLoopbackOutgoing)
	room := e.joined("ops")
	rc := newReceiver(t, func(n int, w http.ResponseWriter) {
		switch {
		case n <= 2:
			w.WriteHeader(http.StatusInternalServerError) // the first message, twice
		case n == 4:
			w.WriteHeader(http.StatusBadRequest) // the second message: not retried
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	hook := e.outgoingHook(room, rc, "")
	first := e.post(e.userToken, room, "one")
	until(t, "the deliveries", func() bool { d := e.deliveries(room, hook); return len(d) == 1 && d[0].State == "delivered" })
	d := e.deliveries(room, hook)[0]
	assert.Equal(t, first, d.Message["$oid"])
	assert.Equal(t, 3, d.Attempts, "two 500s, then delivered")
	assert.Equal(t, 204, d.Status)
	assert.Nil(t, d.Reply, "an answer without a body posts nothing")

	e.post(e.userToken, room, "two")
	until(t, "the deliveries", func() bool { d := e.deliveries(room, hook); return len(d) == 2 && d[0].State == "failed" })
	d = e.deliveries(room, hook)[0]
	assert.Equal(t, 1, d.Attempts, "a 400 is the receiver's no: not retried")
	assert.Equal(t, 400, d.Status)
	assert.Contains(t, d.Error, "400")
}

func TestOutgoing_ASignatureUnderAnotherSecretIsRefusedByTheReceiver(t *testing.T) {
	e := newEnv(t, withLoopbackOutgoing)
	room := e.joined("ops")
	rc := newReceiver(t, func(int, http.ResponseWriter) {})
	hook := e.outgoingHook(room, rc, "")
	rc.mu.Lock()
	rc.secret = strings.Repeat("x", 32) // the receiver was given another secret
	rc.mu.Unlock()
	e.post(e.userToken, room, "hello")
	until(t, "the deliveries", func() bool { d := e.deliveries(room, hook); return len(d) == 1 && d[0].State == "failed" })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	assert.Equal(t, 1, rc.bad)
	assert.Empty(t, rc.got)
	assert.False(t, verify(strings.Repeat("x", 32), "1", []byte(`{}`), "v0=00"), "the test's own check refuses a wrong signature")
}

func TestOutgoing_BadURLsAndTriggersAreRefused(t *testing.T) {
	e := newEnv(t) // no outgoing_allow: the loopback is inside
	room := e.joined("ops")
	rc := newReceiver(t, func(int, http.ResponseWriter) {})
	hooks := "/api/rooms/" + room + "/hooks"
	post := func(body string) request {
		return request{method: "POST", path: hooks, token: e.adminToken, body: body}
	}
	e.run(t, []scenario{
		{name: "the loopback without the allowance", req: post(`{"outgoing_url": "` + rc.srv.URL + `"}`), status: 400,
			want: []string{`"title": "Invalid parameter"`, `The 'outgoing_url' parameter cannot be called: refused by the outgoing request policy: 127.0.0.1 is an address inside this server's network`, "outgoing_allow"}},
		{name: "the metadata address", req: post(`{"outgoing_url": "http://169.254.169.254/latest/meta-data/"}`), status: 400,
			want: []string{"cannot be called", "169.254.169.254"}},
		{name: "a file URL", req: post(`{"outgoing_url": "file:///etc/passwd"}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'outgoing_url' parameter must be an http or https URL."}`},
		{name: "a script URL", req: post(`{"outgoing_url": "javascript:alert(1)"}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'outgoing_url' parameter must be an http or https URL."}`},
		{name: "a URL of the wrong type", req: post(`{"outgoing_url": 5}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'outgoing_url' parameter must be a string."}`},
		{name: "triggers without a URL", req: post(`{"triggers": ["x"]}`), status: 400,
			exact: `{"title": "Missing parameter", "description": "The 'outgoing_url' parameter is required."}`},
		{name: "a trigger with a space", req: post(`{"outgoing_url": "https://bot.example.com", "triggers": ["two words"]}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'triggers' parameter may hold at most 10 words of 1 to 64 characters, without spaces."}`},
		{name: "eleven triggers", req: post(`{"outgoing_url": "https://bot.example.com", "triggers": ["a","b","c","d","e","f","g","h","i","j","k"]}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'triggers' parameter may hold at most 10 words of 1 to 64 characters, without spaces."}`},
		{name: "triggers not a list", req: post(`{"outgoing_url": "https://bot.example.com", "triggers": "x"}`), status: 400,
			exact: `{"title": "Invalid parameter", "description": "The 'triggers' parameter must be an array."}`},
		{name: "a member may not see deliveries", req: request{method: "GET", path: hooks + "/0123456789abcdef01234567/deliveries", token: e.userToken}, status: 403,
			exact: `{"title": "Permission Denied", "description": "Room owner or admin required."}`},
		{name: "deliveries of no such hook", req: request{method: "GET", path: hooks + "/0123456789abcdef01234567/deliveries", token: e.adminToken}, status: 404,
			exact: `{"title": "Not found", "description": "No such hook."}`},
	})
	r := e.do(request{method: "GET", path: hooks, token: e.adminToken})
	assert.Equal(t, "[]", r.body, "nothing was made")
}
