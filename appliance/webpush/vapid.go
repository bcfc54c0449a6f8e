package webpush

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"time"
)

// The life of a VAPID token. RFC 8292 section 2 caps exp at 24 hours
// ahead; 12 leaves room for a clock that runs ahead of the push
// service's. A cached token is renewed an hour before it expires, so that
// one sent just before its end is not refused on arrival by a service
// whose clock runs ahead of ours.
const (
	tokenLifetime = 12 * time.Hour
	tokenRenewal  = time.Hour
	// maxTokens bounds the cache. There is a token per push service
	// origin, a handful in practice; subscriptions that name many hosts
	// must not make it grow without end.
	maxTokens = 256
)

// jwtHeader is the JOSE header of every VAPID token,
// {"typ":"JWT","alg":"ES256"}, in base64url.
const jwtHeader = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9"

// tokenCache keeps the Authorization header of each audience while its
// token is young enough to send: signing costs more than the rest of a
// send, and the services expect a sender to reuse its token.
type tokenCache struct {
	mu     sync.Mutex
	tokens map[string]cachedToken
}

type cachedToken struct {
	header string
	exp    time.Time
}

// authorization returns the Authorization header for a request to
// endpoint, `vapid t=<JWT>, k=<public key>` (RFC 8292 section 3), signed
// for the endpoint's origin at now and cached until an hour before it
// expires.
func (s *Sender) authorization(endpoint *url.URL, now time.Time) (string, error) {
	aud := origin(endpoint)
	c := &s.tokens
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.tokens[aud]; ok && now.Before(t.exp.Add(-tokenRenewal)) {
		return t.header, nil
	}
	exp := time.Unix(now.Add(tokenLifetime).Unix(), 0)
	jwt, err := signToken(s.keys.private, aud, s.subject, exp)
	if err != nil {
		return "", err
	}
	header := "vapid t=" + jwt + ", k=" + s.keys.PublicKey()
	if c.tokens == nil {
		c.tokens = make(map[string]cachedToken)
	}
	if len(c.tokens) >= maxTokens {
		for a, t := range c.tokens {
			if !now.Before(t.exp.Add(-tokenRenewal)) {
				delete(c.tokens, a)
			}
		}
		if len(c.tokens) >= maxTokens {
			clear(c.tokens)
		}
	}
	c.tokens[aud] = cachedToken{header: header, exp: exp}
	return header, nil
}

// vapidClaims are the claims of RFC 8292 section 2: the push service's
// origin, the expiry in Unix seconds, and a contact for the service's
// operators.
type vapidClaims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// signToken returns the VAPID JWT for aud, sub and exp, signed with ES256
// (RFC 7518 section 3.4): the signature is r || s, 32 bytes each, not the
// ASN.1 that crypto/ecdsa's SignASN1 gives.
func signToken(key *ecdsa.PrivateKey, aud, sub string, exp time.Time) (string, error) {
	claims, err := json.Marshal(vapidClaims{Aud: aud, Exp: exp.Unix(), Sub: sub})
	if err != nil {
		return "", fmt.Errorf("webpush: VAPID claims: %w", err)
	}
	input := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	r, sig, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		return "", fmt.Errorf("webpush: sign VAPID token: %w", err)
	}
	raw := make([]byte, 64)
	r.FillBytes(raw[:32])
	sig.FillBytes(raw[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(raw), nil
}

// checkSubject says whether sub can be VAPID's sub claim: a mailto: or
// https: URI by which the push service's operators can reach the
// server's (RFC 8292 section 2.1). Apple's service refuses a token
// without one.
func checkSubject(sub string) error {
	u, err := url.Parse(sub)
	if err != nil {
		return fmt.Errorf("webpush: the VAPID subject %q is not a URI", sub)
	}
	switch {
	case u.Scheme == "mailto" && u.Opaque != "":
		return nil
	case u.Scheme == "https" && u.Host != "":
		return nil
	}
	return fmt.Errorf("webpush: the VAPID subject %q is neither a mailto: nor an https: URI", sub)
}
