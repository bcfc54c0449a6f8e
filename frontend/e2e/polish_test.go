package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bothSizes are the screens every feature is tried on: a desktop and a
// phone.
var bothSizes = []struct {
	name string
	w, h int
}{{"desktop", 1280, 800}, {"phone", 375, 740}}

// openDrawerIfPhone opens the room list when it is a drawer (phones).
func openDrawerIfPhone(t *testing.T, ctx context.Context) {
	t.Helper()
	if eval[bool](t, ctx, `getComputedStyle(document.getElementById('open-drawer')).display !== 'none' && !document.getElementById('app').classList.contains('drawer-open')`) {
		click(t, ctx, chromedp.ID("open-drawer"))
		until(t, ctx, `getComputedStyle(document.getElementById('sidebar')).transform === 'none'`, "the drawer, open")
	}
}

// closeDrawerIfOpen closes the room list if it is an open drawer, and
// waits until it has slid away.
func closeDrawerIfOpen(t *testing.T, ctx context.Context) {
	t.Helper()
	if eval[bool](t, ctx, `document.getElementById('app').classList.contains('drawer-open')`) {
		click(t, ctx, chromedp.ID("close-drawer"))
	}
	until(t, ctx, `getComputedStyle(document.getElementById('sidebar')).visibility === 'hidden' || getComputedStyle(document.getElementById('open-drawer')).display === 'none'`, "the drawer closed")
}

// openAccountMenu opens the account menu at the foot of the sidebar (in
// the drawer on a phone).
func openAccountMenu(t *testing.T, ctx context.Context) {
	t.Helper()
	openDrawerIfPhone(t, ctx)
	click(t, ctx, chromedp.ID("me-button"))
	until(t, ctx, `!document.getElementById('me-menu').hidden && document.activeElement.id === 'account'`, "the account menu, its first item focused")
}

// openConvNamed opens the conversation of that name from the sidebar
// (list: "rooms" or "directs").
func openConvNamed(t *testing.T, ctx context.Context, list, name string) {
	t.Helper()
	openDrawerIfPhone(t, ctx)
	click(t, ctx, fmt.Sprintf(`//ul[@id=%q]//button[.//span[@class="name"][text()=%q]]`, list, name))
	title := name
	if list == "directs" {
		title = "@" + name
	}
	until(t, ctx, fmt.Sprintf(`document.getElementById('room-title').textContent === %q && !document.getElementById('app').classList.contains('drawer-open') && document.body.dataset.ready`, title), "the conversation "+title)
	closeDrawerIfOpen(t, ctx)
}

// fitsTheScreen is the JS predicate "nothing scrolls sideways".
const fitsTheScreen = `document.documentElement.scrollWidth <= innerWidth`

