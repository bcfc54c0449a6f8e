package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outboxSizes are the screens every outbox test runs on; the second
// browser of a test (the other side) uses the other one.
var outboxSizes = []struct {
	name          string
	width, height int
	otherW        int
	otherH        int
}{
	{"desktop", 1280, 800, 375, 740},
	{"phone", 375, 740, 1280, 800},
}

// pendingTexts is the JS for the texts of the pending lines shown.
const pendingTexts = `[...document.querySelectorAll('#messages .msg.pending .body')].map(b => b.textContent)`

// noneWaiting is the JS predicate "no line is pending or failed".
const noneWaiting = `document.querySelector('#messages .msg.pending, #messages .msg.failed') === null`

// postTap intercepts the page's POST /api/messages through the DevTools
// Fetch domain, at the request stage (before the server sees it) or the
// response stage (after the server answered). fail decides whether the
// n-th post (from 1) fails with a network error there; the posts' bodies
// and the server's statuses are recorded.
type postTap struct {
	mu       sync.Mutex
	bodies   []map[string]string
	statuses []int64
}

func tapPosts(t *testing.T, ctx context.Context, stage fetch.RequestStage, fail func(n int) bool) *postTap {
	t.Helper()
	tap := &postTap{}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/messages", RequestStage: stage}}})
	require.NoError(t, err)
	go func() {
		n := 0
		for ev, err := range paused {
			if err != nil {
				return
			}
			failIt := false
			if ev.Request.Method == "POST" {
				n++
				var body map[string]string
				var raw []byte
				for _, e := range ev.Request.PostDataEntries {
					raw = append(raw, e.Bytes...)
				}
				_ = json.Unmarshal(raw, &body)
				tap.mu.Lock()
				tap.bodies = append(tap.bodies, body)
				if ev.ResponseStatusCode != 0 {
					tap.statuses = append(tap.statuses, ev.ResponseStatusCode)
				}
				tap.mu.Unlock()
				failIt = fail(n)
			}
			// The browser may be gone when the test ends: errors are moot.
			if failIt {
				_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
			} else {
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			}
		}
	}()
	return tap
}

// posts returns the bodies posted so far.
func (p *postTap) posts() []map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.bodies)
}

// storedTexts reads a room's messages from the server, oldest first.
func (w *world) storedTexts(token string, room storage.ID) []string {
	w.t.Helper()
	status, body := w.call(token, "GET", "/api/messages?limit=100&room="+room.Hex(), nil)
	require.Equal(w.t, 200, status, body)
	var msgs []struct {
		ID struct {
			Oid string `json:"$oid"`
		} `json:"_id"`
		Text string `json:"text"`
	}
	require.NoError(w.t, json.Unmarshal([]byte(body), &msgs))
	slices.SortFunc(msgs, func(a, b struct {
		ID struct {
			Oid string `json:"$oid"`
		} `json:"_id"`
		Text string `json:"text"`
	}) int {
		return strings.Compare(a.ID.Oid, b.ID.Oid)
	})
	texts := []string{}
	for _, m := range msgs {
		texts = append(texts, m.Text)
	}
	return texts
}

// notCovered is the JS predicate "the element's centre is the element
// itself (or inside it), not something drawn over it".
func notCovered(id string) string {
	return fmt.Sprintf(`(() => {
	  const e = document.getElementById(%q);
	  const r = e.getBoundingClientRect();
	  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
	  return r.width > 0 && r.height > 0 && hit !== null && (hit === e || e.contains(hit));
	})()`, id)
}

func sendAll(t *testing.T, ctx context.Context, texts ...string) {
	t.Helper()
	for _, text := range texts {
		step(t, ctx, typeInto("#composer-input", text+"\r"))
	}
}

