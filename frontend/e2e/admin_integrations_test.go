package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makechat/makechat/appliance/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// farEnd is what an integration talks to, run by the test on the
// loopback (which the test's server is told to allow): /in takes an
// outgoing hook's deliveries, /weather a custom command's calls. Each
// request's signature is checked with the secret the admin page showed,
// as a receiver would, with its own HMAC.
type farEnd struct {
	srv        *httptest.Server
	mu         sync.Mutex
	hookSecret string
	cmdToken   string
	delivered  []map[string]any
	commands   []url.Values
	bad        []string // requests refused, and why
}

func newFarEnd(t *testing.T) *farEnd {
	f := &farEnd{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		defer f.mu.Unlock()
		secret := map[string]string{"/in": f.hookSecret, "/weather": f.cmdToken}[r.URL.Path]
		if !signedBy(secret, r.Header.Get("X-Makechat-Request-Timestamp"), body, r.Header.Get("X-Makechat-Signature")) {
			f.bad = append(f.bad, r.URL.Path+": bad signature")
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/in":
			var p map[string]any
			if err := json.Unmarshal(body, &p); err != nil {
				f.bad = append(f.bad, "/in: "+err.Error())
			}
			f.delivered = append(f.delivered, p)
			w.WriteHeader(http.StatusOK)
		case "/weather":
			form, err := url.ParseQuery(string(body))
			if err != nil || form.Get("token") != f.cmdToken {
				f.bad = append(f.bad, "/weather: wrong token field")
				w.WriteHeader(http.StatusForbidden)
				return
			}
			f.commands = append(f.commands, form)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"text": "Sunny in %s"}`, form.Get("text"))
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// signedBy checks "v0=" + hex HMAC-SHA256 of "v0:<timestamp>:<body>".
func signedBy(secret, ts string, body []byte, sig string) bool {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return secret != "" && ts != "" && hmac.Equal([]byte(sig), []byte("v0="+hex.EncodeToString(mac.Sum(nil))))
}

func (f *farEnd) set(fn func(f *farEnd)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *farEnd) seen() (delivered []map[string]any, commands []url.Values, bad []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.delivered...), append([]url.Values(nil), f.commands...), append([]string(nil), f.bad...)
}

// integrationsWorld is a world whose server may call the loopback, where
// the test's far end listens.
func integrationsWorld(t *testing.T) (*world, *farEnd) {
	far := newFarEnd(t)
	w := newWorld(t, nil, withConfig(func(c *config.Config) { c.OutgoingAllow = []string{"127.0.0.1"} }))
	return w, far
}

// apiDescription is what the API says to a request that it refuses: the
// test's oracle for the words the admin page must show.
func apiDescription(t *testing.T, w *world, method, path string, body any) string {
	t.Helper()
	status, resp := w.call(w.adminToken, method, path, body)
	require.GreaterOrEqual(t, status, 400, resp)
	var e struct{ Description string }
	require.NoError(t, json.Unmarshal([]byte(resp), &e))
	require.NotEmpty(t, e.Description)
	return e.Description
}

// pollFor polls cond, in the test's own goroutine, until it holds or 20
// seconds have passed.
// what says what was waited for, and what was seen last.
func pollFor(t *testing.T, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 20 s for %s", what())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// field is a string field of a JSON object.
func field(t *testing.T, body, name string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m), body)
	s, _ := m[name].(string)
	return s
}

const formError = `document.querySelector('#panel form.create .error')`

// tabLaidOut checks a tab as the admin's other tabs are checked: nothing
// scrolls sideways; every cell is labelled with its column; on a phone
// the rows are labelled cards with every control in view.
func tabLaidOut(t *testing.T, ctx context.Context, phone bool, what string) {
	t.Helper()
	assert.True(t, eval[bool](t, ctx, fitsTheScreen), "%s: nothing scrolls sideways (%d > %d)", what,
		eval[int](t, ctx, `document.documentElement.scrollWidth`), eval[int](t, ctx, `innerWidth`))
	assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#panel tbody td')].filter(td => td.colSpan === 1).every(td => td.dataset.label === td.closest('table').querySelectorAll('thead th')[td.cellIndex].textContent)`), "%s: cells labelled", what)
	if phone {
		assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#panel tbody tr')].every(tr => getComputedStyle(tr).display === 'block')`), "%s: rows are cards", what)
		assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#panel td, #panel button, #panel select, #panel input')].every(e => e.getBoundingClientRect().right <= innerWidth + 0.5)`), "%s: every cell and control in view", what)
	} else {
		assert.Equal(t, "table-row", eval[string](t, ctx, `getComputedStyle(document.querySelector('#panel tbody tr')).display`), "%s: a table on a desktop", what)
	}
}

