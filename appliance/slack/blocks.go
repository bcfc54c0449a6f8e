package slack

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/makechat/makechat/storage"
)

// block is one of Slack's layout blocks, with the parts of each type
// that makechat shows.
type block struct {
	Type      string            `json:"type"`
	Text      json.RawMessage   `json:"text"` // a text object; a string in "markdown" blocks
	Fields    []json.RawMessage `json:"fields"`
	Elements  []json.RawMessage `json:"elements"`
	ImageURL  loose             `json:"image_url"`
	AltText   loose             `json:"alt_text"`
	Title     json.RawMessage   `json:"title"`
	Accessory *struct {
		Type     string `json:"type"`
		ImageURL loose  `json:"image_url"`
	} `json:"accessory"`
}

// textObject is Slack's text object: {"type": "mrkdwn"|"plain_text",
// "text": ...}.
type textObject struct {
	Type string `json:"type"`
	Text loose  `json:"text"`
}

// textOf reads a text object; plain text keeps its markers as written.
func textOf(raw json.RawMessage) string {
	var t textObject
	if json.Unmarshal(raw, &t) != nil {
		return ""
	}
	return strings.TrimSpace(mrkdwn(string(t.Text), t.Type != "plain_text"))
}

// fromBlocks lays blocks into cards, starting with first (an
// attachment's own content, or an empty card): a header is the card's
// title, sections and rich text its text and fields, context its footer,
// an image its image, link buttons a line of links, and a divider starts
// a new card of the same colour. Blocks of other types (inputs, files,
// videos) and blocks of the wrong shape are skipped. Cards with nothing to show are left out.
func fromBlocks(raws []json.RawMessage, first storage.Attachment) []storage.Attachment {
	var out []storage.Attachment
	cur := first
	for _, raw := range raws {
		var b block
		if json.Unmarshal(raw, &b) != nil {
			continue
		}
		switch b.Type {
		case "header":
			if t := textOf(b.Text); cur.Title == "" {
				cur.Title = t
			} else {
				addText(&cur, "**"+t+"**")
			}
		case "section":
			addText(&cur, textOf(b.Text))
			for _, f := range b.Fields {
				if t := textOf(f); t != "" {
					cur.Fields = append(cur.Fields, storage.Field{Value: t, Short: true})
				}
			}
			if a := b.Accessory; a != nil && a.Type == "image" && cur.ThumbURL == "" {
				cur.ThumbURL = link(a.ImageURL)
			}
		case "markdown":
			var s string
			if json.Unmarshal(b.Text, &s) == nil {
				addText(&cur, strings.TrimSpace(s))
			}
		case "rich_text":
			addText(&cur, richText(b.Elements))
		case "context":
			var parts []string
			for _, e := range b.Elements {
				if t := textOf(e); t != "" {
					parts = append(parts, t)
				}
			}
			cur.Footer = join(cur.Footer, strings.Join(parts, " "), " · ")
		case "image":
			url := link(b.ImageURL)
			if url == "" {
				continue
			}
			if cur.ImageURL == "" {
				cur.ImageURL = url
				addText(&cur, textOf(b.Title))
			} else {
				addText(&cur, join(textOf(b.Title), url, " "))
			}
		case "actions":
			var buttons []string
			for _, e := range b.Elements {
				var el struct {
					Type string          `json:"type"`
					Text json.RawMessage `json:"text"`
					URL  loose           `json:"url"`
				}
				if json.Unmarshal(e, &el) == nil && el.Type == "button" {
					buttons = append(buttons, button(textOf(el.Text), link(el.URL)))
				}
			}
			addText(&cur, strings.Join(slices.DeleteFunc(buttons, isBlank), " · "))
		case "divider":
			if !cur.IsEmpty() {
				out = append(out, cur)
				cur = storage.Attachment{Color: cur.Color}
			}
		}
	}
	if !cur.IsEmpty() {
		out = append(out, cur)
	}
	return out
}

func addText(a *storage.Attachment, s string) { a.Text = join(a.Text, s, "\n") }

// join joins a and b with sep, leaving out whichever is empty.
func join(a, b, sep string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + sep + b
}

