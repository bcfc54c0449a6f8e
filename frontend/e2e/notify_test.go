package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bellLabel is the JS for the accessible name of the conversation's bell.
const bellLabel = `document.getElementById('mute-button').getAttribute('aria-label')`

// bellSays is the JS predicate "the bell's name is label".
func bellSays(label string) string { return bellLabel + ` === ` + jsString(label) }

// openBell opens the bell's menu in the conversation's header.
func openBell(t *testing.T, ctx context.Context) {
	t.Helper()
	click(t, ctx, chromedp.ID("mute-button"))
	until(t, ctx, `document.getElementById('bell-menu')?.hidden === false && document.getElementById('bell-menu').contains(document.activeElement)`, "the bell's menu, focused")
}

// chooseInBell chooses the item of the bell's menu whose text starts
// with item.
func chooseInBell(t *testing.T, ctx context.Context, item string) {
	t.Helper()
	openBell(t, ctx)
	click(t, ctx, fmt.Sprintf(`//div[@id="bell-menu"]//button[starts-with(normalize-space(.), %q)]`, item))
	until(t, ctx, `document.getElementById('bell-menu').hidden && document.activeElement.id === 'mute-button'`, "the menu closed, the focus on the bell")
}

// roomSettings is alice's notification settings in a room of hers, as
// GET /api/rooms gives them.
func (w *world) roomSettings(name string) (notify string, mutedUntil time.Time) {
	w.t.Helper()
	status, body := w.call(w.adminToken, "GET", "/api/rooms", nil)
	require.Equal(w.t, 200, status, body)
	var rooms []struct {
		Name       string `json:"name"`
		Notify     string `json:"notify"`
		MutedUntil *struct {
			Date time.Time `json:"$date"`
		} `json:"muted_until"`
	}
	require.NoError(w.t, json.Unmarshal([]byte(body), &rooms))
	for _, r := range rooms {
		if r.Name == name {
			if r.MutedUntil != nil {
				mutedUntil = r.MutedUntil.Date
			}
			return r.Notify, mutedUntil
		}
	}
	w.t.Fatalf("no room %s", name)
	return "", time.Time{}
}

