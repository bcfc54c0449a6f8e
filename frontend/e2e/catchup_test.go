package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eightyUnread is general with 100 messages of alice's, of which bob and
// carol have read the first 20.
func eightyUnread(ctx context.Context, w *world, svc *chat.Service) {
	carol, err := svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "carol", Email: "carol@example.com", Password: "carol-password"})
	require.NoError(w.t, err)
	_, err = svc.AddMember(ctx, chat.Actor{User: w.admin}, w.room, carol.ID, "member")
	require.NoError(w.t, err)
	var read storage.ID
	for i := 1; i <= 100; i++ {
		m, err := svc.Post(ctx, chat.Actor{User: w.admin}, chat.NewMessage{Room: w.room, Text: fmt.Sprintf("message %03d", i)})
		require.NoError(w.t, err)
		if i == 20 {
			read = m.ID
		}
	}
	ms, err := svc.Members(ctx, chat.Actor{User: w.admin}, w.room)
	require.NoError(w.t, err)
	for _, m := range ms {
		for _, u := range []storage.User{w.bob, carol} {
			if m.Profile == u.ID {
				_, err := svc.UpdateMember(ctx, chat.Actor{User: u}, m.ID, chat.MemberChanges{LastRead: &read})
				require.NoError(w.t, err)
			}
		}
	}
}

// inView is the JS predicate "the element el is wholly inside the
// message list's visible part".
const inView = `((el) => { const v = document.getElementById('scroller').getBoundingClientRect(), r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= v.top - 1 && r.bottom <= v.bottom + 1; })`

const listAtBottom = `(s => s.scrollHeight - s.scrollTop - s.clientHeight < 40)(document.getElementById('scroller'))`

// unreadOnServer is the JS promise of general's unread count for the
// logged-in user, as the server has it.
const unreadOnServer = `fetch('/api/rooms').then(r => r.json()).then(rs => rs.find(r => r.name === 'general').unread)`

