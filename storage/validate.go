package storage

// The rules every stored record obeys.
//
// Each Check function below states the rule for one kind of value, in two
// tiers:
//
//   - nil: the value follows today's rule; new records are made only of
//     such values.
//   - an error wrapping ErrLegacy: today's rule refuses the value, but an
//     older makechat (or the original Python one) stored such values, so
//     a store may hold it. It is kept as it is and must not be written
//     anew.
//   - any other error: no makechat ever stored such a value, or the
//     stores cannot work with it (a key they index by, a reference they
//     follow). No store holds one.
//
// The domain (appliance/chat) refuses a new value for any error; a restore
// (package backup) keeps legacy values, lists them in its report, and
// refuses a backup that holds anything worse. Error texts are written to
// follow the field's name ("email has no '@'") and never repeat the value,
// which the caller may or may not want to show.

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of today's rules.
const (
	// MaxTextChars is the longest message text, in characters.
	MaxTextChars = 10_000
	// MaxNameChars is the longest room, token or hook name (and the
	// name a hook posts under), in characters.
	MaxNameChars = 120
	// MaxUsernameChars is the longest username, in characters.
	MaxUsernameChars = 120
	// MaxEmailBytes is the longest email address (RFC 5321's path limit
	// less its angle brackets).
	MaxEmailBytes = 254
	// MaxTopicChars is the longest room topic, in characters.
	MaxTopicChars = 250
	// MaxClientIDChars is the longest client id of a message.
	MaxClientIDChars = 64
	// KeyHashLen is the length of a session key's, token's or hook
	// secret's hash: the hex SHA-256 that appliance/auth.HashKey makes.
	KeyHashLen = 64
)

// Limits of the legacy tier: what older makechats let in.
const (
	// maxLegacyUsernameChars is Django's username limit: the original
	// makechat was a Python web app that took Django's rule (letters,
	// digits and "@.+-_", up to 150 characters).
	maxLegacyUsernameChars = 150
	// maxLegacyEmailBytes is the longest address the mail RFCs ever
	// described (a 64-byte local part, '@', a 255-byte domain).
	maxLegacyEmailBytes = 320
	// maxLegacyPasswordHashBytes is longer than any password hash format
	// in use (Django's longest, argon2, is about 100 bytes).
	maxLegacyPasswordHashBytes = 255
	// bcryptHashLen is the length of every bcrypt hash: "$2b$", two
	// digits of cost, '$', 22 characters of salt and 31 of hash.
	bcryptHashLen = 60
)

// ErrLegacy is wrapped by the errors of values that today's rules refuse
// but an older makechat stored: keep them, never write them anew.
var ErrLegacy = errors.New("allowed by an older makechat")

// legacy is an error of the legacy tier.
func legacy(format string, args ...any) error {
	return fmt.Errorf(format+" (%w)", append(args, ErrLegacy)...)
}

// CheckUsername checks a username. Today's rule is 1 to 120 of a-z, A-Z,
// 0-9, '_' and '-'. The original's Django rule also let in other letters
// and digits, '.', '@' and '+', up to 150 characters: such usernames are
// legacy. Anything else (markup, whitespace, control characters, other
// punctuation) is refused, since usernames are written into mentions and
// pages as they are.
func CheckUsername(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if n := utf8.RuneCountInString(s); n > maxLegacyUsernameChars {
		return fmt.Errorf("is %d characters, more than any makechat allowed (%d)", n, maxLegacyUsernameChars)
	}
	current := len(s) <= MaxUsernameChars
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (isASCIIAlnum(byte(r)) || r == '_' || r == '-'):
		case r == '.' || r == '@' || r == '+' || unicode.IsLetter(r) || unicode.IsNumber(r):
			current = false
		case unicode.IsSpace(r):
			return errors.New("contains whitespace")
		case unicode.IsControl(r):
			return fmt.Errorf("contains the control character %U", r)
		case isFormat(r):
			return fmt.Errorf("contains the invisible formatting character %U", r)
		default:
			return fmt.Errorf("contains %q, which no makechat allowed in a username", r)
		}
	}
	if !current {
		return legacy("is not 1 to %d of a-z, A-Z, 0-9, '_' and '-'", MaxUsernameChars)
	}
	return nil
}

