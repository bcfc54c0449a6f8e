package chat_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/makechat/makechat/appliance/chat"
)

// The expectations are written out by hand, code point by code point
// where it matters, from UTS #51's sequences and UAX #29's rules.
func TestIsEmoji_OneEmojiAndNothingElse(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    string
		want bool
	}{
		// One emoji of each shape.
		{"a plain emoji", "👍", true},
		{"an emoji with a skin tone", "👍🏽", true},
		{"an emoji with VS16", "❤️", true},
		{"a text-default pictograph alone", "©", true},
		{"a pictograph from the BMP", "☕", true},
		{"a newer emoji (Unicode 15)", "🫨", true},
		{"a code point reserved for emoji to come", "\U0001FAFA", true},
		{"a family (ZWJ sequence)", "👨‍👩‍👧‍👦", true},
		{"a rainbow flag (VS16 and ZWJ)", "🏳️‍🌈", true},
		{"a ZWJ sequence with skin tones", "🧑🏻‍🤝‍🧑🏿", true},
		{"a profession with a skin tone", "👩🏽‍💻", true},
		{"a heart on fire", "❤️‍🔥", true},
		{"a country flag", "🇫🇷", true},
		{"a subdivision flag (tag sequence)", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", true},
		{"a keycap with VS16", "1️⃣", true},
		{"a keycap without VS16", "#\u20e3", true},
		{"the star keycap", "*️⃣", true},
		{"a pictograph, VS16 and a skin tone", "\u270b\ufe0f\U0001f3fd", true},

		// Text.
		{"empty", "", false},
		{"a letter", "a", false},
		{"a word", "ok", false},
		{"markup", "<b>", false},
		{"a digit alone", "1", false},
		{"a digit with VS16 but no keycap mark", "1\ufe0f", false},
		{"a letter with a keycap mark", "a\u20e3", false},
		{"a space", " ", false},
		{"a CJK ideograph", "字", false},

		// More than one emoji, or an emoji with something else.
		{"two emoji", "👍👍", false},
		{"two flags", "🇫🇷🇩🇪", false},
		{"a flag and a half", "🇫🇷🇩", false},
		{"an emoji and text", "👍ok", false},
		{"text and an emoji", "ok👍", false},
		{"an emoji and a space", "👍 ", false},
		{"an emoji and a NUL", "👍\x00", false},
		{"a NUL", "\x00", false},
		{"an emoji with a combining mark", "👍\u0301", false},
		{"a letter with combining marks", "e\u0301\u0302", false},
		{"an emoji with an RTL mark", "\u200f👍", false},
		{"an emoji with an RTL override", "👍\u202e", false},
		{"an emoji with a text presentation selector", "☺\ufe0e", false},
		{"an emoji with two skin tones", "👍🏽🏽", false},
		{"an emoji with VS16 after its skin tone", "👍🏽\ufe0f", false},
		{"a trailing ZWJ", "👨\u200d", false},
		{"a leading ZWJ", "\u200d👨", false},
		{"two ZWJ", "👨\u200d\u200d👩", false},
		{"a ZWJ before a letter", "👨\u200da", false},
		{"a ZWJ before a flag", "👨\u200d🇫🇷", false},

		// Pieces of emoji alone.
		{"a lone skin tone", "🏽", false},
		{"a lone ZWJ", "\u200d", false},
		{"a lone VS16", "\ufe0f", false},
		{"a lone keycap mark", "\u20e3", false},
		{"a lone regional indicator", "🇫", false},
		{"tags without their end", "🏴\U000e0067\U000e0062", false},
		{"an end tag alone", "🏴\U000e007f", false},
		{"tags alone", "\U000e0067\U000e0062\U000e007f", false},

		// Hostile sizes and bytes.
		{"invalid UTF-8", "\xff", false},
		{"an emoji and invalid UTF-8", "👍\xf0\x9f", false},
		{"a 1 KB string", strings.Repeat("a", 1024), false},
		{"1 KB of one emoji", strings.Repeat("👍", 256), false},
		{"a ZWJ sequence past 64 bytes", "👨" + strings.Repeat("\u200d👨", 9), false},
		{"a ZWJ sequence of 64 bytes", "👨🏽" + strings.Repeat("\u200d👨", 8), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, chat.IsEmoji(tt.s), "%+q", tt.s)
		})
	}
}
