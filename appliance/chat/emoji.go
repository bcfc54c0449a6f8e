package chat

import (
	"unicode"
	"unicode/utf8"

	"github.com/makechat/makechat/storage"
)

// A reaction is one emoji, and nothing else: not text, not two emoji,
// not an emoji with a combining mark or a stray joiner. IsEmoji accepts
// the shapes of UTS #51's emoji sequences:
//
//   - a flag: two regional indicators (🇫🇷);
//   - a keycap: 0-9, # or *, an optional VS16 (U+FE0F), then U+20E3 (1️⃣);
//   - one element, or elements joined by ZWJ (U+200D) (👨‍👩‍👧‍👦, 🏳️‍🌈). An
//     element is an Extended_Pictographic code point, then an optional
//     VS16, then an optional skin tone (U+1F3FB–1F3FF: 👍🏽), then
//     optionally a tag sequence (tags U+E0020–E007E ended by U+E007F: the
//     subdivision flags, 🏴󠁧󠁢󠁳󠁣󠁴󠁿).
//
// Each of these is exactly one extended grapheme cluster (UAX #29): VS16,
// skin tones, tags and U+20E3 are Extend characters, which never begin a
// cluster (GB9); ZWJ followed by a pictographic stays in the cluster
// (GB11); regional indicators pair up (GB12). So the check needs no
// general segmenter, and anything else, such as a base letter with
// combining marks, is refused.

// Code points IsEmoji gives a meaning to.
const (
	vs16        = '\uFE0F'
	zwj         = '\u200D'
	keycapMark  = '\u20E3'
	cancelTag   = '\U000E007F'
	firstTag    = '\U000E0020'
	lastTag     = '\U000E007E'
	firstTone   = '\U0001F3FB'
	lastTone    = '\U0001F3FF'
	firstRegion = '\U0001F1E6'
	lastRegion  = '\U0001F1FF'
)

// IsEmoji reports whether s is one emoji of the shapes above, in at most
// storage.MaxEmojiBytes of valid UTF-8.
func IsEmoji(s string) bool {
	if s == "" || len(s) > storage.MaxEmojiBytes || !utf8.ValidString(s) {
		return false
	}
	rs := []rune(s)
	switch first := rs[0]; {
	case isRegion(first):
		return len(rs) == 2 && isRegion(rs[1])
	case first == '#' || first == '*' || '0' <= first && first <= '9':
		rest := rs[1:]
		if len(rest) > 0 && rest[0] == vs16 {
			rest = rest[1:]
		}
		return len(rest) == 1 && rest[0] == keycapMark
	}
	for {
		n := emojiElement(rs)
		if n == 0 {
			return false
		}
		rs = rs[n:]
		if len(rs) == 0 {
			return true
		}
		if rs[0] != zwj {
			return false
		}
		rs = rs[1:]
	}
}

// emojiElement is the length of the element (see above) at the start of
// rs, 0 if there is none.
func emojiElement(rs []rune) int {
	if len(rs) == 0 || !unicode.Is(extendedPictographic, rs[0]) {
		return 0
	}
	i := 1
	if i < len(rs) && rs[i] == vs16 {
		i++
	}
	if i < len(rs) && firstTone <= rs[i] && rs[i] <= lastTone {
		i++
	}
	if i < len(rs) && firstTag <= rs[i] && rs[i] <= lastTag {
		for i < len(rs) && firstTag <= rs[i] && rs[i] <= lastTag {
			i++
		}
		if i == len(rs) || rs[i] != cancelTag {
			return 0
		}
		i++
	}
	return i
}

func isRegion(r rune) bool { return firstRegion <= r && r <= lastRegion }

// checkEmoji checks the emoji of a reaction.
func checkEmoji(s string) error {
	switch {
	case s == "":
		return Missing("emoji")
	case !IsEmoji(s):
		return ErrNotAnEmoji
	}
	return nil
}

