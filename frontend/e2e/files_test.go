package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writePNG writes a w×h picture (a gradient) as dir/name and returns its
// path and size in bytes.
func writePNG(t *testing.T, dir, name string, w, h int) (string, int64) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / w), G: uint8(y * 255 / h), B: uint8((x ^ y) & 0xff), A: 255})
		}
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	info, err := os.Stat(path)
	require.NoError(t, err)
	return path, info.Size()
}

// writeFile writes data as dir/name and returns its path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
	return path
}

// inGeneral waits until the browser shows the room general, live, with
// its history (all of it: the rooms of these tests are short), and
// returns how many messages it shows.
// aliceAndBob opens a browser of width×height for each of alice and bob,
// logged in and live in general; seen is what inGeneral gave at bob's.
func (w *world) aliceAndBob(t *testing.T, width, height int) (alice, bob context.Context, seen int) {
	t.Helper()
	alice, bob = browser(t, width, height), browser(t, width, height)
	w.login(t, alice, "alice", "alice-password")
	w.login(t, bob, "bob", "bob-password")
	inGeneral(t, alice)
	return alice, bob, inGeneral(t, bob)
}

func inGeneral(t *testing.T, ctx context.Context) int {
	t.Helper()
	until(t, ctx, `document.getElementById('room-title').textContent === 'general' && document.body.dataset.conn === 'live' &&
	  document.getElementById('history-state').textContent !== ''`, "the room, live")
	return eval[int](t, ctx, msgCount)
}

// msgCount is the JS for how many messages the list shows.
const msgCount = `document.querySelectorAll('#messages > .msg').length`

// grown is the JS predicate "the list shows n messages".
func grown(n int) string { return fmt.Sprintf(`%s === %d`, msgCount, n) }

// attachFiles gives the composer's file input these files, as picking
// them through the paperclip does.
func attachFiles(t *testing.T, ctx context.Context, paths ...string) {
	t.Helper()
	step(t, ctx, chromedp.SetUploadFiles(chromedp.ID("attach-input"), paths))
}

// holdUploads keeps the page's uploads in the browser, before they are
// sent (through DevTools' Fetch domain), until release is called; then
// they go, and later ones are not held.
func holdUploads(t *testing.T, ctx context.Context) (release func()) {
	t.Helper()
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/uploads", RequestStage: fetch.RequestStageRequest}}})
	require.NoError(t, err)
	gate := make(chan struct{})
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			go func(id fetch.RequestID) {
				<-gate
				// The browser may be gone when the test ends: errors are moot.
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id})
			}(ev.RequestID)
		}
	}()
	return sync.OnceFunc(func() { close(gate) })
}

// recordProgress makes the page note every value its progress bars take.
const recordProgress = `window.progressSeen = [];
new MutationObserver((ms) => { for (const m of ms) window.progressSeen.push(Number(m.target.getAttribute('aria-valuenow'))); })
  .observe(document.body, {subtree: true, attributes: true, attributeFilter: ['aria-valuenow']});`

// fileView is a file as the API describes it.
type fileView struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
	DownloadURL string `json:"download_url"`
	ThumbURL    string `json:"thumb_url"`
}

// apiMessage is a message as the API describes it: its text and files.
type apiMessage struct {
	Text  string     `json:"text"`
	Files []fileView `json:"files"`
}

// roomFiles lists the room's messages, newest first, as the API gives
// them to bob.
func roomFiles(t *testing.T, w *world) []apiMessage {
	t.Helper()
	status, body := w.call(w.bobToken, "GET", "/api/messages?room="+w.room.Hex(), nil)
	require.Equal(t, 200, status, body)
	var msgs []apiMessage
	require.NoError(t, json.Unmarshal([]byte(body), &msgs))
	slices.Reverse(msgs)
	return msgs
}

// lastMsgSel selects the newest message of the list; lastMsg is the JS
// for it.
const (
	lastMsgSel = `#messages > .msg:last-of-type`
	lastMsg    = `document.querySelector('` + lastMsgSel + `')`
)

