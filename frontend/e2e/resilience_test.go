package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReconnectAfterARestartMissesNothing(t *testing.T) {
	w := newWorld(t, nil)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, `document.body.dataset.conn === 'live'`, "the stream")
	w.post(w.bobToken, "before the restart")
	until(t, ctx, hasMessage("before the restart"), "a live message")

	home := w.cfg.Listen
	w.stop()
	until(t, ctx, `!document.getElementById('conn').hidden && document.getElementById('conn').textContent.includes('Reconnecting')`, "the reconnecting banner")
	assert.Equal(t, "down", eval[string](t, ctx, `document.body.dataset.conn`))

	// While the browser cannot reach it, the server runs elsewhere and
	// gets posts through the API; then it comes back at its address.
	w.restartOn(freeAddr(t))
	for i := 1; i <= 3; i++ {
		w.post(w.bobToken, fmt.Sprintf("missed %d", i))
	}
	w.restartOn(home)

	until(t, ctx, `document.body.dataset.conn === 'live' && document.getElementById('conn').hidden`, "the banner gone")
	until(t, ctx, hasMessage("missed 3"), "the missed messages")
	assert.Equal(t, []string{"before the restart", "missed 1", "missed 2", "missed 3"}, eval[[]string](t, ctx, messageTexts), "in order, once each")

	// And it is live again.
	w.post(w.bobToken, "after the restart")
	until(t, ctx, hasMessage("after the restart"), "a live message after the restart")
	assert.Len(t, eval[[]string](t, ctx, messageTexts), 5)
}

func TestAnEndedSessionReturnsToTheLoginPageWithAMessage(t *testing.T) {
	w := newWorld(t, nil)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	until(t, ctx, `document.body.dataset.conn === 'live'`, "the stream")
	// A password reset by an administrator ends bob's sessions.
	status, body := w.call(w.adminToken, "PATCH", "/api/users/"+w.bob.ID.Hex(), map[string]string{"password": "new-password"})
	require.Equal(t, 200, status, body)
	until(t, ctx, `location.pathname === '/login' && !document.getElementById('login').hidden`, "the login page")
	assert.Equal(t, "Your session has expired. Please log in again.", eval[string](t, ctx, `document.getElementById('login-note').textContent`))
	w.login(t, ctx, "bob", "new-password")
	assert.Equal(t, "general", eval[string](t, ctx, `document.getElementById('room-title').textContent`))
}

func TestMaintenanceFromTheAdminShowsTheMaintenancePage(t *testing.T) {
	w := newWorld(t, nil)
	admin := browser(t, 1280, 800)
	w.login(t, admin, "alice", "alice-password")
	step(t, admin, chromedp.Navigate(w.url+"/makechat/admin#maintenance"))
	until(t, admin, `document.getElementById('maintenance-state') !== null`, "the maintenance section")
	assert.Equal(t, "off", eval[string](t, admin, `document.getElementById('maintenance-state').textContent`))
	click(t, admin, chromedp.ID("maintenance-toggle"))
	until(t, admin, `document.getElementById('dialog').open`, "the confirmation, saying what it does")
	assert.Contains(t, eval[string](t, admin, `document.getElementById('dialog-body').textContent`), "503")
	click(t, admin, chromedp.ID("dialog-ok"))
	until(t, admin, `document.getElementById('maintenance-state')?.textContent === 'ON'`, "maintenance on")
	_, err := os.Stat(filepath.Join(w.cfg.DataDir, "maintenance"))
	require.NoError(t, err, "switched from the admin, it persists like the CLI's")

	visitor := browser(t, 1280, 800)
	resp, err := chromedp.RunResponse(visitor, chromedp.Navigate(w.url+"/"))
	require.NoError(t, err)
	assert.EqualValues(t, 503, resp.Status)
	assert.Equal(t, "Back in a few minutes", eval[string](t, visitor, `document.querySelector('h1').textContent`))
	screenshot(t, visitor, "maintenance")
	resp, err = chromedp.RunResponse(visitor, chromedp.Navigate(w.url+"/makechat/admin"))
	require.NoError(t, err)
	assert.EqualValues(t, 503, resp.Status, "every page")

	// The admin, already logged in, still gets through, even to a page
	// loaded afresh (as after an upgrade's restart), and switches it off.
	resp, err = chromedp.RunResponse(admin, chromedp.Navigate(w.url+"/makechat/admin?reloaded#maintenance"))
	require.NoError(t, err)
	assert.EqualValues(t, 200, resp.Status, "an administrator's session gets the admin pages")
	until(t, admin, `document.getElementById('maintenance-state')?.textContent === 'ON'`, "the admin, reloaded, shows maintenance on")
	click(t, admin, chromedp.ID("maintenance-toggle"))
	until(t, admin, `document.getElementById('dialog').open`, "the confirmation")
	click(t, admin, chromedp.ID("dialog-ok"))
	until(t, admin, `document.getElementById('maintenance-state')?.textContent === 'off'`, "maintenance off")
	_, err = os.Stat(filepath.Join(w.cfg.DataDir, "maintenance"))
	assert.True(t, os.IsNotExist(err), "the file is gone")
	resp, err = chromedp.RunResponse(visitor, chromedp.Navigate(w.url+"/"))
	require.NoError(t, err)
	assert.EqualValues(t, 200, resp.Status)
	until(t, visitor, `!document.getElementById('login').hidden`, "the login page again")
}

// slowStream makes the page handle each event of the streams it opens
// from now on 300 ms late, in order, as a busy network or page might.
const slowStream = `(() => {
  const onmessage = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {configurable: true, get: onmessage.get, set(handle) {
    let queue = Promise.resolve();
    onmessage.set.call(this, (e) => { queue = queue.then(() => new Promise(r => setTimeout(r, 300))).then(() => handle(e)); });
  }});
})()`

func TestReconnect_MissedMessagesAreCountedOnce(t *testing.T) {
	var ops storage.ID
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		room, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "ops"})
		require.NoError(t, err)
		ops = room.ID
		_, err = svc.AddMember(ctx, chat.Actor{User: w.admin}, ops, w.bob.ID, "member")
		require.NoError(t, err)
	})
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	until(t, ctx, `document.body.dataset.conn === 'live'`, "the stream")
	w.post(w.adminToken, "seen before the restart")
	until(t, ctx, hasMessage("seen before the restart"), "a live message")
	// The replay then arrives after the server's counts, which already
	// include the replayed messages.
	step(t, ctx, chromedp.Evaluate[chromedp.Void](slowStream))

	home := w.cfg.Listen
	w.stop()
	until(t, ctx, `document.body.dataset.conn === 'down'`, "the stream down")
	w.restartOn(freeAddr(t))
	for _, text := range []string{"missed 1", "missed 2"} {
		status, body := w.call(w.adminToken, "POST", "/api/messages", map[string]string{"room": ops.Hex(), "text": text})
		require.Equal(t, 201, status, body)
	}
	w.restartOn(home)
	until(t, ctx, `document.body.dataset.conn === 'live'`, "the stream back")

	// A direct message sent now comes after the replay on the stream.
	status, body := w.call(w.adminToken, "POST", "/api/messages", map[string]string{"recipient": w.bob.ID.Hex(), "text": "after the replay"})
	require.Equal(t, 201, status, body)
	until(t, ctx, `document.querySelector('#directs .mention-badge')?.textContent === '1 unread message'`, "the direct message, after the replay")
	assert.Equal(t, "2 unread", eval[string](t, ctx, `document.querySelector('#rooms button.unread .unread-count').textContent`), "each missed message counted once")
}
