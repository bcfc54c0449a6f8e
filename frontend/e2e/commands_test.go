package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The note above the composer: its sentence, and whether it shows.
const (
	noteText  = `(document.querySelector('#slash-note p')?.textContent ?? '')`
	noteShown = `(n => n.firstChild !== null && n.getBoundingClientRect().height > 0)(document.getElementById('slash-note'))`
	composed  = `document.getElementById('composer-input').value`
	// completion is the commands the completion offers, by name.
	completion = `(l => l.hidden ? [] : [...l.querySelectorAll('[role=option] .cmd-name')].map(o => o.textContent))(document.getElementById('complete'))`
	chosen     = `document.querySelector('#complete [aria-selected=true] .cmd-name')?.textContent`
)

// typeIn focuses the composer and types keys into it.
func typeIn(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	step(t, ctx, chromedp.Focus(chromedp.ID("composer-input")), chromedp.KeyEvent(keys))
}

func TestCommands_CompletionMeTopicMuteAndTheNote(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, nil)
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "alice", "alice-password")
			until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.body.dataset.conn === 'live'`, "general, live")
			assert.False(t, eval[bool](t, ctx, noteShown), "no note at first")

			// "/" lists the commands as a listbox the composer points into.
			typeIn(t, ctx, "/")
			until(t, ctx, completion+`.length === 6`, "the commands listed")
			assert.Equal(t, []string{"/me", "/topic", "/invite", "/leave", "/mute", "/unmute"}, eval[[]string](t, ctx, completion))
			assert.Equal(t, "Commands", eval[string](t, ctx, `document.getElementById('complete').getAttribute('aria-label')`))
			assert.Equal(t, "listbox", eval[string](t, ctx, `document.getElementById('complete').getAttribute('role')`))
			assert.Contains(t, eval[string](t, ctx, `document.getElementById('complete').textContent`), "Set the room's topic", "each with its help")
			assert.True(t, eval[bool](t, ctx, fitsTheScreen), "the list fits the screen")
			screenshot(t, ctx, "command-completion-"+size.name)
			axeScan(t, ctx, "command completion")

			// ↓ and ↑ move, the composer names the chosen one, Tab picks.
			step(t, ctx, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
			assert.Equal(t, "/invite", eval[string](t, ctx, chosen))
			step(t, ctx, chromedp.KeyEvent(kb.ArrowUp))
			assert.Equal(t, "/topic", eval[string](t, ctx, chosen))
			assert.Equal(t, eval[string](t, ctx, `document.querySelector('#complete [aria-selected=true]').id`),
				eval[string](t, ctx, `document.getElementById('composer-input').getAttribute('aria-activedescendant')`))
			step(t, ctx, chromedp.KeyEvent(kb.Tab))
			assert.Equal(t, "/topic ", eval[string](t, ctx, composed))
			assert.True(t, eval[bool](t, ctx, `document.getElementById('complete').hidden`), "picked, the list closes")

			// /topic by the admin: the header follows the stream's event, the
			// answer is a note for her alone, and the composer is empty.
			step(t, ctx, chromedp.KeyEvent("Launch day\r"))
			until(t, ctx, `document.getElementById('room-topic').textContent === 'Launch day' && !document.getElementById('room-topic').hidden`, "the new topic in the header")
			until(t, ctx, noteText+` === 'The topic of general is now: Launch day'`, "the answer in the note")
			assert.Equal(t, "The topic of general is now: Launch day", eval[string](t, ctx, `document.getElementById('slash-note').textContent`), "and nothing else but its close button")
			assert.True(t, eval[bool](t, ctx, noteShown))
			assert.Equal(t, "status", eval[string](t, ctx, `document.getElementById('slash-note').getAttribute('role')`))
			assert.Equal(t, "", eval[string](t, ctx, composed))
			assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#messages .msg').length`), "nothing posted")
			assert.True(t, eval[bool](t, ctx, fitsTheScreen), "the note fits the screen")
			screenshot(t, ctx, "command-note-"+size.name)
			axeScan(t, ctx, "command note")

			// Esc in the composer closes the list, then the note.
			typeIn(t, ctx, "/m")
			until(t, ctx, completion+`.length === 2`, "/me and /mute")
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			assert.True(t, eval[bool](t, ctx, `document.getElementById('complete').hidden`))
			assert.True(t, eval[bool](t, ctx, noteShown), "the first Esc closed the list only")
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			assert.False(t, eval[bool](t, ctx, noteShown), "the second closed the note")

			// /me, typed in full: Enter picks it (it needs a text), and the
			// action is posted in italics, once.
			step(t, ctx, chromedp.KeyEvent(kb.Backspace))
			until(t, ctx, completion+`.length === 6`, "the commands again")
			step(t, ctx, chromedp.KeyEvent("me"))
			until(t, ctx, completion+`.join() === '/me'`, "only /me")
			step(t, ctx, chromedp.KeyEvent("\r"))
			assert.Equal(t, "/me ", eval[string](t, ctx, composed))
			step(t, ctx, chromedp.KeyEvent("waves\r"))
			until(t, ctx, hasMessage("waves"), "the action")
			assert.Equal(t, "waves", eval[string](t, ctx, `document.querySelector('#messages .msg:last-child .body em').textContent`), "in italics")
			// The composer keeps the command until its answer (a failure
			// leaves it to edit), which may come after the stream's event.
			until(t, ctx, composed+` === ''`, "the composer emptied")
			assert.False(t, eval[bool](t, ctx, noteShown), "/me has nothing to say")
			// A message posted after it comes after any second copy would.
			w.post(w.bobToken, "nice")
			until(t, ctx, hasMessage("nice"), "bob's message after it")
			assert.Equal(t, []string{"waves", "nice"}, eval[[]string](t, ctx, messageTexts), "the action is shown once")

			// /mute typed in full: Enter runs it; the bell and the sidebar
			// show it at once, though the stream says nothing.
			typeIn(t, ctx, "/mute")
			until(t, ctx, chosen+` === '/mute'`, "/mute chosen")
			step(t, ctx, chromedp.KeyEvent("\r"))
			until(t, ctx, noteText+` === 'This room is muted.'`, "the answer")
			until(t, ctx, bellSays("Notifications: muted"), "the bell says muted")
			assert.Equal(t, "Muted", eval[string](t, ctx,
				`[...document.querySelectorAll('#rooms button.conv')].find(b => b.querySelector('.name').textContent === 'general').querySelector('[role=img]').getAttribute('aria-label')`))
			until(t, ctx, mutedOnServer("general"), "muted on the server")
			typeIn(t, ctx, "/unmute\r")
			until(t, ctx, noteText+` === 'This room is no longer muted.'`, "the answer to /unmute")
			until(t, ctx, bellSays("Notifications: mentions only"), "the bell unmuted")

			// The close button closes the note.
			click(t, ctx, chromedp.CSS(`#slash-note button[aria-label=Dismiss]`))
			assert.False(t, eval[bool](t, ctx, noteShown))
		})
	}
}

