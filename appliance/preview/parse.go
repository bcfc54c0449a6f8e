package preview

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// head is what parseHead keeps of a page's head.
type head struct {
	// meta holds the first non-blank content of each meta property or
	// name that metaKey wants, its key in lower case.
	meta map[string]string
	// title is the text of the first <title>, if its end tag was read.
	title string
	// base is the href of the first <base>.
	base string
}

// maxTitleBytes bounds what is kept of a <title>'s text before clean
// cuts it: enough for maxTitle runes of four bytes and entities.
const maxTitleBytes = 16 << 10

// parseHead reads the head of an HTML page from r: its meta tags, first
// <title> and first <base>. It stops at </head>, <body> or </html>, so a
// page's body is never read; a page without them is read to its end (the
// caller bounds r). Scripts, styles and comments are passed over whole, so
// a meta tag written inside one does not count. Text is taken as UTF-8,
// whatever the page says its charset is, and entities are decoded. The
// only error is r's, other than io.EOF: a page cut short is not one, and
// the tags read in full before the cut count (a title whose end tag was
// not read does not).
func parseHead(r io.Reader) (head, error) {
	h := head{meta: map[string]string{}}
	z := html.NewTokenizer(r)
	var title strings.Builder
	inTitle, titleSeen := false, false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return h, err
			}
			return h, nil
		case html.TextToken:
			if inTitle && title.Len() < maxTitleBytes {
				title.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "body":
				return h, nil
			case "title":
				// The tokenizer reads what follows as the title's text up to
				// </title>, even after <title/>.
				inTitle = !titleSeen
			case "meta":
				if hasAttr {
					h.addMeta(z)
				}
			case "base":
				if hasAttr && h.base == "" {
					h.base = attr(z, "href")
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "head", "html":
				return h, nil
			case "title":
				if inTitle {
					h.title, titleSeen, inTitle = title.String(), true, false
				}
			}
		}
	}
}

// addMeta keeps the content of the meta tag z is at, under its property
// and its name, if metaKey wants them and they have none yet. As in a
// browser, the first of two attributes of one name counts.
func (h head) addMeta(z *html.Tokenizer) {
	var property, name, content string
	var hasProperty, hasName, hasContent bool
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch {
		case bytes.Equal(k, []byte("property")) && !hasProperty:
			property, hasProperty = metaName(v), true
		case bytes.Equal(k, []byte("name")) && !hasName:
			name, hasName = metaName(v), true
		case bytes.Equal(k, []byte("content")) && !hasContent:
			content, hasContent = string(v), true
		}
	}
	if strings.TrimSpace(content) == "" {
		return
	}
	for _, key := range []string{property, name} {
		if _, ok := h.meta[key]; !ok && metaKey(key) {
			h.meta[key] = content
		}
	}
}

// metaName returns a meta tag's property or name as a key of head.meta.
func metaName(v []byte) string {
	return strings.ToLower(strings.TrimSpace(string(v)))
}

// attr returns the value of the first attribute called key of the tag z
// is at, or "".
func attr(z *html.Tokenizer, key string) string {
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == key {
			return string(v)
		}
	}
	return ""
}
