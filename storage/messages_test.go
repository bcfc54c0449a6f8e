package storage

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestSearchTerms_FoldsCaseAndAccentsAndSplitsOnEverythingElse(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"", nil},
		{" ,;!? ", nil},
		{"Hello, World!", []string{"hello", "world"}},
		{"Un CAFÉ crème", []string{"un", "cafe", "creme"}},
		{"Été ete ÉTÉ", []string{"ete"}},
		{"s'il-vous_plaît", []string{"s", "il", "vous", "plait"}},
		{"room42 v2.0", []string{"room42", "v2", "0"}},
		{"nul\x00byte", []string{"nul", "byte"}},
		{"👍 emoji🎉only", []string{"emoji", "only"}},
		{"שלום עולם", []string{"שלום", "עולם"}},
		{"ﬁne ｆｕｌｌ", []string{"fine", "full"}},
	} {
		assert.Equal(t, tc.want, SearchTerms(tc.text), "%q", tc.text)
	}
}

func TestSearchTerms_CutsLongWordsAtARuneBoundary(t *testing.T) {
	for _, long := range []string{strings.Repeat("a", 100), strings.Repeat("я", 100), "a" + strings.Repeat("я", 100)} {
		terms := SearchTerms(long)
		if assert.Len(t, terms, 1) {
			assert.LessOrEqual(t, len(terms[0]), 64)
			assert.GreaterOrEqual(t, len(terms[0]), 63)
			assert.True(t, utf8.ValidString(terms[0]))
			assert.True(t, strings.HasPrefix(strings.ToLower(long), terms[0]))
		}
	}
	// A query goes through the same cut, so it finds the long word.
	assert.Equal(t, SearchTerms(strings.Repeat("b", 70)), SearchTerms(strings.Repeat("B", 80)))
}

func TestValidUTF8_ReplacesEachBadByteWithU_FFFD(t *testing.T) {
	// Expected values written by hand: one U+FFFD per byte that is not
	// part of a valid sequence, whatever the broken sequence was.
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain ASCII", "plain ASCII"},
		{"déjà vu 👍🏽", "déjà vu 👍🏽"},
		{"nul\x00kept", "nul\x00kept"},
		{"\xff", "\uFFFD"},
		{"bad\xff\xfe\xc3(end", "bad\uFFFD\uFFFD\uFFFD(end"},
		{"cut\xe2\x82", "cut\uFFFD\uFFFD"},
		{"surrogate\xed\xa0\x80", "surrogate\uFFFD\uFFFD\uFFFD"},
		{"overlong\xc0\xaf", "overlong\uFFFD\uFFFD"},
		{"stray continuation\x80é", "stray continuation\uFFFDé"},
		{"beyond U+10FFFF\xf4\x90\x80\x80", "beyond U+10FFFF\uFFFD\uFFFD\uFFFD\uFFFD"},
		{"already replaced \uFFFD", "already replaced \uFFFD"},
	} {
		assert.Equal(t, tc.want, ValidUTF8(tc.in), "%q", tc.in)
	}
}
