package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// evalAwait returns the value of a JavaScript promise.
func evalAwait[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	require.NoError(t, err, js)
	return v
}

// presenceOf is user's presence as the user of token is told it by GET
// /api/presence?users=.
func (w *world) presenceOf(token string, user storage.ID) string {
	w.t.Helper()
	status, body := w.call(token, "GET", "/api/presence?users="+user.Hex(), nil)
	require.Equal(w.t, 200, status, body)
	var ps []struct {
		Status string `json:"status"`
	}
	require.NoError(w.t, json.Unmarshal([]byte(body), &ps))
	if len(ps) == 0 {
		return ""
	}
	return ps[0].Status
}

// waitPresence waits, up to 10 seconds, until bob is told that alice is
// status.
func (w *world) waitPresence(t *testing.T, status, why string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := w.presenceOf(w.bobToken, w.admin.ID)
		if got == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice is %q, not %q, 10 s on: %s", got, status, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// awaySoon is a world whose users are away after two seconds without
// activity (the server's minimum is 30 s; the tests set it directly).
func awaySoon() worldOption {
	return withConfig(func(c *config.Config) { c.PresenceAway = 2 * time.Second })
}

func TestPush_TheWorkerRegistersAFailedSubscriptionIsSaidAndThePageTellsWhatItShows(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, nil, awaySoon())
			status, body := w.call(w.bobToken, "POST", "/api/messages", map[string]string{"recipient": w.admin.ID.Hex(), "text": "are you there?"})
			require.Equal(t, 201, status, body)
			ctx := browser(t, size.w, size.h)
			setNotifications(t, ctx, w.url, cdpbrowser.PermissionSettingPrompt)
			w.login(t, ctx, "alice", "alice-password")
			inGeneral(t, ctx)

			// "Allow notifications": the browser allows them, the worker
			// registers at the root, and the subscription, which a
			// browser without a push service cannot make, is said to
			// have failed, without an error in the page.
			openAccountMenu(t, ctx)
			click(t, ctx, chromedp.ID("notify"))
			until(t, ctx, dialogOpen+` && document.querySelector('#dialog-body .permission button') !== null`, "the Notifications dialog")
			setNotifications(t, ctx, w.url, cdpbrowser.PermissionSettingGranted)
			click(t, ctx, `//div[@id="dialog-body"]//button[text()="Allow notifications"]`)
			until(t, ctx, `document.querySelector('#dialog-body .permission')?.textContent.includes('shows notifications') && document.querySelector('#dialog-body .push-note') !== null`, "allowed")
			// The subscription comes after (a push service is asked): a
			// failure is said politely, or the server has it.
			subscribed := func() int {
				status, body := w.call(w.adminToken, "GET", "/api/push", nil)
				require.Equal(t, 200, status, body)
				var push struct {
					Subscriptions []json.RawMessage `json:"subscriptions"`
				}
				require.NoError(t, json.Unmarshal([]byte(body), &push))
				return len(push.Subscriptions)
			}
			pollFor(t, func() string { return "a subscription, or a note that there is none" }, func() bool {
				return subscribed() > 0 || eval[string](t, ctx, `document.querySelector('#dialog-body .push-note').textContent`) != ""
			})
			assert.Equal(t, "/sw.js", evalAwait[string](t, ctx, `navigator.serviceWorker.getRegistration('/').then(r => new URL((r.active || r.waiting || r.installing).scriptURL).pathname)`), "the worker, at the root")
			assert.Equal(t, "/", evalAwait[string](t, ctx, `navigator.serviceWorker.getRegistration('/').then(r => new URL(r.scope).pathname)`), "its scope, the whole site")
			note := eval[string](t, ctx, `document.querySelector('#dialog-body .push-note').textContent`)
			if subscribed() == 0 {
				// Headless Chromium has no push service.
				assert.Contains(t, note, "You will be notified only while a makechat page is open")
				assert.Equal(t, "status", eval[string](t, ctx, `document.querySelector('#dialog-body .push-note').getAttribute('role')`), "said politely")
			} else {
				assert.Empty(t, note, "subscribed: nothing to say")
			}
			screenshot(t, ctx, "push-note-"+size.name)
			axeScan(t, ctx, "the Notifications dialog after Allow, "+size.name)
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `!`+dialogOpen, "the dialog closed")

			// What the page shows reaches the server: a conversation opened
			// is activity, which brings alice back from away.
			w.waitPresence(t, "away", "two seconds without activity")
			openConvNamed(t, ctx, "directs", "bob")
			w.waitPresence(t, "online", "a conversation opened (viewing)")

			// Input is activity too ("active", at most once a minute: a
			// reload starts the count again).
			step(t, ctx, chromedp.Reload())
			until(t, ctx, `document.body.dataset.ready && document.body.dataset.conn === 'live'`, "the page again")
			w.waitPresence(t, "away", "two seconds without activity after the reload")
			step(t, ctx, chromedp.KeyEvent(kb.Shift))
			w.waitPresence(t, "online", "a key pressed (active)")

			// A notification clicked with no tab open opens the chat at its
			// conversation (/?open=).
			step(t, ctx, chromedp.Navigate(w.url+"/?open=d"+w.bob.ID.Hex()))
			until(t, ctx, `document.body.dataset.ready && document.getElementById('room-title').textContent === '@bob' && location.search === ''`, "the conversation named")
		})
	}
}