func TestAccountMenu_KeyboardPointerAndItems(t *testing.T) {
	w := newWorld(t, nil)
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "alice", "alice-password")
			openDrawerIfPhone(t, ctx)
			menuOpen := `!document.getElementById('me-menu').hidden && document.getElementById('me-button').getAttribute('aria-expanded') === 'true'`
			menuClosed := `document.getElementById('me-menu').hidden && document.getElementById('me-button').getAttribute('aria-expanded') === 'false'`
			focused := func(js string) string { return `document.activeElement === ` + js }
			assert.Equal(t, "alice", eval[string](t, ctx, `document.getElementById('me-name').textContent`))
			assert.Equal(t, "A", eval[string](t, ctx, `document.getElementById('me-avatar').textContent`))
			assert.True(t, eval[bool](t, ctx, menuClosed))

			// Enter opens it on its first item; the arrows, Home and End move
			// round it; a letter goes to the next item that starts with it.
			step(t, ctx, chromedp.Focus(chromedp.ID("me-button")), chromedp.KeyEvent(kb.Enter))
			until(t, ctx, menuOpen+` && `+focused(`document.getElementById('account')`), "the menu, opened by Enter")
			assert.Equal(t, []string{"Profile, password and sessions", "API tokens", "Notifications", "Mark all as read", "System", "Light", "Dark", "Admin", "Log out"},
				eval[[]string](t, ctx, `[...document.querySelectorAll('#me-menu [role^=menuitem]')].filter(i => i.getClientRects().length).map(i => i.textContent)`))
			assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#me-menu [role^=menuitem]')].every(i => { const r = i.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; })`), "every item in view")
			screenshot(t, ctx, "account-menu-"+size.name)
			for _, k := range []struct{ key, to string }{
				{kb.ArrowDown, "tokens"}, {kb.End, "logout"}, {kb.ArrowDown, "account"}, {kb.ArrowUp, "logout"}, {kb.Home, "account"},
			} {
				step(t, ctx, chromedp.KeyEvent(k.key))
				assert.Equal(t, k.to, eval[string](t, ctx, `document.activeElement.id`), "after %q", k.key)
			}
			step(t, ctx, chromedp.KeyEvent("d"))
			assert.Equal(t, "dark", eval[string](t, ctx, `document.activeElement.dataset.theme`), "d: Dark")

			// Esc closes it, only it (not the drawer), and gives the focus back.
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, menuClosed+` && `+focused(`document.getElementById('me-button')`), "Esc: closed, the focus on the button")
			if size.name == "phone" {
				assert.True(t, eval[bool](t, ctx, `document.getElementById('app').classList.contains('drawer-open')`), "the drawer stays open")
			}
			// Space opens it too; ↑ opens it on its last item.
			step(t, ctx, chromedp.KeyEvent(" "))
			until(t, ctx, menuOpen+` && `+focused(`document.getElementById('account')`), "Space: open")
			step(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.ArrowUp))
			until(t, ctx, menuOpen+` && `+focused(`document.getElementById('logout')`), "↑: open on the last item")
			// Tab closes it and goes on from the button.
			step(t, ctx, chromedp.KeyEvent(kb.Tab))
			until(t, ctx, menuClosed+` && !document.getElementById('me-menu').contains(document.activeElement)`, "Tab: closed")

			// A click opens it, a click elsewhere closes it.
			click(t, ctx, chromedp.ID("me-button"))
			until(t, ctx, menuOpen, "open by a click")
			click(t, ctx, chromedp.ID("server-name"))
			until(t, ctx, menuClosed, "closed by a click elsewhere")

			// An item runs once the menu is closed: the dialog it opens gives
			// the focus back to the menu button.
			openAccountMenu(t, ctx)
			click(t, ctx, chromedp.ID("notify"))
			until(t, ctx, dialogOpen+` && document.getElementById('dialog-title').textContent === 'Notifications'`, "the Notifications dialog")
			assert.True(t, eval[bool](t, ctx, menuClosed))
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `!`+dialogOpen+` && `+focused(`document.getElementById('me-button')`), "the focus back on the menu button")
			openAccountMenu(t, ctx)
			click(t, ctx, chromedp.ID("account"))
			until(t, ctx, dialogOpen+` && document.querySelector('#dialog-body .profile')?.textContent.includes('alice@example.com')`, "the profile")
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `!`+dialogOpen+` && `+focused(`document.getElementById('me-button')`), "the profile closed, the focus back")

			// The theme, chosen by keyboard.
			step(t, ctx, chromedp.Focus(chromedp.ID("me-button")), chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent("l"), chromedp.KeyEvent(kb.Enter))
			until(t, ctx, menuClosed+` && document.documentElement.dataset.theme === 'light'`, "Light chosen")
			step(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent("s"))
			assert.Equal(t, "system", eval[string](t, ctx, `document.activeElement.dataset.theme`))
			step(t, ctx, chromedp.KeyEvent(" "))
			until(t, ctx, menuClosed+` && !('theme' in document.documentElement.dataset)`, "System chosen by Space")

			// Log out, by keyboard.
			step(t, ctx, chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.Enter))
			until(t, ctx, `location.pathname === '/login' && !document.getElementById('login').hidden`, "logged out")
		})
	}
}

func TestAccountMenu_NoAdminItemForAUser(t *testing.T) {
	w := newWorld(t, nil)
	ctx := browser(t, 375, 740)
	w.login(t, ctx, "bob", "bob-password")
	openAccountMenu(t, ctx)
	assert.Equal(t, []string{"Profile, password and sessions", "API tokens", "Notifications", "Mark all as read", "System", "Light", "Dark", "Log out"},
		eval[[]string](t, ctx, `[...document.querySelectorAll('#me-menu [role^=menuitem]')].filter(i => i.getClientRects().length).map(i => i.textContent)`))
	step(t, ctx, chromedp.KeyEvent(kb.End))
	assert.Equal(t, "logout", eval[string](t, ctx, `document.activeElement.id`), "End skips the hidden Admin item")
}

