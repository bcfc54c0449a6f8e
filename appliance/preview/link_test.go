package preview

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFirstLink_FindsTheFirstHTTPURLOfAMessage(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"none", "no link here, only www.example.com", ""},
		{"empty", "", ""},
		{"plain", "look https://example.com/a?b=c#d please", "https://example.com/a?b=c#d"},
		{"the whole message", "http://example.com", "http://example.com"},
		{"the first of two", "https://one.example/ and https://two.example/", "https://one.example/"},
		{"upper-case scheme", "HTTPS://Example.com/X", "HTTPS://Example.com/X"},
		{"full stop after", "Read https://example.com/page.", "https://example.com/page"},
		{"comma and more", "see https://example.com/a, https://b.example", "https://example.com/a"},
		{"question and exclamation", "really https://example.com/?!", "https://example.com/"},
		{"quoted", `he said "https://example.com/q" twice`, "https://example.com/q"},
		{"single-quoted", "'https://example.com/it's'", "https://example.com/it's"},
		{"in parentheses", "(see https://example.com/a)", "https://example.com/a"},
		{"balanced parentheses", "https://en.wikipedia.org/wiki/Go_(programming_language)", "https://en.wikipedia.org/wiki/Go_(programming_language)"},
		{"balanced inside unbalanced", "(https://en.wikipedia.org/wiki/Go_(lang)).", "https://en.wikipedia.org/wiki/Go_(lang)"},
		{"angle brackets", "<https://example.com/x>", "https://example.com/x"},
		{"markdown link", "[the docs](https://example.com/docs) now", "https://example.com/docs"},
		{"markdown link with a title", `[docs](https://example.com/docs "Docs")`, "https://example.com/docs"},
		{"markdown link whose label is a URL", "[https://a.example](https://b.example)", "https://a.example"},
		{"bold", "**https://example.com/b**", "https://example.com/b"},
		{"ideographic full stop", "ここ https://example.jp/ページ。次", "https://example.jp/ページ"},
		{"closing curly quote", "“https://example.com/c”", "https://example.com/c"},
		{"new line ends it", "https://example.com/n\nnext", "https://example.com/n"},
		{"glued to a word", "xhttps://example.com/ no", ""},
		{"another scheme", "svn+http://example.com/ ftp://example.com/", ""},
		{"credentials passed over", "http://user:pw@example.com/ then https://ok.example/", "https://ok.example/"},
		{"a user alone passed over", "https://user@example.com/", ""},
		{"no URL taken from inside one passed over", "http://u:p@x.example/?next=http://y.example/", ""},
		{"an at sign in the path is no user", "https://medium.example/@writer", "https://medium.example/@writer"},
		{"no host", "http:// and https:///path", ""},
		{"a port that does not parse", "http://example.com:port/ https://ok.example", "https://ok.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, FirstLink(tc.text))
		})
	}
}