// dialogFits checks that an open dialog and the page behind it fit the
// screen.
func dialogFits(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	assert.True(t, eval[bool](t, ctx, fitsTheScreen+` && [...document.querySelectorAll('#dialog td, #dialog button, #dialog input, #dialog .secret')].every(e => e.getBoundingClientRect().right <= innerWidth + 0.5)`), "%s fits the screen", what)
}

func TestAdminIntegrations_BotsTokensHooksAndDeliveries(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			phone := size.name == "phone"
			w, far := integrationsWorld(t)
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "alice", "alice-password")
			title := func() string { return eval[string](t, ctx, `document.getElementById('dialog-title').textContent`) }
			closeDialog := func() {
				click(t, ctx, chromedp.ID("dialog-cancel"))
				until(t, ctx, `!`+dialogOpen, "the dialog closed")
			}

			// The Bots tab: make a bot; a taken name is refused in the
			// API's words.
			step(t, ctx, chromedp.Navigate(w.url+"/makechat/admin#bots"))
			until(t, ctx, `document.getElementById('tab-bots').getAttribute('aria-selected') === 'true' && document.querySelector('#panel form.create [name=username]') !== null && document.querySelector('#panel table') !== null`, "the Bots tab")
			step(t, ctx, chromedp.SetValue(chromedp.CSS(`#panel form.create [name=username]`), "bob"))
			click(t, ctx, chromedp.CSS(`#panel form.create button[type=submit]`))
			until(t, ctx, `!`+formError+`.hidden`, "the refusal of a taken name")
			assert.Equal(t, apiDescription(t, w, "POST", "/api/bots", map[string]string{"username": "bob"}), eval[string](t, ctx, formError+`.textContent`))
			step(t, ctx, chromedp.SetValue(chromedp.CSS(`#panel form.create [name=username]`), "deploybot"))
			click(t, ctx, chromedp.CSS(`#panel form.create button[type=submit]`))
			botRow := `[...document.querySelectorAll('#panel tbody tr')].find(tr => tr.querySelector('td')?.textContent === 'deploybot')`
			until(t, ctx, botRow+` !== undefined`, "the new bot listed")
			assert.Equal(t, "alice", eval[string](t, ctx, botRow+`.querySelector('td[data-label=Owner]').textContent`), "its owner, by name")
			var bots []struct {
				ID struct {
					OID string `json:"$oid"`
				} `json:"_id"`
			}
			status, body := w.call(w.adminToken, "GET", "/api/bots", nil)
			require.Equal(t, 200, status, body)
			require.NoError(t, json.Unmarshal([]byte(body), &bots))
			require.Len(t, bots, 1)
			bot := bots[0].ID.OID
			tabLaidOut(t, ctx, phone, "the Bots tab")
			axeScan(t, ctx, "the Bots tab, "+size.name)
			screenshot(t, ctx, "admin-bots-"+size.name)

			// Its tokens: a new one is shown once and works; one revoked
			// (asked in its row) stops working.
			click(t, ctx, `//tr[td//span[text()="deploybot"]]//button[text()="Tokens"]`)
			until(t, ctx, dialogOpen+` && document.querySelector('#dialog-body tbody td.muted') !== null`, "the tokens dialog, empty")
			assert.Equal(t, "Tokens of deploybot", title())
			newToken := func(name string) string {
				step(t, ctx, chromedp.SetValue(chromedp.CSS(`#dialog-body [name=name]`), name))
				click(t, ctx, chromedp.ID("dialog-ok"))
				until(t, ctx, fmt.Sprintf(`document.querySelector('#dialog-body .once .once-label')?.textContent === 'Token %s' && [...document.querySelectorAll('#dialog-body tbody td')].some(td => td.textContent === %q)`, name, name), "the token "+name)
				assert.Contains(t, eval[string](t, ctx, `document.querySelector('#dialog-body .once').textContent`), "shown only this once")
				return eval[string](t, ctx, `document.querySelector('#dialog-body .once .secret').textContent`)
			}
			old := newToken("old")
			value := newToken("ci")
			assert.NotEqual(t, old, value)
			assert.True(t, eval[bool](t, ctx, dialogOpen), "the dialog stays open to copy the value")
			dialogFits(t, ctx, "the tokens dialog")
			axeScan(t, ctx, "the bot's tokens dialog, "+size.name)
			screenshot(t, ctx, "admin-bot-tokens-"+size.name)
			status, body = w.call(value, "GET", "/api/me", nil)
			require.Equal(t, 200, status, body)
			assert.Equal(t, "deploybot", field(t, body, "username"), "the token acts as the bot")
			click(t, ctx, `//div[@id="dialog-body"]//tr[td//span[text()="old"]]//button[text()="Revoke"]`)
			until(t, ctx, `document.activeElement?.textContent === 'Revoke old'`, "the question in the row")
			click(t, ctx, `//div[@id="dialog-body"]//button[text()="Revoke old"]`)
			until(t, ctx, `![...document.querySelectorAll('#dialog-body tbody td')].some(td => td.textContent === 'old')`, "the old token gone")
			status, _ = w.call(old, "GET", "/api/me", nil)
			assert.Equal(t, 401, status, "the revoked token is refused")
			closeDialog()

			// Webhooks: one posting as the bot; its URL is shown once.
			click(t, ctx, chromedp.ID("tab-hooks"))
			until(t, ctx, `location.hash === '#hooks' && document.querySelector('#hook-bot option[value="`+bot+`"]') !== null`, "the Webhooks tab offering the bot")
			assert.Equal(t, "A new bot named after the hook", eval[string](t, ctx, `document.getElementById('hook-bot').selectedOptions[0].textContent`))
			step(t, ctx, chromedp.SetValue(chromedp.CSS(`#panel form.create [name=name]`), "relay"),
				chromedp.SetValue(chromedp.CSS(`#hook-bot`), bot))
			click(t, ctx, chromedp.CSS(`#panel form.create button[type=submit]`))
			until(t, ctx, dialogOpen+` && document.querySelector('#dialog-body .secret') !== null`, "the new hook's URL")
			assert.Equal(t, "Webhook created", title())
			assert.Equal(t, 1, eval[int](t, ctx, `document.querySelectorAll('#dialog-body .once').length`), "no signing secret for an incoming hook")
			hookURL := eval[string](t, ctx, `document.querySelector('#dialog-body .secret').textContent`)
			require.True(t, strings.HasPrefix(hookURL, w.url+"/api/hooks/"), hookURL)
			assert.Contains(t, eval[string](t, ctx, `document.getElementById('dialog-body').textContent`), "shown only this once")
			dialogFits(t, ctx, "the new hook's dialog")
			axeScan(t, ctx, "the new webhook dialog, "+size.name)
			closeDialog()
			resp, err := http.Post(hookURL, "application/json", strings.NewReader(`{"text": "relayed", "username": "admin"}`))
			require.NoError(t, err)
			posted, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode, string(posted))
			assert.Equal(t, "deploybot", field(t, string(posted), "username"), "the hook posts as its bot")

			// An outgoing hook: a URL the policy refuses is refused in the
			// API's words, by its field; the receiver's URL is taken.
			metadata := map[string]any{"name": "deployer", "outgoing_url": "http://169.254.169.254/latest/meta-data", "triggers": []string{"!deploy"}}
			step(t, ctx, chromedp.SetValue(chromedp.CSS(`#panel form.create [name=name]`), "deployer"),
				chromedp.SetValue(chromedp.CSS(`#panel form.create [name=outgoing_url]`), "http://169.254.169.254/latest/meta-data"),
				chromedp.SetValue(chromedp.CSS(`#panel form.create [name=triggers]`), "!deploy"))
			click(t, ctx, chromedp.CSS(`#panel form.create button[type=submit]`))
			until(t, ctx, `!`+formError+`.hidden`, "the refusal of the metadata address")
			assert.Equal(t, apiDescription(t, w, "POST", "/api/rooms/"+w.room.Hex()+"/hooks", metadata), eval[string](t, ctx, formError+`.textContent`))
			assert.True(t, eval[bool](t, ctx, `(i => i.getAttribute('aria-invalid') === 'true' && document.getElementById(i.getAttribute('aria-describedby')) === `+formError+` && document.activeElement === i)(document.querySelector('#panel [name=outgoing_url]'))`), "the URL field is marked, described by the error, focused")
			step(t, ctx, chromedp.SetValue(chromedp.CSS(`#panel form.create [name=outgoing_url]`), far.srv.URL+"/in"),
				chromedp.SetValue(chromedp.CSS(`#panel form.create [name=triggers]`), "!deploy, !ship"))
			click(t, ctx, chromedp.CSS(`#panel form.create button[type=submit]`))
			until(t, ctx, dialogOpen+` && document.querySelectorAll('#dialog-body .once').length === 2`, "the outgoing hook's URL and secret")
			assert.Equal(t, []string{"Incoming URL", "Signing secret"}, eval[[]string](t, ctx, `[...document.querySelectorAll('#dialog-body .once-label')].map(p => p.textContent)`))
			assert.Equal(t, []string{"Copy URL", "Copy secret"}, eval[[]string](t, ctx, `[...document.querySelectorAll('#dialog-body .once button')].map(b => b.textContent)`))
			assert.Contains(t, eval[string](t, ctx, `document.getElementById('dialog-body').textContent`), far.srv.URL+"/in")
			// Its new bot is named (deployer-bot the second time round).
			assert.Regexp(t, `into the room as deployer(-bot)?\.`, eval[string](t, ctx, `document.getElementById('dialog-body').textContent`))
			secret := eval[string](t, ctx, `document.querySelectorAll('#dialog-body .secret')[1].textContent`)
			require.NotEmpty(t, secret)
			far.set(func(f *farEnd) { f.hookSecret = secret })
			click(t, ctx, `//div[@id="dialog-body"]//button[text()="Copy secret"]`)
			until(t, ctx, `['Copied.', 'Selected: press Ctrl+C (⌘C on a Mac) to copy.'].includes(document.querySelectorAll('#dialog-body .once [role=status]')[1].textContent)`, "the secret copied or selected")
			dialogFits(t, ctx, "the outgoing hook's dialog")
			axeScan(t, ctx, "the new outgoing webhook dialog, "+size.name)
			screenshot(t, ctx, "admin-hook-made-"+size.name)
			closeDialog()

			// The list: who each posts as, where each sends.
			row := func(name string) string {
				return fmt.Sprintf(`[...document.querySelectorAll('#panel tbody tr')].find(tr => tr.querySelector('td').textContent === %q)`, name)
			}
			until(t, ctx, row("deployer")+` !== undefined`, "the outgoing hook listed")
			cell := func(name, column string) string {
				return eval[string](t, ctx, fmt.Sprintf(`%s.querySelector('td[data-label=%q]').textContent`, row(name), column))
			}
			assert.Equal(t, "deploybot", cell("relay", "Posts as"))
			assert.Equal(t, "—", cell("relay", "Outgoing"))
			assert.Equal(t, "deployer", cell("deployer", "Posts as"), "the bot made for it")
			assert.Equal(t, far.srv.URL+"/in"+"on !deploy, !ship", cell("deployer", "Outgoing"))
			assert.Equal(t, []string{"Revoke"}, eval[[]string](t, ctx, `[...`+row("relay")+`.querySelectorAll('button')].map(b => b.textContent)`))
			assert.Equal(t, []string{"Deliveries", "Revoke"}, eval[[]string](t, ctx, `[...`+row("deployer")+`.querySelectorAll('button')].map(b => b.textContent)`))
			tabLaidOut(t, ctx, phone, "the Webhooks tab")
			axeScan(t, ctx, "the Webhooks tab with a bot's and an outgoing hook, "+size.name)
			screenshot(t, ctx, "admin-hooks-"+size.name)

			// bob's message with a trigger reaches the receiver, signed;
			// one without does not.
			w.post(w.bobToken, "no trigger here")
			status, body = w.call(w.bobToken, "POST", "/api/messages", map[string]string{"room": w.room.Hex(), "text": "!deploy prod"})
			require.Equal(t, 201, status, body)
			var msg struct {
				ID struct {
					OID string `json:"$oid"`
				} `json:"_id"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &msg))
			// delivered waits until the receiver has n deliveries and the
			// server counts n delivered.
			deliveriesPath := ""
			delivered := func(n int) {
				if deliveriesPath == "" {
					status, body := w.call(w.adminToken, "GET", "/api/rooms/"+w.room.Hex()+"/hooks", nil)
					require.Equal(t, 200, status, body)
					var hooks []struct {
						ID struct {
							OID string `json:"$oid"`
						} `json:"_id"`
						Name string
					}
					require.NoError(t, json.Unmarshal([]byte(body), &hooks))
					for _, h := range hooks {
						if h.Name == "deployer" {
							deliveriesPath = "/api/rooms/" + w.room.Hex() + "/hooks/" + h.ID.OID + "/deliveries"
						}
					}
					require.NotEmpty(t, deliveriesPath)
				}
				var got []map[string]any
				var bad []string
				var list []struct{ State string }
				pollFor(t, func() string {
					return fmt.Sprintf("%d deliveries done: received %v, refused %v, listed %+v", n, got, bad, list)
				}, func() bool {
					got, _, bad = far.seen()
					status, body := w.call(w.adminToken, "GET", deliveriesPath, nil)
					require.Equal(t, 200, status, body)
					require.NoError(t, json.Unmarshal([]byte(body), &list))
					return len(got) == n && len(list) == n && !slices.ContainsFunc(list, func(d struct{ State string }) bool { return d.State != "delivered" })
				})
			}
			delivered(1)
			got, _, bad := far.seen()
			assert.Empty(t, bad)
			assert.Equal(t, "!deploy prod", got[0]["text"])
			assert.Equal(t, "!deploy", got[0]["trigger_word"])
			assert.Equal(t, "bob", got[0]["user_name"])

			// The Deliveries dialog shows it: delivered, 200, first try.
			click(t, ctx, `//tr[td//span[text()="deployer"]]//button[text()="Deliveries"]`)
			until(t, ctx, dialogOpen+` && document.querySelectorAll('#dialog-body tbody tr td[data-label]').length > 0`, "the deliveries")
			assert.Equal(t, "Deliveries of deployer", title())
			deliveryRows := `[...document.querySelectorAll('#dialog-body tbody tr')].map(tr => [...tr.querySelectorAll('td')].map(td => td.dataset.label + ': ' + td.textContent).slice(1))`
			want := func(id string) []string {
				return []string{"Message: …" + id[len(id)-8:], "Attempts: 1", "Status: 200", "State: delivered", "Error: —"}
			}
			assert.Equal(t, [][]string{want(msg.ID.OID)}, eval[[][]string](t, ctx, deliveryRows))
			dialogFits(t, ctx, "the deliveries dialog")
			axeScan(t, ctx, "the deliveries dialog, "+size.name)
			screenshot(t, ctx, "admin-deliveries-"+size.name)

			// A second one appears on Refresh, newest first.
			status, body = w.call(w.bobToken, "POST", "/api/messages", map[string]string{"room": w.room.Hex(), "text": "!ship it"})
			require.Equal(t, 201, status, body)
			var second struct {
				ID struct {
					OID string `json:"$oid"`
				} `json:"_id"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &second))
			delivered(2)
			click(t, ctx, `//div[@id="dialog-body"]//button[text()="Refresh"]`)
			until(t, ctx, `document.querySelectorAll('#dialog-body tbody tr').length === 2`, "the refreshed deliveries")
			assert.Equal(t, [][]string{want(second.ID.OID), want(msg.ID.OID)}, eval[[][]string](t, ctx, deliveryRows))
			assert.Contains(t, eval[string](t, ctx, `document.querySelector('#dialog-body [role=status]').textContent`), "2 deliveries")
			closeDialog()

			// Deleting the bot asks first; then its token and the hook
			// that posted as it stop working.
			click(t, ctx, chromedp.ID("tab-bots"))
			until(t, ctx, botRow+` !== undefined`, "the bots")
			click(t, ctx, `//tr[td//span[text()="deploybot"]]//button[text()="Delete"]`)
			until(t, ctx, dialogOpen, "the confirmation")
			assert.Equal(t, "Delete deploybot?", title())
			click(t, ctx, chromedp.ID("dialog-cancel"))
			until(t, ctx, `!`+dialogOpen, "cancelled")
			status, _ = w.call(value, "GET", "/api/me", nil)
			require.Equal(t, 200, status, "a cancelled delete deletes nothing")
			click(t, ctx, `//tr[td//span[text()="deploybot"]]//button[text()="Delete"]`)
			until(t, ctx, dialogOpen, "the confirmation again")
			click(t, ctx, chromedp.ID("dialog-ok"))
			until(t, ctx, `!`+dialogOpen+` && `+botRow+` === undefined`, "the bot gone")
			status, _ = w.call(value, "GET", "/api/me", nil)
			assert.Equal(t, 401, status, "the bot's token with it")
			resp, err = http.Post(hookURL, "application/json", strings.NewReader(`{"text": "too late"}`))
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, 404, resp.StatusCode, "the hook that posted as it")
		})
	}
}

