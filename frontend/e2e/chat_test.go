package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogin_WrongPasswordIsSaidThenTheRightOneGetsIn(t *testing.T) {
	w := newWorld(t, nil)
	ctx := browser(t, 1280, 800)
	step(t, ctx, chromedp.Navigate(w.url+"/"))
	until(t, ctx, `location.pathname === '/login' && !document.getElementById('login').hidden`, "the login page for a visitor")
	screenshot(t, ctx, "login")
	step(t, ctx, typeInto("#login-username", "bob"),
		typeInto("#login-password", "wrong-password\r"))
	until(t, ctx, `!document.getElementById('login-error').hidden`, "the error")
	assert.Equal(t, "Invalid username or password.", eval[string](t, ctx, `document.getElementById('login-error').textContent`))
	w.login(t, ctx, "bob", "bob-password")
	assert.Equal(t, "bob", eval[string](t, ctx, `document.getElementById('me-name').textContent`))
	until(t, ctx, `document.getElementById('room-title').textContent === 'general'`, "the room opened")
	assert.True(t, eval[bool](t, ctx, `document.getElementById('admin-link').hidden`), "no admin link for a user")
}

func TestTwoBrowsersInOneRoomSeeEachOtherLive(t *testing.T) {
	w := newWorld(t, nil)
	alice, bob := browser(t, 1280, 800), browser(t, 1280, 800)
	w.login(t, alice, "alice", "alice-password")
	w.login(t, bob, "bob", "bob-password")
	for _, ctx := range []context.Context{alice, bob} {
		until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.body.dataset.conn === 'live'`, "the room, live")
	}

	// Typing shows on the other side before anything is sent.
	step(t, alice, typeInto("#composer-input", "Hello bob, **welcome**"))
	until(t, bob, `document.getElementById('typing').textContent === 'alice is typing…'`, "the typing line")
	step(t, alice, typeInto("#composer-input", "\r"))
	until(t, bob, hasMessage("Hello bob, welcome"), "alice's message at bob's")
	assert.Equal(t, "welcome", eval[string](t, bob, `document.querySelector('#messages .msg:last-child .body strong').textContent`))
	until(t, bob, `document.getElementById('typing').textContent === ''`, "the typing line gone with the message")

	// Shift+Enter is a new line, Enter sends.
	step(t, bob, typeInto("#composer-input", "Thanks @alice!"),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)),
		typeInto("#composer-input", "Second line\r"))
	until(t, alice, hasMessage("Thanks @alice!\nSecond line"), "bob's two-line message at alice's")
	assert.True(t, eval[bool](t, alice, `document.querySelector('#messages .msg:last-child').classList.contains('mentions-me')`), "a mention of alice is highlighted for her")
	assert.Equal(t, "@alice", eval[string](t, alice, `document.querySelector('#messages .msg:last-child .mention.me').textContent`))
	assert.Equal(t, "", eval[string](t, bob, `document.getElementById('composer-input').value`), "the composer is empty after sending")

	// Edit and delete one's own message; the other side follows. Up edits
	// a message the server has confirmed, so wait for bob's to be.
	until(t, bob, `document.querySelector('#messages .msg.pending') === null`, "bob's message confirmed")
	step(t, bob, chromedp.Focus(chromedp.ID("composer-input")), chromedp.KeyEvent(kb.ArrowUp))
	until(t, bob, `document.querySelector('#messages .edit-input') !== null`, "the edit box for bob's last message")
	step(t, bob, chromedp.SetValue(chromedp.CSS("#messages .edit-input"), "Thanks, edited"), typeInto("#messages .edit-input", "\r"))
	until(t, alice, hasMessage("Thanks, edited"), "the edit at alice's")
	until(t, alice, `document.querySelector('#messages .msg:last-child .edited') !== null`, "the edited mark")
	lastID := eval[string](t, bob, `document.querySelector('#messages .msg:last-child').dataset.id`)
	// Keyboard only: the actions are in the tab order; Enter presses one.
	step(t, bob, chromedp.Focus(chromedp.CSS(`#messages .msg[data-id="`+lastID+`"] .actions button:last-child`)), chromedp.KeyEvent("\r"))
	until(t, bob, `document.getElementById('dialog').open`, "the confirmation")
	click(t, bob, chromedp.ID("dialog-ok"))
	until(t, alice, `!`+hasMessage("Thanks, edited"), "the deletion at alice's")
	until(t, bob, `!`+hasMessage("Thanks, edited"), "the deletion at bob's")
}

func TestScrollingBackThrough500Messages(t *testing.T) {
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		for i := 1; i <= 500; i++ {
			_, err := svc.Post(ctx, chat.Actor{User: w.bob}, chat.NewMessage{Room: w.room, Text: fmt.Sprintf("message %03d", i)})
			require.NoError(t, err)
		}
	})
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, hasMessage("message 500"), "the newest message")
	assert.Equal(t, 50, eval[int](t, ctx, `document.querySelectorAll('#messages .msg').length`), "one page at first")
	assert.True(t, eval[bool](t, ctx, `(s => s.scrollHeight - s.scrollTop - s.clientHeight < 40)(document.getElementById('scroller'))`), "opened at the bottom")
	const beginning = `document.getElementById('history-state').textContent === 'This is the beginning of the conversation.'`
	for i := 0; i < 30 && !eval[bool](t, ctx, beginning); i++ {
		n := eval[int](t, ctx, `document.querySelectorAll('#messages .msg').length`)
		anchor := eval[string](t, ctx, `document.querySelector('#messages .msg').dataset.id`)
		step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('scroller').scrollTop = 0`))
		until(t, ctx, fmt.Sprintf(`document.querySelectorAll('#messages .msg').length > %d || %s`, n, beginning), "an older page")
		// The message that was on top stays in view: the list did not jump.
		top := eval[float64](t, ctx, `document.querySelector('#messages .msg[data-id="`+anchor+`"]').getBoundingClientRect().top`)
		assert.Greater(t, top, 0.0, "the former first message is still where it was, not pushed away")
		assert.Less(t, top, 800.0)
	}
	require.True(t, eval[bool](t, ctx, beginning), "the beginning was reached")
	texts := eval[[]string](t, ctx, messageTexts)
	require.Len(t, texts, 500)
	for i, s := range texts {
		require.Equal(t, fmt.Sprintf("message %03d", i+1), s, "in order, none missing or twice")
	}
}

func TestHostileTextRendersAsText(t *testing.T) {
	w := newWorld(t, nil)
	hostile := []string{
		`<script>window.__pwned = 1</script>`,
		`<img src=x onerror="window.__pwned = 2">`,
		"```\n<img src=x onerror=\"window.__pwned = 3\">\n```",
		"**<b onmouseover=alert(1)>bold</b>** and `<i>code</i>` and javascript:alert(1) and [x](javascript:alert(1))",
		`see https://example.com/a?b=<c> and "><svg onload=window.__pwned=4>`,
	}
	for _, s := range hostile {
		w.post(w.bobToken, s)
	}
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, `document.querySelectorAll('#messages .msg').length === 5`, "the messages")
	assert.True(t, eval[bool](t, ctx, `window.__pwned === undefined`), "no script ran")
	assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#messages img, #messages script, #messages svg:not(.icon), #messages b, #messages i, #messages [onerror], #messages [onmouseover], #messages [onload]').length`))
	texts := eval[[]string](t, ctx, messageTexts)
	assert.Equal(t, `<script>window.__pwned = 1</script>`, texts[0])
	assert.Equal(t, `<img src=x onerror="window.__pwned = 2">`, texts[1])
	assert.Equal(t, `<img src=x onerror="window.__pwned = 3">`, eval[string](t, ctx, `document.querySelector('#messages pre code').textContent`))
	links := eval[[]map[string]string](t, ctx, `[...document.querySelectorAll('#messages a')].map(a => ({href: a.getAttribute('href'), rel: a.rel, target: a.target}))`)
	require.Len(t, links, 1, "only the http link is a link; javascript: never is")
	assert.Equal(t, "https://example.com/a?b=", links[0]["href"])
	assert.Equal(t, "noopener noreferrer", links[0]["rel"])
}

