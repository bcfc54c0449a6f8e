package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dotOf is the JS for the presence drawn on the avatar of the user
// named name in the sidebar's direct messages: "online", "away", or
// empty with none; a dot the CSS does not draw counts as none.
func dotOf(name string) string {
	return fmt.Sprintf(`(a => !a ? 'no avatar' : a.dataset.presence && getComputedStyle(a, '::after').content !== 'none' ? a.dataset.presence : '')(%s?.querySelector('.avatar'))`,
		convButton("directs", name))
}

// within waits, up to d (the server publishes presence every 5
// seconds), until the JS predicate js holds in ctx.
func within(t *testing.T, ctx context.Context, d time.Duration, js, what string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 1500)`))
		t.Fatalf("waited %s for %s (%s): %v\npage text:\n%s", d, what, js, err, body)
	}
}

// within10s is within for 10 seconds: two of the server's batches.
func within10s(t *testing.T, ctx context.Context, js, what string) {
	t.Helper()
	within(t, ctx, 10*time.Second, js, what)
}

func TestPresence_ADotWhileOnlineHollowWhileAwayNoneWhenGoneAndLastSeenInTheHeader(t *testing.T) {
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			// Away after 7 s: longer than the server's batches (5 s), so
			// that being online is always published before being away.
			w := newWorld(t, nil, withConfig(func(c *config.Config) { c.PresenceAway = 7 * time.Second }))
			status, body := w.call(w.adminToken, "POST", "/api/messages", map[string]string{"recipient": w.bob.ID.Hex(), "text": "hello bob"})
			require.Equal(t, 201, status, body)
			bob := browser(t, sz.w, sz.h)
			w.login(t, bob, "bob", "bob-password")
			inGeneral(t, bob)
			until(t, bob, dotOf("alice")+` === ''`, "alice's conversation, without a dot: she is offline")

			// Alice opens the app: a dot; idle, a hollow one; back, a dot.
			alice := browser(t, sz.w, sz.h)
			w.login(t, alice, "alice", "alice-password")
			within10s(t, bob, dotOf("alice")+` === 'online'`, "alice's dot")
			within(t, bob, 15*time.Second, dotOf("alice")+` === 'away'`, "alice away after seven idle seconds")
			assert.Contains(t, eval[string](t, bob, convButton("directs", "alice")+`.textContent`), ", away", "said to screen readers")
			step(t, alice, chromedp.KeyEvent(kb.Shift))
			within10s(t, bob, dotOf("alice")+` === 'online'`, "alice online again, on a key")
			assert.Contains(t, eval[string](t, bob, convButton("directs", "alice")+`.textContent`), ", online")
			openDrawerIfPhone(t, bob)
			screenshot(t, bob, "presence-sidebar-"+sz.name)
			axeScan(t, bob, "the direct messages with presence, "+sz.name)

			// The direct conversation says it; so does the member list.
			openConvNamed(t, bob, "directs", "alice")
			until(t, bob, `['Online', 'Away'].includes(document.getElementById('room-topic').textContent) && !document.getElementById('room-topic').hidden`, "alice's presence under her name")
			openConvNamed(t, bob, "rooms", "general")
			click(t, bob, chromedp.ID("members-button"))
			alicesRow := `[...document.querySelectorAll('#dialog-body .pick li')].find(li => li.querySelector('.name').textContent === 'alice')`
			until(t, bob, dialogOpen+` && `+alicesRow+`?.querySelector('.avatar').dataset.presence !== undefined`, "alice's dot among the members")
			assert.NotEqual(t, "none", eval[string](t, bob, `getComputedStyle(`+alicesRow+`.querySelector('.avatar'), '::after').content`))
			axeScan(t, bob, "the member list with presence, "+sz.name)
			step(t, bob, chromedp.KeyEvent(kb.Escape))
			until(t, bob, `!`+dialogOpen, "the list closed")

			// She leaves: the dot goes, and her conversation says when she
			// was last seen.
			step(t, alice, chromedp.Navigate("about:blank"))
			within10s(t, bob, dotOf("alice")+` === ''`, "alice's dot gone")
			openConvNamed(t, bob, "directs", "alice")
			until(t, bob, `document.getElementById('room-topic').textContent === 'Last seen just now'`, "when she was last seen")

			// Back, she hides her presence: offline at once for bob,
			// without a last-seen time; shown again, online.
			w.login(t, alice, "alice", "alice-password")
			within10s(t, bob, dotOf("alice")+` !== ''`, "alice's dot again")
			openAccountMenu(t, alice)
			click(t, alice, chromedp.ID("account"))
			show := `[...document.querySelectorAll('#dialog-body .presence-edit input[type=checkbox]')][0]`
			until(t, alice, dialogOpen+` && `+show+`?.checked === true`, "Show when I'm online, ticked")
			axeScan(t, alice, "the account with presence, "+sz.name)
			click(t, alice, chromedp.CSS(`#dialog-body .presence-edit input[type=checkbox]`))
			until(t, alice, `document.querySelector('#dialog-body .presence-edit [role=status]').textContent === 'Others now see you offline.'`, "hidden")
			within10s(t, bob, dotOf("alice")+` === '' && document.getElementById('room-topic').hidden`, "alice offline to bob, no time said")
			click(t, alice, chromedp.CSS(`#dialog-body .presence-edit input[type=checkbox]`))
			until(t, alice, `document.querySelector('#dialog-body .presence-edit [role=status]').textContent === 'Others now see when you are online.'`, "shown")
			within10s(t, bob, dotOf("alice")+` !== '' && ['Online', 'Away'].includes(document.getElementById('room-topic').textContent)`, "alice there again")
		})
	}
}