func TestOutbox_SentWhileTheServerIsDownArriveOnceInOrder(t *testing.T) {
	for _, size := range outboxSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, nil)
			alice, bob := browser(t, size.width, size.height), browser(t, size.otherW, size.otherH)
			w.login(t, alice, "alice", "alice-password")
			w.login(t, bob, "bob", "bob-password")
			for _, ctx := range []context.Context{alice, bob} {
				until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.body.dataset.conn === 'live'`, "the room, live")
			}
			// Both have seen a message, so their streams resume after it.
			w.post(w.bobToken, "before")
			for _, ctx := range []context.Context{alice, bob} {
				until(t, ctx, hasMessage("before"), "a first message")
			}
			assert.True(t, eval[bool](t, alice, `document.querySelector('.conn-strip').getBoundingClientRect().height === 0`), "no strip while live")

			home := w.cfg.Listen
			w.stop()
			until(t, alice, `document.body.dataset.conn === 'down'`, "the stream down")
			sendAll(t, alice, "queued 1", "queued 2", "queued 3")

			// Shown at once, waiting, not failed; the strip counts them.
			until(t, alice, pendingTexts+`.length === 3`, "three pending lines")
			assert.Equal(t, []string{"queued 1", "queued 2", "queued 3"}, eval[[]string](t, alice, pendingTexts))
			assert.True(t, eval[bool](t, alice, `document.querySelector('#messages .msg.failed, #messages .msg .error') === null`), "nothing is marked failed")
			until(t, alice, `getComputedStyle(document.querySelector('#messages .msg.pending'), '::after').content === '"Waiting for connection…"'`, "the lines say they wait for the connection")
			until(t, alice, `document.getElementById('outbox-note').textContent === '3 messages waiting to be sent' && !document.getElementById('outbox-note').hidden`, "the count in the strip")
			assert.Contains(t, eval[string](t, alice, `document.querySelector('.conn-strip').innerText`), "Reconnecting…")
			stored := eval[int](t, alice, `JSON.parse(localStorage.getItem('makechat.outbox.`+w.admin.ID.Hex()+`')).length`)
			assert.Equal(t, 3, stored, "the queue is kept in localStorage")

			// The strip pushes the header down: nothing covers the title
			// or the search field.
			assert.True(t, eval[bool](t, alice, `document.querySelector('.conn-strip').getBoundingClientRect().bottom <= document.querySelector('.room-header').getBoundingClientRect().top + 0.5`), "the header starts below the strip")
			assert.True(t, eval[bool](t, alice, notCovered("room-title")), "the room title is not covered")
			assert.True(t, eval[bool](t, alice, notCovered("search-input")), "the search field is not covered")
			assert.True(t, eval[bool](t, alice, notCovered("composer-input")), "the composer is on the screen")
			screenshot(t, alice, "outbox-waiting-"+size.name)
			axeScan(t, alice, "the chat, reconnecting, with messages waiting ("+size.name+")")

			w.restartOn(home)
			until(t, alice, `document.body.dataset.conn === 'live' && `+noneWaiting, "the queue sent once the server is back")
			want := []string{"before", "queued 1", "queued 2", "queued 3"}
			until(t, bob, hasMessage("queued 3"), "the messages at bob's")
			// Something posted afterwards arrives after them: were any of
			// them doubled, the copy would have come before it.
			w.post(w.bobToken, "after them")
			for _, ctx := range []context.Context{alice, bob} {
				until(t, ctx, hasMessage("after them"), "a later message")
				assert.Equal(t, append(want, "after them"), eval[[]string](t, ctx, messageTexts), "once each, in order")
			}
			assert.Equal(t, append(want, "after them"), w.storedTexts(w.bobToken, w.room), "stored once each, in order")
			until(t, alice, `document.getElementById('outbox-note').hidden && document.getElementById('conn').hidden && localStorage.getItem('makechat.outbox.`+w.admin.ID.Hex()+`') === null`, "the strip gone and the queue empty")
		})
	}
}

func TestOutbox_AReloadWhileOfflineKeepsTheQueueAndSendsItWhenBack(t *testing.T) {
	for _, size := range outboxSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, nil)
			ctx := browser(t, size.width, size.height)
			w.login(t, ctx, "bob", "bob-password")
			until(t, ctx, `document.body.dataset.conn === 'live'`, "the stream")
			// The page could not be reloaded from a stopped server: here
			// the network drops every post instead, before the server
			// sees it, as it would offline.
			var offline atomic.Bool
			offline.Store(true)
			tap := tapPosts(t, ctx, fetch.RequestStageRequest, func(int) bool { return offline.Load() })

			sendAll(t, ctx, "kept 1", "kept 2")
			until(t, ctx, pendingTexts+`.length === 2 && document.body.dataset.outbox === 'offline'`, "two lines waiting")
			until(t, ctx, `document.getElementById('outbox-note').textContent === '2 messages waiting to be sent'`, "the count in the strip")

			step(t, ctx, chromedp.Reload())
			until(t, ctx, `document.body.dataset.ready && document.getElementById('room-title').textContent === 'general'`, "the chat again")
			until(t, ctx, pendingTexts+`.length === 2`, "the queue shown again after the reload")
			assert.Equal(t, []string{"kept 1", "kept 2"}, eval[[]string](t, ctx, messageTexts), "in order, and only the pending lines")
			assert.Empty(t, w.storedTexts(w.bobToken, w.room), "nothing got through")

			offline.Store(false)
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event('online'))`))
			until(t, ctx, noneWaiting+` && `+hasMessage("kept 2"), "the queue sent once back online")
			assert.Equal(t, []string{"kept 1", "kept 2"}, eval[[]string](t, ctx, messageTexts))
			assert.Equal(t, []string{"kept 1", "kept 2"}, w.storedTexts(w.bobToken, w.room), "stored once each, in order")

			// Every attempt at a message, before and after the reload,
			// carried the same client id; the two messages had two.
			ids := map[string]map[string]bool{}
			for _, b := range tap.posts() {
				if ids[b["text"]] == nil {
					ids[b["text"]] = map[string]bool{}
				}
				ids[b["text"]][b["client_id"]] = true
			}
			require.Len(t, ids, 2)
			assert.Len(t, ids["kept 1"], 1, "one client id for every attempt")
			assert.Len(t, ids["kept 2"], 1, "one client id for every attempt")
			assert.NotEqual(t, ids["kept 1"], ids["kept 2"])
			assert.Greater(t, len(tap.posts()), 2, "posts were tried again")
		})
	}
}

