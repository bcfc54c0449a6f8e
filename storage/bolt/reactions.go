package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// AddReaction rewrites the message with r added, in one transaction of
// the group commit: the read, the limits and the write see one state.
func (s *Store) AddReaction(ctx context.Context, id storage.ID, r storage.Reaction) (out storage.Message, added bool, err error) {
	err = s.update(ctx, "add reaction", func(tx *bbolt.Tx) error {
		return changeReactions(tx, id, &out, &added, func(rs []storage.Reaction) ([]storage.Reaction, bool, error) {
			return storage.WithReaction(rs, r)
		})
	})
	return out, added, err
}

// RemoveReaction rewrites the message without user's reaction with emoji.
func (s *Store) RemoveReaction(ctx context.Context, id storage.ID, emoji string, user storage.ID) (out storage.Message, removed bool, err error) {
	err = s.update(ctx, "remove reaction", func(tx *bbolt.Tx) error {
		return changeReactions(tx, id, &out, &removed, func(rs []storage.Reaction) ([]storage.Reaction, bool, error) {
			rs, ok := storage.WithoutReaction(rs, emoji, user)
			return rs, ok, nil
		})
	})
	return out, removed, err
}

// changeReactions applies change to a message's reactions inside tx and
// writes the message back if they changed. It sets *out and *changed
// every time it runs, since the group commit may run it more than once.
func changeReactions(tx *bbolt.Tx, id storage.ID, out *storage.Message, changed *bool, change func([]storage.Reaction) ([]storage.Reaction, bool, error)) error {
	b := writeMessageBuckets(tx)
	m, conv, err := b.find(id)
	if err != nil {
		return err
	}
	rs, ok, err := change(m.Reactions)
	*out, *changed = m, ok
	if err != nil || !ok {
		return err
	}
	m.Reactions = rs
	*out = m
	return put(b.messages, messageKey(conv, id), m)
}
