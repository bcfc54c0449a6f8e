package slack

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/makechat/makechat/storage"
)

// loose is a JSON value read as text: a string, a number or a boolean as
// written, anything else (null, an array, an object) as "". Tools put
// numbers where Slack documents strings ("value": 3, "ts": "1700000000"),
// and a field of a card is not worth refusing a post over.
type loose string

func (t *loose) UnmarshalJSON(b []byte) error {
	var s string
	switch {
	case json.Unmarshal(b, &s) == nil:
		*t = loose(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9' || b[0] == 't' || b[0] == 'f'):
		*t = loose(b)
	default:
		*t = ""
	}
	return nil
}

// flag is a JSON value read as a boolean: true, or the string "true".
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	*f = flag(s == "true")
	return nil
}

// attachment is one of Slack's (and Mattermost's) message attachments.
type attachment struct {
	Fallback   loose           `json:"fallback"`
	Color      loose           `json:"color"`
	Pretext    loose           `json:"pretext"`
	AuthorName loose           `json:"author_name"`
	AuthorLink loose           `json:"author_link"`
	Title      loose           `json:"title"`
	TitleLink  loose           `json:"title_link"`
	Text       loose           `json:"text"`
	Fields     json.RawMessage `json:"fields"`
	ImageURL   loose           `json:"image_url"`
	ThumbURL   loose           `json:"thumb_url"`
	Footer     loose           `json:"footer"`
	TS         loose           `json:"ts"`
	Blocks     json.RawMessage `json:"blocks"`
	Actions    []struct {
		Type string `json:"type"`
		Text loose  `json:"text"`
		URL  loose  `json:"url"`
	} `json:"actions"`
}

type field struct {
	Title loose `json:"title"`
	Value loose `json:"value"`
	Short flag  `json:"short"`
}

// fromAttachment converts one attachment, with the blocks it may hold,
// into cards: one, or more where its blocks have dividers.
func fromAttachment(raw json.RawMessage) ([]storage.Attachment, error) {
	var in attachment
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, nil // an object of the wrong shape: nothing to show
	}
	a := storage.Attachment{
		Color:      color(string(in.Color)),
		Pretext:    mrkdwn(string(in.Pretext), true),
		AuthorName: mrkdwn(string(in.AuthorName), false),
		AuthorLink: link(in.AuthorLink),
		Title:      mrkdwn(string(in.Title), false),
		TitleLink:  link(in.TitleLink),
		Text:       mrkdwn(string(in.Text), true),
		ImageURL:   link(in.ImageURL),
		ThumbURL:   link(in.ThumbURL),
		Footer:     mrkdwn(string(in.Footer), true),
		TS:         seconds(string(in.TS)),
	}
	var fields []field
	if json.Unmarshal(in.Fields, &fields) == nil {
		for _, f := range fields {
			title, value := mrkdwn(string(f.Title), false), mrkdwn(string(f.Value), true)
			if strings.TrimSpace(title+value) != "" {
				a.Fields = append(a.Fields, storage.Field{Title: title, Value: value, Short: bool(f.Short)})
			}
		}
	}
	var buttons []string
	for _, b := range in.Actions {
		buttons = append(buttons, button(mrkdwn(string(b.Text), false), link(b.URL)))
	}
	addText(&a, strings.Join(slices.DeleteFunc(buttons, isBlank), " · "))
	blocks, err := rawObjects(in.Blocks, "blocks", MaxBlocks)
	if err != nil {
		return nil, &Error{Field: "attachments", Msg: "An attachment's blocks: " + err.Error()}
	}
	cards := fromBlocks(blocks, a)
	if len(cards) == 0 && in.Fallback != "" {
		a.Text = mrkdwn(string(in.Fallback), false)
		cards = []storage.Attachment{a}
	}
	return cards, nil
}

// button writes a link button as text: "label (url)"; a button without
// a URL (one that calls back into Slack) is nothing.
func button(label, url string) string {
	if url == "" {
		return ""
	}
	return withLink(strings.TrimSpace(label), url)
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// named are the colours Slack names.
var named = map[string]string{"good": "#2eb886", "warning": "#daa038", "danger": "#a30200"}

// color reads a card's colour: Slack's names, "#rgb" or "#rrggbb" (the
// '#' may be left out); anything else is no colour.
func color(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if c, ok := named[s]; ok {
		return c
	}
	s = "#" + strings.TrimPrefix(s, "#")
	if len(s) == 4 {
		s = string([]byte{'#', s[1], s[1], s[2], s[2], s[3], s[3]})
	}
	if storage.IsColor(s) {
		return s
	}
	return ""
}

// link keeps an http, https or mailto URL, and drops anything else
// (javascript:, relative paths), since the web app makes it a link.
func link(t loose) string {
	s := strings.TrimSpace(string(t))
	if storage.IsWebLink(s) {
		return s
	}
	return ""
}

// seconds reads a card's time: Unix seconds, as a number or a string,
// maybe with a fraction ("1700000000.123456", Slack's message ids).
func seconds(s string) int64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f <= 0 || f > 1e11 {
		return 0
	}
	return int64(f)
}
