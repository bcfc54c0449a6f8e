package bolt

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// Push subscriptions live in push_subscriptions by id, with
// push_by_endpoint (storage.EndpointKey → id) keeping an endpoint to one
// and push_by_user (user id + id) listing a user's.

// SavePushSubscription stores p in one transaction.
func (s *Store) SavePushSubscription(ctx context.Context, p storage.PushSubscription) error {
	if err := storage.CheckPushSubscription(p); err != nil {
		return fmt.Errorf("push subscription %w", err)
	}
	return s.update(ctx, "save push subscription", func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketUsers).Get(key(p.User)) == nil {
			return fmt.Errorf("%w user %s", storage.ErrNotFound, p.User)
		}
		if old := tx.Bucket(bucketPushByEndpoint).Get([]byte(storage.EndpointKey(p.Endpoint))); old != nil {
			if err := deletePush(tx, old); err != nil {
				return err
			}
		}
		mine := prefixed(tx.Bucket(bucketPushByUser), p.User)
		for i := 0; i <= len(mine)-storage.MaxPushSubscriptions; i++ {
			if err := deletePush(tx, mine[i].key[len(p.User):]); err != nil {
				return err
			}
		}
		return insertPush(tx, p)
	})
}

// insertPush stores p and its index entries.
func insertPush(tx *bbolt.Tx, p storage.PushSubscription) error {
	if err := claim(tx.Bucket(bucketPushByEndpoint), []byte(storage.EndpointKey(p.Endpoint)), p.ID, "push endpoint"); err != nil {
		return err
	}
	if err := tx.Bucket(bucketPushByUser).Put(pair(p.User, key(p.ID)), []byte{}); err != nil {
		return err
	}
	return insert(tx.Bucket(bucketPush), p.ID, p)
}

// deletePush removes the subscription id and its index entries.
func deletePush(tx *bbolt.Tx, id []byte) error {
	p, err := get[storage.PushSubscription](tx.Bucket(bucketPush), id)
	if err != nil {
		return err
	}
	if err := release(tx.Bucket(bucketPushByEndpoint), []byte(storage.EndpointKey(p.Endpoint)), p.ID); err != nil {
		return err
	}
	if err := tx.Bucket(bucketPushByUser).Delete(pair(p.User, key(p.ID))); err != nil {
		return err
	}
	return tx.Bucket(bucketPush).Delete(id)
}

// PushSubscriptions lists a user's subscriptions.
func (s *Store) PushSubscriptions(ctx context.Context, user storage.ID) ([]storage.PushSubscription, error) {
	out := []storage.PushSubscription{}
	err := s.view(ctx, "list push subscriptions", func(tx *bbolt.Tx) error {
		for _, e := range prefixed(tx.Bucket(bucketPushByUser), user) {
			p, err := get[storage.PushSubscription](tx.Bucket(bucketPush), e.key[len(user):])
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// DeletePushSubscription removes one subscription.
func (s *Store) DeletePushSubscription(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete push subscription", func(tx *bbolt.Tx) error {
		return deletePush(tx, key(id))
	})
}

// deletePushOf removes a deleted user's subscriptions.
func deletePushOf(tx *bbolt.Tx, user storage.ID) error {
	for _, e := range prefixed(tx.Bucket(bucketPushByUser), user) {
		if err := deletePush(tx, e.key[len(user):]); err != nil {
			return err
		}
	}
	return nil
}

// AnyPushSubscription looks for a first subscription.
func (s *Store) AnyPushSubscription(ctx context.Context) (bool, error) {
	var found bool
	err := s.view(ctx, "any push subscription", func(tx *bbolt.Tx) error {
		k, _ := tx.Bucket(bucketPush).Cursor().First()
		found = k != nil
		return nil
	})
	return found, err
}
