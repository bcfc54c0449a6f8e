package preview

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// previewOf makes the preview of page as if fetched from
// https://news.example/a/b.html.
func previewOf(t *testing.T, page string) (Preview, error) {
	t.Helper()
	h, err := parseHead(strings.NewReader(page))
	require.NoError(t, err)
	base, err := url.Parse("https://news.example/a/b.html")
	require.NoError(t, err)
	return h.preview(base)
}

func TestPreview_TakesEachFieldFromTheFirstTagThatGivesIt(t *testing.T) {
	for _, tc := range []struct {
		name, page string
		want       Preview
	}{
		{"the title alone", `<title>Plain</title>`, Preview{Title: "Plain"}},
		{"twitter over the title", `<title>Plain</title><meta name="twitter:title" content="Card">`, Preview{Title: "Card"}},
		{"og over twitter", `<meta name="twitter:title" content="Card"><meta property="og:title" content="Graph">`, Preview{Title: "Graph"}},
		{"og given as a name", `<meta name="og:title" content="Named">`, Preview{Title: "Named"}},
		{"keys in any case", `<META PROPERTY=" OG:Title " CONTENT="Loud">`, Preview{Title: "Loud"}},
		{"the first of two og titles", `<meta property="og:title" content="One"><meta property="og:title" content="Two">`, Preview{Title: "One"}},
		{"a blank og title falls back", `<meta property="og:title" content="  "><title>Plain</title>`, Preview{Title: "Plain"}},
		{"description fallbacks", `<meta name="description" content="Meta"><meta name="twitter:description" content="Card">`, Preview{Description: "Card"}},
		{"meta description", `<meta name="description" content="Meta">`, Preview{Description: "Meta"}},
		{"site name", `<meta property="og:site_name" content="News"><title>T</title>`, Preview{Title: "T", SiteName: "News"}},
		{"relative image", `<meta property="og:image" content="../img/x.png">`, Preview{Image: "https://news.example/img/x.png"}},
		{"root-relative image", `<meta property="og:image" content="/x.png?a=1&amp;b=2">`, Preview{Image: "https://news.example/x.png?a=1&b=2"}},
		{"protocol-relative image", `<meta property="og:image" content="//cdn.example/x.png">`, Preview{Image: "https://cdn.example/x.png"}},
		{"image against the page's base", `<base href="https://static.example/s/"><meta property="og:image" content="x.png">`, Preview{Image: "https://static.example/s/x.png"}},
		{"a javascript base is ignored", `<base href="javascript:alert(1)//"><meta property="og:image" content="x.png">`, Preview{Image: "https://news.example/a/x.png"}},
		{"og:image:url", `<meta property="og:image:url" content="https://i.example/u.png">`, Preview{Image: "https://i.example/u.png"}},
		{"twitter:image:src", `<meta name="twitter:image:src" content="https://i.example/t.png">`, Preview{Image: "https://i.example/t.png"}},
		{"a javascript image falls back", `<meta property="og:image" content="javascript:alert(1)"><meta name="twitter:image" content="https://i.example/t.png">`, Preview{Image: "https://i.example/t.png"}},
		{"a data image is dropped", `<title>T</title><meta property="og:image" content="data:image/png;base64,iVBORw0KGgo=">`, Preview{Title: "T"}},
		{"an image with credentials is dropped", `<title>T</title><meta property="og:image" content="https://u:p@i.example/x.png">`, Preview{Title: "T"}},
		{"a giant image URL is dropped", `<title>T</title><meta property="og:image" content="https://i.example/` + strings.Repeat("x", 3000) + `">`, Preview{Title: "T"}},
		{"entities decoded", `<title>Tom &amp; Jerry&#39;s &quot;day&quot; &eacute;t&#xE9;</title>`, Preview{Title: `Tom & Jerry's "day" été`}},
		{"white space collapsed", "<title>\n  A\t\tspaced \r\n title  </title>", Preview{Title: "A spaced title"}},
		{"control and bidi characters go", "<title>a\x01b\x7fc\u202ed\u2066e</title>", Preview{Title: "abcde"}},
		{"invalid UTF-8 replaced", "<title>caf\xe9 ok</title>", Preview{Title: "caf\uFFFD ok"}},
		{"a meta inside a script does not count", `<script>var s = '<meta property="og:title" content="Script">';</script><title>Real</title>`, Preview{Title: "Real"}},
		{"a meta inside a comment does not count", `<!-- <meta property="og:title" content="Comment"> --><title>Real</title>`, Preview{Title: "Real"}},
		{"a style is passed over", `<style>title { color: red } </title></style><title>Real</title>`, Preview{Title: "Real"}},
		{"the body is not read", `<title>Head</title><body><meta property="og:title" content="Body">`, Preview{Title: "Head"}},
		{"nor what follows the head", `<head><title>Head</title></head><meta name="description" content="After">`, Preview{Title: "Head"}},
		{"only the first title", `<title>One</title><title>Two</title>`, Preview{Title: "One"}},
		{"a title without its end tag does not count", `<meta name="description" content="D"><title>Cut`, Preview{Description: "D"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := previewOf(t, "<!doctype html><html><head>"+tc.page)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestPreview_APageWithNothingToShowIsNoPreview(t *testing.T) {
	for _, page := range []string{
		"",
		"<html><head></head><body><h1>Hi</h1></body></html>",
		`<head><meta property="og:site_name" content="Only a site name"><meta property="og:type" content="website">`,
		`<head><title>   </title><meta property="og:image" content="javascript:x">`,
	} {
		_, err := previewOf(t, page)
		assert.ErrorIs(t, err, ErrNoPreview, page)
	}
}

func TestClean_CutsALongTextToItsLimitInRunes(t *testing.T) {
	assert.Equal(t, strings.Repeat("é", 299)+"…", clean(strings.Repeat("é", 400), maxTitle))
	assert.Equal(t, strings.Repeat("é", 300), clean(strings.Repeat("é", 300), maxTitle))
	assert.Equal(t, "ab…", clean("ab cdef", 4), "a space before the cut goes")
	assert.Equal(t, "a b", clean(" \u00a0a \u3000 b\u2028", 10))
	assert.Equal(t, "", clean("\x00\t\u202e", 10))
}

// hostilePages are pages written to break a parser.
func hostilePages() []string {
	return []string{
		"<", "<<<<>>>>", "</", "<!", "<!--", "<?", "<title>", "<title", "<meta", `<meta property="og:title" content="x`,
		`<meta property=og:title content=x`, "<script>", "<style><title>", "<textarea><title>x</title>", "<plaintext><title>x</title>",
		"<title>\x00\x00</title>", "\x00<me\x00ta property=og:title content=\x00>", "<head><head><head><head>",
		strings.Repeat("<div>", 10000), strings.Repeat("<meta ", 10000),
		`<meta property="og:title" content="` + strings.Repeat("A", 2<<20) + `">`,
		`<meta property="og:image" content="` + strings.Repeat("/", 1<<20) + `">`,
		`<meta ` + strings.Repeat(`a="b" `, 50000) + `property="og:title" content="many">`,
		"<title>" + strings.Repeat("&amp;", 100000) + "</title>",
		"<title>" + strings.Repeat("\xff\xfe", 1000) + "</title>",
		"<base href=\"\x00\"><meta property=og:image content=x>", `<base href="http://[::1">`, `<meta property=og:image content="http://[::1">`,
	}
}

func TestParseHead_HostileHTMLNeverPanics(t *testing.T) {
	for _, page := range hostilePages() {
		require.NotPanics(t, func() { _, _ = previewOf(t, page) }, "%.80q", page)
		p, err := previewOf(t, page)
		if err == nil {
			checkShowable(t, p)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, page := range hostilePages() {
		if len(page) < 4096 {
			f.Add(page)
		}
	}
	f.Add(`<html><head><title>T</title><meta property="og:image" content="/i.png"><meta name="description" content="D"></head>`)
	f.Add(`<meta name="twitter:image:src" content="//x.example/i.png"><base href="/b/">`)
	f.Fuzz(func(t *testing.T, page string) {
		h, err := parseHead(strings.NewReader(page))
		require.NoError(t, err)
		base, _ := url.Parse("https://news.example/a/b.html")
		if p, err := h.preview(base); err == nil {
			checkShowable(t, p)
		}
	})
}

// checkShowable checks what a Preview promises of every field.
func checkShowable(t *testing.T, p Preview) {
	t.Helper()
	for _, field := range []struct {
		text  string
		limit int
	}{{p.Title, maxTitle}, {p.Description, maxDesc}, {p.SiteName, maxSiteName}} {
		require.True(t, utf8.ValidString(field.text), "%q", field.text)
		require.LessOrEqual(t, utf8.RuneCountInString(field.text), field.limit)
		require.Equal(t, strings.TrimSpace(field.text), field.text)
		require.False(t, strings.ContainsFunc(field.text, func(r rune) bool {
			return unicode.IsControl(r) || r != ' ' && unicode.IsSpace(r)
		}), "%q", field.text)
	}
	if p.Image != "" {
		u, err := url.Parse(p.Image)
		require.NoError(t, err)
		require.Contains(t, []string{"http", "https"}, u.Scheme, p.Image)
		require.NotEmpty(t, u.Host, p.Image)
		require.Nil(t, u.User, p.Image)
		require.LessOrEqual(t, len(p.Image), maxImageURL)
	}
}