// holdStream makes the pages' streams hold their events while
// holdStream() is on, until releaseStream() hands them on, in order.
const holdStream = `(() => {
  let held = null;
  window.holdStream = () => { held = held || []; };
  window.releaseStream = () => { const h = held || []; held = null; for (const f of h) f(); };
  const d = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage');
  Object.defineProperty(WebSocket.prototype, 'onmessage', {configurable: true, get: d.get, set(handle) {
    d.set.call(this, (e) => { if (held) held.push(() => handle(e)); else handle(e); });
  }});
})()`

func TestOutbox_APostWhoseAnswerIsLostIsStoredOnce(t *testing.T) {
	for _, size := range outboxSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, nil)
			alice, bob := browser(t, size.width, size.height), browser(t, size.otherW, size.otherH)
			_, err := chromedp.Call(alice, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: holdStream})
			require.NoError(t, err)
			w.login(t, alice, "alice", "alice-password")
			w.login(t, bob, "bob", "bob-password")
			for _, ctx := range []context.Context{alice, bob} {
				until(t, ctx, `document.body.dataset.conn === 'live'`, "the stream")
			}
			// The server stores the first post, and its answer is lost on
			// the way back. The stream's event is held, so that only the
			// post sent again can tell the page what became of it.
			tap := tapPosts(t, alice, fetch.RequestStageResponse, func(n int) bool { return n == 1 })
			step(t, alice, chromedp.Evaluate[chromedp.Void](`holdStream()`))
			sendAll(t, alice, "only once")
			until(t, alice, noneWaiting+` && `+hasMessage("only once"), "the message confirmed by the post sent again")
			posts := tap.posts()
			require.Len(t, posts, 2, "posted twice")
			assert.Equal(t, posts[0]["client_id"], posts[1]["client_id"], "with the same client id")
			assert.NotEmpty(t, posts[0]["client_id"])
			step(t, alice, chromedp.Evaluate[chromedp.Void](`releaseStream()`))

			w.post(w.bobToken, "after it")
			for _, ctx := range []context.Context{alice, bob} {
				until(t, ctx, hasMessage("after it"), "a later message")
				assert.Equal(t, []string{"only once", "after it"}, eval[[]string](t, ctx, messageTexts), "one line")
			}
			assert.Equal(t, []string{"only once", "after it"}, w.storedTexts(w.bobToken, w.room), "stored once")
		})
	}
}