// stored is the JS predicate "the newest message is stored, not pending".
const stored = lastMsg + ` && !` + lastMsg + `.classList.contains('pending')`

// buttonsAtLeast40 is the JS predicate "every button of the tray and the
// paperclip is at least 40 px each way".
const buttonsAtLeast40 = `[...document.querySelectorAll('.tray button, #attach')].every(b => {
  const r = b.getBoundingClientRect(); return r.width >= 40 && r.height >= 40; })`

func TestFiles_AnAttachedImageUploadsWithProgressAndShowsLiveAsAThumbnail(t *testing.T) {
	w := newWorld(t, nil)
	picture, size := writePNG(t, t.TempDir(), "chart.png", 1200, 600)
	for i, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			alice, bob, seen := w.aliceAndBob(t, sz.w, sz.h)
			before := len(roomFiles(t, w))

			// The upload is held in the browser: it shows in the tray, and
			// Enter meanwhile makes the message wait for it.
			release := holdUploads(t, alice)
			step(t, alice, chromedp.Evaluate[chromedp.Void](recordProgress))
			step(t, alice, typeInto("#composer-input", fmt.Sprintf("The chart, take %d", i+1)))
			attachFiles(t, alice, picture)
			bar := `document.querySelector('.tray .upload [role=progressbar]')`
			until(t, alice, bar+` !== null`, "the upload under way")
			assert.Equal(t, [3]string{"0", "100", "0"}, eval[[3]string](t, alice, `['aria-valuemin', 'aria-valuemax', 'aria-valuenow'].map(a => `+bar+`.getAttribute(a))`))
			assert.Equal(t, "Uploading chart.png", eval[string](t, alice, bar+`.getAttribute('aria-label')`))
			assert.Equal(t, "chart.png", eval[string](t, alice, `document.querySelector('.tray .upload-name').textContent`))
			assert.Equal(t, chat.FormatBytes(size), eval[string](t, alice, `document.querySelector('.tray .upload-meta').textContent`))
			assert.Equal(t, "Cancel the upload of chart.png", eval[string](t, alice, `document.querySelector('.tray .upload-remove').getAttribute('aria-label')`))
			step(t, alice, typeInto("#composer-input", "\r"))
			assert.Contains(t, eval[string](t, alice, `document.querySelector('.tray-note').textContent`), "as soon as the uploads finish")
			assert.Equal(t, fmt.Sprintf("The chart, take %d", i+1), eval[string](t, alice, `document.getElementById('composer-input').value`), "the text waits in the composer")
			assert.Len(t, roomFiles(t, w), before, "nothing is posted before the upload is in")
			assert.True(t, eval[bool](t, alice, buttonsAtLeast40), "buttons of 40 px at least")
			assert.LessOrEqual(t, eval[int](t, alice, `document.documentElement.scrollWidth`), sz.w, "the page never scrolls sideways")
			screenshot(t, alice, "files-tray-"+sz.name)
			axeScan(t, alice, "the tray, uploading, "+sz.name)

			// The message goes by itself once the upload is in; the bar
			// was full before it went.
			release()
			until(t, alice, stored+` && `+lastMsg+`.querySelector('.files img') !== null && document.querySelector('.tray .upload') === null`, "the message sent with its picture")
			assert.Contains(t, eval[[]int](t, alice, `window.progressSeen`), 100, "the bar filled up")
			assert.Equal(t, "", eval[string](t, alice, `document.getElementById('composer-input').value`))
			msgs := roomFiles(t, w)
			require.Len(t, msgs, before+1)
			require.Len(t, msgs[0].Files, 1)
			f := msgs[0].Files[0]
			assert.Equal(t, "chart.png", f.Name)
			assert.Equal(t, size, f.Size)

			// Bob sees it live: the thumbnail, 800×400 as the server made
			// it, with its box reserved by its width and height.
			img := lastMsg + `.querySelector('.files img')`
			until(t, bob, fmt.Sprintf(`%s && %s.querySelector('.body')?.textContent === %q && %s && %s.complete && %s.naturalWidth > 0`,
				grown(seen+1), lastMsg, fmt.Sprintf("The chart, take %d", i+1), img, img, img), "the thumbnail at bob's")
			type pic struct {
				Src, Alt, Loading, Width, Height string
				NaturalWidth, NaturalHeight      int
				ShownWidth, ShownHeight          float64
			}
			got := eval[pic](t, bob, `(i => ({src: i.getAttribute('src'), alt: i.alt, loading: i.loading, width: i.getAttribute('width'), height: i.getAttribute('height'),
			  naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight, shownWidth: i.getBoundingClientRect().width, shownHeight: i.getBoundingClientRect().height}))(`+img+`)`)
			assert.Equal(t, f.ThumbURL, got.Src)
			assert.Equal(t, "chart.png", got.Alt)
			assert.Equal(t, "lazy", got.Loading)
			assert.Equal(t, [2]string{"800", "400"}, [2]string{got.Width, got.Height})
			assert.Equal(t, [2]int{800, 400}, [2]int{got.NaturalWidth, got.NaturalHeight}, "the thumbnail's own size")
			assert.LessOrEqual(t, got.ShownWidth, 400.0)
			assert.InDelta(t, got.ShownWidth/2, got.ShownHeight, 1.5, "shown at the picture's proportions")
			assert.LessOrEqual(t, eval[int](t, bob, `document.documentElement.scrollWidth`), sz.w)
			screenshot(t, bob, "files-thumbnail-"+sz.name)

			// Enter on the thumbnail opens the viewer with the full picture.
			link := lastMsgSel + ` .file-image`
			assert.Equal(t, f.URL, eval[string](t, bob, `document.querySelector(`+jsString(link)+`).getAttribute('href')`))
			step(t, bob, typeInto(link, "\r"))
			viewer := `document.querySelector('dialog.viewer')`
			full := viewer + `.querySelector('.viewer-img')`
			until(t, bob, viewer+`?.open && `+full+`.complete && `+full+`.naturalWidth > 0`, "the viewer with the full picture")
			assert.Equal(t, [2]int{1200, 600}, eval[[2]int](t, bob, `[`+full+`.naturalWidth, `+full+`.naturalHeight]`))
			assert.Equal(t, f.URL, eval[string](t, bob, full+`.getAttribute('src')`))
			assert.Equal(t, "chart.png", eval[string](t, bob, viewer+`.querySelector('h2').textContent`))
			assert.Equal(t, chat.FormatBytes(size)+" · PNG image", eval[string](t, bob, viewer+`.querySelector('.viewer-meta').textContent`))
			assert.Equal(t, f.DownloadURL, eval[string](t, bob, viewer+`.querySelector('a.viewer-download').getAttribute('href')`))
			assert.True(t, eval[bool](t, bob, `(r => r.right <= innerWidth && r.bottom <= innerHeight)(`+viewer+`.getBoundingClientRect())`), "the viewer fits the window")
			screenshot(t, bob, "files-viewer-"+sz.name)
			axeScan(t, bob, "the viewer, "+sz.name)
			step(t, bob, chromedp.KeyEvent(kb.Escape))
			until(t, bob, `!`+viewer+`.open && document.activeElement === document.querySelector(`+jsString(link)+`)`, "the viewer closed, the focus back on the thumbnail")

			// A click opens it too, and its close button closes it.
			click(t, alice, chromedp.CSS(link))
			until(t, alice, viewer+`?.open`, "the viewer at alice's")
			click(t, alice, chromedp.CSS(`dialog.viewer .viewer-head button`))
			until(t, alice, `!`+viewer+`.open && document.activeElement === document.querySelector(`+jsString(link)+`)`, "closed by its button")

			// A search result shows the message's files too.
			step(t, alice, typeInto("#search-input", fmt.Sprintf("take %d\r", i+1)))
			found := `document.querySelector('#results-list .result .files img')`
			until(t, alice, found+`?.getAttribute('src') === `+jsString(f.ThumbURL), "the thumbnail in the search results")
			assert.Equal(t, "chart.png", eval[string](t, alice, found+`.alt`))
		})
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// pasteImage pastes a picture drawn in the page into the composer, as a
// screenshot from the clipboard arrives (a file called image.png); it
// returns whether the page took the paste.
const pasteImage = `(async () => {
  const c = Object.assign(document.createElement('canvas'), {width: 320, height: 200});
  c.getContext('2d').fillRect(40, 40, 120, 60);
  const blob = await new Promise(done => c.toBlob(done, 'image/png'));
  const dt = new DataTransfer();
  dt.items.add(new File([blob], 'image.png', {type: 'image/png'}));
  const box = document.getElementById('composer-input');
  box.focus();
  const e = new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true});
  box.dispatchEvent(e);
  return e.defaultPrevented;
})()`