func TestLongRightToLeftAndEmojiTextKeepTheLayout(t *testing.T) {
	long := strings.Repeat("x", 10000)
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		_, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: strings.Repeat("a-very-long-room-name-", 5) + "end"})
		require.NoError(t, err)
	})
	w.post(w.bobToken, long)
	w.post(w.bobToken, "مرحبا بالجميع! هذه رسالة باللغة العربية")
	w.post(w.bobToken, "👩‍👩‍👧‍👦🎉🇫🇷 emoji "+strings.Repeat("😀", 300))
	for _, size := range [][2]int{{1280, 800}, {375, 740}} {
		ctx := browser(t, size[0], size[1])
		w.login(t, ctx, "alice", "alice-password")
		if size[0] < 720 {
			click(t, ctx, chromedp.ID("open-drawer"))
			until(t, ctx, `getComputedStyle(document.getElementById('sidebar')).transform === 'none'`, "the drawer, opened")
		}
		click(t, ctx, `//ul[@id="rooms"]//button[.//span[text()="general"]]`)
		until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.querySelectorAll('#messages .msg').length === 3`, "the messages")
		assert.LessOrEqual(t, eval[int](t, ctx, `document.documentElement.scrollWidth`), size[0], "the page never scrolls sideways")
		assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#messages .msg')].every(m => m.getBoundingClientRect().right <= document.getElementById('scroller').getBoundingClientRect().right + 1)`),
			"every message fits its column")
		assert.Equal(t, "rtl", eval[string](t, ctx, `getComputedStyle(document.querySelectorAll('#messages .body')[1]).direction`), "Arabic runs right to left")
		assert.Equal(t, "ltr", eval[string](t, ctx, `getComputedStyle(document.querySelectorAll('#messages .body')[0]).direction`))
		assert.True(t, eval[bool](t, ctx, `(s => s.scrollWidth <= s.clientWidth)(document.getElementById('sidebar'))`), "a long room name does not widen the sidebar")
	}
}