func TestNotifications_LevelsFromTheBellDecideAndMentionsOpenInContext(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, nil)
			dm := func(text string) {
				status, body := w.call(w.bobToken, "POST", "/api/messages", map[string]string{"recipient": w.admin.ID.Hex(), "text": text})
				require.Equal(t, 201, status, body)
			}
			ctx := browser(t, size.w, size.h)
			setNotifications(t, ctx, w.url, cdpbrowser.PermissionSettingGranted)
			recordNotifications(t, ctx)
			w.login(t, ctx, "alice", "alice-password")
			inGeneral(t, ctx)
			hidden := func(on bool) { step(t, ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`window.__hidden = %t`, on))) }
			hidden(true)

			// The defaults: in a room, mentions; in a direct conversation,
			// every message. A plain message (sent first) does not notify.
			until(t, ctx, bellSays("Notifications: mentions only"), "the room's bell")
			w.post(w.bobToken, "a plain message")
			w.post(w.bobToken, "@alice a mention")
			until(t, ctx, notes+`.length === 1`, "a notification")
			dm("a direct word")
			until(t, ctx, notes+`.length === 2`, "a second notification")
			assert.Equal(t, []string{"bob in general: @alice a mention", "bob: a direct word"}, eval[[]string](t, ctx, notes))

			// The bell's menu: the levels, the default marked, and mutes.
			hidden(false)
			openBell(t, ctx)
			assert.Equal(t, []string{"Every new message", "Mentions only (default)", "Nothing", "For 1 hour", "Until tomorrow", "For a week"},
				eval[[]string](t, ctx, `[...document.querySelectorAll('#bell-menu [role^=menuitem]')].map(i => i.textContent)`))
			assert.Equal(t, "Mentions only (default)", eval[string](t, ctx, `document.querySelector('#bell-menu [aria-checked=true]').textContent`))
			assert.True(t, eval[bool](t, ctx, `(r => r.left >= 0 && r.right <= innerWidth && r.bottom <= innerHeight)(document.getElementById('bell-menu').getBoundingClientRect())`), "the menu in view")
			screenshot(t, ctx, "bell-menu-"+size.name)
			axeScan(t, ctx, "the bell's menu, "+size.name)
			// The keyboard goes round it; Esc closes it on the bell.
			step(t, ctx, chromedp.KeyEvent(kb.End))
			assert.Equal(t, "For a week", eval[string](t, ctx, `document.activeElement.textContent`))
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `document.getElementById('bell-menu').hidden && document.activeElement.id === 'mute-button'`, "closed by Esc")

			// Every new message: kept on the server, and a plain message
			// notifies.
			chooseInBell(t, ctx, "Every new message")
			until(t, ctx, bellSays("Notifications: every new message"), "the bell says so")
			level, _ := w.roomSettings("general")
			assert.Equal(t, "all", level)
			hidden(true)
			w.post(w.bobToken, "plain, and now wanted")
			until(t, ctx, notes+`.length === 3`, "the plain message notified")
			assert.Equal(t, "bob in general: plain, and now wanted", eval[string](t, ctx, notes+`[2]`))

			// Muted for an hour: nothing from the room, not even a mention;
			// the sidebar says it is muted; the direct conversation still
			// notifies.
			hidden(false)
			chooseInBell(t, ctx, "For 1 hour")
			until(t, ctx, bellLabel+`.startsWith('Notifications: muted until ')`, "the bell says until when")
			assert.Contains(t, eval[string](t, ctx, `[...document.querySelectorAll('[role=status]')].map(s => s.textContent).join('|')`), "Notifications: muted until ", "said politely")
			_, until1 := w.roomSettings("general")
			assert.WithinDuration(t, time.Now().Add(time.Hour), until1, 2*time.Minute)
			assert.Equal(t, "Muted", eval[string](t, ctx, convButton("rooms", "general")+`.querySelector('[role=img]').getAttribute('aria-label')`))
			hidden(true)
			w.post(w.bobToken, "@alice while muted")
			dm("a second direct word")
			until(t, ctx, notes+`.length === 4`, "a fourth notification")
			assert.Equal(t, "bob: a second direct word", eval[string](t, ctx, notes+`[3]`))

			// Unmuted, the level stays.
			hidden(false)
			openBell(t, ctx)
			assert.Contains(t, eval[string](t, ctx, `document.getElementById('bell-menu').textContent`), "Muted until ")
			click(t, ctx, `//div[@id="bell-menu"]//button[text()="Unmute"]`)
			until(t, ctx, bellSays("Notifications: every new message"), "unmuted")
			_, until1 = w.roomSettings("general")
			assert.True(t, until1.IsZero(), "no mute on the server")

			// A direct conversation has its own bell: Nothing silences it.
			openConvNamed(t, ctx, "directs", "bob")
			until(t, ctx, bellSays("Notifications: every new message"), "the direct conversation's bell")
			chooseInBell(t, ctx, "Nothing")
			until(t, ctx, bellSays("Notifications: nothing"), "nothing")
			_, body := w.call(w.adminToken, "GET", "/api/directs", nil)
			assert.Contains(t, body, `"notify": "none"`)
			hidden(true)
			dm("a direct word nobody hears of")
			w.post(w.bobToken, "@alice heard again")
			until(t, ctx, notes+`.length === 5`, "a fifth notification")
			assert.Equal(t, "bob in general: @alice heard again", eval[string](t, ctx, notes+`[4]`), "nothing of the direct message")
			hidden(false)

			// The levels are the server's: after a reload they are there.
			step(t, ctx, chromedp.Reload())
			until(t, ctx, `document.body.dataset.ready && document.getElementById('room-title').textContent === '@bob'`, "the page again")
			until(t, ctx, bellSays("Notifications: nothing"), "the direct conversation's level, kept")

			// Mentions: the messages that name alice, newest first; one
			// opens in its conversation, at the message.
			openDrawerIfPhone(t, ctx)
			click(t, ctx, chromedp.ID("mentions-open"))
			until(t, ctx, `!document.getElementById('results').hidden && document.querySelectorAll('#results-list .result').length === 3`, "the mentions")
			assert.Equal(t, "Mentions of you", eval[string](t, ctx, `document.getElementById('results-title').textContent`))
			assert.True(t, eval[bool](t, ctx, `document.activeElement.id === 'results-title'`), "the focus on the list's title")
			assert.Equal(t, []string{"@alice heard again", "@alice while muted", "@alice a mention"},
				eval[[]string](t, ctx, `[...document.querySelectorAll('#results-list .result .body')].map(b => b.textContent)`))
			screenshot(t, ctx, "mentions-"+size.name)
			axeScan(t, ctx, "the mentions, "+size.name)
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#results-list .result')].find(li => li.querySelector('.body').textContent === '@alice while muted').querySelector('.link-button').click()`))
			until(t, ctx, `document.getElementById('results').hidden && document.getElementById('room-title').textContent === 'general' && document.activeElement.matches('#messages .msg') && document.activeElement.querySelector('.body').textContent === '@alice while muted'`, "general, at the mention")
		})
	}
}