// dragFile drags a text file over the conversation (dragenter, then
// dragover), and drops it if drop is set.
func dragFile(name, text string, drop bool) string {
	return fmt.Sprintf(`((dt, at) => {
  dt.items.add(new File([%s], %s, {type: 'text/plain'}));
  for (const type of ['dragenter', 'dragover', ...(%t ? ['drop'] : [])]) at.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
  return true;
})(new DataTransfer(), document.getElementById('scroller'))`, jsString(text), jsString(name), drop)
}

func TestFiles_APastedImageAndADroppedFileAreAttachedAndSent(t *testing.T) {
	w := newWorld(t, nil)
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			ctx := browser(t, sz.w, sz.h)
			w.login(t, ctx, "alice", "alice-password")
			seen := inGeneral(t, ctx)

			taken, err := chromedp.Run(ctx, chromedp.Evaluate[bool](pasteImage, chromedp.EvalAwaitPromise))
			require.NoError(t, err)
			assert.True(t, taken, "the paste is the page's")
			until(t, ctx, `document.querySelector('.tray .upload.done img') !== null`, "the pasted picture uploaded")
			name := eval[string](t, ctx, `document.querySelector('.tray .upload-name').textContent`)
			assert.Regexp(t, `^pasted-image-\d{4}-\d\d-\d\d-\d{4}\.png$`, name)
			step(t, ctx, typeInto("#composer-input", "\r"))
			until(t, ctx, grown(seen+1)+` && `+stored+` && `+lastMsg+`.querySelector('.files img')?.alt === `+jsString(name), "the pasted picture sent")
			assert.Nil(t, eval[any](t, ctx, lastMsg+`.querySelector('.body')`), "a message of files only has no text line")
			msgs := roomFiles(t, w)
			require.NotEmpty(t, msgs)
			assert.Equal(t, "", msgs[0].Text)
			require.Len(t, msgs[0].Files, 1)
			assert.Equal(t, name, msgs[0].Files[0].Name)
			assert.NotEmpty(t, msgs[0].Files[0].ThumbURL)

			// Files dragged over the conversation show the drop zone; a
			// drop attaches them.
			eval[bool](t, ctx, dragFile("notes.txt", "dropped in", false))
			assert.True(t, eval[bool](t, ctx, `'drop' in document.getElementById('room').dataset`))
			assert.Equal(t, `"Drop files to attach them"`, eval[string](t, ctx, `getComputedStyle(document.getElementById('room'), '::after').content`))
			eval[bool](t, ctx, `document.getElementById('scroller').dispatchEvent(new DragEvent('dragleave', {dataTransfer: new DataTransfer(), bubbles: true})), true`)
			assert.False(t, eval[bool](t, ctx, `'drop' in document.getElementById('room').dataset`), "the zone goes when the drag leaves")
			eval[bool](t, ctx, dragFile("notes.txt", "dropped in", true))
			assert.False(t, eval[bool](t, ctx, `'drop' in document.getElementById('room').dataset`))
			until(t, ctx, `document.querySelector('.tray .upload.done .upload-name')?.textContent === 'notes.txt'`, "the dropped file uploaded")
			step(t, ctx, typeInto("#composer-input", "Notes attached\r"))
			until(t, ctx, grown(seen+2)+` && `+stored+` && `+lastMsg+`.querySelector('.file-card .file-name')?.textContent === 'notes.txt'`, "the dropped file sent")
			assert.Equal(t, "Notes attached", eval[string](t, ctx, lastMsg+`.querySelector('.body').textContent`))
		})
	}
}

