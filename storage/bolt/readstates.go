package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// ReadStates live in read_states by id, and read_states_by_key maps user
// id + 't' or 'd' + thread root or peer id to that id, so that a user's
// are one range; read_states_by_thread maps root id + user id to the id
// of a thread's, so that a thread's followers are one range.

// readKey is the read_states_by_key key of k.
func readKey(k storage.ReadKey) []byte {
	kind, target := byte('t'), k.Thread
	if target.IsZero() {
		kind, target = 'd', k.Peer
	}
	out := append(make([]byte, 0, 2*len(target)+1), k.User[:]...)
	return append(append(out, kind), target[:]...)
}

// ChangeReadState applies c in one transaction.
func (s *Store) ChangeReadState(ctx context.Context, k storage.ReadKey, c storage.ReadChange) (out storage.ReadState, err error) {
	if err := storage.CheckReadKey(k); err != nil {
		return out, fmt.Errorf("read state %w", err)
	}
	err = s.update(ctx, "change read state", func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketUsers).Get(key(k.User)) == nil {
			return fmt.Errorf("%w user %s", storage.ErrNotFound, k.User)
		}
		states, byKey := tx.Bucket(bucketReadStates), tx.Bucket(bucketReadStatesByKey)
		var was *storage.ReadState
		if id := byKey.Get(readKey(k)); id != nil {
			r, err := get[storage.ReadState](states, id)
			if err != nil {
				return err
			}
			was = &r
		}
		out = c.Apply(was, k)
		if was == nil {
			return insertReadState(tx, out)
		}
		return put(states, key(out.ID), out)
	})
	return out, err
}

// insertReadState stores a new ReadState and its key.
func insertReadState(tx *bbolt.Tx, r storage.ReadState) error {
	if err := storage.CheckReadKey(r.Key()); err != nil {
		return fmt.Errorf("read state %s %w", r.ID, err)
	}
	if err := claim(tx.Bucket(bucketReadStatesByKey), readKey(r.Key()), r.ID, "read state"); err != nil {
		return err
	}
	if !r.Thread.IsZero() {
		if err := tx.Bucket(bucketReadStatesByThread).Put(pair(r.Thread, key(r.User)), key(r.ID)); err != nil {
			return err
		}
	}
	return insert(tx.Bucket(bucketReadStates), r.ID, r)
}

// ThreadFollowers lists the users following root's thread, through
// read_states_by_thread (root id + user id → read state id).
func (s *Store) ThreadFollowers(ctx context.Context, root storage.ID) ([]storage.ID, error) {
	out := []storage.ID{}
	err := s.view(ctx, "list thread followers", func(tx *bbolt.Tx) error {
		states := tx.Bucket(bucketReadStates)
		for _, e := range prefixed(tx.Bucket(bucketReadStatesByThread), root) {
			r, err := get[storage.ReadState](states, e.value)
			if err != nil {
				return err
			}
			if r.Following {
				out = append(out, r.User)
			}
		}
		return nil
	})
	return out, err
}

// ReadStates lists a user's ReadStates in key order.
func (s *Store) ReadStates(ctx context.Context, user storage.ID) ([]storage.ReadState, error) {
	out := []storage.ReadState{}
	err := s.view(ctx, "list read states", func(tx *bbolt.Tx) error {
		states := tx.Bucket(bucketReadStates)
		for _, e := range prefixed(tx.Bucket(bucketReadStatesByKey), user) {
			r, err := get[storage.ReadState](states, e.value)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// deleteReadStatesOf removes a deleted user's ReadStates.
func deleteReadStatesOf(tx *bbolt.Tx, user storage.ID) error {
	byKey := tx.Bucket(bucketReadStatesByKey)
	for _, e := range prefixed(byKey, user) {
		r, err := get[storage.ReadState](tx.Bucket(bucketReadStates), e.value)
		if err != nil {
			return err
		}
		if !r.Thread.IsZero() {
			if err := tx.Bucket(bucketReadStatesByThread).Delete(pair(r.Thread, key(user))); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketReadStates).Delete(e.value); err != nil {
			return err
		}
		if err := byKey.Delete(e.key); err != nil {
			return err
		}
	}
	return nil
}

// CountReplies counts root's replies after after through thread_replies.
func (s *Store) CountReplies(ctx context.Context, c storage.Conversation, root, after storage.ID, limit int) (int, error) {
	prefix := threadKey(convKey(c), root)
	n := 0
	err := s.view(ctx, "count replies", func(tx *bbolt.Tx) error {
		n = 0
		cur := tx.Bucket(bucketThreadReplies).Cursor()
		k, _ := cur.Seek(messageKey(prefix, after))
		if k != nil && bytes.HasPrefix(k, prefix) && messageID(k) == after {
			k, _ = cur.Next()
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && (limit <= 0 || n < limit); k, _ = cur.Next() {
			n++
		}
		return nil
	})
	return n, err
}
