package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reaction is one emoji on a message as the API gives it.
type reaction struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Users []struct {
		Username string `json:"username"`
	} `json:"users"`
}

// reactionsOn is the reactions of the message id in the room, as the
// API gives them to the user of token.
func (w *world) reactionsOn(token, id string) []reaction {
	w.t.Helper()
	status, body := w.call(token, "GET", "/api/messages?room="+w.room.Hex()+"&limit=100", nil)
	require.Equal(w.t, 200, status, body)
	var msgs []struct {
		ID struct {
			OID string `json:"$oid"`
		} `json:"_id"`
		Reactions []reaction `json:"reactions"`
	}
	require.NoError(w.t, json.Unmarshal([]byte(body), &msgs))
	for _, m := range msgs {
		if m.ID.OID == id {
			return m.Reactions
		}
	}
	w.t.Fatalf("message %s not in the room", id)
	return nil
}

// reactionsPath is the API's URL of one emoji on the message id.
func reactionsPath(id, emoji string) string {
	return "/api/messages/" + id + "/reactions/" + url.PathEscape(emoji)
}

// chipJS is the JS for the reaction chip of emoji under the message msg
// (JS), or undefined.
func chipJS(msg, emoji string) string {
	return `[...((` + msg + `)?.querySelectorAll('.reaction:not(.add)') ?? [])].find(c => c.querySelector('.reaction-emoji').textContent === ` + jsString(emoji) + `)`
}

// hasChip is the JS predicate "the message msg (JS) has the chip of
// emoji with this count, pressed or not".
func hasChip(msg, emoji string, count int, pressed bool) string {
	return fmt.Sprintf(`(c => c !== undefined && c.querySelector('.reaction-count').textContent === '%d' && c.getAttribute('aria-pressed') === '%t')(%s)`,
		count, pressed, chipJS(msg, emoji))
}

// chipLabel is the accessible name of the chip of emoji under msg (JS);
// its tooltip must say the same.
func chipLabel(t *testing.T, ctx context.Context, msg, emoji string) string {
	t.Helper()
	got := eval[[]string](t, ctx, `(c => [c.getAttribute('aria-label'), c.title])(`+chipJS(msg, emoji)+`)`)
	require.Len(t, got, 2)
	assert.Equal(t, got[0], got[1], "the tooltip says what the name says")
	return got[0]
}

const (
	pickerOpen = `document.querySelector('.react-picker')?.open === true`
	// reactionRequests counts the page's requests that added or took
	// back a reaction (the browser's own record of its requests).
	reactionRequests = `performance.getEntriesByType('resource').filter(e => e.name.includes('/reactions/')).length`
	// pickerOnScreen is the JS predicate "the picker is wholly in the window".
	pickerOnScreen = `(r => r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight)(document.querySelector('.react-picker').getBoundingClientRect())`
)

// pickerEmoji is the JS for the picker's button of emoji among the
// common ones.
func pickerEmoji(emoji string) string {
	return `[...document.querySelectorAll('#react-common .react-emoji')].find(b => b.textContent === ` + jsString(emoji) + `)`
}

func TestReactions_OneAddedFromThePickerShowsLiveAndAChipTogglesOnesOwn(t *testing.T) {
	w := newWorld(t, nil)
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			text := "Ship it? (" + sz.name + ")"
			w.post(w.bobToken, text)
			alice, bob := browser(t, sz.w, sz.h), browser(t, sz.w, sz.h)
			w.login(t, alice, "alice", "alice-password")
			w.login(t, bob, "bob", "bob-password")
			inGeneral(t, alice)
			inGeneral(t, bob)
			msg := msgWithText(text)
			id := eval[string](t, alice, msg+`.dataset.id`)
			assert.Equal(t, `Add reaction`, eval[string](t, bob, msg+`.querySelector('.actions [data-key=react]').getAttribute('aria-label')`),
				"one's own message has the action too")

			// Alice opens the picker from the message's action: the first
			// common emoji has the focus (she has no recent ones yet).
			step(t, alice, chromedp.Evaluate[chromedp.Void](msg+`.focus()`))
			click(t, alice, chromedp.CSS(`#messages > .msg[data-id="`+id+`"] .actions [data-key=react]`))
			until(t, alice, pickerOpen+` && document.activeElement === `+pickerEmoji("👍"), "the picker, 👍 focused")
			assert.True(t, eval[bool](t, alice, `document.getElementById('react-recent').hidden && document.getElementById('react-recent-label').hidden`), "no recent emoji yet")
			assert.Len(t, eval[[]string](t, alice, `[...document.querySelectorAll('#react-common .react-emoji')].map(b => b.textContent)`), 32)
			assert.True(t, eval[bool](t, alice, pickerOnScreen))
			assert.True(t, eval[bool](t, alice, fitsTheScreen))
			screenshot(t, alice, "reaction-picker-"+sz.name)
			axeScan(t, alice, "the reaction picker, "+sz.name)

			if sz.w >= 720 {
				// By keyboard: the arrows move in a grid of eight a row;
				// Enter picks.
				focused := `document.activeElement.textContent`
				step(t, alice, chromedp.KeyEvent(kb.ArrowRight))
				assert.Equal(t, "👎", eval[string](t, alice, focused))
				step(t, alice, chromedp.KeyEvent(kb.ArrowDown))
				assert.Equal(t, "👏", eval[string](t, alice, focused), "the emoji below")
				step(t, alice, chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.ArrowLeft))
				assert.Equal(t, "👍", eval[string](t, alice, focused))
				assert.Equal(t, 1, eval[int](t, alice, `[...document.querySelectorAll('.react-emoji')].filter(b => b.tabIndex === 0).length`), "the emoji are one Tab stop")
				step(t, alice, chromedp.KeyEvent(kb.Enter))
			} else {
				tap(t, alice, pickerEmoji("👍"))
			}
			// At once at hers, pressed; the focus is back on the action.
			until(t, alice, `!`+pickerOpen+` && `+hasChip(msg, "👍", 1, true), "alice's 👍 at hers")
			// (The picker's close event, which gives the focus back, comes
			// a moment after it closed.)
			until(t, alice, `document.activeElement.dataset.key === 'react'`, "the focus back where the picker was opened")
			assert.Equal(t, "You reacted with 👍", chipLabel(t, alice, msg, "👍"))

			// Live at bob's, with alice's name.
			until(t, bob, hasChip(msg, "👍", 1, false), "alice's 👍 at bob's")
			assert.Equal(t, "alice reacted with 👍", chipLabel(t, bob, msg, "👍"))
			assert.Equal(t, "Add reaction", eval[string](t, bob, msg+`.querySelector('.reactions .reaction.add').getAttribute('aria-label')`), "the row ends with the add chip")
			assert.True(t, eval[bool](t, bob, fitsTheScreen))
			screenshot(t, bob, "reactions-"+sz.name)
			axeScan(t, bob, "a message with reactions, "+sz.name)

			// Bob clicks the chip: his joins alice's. A double click sends
			// once (both clicks land before the answer).
			before := eval[int](t, bob, reactionRequests)
			step(t, bob, chromedp.Evaluate[chromedp.Void](`(c => { c.click(); c.click(); })(`+chipJS(msg, "👍")+`)`))
			until(t, bob, hasChip(msg, "👍", 2, true), "bob's 👍 added at bob's")
			// The answer may come after the stream's event, which drew it.
			until(t, bob, fmt.Sprintf(`%s >= %d`, reactionRequests, before+1), "the answer")
			assert.Equal(t, before+1, eval[int](t, bob, reactionRequests), "one request for a double click")
			assert.Equal(t, "You and alice reacted with 👍", chipLabel(t, bob, msg, "👍"))
			until(t, alice, hasChip(msg, "👍", 2, true), "bob's 👍 at alice's")
			assert.Equal(t, "You and bob reacted with 👍", chipLabel(t, alice, msg, "👍"))
			got := w.reactionsOn(w.adminToken, id)
			require.Len(t, got, 1)
			assert.Equal(t, "👍", got[0].Emoji)
			assert.Equal(t, 2, got[0].Count)

			// Again: his is taken back. By keyboard the focus stays on the
			// chip, as drawn again; a finger's tap does not focus it.
			if sz.w >= 720 {
				step(t, bob, chromedp.Evaluate[chromedp.Void](chipJS(msg, "👍")+`.focus()`), chromedp.KeyEvent(kb.Enter))
				until(t, bob, hasChip(msg, "👍", 1, false), "bob's 👍 taken back at bob's")
				assert.Equal(t, "r:👍", eval[string](t, bob, `document.activeElement.dataset.key`), "the focus on the chip, as drawn again")
			} else {
				tap(t, bob, chipJS(msg, "👍"))
				until(t, bob, hasChip(msg, "👍", 1, false), "bob's 👍 taken back at bob's")
			}
			assert.Equal(t, "alice reacted with 👍", chipLabel(t, bob, msg, "👍"))
			until(t, alice, hasChip(msg, "👍", 1, true), "bob's 👍 gone at alice's")
			assert.Equal(t, "You reacted with 👍", chipLabel(t, alice, msg, "👍"))
			got = w.reactionsOn(w.bobToken, id)
			require.Len(t, got, 1)
			assert.Equal(t, 1, got[0].Count)
			require.Len(t, got[0].Users, 1)
			assert.Equal(t, "alice", got[0].Users[0].Username)
		})
	}
}

func TestReactions_ALongPressOnAPhoneOffersAddReactionAndTellsWhoReacted(t *testing.T) {
	w := newWorld(t, nil)
	w.post(w.adminToken, "Lunch at noon?")
	ctx := browser(t, 375, 740)
	w.login(t, ctx, "bob", "bob-password")
	inGeneral(t, ctx)
	msg := msgWithText("Lunch at noon?")
	id := eval[string](t, ctx, msg+`.dataset.id`)

	// The message menu of a long press has "Add reaction"; the picker is
	// a sheet at the bottom of the screen.
	longPress(t, ctx, msg+`.querySelector('.body')`)
	assert.Equal(t, []string{"Copy text", "Add reaction", "Reply in thread"}, eval[[]string](t, ctx, menuItems))
	tap(t, ctx, `[...document.querySelectorAll('#msg-menu [role=menuitem]')].find(b => b.textContent === 'Add reaction')`)
	until(t, ctx, pickerOpen+` && document.getElementById('msg-menu').hidden`, "the picker, from the menu")
	assert.True(t, eval[bool](t, ctx, pickerOnScreen))
	assert.True(t, eval[bool](t, ctx, `(r => innerHeight - r.bottom <= 16 && r.width >= innerWidth - 32)(document.querySelector('.react-picker').getBoundingClientRect())`),
		"a sheet at the bottom")
	screenshot(t, ctx, "reaction-picker-from-menu")
	tap(t, ctx, pickerEmoji("🎉"))
	until(t, ctx, `!`+pickerOpen+` && `+hasChip(msg, "🎉", 1, true), "bob's 🎉")
	assert.Equal(t, "You reacted with 🎉", chipLabel(t, ctx, msg, "🎉"))

	// Alice's, through the API, arrives live.
	status, body := w.call(w.adminToken, "PUT", reactionsPath(id, "🎉"), nil)
	require.Equal(t, 200, status, body)
	until(t, ctx, hasChip(msg, "🎉", 2, true), "alice's 🎉 too")

	// A long press on the chip says who reacted in the toast (a phone has
	// no tooltip), and neither toggles it nor opens the menu.
	before := eval[int](t, ctx, reactionRequests)
	x, y := centre(t, ctx, chipJS(msg, "🎉"))
	touch(t, ctx, input.DispatchTouchEventTypeTouchStart, x, y)
	until(t, ctx, `document.querySelector('.toast').textContent === 'You and alice reacted with 🎉'`, "the names, after a long press")
	touch(t, ctx, input.DispatchTouchEventTypeTouchEnd, 0, 0)
	assert.True(t, eval[bool](t, ctx, hasChip(msg, "🎉", 2, true)), "still bob's")
	assert.True(t, eval[bool](t, ctx, `document.getElementById('msg-menu').hidden`), "no menu over the names")
	assert.Equal(t, before, eval[int](t, ctx, reactionRequests), "nothing sent")

	// A tap takes his back.
	tap(t, ctx, chipJS(msg, "🎉"))
	until(t, ctx, hasChip(msg, "🎉", 1, false), "bob's 🎉 taken back")
	got := w.reactionsOn(w.bobToken, id)
	require.Len(t, got, 1)
	assert.Equal(t, 1, got[0].Count)
	assert.Equal(t, "alice", got[0].Users[0].Username)
}

func TestReactions_TextIsRefusedWithTheServersReasonAndRecentEmojiAreRemembered(t *testing.T) {
	w := newWorld(t, nil)
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			text := "React in words (" + sz.name + ")"
			w.post(w.bobToken, text)
			ctx := browser(t, sz.w, sz.h)
			w.login(t, ctx, "alice", "alice-password")
			inGeneral(t, ctx)
			msg := msgWithText(text)
			id := eval[string](t, ctx, msg+`.dataset.id`)

			// What the server says of "hello", asked directly.
			status, body := w.call(w.bobToken, "PUT", reactionsPath(id, "hello"), nil)
			require.Equal(t, 400, status, body)
			var refusal struct{ Title, Description string }
			require.NoError(t, json.Unmarshal([]byte(body), &refusal))
			require.NotEmpty(t, refusal.Description)

			// The menu's "Add reaction", by keyboard; "hello" typed into
			// the picker's box: the server's reason, nothing added, the
			// text kept.
			openMsgMenu(t, ctx, msg)
			step(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
			require.Equal(t, "Add reaction", eval[string](t, ctx, `document.activeElement.textContent`))
			step(t, ctx, chromedp.KeyEvent(kb.Enter))
			until(t, ctx, pickerOpen, "the picker, from the menu by keyboard")
			step(t, ctx, typeInto("#react-input", "hello\r"))
			until(t, ctx, `!document.getElementById('react-error').hidden`, "the refusal")
			assert.Equal(t, refusal.Description, eval[string](t, ctx, `document.getElementById('react-error').textContent`))
			assert.True(t, eval[bool](t, ctx, pickerOpen))
			assert.Equal(t, "hello", eval[string](t, ctx, `document.getElementById('react-input').value`))
			assert.Equal(t, "true", eval[string](t, ctx, `document.getElementById('react-input').getAttribute('aria-invalid')`))
			assert.True(t, eval[bool](t, ctx, msg+`.querySelector('.reactions, .reactions-spot') === null`))
			assert.Empty(t, w.reactionsOn(w.adminToken, id))
			screenshot(t, ctx, "reaction-refused-"+sz.name)
			axeScan(t, ctx, "the picker with the server's reason, "+sz.name)

			// Any emoji typed there (as the system's emoji picker types
			// it), one not among the common ones, is added.
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('react-input').value = ''`), typeInto("#react-input", "🦄\r"))
			until(t, ctx, `!`+pickerOpen+` && `+hasChip(msg, "🦄", 1, true), "the typed 🦄")
			// The focus comes back once the picker has closed (a frame
			// later under load).
			until(t, ctx, `document.activeElement === `+msg, "the focus back on the message the menu was for")

			// After a reload, the picker has it among the recent ones, and
			// the last one picked comes first.
			step(t, ctx, chromedp.Reload())
			inGeneral(t, ctx)
			until(t, ctx, hasChip(msg, "🦄", 1, true), "the 🦄 after the reload")
			addChip := `#messages > .msg[data-id="` + id + `"] .reaction.add`
			click(t, ctx, chromedp.CSS(addChip))
			until(t, ctx, pickerOpen, "the picker, from the add chip")
			recent := `[...document.querySelectorAll('#react-recent .react-emoji')].map(b => b.textContent)`
			assert.Equal(t, []string{"🦄"}, eval[[]string](t, ctx, recent))
			assert.False(t, eval[bool](t, ctx, `document.getElementById('react-recent-label').hidden`))
			assert.Equal(t, "🦄", eval[string](t, ctx, `document.activeElement.textContent`), "the recent ones come first")
			click(t, ctx, `//div[@id="react-common"]/button[.="👀"]`)
			until(t, ctx, `!`+pickerOpen+` && `+hasChip(msg, "👀", 1, true), "👀 from the common ones")
			click(t, ctx, chromedp.CSS(addChip))
			until(t, ctx, pickerOpen, "the picker again")
			assert.Equal(t, []string{"👀", "🦄"}, eval[[]string](t, ctx, recent))

			// Esc closes it and gives the focus back to the add chip.
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `!`+pickerOpen+` && document.activeElement === document.querySelector(`+jsString(addChip)+`)`, "the picker closed, the focus back")
			assert.Len(t, w.reactionsOn(w.adminToken, id), 2)
		})
	}
}
