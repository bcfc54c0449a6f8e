package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// carolAndCarla seeds two users whose names begin alike, so that a
// search for "car" finds both and the keyboard must choose.
func carolAndCarla(ctx context.Context, w *world, svc *chat.Service) {
	for _, name := range []string{"carol", "carla"} {
		_, err := svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: name, Email: name + "@example.com", Password: name + "-password"})
		require.NoError(w.t, err)
	}
}

// members lists a room's members through the API, as alice sees them.
func (w *world) members(room storage.ID) map[string]storage.ID {
	w.t.Helper()
	status, body := w.call(w.adminToken, "GET", "/api/members?room="+room.Hex(), nil)
	require.Equal(w.t, 200, status, body)
	var ms []struct {
		ID       storage.ID `json:"_id"`
		Username string     `json:"username"`
	}
	require.NoError(w.t, json.Unmarshal([]byte(body), &ms))
	out := map[string]storage.ID{}
	for _, m := range ms {
		out[m.Username] = m.ID
	}
	return out
}

const dialogOpen = `document.getElementById('dialog').open`

// setNotifications sets what the browser answers this origin when it
// asks to show notifications.
func setNotifications(t *testing.T, ctx context.Context, origin string, setting cdpbrowser.PermissionSetting) {
	t.Helper()
	step(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: setting, Origin: origin})
		return err
	}))
}

