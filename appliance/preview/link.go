package preview

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/makechat/makechat/appliance/egress"
)

// FirstLink returns the first http or https URL in a message's text, or
// "" if it has none. It finds plain URLs and the markdown forms <url> and
// [label](url): a URL ends at white space, a quote, an angle bracket,
// non-ASCII punctuation, or a closing parenthesis or square bracket it
// did not open, and the punctuation . , : ; ! ? ' * at its end is taken
// to belong to the sentence. A URL with a user name or password, or that
// does not parse, is passed over for the next one.
func FirstLink(text string) string {
	for i := 0; i < len(text); i++ {
		if !linkStartsAt(text, i) {
			continue
		}
		n := linkLength(text[i:])
		link := trimLinkEnd(text[i : i+n])
		if u, err := url.Parse(link); err == nil && egress.CheckURL(u) == nil {
			return link
		}
		// The search goes on after the whole of the URL passed over, so
		// that a URL inside it (http://u:pw@x/?next=http://y/) is not
		// taken for the link of the message.
		i += n - 1
	}
	return ""
}

// linkStartsAt reports whether an http or https URL starts at text[i]:
// its scheme, in any case, not glued to a word or another scheme before
// it (as in "xhttp://" or "svn+http://").
func linkStartsAt(text string, i int) bool {
	if text[i] != 'h' && text[i] != 'H' {
		return false
	}
	if i > 0 && isSchemeByte(text[i-1]) {
		return false
	}
	rest := text[i:]
	return hasPrefixFold(rest, "http://") || hasPrefixFold(rest, "https://")
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// linkLength returns the length of the URL that s starts with: up to
// white space, a control character, a quote, an angle bracket, non-ASCII
// punctuation (an ideographic full stop, a closing curly quote: text
// without spaces goes on after them), or a closing parenthesis or square
// bracket without its opening one in the URL (so that "(see
// http://x/a_(b))" and "[x](http://x/)" end right).
func linkLength(s string) int {
	var parens, brackets int
	for i, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError:
			return i
		case r >= utf8.RuneSelf && unicode.IsPunct(r):
			return i
		case r == '<' || r == '>' || r == '"' || r == '`':
			return i
		case r == '(':
			parens++
		case r == '[':
			brackets++
		case r == ')':
			if parens == 0 {
				return i
			}
			parens--
		case r == ']':
			if brackets == 0 {
				return i
			}
			brackets--
		}
	}
	return len(s)
}

// trimLinkEnd drops the punctuation at the end of link that is more likely
// the sentence's than the URL's: . , : ; ! ? ' and *.
func trimLinkEnd(link string) string {
	return strings.TrimRight(link, ".,:;!?'*")
}
