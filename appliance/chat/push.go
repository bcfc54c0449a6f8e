package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/makechat/makechat/appliance/webpush"
	"github.com/makechat/makechat/storage"
)

// Web Push subscriptions: a browser gives its push service's endpoint and
// its keys; the server sends it notifications there (appliance/push). An
// endpoint must be an https URL that the egress policy lets the server
// call: one on a loopback, private or link-local address is refused, so
// that a subscription cannot turn the server into a scanner of its own
// network.

// Errors of a subscription.
var (
	ErrPushEndpoint = Invalid("endpoint", "must be an https URL of a push service on the internet")
	ErrPushKeys     = Invalid("keys", "must be the subscription's p256dh (a P-256 public key) and auth (16 bytes), base64url")
)

// SubscribePush keeps sub as one of the actor's browsers' subscriptions.
func (s *Service) SubscribePush(ctx context.Context, a Actor, sub webpush.Subscription, userAgent string) (storage.PushSubscription, error) {
	if a.User.ID.IsZero() {
		return storage.PushSubscription{}, ErrAdminRequired
	}
	if err := webpush.CheckEndpoint(sub.Endpoint); err != nil {
		return storage.PushSubscription{}, ErrPushEndpoint
	}
	if err := sub.Validate(); err != nil {
		return storage.PushSubscription{}, ErrPushKeys
	}
	if s.opts.CheckURL != nil {
		if err := s.opts.CheckURL(ctx, sub.Endpoint); err != nil {
			return storage.PushSubscription{}, ErrPushEndpoint
		}
	}
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	p := storage.PushSubscription{
		ID: s.ids.New(), User: a.User.ID, Endpoint: sub.Endpoint, P256dh: sub.Keys.P256dh, Auth: sub.Keys.Auth,
		UserAgent: storage.ValidUTF8(userAgent), Created: s.clock(),
	}
	if err := s.store.SavePushSubscription(ctx, p); err != nil {
		return storage.PushSubscription{}, storeErr(err, "user")
	}
	return p, nil
}

// PushSubscriptions lists the actor's subscriptions.
func (s *Service) PushSubscriptions(ctx context.Context, a Actor) ([]storage.PushSubscription, error) {
	ps, err := s.store.PushSubscriptions(ctx, a.User.ID)
	return ps, storeErr(err, "subscription")
}

// UnsubscribePush removes one of the actor's subscriptions; another's is
// not found.
func (s *Service) UnsubscribePush(ctx context.Context, a Actor, id storage.ID) error {
	ps, err := s.store.PushSubscriptions(ctx, a.User.ID)
	if err != nil {
		return storeErr(err, "subscription")
	}
	for _, p := range ps {
		if p.ID == id {
			err := s.store.DeletePushSubscription(ctx, id)
			if errors.Is(err, storage.ErrNotFound) {
				return nil // gone meanwhile, as asked
			}
			return storeErr(err, "subscription")
		}
	}
	return fmt.Errorf("%w", NotFound("subscription"))
}
