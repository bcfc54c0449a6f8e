package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAnAdminCreatesAUserWhoThenLogsIn(t *testing.T) {
	w := newWorld(t, nil)
	admin := browser(t, 1280, 800)
	// Not logged in, the admin sends one to log in, then back.
	step(t, admin, chromedp.Navigate(w.url+"/makechat/admin"))
	until(t, admin, `location.pathname === '/login' && !document.getElementById('login').hidden`, "the login page")
	step(t, admin, typeInto("#login-username", "alice"), typeInto("#login-password", "alice-password\r"))
	until(t, admin, `location.pathname === '/makechat/admin' && document.querySelector('#panel table') !== null`, "the users table")
	until(t, admin, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'bob')`, "bob listed")
	screenshot(t, admin, "admin-users")

	// A taken name: the API's message shows by the form.
	fill := func(username, email string) {
		step(t, admin, chromedp.SetValue(chromedp.CSS(`#panel [name=username]`), username),
			chromedp.SetValue(chromedp.CSS(`#panel [name=email]`), email),
			chromedp.SetValue(chromedp.CSS(`#panel [name=password]`), "carol-password"),
			chromedp.Click(chromedp.CSS(`#panel form.create button[type=submit]`)))
	}
	fill("bob", "other@example.com")
	until(t, admin, `!document.querySelector('#panel form.create .error').hidden`, "the inline error")
	assert.Contains(t, eval[string](t, admin, `document.querySelector('#panel form.create .error').textContent`), "bob")

	fill("carol", "carol@example.com")
	until(t, admin, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'carol')`, "carol listed")

	carol := browser(t, 1280, 800)
	w.login(t, carol, "carol", "carol-password")
	assert.Equal(t, "You are not in any room yet.", eval[string](t, carol, `document.querySelector('#empty p').textContent`))
}

func TestANonAdminIsRefusedTheAdmin(t *testing.T) {
	w := newWorld(t, nil)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	step(t, ctx, chromedp.Navigate(w.url+"/makechat/admin"))
	until(t, ctx, `!document.getElementById('refusal').hidden`, "the refusal")
	assert.True(t, eval[bool](t, ctx, `document.getElementById('admin').hidden`))
	assert.Equal(t, "Administrators only", eval[string](t, ctx, `document.querySelector('#refusal h1').textContent`))
	// The API refuses too, whatever the page shows.
	status, _ := w.call(w.bobToken, "GET", "/api/users", nil)
	assert.Equal(t, 403, status)
}

func TestAdminRoomsMembersAndWebhooks(t *testing.T) {
	w := newWorld(t, nil)
	admin := browser(t, 1280, 800)
	w.login(t, admin, "alice", "alice-password")
	step(t, admin, chromedp.Navigate(w.url+"/makechat/admin#rooms"))
	until(t, admin, `document.querySelector('#panel form.create [name=name]') !== null`, "the rooms section")
	step(t, admin, typeInto(`#panel [name=name]`, "deploys"))
	click(t, admin, chromedp.CSS(`#panel form.create button[type=submit]`))
	until(t, admin, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'deploys')`, "the new room")

	// Members: add bob to it as a guest, then make him a member.
	click(t, admin, `//td[.//span[text()="deploys"]]/following-sibling::td//button[text()="Members"]`)
	until(t, admin, `document.getElementById('room-pick')?.selectedOptions[0]?.textContent === 'deploys'`, "the room's members")
	step(t, admin, chromedp.SetValue(chromedp.ID("add-user"), w.bob.ID.Hex()), chromedp.SetValue(chromedp.ID("add-role"), "guest"))
	click(t, admin, chromedp.CSS(`#panel form.create button[type=submit]`))
	until(t, admin, `[...document.querySelectorAll('#panel tr')].some(tr => tr.textContent.startsWith('bob') && tr.querySelector('select').value === 'guest')`, "bob, a guest")
	step(t, admin, chromedp.SetValue(`//tr[td//span[text()="bob"]]//select`, "member"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#panel tbody tr:last-child select').dispatchEvent(new Event('change'))`))
	until(t, admin, `[...document.querySelectorAll('#panel tr')].some(tr => tr.textContent.startsWith('bob') && tr.querySelector('select').value === 'member')`, "bob, a member")

	// A webhook: its URL is shown once, and posting to it reaches bob live.
	bob := browser(t, 1280, 800)
	w.login(t, bob, "bob", "bob-password")
	click(t, bob, `//ul[@id="rooms"]//button[.//span[text()="deploys"]]`)
	until(t, bob, `document.getElementById('room-title').textContent === 'deploys' && document.body.dataset.conn === 'live'`, "bob in the room")
	click(t, admin, chromedp.ID("tab-hooks"))
	until(t, admin, `document.getElementById('room-pick') !== null && document.querySelector('#panel form.create') !== null`, "the webhooks section")
	step(t, admin, typeInto(`#panel form.create [name=name]`, "ci"))
	click(t, admin, chromedp.CSS(`#panel form.create button[type=submit]`))
	until(t, admin, `document.querySelector('#dialog-body .secret') !== null`, "the webhook URL")
	hook := eval[string](t, admin, `document.querySelector('#dialog-body .secret').textContent`)
	require.True(t, strings.HasPrefix(hook, w.url+"/api/hooks/"), hook)
	resp, err := http.Post(hook, "application/json", strings.NewReader(`{"text": "build 42 deployed"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	until(t, bob, hasMessage("build 42 deployed"), "the webhook's message at bob's")
	assert.Equal(t, "ci", eval[string](t, bob, `document.querySelector('#messages .msg:last-child .author').textContent`))
	// Whatever name a payload asks for, a hook posts as its bot.
	resp, err = http.Post(hook, "application/json", strings.NewReader(`{"text": "I am alice", "username": "alice"}`))
	require.NoError(t, err)
	resp.Body.Close()
	until(t, bob, hasMessage("I am alice"), "the impersonating post")
	assert.Equal(t, "ci", eval[string](t, bob, `document.querySelector('#messages .msg:last-child .author')?.textContent`))
	assert.Equal(t, "Bot", eval[string](t, bob, `document.querySelector('#messages .msg:last-child .tag.bot')?.textContent`))
	// The hooks table says who made each hook, and whether it posts.
	until(t, admin, `[...document.querySelectorAll('#panel tr')].some(tr => tr.textContent.startsWith('ci') && tr.textContent.includes('alice') && tr.textContent.includes('posting'))`, "the hook's maker")
}

func TestAdmin_DisablingAUserAndClosingARoomAskFirst(t *testing.T) {
	w := newWorld(t, nil)
	admin := browser(t, 1280, 800)
	w.login(t, admin, "alice", "alice-password")
	step(t, admin, chromedp.Navigate(w.url+"/makechat/admin#users"))
	until(t, admin, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'bob')`, "bob listed")
	const dialogOpen = `document.getElementById('dialog').open`
	title := func() string { return eval[string](t, admin, `document.getElementById('dialog-title').textContent`) }

	// Cancelled, nothing happens.
	disable := `//tr[td//span[text()="bob"]]//button[text()="Disable"]`
	click(t, admin, disable)
	until(t, admin, dialogOpen, "the confirmation")
	assert.Equal(t, "Disable bob?", title())
	assert.Contains(t, eval[string](t, admin, `document.getElementById('dialog-body').textContent`), "cannot log in")
	click(t, admin, chromedp.ID("dialog-cancel"))
	until(t, admin, `!`+dialogOpen, "the dialog closed")
	status, body := w.call(w.bobToken, "GET", "/api/ping", nil)
	require.Equal(t, 200, status, "bob is still active: %s", body)

	// Confirmed, it is done.
	click(t, admin, disable)
	until(t, admin, dialogOpen, "the confirmation again")
	click(t, admin, chromedp.ID("dialog-ok"))
	until(t, admin, `[...document.querySelectorAll('#panel tr')].some(tr => tr.textContent.startsWith('bob') && tr.textContent.includes('disabled'))`, "bob disabled")
	status, _ = w.call(w.bobToken, "GET", "/api/ping", nil)
	assert.Equal(t, 401, status)

	// Revoking one's own rights says what it means for oneself.
	click(t, admin, `//tr[td//span[text()="alice"]]//button[text()="Revoke admin"]`)
	until(t, admin, dialogOpen, "the confirmation")
	assert.Equal(t, "Revoke your own administrator rights?", title())
	click(t, admin, chromedp.ID("dialog-cancel"))
	until(t, admin, `!`+dialogOpen, "the dialog closed")

	// A password reset revokes the user's tokens unless unticked.
	click(t, admin, `//tr[td//span[text()="bob"]]//button[text()="Enable"]`)
	until(t, admin, `[...document.querySelectorAll('#panel tr')].some(tr => tr.textContent.startsWith('bob') && tr.textContent.includes('active'))`, "bob enabled")
	status, _ = w.call(w.bobToken, "GET", "/api/ping", nil)
	require.Equal(t, 200, status)
	click(t, admin, `//tr[td//span[text()="bob"]]//button[text()="Reset password"]`)
	until(t, admin, dialogOpen, "the reset dialog")
	assert.True(t, eval[bool](t, admin, `document.querySelector('#dialog-body input[type=checkbox]').checked`), "revoking tokens is the default")
	step(t, admin, typeInto(`#dialog-body input[type=password]`, "bobs-new-password"))
	click(t, admin, chromedp.ID("dialog-ok"))
	until(t, admin, `!`+dialogOpen, "the reset done")
	status, _ = w.call(w.bobToken, "GET", "/api/ping", nil)
	assert.Equal(t, 401, status, "bob's token was revoked with the reset")

	click(t, admin, chromedp.ID("tab-rooms"))
	until(t, admin, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'general')`, "the rooms")
	click(t, admin, `//tr[td//span[text()="general"]]//button[text()="Close"]`)
	until(t, admin, dialogOpen, "the confirmation")
	assert.Equal(t, "Close general?", title())
	click(t, admin, chromedp.ID("dialog-ok"))
	until(t, admin, `[...document.querySelectorAll('#panel tr')].some(tr => tr.textContent.startsWith('general') && tr.textContent.includes('closed'))`, "general closed")
}
