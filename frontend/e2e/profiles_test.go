package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The account dialog's profile fields, in order: the display name, the
// status and when it clears.
const (
	profileName   = `#dialog-body .profile-edit > .field:nth-child(1) input`
	profileStatus = `#dialog-body .profile-edit > .field:nth-child(2) input`
	profileAfter  = `#dialog-body .profile-edit > .field:nth-child(3) select`
	profileNote   = `document.querySelector('#dialog-body .profile-note')`
)

// nameIn is the JS for the parts of a person's name drawn in the element
// el (JS): [name, @handle, status], "" for a part not drawn.
func nameIn(el, nameClass string) string {
	return `(w => w ? [w.querySelector('.` + nameClass + `')?.textContent ?? '', w.querySelector('.handle')?.textContent ?? '', w.querySelector('.status')?.textContent ?? ''] : null)(` + el + `?.querySelector('.who'))`
}

// hasName is the JS predicate "the name drawn in el is these parts".
func hasName(el, nameClass string, parts ...string) string {
	b, _ := json.Marshal(parts)
	return `JSON.stringify(` + nameIn(el, nameClass) + `) === ` + jsString(string(b))
}

func TestProfiles_ANameAndStatusSetInOneBrowserShowLiveInAnotherBesideMessagesAndAmongMembers(t *testing.T) {
	w := newWorld(t, nil)
	for _, sz := range bothSizes {
		t.Run(sz.name, func(t *testing.T) {
			// Each size starts without a profile.
			status, body := w.call(w.adminToken, "PATCH", "/api/me", map[string]any{"display_name": nil, "status": nil})
			require.Equal(t, 200, status, body)
			w.post(w.bobToken, "Your turn, alice ("+sz.name+")")
			said := "Profiles at the size " + sz.name
			w.post(w.adminToken, said)
			alice, bob, _ := w.aliceAndBob(t, sz.w, sz.h)
			msg := msgWithText(said)
			until(t, bob, hasName(msg, "author", "alice", "", ""), "alice's message under her username at bob's")

			// The account dialog has the profile, with the clearing choices.
			openAccountMenu(t, alice)
			click(t, alice, chromedp.ID("account"))
			until(t, alice, dialogOpen+` && document.querySelector('#dialog-body .profile-edit') !== null`, "the account, with the profile")
			assert.Equal(t, []string{"Don't clear", "In an hour", "At the end of today", "At the end of this week"},
				eval[[]string](t, alice, `[...document.querySelector('`+profileAfter+`').options].map(o => o.textContent)`))
			assert.True(t, eval[bool](t, alice, `document.querySelector('#dialog-body .profile-tools .danger').hidden`), "no status to clear yet")

			// What the server refuses, it says why.
			step(t, alice, chromedp.SetValue(chromedp.CSS(profileName), "Alice\u202e"))
			click(t, alice, `//div[@id="dialog-body"]//button[text()="Save profile"]`)
			until(t, alice, profileNote+`.textContent === "The 'display_name' parameter must not contain invisible formatting characters (bidi controls, zero-width characters)."`, "the server's reason")
			assert.True(t, eval[bool](t, alice, profileNote+`.classList.contains('error')`))

			// A display name and a status that clears in an hour.
			step(t, alice, chromedp.SetValue(chromedp.CSS(profileName), "Alice Liddell"),
				chromedp.SetValue(chromedp.CSS(profileStatus), "🐇 Down the rabbit hole"),
				chromedp.SetValue(chromedp.CSS(profileAfter), "hour"))
			saved := time.Now()
			click(t, alice, `//div[@id="dialog-body"]//button[text()="Save profile"]`)
			until(t, alice, profileNote+`.textContent === 'Your profile is saved.'`, "the profile saved")
			status, body = w.call(w.adminToken, "GET", "/api/me", nil)
			require.Equal(t, 200, status, body)
			var me struct {
				DisplayName string `json:"display_name"`
				Status      struct {
					Text    string
					Expires struct {
						Date time.Time `json:"$date"`
					}
				}
			}
			require.NoError(t, json.Unmarshal([]byte(body), &me))
			assert.Equal(t, "Alice Liddell", me.DisplayName)
			assert.Equal(t, "🐇 Down the rabbit hole", me.Status.Text)
			assert.WithinDuration(t, saved.Add(time.Hour), me.Status.Expires.Date, time.Minute, "cleared in an hour")
			until(t, alice, hasName(msg, "author", "Alice Liddell", "@alice", "🐇 Down the rabbit hole"), "her own message, at once")
			assert.False(t, eval[bool](t, alice, `document.querySelector('#dialog-body .profile-tools .danger').hidden`), "a status to clear")
			assert.Equal(t, "As set: ", eval[string](t, alice, `document.querySelector('`+profileAfter+`').options[0].textContent.slice(0, 8)`), "the expiry, kept unless changed")
			screenshot(t, alice, "profile-dialog-"+sz.name)
			axeScan(t, alice, "the account with a profile, "+sz.name)
			step(t, alice, chromedp.KeyEvent(kb.Escape))
			until(t, alice, `!`+dialogOpen, "the account closed")

			// Bob sees it live (user.updated), without a reload: beside her
			// message and among the members.
			until(t, bob, hasName(msg, "author", "Alice Liddell", "@alice", "🐇 Down the rabbit hole"), "alice's name and status beside her message at bob's")
			assert.Equal(t, "🐇 Down the rabbit hole", eval[string](t, bob, msg+`.querySelector('.status').title`), "the whole status as its title")
			assert.True(t, eval[bool](t, bob, hasName(msgWithText("Your turn, alice ("+sz.name+")"), "author", "bob", "", "")), "bob's own stays his username")
			screenshot(t, bob, "profile-messages-"+sz.name)
			axeScan(t, bob, "messages with a display name and status, "+sz.name)
			click(t, bob, chromedp.ID("members-button"))
			alicesRow := `[...document.querySelectorAll('#dialog-body li')].find(li => li.querySelector('.handle')?.textContent === '@alice')`
			until(t, bob, dialogOpen+` && `+hasName(alicesRow, "name", "Alice Liddell", "@alice", "🐇 Down the rabbit hole"), "alice's name and status among the members")
			screenshot(t, bob, "profile-members-"+sz.name)
			axeScan(t, bob, "members with a display name and status, "+sz.name)

			// She clears the status: gone at bob's at once, in the open
			// member list too; her name stays.
			openAccountMenu(t, alice)
			click(t, alice, chromedp.ID("account"))
			until(t, alice, dialogOpen+` && !document.querySelector('#dialog-body .profile-tools .danger').hidden`, "the account, with Clear status")
			click(t, alice, chromedp.CSS(`#dialog-body .profile-tools .danger`))
			until(t, alice, profileNote+`.textContent === 'Your status is cleared.'`, "the status cleared")
			assert.Equal(t, "", eval[string](t, alice, `document.querySelector('`+profileStatus+`').value`))
			assert.True(t, eval[bool](t, alice, `document.activeElement === document.querySelector('`+profileStatus+`')`), "the focus stays in the dialog")
			until(t, bob, hasName(alicesRow, "name", "Alice Liddell", "@alice", ""), "no status among the members, live")
			step(t, bob, chromedp.KeyEvent(kb.Escape))
			until(t, bob, `!`+dialogOpen, "the members closed")
			until(t, bob, hasName(msg, "author", "Alice Liddell", "@alice", ""), "no status beside her message")

			// Without a display name, she is her username again.
			step(t, alice, chromedp.Evaluate[chromedp.Void](`document.querySelector('`+profileName+`').value = ''`))
			click(t, alice, `//div[@id="dialog-body"]//button[text()="Save profile"]`)
			until(t, alice, profileNote+`.textContent === 'Your profile is saved.'`, "the name removed")
			until(t, bob, hasName(msg, "author", "alice", "", ""), "her username again at bob's")
			step(t, alice, chromedp.KeyEvent(kb.Escape))
		})
	}
}
