package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/stretchr/testify/require"
)

// busyServer is the screens' conversation, a code block wide enough to
// scroll on any screen, and erin, an administrator in no room (who gets
// the first-run checklist).
func busyServer(ctx context.Context, w *world, svc *chat.Service) {
	conversation(ctx, w, svc)
	_, err := svc.Post(ctx, chat.Actor{User: w.admin}, chat.NewMessage{Room: w.room,
		Text: "The deploy log:\n```\n" + strings.Repeat("deploy step ok; ", 30) + "\n```"})
	require.NoError(w.t, err)
	_, err = svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "erin", Email: "erin@example.com", Password: "erin-password", IsSuperuser: true})
	require.NoError(w.t, err)
}

func TestAxe_EveryPageAtBothSizesHasNoViolations(t *testing.T) {
	w := newWorld(t, busyServer, withConfig(func(c *config.Config) { c.AllowRegistration = true }))
	status, body := w.call(w.adminToken, "POST", "/api/invites", map[string]any{"rooms": []string{w.room.Hex()}})
	require.Equal(t, 201, status, body)
	var inv struct{ URL string }
	require.NoError(t, json.Unmarshal([]byte(body), &inv))

	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			// closeDialog closes the dialog, and waits for the focus to come
			// back to the button that opened it.
			closeDialog := func(opener string) {
				step(t, ctx, chromedp.KeyEvent(kb.Escape))
				until(t, ctx, `!`+dialogOpen+` && document.activeElement.id === '`+opener+`'`, "the dialog closed, the focus back")
			}

			// Before logging in: log in, register, an invite.
			step(t, ctx, chromedp.Navigate(w.url+"/login"))
			until(t, ctx, `document.getElementById('auth').dataset.registration === 'open' && !document.getElementById('login-register').hidden`, "the login page")
			axeScan(t, ctx, "the login page")
			step(t, ctx, chromedp.Navigate(w.url+"/register"))
			until(t, ctx, `!document.getElementById('register-fields').hidden`, "the registration form")
			axeScan(t, ctx, "the registration page")
			step(t, ctx, chromedp.Navigate(w.url+inv.URL))
			until(t, ctx, `!document.getElementById('accept-fields').hidden`, "the invite page")
			axeScan(t, ctx, "the invite page")

			// The chat: a busy room, the account menu, the dialogs, search.
			w.login(t, ctx, "alice", "alice-password")
			until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.querySelectorAll('#messages .msg').length > 5 && document.querySelector('#messages pre') !== null`, "the busy room")
			axeScan(t, ctx, "the chat")
			openAccountMenu(t, ctx)
			axeScan(t, ctx, "the account menu")
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `document.getElementById('me-menu').hidden`, "the menu closed")
			closeDrawerIfOpen(t, ctx)

			click(t, ctx, chromedp.ID("members-button"))
			until(t, ctx, dialogOpen+` && document.querySelectorAll('#dialog-body li').length === 3`, "the members dialog")
			axeScan(t, ctx, "the members dialog")
			closeDialog("members-button")
			until(t, ctx, `!document.getElementById('room-settings').hidden`, "the gear")
			click(t, ctx, chromedp.ID("room-settings"))
			until(t, ctx, dialogOpen+` && document.getElementById('dialog-title').textContent === 'Settings of general'`, "the room settings")
			axeScan(t, ctx, "the room settings")
			closeDialog("room-settings")
			openAccountMenu(t, ctx)
			click(t, ctx, chromedp.ID("notify"))
			until(t, ctx, dialogOpen+` && document.getElementById('dialog-title').textContent === 'Notifications'`, "the Notifications dialog")
			axeScan(t, ctx, "the Notifications dialog")
			closeDialog("me-button")
			closeDrawerIfOpen(t, ctx)

			step(t, ctx, typeInto("#search-input", "deploy\r"))
			until(t, ctx, `document.querySelectorAll('#results-list .result').length > 0 && !document.getElementById('results').hidden`, "search results")
			axeScan(t, ctx, "search results")

			// The admin, every tab.
			for _, tab := range []string{"users", "rooms", "members", "invites", "hooks", "bots", "commands", "tokens", "maintenance"} {
				step(t, ctx, chromedp.Navigate(w.url+"/makechat/admin#"+tab))
				until(t, ctx, `document.querySelector('#panel table, #panel .switch') !== null`, "the admin's "+tab+" tab")
				axeScan(t, ctx, "the admin's "+tab+" tab")
			}

			// The first-run checklist, for an administrator in no room.
			first := browser(t, size.w, size.h)
			w.login(t, first, "erin", "erin-password")
			until(t, first, `document.querySelector('#empty .checklist') !== null`, "the first-run checklist")
			axeScan(t, first, "the first-run checklist")
		})
	}
}