// extendedPictographic is the Extended_Pictographic property of Unicode
// 15.0's emoji-data.txt
// (https://www.unicode.org/Public/15.0.0/ucd/emoji/emoji-data.txt), as
// github.com/rivo/uniseg v0.4.7 (MIT) carries it in graphemeproperties.go,
// with adjacent ranges merged: 511 lines, 78 ranges. The property covers
// the blocks set aside for emoji, assigned or not, so emoji of later
// Unicode versions are in it too. (The skin tones U+1F3FB–1F3FF are not.)
var extendedPictographic = &unicode.RangeTable{
	R16: []unicode.Range16{
		{0x00A9, 0x00A9, 1}, {0x00AE, 0x00AE, 1}, {0x203C, 0x203C, 1}, {0x2049, 0x2049, 1},
		{0x2122, 0x2122, 1}, {0x2139, 0x2139, 1}, {0x2194, 0x2199, 1}, {0x21A9, 0x21AA, 1},
		{0x231A, 0x231B, 1}, {0x2328, 0x2328, 1}, {0x2388, 0x2388, 1}, {0x23CF, 0x23CF, 1},
		{0x23E9, 0x23F3, 1}, {0x23F8, 0x23FA, 1}, {0x24C2, 0x24C2, 1}, {0x25AA, 0x25AB, 1},
		{0x25B6, 0x25B6, 1}, {0x25C0, 0x25C0, 1}, {0x25FB, 0x25FE, 1}, {0x2600, 0x2605, 1},
		{0x2607, 0x2612, 1}, {0x2614, 0x2685, 1}, {0x2690, 0x2705, 1}, {0x2708, 0x2712, 1},
		{0x2714, 0x2714, 1}, {0x2716, 0x2716, 1}, {0x271D, 0x271D, 1}, {0x2721, 0x2721, 1},
		{0x2728, 0x2728, 1}, {0x2733, 0x2734, 1}, {0x2744, 0x2744, 1}, {0x2747, 0x2747, 1},
		{0x274C, 0x274C, 1}, {0x274E, 0x274E, 1}, {0x2753, 0x2755, 1}, {0x2757, 0x2757, 1},
		{0x2763, 0x2767, 1}, {0x2795, 0x2797, 1}, {0x27A1, 0x27A1, 1}, {0x27B0, 0x27B0, 1},
		{0x27BF, 0x27BF, 1}, {0x2934, 0x2935, 1}, {0x2B05, 0x2B07, 1}, {0x2B1B, 0x2B1C, 1},
		{0x2B50, 0x2B50, 1}, {0x2B55, 0x2B55, 1}, {0x3030, 0x3030, 1}, {0x303D, 0x303D, 1},
		{0x3297, 0x3297, 1}, {0x3299, 0x3299, 1},
	},
	R32: []unicode.Range32{
		{0x1F000, 0x1F0FF, 1}, {0x1F10D, 0x1F10F, 1}, {0x1F12F, 0x1F12F, 1}, {0x1F16C, 0x1F171, 1},
		{0x1F17E, 0x1F17F, 1}, {0x1F18E, 0x1F18E, 1}, {0x1F191, 0x1F19A, 1}, {0x1F1AD, 0x1F1E5, 1},
		{0x1F201, 0x1F20F, 1}, {0x1F21A, 0x1F21A, 1}, {0x1F22F, 0x1F22F, 1}, {0x1F232, 0x1F23A, 1},
		{0x1F23C, 0x1F23F, 1}, {0x1F249, 0x1F3FA, 1}, {0x1F400, 0x1F53D, 1}, {0x1F546, 0x1F64F, 1},
		{0x1F680, 0x1F6FF, 1}, {0x1F774, 0x1F77F, 1}, {0x1F7D5, 0x1F7FF, 1}, {0x1F80C, 0x1F80F, 1},
		{0x1F848, 0x1F84F, 1}, {0x1F85A, 0x1F85F, 1}, {0x1F888, 0x1F88F, 1}, {0x1F8AE, 0x1F8FF, 1},
		{0x1F90C, 0x1F93A, 1}, {0x1F93C, 0x1F945, 1}, {0x1F947, 0x1FAFF, 1}, {0x1FC00, 0x1FFFD, 1},
	},
	LatinOffset: 2,
}