// richElement is an element of a rich_text block, at any level: a
// section, list, quote or preformatted run (with Elements), or an inline
// piece (text, link, user, channel, emoji, broadcast, date).
type richElement struct {
	Type     string            `json:"type"`
	Elements []json.RawMessage `json:"elements"`
	Style    json.RawMessage   `json:"style"` // a list's "bullet"|"ordered", or a text's {bold, ...}
	Text     loose             `json:"text"`
	URL      loose             `json:"url"`
	UserID   loose             `json:"user_id"`
	Channel  loose             `json:"channel_id"`
	Group    loose             `json:"usergroup_id"`
	Name     loose             `json:"name"`
	Unicode  loose             `json:"unicode"`
	Range    loose             `json:"range"`
	Fallback loose             `json:"fallback"`
}

// richText renders a rich_text block's elements as makechat text.
func richText(raws []json.RawMessage) string {
	var lines []string
	for _, raw := range raws {
		var e richElement
		if json.Unmarshal(raw, &e) != nil {
			continue
		}
		switch e.Type {
		case "rich_text_section":
			lines = append(lines, inlines(e.Elements))
		case "rich_text_list":
			var style string
			_ = json.Unmarshal(e.Style, &style)
			for i, item := range e.Elements {
				var sec richElement
				if json.Unmarshal(item, &sec) != nil {
					continue
				}
				mark := "- "
				if style == "ordered" {
					mark = strconv.Itoa(i+1) + ". "
				}
				lines = append(lines, mark+inlines(sec.Elements))
			}
		case "rich_text_quote":
			for _, l := range strings.Split(inlines(e.Elements), "\n") {
				lines = append(lines, "> "+l)
			}
		case "rich_text_preformatted":
			lines = append(lines, "```\n"+strings.Trim(inlines(e.Elements), "\n")+"\n```")
		}
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// inlines renders a run of inline rich text elements.
func inlines(raws []json.RawMessage) string {
	var b strings.Builder
	for _, raw := range raws {
		var e richElement
		if json.Unmarshal(raw, &e) != nil {
			continue
		}
		switch e.Type {
		case "text":
			b.WriteString(styled(string(e.Text), e.Style))
		case "link":
			url := link(e.URL)
			switch label := string(e.Text); {
			case url == "":
				b.WriteString(label)
			case label == "" || label == url:
				b.WriteString(url)
			default:
				b.WriteString(label + " (" + url + ")")
			}
		case "user":
			b.WriteString("@" + string(e.UserID))
		case "usergroup":
			b.WriteString("@" + string(e.Group))
		case "channel":
			b.WriteString("#" + string(e.Channel))
		case "broadcast":
			b.WriteString("@" + string(e.Range))
		case "emoji":
			b.WriteString(emoji(string(e.Name), string(e.Unicode)))
		case "date":
			b.WriteString(string(e.Fallback))
		}
	}
	return b.String()
}

// styled wraps a rich text run in the markers of its style.
func styled(s string, raw json.RawMessage) string {
	var st struct{ Bold, Italic, Strike, Code bool }
	if json.Unmarshal(raw, &st) != nil || strings.TrimSpace(s) == "" {
		return s
	}
	lead := s[:len(s)-len(strings.TrimLeft(s, " "))]
	trail := s[len(strings.TrimRight(s, " ")):]
	s = strings.TrimSpace(s)
	for _, m := range []struct {
		on     bool
		marker string
	}{{st.Code, "`"}, {st.Strike, "~~"}, {st.Italic, "_"}, {st.Bold, "**"}} {
		if m.on {
			s = m.marker + s + m.marker
		}
	}
	return lead + s + trail
}

// emoji writes an emoji from its code points ("1f44d" or "1f1eb-1f1f7"),
// else as its :name:.
func emoji(name, code string) string {
	var b strings.Builder
	for _, part := range strings.Split(code, "-") {
		r, err := strconv.ParseUint(part, 16, 32)
		if err != nil || r > 0x10ffff || r >= 0xd800 && r <= 0xdfff {
			b.Reset()
			break
		}
		b.WriteRune(rune(r))
	}
	switch {
	case b.Len() > 0:
		return b.String()
	case name == "":
		return ""
	}
	return ":" + name + ":"
}
