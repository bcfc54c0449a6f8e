package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// toolPayloads are the tools' own payloads (appliance/slack/testdata)
// that the card tests post to a hook.
var toolPayloads = []string{"alertmanager", "grafana", "uptime-kuma", "github-actions", "sentry", "mattermost",
	"alertmanager-real-firing", "alertmanager-real-resolved", "gitea", "action-slack", "jenkins", "rich-text"}

// cardOnly are the payloads of toolPayloads that the card tests check
// only for what every one must show: a card with a colour bar and text.
var cardOnly = []string{"alertmanager-real-firing", "alertmanager-real-resolved", "gitea", "action-slack", "jenkins", "rich-text"}

// hostilePayload puts markup and script in every field of a card.
const hostilePayload = `{"text": "<script>alert(1)</script> and <img src=x onerror=alert(1)>",
  "attachments": [{"color": "#000000", "pretext": "<img src=x onerror=alert(2)>", "author_name": "<b>mallory</b>",
    "author_link": "javascript:alert(3)", "title": "<script>alert(4)</script> hostile", "title_link": "javascript:alert(5)",
    "text": "<img src=x onerror=alert(6)> <a href=\"javascript:alert(7)\">x</a> <style>*{display:none}</style>",
    "fields": [{"title": "<svg onload=alert(8)>", "value": "<iframe src=\"javascript:alert(9)\"></iframe>", "short": true}],
    "image_url": "javascript:alert(10)", "thumb_url": "data:text/html,<script>alert(11)</script>",
    "footer": "<script>alert(12)</script>"}]}`

// longLead is the text of a payload whose cards' rendering is cut.
var longLead = strings.TrimSpace(strings.Repeat("lead ", 1800))

// hookURL makes an incoming webhook in general as alice, posting as the
// bot with id bot if one is given, and returns its URL.
func (w *world) hookURL(name, bot string) string {
	w.t.Helper()
	body := map[string]string{"name": name}
	if bot != "" {
		body["bot"] = bot
	}
	status, resp := w.call(w.adminToken, "POST", "/api/rooms/"+w.room.Hex()+"/hooks", body)
	require.Equal(w.t, 201, status, resp)
	var h struct{ URL string }
	require.NoError(w.t, json.Unmarshal([]byte(resp), &h))
	return w.url + h.URL
}

// hookPost posts a payload to a hook as the tools do, and returns the
// message's id.
func (w *world) hookPost(url, payload string) string {
	w.t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(payload))
	require.NoError(w.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	require.Equal(w.t, 200, resp.StatusCode, string(b))
	var m struct {
		ID storage.ID `json:"_id"`
	}
	require.NoError(w.t, json.Unmarshal(b, &m))
	return m.ID.Hex()
}

// cardsWorld is general with the tools' payloads and the hostile one
// posted through a hook; ids maps each payload's name to its message.
func cardsWorld(t *testing.T) (*world, map[string]string) {
	w := newWorld(t, nil)
	url := w.hookURL("tools", "")
	ids := map[string]string{}
	for _, name := range toolPayloads {
		b, err := os.ReadFile(filepath.Join("..", "..", "appliance", "slack", "testdata", name+".json"))
		require.NoError(t, err)
		ids[name] = w.hookPost(url, string(b))
	}
	ids["hostile"] = w.hookPost(url, hostilePayload)
	// Text and cards together over 10,000 characters: the server cuts the
	// message's text in the cards' rendering.
	long, err := json.Marshal(map[string]any{"text": longLead, "attachments": []map[string]string{{"title": "Long card", "text": strings.Repeat("card ", 600)}}})
	require.NoError(t, err)
	ids["long"] = w.hookPost(url, string(long))
	return w, ids
}

// msgJS is the JS for the list item of the message with id.
func msgJS(id string) string {
	return fmt.Sprintf(`document.querySelector('#messages > .msg[data-id=%q]')`, id)
}

