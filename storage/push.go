package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// PushSubscription is one browser's Web Push subscription (RFC 8030):
// the push service's Endpoint, which the browser's keys P256dh and Auth
// encrypt messages to (RFC 8291). An endpoint belongs to one user at a
// time: a browser that subscribes again, for whichever user, replaces
// the subscription of that endpoint.
type PushSubscription struct {
	ID        ID        `json:"_id"`
	User      ID        `json:"user"`
	Endpoint  string    `json:"endpoint"`
	P256dh    string    `json:"p256dh"`
	Auth      string    `json:"auth"`
	UserAgent string    `json:"user_agent,omitempty"`
	Created   time.Time `json:"created"`
}

// MaxPushSubscriptions is how many subscriptions one user keeps: one
// more replaces the oldest.
const MaxPushSubscriptions = 10

// MaxEndpointBytes is the longest endpoint stored.
const MaxEndpointBytes = 2048

// EndpointKey is the unique key of an endpoint: its SHA-256, so that
// long endpoints make short keys.
func EndpointKey(endpoint string) string {
	sum := sha256.Sum256([]byte(endpoint))
	return hex.EncodeToString(sum[:])
}

// CheckPushSubscription states what a stored subscription must have (the
// service checks the endpoint and keys properly as it takes one).
func CheckPushSubscription(p PushSubscription) error {
	switch {
	case p.User.IsZero():
		return errors.New("names no user")
	case p.Endpoint == "" || len(p.Endpoint) > MaxEndpointBytes:
		return errors.New("has no endpoint, or one too long")
	case p.P256dh == "" || p.Auth == "" || len(p.P256dh) > 200 || len(p.Auth) > 100:
		return errors.New("has no keys, or keys too long")
	}
	return nil
}