func TestInvite_AnAdminsLinkBringsSomeoneInUntilRevoked(t *testing.T) {
	w := newWorld(t, nil)
	admin := browser(t, 1280, 800)
	w.login(t, admin, "alice", "alice-password")
	step(t, admin, chromedp.Navigate(w.url+"/makechat/admin#users"))
	until(t, admin, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'bob')`, "the users table")
	click(t, admin, chromedp.ID("tab-invites"))
	until(t, admin, `location.hash === '#invites' && document.querySelector('#panel form.create [name=rooms]') !== null`, "the invites section")
	assert.Equal(t, "7 days", eval[string](t, admin, `document.querySelector('#panel [name=expires_in]').selectedOptions[0].textContent`), "a week by default")

	// An invite to general, for any number of people.
	click(t, admin, `//form[contains(@class,"create")]//label[text()="general"]`)
	click(t, admin, chromedp.CSS(`#panel form.create button[type=submit]`))
	until(t, admin, dialogOpen+` && document.querySelector('#dialog-body .copy input') !== null`, "the new link")
	link := eval[string](t, admin, `document.querySelector('#dialog-body .copy input').value`)
	require.True(t, strings.HasPrefix(link, w.url+"/invite/"), link)
	assert.Contains(t, eval[string](t, admin, `document.getElementById('dialog-body').textContent`), "join general")
	// Copy: to the clipboard, or, where the browser refuses, selected.
	click(t, admin, `//div[@id="dialog-body"]//button[text()="Copy"]`)
	until(t, admin, `document.querySelector('#dialog-body .copy [role=status]').textContent !== ''`, "the copy's outcome")
	click(t, admin, chromedp.ID("dialog-cancel"))
	until(t, admin, `!`+dialogOpen+` && document.activeElement.matches('#panel form.create button[type=submit]')`, "the focus back on the form")

	// Someone new opens it in a browser of their own.
	guest := browser(t, 1280, 800)
	step(t, guest, chromedp.Navigate(link))
	until(t, guest, `!document.getElementById('accept-fields').hidden`, "the invite page")
	assert.Equal(t, "alice invited you to join makechat, in:", eval[string](t, guest, `document.getElementById('accept-lead').textContent`))
	assert.Equal(t, []string{"general"}, eval[[]string](t, guest, `[...document.querySelectorAll('#accept-rooms li')].map(li => li.textContent)`))
	assert.Equal(t, "acc-username", eval[string](t, guest, `document.activeElement.id`), "the form is ready to type in")
	screenshot(t, guest, "invite-accept")

	// A taken username: the API's words, by the form; nothing is spent.
	fill := func(username string) {
		step(t, guest, chromedp.SetValue(chromedp.ID("acc-username"), username), chromedp.SetValue(chromedp.ID("acc-email"), "dave@example.com"),
			chromedp.SetValue(chromedp.ID("acc-password1"), "dave-password"), chromedp.SetValue(chromedp.ID("acc-password2"), "dave-password"))
		click(t, guest, chromedp.CSS(`#accept button[type=submit]`))
	}
	fill("bob")
	until(t, guest, `!document.getElementById('accept-error').hidden`, "the error")
	assert.Contains(t, eval[string](t, guest, `document.getElementById('accept-error').textContent`), "bob")
	fill("dave")
	until(t, guest, `!document.getElementById('app').hidden && document.getElementById('room-title').textContent === 'general' && document.body.dataset.conn === 'live'`, "dave in general")
	assert.Equal(t, "/", eval[string](t, guest, `location.pathname`))
	assert.Equal(t, "dave", eval[string](t, guest, `document.getElementById('me-name').textContent`))
	w.post(w.adminToken, "Welcome, dave!")
	until(t, guest, hasMessage("Welcome, dave!"), "alice's welcome, live")

	// The admin's list counts the use; tabs follow the URL, so Back works.
	click(t, admin, chromedp.ID("tab-users"))
	until(t, admin, `location.hash === '#users' && [...document.querySelectorAll('#panel td')].some(td => td.textContent === 'dave')`, "dave among the users")
	click(t, admin, chromedp.ID("tab-invites"))
	until(t, admin, `[...document.querySelectorAll('#panel tr')].some(tr => tr.textContent.startsWith('general') && tr.children[1].textContent === '1 / no limit')`, "one use")
	assert.Equal(t, "alice", eval[string](t, admin, `document.querySelector('#panel tbody tr').children[3].textContent`), "made by, by name")
	screenshot(t, admin, "admin-invites")
	step(t, admin, chromedp.Evaluate[chromedp.Void](`history.back()`))
	until(t, admin, `location.hash === '#users' && document.getElementById('tab-users').getAttribute('aria-selected') === 'true' && document.querySelector('#panel [name=username]') !== null`, "Back: the users tab")
	step(t, admin, chromedp.Evaluate[chromedp.Void](`history.forward()`))
	until(t, admin, `location.hash === '#invites' && [...document.querySelectorAll('#panel tr')].some(tr => tr.textContent.startsWith('general'))`, "Forward: the invites tab")

	// Revoked, after a confirmation, the link says it is no longer valid.
	click(t, admin, `//tr[td//span[text()="general"]]//button[text()="Revoke"]`)
	until(t, admin, dialogOpen, "the confirmation")
	assert.Equal(t, "Revoke this invite?", eval[string](t, admin, `document.getElementById('dialog-title').textContent`))
	click(t, admin, chromedp.ID("dialog-ok"))
	until(t, admin, `[...document.querySelectorAll('#panel td')].some(td => td.textContent === 'Nothing to show.')`, "no invite left")
	late := browser(t, 390, 844)
	step(t, late, chromedp.Navigate(link))
	until(t, late, `document.getElementById('accept-lead').textContent.includes('no longer valid')`, "the refusal")
	assert.Equal(t, "This invite link is no longer valid (used up, expired or revoked). Ask for a new one.", eval[string](t, late, `document.getElementById('accept-lead').textContent`))
	assert.True(t, eval[bool](t, late, `document.getElementById('accept-fields').hidden`), "no form for a dead link")
}

func TestInvite_SomeoneLoggedInIsOfferedToLogOutFirst(t *testing.T) {
	w := newWorld(t, nil)
	status, body := w.call(w.adminToken, "POST", "/api/invites", map[string]any{"rooms": []string{w.room.Hex()}, "max_uses": 1})
	require.Equal(t, 201, status, body)
	var inv struct{ URL string }
	require.NoError(t, json.Unmarshal([]byte(body), &inv))
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	step(t, ctx, chromedp.Navigate(w.url+inv.URL))
	until(t, ctx, `!document.getElementById('accept-me').hidden`, "the offer")
	assert.Contains(t, eval[string](t, ctx, `document.getElementById('accept-me-text').textContent`), "logged in as bob")
	assert.Equal(t, "accept-logout", eval[string](t, ctx, `document.activeElement.id`))
	step(t, ctx, chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `!document.getElementById('accept-fields').hidden && document.getElementById('accept-me').hidden`, "the form, logged out")
	ping, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/ping').then(r => r.status)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	assert.Equal(t, 401, ping, "the browser's session ended")
}

