package e2e

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// putAvatar uploads data, named name, as the avatar of the user of token,
// as a browser's form sends a file; it returns the status and body.
func (w *world) putAvatar(token, name string, data []byte) (int, string) {
	w.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("file", name)
	require.NoError(w.t, err)
	_, err = part.Write(data)
	require.NoError(w.t, err)
	require.NoError(w.t, mw.Close())
	return w.send(token, "PUT", "/api/me/avatar", mw.FormDataContentType(), &buf)
}

// avatarOf is the avatar URL of the user of token, as /api/me gives it
// ("" for none).
func (w *world) avatarOf(token string) string {
	w.t.Helper()
	status, body := w.call(token, "GET", "/api/me", nil)
	require.Equal(w.t, 200, status, body)
	var me struct{ Avatar string }
	require.NoError(w.t, json.Unmarshal([]byte(body), &me))
	return me.Avatar
}

// avatarNote is the JS for the account dialog's line about the avatar.
const avatarNote = `document.querySelector('#dialog-body .avatar-note')`

// hasPicture is the JS predicate "the avatar in the element el (JS)
// shows the picture at url, loaded: the server's 256 px square".
func hasPicture(el, url string) string {
	img := el + `?.querySelector('.avatar img')`
	return img + `?.getAttribute('src') === ` + jsString(url) + ` && ` + img + `.complete && ` + img + `.naturalWidth === 256`
}

// hasInitials is the JS predicate "the avatar in the element el (JS)
// shows initials, no picture".
func hasInitials(el, initials string) string {
	return el + `?.querySelector('.avatar')?.textContent === ` + jsString(initials) + ` && ` + el + `.querySelector('.avatar img') === null`
}

