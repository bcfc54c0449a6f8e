package storage

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// tier names what a check says of a value: today's rule, legacy, or never.
type tier int

const (
	ok tier = iota
	old
	bad
)

func (t tier) String() string { return [...]string{"ok", "legacy", "refused"}[t] }

func tierOf(err error) tier {
	switch {
	case err == nil:
		return ok
	case errors.Is(err, ErrLegacy):
		return old
	}
	return bad
}

func TestChecks_SortValuesIntoTodaysRuleLegacyAndRefused(t *testing.T) {
	bcrypt := "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
	cases := []struct {
		check string
		fn    func(string) error
		value string
		want  tier
		why   string // a part of the error's text
	}{
		{"username", CheckUsername, "alice_B-42", ok, ""},
		{"username", CheckUsername, strings.Repeat("a", 120), ok, ""},
		{"username", CheckUsername, strings.Repeat("a", 121), old, "not 1 to 120"},
		{"username", CheckUsername, strings.Repeat("a", 150), old, ""},
		{"username", CheckUsername, strings.Repeat("a", 151), bad, "151 characters"},
		{"username", CheckUsername, "jean.dupont", old, ""},
		{"username", CheckUsername, "bob+chat@example.com", old, ""},
		{"username", CheckUsername, "José", old, ""},
		{"username", CheckUsername, "", bad, "empty"},
		{"username", CheckUsername, "<b>bob</b>", bad, "'<'"},
		{"username", CheckUsername, "bob>", bad, "'>'"},
		{"username", CheckUsername, "a&b", bad, "'&'"},
		{"username", CheckUsername, `a"b`, bad, `'"'`},
		{"username", CheckUsername, "o'brien", bad, `'\''`},
		{"username", CheckUsername, "a/b", bad, "'/'"},
		{"username", CheckUsername, `a\b`, bad, `'\\'`},
		{"username", CheckUsername, "bob smith", bad, "whitespace"},
		{"username", CheckUsername, "bob\n", bad, "whitespace"},
		{"username", CheckUsername, "bob\x07", bad, "U+0007"},
		{"username", CheckUsername, "bob\u202e", bad, "U+202E"},
		{"username", CheckUsername, "bob!", bad, "'!'"},

		{"email", CheckEmail, "a@example.com", ok, ""},
		{"email", CheckEmail, "o'brien+x@example.com", ok, ""},
		{"email", CheckEmail, "x", bad, "no '@'"},
		{"email", CheckEmail, "", bad, "empty"},
		{"email", CheckEmail, "@example.com", bad, "local@domain"},
		{"email", CheckEmail, "a@", bad, "local@domain"},
		{"email", CheckEmail, "a@b@example.com", bad, "more than one"},
		{"email", CheckEmail, "a b@example.com", bad, "whitespace"},
		{"email", CheckEmail, "a\x00@example.com", bad, "U+0000"},
		{"email", CheckEmail, "<a@example.com>", bad, "'<'"},
		{"email", CheckEmail, `"a"@example.com`, bad, `'"'`},
		{"email", CheckEmail, "john..doe@example.com", old, "net/mail"},
		{"email", CheckEmail, "john.@example.com", old, ""},
		{"email", CheckEmail, "a@example.com.", old, ""},
		{"email", CheckEmail, strings.Repeat("a", 64) + "@" + strings.Repeat("b", 200) + ".com", old, "254 bytes"},
		{"email", CheckEmail, strings.Repeat("a", 64) + "@" + strings.Repeat("b", 260) + ".com", bad, "329 bytes"},

		{"password", CheckPasswordHash, "", ok, ""},
		{"password", CheckPasswordHash, bcrypt, ok, ""},
		{"password", CheckPasswordHash, "$2b$" + bcrypt[4:], ok, ""},
		{"password", CheckPasswordHash, "$2y$" + bcrypt[4:], ok, ""},
		{"password", CheckPasswordHash, "$2a$10$hash", old, "cannot log in"},
		{"password", CheckPasswordHash, "$2a$99$" + bcrypt[7:], old, ""},
		{"password", CheckPasswordHash, strings.Repeat("0f", 32), old, ""},
		{"password", CheckPasswordHash, "pbkdf2_sha256$720000$salt$aGFzaA==", old, ""},
		{"password", CheckPasswordHash, "has a space", bad, "characters"},
		{"password", CheckPasswordHash, "é", bad, "characters"},
		{"password", CheckPasswordHash, strings.Repeat("a", 256), bad, "256 bytes"},

		{"name", CheckName, "général", ok, ""},
		{"name", CheckName, "<b>ops</b> & co", ok, ""},
		{"name", CheckName, strings.Repeat("é", 120), ok, ""},
		{"name", CheckName, strings.Repeat("é", 121), bad, "121 characters, at most 120"},
		{"name", CheckName, "", bad, "empty"},
		{"name", CheckName, "a\nb", bad, "U+000A"},
		{"name", CheckName, "a\x7f", bad, "U+007F"},
		{"name", CheckName, "admin\u202egnp.exe", old, "U+202E"},
		{"name", CheckName, "a\u2066b\u2069", old, "U+2066"},
		{"name", CheckName, "\u200ebot", old, "U+200E"},
		{"name", CheckName, "zero\u200bwidth", old, "U+200B"},
		{"name", CheckName, "\ufeffbom", old, "U+FEFF"},
		{"name", CheckName, "word\u2060joiner", old, "U+2060"},

		{"text", CheckMessageText, "hello <b>world</b>", ok, ""},
		{"text", CheckMessageText, strings.Repeat("👍", 10_000), ok, ""},
		{"text", CheckMessageText, strings.Repeat("👍", 10_001), bad, "10001 characters, at most 10000"},
		{"text", CheckMessageText, "", bad, "empty"},
		{"text", CheckMessageText, "a\xffb", bad, "UTF-8"},

		{"role", CheckRole, "owner", ok, ""},
		{"role", CheckRole, "member", ok, ""},
		{"role", CheckRole, "guest", ok, ""},
		{"role", CheckRole, "admin", bad, `"owner", "member" or "guest"`},
		{"role", CheckRole, "", bad, ""},

		{"key hash", CheckKeyHash, strings.Repeat("0123456789abcdef", 4), ok, ""},
		{"key hash", CheckKeyHash, strings.Repeat("0123456789ABCDEF", 4), bad, "lowercase hex"},
		{"key hash", CheckKeyHash, strings.Repeat("a", 63), bad, "64"},
		{"key hash", CheckKeyHash, "", bad, ""},
		{"token hash", CheckTokenHash, strings.Repeat("ab", 32), ok, ""},
		{"token hash", CheckTokenHash, "", old, "never accepted"},
		{"token hash", CheckTokenHash, "h", bad, "SHA-256"},
	}
	for _, c := range cases {
		err := c.fn(c.value)
		if got := tierOf(err); got != c.want {
			t.Errorf("%s %q: %v (%v), want %v", c.check, c.value, got, err, c.want)
			continue
		}
		if c.why != "" && !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s %q: %q does not say %q", c.check, c.value, err, c.why)
		}
	}
}

func TestCheckCreated_AZeroTimeIsLegacy(t *testing.T) {
	if err := CheckCreated(time.Date(2016, 5, 1, 12, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("a time: %v", err)
	}
	if err := CheckCreated(time.Time{}); !errors.Is(err, ErrLegacy) {
		t.Errorf("no time: %v, want legacy", err)
	}
}

func TestLegacyErrors_SayAnOlderMakechatAllowedThem(t *testing.T) {
	err := CheckUsername("jean.dupont")
	want := "is not 1 to 120 of a-z, A-Z, 0-9, '_' and '-' (allowed by an older makechat)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}
