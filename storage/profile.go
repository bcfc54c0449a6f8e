package storage

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// A user's profile, beyond its username: a display name it chose, and a
// status, a short line saying what it is up to ("🌴 On holiday"), which
// may expire. Both are the user's own say and shown to everyone; neither
// is unique (the username stays the name that is).

// Limits of a profile.
const (
	// MaxDisplayNameChars is the longest display name, in characters.
	MaxDisplayNameChars = 64
	// MaxStatusChars is the longest status text, in characters.
	MaxStatusChars = 100
)

// Status is a short text a user shows beside its name. A status with
// Expires set disappears at that moment: At hides it from then on, and
// the next write of the user clears it (appliance/chat), so that no
// background job is needed. The zero Status is none.
type Status struct {
	Text    string    `json:"text"`
	Expires time.Time `json:"expires,omitzero"`
}

// At is the status as shown at now: s itself, or none once it has
// expired (or when it has no text).
func (s Status) At(now time.Time) Status {
	if s.Text == "" || !s.Expires.IsZero() && !now.Before(s.Expires) {
		return Status{}
	}
	return s
}

// CheckDisplayName checks a display name: up to 64 characters of valid
// UTF-8 without control characters or invisible formatting characters
// (category Cf: bidi controls, zero-width characters, U+FEFF), which
// could make it look like another person's name, and without spaces at
// either end (callers trim what a person typed). The empty name is none.
func CheckDisplayName(s string) error {
	if err := checkLine(s, MaxDisplayNameChars); err != nil {
		return err
	}
	if i := strings.IndexFunc(s, isFormat); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("contains the invisible formatting character %U", r)
	}
	return nil
}

// CheckStatusText checks a status's text: up to 100 characters of valid
// UTF-8 on one line (no control characters), without spaces at either
// end. Invisible formatting characters (Cf) are refused as in display
// names, but for the two that emoji are made of: a zero-width joiner
// between two symbols (👨‍💻, 🏳️‍🌈) and the tags of a subdivision flag
// (🏴󠁧󠁢󠁳󠁣󠁴󠁿); a status often starts with an emoji. The empty text is no
// status.
func CheckStatusText(s string) error {
	if err := checkLine(s, MaxStatusChars); err != nil {
		return err
	}
	if r, ok := strayFormat(s); ok {
		return fmt.Errorf("contains the invisible formatting character %U outside an emoji", r)
	}
	return nil
}

// checkLine is the rule display names and statuses share.
func checkLine(s string, maxChars int) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > maxChars {
		return fmt.Errorf("is %d characters, at most %d", n, maxChars)
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("contains the control character %U", r)
	}
	if strings.TrimSpace(s) != s {
		return errors.New("starts or ends with spaces")
	}
	return nil
}

// Code points of emoji sequences that are in category Cf.
const (
	zwj       = '\u200D'
	firstTag  = '\U000E0020'
	cancelTag = '\U000E007F'
	vs16      = '\uFE0F'
)

// strayFormat finds a Cf character of s that is not part of an emoji
// sequence: a ZWJ must join two symbols (the first possibly followed by
// VS16 or a skin tone), and a run of tags must follow a symbol and end
// with the cancel tag. It is a shape check, not a full emoji parser
// (appliance/chat has one for reactions): what it lets through is
// visible symbols glued together, never text shown backwards or hidden.
func strayFormat(s string) (rune, bool) {
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case !isFormat(r):
		case r == zwj:
			if i == 0 || i+1 == len(rs) || !isJoinable(rs[i-1]) || !unicode.Is(unicode.So, rs[i+1]) {
				return r, true
			}
		case firstTag <= r && r <= cancelTag:
			if r == cancelTag || i == 0 || !unicode.Is(unicode.So, rs[i-1]) {
				return r, true
			}
			for i < len(rs) && firstTag <= rs[i] && rs[i] < cancelTag {
				i++
			}
			if i == len(rs) || rs[i] != cancelTag {
				return r, true
			}
		default:
			return r, true
		}
	}
	return 0, false
}

// isJoinable reports whether r may stand before a ZWJ in an emoji: a
// symbol, VS16, or a skin tone (a modifier symbol, Sk).
func isJoinable(r rune) bool {
	return r == vs16 || unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r)
}