// CheckEmail checks an email address. Today's rule is an address of at
// most 254 bytes that net/mail reads back unchanged, without a display
// name. An address that only has the shape local@domain (one '@', no
// whitespace, control characters or markup, at most 320 bytes) is legacy:
// older makechats checked less.
func CheckEmail(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if len(s) > maxLegacyEmailBytes {
		return fmt.Errorf("is %d bytes, more than any makechat allowed (%d)", len(s), maxLegacyEmailBytes)
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return errors.New("contains whitespace")
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("contains the control character %U", r)
	}
	if i := strings.IndexAny(s, `<>"\`); i >= 0 {
		return fmt.Errorf("contains %q", s[i])
	}
	local, domain, found := strings.Cut(s, "@")
	switch {
	case !found:
		return errors.New("has no '@'")
	case strings.Contains(domain, "@"):
		return errors.New("has more than one '@'")
	case local == "" || domain == "":
		return errors.New("is not of the form local@domain")
	}
	if addr, err := mail.ParseAddress(s); err != nil || addr.Name != "" || addr.Address != s || len(s) > MaxEmailBytes {
		return legacy("is not an address net/mail reads back unchanged in at most %d bytes", MaxEmailBytes)
	}
	return nil
}

// CheckPasswordHash checks a user's password hash: empty (no password
// login) or a bcrypt hash ($2a$, $2b$ or $2y$, 60 bytes), which is what
// every makechat has written. Another hash of printable ASCII, at most
// 255 bytes, is legacy: a store may hold one from elsewhere, and its user
// cannot log in with a password until one is set anew.
func CheckPasswordHash(s string) error {
	if s == "" || isBcrypt(s) {
		return nil
	}
	if len(s) > maxLegacyPasswordHashBytes {
		return fmt.Errorf("is %d bytes, longer than any password hash", len(s))
	}
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return errors.New("contains characters no password hash has")
		}
	}
	return legacy("is not a bcrypt hash: its user cannot log in until a new password is set")
}

// isBcrypt reports whether s has the form of a bcrypt hash.
func isBcrypt(s string) bool {
	if len(s) != bcryptHashLen || s[0] != '$' || s[1] != '2' || !strings.ContainsRune("aby", rune(s[2])) || s[3] != '$' || s[6] != '$' {
		return false
	}
	if cost := int(s[4]-'0')*10 + int(s[5]-'0'); s[4] < '0' || s[4] > '9' || s[5] < '0' || s[5] > '9' || cost < 4 || cost > 31 {
		return false
	}
	for i := 7; i < len(s); i++ {
		if c := s[i]; !isASCIIAlnum(c) && c != '.' && c != '/' {
			return false
		}
	}
	return true
}

// CheckName checks a room, token or hook name, or the name a hook posts
// under: 1 to 120 characters of UTF-8 without control characters. Names
// are shown to people, so today's rule also refuses invisible formatting
// characters (Unicode category Cf: bidirectional controls such as U+202E,
// zero-width characters, U+FEFF), which can make a name look like
// another; makechat 1 allowed them, so such names are legacy. CheckName
// does not trim: callers that take a name from a person trim it first.
func CheckName(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if n := utf8.RuneCountInString(s); n > MaxNameChars {
		return fmt.Errorf("is %d characters, at most %d", n, MaxNameChars)
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("contains the control character %U", r)
	}
	if i := strings.IndexFunc(s, isFormat); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return legacy("contains the invisible formatting character %U", r)
	}
	return nil
}

// CheckMessageText checks a message's text: 1 to 10,000 characters of
// valid UTF-8. (That a text is not only blanks is a rule for new posts,
// in appliance/chat; the store does not rely on it.)
func CheckMessageText(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxTextChars {
		return fmt.Errorf("is %d characters, at most %d", n, MaxTextChars)
	}
	return nil
}

// CheckFileName checks an upload's display name: 1 to 255 characters of
// valid UTF-8 without control characters (appliance/chat cleans names so).
func CheckFileName(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > 255 {
		return fmt.Errorf("is %d characters, at most 255", n)
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("contains the control character %U", r)
	}
	return nil
}

// CheckFile checks the parts of a file's record that the stores and
// the server rely on: the names of its blobs, its sizes, its type.
func CheckFile(f File) error {
	switch {
	case !IsBlobName(f.SHA256):
		return errors.New("sha256 is not a SHA-256 in hex")
	case f.Thumb != "" && !IsBlobName(f.Thumb):
		return errors.New("thumb is not a SHA-256 in hex")
	case f.Size < 0 || f.Width < 0 || f.Height < 0 || f.ThumbWidth < 0 || f.ThumbHeight < 0:
		return errors.New("a size is negative")
	case f.ContentType == "" || len(f.ContentType) > 255 || strings.IndexFunc(f.ContentType, unicode.IsControl) >= 0:
		return errors.New("content_type is empty, too long or has control characters")
	case f.Thumb != "" && f.ThumbType == "":
		return errors.New("thumb has no thumb_type")
	}
	return nil
}

// CheckTopic checks a room's topic: up to 250 characters of valid UTF-8
// on one line (no control characters). The empty topic is no topic.
func CheckTopic(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxTopicChars {
		return fmt.Errorf("is %d characters, at most %d", n, MaxTopicChars)
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Errorf("contains the control character %U", r)
	}
	return nil
}

// CheckClientID checks a message's client id: 1 to 64 ASCII letters,
// digits, '-' or '_' (a UUID fits; so does a tab's id and a counter).
func CheckClientID(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if len(s) > MaxClientIDChars {
		return fmt.Errorf("is %d characters, at most %d", len(s), MaxClientIDChars)
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return errors.New("may hold only ASCII letters, digits, '-' and '_'")
		}
	}
	return nil
}

// CheckRole checks a member's role: RoleOwner, RoleMember or RoleGuest.
func CheckRole(s string) error {
	switch s {
	case RoleOwner, RoleMember, RoleGuest:
		return nil
	}
	return fmt.Errorf("is not %q, %q or %q", RoleOwner, RoleMember, RoleGuest)
}

// CheckKeyHash checks the hash of a session key or hook secret: 64
// lowercase hex digits. Lookups compare hashes exactly, so any other
// form could never be found.
func CheckKeyHash(s string) error {
	if len(s) != KeyHashLen || strings.IndexFunc(s, func(r rune) bool { return !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') }) >= 0 {
		return fmt.Errorf("is not a hex SHA-256 (%d lowercase hex digits)", KeyHashLen)
	}
	return nil
}

// CheckTokenHash checks an API token's hash as CheckKeyHash does; an
// empty hash is legacy: the original makechat's tokens carry over
// without one, listed but never accepted.
func CheckTokenHash(s string) error {
	if s == "" {
		return legacy("is empty: the token is listed but never accepted")
	}
	return CheckKeyHash(s)
}

// CheckCreated checks a record's creation time, which makechat always
// sets; the original makechat did not always record it, so a zero time
// is legacy.
func CheckCreated(t time.Time) error {
	if t.IsZero() {
		return legacy("is missing")
	}
	return nil
}

func isASCIIAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// isFormat reports an invisible formatting character (category Cf).
func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }

// Limits of an outgoing hook.
const (
	// MaxTriggers is the most trigger words an outgoing hook may have.
	MaxTriggers = 10
	// MaxTriggerChars is the longest trigger word, in characters.
	MaxTriggerChars = 64
)

// CheckOutgoing states the rule for a hook's outgoing part: an http or
// https URL (IsWebLink's rules), at most MaxTriggers trigger words of 1
// to MaxTriggerChars characters without spaces or control characters,
// and a secret of 16 to 128 printable ASCII characters.
func CheckOutgoing(o *Outgoing) error {
	if o == nil {
		return nil
	}
	if !IsWebLink(o.URL) || strings.HasPrefix(o.URL, "mailto:") {
		return errors.New("url is not an http or https URL")
	}
	if len(o.Triggers) > MaxTriggers {
		return fmt.Errorf("has more than %d triggers", MaxTriggers)
	}
	for _, t := range o.Triggers {
		if t == "" || !utf8.ValidString(t) || utf8.RuneCountInString(t) > MaxTriggerChars ||
			strings.ContainsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || isFormat(r) }) {
			return fmt.Errorf("has a trigger that is not one word of 1 to %d characters", MaxTriggerChars)
		}
	}
	if CheckSecret(o.Secret) != nil {
		return errors.New("has a secret that is not 16 to 128 printable ASCII characters")
	}
	return nil
}

// CheckSecret states the rule for a secret kept as it is (an outgoing
// hook's signing secret, a command's token): 16 to 128 printable ASCII
// characters.
func CheckSecret(s string) error {
	if len(s) < 16 || len(s) > 128 || strings.ContainsFunc(s, func(r rune) bool { return r < '!' || r > '~' }) {
		return errors.New("is not 16 to 128 printable ASCII characters")
	}
	return nil
}

// CheckBotEmpty states the rule for a bot's email and password hash:
// a bot has neither (it acts through tokens only).
func CheckBotEmpty(s string) error {
	if s != "" {
		return errors.New("is set, and a bot has none")
	}
	return nil
}
