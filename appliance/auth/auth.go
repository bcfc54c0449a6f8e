// Package auth holds the mechanics of authentication: password hashing,
// session keys and API tokens (only hashes are stored), the failed-login
// limiter and the same-origin check that guards cookie-authenticated writes.
//
// The rules of who may log in live in package chat; this package only
// knows how to hash, compare and count.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// MaxPasswordBytes is bcrypt's limit: longer passwords would be silently
// truncated by other implementations, so they are refused instead.
const MaxPasswordBytes = 72

// ErrPasswordTooLong is returned for passwords over MaxPasswordBytes.
var ErrPasswordTooLong = errors.New("password longer than 72 bytes")

// Hasher hashes and checks passwords with bcrypt at a fixed cost.
type Hasher struct {
	cost int
	// dummy is a real hash, compared against when a user is unknown. It is
	// made on first need, not at start-up, where it would cost a bcrypt
	// round (tens of milliseconds) before the server is ready.
	dummy     []byte
	dummyOnce sync.Once
}

// NewHasher returns a Hasher with the given bcrypt cost (bcrypt.MinCost in
// tests, bcrypt.DefaultCost in production).
func NewHasher(cost int) *Hasher {
	return &Hasher{cost: cost}
}

// Hash returns the bcrypt hash of password.
func (h *Hasher) Hash(password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), h.cost)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Check reports whether password matches hash. An empty or foreign hash
// never matches. Check takes as long for a missing user (hash "") as for a
// real one, so timing does not tell which usernames exist.
func (h *Hasher) Check(hash, password string) bool {
	if hash == "" || !strings.HasPrefix(hash, "$2") {
		h.dummyOnce.Do(func() {
			h.dummy, _ = bcrypt.GenerateFromPassword([]byte("makechat-no-such-user"), h.cost)
		})
		_ = bcrypt.CompareHashAndPassword(h.dummy, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// HashKey is how session keys and token values are stored: the hex SHA-256
// of the value. The values carry at least 160 bits of randomness, so a
// plain hash (no salt, no stretching) is enough to make a stolen database
// useless for logging in.
func HashKey(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// NewSessionKey returns a random cookie value (256 bits, URL-safe).
func NewSessionKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

const tokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// TokenLength is the length of an API token (seed: 32 chars of [a-z0-9]).
const TokenLength = 32

// NewToken returns a random API token of TokenLength characters drawn
// uniformly from [a-z0-9] (about 165 bits).
func NewToken() string {
	out := make([]byte, 0, TokenLength)
	var buf [64]byte
	for len(out) < TokenLength {
		_, _ = rand.Read(buf[:])
		for _, c := range buf {
			// 252 = 7*36: rejecting larger bytes keeps the draw uniform.
			if c < 252 && len(out) < TokenLength {
				out = append(out, tokenAlphabet[c%36])
			}
		}
	}
	return string(out)
}

// LooksLikeToken reports whether s has the shape of an API token, so that
// obviously wrong values are refused without a store lookup.
func LooksLikeToken(s string) bool {
	if len(s) != TokenLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// SameOrigin reports whether the request's Origin header names this
// server: the scheme it was reached by and its Host. A missing or "null"
// Origin is not the same origin, and neither is one with anything a
// browser never puts in an Origin (userinfo such as "http://evil@host",
// a path, a query, a fragment).
func SameOrigin(r *http.Request, scheme string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery ||
		u.Path != "" && u.Path != "/" || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, r.Host)
}
