package auth

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func TestNewToken_HasTheSeedsShapeAndDiffers(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		tok := NewToken()
		require.True(t, LooksLikeToken(tok), tok)
		require.False(t, seen[tok])
		seen[tok] = true
	}
	for _, bad := range []string{"", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", strings.Repeat("a", 31), strings.Repeat("a", 33), strings.Repeat("é", 16)} {
		assert.False(t, LooksLikeToken(bad), bad)
	}
}

func TestHasher_ChecksAndRefusesLongPasswords(t *testing.T) {
	h := NewHasher(bcrypt.MinCost)
	hash, err := h.Hash("secret")
	require.NoError(t, err)
	assert.True(t, h.Check(hash, "secret"))
	assert.False(t, h.Check(hash, "Secret"))
	assert.False(t, h.Check("", "secret"), "no hash never matches")
	assert.False(t, h.Check("plaintext", "plaintext"), "a foreign hash never matches")
	_, err = h.Hash(strings.Repeat("x", 73))
	assert.ErrorIs(t, err, ErrPasswordTooLong)
}

func TestLimiter_BlocksAfterMaxFailuresUntilTheWindowMoves(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewLimiter(3, time.Minute, func() time.Time { return now })
	for range 3 {
		assert.Zero(t, l.Blocked("u:alice"))
		l.Fail("u:alice")
		now = now.Add(time.Second)
	}
	wait := l.Blocked("u:alice")
	assert.Equal(t, 57*time.Second, wait, "the first failure, 3 s ago, leaves the window in 57 s")
	assert.Zero(t, l.Blocked("u:bob"), "keys are independent")
	now = now.Add(wait)
	assert.Zero(t, l.Blocked("u:alice"), "the oldest failure left the window")
	l.Fail("u:alice")
	l.Reset("u:alice")
	assert.Zero(t, l.Blocked("u:alice"))
}

func TestLimiter_KeepsAtMostMaxKeys(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewLimiter(3, time.Minute, func() time.Time { return now })
	l.MaxKeys = 100
	for i := range 1000 {
		l.Fail(strings.Repeat("k", i%50) + string(rune('a'+i%26)) + time.Duration(i).String())
		now = now.Add(time.Millisecond)
	}
	assert.LessOrEqual(t, len(l.fails), 100)
}

func TestSameOrigin(t *testing.T) {
	r := httptest.NewRequest("POST", "http://chat.example.com/api/rooms", nil)
	for origin, want := range map[string]bool{
		"http://chat.example.com":      true,
		"HTTP://Chat.Example.com":      true,
		"https://chat.example.com":     false,
		"http://chat.example.com:8080": false,
		"http://evil.example":          false,
		"null":                         false,
		"":                             false,
		"http://chat.example.com/x":    false,
		"%%":                           false,
		"http://evil@chat.example.com": false,
		"http://a:b@chat.example.com":  false,
		"http://chat.example.com?x":    false,
		"http://chat.example.com#x":    false,
		"http:chat.example.com":        false,
		"http://":                      false,
	} {
		r.Header.Set("Origin", origin)
		assert.Equal(t, want, SameOrigin(r, "http"), origin)
	}
}
