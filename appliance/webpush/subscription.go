package webpush

import (
	"crypto/ecdh"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Subscription is where and how to push to one browser: the JSON of the
// browser's PushSubscription.toJSON(), less its expirationTime, so that
// the web client's subscription can be decoded into it as it comes.
type Subscription struct {
	// Endpoint is the push service's URL for this subscription. Its path
	// is a capability (anyone who knows it can push to the browser, though
	// not past VAPID and encryption), so it is kept out of logs and errors.
	Endpoint string           `json:"endpoint"`
	Keys     SubscriptionKeys `json:"keys"`
}

// SubscriptionKeys are the browser's keys for message encryption
// (RFC 8291), base64url as the browser gives them; padding is accepted but
// no other character outside the base64url alphabet.
type SubscriptionKeys struct {
	// P256dh is the browser's ECDH public key: a P-256 point in
	// uncompressed form, 65 bytes.
	P256dh string `json:"p256dh"`
	// Auth is the browser's authentication secret, 16 bytes.
	Auth string `json:"auth"`
}

// The sizes RFC 8291 fixes.
const (
	pointLen = 65 // an uncompressed P-256 point: 0x04 || x || y
	authLen  = 16
)

// MaxEndpointLen is the longest endpoint URL accepted, in bytes. The
// endpoints of the push services in use are under 500 bytes; the bound
// keeps what a client may make the server store and send small.
const MaxEndpointLen = 2048

// Validate says whether s can be a browser's subscription: its endpoint
// passes CheckEndpoint and its keys have the sizes and form RFC 8291 sets,
// p256dh a point on P-256. The error wraps ErrBadSubscription and names
// the field at fault. It does not check where the endpoint's host
// resolves; see the package documentation.
func (s Subscription) Validate() error {
	if err := CheckEndpoint(s.Endpoint); err != nil {
		return err
	}
	_, _, err := s.Keys.parse()
	return err
}

// CheckEndpoint says whether raw has the form of a push endpoint: an
// absolute https URL with a host, without a user name or password, of at
// most MaxEndpointLen bytes. The error wraps ErrBadSubscription.
func CheckEndpoint(raw string) error {
	_, err := parseEndpoint(raw)
	return err
}

// parseEndpoint is CheckEndpoint, returning the URL.
func parseEndpoint(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: endpoint is empty", ErrBadSubscription)
	}
	if len(raw) > MaxEndpointLen {
		return nil, fmt.Errorf("%w: endpoint is %d bytes, more than %d", ErrBadSubscription, len(raw), MaxEndpointLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error would quote the whole URL; say what is wrong alone.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("%w: endpoint is not a URL: %v", ErrBadSubscription, err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("%w: endpoint must be an https URL", ErrBadSubscription)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%w: endpoint has no host", ErrBadSubscription)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: endpoint must not hold a user name or password", ErrBadSubscription)
	}
	return u, nil
}

// origin returns u's origin, scheme://host[:port], as VAPID's aud claim
// wants it: serialized as a browser does, the host in lower case and
// https's default port left out.
func origin(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	switch {
	case port != "" && port != "443":
		host = net.JoinHostPort(host, port)
	case strings.Contains(host, ":"):
		host = "[" + host + "]" // an IPv6 address
	}
	return u.Scheme + "://" + host
}

// parse decodes and checks k: the browser's public key and auth secret.
func (k SubscriptionKeys) parse() (*ecdh.PublicKey, []byte, error) {
	p, err := decodeBase64URL(k.P256dh, pointLen)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: p256dh: %v", ErrBadSubscription, err)
	}
	if len(p) != pointLen {
		return nil, nil, fmt.Errorf("%w: p256dh is %d bytes, want %d (an uncompressed P-256 point)", ErrBadSubscription, len(p), pointLen)
	}
	if p[0] != 0x04 {
		return nil, nil, fmt.Errorf("%w: p256dh is not an uncompressed point (it starts 0x%02x, not 0x04)", ErrBadSubscription, p[0])
	}
	// NewPublicKey checks that the point is on the curve and its
	// coordinates in range, the validation RFC 8291 section 7 requires
	// against invalid-curve attacks.
	pub, err := ecdh.P256().NewPublicKey(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: p256dh is not a point on P-256", ErrBadSubscription)
	}
	auth, err := decodeBase64URL(k.Auth, authLen)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: auth: %v", ErrBadSubscription, err)
	}
	if len(auth) != authLen {
		return nil, nil, fmt.Errorf("%w: auth is %d bytes, want %d", ErrBadSubscription, len(auth), authLen)
	}
	return pub, auth, nil
}

// decodeBase64URL decodes s, base64url with or without padding, meant
// to hold want bytes. A string too long for twice that is refused before
// any decoding, so that a hostile megabyte costs nothing; a shorter one
// of the wrong length is decoded, for the caller to say how long it is.
// The standard decoder skips CR and LF; here every character must be of
// the base64url alphabet, padding at the end apart.
func decodeBase64URL(s string, want int) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	if len(s) > base64.URLEncoding.EncodedLen(2*want) {
		return nil, fmt.Errorf("%d characters, too long for %d bytes", len(s), want)
	}
	data := strings.TrimRight(s, "=")
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("not base64url (character %d is %q)", i, c)
		}
	}
	enc := base64.RawURLEncoding
	if len(data) != len(s) {
		enc = base64.URLEncoding // padded: the padding must then be right
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("not base64url")
	}
	return b, nil
}