func TestCatchingUp_ARoomOpensAtItsFirstUnreadMessage(t *testing.T) {
	w := newWorld(t, eightyUnread)
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			who := map[string]string{"desktop": "bob", "phone": "carol"}[size.name]
			w.login(t, ctx, who, who+"-password")
			until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.querySelector('#messages .new-divider') !== null && !document.getElementById('unread-bar').hidden`, "general, at the divider")

			line := `document.querySelector('#messages .new-divider')`
			first := line + `.nextElementSibling`
			assert.Equal(t, "80 new messages", eval[string](t, ctx, `document.getElementById('unread-count').textContent`))
			assert.True(t, eval[bool](t, ctx, inView+`(`+line+`)`), "the divider is in view")
			assert.True(t, eval[bool](t, ctx, inView+`(`+first+`)`), "the first unread message is in view")
			assert.Equal(t, "message 021", eval[string](t, ctx, first+`.querySelector('.body').textContent`))
			assert.Equal(t, "message 020", eval[string](t, ctx, line+`.previousElementSibling.querySelector('.body').textContent`), "the last read message is just above")
			assert.False(t, eval[bool](t, ctx, listAtBottom), "not opened at the bottom")
			assert.LessOrEqual(t, eval[float64](t, ctx, `document.querySelector('.unread-pill').getBoundingClientRect().bottom`),
				eval[float64](t, ctx, line+`.getBoundingClientRect().top`), "the bar does not cover the divider")
			// Alice wrote the message above the line too: the first unread
			// one has its own header and initials all the same.
			assert.True(t, eval[bool](t, ctx, line+`.previousElementSibling.querySelector('.msg-head').classList.contains('visually-hidden')`), "messages above are grouped")
			assert.False(t, eval[bool](t, ctx, first+`.querySelector('.msg-head').classList.contains('visually-hidden')`), "the first unread message shows its author")
			assert.Equal(t, "alice", eval[string](t, ctx, first+`.querySelector('.author').textContent`))
			assert.Equal(t, "A", eval[string](t, ctx, first+`.querySelector('.avatar').textContent`))
			assert.Equal(t, "0", eval[string](t, ctx, first+`.getAttribute('tabindex')`), "Tab into the list lands on the first unread message")
			assert.False(t, eval[bool](t, ctx, `document.getElementById('jump').hidden`), "the newest are further down")
			assert.True(t, eval[bool](t, ctx, `document.activeElement.matches('#messages .msg') === false`))
			screenshot(t, ctx, "catchup-unread-"+size.name)
			axeScan(t, ctx, "a room opened at its first unread message ("+size.name+")")
			until(t, ctx, unreadOnServer+`.then(n => n === 80)`, "nothing marked read before the bottom is seen")

			if size.name == "desktop" {
				// The bar jumps to the newest, which marks the room read.
				click(t, ctx, chromedp.ID("unread-jump"))
				until(t, ctx, hasMessage("message 100")+` && `+listAtBottom+` && document.getElementById('unread-bar').hidden && document.getElementById('jump').hidden`, "the newest messages")
				until(t, ctx, unreadOnServer+`.then(n => n === 0)`, "the read marker at the newest message")
				return
			}
			// Esc marks all read and leaves the view where it is.
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `document.getElementById('unread-bar').hidden`, "the bar dismissed")
			assert.True(t, eval[bool](t, ctx, inView+`(`+line+`)`), "the view did not move")
			until(t, ctx, unreadOnServer+`.then(n => n === 0)`, "the read marker at the newest message")
			// Scrolling down brings the rest, in order.
			until(t, ctx, `(s => (s.scrollTop = s.scrollHeight, `+hasMessage("message 100")+`))(document.getElementById('scroller'))`, "the newest messages, scrolled to")
			texts := eval[[]string](t, ctx, messageTexts)
			require.Len(t, texts, 100)
			for i, s := range texts {
				require.Equal(t, fmt.Sprintf("message %03d", i+1), s, "in order, none missing or twice")
			}
		})
	}
}

// walrusFarBack is 250 messages of bob's in general; the 50th, 200 back
// from the newest, mentions a walrus.
func walrusFarBack(ctx context.Context, w *world, svc *chat.Service) {
	for i := 1; i <= 250; i++ {
		text := fmt.Sprintf("message %03d", i)
		if i == 50 {
			text += " walrus"
		}
		_, err := svc.Post(ctx, chat.Actor{User: w.bob}, chat.NewMessage{Room: w.room, Text: text})
		require.NoError(w.t, err)
	}
}

func TestSearch_AResultOpensItsMessageInContext(t *testing.T) {
	w := newWorld(t, walrusFarBack)
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "alice", "alice-password")
			until(t, ctx, hasMessage("message 250"), "general, at the newest")

			search := func() {
				step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('search-input').value = ''`), typeInto("#search-input", "walrus\r"))
				until(t, ctx, `document.querySelectorAll('#results-list .result').length === 1 && !document.getElementById('results').hidden`, "the result")
			}
			// Esc on a result closes the results.
			search()
			axeScan(t, ctx, "search results ("+size.name+")")
			step(t, ctx, chromedp.Focus(chromedp.CSS(`#results-list .result .link-button`)), chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `document.getElementById('results').hidden && !document.getElementById('scroller').hidden`, "the results closed by Esc")

			search()
			click(t, ctx, chromedp.CSS(`#results-list .result .link-button`))
			found := `document.querySelector('#messages .msg.found')`
			until(t, ctx, `document.getElementById('results').hidden && `+found+` !== null && document.activeElement === `+found, "the message, highlighted and focused")
			assert.Equal(t, "message 050 walrus", eval[string](t, ctx, found+`.querySelector('.body').textContent`))
			off := eval[float64](t, ctx, `(() => { const v = document.getElementById('scroller').getBoundingClientRect(), r = `+found+`.getBoundingClientRect();
			  return Math.abs((r.top + r.bottom) / 2 - (v.top + v.bottom) / 2) / v.height; })()`)
			assert.Less(t, off, 0.1, "the message is in the middle of the view")
			assert.True(t, eval[bool](t, ctx, hasMessage("message 049")+` && `+hasMessage("message 051")), "with what came before and after")
			assert.False(t, eval[bool](t, ctx, hasMessage("message 250")), "not the newest, which are far away")
			assert.False(t, eval[bool](t, ctx, `document.getElementById('jump').hidden`), "a way back to the newest")
			screenshot(t, ctx, "search-in-context-"+size.name)
			axeScan(t, ctx, "a search result in context ("+size.name+")")

			// The arrows go on from it; the highlight fades.
			step(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
			assert.Equal(t, "message 051", eval[string](t, ctx, `document.activeElement.querySelector('.body').textContent`))
			until(t, ctx, `document.querySelector('#messages .msg.found') === null`, "the highlight gone after a moment")

			// A message arriving meanwhile waits below; the jump brings it.
			news := "news while on the " + size.name
			w.post(w.bobToken, news)
			click(t, ctx, chromedp.ID("jump"))
			until(t, ctx, hasMessage(news)+` && `+listAtBottom, "the newest, after the jump")
			texts := eval[[]string](t, ctx, messageTexts)
			assert.Equal(t, news, texts[len(texts)-1])
			before := map[string]string{"desktop": "message 250", "phone": "news while on the desktop"}[size.name]
			assert.Equal(t, before, texts[len(texts)-2], "in order, none missing")
		})
	}
}