// recordNotifications makes every page the browser opens from now on
// record the desktop notifications it shows (window.__notes, "title:
// body") and its requests for the permission (window.__asked), and lets
// the test say whether the page is looked at (window.__hidden).
func recordNotifications(t *testing.T, ctx context.Context) {
	t.Helper()
	const recorder = `(() => {
	  const N = window.Notification;
	  window.__notes = [];
	  window.__asked = 0;
	  window.Notification = class extends N {
	    constructor(title, opts) { super(title, opts); window.__notes.push(title + ': ' + opts.body); }
	    static get permission() { return N.permission; }
	    static requestPermission() { window.__asked++; return N.requestPermission(); }
	  };
	  const visible = Object.getOwnPropertyDescriptor(Document.prototype, 'visibilityState').get;
	  Object.defineProperty(document, 'visibilityState', {configurable: true, get() { return window.__hidden ? 'hidden' : visible.call(this); }});
	})()`
	step(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recorder})
		return err
	}))
}

// notes is the JS for the notifications shown so far.
const notes = `window.__notes`

// mutedOnServer is the JS promise of "the caller muted the room", for
// good or for a while.
func mutedOnServer(room string) string {
	return fmt.Sprintf(`fetch('/api/rooms').then(r => r.json()).then(rs => rs.find(r => r.name === %q)).then(r => r.muted === true || (r.muted_until && new Date(r.muted_until.$date) > new Date()))`, room)
}

func TestNotifications_OfferedOnceAfterTheFirstMessageWithHelpWhenBlocked(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, nil)
			send := func(ctx context.Context, text string) {
				step(t, ctx, typeInto("#composer-input", text+"\r"))
				until(t, ctx, hasMessage(text)+` && !document.querySelector('#messages .msg.pending')`, "the message sent")
			}
			offer := `document.getElementById('offer')`

			// Not asked on page load; offered after the first message; "Not
			// now" is for good.
			ctx := browser(t, size.w, size.h)
			setNotifications(t, ctx, w.url, cdpbrowser.PermissionSettingPrompt)
			recordNotifications(t, ctx)
			w.login(t, ctx, "bob", "bob-password")
			until(t, ctx, `document.body.dataset.conn === 'live'`, "the chat, live")
			assert.Equal(t, "waiting", eval[string](t, ctx, `document.body.dataset.offer`))
			assert.True(t, eval[bool](t, ctx, offer+` === null`), "no offer on page load")
			send(ctx, "hello all")
			until(t, ctx, offer+` !== null && document.body.dataset.offer === 'shown'`, "the offer")
			assert.Contains(t, eval[string](t, ctx, offer+`.textContent`), "direct messages and mentions of you")
			assert.True(t, eval[bool](t, ctx, `(() => { const r = `+offer+`.getBoundingClientRect(); return r.top >= 0 && r.right <= innerWidth; })()`), "the offer in view")
			assert.True(t, eval[bool](t, ctx, fitsTheScreen))
			screenshot(t, ctx, "notify-offer-"+size.name)
			assert.Zero(t, eval[int](t, ctx, `window.__asked`), "the browser is not asked before the user says so")
			click(t, ctx, `//section[@id="offer"]//button[text()="Not now"]`)
			until(t, ctx, offer+` === null && document.body.dataset.offer === 'done'`, "the offer gone, for good")
			step(t, ctx, chromedp.Reload())
			until(t, ctx, `document.body.dataset.ready && document.body.dataset.conn === 'live'`, "the chat, reloaded")
			send(ctx, "hello again")
			assert.Equal(t, "done", eval[string](t, ctx, `document.body.dataset.offer`), "no offer is waiting")
			assert.True(t, eval[bool](t, ctx, offer+` === null`))
			assert.Zero(t, eval[int](t, ctx, `window.__asked`))

			// "Turn on" asks the browser, once.
			on := browser(t, size.w, size.h)
			setNotifications(t, on, w.url, cdpbrowser.PermissionSettingPrompt)
			recordNotifications(t, on)
			w.login(t, on, "bob", "bob-password")
			send(on, "hello from another browser")
			until(t, on, offer+` !== null`, "the offer in the other browser")
			setNotifications(t, on, w.url, cdpbrowser.PermissionSettingGranted)
			click(t, on, `//section[@id="offer"]//button[text()="Turn on"]`)
			until(t, on, offer+` === null && document.body.dataset.offer === 'done' && Notification.permission === 'granted'`, "turned on")
			assert.Equal(t, 1, eval[int](t, on, `window.__asked`))

			// Blocked by the browser: the offer and the dialog say how to
			// allow them.
			blocked := browser(t, size.w, size.h)
			setNotifications(t, blocked, w.url, cdpbrowser.PermissionSettingDenied)
			w.login(t, blocked, "bob", "bob-password")
			send(blocked, "hello from a browser that blocks them")
			until(t, blocked, offer+` !== null`, "the help")
			assert.Contains(t, eval[string](t, blocked, offer+`.textContent`), "To allow them")
			assert.Equal(t, []string{"OK"}, eval[[]string](t, blocked, `[...`+offer+`.querySelectorAll('button')].map(b => b.textContent)`), "nothing to turn on")
			click(t, blocked, `//section[@id="offer"]//button[text()="OK"]`)
			until(t, blocked, offer+` === null && document.body.dataset.offer === 'done'`, "the help dismissed")
			openAccountMenu(t, blocked)
			click(t, blocked, chromedp.ID("notify"))
			until(t, blocked, dialogOpen+` && document.querySelector('#dialog-body .permission') !== null`, "the Notifications dialog")
			assert.Contains(t, eval[string](t, blocked, `document.querySelector('#dialog-body .permission').textContent`), "To allow them")
			assert.Contains(t, eval[string](t, blocked, `document.getElementById('dialog-body').textContent`), "as the bell in its header says", "the levels are the bell's")
		})
	}
}

