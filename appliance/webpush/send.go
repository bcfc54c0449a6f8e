package webpush

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Doer sends an HTTP request, as *http.Client and egress.Client do. The
// server gives its egress.Client, so that no endpoint reaches inside its
// network; a test gives a client that trusts its own TLS server.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Urgency is the Urgency header of RFC 8030 section 5.3: a browser on a
// low battery may hold back messages below "normal" or "high".
type Urgency string

// The urgencies RFC 8030 defines. The zero Urgency sends no header, which
// the push service takes as UrgencyNormal.
const (
	UrgencyVeryLow Urgency = "very-low"
	UrgencyLow     Urgency = "low"
	UrgencyNormal  Urgency = "normal"
	UrgencyHigh    Urgency = "high"
)

// MaxTopicLen is the longest Topic RFC 8030 section 5.4 allows.
const MaxTopicLen = 32

// Message is one push message.
type Message struct {
	// Payload is the plaintext the service worker receives, at most
	// MaxPayload bytes; it may be empty.
	Payload []byte
	// TTL is how long the push service keeps the message for a browser
	// that is not connected, in whole seconds (RFC 8030 section 5.2);
	// 0 means deliver it now or drop it. Services may shorten it.
	TTL time.Duration
	// Urgency is optional.
	Urgency Urgency
	// Topic, optional, makes the message replace one of the same topic
	// still held for the browser (RFC 8030 section 5.4): at most 32
	// characters of the base64url alphabet. TopicOf makes one from any
	// name, such as a conversation's.
	Topic string
}

// TopicOf returns a Topic for name: the first 24 bytes of its SHA-256 in
// base64url, 32 characters. Hashing fits any name into the alphabet and
// length a topic allows, and tells the push service nothing of it.
func TopicOf(name string) string {
	sum := sha256.Sum256([]byte(name))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// Sender sends push messages signed with the server's VAPID keys. It is
// safe for concurrent use; it keeps a signed token per push service.
type Sender struct {
	keys    *Keys
	subject string
	client  Doer
	now     func() time.Time // the clock of tokens and Retry-After dates
	tokens  tokenCache
}

// NewSender returns a Sender that signs with keys and sends through
// client. subject is VAPID's contact for the push services' operators, a
// mailto: or https: URI (mailto:admin@chat.example.com).
func NewSender(keys *Keys, subject string, client Doer) (*Sender, error) {
	if keys == nil || keys.private == nil {
		return nil, fmt.Errorf("%w: the sender has no keys", ErrBadKeys)
	}
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, errors.New("webpush: the sender has no HTTP client")
	}
	return &Sender{keys: keys, subject: subject, client: client, now: time.Now}, nil
}

// Send encrypts msg for sub and POSTs it to sub's endpoint (RFC 8030
// section 5), waiting for the push service's answer or ctx's end.
//
// It returns nil when the service took the message (RFC 8030 says 201;
// any 2xx is taken, as services answer 200 or 202 too). Otherwise:
//   - an error wrapping ErrBadSubscription, ErrBadMessage or
//     ErrPayloadTooLarge when nothing was sent;
//   - a *StatusError when the service refused: errors.Is(err, ErrGone)
//     (404, 410) means drop the subscription, ErrRateLimited (429) means
//     wait StatusError.RetryAfter, ErrPayloadTooLarge (413) a shorter
//     payload; other statuses are in StatusCode;
//   - any other error when no answer came (the network, ctx, or the
//     Doer's refusal, such as egress.ErrRefused, which it wraps).
//
// Errors name the push service by its origin only, never the endpoint.
func (s *Sender) Send(ctx context.Context, sub Subscription, msg Message) error {
	endpoint, err := parseEndpoint(sub.Endpoint)
	if err != nil {
		return err
	}
	if err := msg.check(); err != nil {
		return err
	}
	body, err := Encrypt(sub.Keys, msg.Payload)
	if err != nil {
		return err
	}
	now := s.now()
	auth, err := s.authorization(endpoint, now)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webpush: request to %s: %w", origin(endpoint), err)
	}
	req.Header.Set("TTL", strconv.FormatInt(int64(msg.TTL/time.Second), 10))
	if msg.Urgency != "" {
		req.Header.Set("Urgency", string(msg.Urgency))
	}
	if msg.Topic != "" {
		req.Header.Set("Topic", msg.Topic)
	}
	req.Header.Set("Content-Encoding", "aes128gcm")
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Authorization", auth)

	resp, err := s.client.Do(req)
	if err != nil {
		// A *url.Error quotes the endpoint; keep what it wraps.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("webpush: post to %s: %w", origin(endpoint), err)
	}
	defer resp.Body.Close()
	// Read a little of the body whatever the status: it explains a
	// refusal, and a body read to its end lets the connection be reused.
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &StatusError{
		Origin:     origin(endpoint),
		StatusCode: resp.StatusCode,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), s.now()),
		Body:       cleanBody(answer),
	}
}

// check says whether m's headers are ones RFC 8030 allows.
func (m Message) check() error {
	if m.TTL < 0 {
		return fmt.Errorf("%w: TTL %s is negative", ErrBadMessage, m.TTL)
	}
	switch m.Urgency {
	case "", UrgencyVeryLow, UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		return fmt.Errorf("%w: urgency %q is not very-low, low, normal or high", ErrBadMessage, m.Urgency)
	}
	if len(m.Topic) > MaxTopicLen {
		return fmt.Errorf("%w: topic is %d characters, more than %d", ErrBadMessage, len(m.Topic), MaxTopicLen)
	}
	if strings.ContainsFunc(m.Topic, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		return fmt.Errorf("%w: topic %q holds a character outside the base64url alphabet", ErrBadMessage, m.Topic)
	}
	return nil
}

// retryAfter reads a Retry-After header (RFC 9110 section 10.2.3):
// delay-seconds, or an HTTP-date taken against now. It is 0 for a header
// that is absent, unreadable or in the past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Truncate(time.Second)
	}
	return 0
}
