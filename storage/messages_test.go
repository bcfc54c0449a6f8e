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
