package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The pages the preview tests link to: what each says of itself.
const (
	releaseTitle = "Release 2.0 & notes"
	releaseSite  = "Example"
	hostileTitle = `<img src=x onerror=window.pwned=1>`
	hostileText  = `<script>window.pwned=2</script> & <b>bold</b>`
	hostileSite  = `<b>Evil</b>`
)

// releaseText is the release page's description: long enough to be cut
// after three lines, even on a wide screen.
var releaseText = "What changed, and why. " + strings.Repeat("Faster uploads, fewer surprises, and many small fixes. ", 12)

// previewSite is a web site on the loopback that messages link to: a
// release page and a hostile one, each with OpenGraph tags and an
// og:image. It counts the requests for each path.
type previewSite struct {
	url  string
	mu   sync.Mutex
	hits map[string]int
}

func newPreviewSite(t *testing.T) *previewSite {
	s := &previewSite{hits: map[string]int{}}
	cover, _ := writePNG(t, t.TempDir(), "cover.png", 40, 20)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		var title, text, site string
		switch r.URL.Path {
		case "/release":
			title, text, site = releaseTitle, releaseText, releaseSite
		case "/hostile":
			title, text, site = hostileTitle, hostileText, hostileSite
		case "/cover.png":
			http.ServeFile(rw, r, cover)
			return
		default:
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		// Raw markup in the attributes: the parser takes it as text.
		fmt.Fprintf(rw, `<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="%s">
<meta property="og:description" content="%s">
<meta property="og:image" content="/cover.png">
<meta property="og:site_name" content="%s">
</head><body><img src="/cover.png"></body></html>`,
			strings.ReplaceAll(title, `"`, "&quot;"), strings.ReplaceAll(text, `"`, "&quot;"), strings.ReplaceAll(site, `"`, "&quot;"))
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// hitsOf is how many requests path has had.
func (s *previewSite) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// previewWorld is a world whose server may fetch previews from the
// loopback, where the test's site listens (outgoing_allow; the guard
// itself is unchanged), and in which alice has an avatar.
func previewWorld(t *testing.T) (*world, *previewSite) {
	site := newPreviewSite(t)
	w := newWorld(t, nil, withConfig(func(c *config.Config) {
		c.LinkPreviews = true
		c.OutgoingAllow = []string{"127.0.0.1"}
	}))
	picture, _ := writePNG(t, t.TempDir(), "alice.png", 300, 300)
	data, err := os.ReadFile(picture)
	require.NoError(t, err)
	status, body := w.putAvatar(w.adminToken, "alice.png", data)
	require.Equal(t, 200, status, body)
	return w, site
}

// msgWithText is the JS for the list item of the message whose text is
// text.
func msgWithText(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll('#messages > .msg')].find(li => li.querySelector('.body')?.textContent === %s)`, jsString(text))
}

// openMsgMenu opens the menu of the message msg (JS) by keyboard, as
// Enter on a focused message does.
func openMsgMenu(t *testing.T, ctx context.Context, msg string) {
	t.Helper()
	step(t, ctx, chromedp.Evaluate[chromedp.Void](msg+`.focus()`), chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `!document.getElementById('msg-menu').hidden && document.activeElement.getAttribute('role') === 'menuitem'`, "the message menu")
}

// requestedImage is the JS predicate "the page asked for a URL with
// cover.png in it" (the browser's own record of its requests).
const requestedImage = `performance.getEntriesByType('resource').some(e => e.name.includes('cover.png'))`

func TestPreviews_ALinkShowsItsPreviewLiveWithoutItsImageAndOnlyItsSenderMayRemoveIt(t *testing.T) {
	w, site := previewWorld(t)
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			// Bob speaks first: alice's message then has its own header.
			w.post(w.bobToken, "Any news, alice? ("+sz.name+")")
			alice, bob, _ := w.aliceAndBob(t, sz.w, sz.h)

			// Alice posts a link; the preview reaches Bob live, after the
			// post: the site's name, the title linking to the page, the
			// description cut after three lines.
			fetched := site.hitsOf("/release")
			link := site.url + "/release?size=" + sz.name
			text := "Release notes: " + link
			step(t, alice, typeInto("#composer-input", text+"\r"))
			msg := msgWithText(text)
			until(t, bob, msg+` !== undefined`, "the message at bob's")
			card := msg + `.querySelector('.preview')`
			until(t, bob, card+` !== null && `+card+`.querySelector('.preview-title a') !== null`, "the preview at bob's")
			type previewCard struct {
				Site, Title, Href, Rel, Target, Text string
				Lines                                float64
				Cut                                  bool
			}
			got := eval[previewCard](t, bob, `(c => { const a = c.querySelector('.preview-title a'), d = c.querySelector('.preview-text');
			  return {site: c.querySelector('.preview-site').textContent, title: a.textContent, href: a.getAttribute('href'), rel: a.rel, target: a.target,
			    text: d.textContent, lines: d.getBoundingClientRect().height / parseFloat(getComputedStyle(d).lineHeight), cut: d.scrollHeight > d.clientHeight}; })(`+card+`)`)
			assert.Equal(t, previewCard{Site: releaseSite, Title: releaseTitle, Href: link, Rel: "noopener noreferrer nofollow", Target: "_blank",
				Text: strings.TrimSpace(releaseText), Lines: got.Lines, Cut: true}, got)
			assert.InDelta(t, 3, got.Lines, 0.2, "three lines of the description")
			assert.Equal(t, fetched+1, site.hitsOf("/release"), "the server fetched the page once")

			// The page's image is never loaded: not in the card, not asked
			// for by either browser, never reached the site.
			assert.Zero(t, eval[int](t, bob, card+`.querySelectorAll('img').length`))
			assert.False(t, eval[bool](t, bob, requestedImage))
			until(t, alice, msg+`?.querySelector('.preview') != null`, "the preview at alice's")
			assert.False(t, eval[bool](t, alice, requestedImage))
			assert.Zero(t, site.hitsOf("/cover.png"))

			// Alice's own avatar is beside her message at Bob's.
			avatarURL := w.avatarOf(w.adminToken)
			require.NotEmpty(t, avatarURL)
			until(t, bob, msg+`.querySelector('.avatar img')?.getAttribute('src') === `+jsString(avatarURL)+` && `+msg+`.querySelector('.avatar img').naturalWidth > 0`, "alice's avatar")

			// Only the sender has a remove button, and the menu item.
			assert.Zero(t, eval[int](t, bob, msg+`.querySelectorAll('.preview-remove').length`), "bob has no remove button on alice's message")
			openMsgMenu(t, bob, msg)
			assert.Equal(t, []string{"Copy text", "Add reaction", "Reply in thread"}, eval[[]string](t, bob, menuItems), "nor a menu item")
			step(t, bob, chromedp.KeyEvent(kb.Escape))
			remove := msg + `.querySelector('.preview-remove')`
			assert.Equal(t, "Remove preview", eval[string](t, alice, remove+`.getAttribute('aria-label')`))
			assert.True(t, eval[bool](t, alice, fitsTheScreen))
			assert.True(t, eval[bool](t, bob, fitsTheScreen))
			screenshot(t, bob, "preview-"+sz.name)
			screenshot(t, alice, "preview-own-"+sz.name)
			axeScan(t, bob, "a preview and avatars, "+sz.name)
			axeScan(t, alice, "one's own preview, "+sz.name)

			// Alice removes it with its button: gone at hers, with the
			// focus on the message, and live at Bob's; the server agrees.
			id := eval[string](t, alice, msg+`.dataset.id`)
			click(t, alice, chromedp.CSS(`#messages > .msg[data-id="`+id+`"] .preview-remove`))
			until(t, alice, msg+`.querySelector('.preview') === null && document.activeElement === `+msg, "the preview gone at alice's, the focus on the message")
			until(t, bob, msg+`.querySelector('.preview') === null`, "the preview gone at bob's")
			status, body := w.call(w.bobToken, "GET", "/api/messages?room="+w.room.Hex()+"&limit=1", nil)
			require.Equal(t, 200, status)
			assert.NotContains(t, body, `"preview"`)

			// A second one goes through the message menu, by keyboard.
			text2 := "Again: " + site.url + "/release?again=" + sz.name
			step(t, alice, typeInto("#composer-input", text2+"\r"))
			msg2 := msgWithText(text2)
			until(t, bob, msg2+`?.querySelector('.preview-title a')?.textContent === `+jsString(releaseTitle), "the second preview at bob's")
			until(t, alice, msg2+`?.querySelector('.preview') != null`, "the second preview at alice's")
			openMsgMenu(t, alice, msg2)
			assert.Equal(t, []string{"Copy text", "Add reaction", "Reply in thread", "Edit", "Remove preview", "Delete"}, eval[[]string](t, alice, menuItems))
			step(t, alice, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown))
			require.Equal(t, "Remove preview", eval[string](t, alice, `document.activeElement.textContent`))
			step(t, alice, chromedp.KeyEvent(kb.Enter))
			until(t, alice, msg2+`.querySelector('.preview') === null && document.getElementById('msg-menu').hidden`, "the second preview gone at alice's")
			until(t, bob, msg2+`.querySelector('.preview') === null`, "the second preview gone at bob's")
			assert.Zero(t, site.hitsOf("/cover.png"))
		})
	}
}

