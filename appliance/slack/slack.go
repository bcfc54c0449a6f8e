// Package slack reads what Slack's and Mattermost's incoming webhooks
// accept — text, attachments, blocks, Slack's mrkdwn, usernames — and
// turns it into a makechat message: cards (storage.Attachment) for the
// web app, and a plain text of everything, which search finds and which
// clients that know nothing of cards show.
//
// Start from Payload and its Message method. The package is lenient where
// the tools that send these payloads differ (numbers where Slack has
// strings, unknown block types, empty cards: taken, converted or
// skipped) and strict only where a payload cannot be understood
// (attachments or blocks that are not arrays of objects, more of them
// than Slack itself takes).
package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/makechat/makechat/storage"
)

// Payload is the body of a post to an incoming webhook, as Slack and
// Mattermost take it. Fields that makechat does not use (channel,
// username, icon_url, icon_emoji, Mattermost's props and type) are
// accepted and ignored: a hook posts into its own room as its own bot.
type Payload struct {
	Text *string `json:"text"`
	// Mrkdwn false means the text is not formatted (Slack's switch).
	Mrkdwn      *bool           `json:"mrkdwn"`
	Attachments json.RawMessage `json:"attachments"`
	Blocks      json.RawMessage `json:"blocks"`
}

// Limits of a payload, beyond the body's size.
const (
	// MaxBlocks is the most blocks a payload (or one attachment) may
	// have: twice Slack's own limit of 50.
	MaxBlocks = 100
)

// Error is a payload that cannot be understood: Field names the part at
// fault and Msg says why, in a sentence for the sender.
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Msg }

// ErrNothing is a payload without text, attachments or blocks (or with
// empty lists of them).
var ErrNothing = &Error{Field: "text", Msg: "The 'text' parameter is required."}

// Message is what a payload says, as makechat stores it.
type Message struct {
	// Text is the payload's text followed by a plain rendering of each
	// card, cut to storage.MaxTextChars.
	Text        string
	Attachments []storage.Attachment
}

// Message converts the payload.
func (p Payload) Message() (Message, error) {
	var m Message
	format := p.Mrkdwn == nil || *p.Mrkdwn
	var text string
	if p.Text != nil {
		text = strings.TrimSpace(mrkdwn(*p.Text, format))
	}
	atts, err := rawObjects(p.Attachments, "attachments", storage.MaxAttachments)
	if err != nil {
		return Message{}, err
	}
	blocks, err := rawObjects(p.Blocks, "blocks", MaxBlocks)
	if err != nil {
		return Message{}, err
	}
	if p.Text == nil && len(atts) == 0 && len(blocks) == 0 {
		return Message{}, ErrNothing
	}
	// Blocks come first, as Slack shows them: above the attachments. If
	// the payload has no text, the blocks' text is the message's.
	cards := fromBlocks(blocks, storage.Attachment{})
	for _, raw := range atts {
		cs, err := fromAttachment(raw)
		if err != nil {
			return Message{}, err
		}
		cards = append(cards, cs...)
	}
	if len(cards) > storage.MaxAttachments {
		return Message{}, &Error{Field: "attachments", Msg: fmt.Sprintf("The payload makes more than %d cards.", storage.MaxAttachments)}
	}
	for i := range cards {
		cards[i] = cut(cards[i])
	}
	m.Attachments = cards
	m.Text = render(text, cards)
	if strings.TrimSpace(m.Text) == "" {
		return Message{}, &Error{Field: "text", Msg: "The payload has nothing to show: give 'text', or 'attachments' or 'blocks' with something in them."}
	}
	if err := storage.CheckAttachments(cards); err != nil {
		return Message{}, &Error{Field: "attachments", Msg: "The attachments cannot be shown: " + err.Error() + "."}
	}
	return m, nil
}