func TestMembers_ARoomOwnerAddsSomeoneByKeyboardAndMakesALink(t *testing.T) {
	w := newWorld(t, carolAndCarla, withConfig(func(c *config.Config) { c.InvitesByOwners = true }))
	status, body := w.call(w.adminToken, "PATCH", "/api/members/"+w.members(w.room)["bob"].Hex(), map[string]string{"role": "owner"})
	require.Equal(t, 200, status, body)

	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	until(t, ctx, `document.getElementById('members-button').textContent === '2 members' && document.body.dataset.conn === 'live'`, "general, live")
	// Keyboard only, from the member count on.
	step(t, ctx, chromedp.Focus(chromedp.ID("members-button")), chromedp.KeyEvent(kb.Enter))
	until(t, ctx, dialogOpen+` && document.activeElement.textContent === 'Add people'`, "the member list, its first tool focused")
	assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#dialog-body button')].some(b => b.textContent === 'Invite people by link')`), "owners may invite here")
	step(t, ctx, chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `document.activeElement.getAttribute('role') === 'combobox'`, "the people picker")
	step(t, ctx, chromedp.KeyEvent("car"))
	until(t, ctx, `[...document.querySelectorAll('#dialog-body [role=option]')].map(o => o.querySelector('.name').textContent).join() === 'carla,carol' && document.querySelector('#dialog-body .picker-status').textContent === '2 matches'`, "both matches")
	step(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	assert.Equal(t, "carol", eval[string](t, ctx, `document.getElementById(document.activeElement.getAttribute('aria-activedescendant')).querySelector('.name').textContent`))
	assert.Equal(t, "true", eval[string](t, ctx, `document.activeElement.getAttribute('aria-expanded')`))
	step(t, ctx, chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `document.querySelector('#dialog-body .note')?.textContent === 'carol is now a member of general.'`, "carol added")
	_, isMember := w.members(w.room)["carol"]
	assert.True(t, isMember, "the API agrees")
	until(t, ctx, `document.getElementById('members-button').textContent === '3 members'`, "the header's count, live")
	// Members are not offered again.
	step(t, ctx, chromedp.KeyEvent("car"))
	until(t, ctx, `[...document.querySelectorAll('#dialog-body [role=option]')].map(o => o.querySelector('.name').textContent).join() === 'carla'`, "only carla left")
	// Esc closes the list, Esc again the dialog; the focus goes back.
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	until(t, ctx, `document.activeElement.getAttribute('aria-expanded') === 'false' && `+dialogOpen, "the list closed")
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	until(t, ctx, `!`+dialogOpen+` && document.activeElement.id === 'members-button'`, "the focus back on the member count")

	// An invite link to the room.
	step(t, ctx, chromedp.KeyEvent(kb.Enter))
	until(t, ctx, dialogOpen+` && document.activeElement.textContent === 'Add people'`, "the member list again")
	click(t, ctx, `//div[@id="dialog-body"]//button[text()="Invite people by link"]`)
	until(t, ctx, `document.querySelector('#dialog-body .copy input')?.value.startsWith(location.origin + '/invite/')`, "the link")
	assert.Equal(t, "Invite people to general", eval[string](t, ctx, `document.getElementById('dialog-title').textContent`))
	status, body = w.call(w.bobToken, "GET", "/api/invites", nil)
	require.Equal(t, 200, status)
	assert.Contains(t, body, w.room.Hex(), "bob's invite, to general")
}

func TestNewMessage_ThePickerStartsADirectConversation(t *testing.T) {
	w := newWorld(t, carolAndCarla)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	click(t, ctx, chromedp.ID("new-dm"))
	until(t, ctx, dialogOpen+` && document.activeElement.getAttribute('role') === 'combobox'`, "the picker")
	// Before typing, the first people are offered; never oneself.
	until(t, ctx, `document.querySelectorAll('#dialog-body [role=option]').length === 3`, "everyone else")
	assert.NotContains(t, eval[[]string](t, ctx, `[...document.querySelectorAll('#dialog-body [role=option]')].map(o => o.querySelector('.name').textContent)`), "alice")
	step(t, ctx, chromedp.KeyEvent("carol"))
	until(t, ctx, `[...document.querySelectorAll('#dialog-body [role=option]')].map(o => o.querySelector('.name').textContent).join() === 'carol'`, "carol alone")
	// Enter chooses her, and Enter in the emptied box starts the conversation.
	step(t, ctx, chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `document.querySelector('#dialog-body .to .name')?.textContent === 'carol' && document.activeElement.getAttribute('role') === 'combobox'`, "carol chosen")
	step(t, ctx, chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `!`+dialogOpen+` && document.getElementById('room-title').textContent === '@carol' && document.activeElement.id === 'composer-input'`, "the conversation with carol")
	assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#directs .name')].some(n => n.textContent === 'carol')`), "listed under direct messages")
	step(t, ctx, chromedp.KeyEvent("Lunch at 12:30?\r"))
	until(t, ctx, hasMessage("Lunch at 12:30?")+` && !document.querySelector('#messages .msg.pending')`, "the message, sent")

	// On a phone, from the drawer.
	phone := browser(t, 390, 844)
	w.login(t, phone, "bob", "bob-password")
	click(t, phone, chromedp.ID("open-drawer"))
	until(t, phone, `getComputedStyle(document.getElementById('sidebar')).transform === 'none'`, "the drawer")
	click(t, phone, chromedp.ID("new-dm"))
	until(t, phone, dialogOpen+` && document.querySelectorAll('#dialog-body [role=option]').length > 0`, "the picker on a phone")
	assert.LessOrEqual(t, eval[float64](t, phone, `document.getElementById('dialog').getBoundingClientRect().right`), 390.0, "the dialog fits")
	click(t, phone, `//div[@id="dialog-body"]//li[@role="option"][.//span[text()="alice"]]`)
	until(t, phone, `document.querySelector('#dialog-body .to .name')?.textContent === 'alice'`, "alice chosen")
	click(t, phone, chromedp.ID("dialog-ok"))
	until(t, phone, `!`+dialogOpen+` && document.getElementById('room-title').textContent === '@alice' && !document.getElementById('app').classList.contains('drawer-open')`, "the conversation, the drawer closed")
	until(t, phone, `document.activeElement.id === 'room-title'`, "the focus on the conversation")
	step(t, phone, typeInto("#composer-input", "Sent from my phone\r"))
	until(t, ctx, `[...document.querySelectorAll('#directs .conv')].some(b => b.textContent.includes('bob') && b.classList.contains('unread'))`, "bob's message reaches alice")
}

func TestFirstRun_AnAdminWithNoRoomsGetsAChecklist(t *testing.T) {
	w := newWorld(t, nil, withoutRoom())
	steps := `[...document.querySelectorAll('#empty .checklist li')].map(li => li.dataset.step + (li.classList.contains('done') ? ':done' : ''))`

	// A phone first: the checklist fits.
	phone := browser(t, 390, 844)
	setNotifications(t, phone, w.url, cdpbrowser.PermissionSettingPrompt)
	w.login(t, phone, "alice", "alice-password")
	until(t, phone, `document.querySelectorAll('#empty .checklist li').length === 3`, "the checklist on a phone")
	assert.LessOrEqual(t, eval[int](t, phone, `document.documentElement.scrollWidth`), 390)
	assert.True(t, eval[bool](t, phone, `[...document.querySelectorAll('#empty .checklist button')].every(b => b.getBoundingClientRect().right <= 390)`), "every button in view")
	screenshot(t, phone, "first-run-phone")

	ctx := browser(t, 1280, 800)
	setNotifications(t, ctx, w.url, cdpbrowser.PermissionSettingPrompt)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, `document.getElementById('firstrun-progress')?.textContent === '0 of 3 done'`, "the checklist")
	assert.Equal(t, []string{"room", "invite", "notify"}, eval[[]string](t, ctx, steps))
	assert.False(t, eval[bool](t, ctx, `document.getElementById('new-room').hidden`), "Create a room is in the sidebar too")

	// A non-admin on the same server is told whom to ask.
	bob := browser(t, 1280, 800)
	w.login(t, bob, "bob", "bob-password")
	until(t, bob, `document.getElementById('empty').textContent.includes('Ask an administrator for an invite')`, "the advice")
	assert.True(t, eval[bool](t, bob, `document.getElementById('new-room').hidden`), "bob may not create rooms")
	assert.Zero(t, eval[int](t, bob, `document.querySelectorAll('#empty .checklist').length`))

	// An invite with no room: an account only.
	click(t, ctx, `//li[@data-step="invite"]//button`)
	until(t, ctx, dialogOpen+` && document.getElementById('dialog-title').textContent === 'Invite people'`, "the invite dialog")
	click(t, ctx, chromedp.ID("dialog-ok"))
	until(t, ctx, `document.querySelector('#dialog-body .copy input')?.value.startsWith(location.origin + '/invite/')`, "the link")
	click(t, ctx, chromedp.ID("dialog-cancel"))
	until(t, ctx, `!`+dialogOpen+` && document.activeElement.closest('li')?.dataset.step === 'invite'`, "the focus back on the step")
	assert.Equal(t, []string{"room", "invite:done", "notify"}, eval[[]string](t, ctx, steps))

	// Notifications, once the browser allows them.
	setNotifications(t, ctx, w.url, cdpbrowser.PermissionSettingGranted)
	click(t, ctx, `//li[@data-step="notify"]//button`)
	until(t, ctx, `document.querySelector('#empty [data-step=notify]').classList.contains('done')`, "notifications ticked")
	assert.Equal(t, "2 of 3 done", eval[string](t, ctx, `document.getElementById('firstrun-progress').textContent`))
	screenshot(t, ctx, "first-run")

	// A room: made from the checklist, opened at once; bob sees it to join.
	click(t, ctx, `//li[@data-step="room"]//button`)
	until(t, ctx, dialogOpen+` && document.getElementById('dialog-title').textContent === 'Create a room'`, "the create dialog")
	step(t, ctx, typeInto(`#dialog-body input`, "general"))
	click(t, ctx, chromedp.ID("dialog-ok"))
	until(t, ctx, `document.getElementById('room-title').textContent === 'general' && !document.getElementById('composer').hidden`, "the new room")
	until(t, bob, `[...document.querySelectorAll('#empty button')].some(b => b.textContent === 'Browse rooms')`, "Browse rooms at bob's, live")
	// Alice's phone follows: she is in a room now.
	until(t, phone, `document.getElementById('room-title').textContent === 'general'`, "the room on her phone too")
}