// timedPost is a message posted with the server's clock at a given time.
type timedPost struct {
	at   time.Time
	as   storage.User
	hook string // posted by this webhook, not by as
	text string
}

// postAt posts messages at chosen times: the server stops, a service
// whose clock is set to each post's time writes them, the server starts
// again on the same address.
func (w *world) postAt(posts []timedPost) {
	w.t.Helper()
	w.stop()
	ctx := context.Background()
	st, err := appliance.OpenStore(w.cfg, appliance.StoreOptions{LockWait: 5 * time.Second})
	require.NoError(w.t, err)
	var now time.Time
	svc := chat.New(st, chat.Options{Now: func() time.Time { return now }})
	require.NoError(w.t, svc.Init(ctx))
	hooks := map[string]string{}
	for _, p := range posts {
		now = p.at
		if p.hook == "" {
			_, err = svc.Post(ctx, chat.Actor{User: p.as}, chat.NewMessage{Room: w.room, Text: p.text})
			require.NoError(w.t, err)
			continue
		}
		if hooks[p.hook] == "" {
			h, err := svc.CreateHook(ctx, chat.Actor{User: p.as}, w.room, chat.NewHook{Name: p.hook})
			require.NoError(w.t, err)
			hooks[p.hook] = h.Secret
		}
		_, err = svc.PostByHook(ctx, hooks[p.hook], chat.HookPost{Text: p.text})
		require.NoError(w.t, err)
	}
	require.NoError(w.t, st.Close())
	w.start()
}

// dayName is what a day line should say for t, in en-US: the oracle for
// the list's day lines, written from the examples.
func dayName(t, now time.Time) string {
	same := func(a, b time.Time) bool {
		ay, am, ad := a.Date()
		by, bm, bd := b.Date()
		return ay == by && am == bm && ad == bd
	}
	switch {
	case same(t, now):
		return "Today"
	case same(t, now.AddDate(0, 0, -1)):
		return "Yesterday"
	case t.Year() == now.Year():
		return fmt.Sprintf("%s, %s %d", t.Weekday(), t.Month(), t.Day())
	}
	return fmt.Sprintf("%s, %s %d, %d", t.Weekday(), t.Month(), t.Day(), t.Year())
}

