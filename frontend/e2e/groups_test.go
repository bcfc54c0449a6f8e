package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openGroupNamed opens the group conversation listed under that name
// (its other people's names) among the direct messages.
func openGroupNamed(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	openDrawerIfPhone(t, ctx)
	click(t, ctx, fmt.Sprintf(`//ul[@id="directs"]//button[.//span[@class="name"][text()=%q]]`, name))
	until(t, ctx, fmt.Sprintf(`document.getElementById('room-title').textContent === %q && !document.getElementById('app').classList.contains('drawer-open')`, name), "the conversation "+name)
	closeDrawerIfOpen(t, ctx)
}

// choosePerson types a name into the open "New message" dialog and
// chooses the one person it finds with Enter.
func choosePerson(t *testing.T, ctx context.Context, name string, chosen int) {
	t.Helper()
	step(t, ctx, typeInto(`#dialog [role=combobox]`, name))
	until(t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#dialog-body [role=option]')].map(o => o.querySelector('.name').textContent).join() === %q`, name), name+" found")
	step(t, ctx, chromedp.KeyEvent(kb.Enter))
	until(t, ctx, fmt.Sprintf(`document.querySelectorAll('#dialog-body .to li').length === %d && document.querySelector('#dialog [role=combobox]').value === ''`, chosen), name+" chosen")
}

// currentConv is the JS for the id of the conversation the sidebar shows
// as the open one.
const currentConv = `document.querySelector('#sidebar button.conv[aria-current=page]')?.dataset.id`

func TestGroups_ThreePeopleTalkLiveAndTheSamePeopleFindTheSameConversation(t *testing.T) {
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			w := newWorld(t, carolAndCarla)
			alice, bob, _ := w.aliceAndBob(t, sz.w, sz.h)
			carol := browser(t, sz.w, sz.h)
			w.login(t, carol, "carol", "carol-password")
			send := func(ctx context.Context, text string) {
				step(t, ctx, typeInto("#composer-input", text+"\r"))
				until(t, ctx, hasMessage(text)+` && !document.querySelector('#messages .msg.pending')`, "the message sent")
			}

			// Alice writes to bob and carol: each chosen joins the "To"
			// list; Enter in the empty box starts the conversation.
			openDrawerIfPhone(t, alice)
			click(t, alice, chromedp.ID("new-dm"))
			until(t, alice, dialogOpen+` && document.activeElement.getAttribute('role') === 'combobox'`, "the picker")
			choosePerson(t, alice, "bob", 1)
			choosePerson(t, alice, "carol", 2)
			assert.Equal(t, []string{"bob", "carol"}, eval[[]string](t, alice, `[...document.querySelectorAll('#dialog-body .to .name')].map(n => n.textContent)`))
			assert.Equal(t, []string{"Remove bob", "Remove carol"}, eval[[]string](t, alice, `[...document.querySelectorAll('#dialog-body .to button')].map(b => b.getAttribute('aria-label'))`))
			assert.Contains(t, eval[string](t, alice, `document.querySelector('#dialog-body .to-note').textContent`), "carol added")
			assert.LessOrEqual(t, eval[float64](t, alice, `document.getElementById('dialog').getBoundingClientRect().right`), float64(sz.w), "the dialog fits")
			screenshot(t, alice, "new-group-"+sz.name)
			axeScan(t, alice, "New message with two people chosen, "+sz.name)
			step(t, alice, chromedp.KeyEvent(kb.Enter))
			until(t, alice, `!`+dialogOpen+` && document.getElementById('room-title').textContent === 'bob, carol' && document.body.dataset.ready`, "the group conversation")
			group := eval[string](t, alice, currentConv)
			require.NotEmpty(t, group)
			send(alice, "Hello, both of you")

			// Carol, in no room yet, is taken to it; bob sees it listed,
			// unread, under the others' names.
			until(t, carol, `document.getElementById('room-title').textContent === 'alice, bob' && `+hasMessage("Hello, both of you"), "the conversation at carol's")
			until(t, bob, badgeOf("directs", "alice, carol")+` === '1 unread message'`, "the conversation at bob's, unread")
			assert.Equal(t, 2, eval[int](t, bob, convButton("directs", "alice, carol")+`.querySelectorAll('.avatar').length`), "the others' avatars")
			openDrawerIfPhone(t, bob)
			screenshot(t, bob, "group-sidebar-"+sz.name)
			axeScan(t, bob, "the sidebar with a group conversation, "+sz.name)
			openGroupNamed(t, bob, "alice, carol")
			until(t, bob, hasMessage("Hello, both of you")+` && `+badgeOf("directs", "alice, carol")+` === null`, "the message at bob's, read")

			// Everyone sees everyone's messages live.
			send(bob, "Hi alice, hi carol")
			send(carol, "Hello from carol")
			for _, ctx := range []context.Context{alice, bob, carol} {
				until(t, ctx, hasMessage("Hi alice, hi carol")+` && `+hasMessage("Hello from carol"), "the replies, live")
			}

			// The header names the people; the conversation has no
			// settings, and no one leaves it.
			assert.Equal(t, "3 people", eval[string](t, alice, `document.getElementById('members-button').textContent`))
			assert.Equal(t, "Group conversation", eval[string](t, alice, `document.querySelector('#room-flags [role=img]').getAttribute('aria-label')`))
			assert.True(t, eval[bool](t, alice, `document.getElementById('room-settings').hidden`), "no settings, not even for an administrator")
			click(t, alice, chromedp.ID("members-button"))
			until(t, alice, dialogOpen+` && document.querySelectorAll('#dialog-body .pick li').length === 3`, "the people in it")
			assert.Equal(t, "People in this conversation", eval[string](t, alice, `document.getElementById('dialog-title').textContent`))
			assert.Zero(t, eval[int](t, alice, `document.querySelectorAll('#dialog-body .leave, #dialog-body .dialog-tools').length`), "no leaving, no adding")
			axeScan(t, alice, "the people of a group conversation, "+sz.name)
			step(t, alice, chromedp.KeyEvent(kb.Escape))
			until(t, alice, `!`+dialogOpen, "the list closed")

			// The same people, named in another order, find the same
			// conversation, from somewhere else.
			openConvNamed(t, alice, "rooms", "general")
			openDrawerIfPhone(t, alice)
			click(t, alice, chromedp.ID("new-dm"))
			until(t, alice, dialogOpen+` && document.activeElement.getAttribute('role') === 'combobox'`, "the picker again")
			choosePerson(t, alice, "carol", 1)
			choosePerson(t, alice, "bob", 2)
			click(t, alice, chromedp.ID("dialog-ok"))
			until(t, alice, `!`+dialogOpen+` && document.getElementById('room-title').textContent === 'bob, carol' && `+hasMessage("Hello from carol"), "the same conversation, with its messages")
			assert.Equal(t, group, eval[string](t, alice, currentConv))
			assert.Equal(t, 1, eval[int](t, alice, `[...document.querySelectorAll('#directs button.conv .name')].filter(n => n.textContent === 'bob, carol').length`), "listed once")
			status, body := w.call(w.adminToken, "GET", "/api/groups", nil)
			require.Equal(t, 200, status, body)
			var groups []json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(body), &groups))
			assert.Len(t, groups, 1, "one group conversation on the server")
		})
	}
}
