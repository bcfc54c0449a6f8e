package webpush

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// The errors of this package. They are wrapped with the detail of what
// went wrong; test for them with errors.Is.
var (
	// ErrBadSubscription means a subscription's endpoint or keys cannot
	// be those a browser gives; the detail names the field at fault.
	ErrBadSubscription = errors.New("webpush: bad subscription")
	// ErrBadMessage means a Message's TTL, Urgency or Topic is not one
	// the protocol allows.
	ErrBadMessage = errors.New("webpush: bad message")
	// ErrPayloadTooLarge means the plaintext is longer than MaxPayload,
	// or the push service answered 413 Payload Too Large.
	ErrPayloadTooLarge = errors.New("webpush: payload too large")
	// ErrGone means the push service answered 404 or 410: the
	// subscription has expired or the user revoked it, and the caller
	// drops it.
	ErrGone = errors.New("webpush: subscription is gone")
	// ErrRateLimited means the push service answered 429 Too Many
	// Requests; StatusError.RetryAfter says how long it asked to wait.
	ErrRateLimited = errors.New("webpush: rate limited by the push service")
	// ErrBadKeys means a VAPID key file cannot be read as Keys.
	ErrBadKeys = errors.New("webpush: bad VAPID keys")
	// ErrUndecryptable means Decrypt was given a body that is not an
	// aes128gcm message for the given key and auth secret.
	ErrUndecryptable = errors.New("webpush: cannot decrypt the message")
)

// StatusError is the error of a push service that answered with a status
// other than 2xx. errors.Is(err, ErrGone) holds for 404 and 410,
// ErrRateLimited for 429 and ErrPayloadTooLarge for 413; for any other
// status (400 for a malformed request, 401 or 403 for a VAPID signature
// the service refuses, 5xx) the caller looks at StatusCode.
type StatusError struct {
	// Origin is the push service, scheme://host[:port]; the endpoint's
	// path is left out because it is the subscription's secret.
	Origin     string
	StatusCode int
	// RetryAfter is the wait the service asked for in a Retry-After
	// header (delay-seconds or HTTP-date), or 0 if it gave none.
	RetryAfter time.Duration
	// Body is the start of the response body, cut and cleaned of control
	// characters, for the log: services explain a 400 or 403 there.
	Body string
}

// Error says which service answered what.
func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "webpush: push service %s answered %d %s", e.Origin, e.StatusCode, http.StatusText(e.StatusCode))
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Body != "" {
		fmt.Fprintf(&b, ": %s", e.Body)
	}
	return b.String()
}

// Is lets errors.Is classify the status with the package's sentinels.
func (e *StatusError) Is(target error) bool {
	switch target {
	case ErrGone:
		return e.StatusCode == http.StatusNotFound || e.StatusCode == http.StatusGone
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrPayloadTooLarge:
		return e.StatusCode == http.StatusRequestEntityTooLarge
	}
	return false
}

// maxErrorBody is the most of a response body a StatusError keeps.
const maxErrorBody = 256

// cleanBody makes a response body fit for one log line: valid UTF-8
// without control characters, at most maxErrorBody bytes.
func cleanBody(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(string(b), "\uFFFD"))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxErrorBody {
		s = strings.ToValidUTF8(s[:maxErrorBody], "") + "…"
	}
	return s
}
