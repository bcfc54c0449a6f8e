package mongo

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// CreateHook inserts h and then checks its room, as CreateMessage does:
// a hook of a room deleted meanwhile is removed again (ErrNotFound).
func (s *Store) CreateHook(ctx context.Context, h storage.Hook) error {
	return s.do(ctx, "create hook", func(ctx context.Context) error {
		if err := s.requireRoom(ctx, h.Room); err != nil {
			return err
		}
		if _, err := s.hooks.InsertOne(ctx, newHookDoc(h)); err != nil {
			return err
		}
		err := s.requireRoom(ctx, h.Room)
		if err != nil {
			ctx, cancel := cleanupContext()
			defer cancel()
			_, _ = s.hooks.DeleteOne(ctx, byID(h.ID))
		}
		return err
	})
}

// Hook finds a hook by id.
func (s *Store) Hook(ctx context.Context, id storage.ID) (storage.Hook, error) {
	return s.oneHook(ctx, "get hook", byID(id))
}

// HookBySecret finds a hook by the hash of its secret, compared exactly.
func (s *Store) HookBySecret(ctx context.Context, secretHash string) (storage.Hook, error) {
	k, ok := lookupKey(secretHash, false)
	if !ok {
		k = "" // no key is empty: finds nothing
	}
	return s.oneHook(ctx, "get hook by secret", bson.D{{Key: "secret_key", Value: k}})
}

// oneHook finds a hook; one of a room that no longer exists (whose
// deletion is under way) is not found.
func (s *Store) oneHook(ctx context.Context, op string, filter bson.D) (storage.Hook, error) {
	var h storage.Hook
	err := s.do(ctx, op, func(ctx context.Context) error {
		d, err := findOne[hookDoc](ctx, s.hooks, filter)
		if err != nil {
			return err
		}
		h = d.model()
		return s.requireRoom(ctx, h.Room)
	})
	return h, err
}

// Hooks lists a room's hooks in id order.
func (s *Store) Hooks(ctx context.Context, room storage.ID) ([]storage.Hook, error) {
	var out []storage.Hook
	err := s.do(ctx, "list hooks", func(ctx context.Context) error {
		docs, err := findAll[hookDoc](ctx, s.hooks, bson.D{{Key: "room", Value: oid(room)}}, options.Find().SetSort(sortByID))
		out = models(docs, hookDoc.model)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteHook removes a hook.
func (s *Store) DeleteHook(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete hook", func(ctx context.Context) error {
		res, err := s.hooks.DeleteOne(ctx, byID(id))
		if err == nil && res.DeletedCount == 0 {
			return storage.ErrNotFound
		}
		return err
	})
}