func TestAvatars_UploadedFromTheAccountMenuShowBesideTheNameAndRemovingOneBringsBackTheInitials(t *testing.T) {
	w := newWorld(t, nil)
	// A direct message, so that bob's sidebar lists alice.
	status, body := w.call(w.adminToken, "POST", "/api/messages", map[string]string{"recipient": w.bob.ID.Hex(), "text": "hello bob"})
	require.Equal(t, 201, status, body)
	dir := t.TempDir()
	picture, _ := writePNG(t, dir, "me.png", 600, 400)
	notes := writeFile(t, dir, "notes.png", "a text, not a picture\n")
	huge := writeFile(t, dir, "huge.png", strings.Repeat("x", 10<<20+1))
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			// Each size starts without an avatar.
			status, body := w.call(w.adminToken, "DELETE", "/api/me/avatar", nil)
			require.Equal(t, 204, status, body)
			// Bob speaks first: alice's message then has its own header.
			w.post(w.bobToken, "Your turn, alice ("+sz.name+")")
			said := "Avatars at the size " + sz.name
			w.post(w.adminToken, said)
			alice, bob, _ := w.aliceAndBob(t, sz.w, sz.h)
			msg := msgWithText(said)
			until(t, bob, hasInitials(msg, "A"), "alice's initials at bob's")
			me := `document.querySelector('.me')`
			assert.True(t, eval[bool](t, alice, hasInitials(me, "A")), "alice's initials on her menu button")

			// The profile, from the account menu, offers an upload.
			openAccountMenu(t, alice)
			click(t, alice, chromedp.ID("account"))
			until(t, alice, dialogOpen+` && document.querySelector('#dialog-body .avatar-edit') !== null`, "the profile, with the avatar")
			buttons := `[...document.querySelectorAll('#dialog-body .avatar-tools button')].filter(b => !b.hidden).map(b => b.textContent)`
			assert.Equal(t, []string{"Upload a picture"}, eval[[]string](t, alice, buttons))
			assert.Equal(t, "image/png,image/jpeg,image/gif,image/webp", eval[string](t, alice, `document.getElementById('avatar-input').accept`))

			// What the server refuses, it says why; nothing changes.
			step(t, alice, chromedp.SetUploadFiles(chromedp.ID("avatar-input"), []string{notes}))
			until(t, alice, avatarNote+`.textContent === "The 'file' parameter must be a PNG, JPEG, GIF or WebP image."`, "not an image: the server's reason")
			assert.True(t, eval[bool](t, alice, avatarNote+`.classList.contains('error')`))
			step(t, alice, chromedp.SetUploadFiles(chromedp.ID("avatar-input"), []string{huge}))
			until(t, alice, avatarNote+`.textContent === 'A file may be at most 10 MiB.'`, "too large: the server's reason")
			assert.Empty(t, w.avatarOf(w.adminToken))
			assert.True(t, eval[bool](t, alice, hasInitials(me, "A")))

			// A picture: her menu button and her messages show it at once.
			step(t, alice, chromedp.SetUploadFiles(chromedp.ID("avatar-input"), []string{picture}))
			until(t, alice, avatarNote+`.textContent === 'Your avatar is updated.'`, "the avatar uploaded")
			url := w.avatarOf(w.adminToken)
			require.NotEmpty(t, url)
			until(t, alice, hasPicture(me, url)+` && `+hasPicture(`document.querySelector('#dialog-body .avatar-now')`, url)+` && `+hasPicture(msg, url),
				"the picture on the menu button, in the dialog and beside her message")
			assert.Equal(t, "", eval[string](t, alice, `document.querySelector('#me-avatar img').alt`), "decorative: the name is beside it")
			assert.Equal(t, "lazy", eval[string](t, alice, msg+`.querySelector('.avatar img').loading`))
			assert.Equal(t, [2]float64{32, 32}, eval[[2]float64](t, alice, `(r => [r.width, r.height])(`+msg+`.querySelector('.avatar img').getBoundingClientRect())`), "the size of the initials")
			assert.Equal(t, "50%", eval[string](t, alice, `getComputedStyle(`+msg+`.querySelector('.avatar')).borderRadius`), "round")
			assert.Equal(t, []string{"Upload a new picture", "Remove avatar"}, eval[[]string](t, alice, buttons))
			screenshot(t, alice, "avatar-profile-"+sz.name)
			axeScan(t, alice, "the profile with an avatar, "+sz.name)
			step(t, alice, chromedp.KeyEvent(kb.Escape))
			until(t, alice, `!`+dialogOpen, "the profile closed")

			// Bob sees it live (user.updated), without a reload: beside
			// her messages, in his direct messages and among the members.
			until(t, bob, hasPicture(msg, url), "alice's picture beside her message at bob's")
			alicesDM := `[...document.querySelectorAll('#directs .conv')].find(b => b.textContent.includes('alice'))`
			assert.Equal(t, url, eval[string](t, bob, alicesDM+`.querySelector('.avatar img').getAttribute('src')`), "in the direct messages")
			click(t, bob, chromedp.ID("members-button"))
			alicesRow := `[...document.querySelectorAll('#dialog-body li')].find(li => li.querySelector('.name')?.textContent === 'alice')`
			until(t, bob, dialogOpen+` && `+hasPicture(alicesRow, url), "alice's picture among the members")
			assert.True(t, eval[bool](t, bob, hasInitials(`[...document.querySelectorAll('#dialog-body li')].find(li => li.querySelector('.name')?.textContent === 'bob')`, "B")))
			screenshot(t, bob, "avatar-members-"+sz.name)
			axeScan(t, bob, "members with avatars, "+sz.name)
			step(t, bob, chromedp.KeyEvent(kb.Escape))
			until(t, bob, `!`+dialogOpen, "the members closed")
			axeScan(t, bob, "messages with avatars, "+sz.name)

			// Removed: her initials again, at once for her and for Bob.
			openAccountMenu(t, alice)
			click(t, alice, chromedp.ID("account"))
			until(t, alice, dialogOpen+` && document.querySelector('#dialog-body .avatar-tools .danger:not([hidden])') !== null`, "the profile, with Remove")
			click(t, alice, chromedp.CSS(`#dialog-body .avatar-tools .danger`))
			until(t, alice, avatarNote+`.textContent === 'Your avatar is removed: your initials show instead.'`, "the avatar removed")
			until(t, alice, hasInitials(me, "A")+` && `+hasInitials(msg, "A"), "her initials again")
			assert.Equal(t, "Upload a picture", eval[string](t, alice, `document.activeElement.textContent`), "the focus stays in the dialog")
			assert.Empty(t, w.avatarOf(w.adminToken))
			until(t, bob, hasInitials(msg, "A"), "alice's initials again at bob's, live")
		})
	}
}