func TestAdminIntegrations_CustomCommands(t *testing.T) {
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			w, far := integrationsWorld(t)
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "alice", "alice-password")

			// The tab follows the URL, as the others do.
			step(t, ctx, chromedp.Navigate(w.url+"/makechat/admin#bots"))
			until(t, ctx, `document.querySelector('#panel form.create [name=username]') !== null`, "the Bots tab")
			click(t, ctx, chromedp.ID("tab-commands"))
			builtIns := `[...[...document.querySelectorAll('#panel table')].at(-1).querySelectorAll('tbody tr')].map(tr => tr.querySelector('td').textContent)`
			until(t, ctx, `location.hash === '#commands' && document.querySelectorAll('#panel table').length === 2`, "the Commands tab")
			assert.Equal(t, []string{"/me action", "/topic text", "/invite @user", "/leave", "/mute", "/unmute"}, eval[[]string](t, ctx, builtIns))
			assert.Equal(t, "Nothing to show.", eval[string](t, ctx, `document.querySelector('#panel table tbody td').textContent`), "no custom command yet")
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`history.back()`))
			until(t, ctx, `location.hash === '#bots' && document.getElementById('tab-bots').getAttribute('aria-selected') === 'true' && document.querySelector('#panel [name=username]') !== null`, "Back to the Bots tab")
			step(t, ctx, chromedp.Evaluate[chromedp.Void](`history.forward()`))
			until(t, ctx, `location.hash === '#commands' && document.querySelectorAll('#panel table').length === 2`, "Forward to the Commands tab")
			tabLaidOut(t, ctx, size.name == "phone", "the Commands tab")
			axeScan(t, ctx, "the Commands tab, "+size.name)

			// A built-in's name is refused in the API's words.
			fill := func(name, url, help string) {
				step(t, ctx, chromedp.SetValue(chromedp.CSS(`#panel form.create [name=name]`), name),
					chromedp.SetValue(chromedp.CSS(`#panel form.create [name=url]`), url),
					chromedp.SetValue(chromedp.CSS(`#panel form.create [name=help]`), help))
				click(t, ctx, chromedp.CSS(`#panel form.create button[type=submit]`))
			}
			fill("me", far.srv.URL+"/weather", "Not mine")
			until(t, ctx, `!`+formError+`.hidden`, "the refusal of /me")
			assert.Equal(t, apiDescription(t, w, "POST", "/api/custom-commands", map[string]string{"name": "me", "url": far.srv.URL + "/weather", "help": "Not mine"}),
				eval[string](t, ctx, formError+`.textContent`))

			// A custom one: its token is shown once, and is the one its
			// calls carry and are signed with.
			fill("/Weather", far.srv.URL+"/weather", "The weather in a city")
			until(t, ctx, dialogOpen+` && document.querySelector('#dialog-body .once .secret') !== null`, "the command's token")
			assert.Equal(t, "Command /weather added", eval[string](t, ctx, `document.getElementById('dialog-title').textContent`))
			assert.Contains(t, eval[string](t, ctx, `document.querySelector('#dialog-body .once').textContent`), "shown only this once")
			token := eval[string](t, ctx, `document.querySelector('#dialog-body .once .secret').textContent`)
			require.NotEmpty(t, token)
			far.set(func(f *farEnd) { f.cmdToken = token })
			dialogFits(t, ctx, "the new command's dialog")
			axeScan(t, ctx, "the new command dialog, "+size.name)
			click(t, ctx, chromedp.ID("dialog-cancel"))
			until(t, ctx, `!`+dialogOpen, "the dialog closed")
			custom := `document.querySelector('#panel table tbody tr')`
			until(t, ctx, custom+`.querySelector('td').textContent === '/weather'`, "the command listed")
			assert.Equal(t, []string{"Name: /weather", "URL: " + far.srv.URL + "/weather", "Help: The weather in a city"},
				eval[[]string](t, ctx, `[...`+custom+`.querySelectorAll('td')].slice(0, 3).map(td => td.dataset.label + ': ' + td.textContent)`))
			tabLaidOut(t, ctx, size.name == "phone", "the Commands tab with a custom command")
			screenshot(t, ctx, "admin-commands-"+size.name)
			status, body := w.call(w.bobToken, "POST", "/api/commands", map[string]string{"room": w.room.Hex(), "text": "/weather Paris"})
			require.Equal(t, 200, status, body)
			assert.Equal(t, "Sunny in Paris", field(t, body, "text"), "the command's answer, for bob alone")
			_, calls, bad := far.seen()
			assert.Empty(t, bad)
			require.Len(t, calls, 1)
			assert.Equal(t, "bob", calls[0].Get("user_name"))

			// Deleting it asks first.
			click(t, ctx, `//tr[td[text()="/weather"]]//button[text()="Delete"]`)
			until(t, ctx, dialogOpen, "the confirmation")
			assert.Equal(t, "Delete /weather?", eval[string](t, ctx, `document.getElementById('dialog-title').textContent`))
			click(t, ctx, chromedp.ID("dialog-ok"))
			until(t, ctx, `!`+dialogOpen+` && `+custom+`.querySelector('td').textContent === 'Nothing to show.'`, "the command gone")
			status, body = w.call(w.adminToken, "GET", "/api/custom-commands", nil)
			require.Equal(t, 200, status, body)
			assert.Equal(t, "[]", strings.TrimSpace(body))
		})
	}
}
