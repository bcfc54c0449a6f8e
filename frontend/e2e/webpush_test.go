package e2e

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/webpush"
)

// pushService stands in for a browser vendor's push service, on loopback
// over TLS (TestMain makes the server trust it): it keeps the bodies it
// is sent.
type pushService struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	arrive chan struct{}
}

func newPushService(t *testing.T) *pushService {
	p := &pushService{arrive: make(chan struct{}, 100)}
	p.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.bodies = append(p.bodies, body)
		p.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		p.arrive <- struct{}{}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pushService) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.bodies)
}

// next waits for the next push and opens it with the browser's keys.
func (p *pushService) next(t *testing.T, key *ecdh.PrivateKey, auth []byte) (plain []byte, payload map[string]string) {
	t.Helper()
	select {
	case <-p.arrive:
	case <-time.After(20 * time.Second):
		t.Fatal("no push arrived at the push service")
	}
	p.mu.Lock()
	body := p.bodies[len(p.bodies)-1]
	p.mu.Unlock()
	plain, err := webpush.Decrypt(body, key, auth)
	require.NoError(t, err, "encrypted to the subscription's keys (RFC 8291)")
	require.NoError(t, json.Unmarshal(plain, &payload))
	return plain, payload
}

// pushManagerJS makes the page's PushManager subscribe at endpoint with
// the given keys: headless Chromium has no push service of its own, so
// the test is the push service, and holds the keys that open what the
// server sends it. Everything else — the worker, the page's subscribing,
// the server's encryption and delivery — is the real thing.
func pushManagerJS(endpoint string, key *ecdh.PrivateKey, auth []byte) string {
	enc := base64.RawURLEncoding
	sub, _ := json.Marshal(map[string]any{"endpoint": endpoint, "keys": map[string]string{
		"p256dh": enc.EncodeToString(key.PublicKey().Bytes()), "auth": enc.EncodeToString(auth)}})
	return fmt.Sprintf(`(() => {
  const sub = %s;
  let current = null;
  PushManager.prototype.subscribe = async function (opts) {
    current = {endpoint: sub.endpoint, options: {userVisibleOnly: true, applicationServerKey: new Uint8Array(opts.applicationServerKey).buffer},
      toJSON: () => sub, unsubscribe: async () => { current = null; return true; }};
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();`, sub)
}

// pushMetric is one of the server's Web Push counters (GET /metrics).
func (w *world) pushMetric(name string) int {
	w.t.Helper()
	status, body := w.call(w.adminToken, "GET", "/metrics", nil)
	require.Equal(w.t, 200, status, body)
	m := regexp.MustCompile(`(?m)^` + name + ` (\d+)$`).FindStringSubmatch(body)
	require.NotNil(w.t, m, "%s in /metrics", name)
	n, err := strconv.Atoi(m[1])
	require.NoError(w.t, err)
	return n
}

// notifications are the worker's notifications shown now: title, body, tag.
const notifications = `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(n => [n.title, n.body, n.tag]))`

