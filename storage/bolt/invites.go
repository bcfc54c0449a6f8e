package bolt

import (
	"context"
	"time"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// CreateInvite stores in and claims the hash of its secret.
func (s *Store) CreateInvite(ctx context.Context, in storage.Invite) error {
	return s.update(ctx, "create invite", func(tx *bbolt.Tx) error { return insertInvite(tx, in) })
}

// insertInvite stores in and its index entries.
func insertInvite(tx *bbolt.Tx, in storage.Invite) error {
	if in.Rooms == nil {
		in.Rooms = []storage.ID{}
	}
	if err := claim(tx.Bucket(bucketInvitesBySecret), hashKey(in.SecretHash), in.ID, "invite secret"); err != nil {
		return err
	}
	if err := insert(tx.Bucket(bucketInvites), in.ID, in); err != nil {
		return err
	}
	return tx.Bucket(bucketInvitesByUser).Put(pair(in.CreatedBy, key(in.ID)), []byte{})
}

// Invite finds an invite by id.
func (s *Store) Invite(ctx context.Context, id storage.ID) (storage.Invite, error) {
	var in storage.Invite
	err := s.view(ctx, "get invite", func(tx *bbolt.Tx) (err error) {
		in, err = get[storage.Invite](tx.Bucket(bucketInvites), key(id))
		return err
	})
	return in, err
}

// InviteBySecret finds an invite by the hash of its secret.
func (s *Store) InviteBySecret(ctx context.Context, secretHash string) (storage.Invite, error) {
	var in storage.Invite
	err := s.view(ctx, "get invite by secret", func(tx *bbolt.Tx) error {
		id, err := lookup(tx.Bucket(bucketInvitesBySecret), hashKey(secretHash))
		if err != nil {
			return err
		}
		in, err = get[storage.Invite](tx.Bucket(bucketInvites), key(id))
		return err
	})
	return in, err
}

// Invites lists the invites createdBy made (all of them for NilID), in
// id order.
func (s *Store) Invites(ctx context.Context, createdBy storage.ID) ([]storage.Invite, error) {
	var out []storage.Invite
	err := s.view(ctx, "list invites", func(tx *bbolt.Tx) error {
		invites := tx.Bucket(bucketInvites)
		out = make([]storage.Invite, 0)
		if createdBy.IsZero() {
			return invites.ForEach(func(k, _ []byte) error {
				in, err := get[storage.Invite](invites, k)
				out = append(out, in)
				return err
			})
		}
		for _, e := range prefixed(tx.Bucket(bucketInvitesByUser), createdBy) {
			in, err := get[storage.Invite](invites, e.key[len(createdBy):])
			if err != nil {
				return err
			}
			out = append(out, in)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteInvite removes an invite and frees its secret.
func (s *Store) DeleteInvite(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete invite", func(tx *bbolt.Tx) error {
		in, err := get[storage.Invite](tx.Bucket(bucketInvites), key(id))
		if err != nil {
			return err
		}
		return deleteInvite(tx, in)
	})
}

func deleteInvite(tx *bbolt.Tx, in storage.Invite) error {
	if err := tx.Bucket(bucketInvites).Delete(key(in.ID)); err != nil {
		return err
	}
	if err := release(tx.Bucket(bucketInvitesBySecret), hashKey(in.SecretHash), in.ID); err != nil {
		return err
	}
	return tx.Bucket(bucketInvitesByUser).Delete(pair(in.CreatedBy, key(in.ID)))
}

// deleteInvitesOf removes every invite user made, for DeleteUser.
func deleteInvitesOf(tx *bbolt.Tx, user storage.ID) error {
	invites := tx.Bucket(bucketInvites)
	for _, e := range prefixed(tx.Bucket(bucketInvitesByUser), user) {
		in, err := get[storage.Invite](invites, e.key[len(user):])
		if err != nil {
			return err
		}
		if err := deleteInvite(tx, in); err != nil {
			return err
		}
	}
	return nil
}

// UseInvite counts one use of a usable invite.
func (s *Store) UseInvite(ctx context.Context, id storage.ID, now time.Time) (storage.Invite, error) {
	var in storage.Invite
	err := s.update(ctx, "use invite", func(tx *bbolt.Tx) (err error) {
		invites := tx.Bucket(bucketInvites)
		in, err = get[storage.Invite](invites, key(id))
		if err != nil {
			return err
		}
		if !in.Usable(now) {
			return storage.ErrNotFound
		}
		in.Uses++
		return put(invites, key(id), in)
	})
	if err != nil {
		return storage.Invite{}, err
	}
	return in, nil
}

// ReturnInvite gives back one use.
func (s *Store) ReturnInvite(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "return invite", func(tx *bbolt.Tx) error {
		invites := tx.Bucket(bucketInvites)
		in, err := get[storage.Invite](invites, key(id))
		if err != nil {
			return err
		}
		if in.Uses > 0 {
			in.Uses--
		}
		return put(invites, key(id), in)
	})
}