func TestFiles_APDFShowsAsACardThatDownloads(t *testing.T) {
	w := newWorld(t, nil)
	pdf := writeFile(t, t.TempDir(), "report.pdf", "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	info, err := os.Stat(pdf)
	require.NoError(t, err)
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			alice, bob, seen := w.aliceAndBob(t, sz.w, sz.h)

			attachFiles(t, alice, pdf)
			until(t, alice, `document.querySelector('.tray .upload.done') !== null`, "the PDF uploaded")
			step(t, alice, typeInto("#composer-input", "\r"))
			card := lastMsg + `.querySelector('.file-card')`
			until(t, bob, grown(seen+1)+` && `+card+` !== null && `+card+`.querySelector('.file-name').textContent === 'report.pdf'`, "the card at bob's")
			msgs := roomFiles(t, w)
			require.Len(t, msgs[0].Files, 1)
			f := msgs[0].Files[0]
			assert.Empty(t, f.ThumbURL)
			assert.Equal(t, f.DownloadURL, eval[string](t, bob, card+`.querySelector('a.file-name').getAttribute('href')`))
			assert.Equal(t, chat.FormatBytes(info.Size())+" · PDF document", eval[string](t, bob, card+`.querySelector('.file-meta').textContent`))
			assert.True(t, eval[bool](t, bob, card+`.querySelector('svg.icon use').getAttribute('href').endsWith('#file-text')`), "an icon by type")
			assert.Nil(t, eval[any](t, bob, lastMsg+`.querySelector('.body')`), "no empty text line")
			assert.LessOrEqual(t, eval[int](t, bob, `document.documentElement.scrollWidth`), sz.w)

			// Both of its addresses make the browser save it, never show it.
			for _, u := range []string{f.DownloadURL, f.URL} {
				cd, err := chromedp.Run(bob, chromedp.Evaluate[string](`fetch(`+jsString(u)+`).then(r => r.headers.get('Content-Disposition'))`, chromedp.EvalAwaitPromise))
				require.NoError(t, err)
				assert.True(t, strings.HasPrefix(cd, "attachment"), "%s: %s", u, cd)
				assert.Contains(t, cd, `filename=report.pdf`)
			}
			screenshot(t, bob, "files-card-"+sz.name)
			axeScan(t, bob, "a file card, "+sz.name)
		})
	}
}