func TestLoginPage_OffersAnAccountOnlyWhenRegistrationIsOpen(t *testing.T) {
	t.Run("closed", func(t *testing.T) {
		w := newWorld(t, nil)
		ctx := browser(t, 1280, 800)
		step(t, ctx, chromedp.Navigate(w.url+"/login"))
		until(t, ctx, `document.getElementById('auth').dataset.registration === 'closed'`, "the server's answer")
		assert.True(t, eval[bool](t, ctx, `document.getElementById('login-register').hidden`), "no Create an account")
		step(t, ctx, chromedp.Navigate(w.url+"/register"))
		until(t, ctx, `!document.getElementById('register-closed').hidden`, "the closed notice")
		assert.Contains(t, eval[string](t, ctx, `document.getElementById('register-closed').textContent`), "Registration is closed")
		assert.True(t, eval[bool](t, ctx, `document.getElementById('register-fields').hidden`), "no form")
		assert.Equal(t, "register-back", eval[string](t, ctx, `document.activeElement.id`))
		step(t, ctx, chromedp.KeyEvent(kb.Enter))
		until(t, ctx, `location.pathname === '/login' && !document.getElementById('login').hidden`, "back to log in")
	})
	t.Run("open", func(t *testing.T) {
		w := newWorld(t, nil, withConfig(func(c *config.Config) { c.AllowRegistration = true }))
		ctx := browser(t, 1280, 800)
		step(t, ctx, chromedp.Navigate(w.url+"/login"))
		until(t, ctx, `!document.getElementById('login-register').hidden`, "Create an account")
		click(t, ctx, `//a[text()="Create an account"]`)
		until(t, ctx, `location.pathname === '/register' && !document.getElementById('register-fields').hidden && document.activeElement.id === 'reg-username'`, "the registration form")
		step(t, ctx, typeInto("#reg-username", "dave"), typeInto("#reg-email", "dave@example.com"),
			typeInto("#reg-password1", "dave-password"), typeInto("#reg-password2", "dave-password\r"))
		until(t, ctx, `!document.getElementById('app').hidden && document.body.dataset.ready`, "the chat")
		// In no room yet, with an open room to join.
		assert.Equal(t, "You are not in any room yet.", eval[string](t, ctx, `document.querySelector('#empty p').textContent`))
		click(t, ctx, `//div[@id="empty"]//button[text()="Browse rooms"]`)
		until(t, ctx, dialogOpen+` && document.getElementById('dialog-body').textContent.includes('general')`, "general to join")
		assert.Contains(t, eval[string](t, ctx, `document.getElementById('dialog-body').textContent`), "2 members")
	})
}
