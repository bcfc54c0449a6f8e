package slack

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// convert reads a payload as the API does and converts it.
func convert(t *testing.T, body string) (Message, error) {
	t.Helper()
	var p Payload
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	return p.Message()
}

func file(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

func TestPayload_WhatTheToolsSendBecomesCardsAndText(t *testing.T) {
	for _, tc := range []struct {
		file  string
		cards int
		text  []string // in the message's text, in this order
		check func(t *testing.T, cards []storage.Attachment)
	}{
		{file: "alertmanager.json", cards: 1,
			text: []string{"**[FIRING:2] InstanceDown (prod)** (http://alertmanager.example.com:9093/#/alerts?receiver=makechat)",
				"**Alert:** Instance node-1:9100 down - `critical`", "Runbook :blue_book: (https://runbooks.example.com/InstanceDown)"},
			check: func(t *testing.T, c []storage.Attachment) {
				assert.Equal(t, "#a30200", c[0].Color) // "danger"
				assert.Equal(t, "[FIRING:2] InstanceDown (prod)", c[0].Title)
				assert.Equal(t, "http://alertmanager.example.com:9093/#/alerts?receiver=makechat", c[0].TitleLink)
			}},
		// Recorded from Alertmanager v0.35.0's own Slack notifier by
		// tools/notifiers, with docs/integrations.md's configuration.
		{file: "alertmanager-real-firing.json", cards: 1,
			text: []string{"**[FIRING:2] InstanceDown (node critical)** (http://alertmanager.example.com:9093/#/alerts?receiver=makechat)",
				"**Instance node-1:9100 down**\nnode-1:9100 of job node has been down for more than 5 minutes.", "Runbook (https://runbooks.example.com/InstanceDown)"},
			check: func(t *testing.T, c []storage.Attachment) { assert.Equal(t, "#a30200", c[0].Color) }},
		{file: "alertmanager-real-resolved.json", cards: 1,
			text:  []string{"**[RESOLVED] InstanceDown (node critical)**"},
			check: func(t *testing.T, c []storage.Attachment) { assert.Equal(t, "#2eb886", c[0].Color) }},
		{file: "jenkins.json", cards: 1,
			text:  []string{"makechat-ci - #42 Back to normal after 3 min 12 sec (Open (https://jenkins.example.com/job/makechat-ci/42/))"},
			check: func(t *testing.T, c []storage.Attachment) { assert.Equal(t, "#2eb886", c[0].Color) }},
		{file: "grafana.json", cards: 1,
			text: []string{"**[FIRING:1] High CPU (web-3 critical)**", "Value: A=97.2", "https://grafana.example.com/render/d-solo/cpu.png",
				"Grafana v11.3.0 · 2025-12-03 14:00 UTC"},
			check: func(t *testing.T, c []storage.Attachment) {
				assert.Equal(t, "#d63232", c[0].Color)
				assert.Equal(t, int64(1764770400), c[0].TS)
				assert.Equal(t, "Grafana v11.3.0", c[0].Footer)
				assert.Equal(t, "https://grafana.example.com/render/d-solo/cpu.png", c[0].ImageURL)
			}},
		{file: "gitea.json", cards: 1,
			text: []string{"[acme/makechat (https://git.example.com/acme/makechat):main (https://git.example.com/acme/makechat/src/branch/main)] 2 new commits pushed by alice",
				"1f2e3d4c (https://git.example.com/acme/makechat/commit/1f2e3d4c): Fix the login form & its <label> - alice",
				"Add ~~strikethrough~~ support"}},
		{file: "uptime-kuma.json", cards: 1,
			text: []string{"Uptime Kuma Alert: [Website] [🔴 Down] timeout of 48000ms exceeded", "**Uptime Kuma Alert**",
				"Visit Uptime Kuma (https://status.example.com/dashboard/3)", "**Time (Europe/Berlin)**\n2026-12-03 14:05:00"},
			check: func(t *testing.T, c []storage.Attachment) {
				assert.Equal(t, "#e01e5a", c[0].Color)
				assert.Equal(t, "Uptime Kuma Alert", c[0].Title)
				require.Len(t, c[0].Fields, 2)
				assert.Equal(t, storage.Field{Value: "**Message**\n[Website] [🔴 Down] timeout of 48000ms exceeded", Short: true}, c[0].Fields[0])
			}},
		{file: "github-actions.json", cards: 2, // the divider splits them
			text: []string{"GitHub Action build result: success\n\n**Deploy finished**", "by @octocat", "Build status\nView run (https://github.com/acme/makechat/actions/runs/1234)",
				"https://ci.example.com/badge.png\nWorkflow **deploy** · run 1234"},
			check: func(t *testing.T, c []storage.Attachment) {
				assert.Equal(t, "https://github.githubassets.com/images/modules/logos_page/GitHub-Mark.png", c[0].ThumbURL)
				assert.Equal(t, "https://ci.example.com/badge.png", c[1].ImageURL)
				assert.Equal(t, "Workflow **deploy** · run 1234", c[1].Footer)
				assert.NotContains(t, c[1].Text, "demo", "a video block is skipped")
			}},
		{file: "action-slack.json", cards: 1,
			text: []string{"action-slack\n**repo**: acme/makechat (https://github.com/acme/makechat)", "**author**: Octo Cat<octocat@example.com>", "**eventName**: push"},
			check: func(t *testing.T, c []storage.Attachment) {
				require.Len(t, c[0].Fields, 8)
				assert.True(t, c[0].Fields[0].Short)
				assert.Equal(t, "#2eb886", c[0].Color) // "good"
			}},
		{file: "sentry.json", cards: 1,
			text: []string{"**ZeroDivisionError: division by zero** (https://sentry.example.com/", "**Events**: 37", "Sentry · 2025-12-03 14:00 UTC"},
			check: func(t *testing.T, c []storage.Attachment) {
				assert.Equal(t, storage.Field{Title: "Events", Value: "37", Short: true}, c[0].Fields[4], "a number and a string \"true\" are read")
				assert.False(t, c[0].Fields[2].Short)
			}},
		{file: "mattermost.json", cards: 1,
			text: []string{"#### Deployed makechat 1.4 to production", "The pipeline says:\nci (https://ci.example.com)\n**Pipeline 77** (https://ci.example.com/pipelines/77)"},
			check: func(t *testing.T, c []storage.Attachment) {
				assert.Empty(t, c[0].ImageURL, "a javascript: image is dropped")
				assert.Empty(t, c[0].ThumbURL, "a data: thumbnail is dropped")
				assert.Equal(t, "#ff8000", c[0].Color)
			}},
		{file: "rich-text.json", cards: 1,
			text: []string{"Release notes **1.4** for @U123 🎉", "- _Invites_\n- Docs (https://example.com/docs)\n1. ~~old~~\n2. `go run .`\n> It works.@here\n```\nmake test\nmake run\n```"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			m, err := convert(t, file(t, tc.file))
			require.NoError(t, err)
			require.Len(t, m.Attachments, tc.cards)
			rest := m.Text
			for _, want := range tc.text {
				i := strings.Index(rest, want)
				require.GreaterOrEqual(t, i, 0, "%q not found (in order) in the text:\n%s", want, m.Text)
				rest = rest[i+len(want):]
			}
			require.NoError(t, storage.CheckAttachments(m.Attachments))
			if tc.check != nil {
				tc.check(t, m.Attachments)
			}
		})
	}
}

func TestMrkdwn_IsTranslatedToMakechatsFormatting(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"*bold* _italic_ ~strike~", "**bold** _italic_ ~~strike~~"},
		{"2*3*4 and a * b * c, **already**", "2*3*4 and a * b * c, **already**"},
		{"`*code*` ```\n*block*\n```", "`*code*` ```\n*block*\n```"},
		{"*one\ntwo*", "*one\ntwo*"}, // emphasis stays on its line
		{"<https://x.example/a_b_c|see *here*>", "see *here* (https://x.example/a_b_c)"},
		{"<https://x.example/~a/~b>", "https://x.example/~a/~b"},
		{"<https://x.example|https://x.example>", "https://x.example"},
		{"<mailto:a@example.com|a@example.com>", "mailto:a@example.com"},
		{"<!here> <!channel> <!everyone> <!subteam^S1|@ops> <!subteam^S2>", "@here @channel @everyone @ops "},
		{"<@U1> <@U2|bob> <#C1> <#C2|general>", "@U1 @bob #C1 #general"},
		{"<!date^1392734382^{date}|Feb 18, 2014>", "Feb 18, 2014"},
		{"&lt;b&gt; AT&amp;T &amp;lt;", "<b> AT&T &lt;"},
		{"<javascript:alert(1)|click> <javascript:alert(1)>", "click <javascript:alert(1)>"},
		{"Ann <ann@example.com>", "Ann <ann@example.com>"},
		{"a < b > c", "a < b > c"}, // a space after '<' is no link: kept
		{"open < and\n> closed", "open < and\n> closed"},
		{"<https://x.example/?a=1&amp;b=2|q>", "q (https://x.example/?a=1&b=2)"},
	} {
		assert.Equal(t, tc.want, mrkdwn(tc.in, true), "from %q", tc.in)
	}
	assert.Equal(t, "*as is* <b>", mrkdwn("*as is* &lt;b&gt;", false), "without formatting, only sequences and entities")
}