func TestBrowseJoinDirectMessagesAndSearch(t *testing.T) {
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		_, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "random"})
		require.NoError(t, err)
	})
	w.post(w.adminToken, "the quarterly café report is out")
	alice, bob := browser(t, 1280, 800), browser(t, 1280, 800)
	w.login(t, alice, "alice", "alice-password")
	w.login(t, bob, "bob", "bob-password")

	// Browse and join an open room.
	click(t, bob, chromedp.ID("browse"))
	until(t, bob, `document.getElementById('dialog').open && document.getElementById('dialog-body').textContent.includes('random')`, "the open rooms")
	click(t, bob, `//div[@id="dialog-body"]//li[.//span[text()="random"]]//button`)
	until(t, bob, `document.getElementById('room-title').textContent === 'random' && !document.getElementById('dialog').open`, "the joined room")
	assert.True(t, eval[bool](t, bob, `[...document.querySelectorAll('#rooms .name')].some(n => n.textContent === 'random')`))

	// A direct message from the member list reaches alice live.
	click(t, bob, `//ul[@id="rooms"]//button[.//span[text()="general"]]`)
	until(t, bob, `document.getElementById('room-title').textContent === 'general' && !document.getElementById('members-button').hidden`, "general")
	click(t, bob, chromedp.ID("members-button"))
	until(t, bob, `document.getElementById('dialog-body').textContent.includes('alice')`, "the member list")
	click(t, bob, `//div[@id="dialog-body"]//li[.//span[text()="alice"]]//button`)
	until(t, bob, `document.getElementById('room-title').textContent === '@alice'`, "the direct conversation")
	step(t, bob, typeInto("#composer-input", "psst, a private word\r"))
	until(t, alice, `[...document.querySelectorAll('#directs .name')].some(n => n.textContent === 'bob') && document.querySelector('#directs .mention-badge') !== null`, "bob's conversation, flagged, at alice's")
	click(t, alice, `//ul[@id="directs"]//button[.//span[text()="bob"]]`)
	until(t, alice, hasMessage("psst, a private word"), "the direct message")

	// Search, accents and case aside.
	step(t, bob, typeInto("#search-input", "CAFE\r"))
	until(t, bob, `document.querySelectorAll('#results-list .result').length === 1`, "the search result")
	assert.Equal(t, "the quarterly café report is out", eval[string](t, bob, `document.querySelector('#results-list .result .body').textContent`))
	click(t, bob, chromedp.CSS(`#results-list .result .link-button`))
	until(t, bob, `document.getElementById('room-title').textContent === 'general' && document.getElementById('results').hidden`, "back in the room")
}

