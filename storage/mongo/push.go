package mongo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// pushDoc is a push subscription as push_subscriptions holds it, with
// endpoint_key (storage.EndpointKey) unique.
type pushDoc struct {
	ID          bson.ObjectID `bson:"_id"`
	User        bson.ObjectID `bson:"user"`
	Endpoint    string        `bson:"endpoint"`
	P256dh      string        `bson:"p256dh"`
	Auth        string        `bson:"auth"`
	UserAgent   string        `bson:"user_agent,omitempty"`
	Created     time.Time     `bson:"created"`
	EndpointKey string        `bson:"endpoint_key"`
}

func newPushDoc(p storage.PushSubscription) pushDoc {
	return pushDoc{
		ID: oid(p.ID), User: oid(p.User), Endpoint: storage.ValidUTF8(p.Endpoint), P256dh: storage.ValidUTF8(p.P256dh),
		Auth: storage.ValidUTF8(p.Auth), UserAgent: storage.ValidUTF8(p.UserAgent), Created: p.Created, EndpointKey: storage.EndpointKey(p.Endpoint),
	}
}

func (d pushDoc) model() storage.PushSubscription {
	return storage.PushSubscription{ID: storage.ID(d.ID), User: storage.ID(d.User), Endpoint: d.Endpoint, P256dh: d.P256dh, Auth: d.Auth, UserAgent: d.UserAgent, Created: d.Created}
}

// SavePushSubscription replaces the endpoint's subscription with p, then
// drops the user's oldest past the limit.
func (s *Store) SavePushSubscription(ctx context.Context, p storage.PushSubscription) error {
	if err := storage.CheckPushSubscription(p); err != nil {
		return fmt.Errorf("push subscription %w", err)
	}
	return s.do(ctx, "save push subscription", func(ctx context.Context) error {
		if ok, err := exists(ctx, s.users, p.User); err != nil || !ok {
			return notFoundUnless(err, "user", p.User)
		}
		d := newPushDoc(p)
		byEndpoint := bson.D{{Key: "endpoint_key", Value: d.EndpointKey}}
		if _, err := s.push.DeleteMany(ctx, byEndpoint); err != nil {
			return err
		}
		if _, err := s.push.InsertOne(ctx, d); err != nil && !duplicateKey(err) {
			// (A duplicate: two saves of one endpoint at once; the
			// other's stays.)
			return err
		}
		mine, err := findAll[pushDoc](ctx, s.push, bson.D{{Key: "user", Value: oid(p.User)}}, options.Find().SetSort(sortByID).SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return err
		}
		for i := 0; i < len(mine)-storage.MaxPushSubscriptions; i++ {
			if _, err := s.push.DeleteOne(ctx, bson.D{{Key: "_id", Value: mine[i].ID}}); err != nil {
				return err
			}
		}
		return nil
	})
}

// PushSubscriptions lists a user's subscriptions.
func (s *Store) PushSubscriptions(ctx context.Context, user storage.ID) ([]storage.PushSubscription, error) {
	var out []storage.PushSubscription
	err := s.do(ctx, "list push subscriptions", func(ctx context.Context) error {
		docs, err := findAll[pushDoc](ctx, s.push, bson.D{{Key: "user", Value: oid(user)}}, options.Find().SetSort(sortByID))
		out = models(docs, pushDoc.model)
		return err
	})
	return out, err
}

// DeletePushSubscription removes one subscription.
func (s *Store) DeletePushSubscription(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete push subscription", func(ctx context.Context) error {
		res, err := s.push.DeleteOne(ctx, byID(id))
		if err == nil && res.DeletedCount == 0 {
			return storage.ErrNotFound
		}
		return err
	})
}

// AnyPushSubscription looks for a first subscription.
func (s *Store) AnyPushSubscription(ctx context.Context) (bool, error) {
	var found bool
	err := s.do(ctx, "any push subscription", func(ctx context.Context) error {
		n, err := s.push.CountDocuments(ctx, bson.D{}, options.Count().SetLimit(1))
		found = n > 0
		return err
	})
	return found, err
}
