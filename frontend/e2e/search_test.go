package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// deploysToFilter: in general, bob and alice talk about a deploy, alice
// with its log as a file, then bob posts 60 status lines; alice alone is
// in ops, where she keeps notes on it.
func deploysToFilter(ctx context.Context, w *world, svc *chat.Service) {
	alice, bob := chat.Actor{User: w.admin}, chat.Actor{User: w.bob}
	post := func(a chat.Actor, n chat.NewMessage) {
		_, err := svc.Post(ctx, a, n)
		require.NoError(w.t, err)
	}
	ops, err := svc.CreateRoom(ctx, alice, chat.NewRoom{Name: "ops"})
	require.NoError(w.t, err)
	f, err := svc.Upload(ctx, alice, "deploy.log", strings.NewReader("all good"))
	require.NoError(w.t, err)
	post(bob, chat.NewMessage{Room: w.room, Text: "deploy started"})
	post(alice, chat.NewMessage{Room: w.room, Text: "deploy done"})
	post(alice, chat.NewMessage{Room: w.room, Text: "the deploy log", Files: []storage.ID{f.ID}})
	post(alice, chat.NewMessage{Room: ops.ID, Text: "deploy notes"})
	for i := range 60 {
		post(bob, chat.NewMessage{Room: w.room, Text: fmt.Sprintf("status %02d", i)})
	}
}

func TestSearch_FiltersNarrowTheResults(t *testing.T) {
	w := newWorld(t, deploysToFilter)
	results := `[...document.querySelectorAll('#results-list .result .body')].map(b => b.textContent)`
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "alice", "alice-password")
			until(t, ctx, hasMessage("status 59"), "general, at the newest")
			search := func(q string) {
				t.Helper()
				// The list is emptied first, so that what shows next is
				// this search's.
				step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('search-input').value = ''; document.getElementById('results-list').replaceChildren()`),
					typeInto("#search-input", q+"\r"))
				until(t, ctx, `!document.getElementById('results').hidden && (l => l.children.length > 0 && !l.textContent.startsWith('Searching'))(document.getElementById('results-list'))`,
					"the results of "+q)
			}

			// The empty field, focused, shows the filters, and says them
			// to a screen reader.
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById('search-input').value = ''`), typeInto("#search-input", ""))
			until(t, ctx, `getComputedStyle(document.getElementById('search-hint')).display !== 'none'`, "the hint of the filters")
			assert.Contains(t, eval[string](t, ctx, `document.getElementById('search-hint').textContent`), "from:alice")
			assert.Equal(t, "search-hint", eval[string](t, ctx, `document.getElementById('search-input').getAttribute('aria-describedby')`))
			screenshot(t, ctx, "search-hint-"+size.name)
			axeScan(t, ctx, "the search hint ("+size.name+")")

			search("deploy from:bob")
			assert.Equal(t, []string{"deploy started"}, eval[[]string](t, ctx, results))
			assert.Equal(t, "none", eval[string](t, ctx, `getComputedStyle(document.getElementById('search-hint')).display`), "no hint over the results")

			search("in:ops deploy")
			assert.Equal(t, []string{"deploy notes"}, eval[[]string](t, ctx, results))

			search("has:file")
			assert.Equal(t, []string{"the deploy log"}, eval[[]string](t, ctx, results))
			axeScan(t, ctx, "filtered search results ("+size.name+")")

			search("deploy from:nobody")
			assert.Equal(t, "Nothing found.", eval[string](t, ctx, `document.getElementById('results-list').textContent`))

			search("deploy before:2026-13-01")
			assert.Equal(t, "The 'q' parameter's before: filter must be a date as YYYY-MM-DD (UTC), such as before:2026-12-01.",
				eval[string](t, ctx, `document.querySelector('#results-list .error').textContent`))

			// Filters alone list bob's messages, a page at a time.
			search("from:bob")
			assert.Len(t, eval[[]string](t, ctx, results), 50)
			assert.Equal(t, "status 59", eval[string](t, ctx, `document.querySelector('#results-list .result .body').textContent`), "newest first")
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('#results-list .more').scrollIntoView()`))
			screenshot(t, ctx, "search-more-"+size.name)
			click(t, ctx, chromedp.CSS(`#results-list .more button`))
			until(t, ctx, results+`.length === 61`, "the older page")
			got := eval[[]string](t, ctx, results)
			assert.Equal(t, []string{"status 00", "deploy started"}, got[59:])
			assert.True(t, eval[bool](t, ctx, `document.activeElement.closest('#results-list .result') !== null`), "the focus on what the older page found")
			assert.False(t, eval[bool](t, ctx, `document.querySelector('#results-list .more') !== null`), "no more pages")
			screenshot(t, ctx, "search-older-"+size.name)
			axeScan(t, ctx, "two pages of results ("+size.name+")")
		})
	}
}