func TestKeyboard_QuickSwitcherAndMentionCompletion(t *testing.T) {
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		_, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "random"})
		require.NoError(t, err)
	})
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, `document.getElementById('room-title').textContent === 'general'`, "general")

	// Ctrl+K, a few letters, Enter.
	step(t, ctx, chromedp.KeyEvent("k", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	until(t, ctx, `document.getElementById('dialog').open && document.activeElement.type === 'search'`, "the switcher, focused")
	step(t, ctx, chromedp.KeyEvent("ran\r"))
	until(t, ctx, `document.getElementById('room-title').textContent === 'random' && !document.getElementById('dialog').open`, "the room chosen by keyboard")

	// @ completes the usernames of the room's members.
	click(t, ctx, `//ul[@id="rooms"]//button[.//span[text()="general"]]`)
	until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.activeElement.id === 'composer-input'`, "general, composer focused")
	step(t, ctx, chromedp.KeyEvent("hi @b"))
	until(t, ctx, `!document.getElementById('complete').hidden && document.getElementById('complete').textContent === '@bob'`, "the completion")
	step(t, ctx, chromedp.KeyEvent(kb.Tab))
	assert.Equal(t, "hi @bob ", eval[string](t, ctx, `document.getElementById('composer-input').value`))
	step(t, ctx, chromedp.KeyEvent("\r"))
	until(t, ctx, hasMessage("hi @bob"), "the message")
}

func TestUserMenu_TokensAndTheme(t *testing.T) {
	w := newWorld(t, nil)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	openAccountMenu(t, ctx)
	click(t, ctx, chromedp.ID("tokens"))
	until(t, ctx, `document.getElementById('dialog').open && document.getElementById('dialog-body').textContent.includes('e2e')`, "bob's tokens")
	step(t, ctx, typeInto(`#dialog-body input`, "my bot"))
	click(t, ctx, `//div[@id="dialog-body"]//button[text()="Create token"]`)
	until(t, ctx, `document.querySelector('#dialog-body .secret') !== null`, "the new token, shown once")
	token := eval[string](t, ctx, `document.querySelector('#dialog-body .secret').textContent`)
	status, body := w.call(token, "GET", "/api/ping", nil)
	assert.Equal(t, 200, status, "the token works: %s", body)
	step(t, ctx, chromedp.KeyEvent("\x1b"))
	until(t, ctx, `!document.getElementById('dialog').open`, "the dialog closed by Esc")

	assert.Equal(t, "rgb(255, 255, 255)", eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`))
	openAccountMenu(t, ctx)
	assert.Equal(t, "system", eval[string](t, ctx, `document.querySelector('#theme [aria-checked=true]').dataset.theme`))
	click(t, ctx, chromedp.CSS(`#theme [data-theme=dark]`))
	until(t, ctx, `document.getElementById('me-menu').hidden`, "the menu closed by the choice")
	assert.Equal(t, "dark", eval[string](t, ctx, `document.querySelector('#theme [aria-checked=true]').dataset.theme`))
	assert.Equal(t, "rgb(22, 24, 29)", eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`))
	step(t, ctx, chromedp.Reload())
	until(t, ctx, `document.body.dataset.ready`, "the reloaded chat")
	assert.Equal(t, "rgb(22, 24, 29)", eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`), "the choice is kept")
}

func TestAccount_ChangeThePasswordAndLogOutAnotherBrowser(t *testing.T) {
	w := newWorld(t, nil)
	here := browser(t, 1280, 800)
	there := browser(t, 1280, 800)
	w.login(t, here, "bob", "bob-password")
	w.login(t, there, "bob", "bob-password")
	until(t, there, `document.body.dataset.conn === 'live'`, "the other browser's stream")

	openAccountMenu(t, here)
	click(t, here, chromedp.ID("account"))
	until(t, here, `document.querySelectorAll('#dialog-body li').length === 2`, "two sessions")
	assert.Contains(t, eval[string](t, here, `document.getElementById('dialog-body').textContent`), "(this browser)")
	assert.Contains(t, eval[string](t, here, `document.getElementById('dialog-body').textContent`), "Chrome")
	click(t, here, `//div[@id="dialog-body"]//li[not(contains(., "this browser"))]//button[text()="Log out"]`)
	until(t, here, `document.querySelectorAll('#dialog-body li').length === 1`, "one session left")
	until(t, there, `location.pathname === '/login' && !document.getElementById('login').hidden`, "the other browser back at the login page")

	inputs := `#dialog-body input[type=password]`
	step(t, here, typeInto(inputs+`:nth-of-type(1)`, "wrong-password"))
	step(t, here, chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelectorAll('`+inputs+`'); f[1].value = 'a-new-password'; f[2].value = 'a-new-password'; })()`))
	click(t, here, `//div[@id="dialog-body"]//button[text()="Change password"]`)
	until(t, here, `[...document.querySelectorAll('#dialog-body [role=status]')].some(s => s.textContent.includes('not your password'))`, "the wrong current password said")
	step(t, here, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('`+inputs+`')[0].value = 'bob-password'`))
	click(t, here, `//div[@id="dialog-body"]//button[text()="Change password"]`)
	until(t, here, `[...document.querySelectorAll('#dialog-body [role=status]')].some(s => s.textContent.includes('Password changed'))`, "the change confirmed")
	status, _ := w.call("", "POST", "/api/login", map[string]string{"username": "bob", "password": "a-new-password"})
	assert.Equal(t, 200, status)
	until(t, here, `document.body.dataset.conn === 'live'`, "this browser stays logged in and live")
}

func TestUnreadCountsAndTheNewDivider(t *testing.T) {
	var ops storage.ID
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		room, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "ops"})
		require.NoError(t, err)
		ops = room.ID
		m, err := svc.AddMember(ctx, chat.Actor{User: w.admin}, ops, w.bob.ID, "member")
		require.NoError(t, err)
		read, err := svc.Post(ctx, chat.Actor{User: w.admin}, chat.NewMessage{Room: ops, Text: "already read"})
		require.NoError(t, err)
		_, err = svc.UpdateMember(ctx, chat.Actor{User: w.bob}, m.ID, chat.MemberChanges{LastRead: &read.ID})
		require.NoError(t, err)
		for _, text := range []string{"new one", "@bob new two"} {
			_, err = svc.Post(ctx, chat.Actor{User: w.admin}, chat.NewMessage{Room: ops, Text: text})
			require.NoError(t, err)
		}
	})
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	until(t, ctx, `document.getElementById('room-title').textContent === 'general'`, "general first")
	ops1 := `//ul[@id="rooms"]//button[.//span[text()="ops"]]`
	assert.Equal(t, "2 unread", eval[string](t, ctx, `document.querySelector('#rooms button.unread .unread-count').textContent`))
	assert.Equal(t, "1 mention", eval[string](t, ctx, `document.querySelector('#rooms button.unread .mention-badge').textContent`))
	assert.Equal(t, "(2) general · makechat", eval[string](t, ctx, `document.title`))

	// A live message in a room not shown counts too.
	status, body := w.call(w.adminToken, "POST", "/api/messages", map[string]string{"room": ops.Hex(), "text": "newer still"})
	require.Equal(t, 201, status, body)
	until(t, ctx, `document.querySelector('#rooms button.unread .unread-count')?.textContent === '3 unread'`, "the count, live")

	click(t, ctx, ops1)
	until(t, ctx, `document.getElementById('room-title').textContent === 'ops' && document.querySelectorAll('#messages .msg').length === 4`, "ops")
	assert.Equal(t, []string{"already read", "New", "new one"}, eval[[]string](t, ctx,
		`[...document.querySelectorAll('#messages > li')].filter(li => !li.classList.contains('day')).slice(0, 3).map(li => li.classList.contains('new-divider') ? li.textContent : li.querySelector('.body').textContent)`),
		"the divider sits at the read marker")
	until(t, ctx, `document.querySelector('#rooms button.unread') === null`, "the counts cleared")
	// The marker moved on the server: a reload shows no divider.
	until(t, ctx, `fetch('/api/rooms').then(r => r.json()).then(rs => rs.find(r => r.name === 'ops').unread === 0)`, "the read marker saved")
	step(t, ctx, chromedp.Reload())
	until(t, ctx, `document.body.dataset.ready && document.getElementById('room-title').textContent === 'ops'`, "ops again")
	assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll('#messages .new-divider').length`))
}

func TestEditing_TheDraftSurvivesRedrawsOfTheList(t *testing.T) {
	var gone storage.ID
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		for i := 1; i <= 60; i++ {
			m, err := svc.Post(ctx, chat.Actor{User: w.admin}, chat.NewMessage{Room: w.room, Text: fmt.Sprintf("message %03d", i)})
			require.NoError(t, err)
			if i == 59 {
				gone = m.ID
			}
		}
		_, err := svc.Post(ctx, chat.Actor{User: w.bob}, chat.NewMessage{Room: w.room, Text: "my first words"})
		require.NoError(t, err)
	})
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	until(t, ctx, hasMessage("my first words"), "bob's message")

	// Bob starts editing, types, and selects a part of his draft.
	const box = `document.querySelector('#messages .edit-input')`
	step(t, ctx, chromedp.Focus(chromedp.ID("composer-input")), chromedp.KeyEvent(kb.ArrowUp))
	until(t, ctx, box+` !== null && document.activeElement === `+box, "the edit box, focused")
	step(t, ctx, chromedp.KeyEvent(", then more"))
	step(t, ctx, chromedp.Evaluate[chromedp.Void](box+`.setSelectionRange(3, 8)`))
	intact := func(after string) {
		t.Helper()
		assert.Equal(t, "my first words, then more", eval[string](t, ctx, box+`.value`), "the draft, after "+after)
		assert.True(t, eval[bool](t, ctx, `document.activeElement === `+box), "the focus, after "+after)
		assert.Equal(t, []int{3, 8}, eval[[]int](t, ctx, `[`+box+`.selectionStart, `+box+`.selectionEnd]`), "the selection, after "+after)
	}

	// Alice deletes one of her messages meanwhile.
	status, body := w.call(w.adminToken, "DELETE", "/api/messages/"+gone.Hex(), nil)
	require.Equal(t, 200, status, body)
	until(t, ctx, `!`+hasMessage("message 059"), "the deletion")
	intact("another's deletion")

	// Older messages load, which rebuilds the whole list.
	step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('scroller').scrollTop = 0`))
	until(t, ctx, `document.querySelectorAll('#messages .msg').length > 50`, "an older page")
	intact("an older page")

	step(t, ctx, chromedp.KeyEvent("\r"))
	until(t, ctx, hasMessage("my first words, then more"), "the edit saved")
}