func TestFiles_AMessageCarriesAtMostTenFiles(t *testing.T) {
	w := newWorld(t, nil)
	dir := t.TempDir()
	var paths []string
	for i := range 11 {
		paths = append(paths, writeFile(t, dir, fmt.Sprintf("part-%02d.txt", i+1), fmt.Sprintf("part %d\n", i+1)))
	}
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			ctx := browser(t, sz.w, sz.h)
			w.login(t, ctx, "alice", "alice-password")
			seen := inGeneral(t, ctx)
			attachFiles(t, ctx, paths...)
			until(t, ctx, `document.querySelectorAll('.tray .upload.done').length === 10`, "ten files uploaded")
			assert.Equal(t, "A message can carry at most 10 files: one was not attached. Send these first, then attach the rest.",
				eval[string](t, ctx, `document.querySelector('.tray-note').textContent`))
			assert.Equal(t, "part-10.txt", eval[string](t, ctx, `[...document.querySelectorAll('.tray .upload-name')].at(-1).textContent`))
			assert.True(t, eval[bool](t, ctx, buttonsAtLeast40))
			assert.LessOrEqual(t, eval[int](t, ctx, `document.documentElement.scrollWidth`), sz.w)
			if sz.w < 720 {
				assert.True(t, eval[bool](t, ctx, `(l => l[0].getBoundingClientRect().bottom <= l[1].getBoundingClientRect().top)(document.querySelectorAll('.tray .upload'))`),
					"on a phone the tray wraps: one file to a row")
			}
			screenshot(t, ctx, "files-ten-"+sz.name)
			step(t, ctx, typeInto("#composer-input", "\r"))
			until(t, ctx, grown(seen+1)+` && `+stored+` && `+lastMsg+`.querySelectorAll('.file-card').length === 10`, "the ten files sent")
			assert.Empty(t, eval[string](t, ctx, `document.querySelector('.tray-note').textContent`))
		})
	}
}