func TestSidebar_OneBadgePerConversationAndMutedRooms(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			var ops, random storage.ID
			w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
				for _, r := range []struct {
					name string
					id   *storage.ID
				}{{"ops", &ops}, {"random", &random}} {
					room, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: r.name})
					require.NoError(t, err)
					*r.id = room.ID
					_, err = svc.AddMember(ctx, chat.Actor{User: w.admin}, room.ID, w.bob.ID, "member")
					require.NoError(t, err)
				}
			})
			say := func(body map[string]string) {
				status, resp := w.call(w.adminToken, "POST", "/api/messages", body)
				require.Equal(t, 201, status, resp)
			}
			inRoom := func(room storage.ID, text string) { say(map[string]string{"room": room.Hex(), "text": text}) }
			dm := func(text string) { say(map[string]string{"recipient": w.bob.ID.Hex(), "text": text}) }
			conv := func(list, name string) string {
				return fmt.Sprintf(`[...document.querySelectorAll('#%s button.conv')].find(b => b.querySelector('.name').textContent === %q)`, list, name)
			}
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "bob", "bob-password")
			until(t, ctx, `document.body.dataset.conn === 'live' && document.getElementById('room-title').textContent === 'general'`, "general, live")

			// A mention: the count; plain messages: a bold name, no pill.
			inRoom(ops, "plain in ops")
			inRoom(ops, "@bob look at ops")
			inRoom(random, "plain in random")
			inRoom(random, "plain again in random")
			dm("a direct word")
			until(t, ctx, conv("directs", "alice")+`?.querySelector('.badge')?.textContent === '1 unread message'`, "the direct message's count")
			until(t, ctx, conv("rooms", "random")+`?.querySelector('.unread-count')?.textContent === '2 unread'`, "random's messages")
			assert.Equal(t, "1 mention", eval[string](t, ctx, conv("rooms", "ops")+`.querySelector('.badge').textContent`))
			assert.True(t, eval[bool](t, ctx, conv("rooms", "ops")+`.classList.contains('unread')`), "ops in bold")
			assert.Equal(t, "2 unread", eval[string](t, ctx, conv("rooms", "ops")+`.querySelector('.unread-count').textContent`), "said to screen readers")
			assert.True(t, eval[bool](t, ctx, conv("rooms", "random")+`.classList.contains('unread')`), "random in bold")
			assert.Zero(t, eval[int](t, ctx, conv("rooms", "random")+`.querySelectorAll('.badge').length`), "no pill for plain messages")
			assert.Equal(t, "700", eval[string](t, ctx, `getComputedStyle(`+conv("rooms", "random")+`).fontWeight`))
			assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#sidebar button.conv')].every(b => b.querySelectorAll('.badge').length <= 1)`), "never two pills")
			screenshot(t, ctx, "sidebar-badges-"+size.name)

			// The bell mutes ops: said by the bell and in the sidebar, kept
			// on the server.
			openConvNamed(t, ctx, "rooms", "ops")
			until(t, ctx, `!document.getElementById('mute-button').hidden && !`+conv("rooms", "ops")+`.classList.contains('unread')`, "ops read, its bell shown")
			assert.Equal(t, "Notifications: mentions only", eval[string](t, ctx, bellLabel))
			assert.True(t, eval[bool](t, ctx, fitsTheScreen), "the header fits")
			chooseInBell(t, ctx, "For a week")
			until(t, ctx, bellLabel+`.startsWith('Notifications: muted until ')`, "the bell says muted")
			until(t, ctx, mutedOnServer("ops"), "muted on the server")
			assert.Equal(t, "Muted", eval[string](t, ctx, conv("rooms", "ops")+`.querySelector('[role=img]').getAttribute('aria-label')`))

			// A muted room's plain messages leave it as it is (the direct
			// message sent after them says when they have arrived); its
			// mentions still count.
			openConvNamed(t, ctx, "rooms", "general")
			inRoom(ops, "plain while muted")
			dm("a second direct word")
			until(t, ctx, conv("directs", "alice")+`?.querySelector('.badge')?.textContent === '2 unread messages'`, "the second direct message")
			assert.False(t, eval[bool](t, ctx, conv("rooms", "ops")+`.classList.contains('unread')`), "a muted room is not bold")
			assert.Zero(t, eval[int](t, ctx, conv("rooms", "ops")+`.querySelectorAll('.badge, .unread-count').length`))
			inRoom(ops, "@bob even so")
			until(t, ctx, conv("rooms", "ops")+`?.querySelector('.badge')?.textContent === '1 mention'`, "the mention counted")
			assert.False(t, eval[bool](t, ctx, conv("rooms", "ops")+`.classList.contains('unread')`))

			// Muted it stays, across a reload.
			step(t, ctx, chromedp.Reload())
			until(t, ctx, `document.body.dataset.ready && `+conv("rooms", "ops")+`?.querySelector('[role=img]') != null`, "ops still muted after a reload")
			openConvNamed(t, ctx, "rooms", "ops")
			until(t, ctx, bellLabel+`.startsWith('Notifications: muted until ') && !document.getElementById('mute-button').hidden`, "the bell still says muted")
			chooseInBell(t, ctx, "Unmute")
			until(t, ctx, bellSays("Notifications: mentions only"), "unmuted")
			until(t, ctx, mutedOnServer("ops")+`.then(m => !m)`, "unmuted on the server")
			assert.Zero(t, eval[int](t, ctx, conv("rooms", "ops")+`.querySelectorAll('[role=img]').length`))
			// A direct conversation has a bell of its own.
			openConvNamed(t, ctx, "directs", "alice")
			until(t, ctx, bellSays("Notifications: every new message")+` && !document.getElementById('mute-button').hidden`, "the direct conversation's bell")
		})
	}
}

