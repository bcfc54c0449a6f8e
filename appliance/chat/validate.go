package chat

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/storage"
)

var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,120}$`)

// usernameUnsafe matches what a username may not hold.
var usernameUnsafe = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// Limits on names, in characters.
const (
	maxNameChars  = 120
	maxEmailBytes = 254
)

func checkUsername(field, v string) error {
	if v == "" {
		return Missing(field)
	}
	if !usernamePattern.MatchString(v) {
		return Invalid(field, "must be 1 to 120 letters, digits, '_' or '-'")
	}
	return nil
}

func checkEmail(field, v string) error {
	if v == "" {
		return Missing(field)
	}
	if len(v) > maxEmailBytes || !utf8.ValidString(v) || hasControl(v) {
		return Invalid(field, "must be a valid email address")
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Address != v || addr.Name != "" {
		return Invalid(field, "must be a valid email address")
	}
	return nil
}

// cleanTopic trims a room's topic and checks it: up to 250 characters of
// printable text on one line ("" clears it).
func cleanTopic(v string) (string, error) { return cleanLine("topic", v) }

// cleanLine trims a one-line text (a topic, a command's help) and checks
// it: up to 250 characters of printable text on one line.
func cleanLine(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || hasControl(v) {
		return "", Invalid(field, "must be printable text on one line")
	}
	if utf8.RuneCountInString(v) > storage.MaxTopicChars {
		return "", Invalid(field, "must be at most 250 characters long")
	}
	return v, nil
}

// checkClientID checks a message's client id (storage.CheckClientID).
func checkClientID(v string) error {
	if err := storage.CheckClientID(v); err != nil {
		return Invalid("client_id", "must be 1 to 64 ASCII letters, digits, '-' or '_'")
	}
	return nil
}

// checkPassword accepts any non-empty password bcrypt can hash in full;
// minChars is the shortest allowed (self-registration asks for more than
// an administrator setting a password does).
func checkPassword(field, v string, minChars int) error {
	if v == "" {
		return Missing(field)
	}
	if len(v) > auth.MaxPasswordBytes {
		return Invalid(field, "must be at most 72 bytes long")
	}
	if !utf8.ValidString(v) {
		return Invalid(field, "must be valid UTF-8 text")
	}
	if utf8.RuneCountInString(v) < minChars {
		return Invalid(field, "must be at least "+strconv.Itoa(minChars)+" characters long")
	}
	return nil
}

// cleanName trims a room, token or hook name and checks it: 1 to 120
// characters of printable UTF-8. Invisible format characters (Unicode
// category Cf: bidi controls, zero-width spaces and joiners, the BOM)
// are refused, because they let one name pass for another ("admin"
// followed by a zero-width space, or text that a bidi override shows
// backwards).
func cleanName(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", Missing(field)
	}
	if !utf8.ValidString(v) || hasControl(v) {
		return "", Invalid(field, "must be printable text")
	}
	if strings.ContainsFunc(v, isFormat) {
		return "", Invalid(field, "must not contain invisible formatting characters (bidi controls, zero-width characters)")
	}
	if utf8.RuneCountInString(v) > maxNameChars {
		return "", Invalid(field, "must be 1 to 120 characters long")
	}
	return v, nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }
