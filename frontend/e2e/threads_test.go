package e2e

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postID posts a message through the API with token and returns its id.
func (w *world) postID(token string, body map[string]any) string {
	w.t.Helper()
	status, resp := w.call(token, "POST", "/api/messages", body)
	require.Equal(w.t, 201, status, resp)
	var m struct {
		ID struct {
			OID string `json:"$oid"`
		} `json:"_id"`
	}
	require.NoError(w.t, json.Unmarshal([]byte(resp), &m))
	return m.ID.OID
}

// threadView is the user of token's view of the thread root, as the API
// gives it.
func (w *world) threadView(token, root string) (unread int, following bool) {
	w.t.Helper()
	status, body := w.call(token, "GET", "/api/threads/"+root, nil)
	require.Equal(w.t, 200, status, body)
	var v struct {
		Following bool `json:"following"`
		Unread    int  `json:"unread"`
	}
	require.NoError(w.t, json.Unmarshal([]byte(body), &v))
	return v.Unread, v.Following
}

const (
	panelOpen    = `document.getElementById('thread-panel')?.open === true`
	panelClosed  = `document.getElementById('thread-panel')?.open !== true`
	focusInPanel = `document.getElementById('thread-panel').contains(document.activeElement)`
	panelMode    = `document.getElementById('thread-panel').dataset.mode`
	panelTitle   = `document.getElementById('thread-title').textContent`
	// replyTexts is the JS for the texts of the replies the panel shows.
	replyTexts = `[...document.querySelectorAll('#thread-replies > .msg .body')].map(b => b.textContent)`
	// threadsBadge is the JS for the Threads entry's badge ('' if none).
	threadsBadge = `(b => b.hidden ? '' : b.firstChild.textContent)(document.getElementById('threads-badge'))`
	// threadItems is the JS for the list of threads, each item's text.
	threadItems = `[...document.querySelectorAll('#thread-list .thread-item')].map(b => b.textContent)`
)

// hasReply is the JS predicate "the panel shows a stored reply with
// exactly this text".
func hasReply(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#thread-replies > .msg:not(.pending):not(.failed) .body')].some(b => b.textContent === %s)`, jsString(text))
}

// summaryJS is the JS for the text of the reply count under the
// message msg (JS), or undefined.
func summaryJS(msg string) string {
	return `(` + msg + `)?.querySelector('.thread-sum .link-button')?.textContent`
}

func TestThreads_RepliesShowLiveInTheSummaryAndTheOpenPanelButNotInTheTimeline(t *testing.T) {
	w := newWorld(t, nil)
	const rootText = "Who reviews the release notes?"
	rootID := w.postID(w.bobToken, map[string]any{"room": w.room.Hex(), "text": rootText})
	alice, bob, _ := w.aliceAndBob(t, 1280, 800)
	root := msgWithText(rootText)

	// Bob opens the thread from the root's hover action: the panel is
	// beside the conversation, the focus in its reply box.
	step(t, bob, chromedp.Evaluate[chromedp.Void](root+`.focus()`))
	click(t, bob, chromedp.CSS(`#messages > .msg[data-id="`+rootID+`"] .actions [data-key=thread]`))
	until(t, bob, panelOpen+` && document.activeElement.id === 'thread-input' && document.getElementById('thread-count').textContent === 'No replies yet'`, "the empty thread, its box focused")
	assert.Equal(t, "Thread", eval[string](t, bob, panelTitle))
	assert.Equal(t, "in #general", eval[string](t, bob, `document.getElementById('thread-where').textContent`))
	assert.Equal(t, rootText, eval[string](t, bob, `document.querySelector('#thread-root .body').textContent`))
	assert.Equal(t, "Also send to #general", eval[string](t, bob, `document.getElementById('thread-also-label').textContent`))
	assert.Equal(t, "Follow", eval[string](t, bob, `document.getElementById('thread-follow').textContent`), "nobody follows a thread before its first reply")
	assert.True(t, eval[bool](t, bob, `(r => r.width >= 500 && document.getElementById('thread-panel').getBoundingClientRect().left >= r.right - 1)(document.getElementById('room').getBoundingClientRect())`),
		"the panel is beside the conversation, which keeps its room")
	assert.Equal(t, "Thread", eval[string](t, bob, `document.getElementById(document.getElementById('thread-panel').getAttribute('aria-labelledby')).textContent`), "a dialog named by its heading")
	assert.False(t, eval[bool](t, bob, `document.getElementById('thread-panel').matches(':modal')`), "not modal: the conversation stays usable")
	screenshot(t, bob, "thread-empty")
	axeScan(t, bob, "an empty thread beside the conversation")

	// Alice opens it from the message menu, by keyboard, and replies.
	openMsgMenu(t, alice, root)
	step(t, alice, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
	require.Equal(t, "Reply in thread", eval[string](t, alice, `document.activeElement.textContent`))
	step(t, alice, chromedp.KeyEvent(kb.Enter))
	until(t, alice, panelOpen+` && document.activeElement.id === 'thread-input'`, "the thread at alice's")
	step(t, alice, typeInto("#thread-input", "I will, tonight.\r"))
	until(t, alice, hasReply("I will, tonight."), "alice's reply, stored")
	assert.Equal(t, "", eval[string](t, alice, `document.getElementById('thread-input').value`))

	// Bob sees it live, in the open panel and in the root's summary; not
	// in the conversation.
	until(t, bob, hasReply("I will, tonight.")+` && `+summaryJS(root)+` === '1 reply'`, "the reply at bob's, and the count")
	assert.Equal(t, []string{rootText}, eval[[]string](t, bob, messageTexts), "a reply stays out of the conversation")
	assert.Equal(t, []string{w.admin.ID.Hex()}, eval[[]string](t, bob, `[...(`+root+`).querySelectorAll('.thread-users .avatar')].map(a => a.dataset.user)`), "the replier's avatar")
	assert.Equal(t, "last reply just now", eval[string](t, bob, `(`+root+`).querySelector('.thread-sum time').textContent`))
	assert.Equal(t, "1 reply", eval[string](t, bob, `document.getElementById('thread-count').textContent`))
	until(t, bob, `document.getElementById('thread-follow').textContent === 'Unfollow'`, "bob following, as the root's author, once it has a reply")
	screenshot(t, bob, "thread-reply")
	axeScan(t, bob, "a thread with a reply")

	// The conversation stays usable beside it.
	step(t, bob, typeInto("#composer-input", "Thanks!\r"))
	until(t, bob, hasMessage("Thanks!")+` && `+stored, "bob's message in the conversation")
	until(t, alice, hasMessage("Thanks!"), "bob's message at alice's")

	// Also sent to the room: in the conversation too, with a link to its
	// thread; the count goes on.
	click(t, alice, chromedp.ID("thread-also"))
	step(t, alice, typeInto("#thread-input", "Draft is in the wiki.\r"))
	until(t, alice, hasReply("Draft is in the wiki."), "the second reply, stored")
	assert.False(t, eval[bool](t, alice, `document.getElementById('thread-also').checked`), "the box is unchecked again")
	inRoom := msgWithText("Draft is in the wiki.")
	until(t, bob, hasReply("Draft is in the wiki.")+` && `+summaryJS(root)+` === '2 replies' && `+inRoom+` !== undefined`, "the reply, in the room too")
	assert.Equal(t, []string{rootText, "Thanks!", "Draft is in the wiki."}, eval[[]string](t, bob, messageTexts))
	assert.Equal(t, "replied to a thread", eval[string](t, bob, inRoom+`.querySelector('.thread-ref').textContent`))
	assert.Equal(t, "Also sent to #general", eval[string](t, bob, `[...document.querySelectorAll('#thread-replies .thread-sent')].map(p => p.textContent).join()`))
	screenshot(t, bob, "thread-in-room")

	// Esc closes the panel; the focus goes back to the action that opened
	// it, on the root as drawn again since.
	step(t, bob, chromedp.Evaluate[chromedp.Void](`document.getElementById('thread-input').focus()`), chromedp.KeyEvent(kb.Escape))
	until(t, bob, panelClosed+` && document.activeElement.dataset.key === 'thread' && `+root+`.contains(document.activeElement)`, "the panel closed, the focus back")
	// The reply's link opens its thread; Close gives the focus back to it.
	click(t, bob, chromedp.CSS(`#messages .thread-ref .link-button`))
	until(t, bob, panelOpen+` && `+hasReply("I will, tonight.")+` && `+focusInPanel, "the thread, from the reply's link")
	click(t, bob, chromedp.ID("thread-close"))
	until(t, bob, panelClosed+` && document.activeElement.dataset.key === 'thread-ref'`, "closed, the focus on the link")

	// Edits and deletions of replies show in the open panel; a deleted
	// reply leaves the summary.
	click(t, bob, chromedp.CSS(`#messages > .msg[data-id="`+rootID+`"] .thread-sum .link-button`))
	until(t, bob, panelOpen+` && `+hasReply("Draft is in the wiki."), "the thread, from the summary")
	firstID := eval[string](t, bob, `document.querySelector('#thread-replies > .msg').dataset.id`)
	status, body := w.call(w.adminToken, "PATCH", "/api/messages/"+firstID, map[string]string{"text": "I will, tomorrow."})
	require.Equal(t, 200, status, body)
	until(t, bob, hasReply("I will, tomorrow.")+` && document.querySelector('#thread-replies .edited') !== null`, "the edit, live")
	lastID := eval[string](t, bob, `document.querySelector('#thread-replies > .msg:last-child').dataset.id`)
	status, body = w.call(w.adminToken, "DELETE", "/api/messages/"+lastID, nil)
	require.Equal(t, 200, status, body)
	until(t, bob, `!`+hasReply("Draft is in the wiki.")+` && !`+hasMessage("Draft is in the wiki.")+` && `+summaryJS(root)+` === '1 reply'`, "the deletion, live")

	// After a reload, the conversation has no replies, and the count is
	// right.
	step(t, bob, chromedp.Reload())
	inGeneral(t, bob)
	until(t, bob, summaryJS(root)+` === '1 reply'`, "the count after a reload")
	assert.Equal(t, []string{rootText, "Thanks!"}, eval[[]string](t, bob, messageTexts))
	assert.True(t, eval[bool](t, bob, panelClosed))

	// Replies posted while bob's stream is down come with its replay
	// (after the last message it saw): in the count, not in the
	// conversation.
	w.post(w.adminToken, "Back from lunch")
	until(t, bob, hasMessage("Back from lunch"), "a message live, which the stream resumes after")
	home := w.cfg.Listen
	w.stop()
	until(t, bob, `document.body.dataset.conn === 'down'`, "the stream down")
	w.restartOn(freeAddr(t))
	w.postID(w.adminToken, map[string]any{"thread": rootID, "text": "Missed one"})
	w.postID(w.adminToken, map[string]any{"thread": rootID, "text": "Missed two"})
	w.restartOn(home)
	until(t, bob, `document.body.dataset.conn === 'live' && `+summaryJS(root)+` === '3 replies'`, "the replayed replies, counted")
	assert.Equal(t, []string{rootText, "Thanks!", "Back from lunch"}, eval[[]string](t, bob, messageTexts), "and not in the conversation")

	// The thread again, with one more reply, also sent to the room.
	w.postID(w.adminToken, map[string]any{"thread": rootID, "text": "Last word", "in_room": true})
	until(t, bob, hasMessage("Last word"), "a reply in the conversation")
	click(t, bob, chromedp.CSS(`#messages > .msg[data-id="`+rootID+`"] .thread-sum .link-button`))
	until(t, bob, panelOpen+` && `+hasReply("Last word"), "the thread again")
	assert.Equal(t, []string{"I will, tomorrow.", "Missed one", "Missed two", "Last word"}, eval[[]string](t, bob, replyTexts))

	// A refused reply shows the server's reason on its line, with Retry
	// and Discard: bob, made a guest, may read the thread but not reply.
	status, body = w.call(w.adminToken, "GET", "/api/members?room="+w.room.Hex(), nil)
	require.Equal(t, 200, status, body)
	var members []struct {
		ID struct {
			OID string `json:"$oid"`
		} `json:"_id"`
		Profile struct {
			OID string `json:"$oid"`
		} `json:"profile"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &members))
	memberID := ""
	for _, m := range members {
		if m.Profile.OID == w.bob.ID.Hex() {
			memberID = m.ID.OID
		}
	}
	require.NotEmpty(t, memberID)
	status, body = w.call(w.adminToken, "PATCH", "/api/members/"+memberID, map[string]string{"role": "guest"})
	require.Equal(t, 200, status, body)
	status, body = w.call(w.bobToken, "POST", "/api/messages", map[string]string{"thread": rootID, "text": "probe"})
	require.Equal(t, 403, status, body)
	var refusal struct{ Description string }
	require.NoError(t, json.Unmarshal([]byte(body), &refusal))
	require.NotEmpty(t, refusal.Description)
	step(t, bob, typeInto("#thread-input", "Count me in\r"))
	failed := `document.querySelector('#thread-replies > .msg.failed')`
	until(t, bob, failed+`?.querySelector('.error')?.textContent.startsWith(`+jsString(refusal.Description)+`)`, "the server's reason on the reply")
	assert.Equal(t, "Count me in", eval[string](t, bob, failed+`.querySelector('.body').textContent`))
	axeScan(t, bob, "a refused reply")
	click(t, bob, `//ol[@id="thread-replies"]//button[.="Discard"]`)
	until(t, bob, failed+` === null && `+focusInPanel, "the refused reply discarded")
	status, body = w.call(w.adminToken, "PATCH", "/api/members/"+memberID, map[string]string{"role": "member"})
	require.Equal(t, 200, status, body)

	// Deleting the root closes the open panel with a word, and takes its
	// replies out of the conversation.
	status, body = w.call(w.adminToken, "DELETE", "/api/messages/"+rootID, nil)
	require.Equal(t, 200, status, body)
	until(t, bob, panelClosed+` && document.querySelector('.toast').textContent === 'The thread was deleted with its first message.'`, "the panel closed, saying why")
	until(t, bob, `!`+hasMessage(rootText)+` && !`+hasMessage("Last word"), "the root gone, and its reply")
	assert.Equal(t, []string{"Thanks!", "Back from lunch"}, eval[[]string](t, bob, messageTexts))
}

func TestThreads_TheThreadsViewListsUnreadThreadsOnEveryScreenAndOpeningOneReadsThem(t *testing.T) {
	w := newWorld(t, nil)
	const rootText = "Lunch on Friday?"
	rootID := w.postID(w.bobToken, map[string]any{"room": w.room.Hex(), "text": rootText})
	desk, phone := browser(t, 1280, 800), browser(t, 375, 740)
	w.login(t, desk, "bob", "bob-password")
	w.login(t, phone, "bob", "bob-password")
	inGeneral(t, desk)
	inGeneral(t, phone)
	assert.Equal(t, "", eval[string](t, desk, threadsBadge))

	// Alice replies: bob, who started the thread, follows it; both his
	// browsers show one thread with unread replies.
	w.postID(w.adminToken, map[string]any{"thread": rootID, "text": "Yes, the new place?"})
	until(t, desk, threadsBadge+` === '1'`, "the badge on the desktop")
	until(t, phone, threadsBadge+` === '1'`, "the badge on the phone")
	assert.Equal(t, "1 thread with unread replies", eval[string](t, desk, `document.getElementById('threads-badge').textContent`))

	// The Threads view lists it: where, when, the root, replies, unread.
	click(t, desk, chromedp.ID("threads-button"))
	until(t, desk, panelOpen+` && `+panelMode+` === 'list' && document.querySelectorAll('#thread-list .thread-item').length === 1`, "the list of threads")
	assert.Equal(t, "Threads", eval[string](t, desk, panelTitle))
	itemParts := `(b => [...b.children].map(s => s.textContent).join('|'))(document.querySelector('#thread-list .thread-item'))`
	until(t, desk, itemParts+` === `+jsString("#generallast reply just now|bob: "+rootText+"|1 reply1 unread"), "the thread, in the list")
	assert.True(t, eval[bool](t, desk, focusInPanel), "the focus in the panel")
	screenshot(t, desk, "threads-list")
	axeScan(t, desk, "the list of threads")

	// Opening it reads it: the badge goes, here and on the phone.
	click(t, desk, chromedp.CSS(`#thread-list .thread-item`))
	until(t, desk, panelMode+` === 'thread' && `+hasReply("Yes, the new place?"), "the thread, from the list")
	assert.Equal(t, "Thread", eval[string](t, desk, panelTitle))
	until(t, desk, threadsBadge+` === ''`, "no badge on the desktop")
	until(t, phone, threadsBadge+` === ''`, "no badge on the phone (thread.updated)")
	unread, following := w.threadView(w.bobToken, rootID)
	assert.Zero(t, unread)
	assert.True(t, following)
	// Back to the list, on the thread just read.
	assert.Equal(t, "All threads", eval[string](t, desk, `document.getElementById('thread-back').textContent`))
	click(t, desk, chromedp.ID("thread-back"))
	until(t, desk, panelMode+` === 'list' && document.activeElement.classList.contains('thread-item')`, "the list again, the thread focused")
	assert.Equal(t, []string{"#generallast reply just now" + "bob: " + rootText + "1 reply"}, eval[[]string](t, desk, threadItems), "no longer unread")

	// On a phone: a new reply counts; the Threads view and the thread
	// cover the screen, and Back comes back from each.
	w.postID(w.adminToken, map[string]any{"thread": rootID, "text": "Noon works."})
	until(t, phone, threadsBadge+` === '1'`, "the badge on the phone again")
	until(t, desk, `document.querySelector('#thread-list .thread-item .badge')?.textContent === '1 unread'`, "the list, live")
	openDrawerIfPhone(t, phone)
	click(t, phone, chromedp.ID("threads-button"))
	until(t, phone, panelOpen+` && `+panelMode+` === 'list' && document.querySelector('#thread-list .thread-item') !== null`, "the list on the phone")
	fullScreen := `(r => r.left === 0 && r.width === innerWidth && r.bottom >= innerHeight - 1)(document.getElementById('thread-panel').getBoundingClientRect())`
	assert.True(t, eval[bool](t, phone, fullScreen), "the panel covers the screen")
	assert.True(t, eval[bool](t, phone, `document.getElementById('thread-panel').matches(':modal')`), "a modal dialog: the rest is inert")
	assert.True(t, eval[bool](t, phone, fitsTheScreen))
	tap(t, phone, `document.querySelector('#thread-list .thread-item')`)
	until(t, phone, panelMode+` === 'thread' && `+hasReply("Noon works.")+` && `+threadsBadge+` === ''`, "the thread on the phone, read")
	until(t, desk, `document.querySelector('#thread-list .thread-item .badge') === null`, "read on the desktop too")
	assert.True(t, eval[bool](t, phone, fullScreen))
	assert.Equal(t, "thread-title", eval[string](t, phone, `document.activeElement.id`), "the focus on the heading: no keyboard over the thread")
	screenshot(t, phone, "thread-phone")
	axeScan(t, phone, "a thread on a phone")
	tap(t, phone, `document.getElementById('thread-back')`)
	until(t, phone, panelMode+` === 'list'`, "Back: the list")
	tap(t, phone, `document.getElementById('thread-back')`)
	until(t, phone, panelClosed+` && document.activeElement.id === 'open-drawer'`, "Back: the conversation")

	// From the conversation: the root's summary opens the thread, Back
	// returns to the summary.
	root := msgWithText(rootText)
	until(t, phone, summaryJS(root)+` === '2 replies'`, "the summary on the phone")
	tap(t, phone, root+`.querySelector('.thread-sum .link-button')`)
	until(t, phone, panelOpen+` && `+panelMode+` === 'thread' && `+hasReply("Noon works."), "the thread from its summary")
	assert.Equal(t, "Back", eval[string](t, phone, `document.getElementById('thread-back').textContent`))
	assert.True(t, eval[bool](t, phone, fullScreen))
	tap(t, phone, `document.getElementById('thread-back')`)
	until(t, phone, panelClosed+` && document.activeElement.dataset.key === 'thread-sum'`, "Back: the focus on the summary")

	// A reply written offline waits in the outbox, through a reload, and
	// goes once, when the network is back.
	step(t, desk, chromedp.KeyEvent(kb.Enter))
	until(t, desk, panelMode+` === 'thread' && `+hasReply("Noon works.")+` && document.activeElement.id === 'thread-input'`, "the thread by Enter on the list")
	var offline atomic.Bool
	offline.Store(true)
	posts := tapPosts(t, desk, fetch.RequestStageRequest, func(int) bool { return offline.Load() })
	step(t, desk, typeInto("#thread-input", "See you there\r"))
	pending := `document.querySelector('#thread-replies > .msg.pending .body')?.textContent === 'See you there'`
	until(t, desk, pending+` && document.body.dataset.outbox === 'offline'`, "the reply, waiting")
	step(t, desk, chromedp.Reload())
	inGeneral(t, desk)
	click(t, desk, chromedp.CSS(`#messages > .msg[data-id="`+rootID+`"] .thread-sum .link-button`))
	until(t, desk, panelOpen+` && `+hasReply("Noon works.")+` && `+pending, "the reply still waiting after a reload")
	offline.Store(false)
	step(t, desk, chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event('online'))`))
	until(t, desk, hasReply("See you there")+` && document.querySelector('#thread-replies > .msg.pending') === null`, "the reply sent")
	until(t, phone, summaryJS(root)+` === '3 replies'`, "counted at the phone, once")
	status, body := w.call(w.bobToken, "GET", "/api/messages?thread="+rootID, nil)
	require.Equal(t, 200, status, body)
	var replies []struct {
		Text     string `json:"text"`
		ClientID string `json:"client_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &replies))
	require.Len(t, replies, 3, "stored once")
	assert.Equal(t, "See you there", replies[2].Text)
	for _, p := range posts.posts() {
		assert.Equal(t, rootID, p["thread"], "posted as a reply")
		assert.Equal(t, replies[2].ClientID, p["client_id"], "every attempt with the same client id")
	}

	// Unfollowing takes it off the list.
	click(t, desk, chromedp.ID("thread-follow"))
	until(t, desk, `document.getElementById('thread-follow').textContent === 'Follow'`, "unfollowed")
	_, following = w.threadView(w.bobToken, rootID)
	assert.False(t, following)
	click(t, desk, chromedp.ID("threads-button"))
	until(t, desk, panelMode+` === 'list' && document.getElementById('thread-state').textContent.startsWith('You follow no threads')`, "an empty list")
	step(t, desk, chromedp.KeyEvent(kb.Escape))
	until(t, desk, panelClosed+` && document.activeElement.dataset.key === 'thread-sum'`, "Esc: closed, the focus back on the summary")
}
