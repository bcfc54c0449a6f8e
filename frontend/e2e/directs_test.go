package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// convButton is the JS for the sidebar's button of the conversation
// named name in list ("rooms" or "directs"), or undefined.
func convButton(list, name string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#%s button.conv')].find(b => b.querySelector('.name').textContent === %q)`, list, name)
}

// badgeOf is the JS for the text of the badge of a conversation in the
// sidebar, null without one.
func badgeOf(list, name string) string {
	return `(` + convButton(list, name) + `?.querySelector('.badge')?.textContent ?? null)`
}

// countEvents makes the page count the stream's events named name in
// window.__events[name].
func countEvents(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	step(t, ctx, chromedp.Evaluate[chromedp.Void](`window.__events ||= {}; window.__events[`+jsString(name)+`] = 0;
	  document.addEventListener('makechat:stream', (e) => { if (e.detail.event === `+jsString(name)+`) window.__events[`+jsString(name)+`]++; }); void 0`))
}

// directWith is the caller's read state with the user named peer, as
// GET /api/directs gives it.
func (w *world) directWith(token, peer string) (unread int, lastRead string) {
	w.t.Helper()
	status, body := w.call(token, "GET", "/api/directs", nil)
	require.Equal(w.t, 200, status, body)
	var ds []struct {
		Username string `json:"username"`
		Unread   int    `json:"unread"`
		LastRead *struct {
			OID string `json:"$oid"`
		} `json:"last_read"`
	}
	require.NoError(w.t, json.Unmarshal([]byte(body), &ds))
	for _, d := range ds {
		if d.Username == peer {
			if d.LastRead != nil {
				lastRead = d.LastRead.OID
			}
			return d.Unread, lastRead
		}
	}
	w.t.Fatalf("no direct conversation with %s", peer)
	return 0, ""
}

func TestDirects_UnreadSurvivesAReloadAndIsReadInEveryBrowserOfTheUser(t *testing.T) {
	var ops storage.ID
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		room, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "ops"})
		require.NoError(t, err)
		ops = room.ID
		_, err = svc.AddMember(ctx, chat.Actor{User: w.admin}, room.ID, w.bob.ID, "member")
		require.NoError(t, err)
	})
	// dm sends alice a direct message from bob and returns its id.
	dm := func(text string) string {
		status, body := w.call(w.bobToken, "POST", "/api/messages", map[string]string{"recipient": w.admin.ID.Hex(), "text": text})
		require.Equal(t, 201, status, body)
		var m struct {
			ID struct {
				OID string `json:"$oid"`
			} `json:"_id"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &m))
		return m.ID.OID
	}
	bobs := badgeOf("directs", "bob")
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			dm("psst (" + sz.name + ")")
			one, two := browser(t, sz.w, sz.h), browser(t, sz.w, sz.h)
			w.login(t, one, "alice", "alice-password")
			w.login(t, two, "alice", "alice-password")
			inGeneral(t, one)
			inGeneral(t, two)
			countEvents(t, two, "direct.updated")

			// The server's count, in both browsers, and again after a reload.
			until(t, one, bobs+` === '1 unread message'`, "bob's message counted")
			until(t, two, bobs+` === '1 unread message'`, "bob's message counted in the second browser")
			step(t, one, chromedp.Reload())
			until(t, one, `document.body.dataset.ready && document.body.dataset.conn === 'live' && `+bobs+` === '1 unread message'`, "the count, after a reload")
			openDrawerIfPhone(t, one)
			axeScan(t, one, "the sidebar with an unread direct message, "+sz.name)

			// Read in one browser, read in the other.
			openConvNamed(t, one, "directs", "bob")
			until(t, one, hasMessage("psst ("+sz.name+")")+` && `+bobs+` === null`, "the message, read")
			until(t, two, bobs+` === null && window.__events['direct.updated'] >= 1`, "read in the second browser too")
			unread, _ := w.directWith(w.adminToken, "bob")
			assert.Zero(t, unread, "read on the server")

			// A message that arrives while one browser shows the
			// conversation is read there, and so in the other.
			seen := eval[int](t, two, `window.__events['direct.updated']`)
			id := dm("still there? (" + sz.name + ")")
			until(t, one, hasMessage("still there? ("+sz.name+")"), "the new message, shown")
			pollFor(t, func() string { return "the marker on the new message" }, func() bool {
				unread, last := w.directWith(w.adminToken, "bob")
				return unread == 0 && last == id
			})
			until(t, two, fmt.Sprintf(`%s === null && window.__events['direct.updated'] > %d`, bobs, seen), "read in the second browser, live")

			// "Mark all as read": the rooms and direct conversations of
			// this browser, and the direct ones of the other.
			openConvNamed(t, one, "rooms", "general")
			dm("one more (" + sz.name + ")")
			status, body := w.call(w.bobToken, "POST", "/api/messages", map[string]string{"room": ops.Hex(), "text": "ops news (" + sz.name + ")"})
			require.Equal(t, 201, status, body)
			ops := convButton("rooms", "ops")
			for _, ctx := range []context.Context{one, two} {
				until(t, ctx, bobs+` === '1 unread message' && `+ops+`?.classList.contains('unread')`, "the new messages, unread")
			}
			openAccountMenu(t, one)
			click(t, one, chromedp.ID("read-all"))
			until(t, one, bobs+` === null && !`+ops+`.classList.contains('unread')`, "everything read")
			assert.Equal(t, "Everything is marked as read.", eval[string](t, one, `document.getElementById('side-note').textContent`), "said to screen readers")
			assert.Equal(t, "makechat", eval[string](t, one, `document.title.replace(/^.* · /, '')`))
			assert.False(t, eval[bool](t, one, `document.title.startsWith('(')`), "no count in the title")
			until(t, two, bobs+` === null`, "the direct conversation read in the second browser")
			step(t, two, chromedp.Reload())
			until(t, two, `document.body.dataset.ready && `+convButton("rooms", "ops")+` !== undefined`, "the second browser, reloaded")
			assert.False(t, eval[bool](t, two, convButton("rooms", "ops")+`.classList.contains('unread')`), "ops read, after a reload")
			assert.Equal(t, "null", eval[string](t, two, `String(`+bobs+`)`))
		})
	}
}