func TestFiles_AnUploadTheServerRefusesShowsItsReasonAndNothingIsPosted(t *testing.T) {
	w := newWorld(t, nil, withConfig(func(c *config.Config) { c.UploadMaxBytes = 1024 }))
	big := writeFile(t, t.TempDir(), "big.txt", strings.Repeat("too large\n", 400))
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			ctx := browser(t, sz.w, sz.h)
			w.login(t, ctx, "alice", "alice-password")
			seen := inGeneral(t, ctx)
			before := len(roomFiles(t, w))

			step(t, ctx, typeInto("#composer-input", "Here it is"))
			attachFiles(t, ctx, big)
			failure := `document.querySelector('.tray .upload.failed .upload-error')`
			until(t, ctx, failure+` !== null`, "the refusal")
			assert.Equal(t, "A file may be at most 1 KiB. Retry", eval[string](t, ctx, failure+`.textContent`), "the server's reason")
			assert.Equal(t, "Remove big.txt", eval[string](t, ctx, `document.querySelector('.tray .upload-remove').getAttribute('aria-label')`))
			assert.True(t, eval[bool](t, ctx, buttonsAtLeast40))
			screenshot(t, ctx, "files-refused-"+sz.name)
			axeScan(t, ctx, "the tray with a refused file, "+sz.name)

			// Enter does not send it without its file, and says why.
			step(t, ctx, typeInto("#composer-input", "\r"))
			assert.Equal(t, "A file did not upload: retry it or remove it, then send.", eval[string](t, ctx, `document.querySelector('.tray-note').textContent`))
			assert.Equal(t, "Here it is", eval[string](t, ctx, `document.getElementById('composer-input').value`))
			assert.Len(t, roomFiles(t, w), before, "nothing posted")
			assert.Equal(t, seen, eval[int](t, ctx, msgCount), "no pending line either")

			// Retry asks again (and is refused again); Remove empties the
			// tray, and then the text goes alone.
			click(t, ctx, chromedp.CSS(`.tray .retry`))
			until(t, ctx, failure+` !== null`, "refused again")
			click(t, ctx, chromedp.CSS(`.tray .upload-remove`))
			until(t, ctx, `document.querySelector('.tray .upload') === null`, "the tray empty")
			step(t, ctx, typeInto("#composer-input", "\r"))
			until(t, ctx, grown(seen+1)+` && `+stored+` && `+lastMsg+`.querySelector('.body')?.textContent === 'Here it is'`, "the text sent alone")
			msgs := roomFiles(t, w)
			require.Len(t, msgs, before+1)
			assert.Empty(t, msgs[0].Files)
		})
	}
}