// cardJS is the JS for the n-th card of the message with id.
func cardJS(id string, n int) string {
	return fmt.Sprintf(`%s.querySelectorAll('.att')[%d]`, msgJS(id), n)
}

// unixISO is a card's time as its <time> element's dateTime says it.
func unixISO(sec int64) string { return time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05.000Z") }

func TestCards_ToolsPayloadsShowAsCardsAtBothSizes(t *testing.T) {
	w, ids := cardsWorld(t)
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
				page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.alerted = 0; window.alert = () => { window.alerted++; };`})
			require.NoError(t, err)
			w.login(t, ctx, "bob", "bob-password")
			until(t, ctx, msgJS(ids["hostile"])+` !== null && `+msgJS(ids["alertmanager"])+` !== null`, "the hook's messages")

			// Alertmanager: no text of its own, so only the card shows;
			// "danger" is Slack's red.
			am := ids["alertmanager"]
			assert.False(t, eval[bool](t, ctx, msgJS(am)+`.querySelector(':scope > .body') !== null`), "no text beside the card")
			assert.Equal(t, "rgb(163, 2, 0)", eval[string](t, ctx, `getComputedStyle(`+cardJS(am, 0)+`).borderLeftColor`))
			title := cardJS(am, 0) + `.querySelector('.att-title a')`
			assert.Equal(t, "[FIRING:2] InstanceDown (prod)", eval[string](t, ctx, title+`.textContent`))
			assert.Equal(t, "http://alertmanager.example.com:9093/#/alerts?receiver=makechat", eval[string](t, ctx, title+`.getAttribute('href')`))
			assert.Equal(t, "_blank noopener noreferrer", eval[string](t, ctx, title+`.target + ' ' + `+title+`.rel`))
			assert.Equal(t, "Alert:", eval[string](t, ctx, cardJS(am, 0)+`.querySelector('.att-text strong').textContent`), "the card's text is formatted")
			assert.True(t, eval[bool](t, ctx, cardJS(am, 0)+`.querySelector('.att-text a[href="https://runbooks.example.com/InstanceDown"]') !== null`), "a button's link")
			assert.Equal(t, 1, eval[int](t, ctx, msgJS(am)+`.innerText.split('InstanceDown (prod)').length - 1`), "the card's title is shown once, not again as text")

			// Grafana: its hex colour, footer and time; the image is a link,
			// never loaded.
			gr := ids["grafana"]
			assert.Equal(t, "rgb(214, 50, 50)", eval[string](t, ctx, `getComputedStyle(`+cardJS(gr, 0)+`).borderLeftColor`))
			assert.Equal(t, "https://grafana.example.com/alerting/list", eval[string](t, ctx, cardJS(gr, 0)+`.querySelector('.att-title a').getAttribute('href')`))
			assert.True(t, eval[bool](t, ctx, cardJS(gr, 0)+`.querySelector('.att-footer').textContent.startsWith('Grafana v11.3.0 · ')`))
			assert.Equal(t, unixISO(1764770400), eval[string](t, ctx, cardJS(gr, 0)+`.querySelector('.att-footer time').dateTime`))
			assert.Equal(t, []string{"Image: grafana.example.com", "https://grafana.example.com/render/d-solo/cpu.png"},
				eval[[]string](t, ctx, `(a => [a.textContent, a.getAttribute('href')])(`+cardJS(gr, 0)+`.querySelector('.att-links a'))`))
			assert.Equal(t, 0, eval[int](t, ctx, `document.querySelectorAll('#messages img, #messages picture, #messages svg:not(.icon)').length`), "no picture is loaded")

			// Sentry: fields in a grid, short ones two to a row on a wide
			// screen, one to a row on a phone.
			se := ids["sentry"]
			assert.Equal(t, "rgb(224, 62, 47)", eval[string](t, ctx, `getComputedStyle(`+cardJS(se, 0)+`).borderLeftColor`))
			fields := cardJS(se, 0) + `.querySelectorAll('.att-field')`
			assert.Equal(t, []string{"Project: backend", "Environment: production", "Culprit: app.views.index", "Level: error", "Events: 37"},
				eval[[]string](t, ctx, `[...`+fields+`].map(f => f.querySelector('.att-field-title').textContent + ': ' + f.querySelector('.att-field-value').textContent)`))
			type box struct{ Top, Left, Width, Grid float64 }
			boxes := eval[[]box](t, ctx, `[...`+fields+`].map(f => { const r = f.getBoundingClientRect();
			  return {top: Math.round(r.top), left: Math.round(r.left), width: Math.round(r.width), grid: Math.round(f.parentNode.getBoundingClientRect().width)}; })`)
			require.Len(t, boxes, 5)
			assert.Equal(t, boxes[2].Grid, boxes[2].Width, "a long field spans the card")
			if size.w >= 720 {
				assert.Equal(t, boxes[0].Top, boxes[1].Top, "two short fields share a row")
				assert.Less(t, boxes[0].Left, boxes[1].Left)
				assert.Less(t, boxes[1].Top, boxes[2].Top)
				assert.Equal(t, boxes[3].Top, boxes[4].Top)
			} else {
				for i := 1; i < len(boxes); i++ {
					assert.Less(t, boxes[i-1].Top, boxes[i].Top, "on a phone, one field to a row")
					assert.Equal(t, boxes[i].Grid, boxes[i].Width)
				}
			}
			assert.Equal(t, unixISO(1764770400), eval[string](t, ctx, cardJS(se, 0)+`.querySelector('.att-footer time').dateTime`), "a ts with a fraction")
			assert.True(t, eval[bool](t, ctx, cardJS(se, 0)+`.querySelector('.att-footer').textContent.startsWith('Sentry · ')`))

			// Uptime Kuma and GitHub Actions: the payload's own text above
			// its cards (made of blocks), the cards' rendering not repeated.
			uk := ids["uptime-kuma"]
			assert.Equal(t, "Uptime Kuma Alert: [Website] [🔴 Down] timeout of 48000ms exceeded", eval[string](t, ctx, msgJS(uk)+`.querySelector(':scope > .body').textContent`))
			assert.Equal(t, "rgb(224, 30, 90)", eval[string](t, ctx, `getComputedStyle(`+cardJS(uk, 0)+`).borderLeftColor`))
			assert.Equal(t, "Uptime Kuma Alert", eval[string](t, ctx, cardJS(uk, 0)+`.querySelector('.att-title').textContent`))
			gh := ids["github-actions"]
			assert.Equal(t, "GitHub Action build result: success", eval[string](t, ctx, msgJS(gh)+`.querySelector(':scope > .body').textContent`))
			assert.Equal(t, "Deploy finished", eval[string](t, ctx, cardJS(gh, 0)+`.querySelector('.att-title').textContent`))
			assert.Equal(t, 1, eval[int](t, ctx, msgJS(gh)+`.innerText.split('Deploy finished').length - 1`))

			// Mattermost: pretext above the card, a linked author, links
			// that are not http(s) dropped.
			mm := ids["mattermost"]
			assert.True(t, eval[bool](t, ctx, msgJS(mm)+`.querySelector(':scope > .body').textContent.startsWith('#### Deployed makechat 1.4 to production')`))
			assert.Equal(t, "The pipeline says:", eval[string](t, ctx, cardJS(mm, 0)+`.previousElementSibling.textContent`))
			assert.Equal(t, []string{"ci", "https://ci.example.com"}, eval[[]string](t, ctx, `(a => [a.textContent, a.getAttribute('href')])(`+cardJS(mm, 0)+`.querySelector('.att-author a'))`))
			assert.Equal(t, "https://ci.example.com/pipelines/77", eval[string](t, ctx, cardJS(mm, 0)+`.querySelector('.att-title a').getAttribute('href')`))
			assert.Equal(t, "rgb(255, 128, 0)", eval[string](t, ctx, `getComputedStyle(`+cardJS(mm, 0)+`).borderLeftColor`))
			assert.False(t, eval[bool](t, ctx, cardJS(mm, 0)+`.querySelector('.att-links') !== null`), "javascript: and data: images are not links")

			// The other tools' payloads: each shows a card with its text.
			for _, name := range cardOnly {
				id := ids[name]
				assert.True(t, eval[bool](t, ctx, cardJS(id, 0)+` !== undefined && `+cardJS(id, 0)+`.textContent.trim() !== ''`), name+": a card with text")
				assert.NotEqual(t, "0px", eval[string](t, ctx, `getComputedStyle(`+cardJS(id, 0)+`).borderLeftWidth`), name+": a colour bar")
			}
			assert.Equal(t, "rgb(46, 184, 134)", eval[string](t, ctx, `getComputedStyle(`+cardJS(ids["jenkins"], 0)+`).borderLeftColor`), "Jenkins' good is green")

			// A text cut by the server in the cards' rendering: the
			// payload's text is still told from it.
			lo := ids["long"]
			assert.Equal(t, longLead, eval[string](t, ctx, msgJS(lo)+`.querySelector(':scope > .body').textContent`))
			assert.Equal(t, "Long card", eval[string](t, ctx, cardJS(lo, 0)+`.querySelector('.att-title').textContent`))

			// Markup and script in every field are text: nothing made of
			// them, nothing run, every link a web or mail link.
			ho := ids["hostile"]
			assert.Equal(t, 0, eval[int](t, ctx, msgJS(ho)+`.querySelectorAll('script, img, svg:not(.icon), iframe, style, b').length`), "none but the app's own icons")
			assert.Equal(t, 0, eval[int](t, ctx, `window.alerted`))
			assert.Contains(t, eval[string](t, ctx, msgJS(ho)+`.textContent`), "<script>alert(4)</script> hostile")
			assert.Contains(t, eval[string](t, ctx, msgJS(ho)+`.textContent`), "<svg onload=alert(8)>")
			assert.True(t, eval[bool](t, ctx, `[...document.querySelectorAll('#messages .cards a')].every(a => ['http:', 'https:', 'mailto:'].includes(a.protocol))`),
				"every link in a card is http, https or mailto")
			assert.False(t, eval[bool](t, ctx, cardJS(ho, 0)+`.querySelector('.att-title a') !== null`), "a javascript: title link is no link")

			assert.LessOrEqual(t, eval[int](t, ctx, `document.documentElement.scrollWidth`), size.w, "the page never scrolls sideways")
			screenshot(t, ctx, "cards-"+size.name)
			step(t, ctx, chromedp.Evaluate[chromedp.Void](msgJS(gr)+`.scrollIntoView()`))
			screenshot(t, ctx, "cards-"+size.name+"-grafana")
			axeScan(t, ctx, "cards, "+size.name)
		})
	}
}

func TestCards_KeyboardMenuAndSearch(t *testing.T) {
	w, ids := cardsWorld(t)
	ctx := browser(t, 1280, 800)
	w.login(t, ctx, "bob", "bob-password")
	gr := ids["grafana"]
	until(t, ctx, msgJS(gr)+` !== null && document.body.dataset.conn === 'live'`, "the cards")

	// A card's links are Tab stops only while its message has the focus.
	links := msgJS(gr) + `.querySelectorAll('.cards a')`
	assert.True(t, eval[bool](t, ctx, `[...`+links+`].every(a => a.tabIndex === -1)`), "not Tab stops at first")
	step(t, ctx, chromedp.Evaluate[chromedp.Void](msgJS(gr)+`.focus()`))
	assert.True(t, eval[bool](t, ctx, `[...`+links+`].every(a => a.tabIndex === 0)`), "Tab stops while the message has the focus")
	step(t, ctx, chromedp.KeyEvent(kb.Tab))
	assert.Equal(t, "https://grafana.example.com/alerting/list", eval[string](t, ctx, `document.activeElement.getAttribute('href')`), "Tab goes to the card's title")
	step(t, ctx, chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)))
	assert.True(t, eval[bool](t, ctx, `document.activeElement === `+msgJS(gr)))
	step(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	assert.True(t, eval[bool](t, ctx, `[...`+links+`].every(a => a.tabIndex === -1)`), "not Tab stops once the focus has gone on")

	// The message menu works on a card's message (its Copy text copies
	// the whole text, the cards' plain rendering with it).
	step(t, ctx, chromedp.Evaluate[chromedp.Void](msgJS(gr)+`.focus()`), chromedp.KeyEvent(kb.Enter))
	until(t, ctx, `!document.getElementById('msg-menu').hidden && document.activeElement.textContent === 'Copy text'`, "the menu of a card's message")
	assert.Contains(t, eval[string](t, ctx, `document.getElementById('msg-menu').getAttribute('aria-label')`), "Message from tools", "the hook's bot, not the payload's name")
	step(t, ctx, chromedp.KeyEvent(kb.Escape))
	until(t, ctx, `document.getElementById('msg-menu').hidden && document.activeElement === `+msgJS(gr), "the focus back on the message")

	// Search finds a card's words, which the message's text holds.
	step(t, ctx, chromedp.Click(chromedp.ID("search-input")), typeInto("#search-input", "ZeroDivisionError\r"))
	until(t, ctx, `[...document.querySelectorAll('#results-list .result .body')].some(b => b.textContent.includes('ZeroDivisionError: division by zero'))`, "the search result")
}

func TestCards_BotsCarryTheBotTag(t *testing.T) {
	w := newWorld(t, nil)
	status, body := w.call(w.adminToken, "POST", "/api/bots", map[string]string{"username": "deploybot"})
	require.Equal(t, 201, status, body)
	var bot struct {
		ID storage.ID `json:"_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &bot))
	status, body = w.call(w.adminToken, "POST", "/api/bots/"+bot.ID.Hex()+"/tokens", map[string]string{"name": "ci"})
	require.Equal(t, 201, status, body)
	var token struct{ Value string }
	require.NoError(t, json.Unmarshal([]byte(body), &token))
	status, body = w.call(token.Value, "POST", "/api/members", map[string]string{"room": w.room.Hex()})
	require.Equal(t, 201, status, body)
	w.post(w.bobToken, "bob first")
	w.post(token.Value, "deployed 1.4 by token")
	byBot := w.hookPost(w.hookURL("bot-hook", bot.ID.Hex()), `{"text": "deployed 1.5 by hook", "username": "admin"}`)
	byHook := w.hookPost(w.hookURL("plain-hook", ""), `{"text": "plain hook post", "username": "admin"}`)
	status, body = w.call(token.Value, "POST", "/api/messages", map[string]string{"recipient": w.bob.ID.Hex(), "text": "your build is green"})
	require.Equal(t, 201, status, body)

	// head is the JS for the name and tags of a message, by its text.
	head := func(text string) string {
		return fmt.Sprintf(`(li => [li.querySelector('.author').textContent, ...[...li.querySelectorAll('.msg-head .tag')].map(t => t.textContent)])([...document.querySelectorAll('#messages > .msg')].find(li => li.querySelector('.body')?.textContent === %q))`, text)
	}
	for _, size := range bothSizes {
		t.Run(size.name, func(t *testing.T) {
			ctx := browser(t, size.w, size.h)
			w.login(t, ctx, "bob", "bob-password")
			until(t, ctx, hasMessage("plain hook post"), "the messages")
			until(t, ctx, fmt.Sprintf(`%s.querySelector('.tag')?.textContent === 'Bot'`, msgJS(byBot)), "the bot hook's message tagged")
			assert.Equal(t, []string{"deploybot", "Bot"}, eval[[]string](t, ctx, head("deployed 1.4 by token")), "a bot's own post")
			assert.Equal(t, []string{"deploybot", "Bot"}, eval[[]string](t, ctx, head("deployed 1.5 by hook")), "a hook with a bot posts as the bot, whatever name it asks for")
			assert.Equal(t, []string{"plain-hook", "Bot"}, eval[[]string](t, ctx, head("plain hook post")), "a hook made without a bot posts as the bot made for it")
			assert.Equal(t, []string{"bob"}, eval[[]string](t, ctx, head("bob first")), "a person has no tag")
			assert.Equal(t, "uppercase", eval[string](t, ctx, `getComputedStyle(`+msgJS(byBot)+`.querySelector('.tag')).textTransform`), "shown as BOT")
			assert.NotEmpty(t, byHook)

			// Search results, the member list and the people picker tag
			// the bot too.
			step(t, ctx, typeInto("#search-input", "deployed\r"))
			until(t, ctx, `document.querySelectorAll('#results-list .result').length === 2`, "the bot's posts, found")
			assert.Equal(t, []string{"Bot", "Bot"}, eval[[]string](t, ctx, `[...document.querySelectorAll('#results-list .result .msg-head .tag')].map(t => t.textContent)`))
			click(t, ctx, chromedp.ID("results-close"))
			click(t, ctx, chromedp.ID("members-button"))
			until(t, ctx, `[...document.querySelectorAll('#dialog .pick li')].some(li => li.querySelector('.name').textContent === 'deploybot')`, "the member list")
			assert.Equal(t, "Bot", eval[string](t, ctx, `[...document.querySelectorAll('#dialog .pick li')].find(li => li.querySelector('.name').textContent === 'deploybot').querySelector('.tag').textContent`))
			assert.False(t, eval[bool](t, ctx, `[...document.querySelectorAll('#dialog .pick li')].find(li => li.querySelector('.name').textContent === 'bob').querySelector('.tag') !== null`))
			axeScan(t, ctx, "the member list with a bot, "+size.name)
			step(t, ctx, chromedp.KeyEvent(kb.Escape))
			until(t, ctx, `!document.getElementById('dialog').open`, "the member list closed")
			openDrawerIfPhone(t, ctx)
			click(t, ctx, chromedp.ID("new-dm"))
			until(t, ctx, `document.querySelector('#dialog [role=combobox]') !== null`, "the people picker")
			step(t, ctx, typeInto(`#dialog [role=combobox]`, "deploy"))
			until(t, ctx, `[...document.querySelectorAll('#dialog [role=option]')].some(o => o.querySelector('.name').textContent === 'deploybot' && o.querySelector('.tag.bot')?.textContent === 'Bot')`, "the bot in the picker, tagged")
			axeScan(t, ctx, "the people picker with a bot, "+size.name)
			click(t, ctx, chromedp.ID("dialog-cancel"))
			until(t, ctx, `!document.getElementById('dialog').open`, "the picker closed")

			// A direct conversation with a bot: tagged in the sidebar and
			// in its header.
			dm := `[...document.querySelectorAll('#directs button.conv')].find(b => b.querySelector('.name').textContent === 'deploybot')`
			until(t, ctx, dm+` !== undefined`, "the bot's direct message in the sidebar")
			assert.Equal(t, "Bot", eval[string](t, ctx, dm+`.querySelector('.tag')?.textContent`))
			step(t, ctx, chromedp.Evaluate[chromedp.Void](dm+`.click()`))
			until(t, ctx, `document.getElementById('room-title').textContent === '@deploybot' && `+hasMessage("your build is green"), "the conversation")
			assert.Equal(t, "Bot", eval[string](t, ctx, `document.querySelector('#room-flags .tag')?.textContent`), "the header says it is a bot")
			axeScan(t, ctx, "a direct conversation with a bot, "+size.name)
		})
	}
}