func TestMessageList_TimesDayLinesInitialsAndFormatting(t *testing.T) {
	var mary storage.User
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		var err error
		mary, err = svc.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "mary_ann", Email: "mary@example.com", Password: "mary-password"})
		require.NoError(w.t, err)
		_, err = svc.AddMember(ctx, chat.Actor{User: w.admin}, w.room, mary.ID, "member")
		require.NoError(w.t, err)
	})
	now := time.Now()
	y, m, d := now.Date()
	lastYear := time.Date(y-1, time.January, 15, 9, 30, 0, 0, time.Local)
	yesterday := time.Date(y, m, d-1, 14, 5, 0, 0, time.Local)
	posts := []timedPost{
		{at: lastYear, as: w.bob, text: "a year ago"},
		{at: yesterday, as: w.bob, text: "first of a run"},
		{at: yesterday.Add(2 * time.Minute), as: w.bob, text: "second of the run"},
		{at: now.Add(-10 * time.Minute), as: w.admin, hook: "Deploy Bot", text: "deployed 2.0"},
		{at: now.Add(-9 * time.Minute), as: mary, text: "> quoted <img src=x onerror=alert(1)>\n> > nested\n> > > > > deep\n" +
			"- one\n- two\n3. third\n4. fourth\n~~gone~~ and **bold**\n```\n" + strings.Repeat("a long line of code ", 20) + "\n```"},
		{at: now.Add(-2 * time.Minute), as: w.admin, text: "two minutes ago"},
	}
	w.postAt(posts)
	var want []string
	for i, p := range posts {
		if i == 0 || dayName(p.at, now) != dayName(posts[i-1].at, now) {
			want = append(want, dayName(p.at, now))
		}
	}

	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "alice", "alice-password")
			until(t, ctx, hasMessage("two minutes ago"), "general")
			msg := func(text string) string {
				return fmt.Sprintf(`[...document.querySelectorAll('#messages .msg')].find(li => li.querySelector('.body').textContent.startsWith(%q))`, text)
			}
			assert.Equal(t, want, eval[[]string](t, ctx, `[...document.querySelectorAll('#messages .day')].map(d => d.textContent)`), "a day line between days")

			// Absolute times of day beyond a few minutes, the full date and
			// time on hover or focus.
			assert.Equal(t, "9:30 AM", eval[string](t, ctx, msg("a year ago")+`.querySelector('.msg-head time').textContent`))
			assert.Equal(t, "2:05 PM", eval[string](t, ctx, msg("first of a run")+`.querySelector('.msg-head time').textContent`))
			assert.Regexp(t, regexp.MustCompile(`^[2-4] min ago$`), eval[string](t, ctx, msg("two minutes ago")+`.querySelector('.msg-head time').textContent`))
			run := msg("second of the run")
			assert.True(t, eval[bool](t, ctx, run+`.classList.contains('cont')`), "a run of one sender's messages shares a header")
			assert.Equal(t, "2:07 PM", eval[string](t, ctx, run+`.querySelector('.side-time').textContent`), "a grouped line has its time too")
			assert.Equal(t, "0", eval[string](t, ctx, `getComputedStyle(`+run+`.querySelector('.side-time')).opacity`), "shown on hover or focus only")
			step(t, ctx, chromedp.Evaluate[chromedp.Void](run+`.focus()`))
			assert.Equal(t, "1", eval[string](t, ctx, `getComputedStyle(`+run+`.querySelector('.side-time')).opacity`), "shown on focus")
			step(t, ctx, chromedp.Evaluate[chromedp.Void](msg("a year ago")+`.focus()`))
			title := eval[string](t, ctx, msg("a year ago")+`.querySelector('.msg-head time').title`)
			assert.Equal(t, fmt.Sprintf("%s, January 15, %d at 9:30 AM", lastYear.Weekday(), y-1), title)

			// Initials: a person's, two names' two letters, a hook's name's.
			assert.Equal(t, "B", eval[string](t, ctx, msg("first of a run")+`.querySelector('.avatar').textContent`))
			assert.Equal(t, "MA", eval[string](t, ctx, msg("quoted")+`.querySelector('.avatar').textContent`))
			hook := msg("deployed 2.0")
			assert.Equal(t, "DB", eval[string](t, ctx, hook+`.querySelector('.avatar').textContent`))
			assert.Equal(t, "Deploy-Bot", eval[string](t, ctx, hook+`.querySelector('.author').textContent`), "the bot made for the hook")
			assert.True(t, eval[bool](t, ctx, hook+`.querySelector('.tag.bot') !== null`), "a hook's post says so")
			assert.Zero(t, eval[int](t, ctx, run+`.querySelectorAll('.avatar').length`))

			// Formatting: quotes (nesting bounded), lists, strikethrough,
			// bold, a code block that scrolls and can be focused; markup
			// stays text.
			f := msg("quoted")
			assert.Equal(t, "quoted <img src=x onerror=alert(1)>", eval[string](t, ctx, f+`.querySelector('.body > blockquote').firstChild.textContent`))
			assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#messages img').length`))
			assert.Equal(t, 3, eval[int](t, ctx, `(() => { let n = 0, q = `+f+`.querySelector('blockquote'); while (q) { n++; q = q.querySelector(':scope > blockquote'); } return n; })()`), "quotes nest three deep at most")
			assert.Contains(t, eval[string](t, ctx, f+`.querySelector('blockquote blockquote blockquote').textContent`), "> > deep")
			assert.Equal(t, []string{"one", "two"}, eval[[]string](t, ctx, `[...`+f+`.querySelectorAll('.body > ul > li')].map(li => li.textContent)`))
			assert.Equal(t, []string{"third", "fourth"}, eval[[]string](t, ctx, `[...`+f+`.querySelectorAll('.body > ol > li')].map(li => li.textContent)`))
			assert.Equal(t, 3, eval[int](t, ctx, f+`.querySelector('.body > ol').start`))
			assert.Equal(t, "gone", eval[string](t, ctx, f+`.querySelector('.body s').textContent`))
			assert.Equal(t, "bold", eval[string](t, ctx, f+`.querySelector('.body strong').textContent`))
			assert.True(t, eval[bool](t, ctx, `(p => p.tabIndex === 0 && p.scrollWidth > p.clientWidth)(`+f+`.querySelector('pre'))`), "the code block scrolls and takes the focus")
			assert.True(t, eval[bool](t, ctx, fitsTheScreen))

			// The hint of what is supported, by the composer (on a phone
			// while one writes).
			if size.name == "phone" {
				step(t, ctx, chromedp.Focus(chromedp.ID("composer-input")))
			}
			until(t, ctx, `document.getElementById('format-hint').getBoundingClientRect().height > 0`, "the formatting hint")
			assert.Contains(t, eval[string](t, ctx, `document.getElementById('format-hint').textContent`), "~~strike~~")
			screenshot(t, ctx, "message-list-"+size.name)
			axeScan(t, ctx, "a list with times, initials and formatting ("+size.name+")")
		})
	}
}