func TestPayload_BadOrHostileInputIsAClearErrorOrHarmless(t *testing.T) {
	refused := []struct {
		name, body, field, msg string
	}{
		{"nothing", `{}`, "text", "The 'text' parameter is required."},
		{"only a username", `{"username": "x"}`, "text", "The 'text' parameter is required."},
		{"empty attachments", `{"attachments": [], "blocks": [null]}`, "text", "The 'text' parameter is required."},
		{"blank text", `{"text": "  \n "}`, "text", "nothing to show"},
		{"attachments of nothing", `{"attachments": [{"color": "good"}, {"fields": []}, null]}`, "text", "nothing to show"},
		{"attachments a string", `{"attachments": "x"}`, "attachments", "must be an array of objects"},
		{"attachments an object", `{"attachments": {"text": "x"}}`, "attachments", "must be an array of objects"},
		{"attachments of numbers", `{"attachments": [1, 2]}`, "attachments", "must be an array of objects"},
		{"blocks a string", `{"text": "x", "blocks": "x"}`, "blocks", "must be an array of objects"},
		{"10,000 blocks", `{"blocks": [` + strings.Repeat(`{"type":"divider"},`, 9999) + `{"type":"divider"}]}`, "blocks", "at most 100 items"},
		{"10,000 blocks in an attachment", `{"attachments": [{"blocks": [` + strings.Repeat(`{"type":"divider"},`, 9999) + `{"type":"divider"}]}]}`, "attachments", "at most 100 items"},
		{"101 attachments", `{"attachments": [` + strings.Repeat(`{"text":"x"},`, 100) + `{"text":"x"}]}`, "attachments", "at most 100 items"},
		{"too many cards by dividers", `{"attachments": [` + strings.Repeat(`{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"a"}},{"type":"divider"},{"type":"section","text":{"type":"mrkdwn","text":"b"}}]},`, 50) + `{"text":"x"}]}`, "attachments", "more than 100 cards"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := convert(t, tc.body)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.field, e.Field)
			assert.Contains(t, e.Msg, tc.msg)
		})
	}

	t.Run("unknown and malformed blocks are skipped", func(t *testing.T) {
		m, err := convert(t, `{"blocks": [{"type": "carousel"}, {"type": 7}, {"type": "section", "text": 5}, {"type": "section", "text": {"type": "mrkdwn", "text": "kept"}}, {"type": "image", "image_url": "javascript:x"}]}`)
		require.NoError(t, err)
		assert.Equal(t, "kept", m.Text)
		assert.Equal(t, []storage.Attachment{{Text: "kept"}}, m.Attachments)
	})
	t.Run("HTML and script stay text", func(t *testing.T) {
		evil := `<script>alert(1)</script><img src=x onerror=alert(1)>`
		esc := strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(evil)
		m, err := convert(t, fmt.Sprintf(`{"text": %q, "attachments": [{"title": %q, "text": %q, "fields": [{"title": %q, "value": %q}], "footer": %q, "title_link": "javascript:alert(1)", "author_link": "https://x.example/\"><script>", "color": "red;background:url(x)"}]}`,
			esc, evil, esc, evil, esc, esc))
		require.NoError(t, err)
		a := m.Attachments[0]
		assert.Equal(t, evil, a.Text, "the text, as text; the web app never makes HTML of it")
		assert.Empty(t, a.TitleLink)
		assert.Empty(t, a.AuthorLink)
		assert.Empty(t, a.Color)
		assert.Contains(t, m.Text, evil)
	})
	t.Run("100 fields", func(t *testing.T) {
		var fields []string
		for i := range 100 {
			fields = append(fields, fmt.Sprintf(`{"title": "field %d", "value": "value %d", "short": %v}`, i, i, i%2 == 0))
		}
		m, err := convert(t, `{"attachments": [{"title": "many", "fields": [`+strings.Join(fields, ",")+`]}]}`)
		require.NoError(t, err)
		require.Len(t, m.Attachments[0].Fields, 100)
		assert.Contains(t, m.Text, "**field 99**: value 99")
	})
	t.Run("50 KB is cut in the text and kept in the cards", func(t *testing.T) {
		long := strings.Repeat("word ", 10_000) // 50,000 bytes
		m, err := convert(t, fmt.Sprintf(`{"text": "head", "attachments": [{"title": "big", "text": %q}, {"title": "after"}]}`, long))
		require.NoError(t, err)
		assert.LessOrEqual(t, utf8.RuneCountInString(m.Text), storage.MaxTextChars)
		assert.True(t, strings.HasSuffix(m.Text, "…"))
		assert.Equal(t, storage.MaxCardTextChars, utf8.RuneCountInString(m.Attachments[0].Text), "a card's text is cut to what a card holds")
		assert.Equal(t, "after", m.Attachments[1].Title)
		require.NoError(t, storage.CheckAttachments(m.Attachments))
	})
	t.Run("the text alone, as before", func(t *testing.T) {
		m, err := convert(t, `{"text": "deploy *done*", "mrkdwn": false}`)
		require.NoError(t, err)
		assert.Equal(t, Message{Text: "deploy *done*"}, m)
	})
}

