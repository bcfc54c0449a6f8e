package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// conversation seeds a believable team chat for the screens.
func conversation(ctx context.Context, w *world, svc *chat.Service) {
	must := func(_ any, err error) { require.NoError(w.t, err) }
	carol, err := svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "carol", Email: "carol@example.com", Password: "carol-password"})
	require.NoError(w.t, err)
	must(svc.AddMember(ctx, chat.Actor{User: w.admin}, w.room, carol.ID, "member"))
	ops, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "ops", IsOpen: new(bool)})
	require.NoError(w.t, err)
	must(svc.AddMember(ctx, chat.Actor{User: w.admin}, ops.ID, w.bob.ID, "member"))
	_, err = svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "random"})
	require.NoError(w.t, err)
	say := func(u storage.User, room storage.ID, text string) {
		must(svc.Post(ctx, chat.Actor{User: u}, chat.NewMessage{Room: room, Text: text}))
	}
	say(w.bob, w.room, "Morning! The 2.0 release candidate is up on staging.")
	say(w.bob, w.room, "Changelog: https://example.com/makechat/releases/2.0")
	say(carol, w.room, "Nice. I ran the upgrade on a copy of prod: `makechat maintenance on`, swap the binary, `maintenance off`. Took **40 seconds**.")
	say(w.admin, w.room, "Great. Any surprises with the new store?")
	say(carol, w.room, "None. For the record, the health check during the switch:\n```\n$ curl -s localhost:8080/healthz\n{\"maintenance\": true, \"status\": \"ok\"}\n```")
	say(w.bob, w.room, "@alice can you do the announcement? I'll watch the _error rates_ after.")
	say(w.bob, ops.ID, "Backups at 03:00 finished, 12 MB.")
	say(w.bob, ops.ID, "@alice disk at 71% on the VPS")
	must(svc.Post(ctx, chat.Actor{User: carol}, chat.NewMessage{Recipient: w.admin.ID, Text: "Lunch at 12:30?"}))
}

func setDark(t *testing.T, ctx context.Context, dark bool) {
	t.Helper()
	feature := &emulation.MediaFeature{Name: "prefers-color-scheme", Value: "light"}
	if dark {
		feature.Value = "dark"
	}
	step(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{feature}})
		return err
	}))
}

func TestScreens_DesktopPhoneDarkAndAdmin(t *testing.T) {
	w := newWorld(t, conversation)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	click(t, ctx, `//ul[@id="rooms"]//button[.//span[text()="general"]]`)
	until(t, ctx, hasMessage("@alice can you do the announcement? I'll watch the error rates after."), "the conversation")
	until(t, ctx, `[...document.querySelectorAll('#rooms .mention-badge')].length === 1`, "a mention badge on ops")
	step(t, ctx, typeInto("#composer-input", "On it, drafting now"))
	screenshot(t, ctx, "chat-desktop")

	setDark(t, ctx, true)
	bg := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`)
	assert.Equal(t, "rgb(22, 24, 29)", bg, "the dark theme follows the system")
	screenshot(t, ctx, "chat-dark")
	setDark(t, ctx, false)
	assert.Equal(t, "rgb(255, 255, 255)", eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`))

	phone := browser(t, 390, 780)
	w.login(t, phone, "bob", "bob-password")
	until(t, phone, `document.getElementById('room-title').textContent === 'general' && document.querySelectorAll('#messages .msg').length > 3`, "the room on a phone")
	assert.LessOrEqual(t, eval[int](t, phone, `document.documentElement.scrollWidth`), 390)
	assert.Equal(t, "hidden", eval[string](t, phone, `getComputedStyle(document.getElementById('sidebar')).visibility`), "the room list is a drawer")
	screenshot(t, phone, "chat-phone")
	click(t, phone, chromedp.ID("open-drawer"))
	until(t, phone, `getComputedStyle(document.getElementById('sidebar')).transform === 'none'`, "the drawer, opened")
	assert.Equal(t, "true", eval[string](t, phone, `document.getElementById('open-drawer').getAttribute('aria-expanded')`))
	screenshot(t, phone, "chat-phone-drawer")
	// Esc closes it and gives the focus back to the menu button.
	step(t, phone, chromedp.KeyEvent("\x1b"))
	until(t, phone, `document.activeElement === document.getElementById('open-drawer')`, "the focus back on the menu button")

	step(t, ctx, chromedp.Navigate(w.url+"/makechat/admin"))
	until(t, ctx, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'carol')`, "the users table")
	screenshot(t, ctx, "admin-users")
	click(t, ctx, chromedp.ID("tab-rooms"))
	until(t, ctx, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'ops')`, "the rooms table")
	screenshot(t, ctx, "admin-rooms")
}

// TestFirstLoad measures what a first visit costs: bytes over the wire
// (compressed, headers included) and the time until the page is usable,
// from the browser's own Performance API. It asserts the weight budget
// of UI.md (100 KB); the times are printed, not asserted.
func TestFirstLoad(t *testing.T) {
	w := newWorld(t, conversation)
	const measure = `(() => {
	  const nav = performance.getEntriesByType('navigation')[0];
	  const res = performance.getEntriesByType('resource');
	  const sum = (f) => res.reduce((n, r) => n + r[f], 0);
	  return {transfer: nav.transferSize + sum('transferSize'), decoded: nav.decodedBodySize + sum('decodedBodySize'),
	    files: res.length + 1, dcl: Math.round(nav.domContentLoadedEventEnd), load: Math.round(nav.loadEventEnd),
	    interactive: Number(document.documentElement.dataset.interactive)};
	})()`
	type load struct {
		Transfer, Decoded, Files, DCL, Load, Interactive float64
	}
	report := func(name string, l load) {
		line := fmt.Sprintf("%s: %.1f KB transferred (%.1f KB uncompressed) in %.0f requests; DOMContentLoaded %.0f ms, load %.0f ms, interactive %.0f ms",
			name, l.Transfer/1024, l.Decoded/1024, l.Files, l.DCL, l.Load, l.Interactive)
		t.Log(line)
		if out := os.Getenv("MAKECHAT_LOAD_REPORT"); out != "" {
			f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			require.NoError(t, err)
			fmt.Fprintln(f, line)
			f.Close()
		}
		assert.Less(t, l.Transfer, 100.0*1024, "UI.md: first load at most 100 KB compressed")
	}

	// A visitor: the login page, cold cache.
	ctx := browser(t, 1280, 800)
	step(t, ctx, chromedp.Navigate(w.url+"/"))
	until(t, ctx, `document.documentElement.dataset.interactive && !document.getElementById('login').hidden`, "the login page")
	until(t, ctx, `document.readyState === 'complete'`, "the load")
	report("login page", eval[load](t, ctx, measure))

	// A logged-in user opening the chat, cold cache: the cookie is set by
	// a login from a page that loads none of the app's files.
	ctx = browser(t, 1280, 800)
	step(t, ctx, chromedp.Navigate(w.url+"/healthz"))
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/login', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({username: 'alice', password: 'alice-password'})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, 200, status)
	step(t, ctx, chromedp.Navigate(w.url+"/"))
	until(t, ctx, `document.body.dataset.ready && document.readyState === 'complete'`, "the chat")
	report("chat, logged in", eval[load](t, ctx, measure))

	// The same again, from the browser's cache: the page is revalidated
	// (304), the versioned assets are not even asked for.
	step(t, ctx, chromedp.Navigate(w.url+"/"))
	until(t, ctx, `document.body.dataset.ready && document.readyState === 'complete'`, "the chat, again")
	report("chat, reloaded (warm cache)", eval[load](t, ctx, measure))
}