func TestCommands_UnknownCommandsDoubleSlashAndRefusals(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
				_, err := svc.Post(ctx, chat.Actor{User: w.admin}, chat.NewMessage{Recipient: w.bob.ID, Text: "hi bob"})
				require.NoError(t, err)
			})
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "bob", "bob-password")
			until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.body.dataset.conn === 'live'`, "general, live")
			noRedLine := func() {
				t.Helper()
				assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#messages .msg.failed, #messages .msg.pending').length`), "no message line for a command")
				assert.True(t, eval[bool](t, ctx, `document.getElementById('composer-error').hidden`))
			}

			// An unknown command is said in the note, with an offer to send
			// the text as a message, which then posts it as it was.
			const mistake = "/etc/hosts is wrong"
			typeIn(t, ctx, "/")
			until(t, ctx, completion+`.length === 6`, "the commands listed")
			step(t, ctx, chromedp.KeyEvent(mistake[1:]+"\r"))
			until(t, ctx, noteText+`.startsWith('There is no command /etc/hosts.')`, "the refusal in the note")
			assert.Equal(t, mistake, eval[string](t, ctx, composed), "the text stays to be fixed")
			noRedLine()
			screenshot(t, ctx, "command-unknown-"+size.name)
			offer := `//div[@id="slash-note"]//button[text()="Send as a message"]`
			click(t, ctx, offer)
			until(t, ctx, hasMessage(mistake), "the text posted as a message")
			until(t, ctx, `document.querySelector('#messages .msg.pending') === null`, "confirmed")
			assert.Equal(t, "", eval[string](t, ctx, composed))
			assert.False(t, eval[bool](t, ctx, noteShown), "the note went with it")

			// "//" sends the text with one slash, as a message.
			typeIn(t, ctx, "//etc\r")
			until(t, ctx, hasMessage("/etc"), "//etc posted as /etc")
			assert.Equal(t, 2, eval[int](t, ctx, `document.querySelectorAll('#messages .msg').length`))

			// A member may not set the topic: the server's reason, in the note.
			typeIn(t, ctx, "/topic Mine now\r")
			until(t, ctx, noteText+` === 'Room owner or admin required.'`, "the 403 in the note")
			noRedLine()
			assert.Equal(t, "/topic Mine now", eval[string](t, ctx, composed))
			assert.True(t, eval[bool](t, ctx, `document.getElementById('room-topic').hidden`), "the topic is unchanged")
			assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#slash-note .link-button').length`), "no offer to post a refused command")
			axeScan(t, ctx, "command completion (a refusal in the note)")

			// The next send takes the note away.
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('composer-input').value = ''`))
			typeIn(t, ctx, "fine, no topic\r")
			until(t, ctx, hasMessage("fine, no topic"), "the message")
			assert.False(t, eval[bool](t, ctx, noteShown))

			// In a direct conversation there are no commands: no list, and
			// the note says so, with the offer to send it as it is.
			openConvNamed(t, ctx, "directs", "alice")
			until(t, ctx, hasMessage("hi bob"), "the direct conversation")
			typeIn(t, ctx, "/")
			assert.Empty(t, eval[[]string](t, ctx, completion), "no command list in a direct conversation (the room's showed it at once)")
			typeIn(t, ctx, "me waves\r")
			until(t, ctx, noteText+` === 'Commands work in rooms, not in direct messages.'`, "the note")
			click(t, ctx, offer)
			until(t, ctx, hasMessage("/me waves"), "sent as it was")
			assert.False(t, eval[bool](t, ctx, noteShown))

			// /leave: the stream's member.removed takes the room away.
			openConvNamed(t, ctx, "rooms", "general")
			typeIn(t, ctx, "/leave\r")
			until(t, ctx, `![...document.querySelectorAll('#rooms .name')].some(n => n.textContent === 'general') && document.getElementById('composer').hidden`,
				"general left")
			assert.False(t, eval[bool](t, ctx, noteShown), "no note over a conversation that is gone")
		})
	}
}