func TestRoomTopic_InTheHeaderAndBrowseRoomsSetInRoomSettings(t *testing.T) {
	topic := "Release planning for 2.0: what ships, who owns it, and the dates we promised. " +
		"Decisions go in the wiki; this room is for the talk that leads to them, so keep it on topic."
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
				_, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "random", Topic: "Anything goes"})
				require.NoError(t, err)
			})
			alice, bob := browser(t, size.w, size.h), browser(t, size.w, size.h)
			w.login(t, alice, "alice", "alice-password")
			w.login(t, bob, "bob", "bob-password")
			for _, ctx := range []context.Context{alice, bob} {
				until(t, ctx, `document.body.dataset.conn === 'live' && document.getElementById('room-title').textContent === 'general'`, "general, live")
			}
			assert.True(t, eval[bool](t, alice, `document.getElementById('room-topic').hidden`), "no topic yet")
			until(t, alice, `!document.getElementById('room-settings').hidden`, "the gear, for an administrator")
			assert.True(t, eval[bool](t, bob, `document.getElementById('room-settings').hidden`), "no gear for a member")

			// The settings: the room's name, topic and flags.
			click(t, alice, chromedp.ID("room-settings"))
			until(t, alice, dialogOpen+` && document.getElementById('dialog-title').textContent === 'Settings of general'`, "the room's settings")
			fields := `[...document.querySelectorAll('#dialog-body input')]`
			assert.Equal(t, []string{"general", "", "true", "true"}, eval[[]string](t, alice, fields+`.map(i => i.type === 'checkbox' ? String(i.checked) : i.value)`))
			assert.Equal(t, []string{"Name", "Topic (one line, shown under the name)", "Open: anyone may join", "Visible: listed to everyone"},
				eval[[]string](t, alice, fields+`.map(i => i.labels[0].textContent)`))
			// A refusal (another room's name) is said in the dialog, which stays.
			step(t, alice, chromedp.Evaluate[chromedp.Void](`document.querySelector('#dialog-body input').value = 'RANDOM'`))
			click(t, alice, chromedp.ID("dialog-ok"))
			until(t, alice, `!document.getElementById('dialog-error').hidden && `+dialogOpen, "the API's refusal")
			assert.Contains(t, eval[string](t, alice, `document.getElementById('dialog-error').textContent`), "RANDOM")
			js, _ := json.Marshal(topic)
			step(t, alice, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const f = %s; f[0].value = 'general'; f[1].value = %s; })()`, fields, js)))
			click(t, alice, chromedp.ID("dialog-ok"))
			until(t, alice, `!`+dialogOpen, "saved")

			// The topic in the header: one line, cut with an ellipsis, the
			// whole of it in the tooltip and to screen readers.
			for _, ctx := range []context.Context{alice, bob} {
				until(t, ctx, fmt.Sprintf(`document.getElementById('room-topic').textContent === %s && !document.getElementById('room-topic').hidden`, js), "the topic, live")
				assert.Equal(t, topic, eval[string](t, ctx, `document.getElementById('room-topic').title`))
				assert.True(t, eval[bool](t, ctx, `(() => { const e = document.getElementById('room-topic'); return e.scrollWidth > e.clientWidth && e.getClientRects().length === 1 && e.clientHeight < 2 * parseFloat(getComputedStyle(e).lineHeight || '20'); })()`), "one line, cut")
				assert.Equal(t, "ellipsis", eval[string](t, ctx, `getComputedStyle(document.getElementById('room-topic')).textOverflow`))
				assert.True(t, eval[bool](t, ctx, `(() => { const e = document.getElementById('room-title'); return e.scrollWidth <= e.clientWidth; })()`), "the topic gives way to the room's name")
				assert.True(t, eval[bool](t, ctx, fitsTheScreen), "the header fits")
				assert.True(t, eval[bool](t, ctx, `document.getElementById('room-topic').getBoundingClientRect().right <= innerWidth`))
			}
			screenshot(t, bob, "room-topic-"+size.name)
			status, body := w.call(w.bobToken, "GET", "/api/rooms/"+w.room.Hex(), nil)
			require.Equal(t, 200, status, body)
			var room struct{ Topic string }
			require.NoError(t, json.Unmarshal([]byte(body), &room))
			assert.Equal(t, topic, room.Topic, "kept on the server")

			// Browse rooms: each room's topic under its name.
			openDrawerIfPhone(t, bob)
			click(t, bob, chromedp.ID("browse"))
			until(t, bob, dialogOpen+` && document.querySelector('#dialog-body .topic') !== null`, "the rooms to join")
			assert.Equal(t, "Anything goes", eval[string](t, bob, `[...document.querySelectorAll('#dialog-body li')].find(li => li.querySelector('.name').textContent === 'random').querySelector('.topic').textContent`))
			assert.True(t, eval[bool](t, bob, `document.getElementById('dialog').getBoundingClientRect().right <= innerWidth`))
			step(t, bob, chromedp.KeyEvent(kb.Escape))
			until(t, bob, `!`+dialogOpen, "closed")

			// An owner gets the gear as soon as they become one.
			status, body = w.call(w.adminToken, "PATCH", "/api/members/"+w.members(w.room)["bob"].Hex(), map[string]string{"role": "owner"})
			require.Equal(t, 200, status, body)
			closeDrawerIfOpen(t, bob)
			until(t, bob, `!document.getElementById('room-settings').hidden`, "the gear, for the new owner")
			click(t, bob, chromedp.ID("room-settings"))
			until(t, bob, dialogOpen, "the settings, for the owner")
			step(t, bob, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('#dialog-body input')[1].value = ''`))
			click(t, bob, chromedp.ID("dialog-ok"))
			until(t, alice, `document.getElementById('room-topic').hidden`, "the topic cleared, live")
		})
	}
}