// touch sends a touch event at (x, y) (none for the end of a touch).
func touch(t *testing.T, ctx context.Context, kind input.DispatchTouchEventType, x, y float64) {
	t.Helper()
	var points []*input.TouchPoint
	if kind != input.DispatchTouchEventTypeTouchEnd {
		points = []*input.TouchPoint{{X: x, Y: y}}
	}
	step(t, ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: kind, TouchPoints: points})
		return err
	}))
}

// centre is where the element js names is, in the middle.
func centre(t *testing.T, ctx context.Context, js string) (float64, float64) {
	t.Helper()
	p := eval[[]float64](t, ctx, `(r => [r.left + r.width / 2, r.top + r.height / 2])((`+js+`).getBoundingClientRect())`)
	return p[0], p[1]
}

// longPress holds a finger on the element js names until the message
// menu opens, then lifts it.
func longPress(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	x, y := centre(t, ctx, js)
	touch(t, ctx, input.DispatchTouchEventTypeTouchStart, x, y)
	until(t, ctx, `!document.getElementById('msg-menu').hidden`, "the message menu, after a long press")
	touch(t, ctx, input.DispatchTouchEventTypeTouchEnd, 0, 0)
}

// tap touches the element js names briefly.
func tap(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	x, y := centre(t, ctx, js)
	touch(t, ctx, input.DispatchTouchEventTypeTouchStart, x, y)
	touch(t, ctx, input.DispatchTouchEventTypeTouchEnd, 0, 0)
}

const menuItems = `[...document.querySelectorAll('#msg-menu [role=menuitem]')].map(b => b.textContent)`