func TestPreviews_AHostilePageShowsItsTitleAsTextAndRunsNothing(t *testing.T) {
	w, site := previewWorld(t)
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			bob := browser(t, sz.w, sz.h)
			_, err := chromedp.Call(bob, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.alert = () => { window.pwned = 'alert'; };`})
			require.NoError(t, err)
			w.login(t, bob, "bob", "bob-password")
			inGeneral(t, bob)

			text := "Look: " + site.url + "/hostile?size=" + sz.name
			w.post(w.adminToken, text)
			card := msgWithText(text) + `?.querySelector('.preview')`
			until(t, bob, card+` && `+card+`.querySelector('.preview-title a') !== null`, "the hostile preview")
			assert.Equal(t, []string{hostileSite, hostileTitle, hostileText},
				eval[[]string](t, bob, `[...`+card+`.querySelectorAll('p')].map(p => p.textContent)`), "markup shows as text")
			assert.Equal(t, []string{"P", "P", "A", "P"}, eval[[]string](t, bob, `[...`+card+`.querySelectorAll('*')].map(e => e.tagName)`),
				"nothing but the card's own elements")
			assert.Zero(t, eval[int](t, bob, `document.querySelectorAll('#messages img:not(.avatar > img), #messages script').length`))
			assert.Nil(t, eval[any](t, bob, `window.pwned ?? null`))
			assert.False(t, eval[bool](t, bob, requestedImage))
			assert.Zero(t, site.hitsOf("/cover.png"))
		})
	}
}