func TestAdmin_OnAPhoneTablesAreLabelledCards(t *testing.T) {
	tabs := []string{"users", "rooms", "members", "invites", "hooks", "bots", "commands", "tokens", "maintenance"}
	w := newWorld(t, conversation)
	status, body := w.call(w.adminToken, "POST", "/api/invites", map[string]any{"rooms": []string{w.room.Hex()}})
	require.Equal(t, 201, status, body)
	status, body = w.call(w.adminToken, "POST", "/api/rooms/"+w.room.Hex()+"/hooks", map[string]string{"name": "deploy bot with a rather long name"})
	require.Equal(t, 201, status, body)
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "alice", "alice-password")
			step(t, ctx, chromedp.Navigate(w.url+"/makechat/admin#users"))
			until(t, ctx, `document.querySelector('#panel table') !== null`, "the admin")
			// One main landmark; the tab panel inside it.
			assert.Equal(t, 1, eval[int](t, ctx, `[...document.querySelectorAll('main')].filter(m => m.getClientRects().length).length`))
			assert.True(t, eval[bool](t, ctx, `document.getElementById('panel').closest('main') !== null && document.getElementById('panel').getAttribute('role') === 'tabpanel'`))
			for _, tab := range tabs {
				click(t, ctx, chromedp.ID("tab-"+tab))
				until(t, ctx, fmt.Sprintf(`location.hash === '#%s' && document.getElementById('panel').getAttribute('aria-labelledby') === 'tab-%s' && document.querySelector('#panel table, #panel .switch') !== null`, tab, tab), "the "+tab+" tab")
				assert.True(t, eval[bool](t, ctx, fitsTheScreen), "%s: nothing scrolls sideways (%d > %d)", tab,
					eval[int](t, ctx, `document.documentElement.scrollWidth`), size.w)
				if tab == "maintenance" {
					continue
				}
				// Every cell is labelled with its column's header; on a
				// phone the label is shown, and the row is a card.
				assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#panel tbody td')].filter(td => td.colSpan === 1).every(td => td.dataset.label === td.closest('table').querySelectorAll('thead th')[td.cellIndex].textContent)`), tab)
				cards := `[...document.querySelectorAll('#panel tbody tr')].every(tr => getComputedStyle(tr).display === 'block')`
				labels := `[...document.querySelectorAll('#panel tbody td[data-label]')].every(td => getComputedStyle(td, '::before').content === JSON.stringify(td.dataset.label))`
				if size.name == "phone" {
					assert.True(t, eval[bool](t, ctx, cards+` && `+labels), "%s: cards, labelled", tab)
					assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#panel td, #panel button, #panel select, #panel input')].every(e => e.getBoundingClientRect().right <= innerWidth + 0.5)`), "%s: every cell and control in view", tab)
				} else {
					assert.Equal(t, "table-row", eval[string](t, ctx, `getComputedStyle(document.querySelector('#panel tbody tr')).display`), "%s: a table on a desktop", tab)
					assert.Equal(t, "none", eval[string](t, ctx, `getComputedStyle(document.querySelector('#panel tbody td'), '::before').content`))
				}
			}
			click(t, ctx, chromedp.ID("tab-users"))
			until(t, ctx, `location.hash === '#users' && [...document.querySelectorAll('#panel td')].some(td => td.textContent === 'carol')`, "the users")
			screenshot(t, ctx, "admin-users-"+size.name)
		})
	}
}