func TestOutbox_ARefusedMessageStaysWithTheReasonRetryAndDiscard(t *testing.T) {
	for _, size := range outboxSizes {
		t.Run(size.name, func(t *testing.T) {
			var ops storage.ID
			var bobInOps storage.ID
			w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
				room, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "ops"})
				require.NoError(t, err)
				ops = room.ID
				m, err := svc.AddMember(ctx, chat.Actor{User: w.admin}, ops, w.bob.ID, "member")
				require.NoError(t, err)
				bobInOps = m.ID
			})
			ctx := browser(t, size.width, size.height)
			step(t, ctx, chromedp.Navigate(w.url+"/login"), chromedp.Evaluate[chromedp.Void](`localStorage.setItem('makechat.last', 'room:`+ops.Hex()+`')`))
			w.login(t, ctx, "bob", "bob-password")
			until(t, ctx, `document.getElementById('room-title').textContent === 'ops' && document.body.dataset.conn === 'live'`, "ops, live")

			// While the server is down, bob writes, and is taken out of the
			// room: the server refuses the messages when it is back.
			home := w.cfg.Listen
			w.stop()
			until(t, ctx, `document.body.dataset.conn === 'down'`, "the stream down")
			sendAll(t, ctx, "kept", "dropped")
			until(t, ctx, pendingTexts+`.length === 2`, "two pending lines")
			w.offline(func(c context.Context, svc *chat.Service) {
				_, err := svc.RemoveMember(c, chat.Actor{User: w.admin}, bobInOps)
				require.NoError(t, err)
			})
			w.restartOn(home)
			until(t, ctx, `document.querySelectorAll('#messages .msg.failed').length === 2`, "both lines failed")

			// The reason is the server's own.
			status, body := w.call(w.bobToken, "POST", "/api/messages", map[string]string{"room": ops.Hex(), "text": "probe"})
			require.True(t, status >= 400 && status < 500 && status != 408 && status != 429, "the server refuses: %d %s", status, body)
			var refusal struct{ Description string }
			require.NoError(t, json.Unmarshal([]byte(body), &refusal))
			require.NotEmpty(t, refusal.Description)
			failed := `[...document.querySelectorAll('#messages .msg.failed')]`
			assert.Equal(t, []string{"kept", "dropped"}, eval[[]string](t, ctx, failed+`.map(li => li.querySelector('.body').textContent)`))
			for _, text := range eval[[]string](t, ctx, failed+`.map(li => li.querySelector('.error').textContent)`) {
				assert.True(t, strings.HasPrefix(text, refusal.Description), "%q gives the server's reason %q", text, refusal.Description)
			}
			assert.Equal(t, 0, eval[int](t, ctx, pendingTexts+`.length`), "nothing waits")
			assert.True(t, eval[bool](t, ctx, `document.getElementById('outbox-note').hidden && !document.body.dataset.outbox`), "no waiting in the strip")
			screenshot(t, ctx, "outbox-refused-"+size.name)

			// Discard drops one, for good.
			line := func(text, button string) chromedp.JSPath {
				return chromedp.JSPath(fmt.Sprintf(`[...document.querySelectorAll('#messages .msg.failed')].find(li => li.querySelector('.body').textContent === %q).querySelector(%q)`, text, button))
			}
			// By keyboard: a prompt may appear meanwhile and move the
			// buttons under a pointer.
			step(t, ctx, chromedp.Focus(line("dropped", "button.discard")), chromedp.KeyEvent("\r"))
			until(t, ctx, `!`+hasMessage("dropped"), "the discarded line gone")
			assert.Equal(t, 1, eval[int](t, ctx, `JSON.parse(localStorage.getItem('makechat.outbox.`+w.bob.ID.Hex()+`')).length`), "one left in the queue")

			// Back in the room, Retry sends the other.
			status, body = w.call(w.adminToken, "POST", "/api/members", map[string]string{"room": ops.Hex(), "user": w.bob.ID.Hex()})
			require.Equal(t, 201, status, body)
			step(t, ctx, chromedp.Focus(line("kept", "button:not(.discard)")), chromedp.KeyEvent("\r"))
			until(t, ctx, noneWaiting+` && `+hasMessage("kept"), "the retried message sent")
			assert.Equal(t, []string{"kept"}, eval[[]string](t, ctx, messageTexts))
			assert.Equal(t, []string{"kept"}, w.storedTexts(w.adminToken, ops), "only the retried message is stored")
			until(t, ctx, `localStorage.getItem('makechat.outbox.`+w.bob.ID.Hex()+`') === null`, "the queue empty")
		})
	}
}