func TestLead_IsThePayloadsOwnTextBeforeTheCards(t *testing.T) {
	for _, tc := range []struct{ file, lead string }{
		{"alertmanager.json", ""},
		{"gitea.json", "[acme/makechat (https://git.example.com/acme/makechat):main (https://git.example.com/acme/makechat/src/branch/main)] 2 new commits pushed by alice"},
		{"uptime-kuma.json", "Uptime Kuma Alert: [Website] [🔴 Down] timeout of 48000ms exceeded"},
		{"mattermost.json", "#### Deployed makechat 1.4 to production\n| Host | Status |\n|:--|:--|\n| web-1 | :white_check_mark: |"},
	} {
		m, err := convert(t, file(t, tc.file))
		require.NoError(t, err)
		lead, ok := Lead(m.Text, m.Attachments)
		assert.True(t, ok, tc.file)
		assert.Equal(t, tc.lead, lead, tc.file)
	}

	long := strings.Repeat("word ", 10_000)
	m, err := convert(t, fmt.Sprintf(`{"text": "head\n\nstill the head", "attachments": [{"title": "big", "text": %q}]}`, long))
	require.NoError(t, err)
	lead, ok := Lead(m.Text, m.Attachments)
	assert.True(t, ok, "a text cut in the middle of the rendering")
	assert.Equal(t, "head\n\nstill the head", lead)

	m, err = convert(t, fmt.Sprintf(`{"text": %q, "attachments": [{"title": "after"}]}`, long))
	require.NoError(t, err)
	lead, ok = Lead(m.Text, m.Attachments)
	assert.True(t, ok, "a text cut in the payload's own text: the rendering never began")
	assert.True(t, lead == m.Text, "all of the cut text is the payload's own")

	lead, ok = Lead("edited since", m.Attachments)
	assert.False(t, ok)
	assert.Equal(t, "edited since", lead, "a text that no longer ends with the cards is all lead")
	lead, ok = Lead("plain", nil)
	assert.False(t, ok)
	assert.Equal(t, "plain", lead)
}
