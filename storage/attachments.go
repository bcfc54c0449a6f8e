package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Attachment is a card shown under a message: the shape of Slack's
// message attachments (which Mattermost, Alertmanager, Grafana and the
// rest send to incoming webhooks), reduced to what makechat shows. Text
// fields hold makechat's own formatting (appliance/slack translates
// Slack's); the message's Text holds a plain rendering of every card, so
// that search and clients that know nothing of cards lose nothing.
type Attachment struct {
	// Color is the colour of the card's bar: "#rrggbb", or empty.
	Color      string  `json:"color,omitempty"`
	Pretext    string  `json:"pretext,omitempty"`
	AuthorName string  `json:"author_name,omitempty"`
	AuthorLink string  `json:"author_link,omitempty"`
	Title      string  `json:"title,omitempty"`
	TitleLink  string  `json:"title_link,omitempty"`
	Text       string  `json:"text,omitempty"`
	Fields     []Field `json:"fields,omitempty"`
	ImageURL   string  `json:"image_url,omitempty"`
	ThumbURL   string  `json:"thumb_url,omitempty"`
	Footer     string  `json:"footer,omitempty"`
	// TS is the time the card speaks of, in Unix seconds; 0 if none.
	TS int64 `json:"ts,omitempty"`
}

// Field is one labelled value of a card; short fields may sit side by
// side.
type Field struct {
	Title string `json:"title,omitempty"`
	Value string `json:"value,omitempty"`
	Short bool   `json:"short,omitempty"`
}

// Limits of a message's cards.
const (
	// MaxAttachments is the most cards one message may have (Slack's
	// own limit is 100 attachments, 50 blocks).
	MaxAttachments = 100
	// MaxAttachmentBytes bounds a message's cards as JSON: at most the
	// body an incoming webhook may send.
	MaxAttachmentBytes = 256 << 10
	// MaxCardTextChars bounds each text of a card, in characters.
	MaxCardTextChars = MaxTextChars
)

// IsEmpty reports whether the card has nothing to show.
func (a Attachment) IsEmpty() bool {
	return a.Pretext == "" && a.AuthorName == "" && a.Title == "" && a.Text == "" &&
		len(a.Fields) == 0 && a.ImageURL == "" && a.ThumbURL == "" && a.Footer == ""
}

// CheckAttachments states the rule for a message's cards (its errors
// follow the word "attachments"): at most
// MaxAttachments, none empty, each text valid UTF-8 of at most
// MaxCardTextChars, links absolute http(s) or mailto URLs, colours
// "#rrggbb", and all of it at most MaxAttachmentBytes as JSON.
func CheckAttachments(as []Attachment) error {
	if len(as) > MaxAttachments {
		return fmt.Errorf("hold more than %d cards", MaxAttachments)
	}
	for i, a := range as {
		if err := checkCard(a); err != nil {
			return fmt.Errorf("card %d %w", i, err)
		}
	}
	if len(as) > 0 {
		b, err := json.Marshal(as)
		if err != nil {
			return err
		}
		if len(b) > MaxAttachmentBytes {
			return fmt.Errorf("are longer than %d bytes as JSON", MaxAttachmentBytes)
		}
	}
	return nil
}

func checkCard(a Attachment) error {
	if a.IsEmpty() {
		return errors.New("is empty")
	}
	if a.Color != "" && !IsColor(a.Color) {
		return errors.New("has a color that is not #rrggbb")
	}
	texts := []struct{ name, s string }{
		{"pretext", a.Pretext}, {"author_name", a.AuthorName}, {"title", a.Title},
		{"text", a.Text}, {"footer", a.Footer},
	}
	for _, f := range a.Fields {
		texts = append(texts, struct{ name, s string }{"field title", f.Title}, struct{ name, s string }{"field value", f.Value})
	}
	for _, t := range texts {
		if !utf8.ValidString(t.s) {
			return fmt.Errorf("has a %s that is not UTF-8", t.name)
		}
		if utf8.RuneCountInString(t.s) > MaxCardTextChars {
			return fmt.Errorf("has a %s longer than %d characters", t.name, MaxCardTextChars)
		}
	}
	for _, l := range []struct{ name, s string }{
		{"author_link", a.AuthorLink}, {"title_link", a.TitleLink}, {"image_url", a.ImageURL}, {"thumb_url", a.ThumbURL},
	} {
		if l.s != "" && !IsWebLink(l.s) {
			return fmt.Errorf("has a %s that is not an http, https or mailto URL", l.name)
		}
	}
	if a.TS < 0 {
		return errors.New("has a negative ts")
	}
	return nil
}

// IsColor reports whether s is a colour as cards keep it: "#rrggbb".
func IsColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		if !strings.ContainsRune("0123456789abcdef", rune(c)) {
			return false
		}
	}
	return true
}

// IsWebLink reports whether s is a link a card may hold: an absolute
// http, https or mailto URL of at most 2,048 bytes, without spaces,
// control characters, quotes, angle brackets or backslashes.
func IsWebLink(s string) bool {
	if len(s) > 2048 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune(`"<>\`, r) }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "mailto":
		return u.Opaque != ""
	}
	return false
}