func TestMessageMenu_ALongPressOnAPhone(t *testing.T) {
	w := newWorld(t, nil)
	w.post(w.adminToken, "alice says hello")
	w.post(w.bobToken, "bob's first")
	w.post(w.bobToken, "bob's typo")
	ctx := browser(t, 375, 740)
	w.login(t, ctx, "bob", "bob-password")
	until(t, ctx, hasMessage("bob's typo"), "general")
	msg := func(text string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#messages .msg')].find(li => li.querySelector('.body').textContent === %q)`, text)
	}

	// Someone else's message: copy, react and reply only; the menu says when it
	// was sent.
	longPress(t, ctx, msg("alice says hello")+`.querySelector('.body')`)
	assert.Equal(t, []string{"Copy text", "Add reaction", "Reply in thread"}, eval[[]string](t, ctx, menuItems))
	assert.Equal(t, 4, eval[int](t, ctx, `document.getElementById('msg-menu').childNodes.length`), "the time and three items, nothing else")
	when := eval[string](t, ctx, msg("alice says hello")+`.querySelector('.msg-head time').dateTime`)
	label := eval[string](t, ctx, `document.querySelector('#msg-menu .menu-label').textContent`)
	assert.True(t, strings.HasPrefix(label, "alice · "), label)
	assert.Equal(t, eval[string](t, ctx, fmt.Sprintf(`new Date(%q).toLocaleString([], {dateStyle: 'full', timeStyle: 'short'})`, when)), strings.TrimPrefix(label, "alice · "), "the full time")
	assert.Contains(t, label, fmt.Sprint(time.Now().Year()))
	assert.True(t, eval[bool](t, ctx, `document.activeElement === document.querySelector('#msg-menu [role=menuitem]')`), "the first item has the focus")
	assert.True(t, eval[bool](t, ctx, `(r => r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth)(document.getElementById('msg-menu').getBoundingClientRect())`), "the menu is on the screen")
	screenshot(t, ctx, "message-menu-phone")
	axeScan(t, ctx, "the message menu open")
	tap(t, ctx, `document.querySelector('#msg-menu [role=menuitem]')`)
	until(t, ctx, `document.getElementById('msg-menu').hidden && document.querySelector('.toast').textContent !== ''`, "the copy done")
	assert.Equal(t, "Copied.", eval[string](t, ctx, `document.querySelector('.toast').textContent`))

	// One's own: edit, through the same edit box as elsewhere.
	longPress(t, ctx, msg("bob's typo")+`.querySelector('.body')`)
	assert.Equal(t, []string{"Copy text", "Add reaction", "Reply in thread", "Edit", "Delete"}, eval[[]string](t, ctx, menuItems))
	tap(t, ctx, `[...document.querySelectorAll('#msg-menu [role=menuitem]')].find(b => b.textContent === 'Edit')`)
	until(t, ctx, `document.activeElement.classList.contains('edit-input')`, "the edit box, focused")
	assert.Equal(t, "bob's typo", eval[string](t, ctx, `document.activeElement.value`))
	step(t, ctx, chromedp.SetValue(chromedp.CSS("#messages .edit-input"), "bob's fixed"), typeInto("#messages .edit-input", "\r"))
	until(t, ctx, hasMessage("bob's fixed"), "the edit saved")

	// A tap elsewhere closes the menu; delete asks first.
	longPress(t, ctx, msg("bob's first")+`.querySelector('.body')`)
	tap(t, ctx, `document.getElementById('room-title')`)
	until(t, ctx, `document.getElementById('msg-menu').hidden`, "the menu closed by a tap elsewhere")
	longPress(t, ctx, msg("bob's first")+`.querySelector('.body')`)
	tap(t, ctx, `[...document.querySelectorAll('#msg-menu [role=menuitem]')].find(b => b.textContent === 'Delete')`)
	until(t, ctx, dialogOpen, "the confirmation")
	click(t, ctx, chromedp.ID("dialog-ok"))
	until(t, ctx, `!`+hasMessage("bob's first")+` && !`+dialogOpen, "the message deleted")
	status, body := w.call(w.bobToken, "GET", "/api/messages?room="+w.room.Hex(), nil)
	require.Equal(t, 200, status)
	assert.NotContains(t, body, "bob's first")
	assert.Contains(t, body, "bob's fixed")
}