func TestOutbox_TooManyPostsWaitForRetryAfterAndKeepTheirOrder(t *testing.T) {
	for _, size := range outboxSizes {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t, nil, withConfig(func(c *config.Config) { c.PostsPerSecond = 1; c.PostBurst = 1 }))
			ctx := browser(t, size.width, size.height)
			w.login(t, ctx, "bob", "bob-password")
			until(t, ctx, `document.body.dataset.conn === 'live'`, "the stream")
			tap := tapPosts(t, ctx, fetch.RequestStageResponse, func(int) bool { return false })
			want := []string{"one", "two", "three", "four"}
			sendAll(t, ctx, want...)
			until(t, ctx, noneWaiting+` && `+hasMessage("four"), "all sent")
			assert.Equal(t, want, eval[[]string](t, ctx, messageTexts))
			assert.Equal(t, want, w.storedTexts(w.adminToken, w.room), "stored once each, in order")
			tap.mu.Lock()
			defer tap.mu.Unlock()
			assert.Contains(t, tap.statuses, int64(429), "the server asked to wait")
		})
	}
}

// ---------- the keyboard ----------

// keyboardWorld is the conversation seed and enough messages in general
// for a page to scroll.
func keyboardWorld(ctx context.Context, w *world, svc *chat.Service) {
	conversation(ctx, w, svc)
	for i := 1; i <= 60; i++ {
		_, err := svc.Post(ctx, chat.Actor{User: w.admin}, chat.NewMessage{Room: w.room, Text: fmt.Sprintf("line %d", i)})
		require.NoError(w.t, err)
	}
}

const keysActive = `document.activeElement ? document.activeElement.id : ''`
const keysTitle = `document.getElementById('room-title').textContent`