func TestOlderMessages_AnAnswerFromAnEarlierVisitIsNotMerged(t *testing.T) {
	w := newWorld(t, func(ctx context.Context, w *world, svc *chat.Service) {
		_, err := svc.CreateRoom(ctx, chat.Actor{User: w.admin}, chat.NewRoom{Name: "random"})
		require.NoError(t, err)
		for i := 1; i <= 100; i++ {
			_, err := svc.Post(ctx, chat.Actor{User: w.bob}, chat.NewMessage{Room: w.room, Text: fmt.Sprintf("message %03d", i)})
			require.NoError(t, err)
		}
	})
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	until(t, ctx, hasMessage("message 100"), "general")

	// The first page of older messages is held back until released.
	step(t, ctx, chromedp.Evaluate[chromedp.Void](`(() => {
	  const real = window.fetch;
	  let held = false;
	  window.releaseOlder = null;
	  window.fetch = (url, init) => {
	    if (held || !/^\/api\/messages\?.*before=/.test(url)) return real(url, init);
	    held = true;
	    return new Promise(resolve => { window.releaseOlder = () => resolve(real(url, init)); });
	  };
	})()`))
	step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('scroller').scrollTop = 0`))
	until(t, ctx, `window.releaseOlder !== null`, "older messages asked for")

	// Meanwhile alice goes elsewhere, goes on talking there from another
	// device (her own messages are not unread: the room opens at the
	// newest, not at an unread one), and she comes back to the newest
	// page, far past the one asked for.
	click(t, ctx, `//ul[@id="rooms"]//button[.//span[text()="random"]]`)
	until(t, ctx, `document.getElementById('room-title').textContent === 'random'`, "random")
	for i := 101; i <= 160; i++ {
		w.post(w.adminToken, fmt.Sprintf("message %03d", i))
	}
	click(t, ctx, `//ul[@id="rooms"]//button[.//span[text()="general"]]`)
	until(t, ctx, hasMessage("message 160")+` && document.querySelectorAll('#messages .msg').length === 50`, "general again, its newest page")

	// The earlier answer arrives; scrolling up then loads the page that
	// really comes before, with no gap.
	step(t, ctx, chromedp.Evaluate[chromedp.Void](`window.releaseOlder()`))
	until(t, ctx, `(s => (s.scrollTop = 0, s.dispatchEvent(new Event('scroll')), document.querySelectorAll('#messages .msg').length > 50))(document.getElementById('scroller'))`, "an older page")
	texts := eval[[]string](t, ctx, messageTexts)
	var first int
	_, err := fmt.Sscanf(texts[0], "message %d", &first)
	require.NoError(t, err, texts[0])
	for i, s := range texts {
		require.Equal(t, fmt.Sprintf("message %03d", first+i), s, "in order, none missing")
	}
	assert.Equal(t, "message 160", texts[len(texts)-1])
}
