package preview

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/makechat/makechat/appliance/egress"
)

// Preview is what a chat client shows under a message for its link. All
// its texts are valid UTF-8 on one line, without control characters, and
// cut to the lengths below; Image is empty or an absolute http or https
// URL.
type Preview struct {
	// URL is the page's URL as fetched, without its fragment.
	URL         string `json:"url"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Image       string `json:"image,omitempty"`
	SiteName    string `json:"site_name,omitempty"`
}

// The most characters (runes) of each text of a Preview, and the most
// bytes of its image URL (a longer one is dropped: a cut URL is wrong).
const (
	maxTitle    = 300
	maxDesc     = 1000
	maxSiteName = 100
	maxImageURL = 2048
)

// preview makes the Preview of a page from what its head holds (all but
// its URL); a relative image URL is resolved against the page's <base>,
// if it has one, or else base, the page's address. Each field comes from
// the first tag that gives it: og:title, twitter:title, then <title>;
// og:description, twitter:description, then meta description; og:image,
// og:image:url, og:image:secure_url, twitter:image, then
// twitter:image:src. A page with no title, no description and no image
// has nothing to show: ErrNoPreview.
func (h head) preview(base *url.URL) (Preview, error) {
	p := Preview{
		Title:       firstText(maxTitle, h.meta["og:title"], h.meta["twitter:title"], h.title),
		Description: firstText(maxDesc, h.meta["og:description"], h.meta["twitter:description"], h.meta["description"]),
		SiteName:    firstText(maxSiteName, h.meta["og:site_name"]),
	}
	if h.base != "" {
		if u, err := base.Parse(strings.TrimSpace(h.base)); err == nil && egress.CheckURL(u) == nil {
			base = u
		}
	}
	for _, key := range []string{"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"} {
		if p.Image = imageURL(base, h.meta[key]); p.Image != "" {
			break
		}
	}
	if p.Title == "" && p.Description == "" && p.Image == "" {
		return Preview{}, ErrNoPreview
	}
	return p, nil
}

// metaKey reports whether a meta tag's property or name is one that
// head.preview reads.
func metaKey(key string) bool {
	switch key {
	case "og:title", "twitter:title",
		"og:description", "twitter:description", "description",
		"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src",
		"og:site_name":
		return true
	}
	return false
}

// firstText returns the first of texts that is not empty once cleaned.
func firstText(limit int, texts ...string) string {
	for _, t := range texts {
		if t = clean(t, limit); t != "" {
			return t
		}
	}
	return ""
}

// imageURL returns raw resolved against base if that is an http or https
// URL without credentials and of a sane length, or "" (a data: or
// javascript: image is dropped, not shown).
func imageURL(base *url.URL, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxImageURL {
		return ""
	}
	u, err := base.Parse(raw)
	if err != nil || egress.CheckURL(u) != nil {
		return ""
	}
	if s := u.String(); len(s) <= maxImageURL {
		return s
	}
	return ""
}

// clean makes s fit to show on one line: an invalid UTF-8 byte becomes
// U+FFFD, control and bidirectional-override characters go, each run of
// white space becomes one space, the ends are trimmed, and a text longer
// than limit runes is cut to limit runes, the last of them "…".
func clean(s string, limit int) string {
	out := make([]rune, 0, min(len(s), limit+1))
	space := false
	for _, r := range s { // ranging yields U+FFFD for an invalid byte
		switch {
		case unicode.IsSpace(r):
			space = len(out) > 0
			continue
		case unicode.IsControl(r) || isBidiControl(r):
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, r)
		if len(out) > limit {
			break
		}
	}
	if len(out) > limit {
		out = []rune(strings.TrimRight(string(out[:limit-1]), " "))
		out = append(out, '…')
	}
	return string(out)
}

// isBidiControl reports whether r is one of the explicit embedding,
// override and isolate characters, with which a title could make the
// text after it read backwards.
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}