func TestWebPush_AMentionArrivesAsAPushTheWorkerShowsAndItsClickOpens(t *testing.T) {
	w := newWorld(t, nil, withConfig(func(c *config.Config) { c.OutgoingAllow = []string{"127.0.0.1"} }))
	ps := newPushService(t)
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	status, body := w.call(w.bobToken, "POST", "/api/messages", map[string]string{"recipient": w.admin.ID.Hex(), "text": "hello"})
	require.Equal(t, 201, status, body)

	ctx := browser(t, 1280, 800)
	registrations := make(chan serviceworker.RegistrationID, 10)
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range e.Registrations {
				if !r.IsDeleted {
					registrations <- r.RegistrationID
				}
			}
		}
	}))
	step(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: pushManagerJS(ps.srv.URL+"/push/alice", key, auth)}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, serviceworker.Enable, cdp.Empty{})
		return err
	}))
	setNotifications(t, ctx, w.url, cdpbrowser.PermissionSettingGranted)
	w.login(t, ctx, "alice", "alice-password")
	inGeneral(t, ctx)

	// Notifications allowed, the page subscribes by itself soon after it
	// loads, and hands the subscription to the server.
	pollFor(t, func() string { return "the subscription at the server" }, func() bool {
		status, body := w.call(w.adminToken, "GET", "/api/push", nil)
		require.Equal(t, 200, status, body)
		var push struct {
			Subscriptions []struct {
				Endpoint string `json:"endpoint"`
			} `json:"subscriptions"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &push))
		return len(push.Subscriptions) == 1 && push.Subscriptions[0].Endpoint == ps.srv.URL+"/push/alice"
	})
	var reg serviceworker.RegistrationID
	select {
	case reg = <-registrations:
	case <-time.After(20 * time.Second):
		t.Fatal("the service worker's registration was not reported")
	}

	// Alice looks at her conversation with bob; bob mentions her in
	// #general: the server encrypts a notification to her browser's keys
	// and sends it to its push service.
	openConvNamed(t, ctx, "directs", "bob")
	status, body = w.call(w.bobToken, "POST", "/api/messages", map[string]string{"room": w.room.Hex(), "text": "lunch, @alice?"})
	require.Equal(t, 201, status, body)
	plain, payload := ps.next(t, key, auth)
	assert.Equal(t, "#general", payload["title"])
	assert.Contains(t, payload["body"], "lunch, @alice?")
	assert.Equal(t, "r"+w.room.Hex(), payload["conversation"])

	// Its push reaches the worker, which shows it.
	step(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
			Origin: w.url, RegistrationID: reg, Data: string(plain)})
		return err
	}))
	var shown [][]string
	pollFor(t, func() string { return fmt.Sprintf("the notification shown (%q)", shown) }, func() bool {
		shown = evalAwait[[][]string](t, ctx, notifications)
		return len(shown) == 1
	})
	assert.Equal(t, "#general", shown[0][0])
	assert.Contains(t, shown[0][1], "lunch, @alice?")
	assert.Equal(t, payload["tag"], shown[0][2], "grouped per conversation")

	// Clicked, it brings the tab to #general. A headless browser has no
	// notification to click: the click is the worker's own event,
	// dispatched in the worker on the notification it showed.
	inWorker(t, ctx, `self.registration.getNotifications().then(ns => self.dispatchEvent(new NotificationEvent('notificationclick', {notification: ns[0]})))`)
	until(t, ctx, `document.getElementById('room-title').textContent === 'general'`, "the conversation of the notification, opened")
	assert.Empty(t, evalAwait[[][]string](t, ctx, notifications), "the clicked notification closed")

	// Now that the page shows #general, a mention there is not pushed;
	// a direct message still is.
	fanOuts := w.pushMetric("makechat_push_fanouts_total")
	before := ps.count()
	status, body = w.call(w.bobToken, "POST", "/api/messages", map[string]string{"room": w.room.Hex(), "text": "@alice here?"})
	require.Equal(t, 201, status, body)
	pollFor(t, func() string { return "the mention decided" }, func() bool { return w.pushMetric("makechat_push_fanouts_total") > fanOuts })
	assert.Equal(t, before, ps.count(), "no push for the conversation on screen")
	status, body = w.call(w.bobToken, "POST", "/api/messages", map[string]string{"recipient": w.admin.ID.Hex(), "text": "or tomorrow"})
	require.Equal(t, 201, status, body)
	_, payload = ps.next(t, key, auth)
	assert.Equal(t, "or tomorrow", payload["body"])
	assert.Equal(t, "d"+w.bob.ID.Hex(), payload["conversation"])
	assert.Equal(t, before+1, ps.count())
}

// inWorker evaluates js in the page's service worker.
func inWorker(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	targets, err := chromedp.Targets(ctx)
	require.NoError(t, err)
	for _, tg := range targets {
		if tg.Type != "service_worker" {
			continue
		}
		wctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(tg.TargetID))
		defer cancel()
		sctx, cancelT := context.WithTimeout(wctx, 30*time.Second)
		defer cancelT()
		_, err := chromedp.Run(sctx, chromedp.Evaluate[chromedp.Void](js, chromedp.EvalAwaitPromise))
		require.NoError(t, err, js)
		return
	}
	t.Fatal("no service worker")
}
