package bolt

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// CreateHook stores h in its room, which must exist, and claims the hash
// of its secret: a taken hash gives ErrDuplicate, since a secret must name
// one hook.
func (s *Store) CreateHook(ctx context.Context, h storage.Hook) error {
	return s.update(ctx, "create hook", func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketRooms).Get(key(h.Room)) == nil {
			return fmt.Errorf("%w room %s", storage.ErrNotFound, h.Room)
		}
		return insertHook(tx, h)
	})
}

// insertHook stores h and its index entries, without checking its room.
func insertHook(tx *bbolt.Tx, h storage.Hook) error {
	if err := claim(tx.Bucket(bucketHooksBySecret), hashKey(h.SecretHash), h.ID, "hook secret"); err != nil {
		return err
	}
	if err := insert(tx.Bucket(bucketHooks), h.ID, h); err != nil {
		return err
	}
	return tx.Bucket(bucketHooksByRoom).Put(pair(h.Room, key(h.ID)), []byte{})
}

// Hook finds a hook by id.
func (s *Store) Hook(ctx context.Context, id storage.ID) (storage.Hook, error) {
	var h storage.Hook
	err := s.view(ctx, "get hook", func(tx *bbolt.Tx) (err error) {
		h, err = get[storage.Hook](tx.Bucket(bucketHooks), key(id))
		return err
	})
	return h, err
}

// HookBySecret finds a hook by the hash of its secret, compared exactly.
func (s *Store) HookBySecret(ctx context.Context, secretHash string) (storage.Hook, error) {
	var h storage.Hook
	err := s.view(ctx, "get hook by secret", func(tx *bbolt.Tx) error {
		id, err := lookup(tx.Bucket(bucketHooksBySecret), hashKey(secretHash))
		if err != nil {
			return err
		}
		h, err = get[storage.Hook](tx.Bucket(bucketHooks), key(id))
		return err
	})
	return h, err
}

// Hooks lists a room's hooks in id order, which is the order of the
// hooks_by_room keys.
func (s *Store) Hooks(ctx context.Context, room storage.ID) ([]storage.Hook, error) {
	var out []storage.Hook
	err := s.view(ctx, "list hooks", func(tx *bbolt.Tx) error {
		hooks := tx.Bucket(bucketHooks)
		out = make([]storage.Hook, 0)
		for _, e := range prefixed(tx.Bucket(bucketHooksByRoom), room) {
			h, err := get[storage.Hook](hooks, e.key[len(room):])
			if err != nil {
				return err
			}
			out = append(out, h)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteHook removes a hook and frees its secret hash.
func (s *Store) DeleteHook(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete hook", func(tx *bbolt.Tx) error {
		h, err := get[storage.Hook](tx.Bucket(bucketHooks), key(id))
		if err != nil {
			return err
		}
		return deleteHook(tx, h)
	})
}

func deleteHook(tx *bbolt.Tx, h storage.Hook) error {
	if err := tx.Bucket(bucketHooks).Delete(key(h.ID)); err != nil {
		return err
	}
	if err := release(tx.Bucket(bucketHooksBySecret), hashKey(h.SecretHash), h.ID); err != nil {
		return err
	}
	return tx.Bucket(bucketHooksByRoom).Delete(pair(h.Room, key(h.ID)))
}

// deleteHooksOf removes every hook of room, for DeleteRoom.
func deleteHooksOf(tx *bbolt.Tx, room storage.ID) error {
	hooks := tx.Bucket(bucketHooks)
	for _, e := range prefixed(tx.Bucket(bucketHooksByRoom), room) {
		h, err := get[storage.Hook](hooks, e.key[len(room):])
		if err != nil {
			return err
		}
		if err := deleteHook(tx, h); err != nil {
			return err
		}
	}
	return nil
}