func TestFiles_AnUploadedHTMLPageOrSVGNeverRunsItsScript(t *testing.T) {
	w := newWorld(t, nil)
	dir := t.TempDir()
	page1 := writeFile(t, dir, "evil.html", `<!doctype html><html><head><title>evil</title></head><body>
<script>document.title = 'pwned'; localStorage.setItem('pwned', '1'); try { window.top.pwned = 1; window.opener.pwned = 1; } catch (e) {}</script>
</body></html>`)
	svg := writeFile(t, dir, "evil.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="localStorage.setItem('pwned', 'svg')"><title>evil</title>
<script>document.title = 'pwned'; localStorage.setItem('pwned', '1'); try { window.top.pwned = 1; } catch (e) {}</script></svg>`)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "alice", "alice-password")
	inGeneral(t, ctx)
	attachFiles(t, ctx, page1, svg)
	until(t, ctx, `document.querySelectorAll('.tray .upload.done').length === 2`, "the page and the picture uploaded")
	step(t, ctx, typeInto("#composer-input", "Do not open\r"))
	until(t, ctx, stored+` && `+lastMsg+`.querySelectorAll('.file-card').length === 2`, "two cards: an SVG is no picture to show")
	msgs := roomFiles(t, w)
	require.Len(t, msgs[0].Files, 2)
	for _, f := range msgs[0].Files {
		// Its address, opened in a tab of its own, is a download (refused
		// here): no page of it loads, and its script runs nowhere.
		for _, u := range []string{f.URL, f.DownloadURL} {
			tab, cancel := chromedp.NewContext(ctx)
			_, err := chromedp.CallBrowser(tab, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorDeny})
			require.NoError(t, err)
			res, err := chromedp.Call(tab, page.Navigate, page.NavigateParams{URL: w.url + u})
			require.NoError(t, err)
			assert.NotEmpty(t, res.ErrorText, "%s: a download, not a page", u)
			assert.NotEqual(t, "pwned", eval[string](t, tab, `document.title`), u)
			assert.Equal(t, "about:blank", eval[string](t, tab, `location.href`), "%s: no page of the file", u)
			cancel()
		}
		cd, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`fetch(`+jsString(f.URL)+`).then(r => [r.headers.get('Content-Disposition'), r.headers.get('Content-Security-Policy'), r.headers.get('X-Content-Type-Options')])`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(cd[0], "attachment"), "%s: %s", f.Name, cd[0])
		assert.Contains(t, cd[1], "sandbox")
		assert.Equal(t, "nosniff", cd[2])
	}
	assert.Nil(t, eval[any](t, ctx, `localStorage.getItem('pwned')`))
	assert.Nil(t, eval[any](t, ctx, `window.pwned ?? null`))
	assert.NotEqual(t, "pwned", eval[string](t, ctx, `document.title`))
}

func TestFiles_AMessageWithFilesWaitsInTheOutboxAcrossAReload(t *testing.T) {
	w := newWorld(t, nil)
	pdf := writeFile(t, t.TempDir(), "minutes.pdf", "%PDF-1.4\n%%EOF\n")
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			ctx := browser(t, sz.w, sz.h)
			w.login(t, ctx, "alice", "alice-password")
			seen := inGeneral(t, ctx)
			before := len(roomFiles(t, w))
			attachFiles(t, ctx, pdf)
			until(t, ctx, `document.querySelector('.tray .upload.done') !== null`, "the file uploaded")

			// The connection drops after the upload (the network refuses
			// every post): the message waits, with its file, and a reload
			// keeps it.
			var offline atomic.Bool
			offline.Store(true)
			tapPosts(t, ctx, fetch.RequestStageRequest, func(int) bool { return offline.Load() })
			step(t, ctx, typeInto("#composer-input", "\r"))
			pendingCard := `document.querySelector('#messages .msg.pending .file-card .file-name')?.textContent === 'minutes.pdf'`
			until(t, ctx, pendingCard+` && document.body.dataset.outbox === 'offline'`, "the message waiting with its file")
			assert.Equal(t, "minutes.pdf", eval[string](t, ctx, `JSON.parse(localStorage.getItem('makechat.outbox.`+w.admin.ID.Hex()+`'))[0].files[0].name`))
			step(t, ctx, chromedp.Reload())
			until(t, ctx, `document.body.dataset.ready && `+pendingCard, "the message waiting again after the reload")
			assert.Len(t, roomFiles(t, w), before, "nothing got through")

			offline.Store(false)
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event('online'))`))
			until(t, ctx, noneWaiting+` && `+grown(seen+1)+` && `+lastMsg+`.querySelector('.file-card .file-name')?.textContent === 'minutes.pdf'`, "the message sent once back online")
			msgs := roomFiles(t, w)
			require.Len(t, msgs, before+1, "stored once")
			require.Len(t, msgs[0].Files, 1)
			assert.Equal(t, "minutes.pdf", msgs[0].Files[0].Name)
		})
	}
}