func TestMessageList_OneTabStopArrowsAndTheMenuByKeyboard(t *testing.T) {
	w := newWorld(t, nil)
	for i := 1; i <= 5; i++ {
		w.post(w.bobToken, fmt.Sprintf("bob %d, see https://example.com/%d", i, i))
	}
	w.post(w.adminToken, "alice's own")
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, hasMessage("alice's own")+` && document.activeElement.id === 'composer-input'`, "general, the composer focused")
	active := `document.activeElement.querySelector('.body')?.textContent`

	// The whole list is one Tab stop, the newest message.
	assert.Equal(t, 1, eval[int](t, ctx, `[...document.querySelectorAll('#messages a, #messages button, #messages [tabindex]')].filter(e => e.tabIndex >= 0).length`),
		"links and buttons of the messages are not each a Tab stop")
	step(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	assert.Equal(t, "alice's own", eval[string](t, ctx, active))
	step(t, ctx, chromedp.KeyEvent(kb.ArrowUp))
	assert.Equal(t, "bob 5, see https://example.com/5", eval[string](t, ctx, active))
	step(t, ctx, chromedp.KeyEvent(kb.Home))
	assert.Equal(t, "bob 1, see https://example.com/1", eval[string](t, ctx, active))
	step(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	assert.Equal(t, "bob 2, see https://example.com/2", eval[string](t, ctx, active))
	// From a message, Tab reaches its link and its actions, then leaves.
	step(t, ctx, chromedp.KeyEvent(kb.Tab))
	assert.Equal(t, "https://example.com/2", eval[string](t, ctx, `document.activeElement.href`))
	step(t, ctx, chromedp.KeyEvent(kb.Tab))
	assert.Equal(t, "Add reaction", eval[string](t, ctx, `document.activeElement.getAttribute('aria-label')`), "anyone may react")
	step(t, ctx, chromedp.KeyEvent(kb.Tab))
	assert.Equal(t, "Reply in thread", eval[string](t, ctx, `document.activeElement.getAttribute('aria-label')`), "and reply in a thread")
	step(t, ctx, chromedp.KeyEvent(kb.Tab))
	assert.Equal(t, "Delete", eval[string](t, ctx, `document.activeElement.textContent`), "alice, an admin, may delete bob's message")
	step(t, ctx, chromedp.KeyEvent(kb.Tab))
	assert.False(t, eval[bool](t, ctx, `document.getElementById('messages').contains(document.activeElement)`), "the next Tab leaves the list")
	// Back in, it is where it was left.
	step(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	for eval[bool](t, ctx, `!document.activeElement.matches('#messages > .msg') && document.getElementById('messages').contains(document.activeElement)`) {
		step(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	}
	assert.Equal(t, "bob 2, see https://example.com/2", eval[string](t, ctx, active))
	step(t, ctx, chromedp.KeyEvent(kb.End))
	assert.Equal(t, "alice's own", eval[string](t, ctx, active))

	// Shift+F10 opens the menu; the arrows move in it, Esc gives the focus back.
	step(t, ctx, chromedp.KeyEvent(kb.F10, chromedp.KeyModifiers(chromedp.ModifierShift)))
	until(t, ctx, `!document.getElementById('msg-menu').hidden && document.activeElement.textContent === 'Copy text'`, "the menu, by keyboard")
	assert.Equal(t, []string{"Copy text", "Add reaction", "Reply in thread", "Edit", "Delete"}, eval[[]string](t, ctx, menuItems))
	axeScan(t, ctx, "the message menu, by keyboard")
	step(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	assert.Equal(t, "Add reaction", eval[string](t, ctx, `document.activeElement.textContent`))
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	until(t, ctx, `document.getElementById('msg-menu').hidden`, "the menu closed")
	assert.Equal(t, "alice's own", eval[string](t, ctx, active), "the focus back on the message")
	// Enter opens it too, and Enter on Edit edits.
	step(t, ctx, chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `!document.getElementById('msg-menu').hidden`, "the menu, by Enter")
	step(t, ctx, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `document.activeElement.classList.contains('edit-input')`, "the edit box")
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	until(t, ctx, `document.querySelector('#messages .edit-input') === null && document.activeElement.id === 'composer-input'`, "the edit cancelled")
	// F2 on one's own message edits it at once.
	step(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	assert.Equal(t, "alice's own", eval[string](t, ctx, active))
	step(t, ctx, chromedp.KeyEvent(kb.F2))
	until(t, ctx, `document.activeElement.classList.contains('edit-input') && document.activeElement.value === "alice's own"`, "the edit box, by F2")
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	axeScan(t, ctx, "a busy list")
}