// isAbsent reports whether a raw JSON value was left out or is null.
func isAbsent(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// rawObjects splits raw, which must be absent, null or an array of at
// most limit objects (nulls in it are skipped).
func rawObjects(raw json.RawMessage, field string, limit int) ([]json.RawMessage, error) {
	if isAbsent(raw) {
		return nil, nil
	}
	bad := &Error{Field: field, Msg: fmt.Sprintf("The '%s' parameter must be an array of objects.", field)}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, bad
	}
	if len(list) > limit {
		return nil, &Error{Field: field, Msg: fmt.Sprintf("The '%s' parameter may hold at most %d items.", field, limit)}
	}
	out := list[:0]
	for _, r := range list {
		switch {
		case isAbsent(r):
		case r[0] == '{':
			out = append(out, r)
		default:
			return nil, bad
		}
	}
	return out, nil
}

// cut shortens each text of a card to what a card may hold.
func cut(a storage.Attachment) storage.Attachment {
	for _, s := range []*string{&a.Pretext, &a.AuthorName, &a.Title, &a.Text, &a.Footer} {
		*s = clip(*s, storage.MaxCardTextChars)
	}
	for i := range a.Fields {
		a.Fields[i].Title = clip(a.Fields[i].Title, storage.MaxCardTextChars)
		a.Fields[i].Value = clip(a.Fields[i].Value, storage.MaxCardTextChars)
	}
	return a
}

// clip cuts s to n characters, ending with "…" if it was longer.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return strings.TrimRight(s[:i], " \n") + "…"
}

// Lead is the part of a stored message's text that came before its
// cards' plain rendering (Message's Text is the payload's text, a blank
// line, and the rendering, cut to storage.MaxTextChars): what a client
// that shows the cards shows as text. ok is false when the text does not
// end with the rendering (the message was edited since): then all of it
// is the lead.
func Lead(text string, cards []storage.Attachment) (lead string, ok bool) {
	if len(cards) == 0 {
		return text, false
	}
	r := render("", cards)
	// A text cut to its limit ends with "…" in the middle of the
	// rendering, or of the payload's own text before it.
	s, cut := strings.CutSuffix(text, "…")
	if !cut {
		switch {
		case text == r:
			return "", true
		case strings.HasSuffix(text, "\n\n"+r):
			return strings.TrimSuffix(text, "\n\n"+r), true
		}
		return text, false
	}
	if strings.HasPrefix(r, s) {
		return "", true
	}
	for i := strings.Index(s, "\n\n"); i >= 0; {
		if strings.HasPrefix(r, s[i+2:]) {
			return s[:i], true
		}
		j := strings.Index(s[i+1:], "\n\n")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	// Cut in the payload's own text: the rendering never began.
	return text, true
}

// render writes text and the cards as one plain text: the text, then
// each card after a blank line (pretext, author, title and link, text,
// fields as "**title**: value", image link, footer and time).
func render(text string, cards []storage.Attachment) string {
	var parts []string
	if text != "" {
		parts = append(parts, text)
	}
	for _, a := range cards {
		var lines []string
		add := func(s string) {
			if s = strings.TrimSpace(s); s != "" {
				lines = append(lines, s)
			}
		}
		add(a.Pretext)
		add(withLink(a.AuthorName, a.AuthorLink))
		if a.Title != "" {
			add(withLink("**"+a.Title+"**", a.TitleLink))
		} else {
			add(a.TitleLink)
		}
		add(a.Text)
		for _, f := range a.Fields {
			switch {
			case f.Title == "":
				add(f.Value)
			case f.Value == "":
				add("**" + f.Title + "**")
			default:
				add("**" + f.Title + "**: " + f.Value)
			}
		}
		add(a.ImageURL)
		footer := a.Footer
		if a.TS > 0 {
			footer = strings.TrimPrefix(footer+" · "+time.Unix(a.TS, 0).UTC().Format("2006-01-02 15:04 UTC"), " · ")
		}
		add(footer)
		if len(lines) > 0 {
			parts = append(parts, strings.Join(lines, "\n"))
		}
	}
	return clip(strings.Join(parts, "\n\n"), storage.MaxTextChars)
}

func withLink(s, link string) string {
	if link == "" || s == "" {
		return s
	}
	return s + " (" + link + ")"
}