func TestKeyboard_ShortcutsForSearchConversationsScrollingAndHelp(t *testing.T) {
	w := newWorld(t, keyboardWorld)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, keysTitle+` === 'general' && `+hasMessage("line 60"), "general")
	until(t, ctx, keysActive+` === 'composer-input'`, "the composer focused")

	// "/" types a slash in the composer, and opens search elsewhere.
	step(t, ctx, chromedp.KeyEvent("/"))
	assert.Equal(t, "/", eval[string](t, ctx, `document.getElementById('composer-input').value`))
	step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('composer-input').value = ''; document.activeElement.blur()`))
	step(t, ctx, chromedp.KeyEvent("/"))
	until(t, ctx, keysActive+` === 'search-input'`, "the search field focused by /")
	assert.Equal(t, "", eval[string](t, ctx, `document.getElementById('search-input').value`), "the slash is not typed into it")
	step(t, ctx, chromedp.KeyEvent("release\r"))
	until(t, ctx, `!document.getElementById('results').hidden && document.querySelectorAll('#results-list .result').length > 0`, "the results")
	// Esc clears the search, closes the results and goes back to writing.
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	until(t, ctx, `document.getElementById('results').hidden && !document.getElementById('scroller').hidden`, "the results closed")
	assert.Equal(t, "", eval[string](t, ctx, `document.getElementById('search-input').value`))
	assert.Equal(t, "composer-input", eval[string](t, ctx, keysActive))

	// Ctrl+Shift+F works while typing.
	step(t, ctx, chromedp.KeyEvent("draft"), chromedp.KeyEvent("F", chromedp.KeyModifiers(chromedp.ModifierCtrl, chromedp.ModifierShift)))
	until(t, ctx, keysActive+` === 'search-input'`, "the search field focused by Ctrl+Shift+F")
	assert.Equal(t, "draft", eval[string](t, ctx, `document.getElementById('composer-input').value`), "the draft is kept")
	step(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.Evaluate[chromedp.Void](`document.getElementById('composer-input').value = ''`))

	// PageUp and PageDown in the composer scroll the list by a page.
	// Measured from the bottom: a page scrolled near the top may load
	// older messages above, which moves scrollTop but not the view.
	const fromBottom = `(s => s.scrollHeight - s.scrollTop - s.clientHeight)(document.getElementById('scroller'))`
	step(t, ctx, chromedp.Focus(chromedp.ID("composer-input")))
	until(t, ctx, fromBottom+` < 2`, "the list at its end")
	page := eval[float64](t, ctx, `document.getElementById('scroller').clientHeight`)
	step(t, ctx, chromedp.KeyEvent(kb.PageUp))
	up := eval[float64](t, ctx, fromBottom)
	assert.Greater(t, up, page/2, "PageUp scrolled up most of a page")
	assert.Equal(t, "composer-input", eval[string](t, ctx, keysActive), "the composer keeps the focus")
	step(t, ctx, chromedp.KeyEvent(kb.PageDown))
	assert.Less(t, eval[float64](t, ctx, fromBottom), up-page/2, "PageDown scrolled back down")

	// Alt+Down and Alt+Up: the next and previous conversation, rooms
	// then direct messages, in the sidebar's order.
	order := eval[[]string](t, ctx, `[...document.querySelectorAll('#rooms .conv .name, #directs .conv .name')].map(n => n.textContent)`)
	require.Equal(t, []string{"general", "ops", "random", "carol"}, order)
	for _, want := range []string{"ops", "random", "@carol", "@carol"} {
		step(t, ctx, chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierAlt)))
		until(t, ctx, keysTitle+` === '`+want+`'`, "Alt+Down to "+want)
	}
	step(t, ctx, chromedp.KeyEvent(kb.ArrowUp, chromedp.KeyModifiers(chromedp.ModifierAlt)))
	until(t, ctx, keysTitle+` === 'random'`, "Alt+Up back to random")

	// The sidebar's lists are one Tab stop each; arrows move in them.
	stops := `[...document.querySelectorAll('#rooms .conv')].filter(b => b.tabIndex === 0).map(b => b.querySelector('.name').textContent)`
	assert.Equal(t, []string{"random"}, eval[[]string](t, ctx, stops), "the open room is the list's Tab stop")
	step(t, ctx, chromedp.Focus(chromedp.CSS(`#rooms .conv[aria-current=page]`)), chromedp.KeyEvent(kb.ArrowUp))
	assert.Equal(t, "ops", eval[string](t, ctx, `document.activeElement.querySelector('.name').textContent`))
	step(t, ctx, chromedp.KeyEvent(kb.Tab))
	assert.Equal(t, "browse", eval[string](t, ctx, keysActive), "Tab leaves the list")
	step(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	assert.Equal(t, "ops", eval[string](t, ctx, `document.activeElement.querySelector('.name')?.textContent`), "Shift+Tab comes back to where the arrows left")
	step(t, ctx, chromedp.KeyEvent(kb.Home))
	assert.Equal(t, "general", eval[string](t, ctx, `document.activeElement.querySelector('.name').textContent`))
	step(t, ctx, chromedp.KeyEvent("\r"))
	until(t, ctx, keysTitle+` === 'general' && `+keysActive+` === 'composer-input'`, "Enter opens it, ready to write")

	// "?" lists the shortcuts.
	step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("?"))
	until(t, ctx, `document.getElementById('dialog').open && document.getElementById('dialog-title').textContent === 'Keyboard shortcuts'`, "the shortcuts")
	help := eval[string](t, ctx, `document.getElementById('dialog-body').innerText`)
	for _, s := range []string{"Search messages", "Next conversation", "Previous conversation", "Go to a room or person", "Scroll the messages by a page", "This list of shortcuts"} {
		assert.Contains(t, help, s)
	}
	screenshot(t, ctx, "keyboard-shortcuts")
	axeScan(t, ctx, "the keyboard shortcuts")
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	until(t, ctx, `!document.getElementById('dialog').open`, "the dialog closed")
}

func TestKeyboard_HelpAndNextConversationOnAPhone(t *testing.T) {
	w := newWorld(t, conversation)
	ctx := browser(t, 375, 740)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, keysTitle+` === 'general'`, "general")
	step(t, ctx, chromedp.KeyEvent("?"))
	until(t, ctx, `document.getElementById('dialog').open && document.getElementById('dialog-title').textContent === 'Keyboard shortcuts'`, "the shortcuts")
	assert.True(t, eval[bool](t, ctx, `(() => { const r = document.getElementById('dialog').getBoundingClientRect(); return r.left >= 0 && r.right <= innerWidth; })()`), "the dialog fits the screen")
	screenshot(t, ctx, "keyboard-shortcuts-phone")
	axeScan(t, ctx, "the keyboard shortcuts on a phone")
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	until(t, ctx, `!document.getElementById('dialog').open`, "the dialog closed")
	step(t, ctx, chromedp.KeyEvent(kb.ArrowDown, chromedp.KeyModifiers(chromedp.ModifierAlt)))
	until(t, ctx, keysTitle+` === 'ops'`, "Alt+Down to the next room")
	step(t, ctx, chromedp.KeyEvent(kb.ArrowUp, chromedp.KeyModifiers(chromedp.ModifierAlt)))
	until(t, ctx, keysTitle+` === 'general'`, "Alt+Up back")
}
