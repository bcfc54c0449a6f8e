package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// CreateUser stores u and claims its username and email.
func (s *Store) CreateUser(ctx context.Context, u storage.User) error {
	return s.update(ctx, "create user", func(tx *bbolt.Tx) error { return insertUser(tx, u) })
}

// insertUser is CreateUser inside a transaction.
func insertUser(tx *bbolt.Tx, u storage.User) error {
	if err := claim(tx.Bucket(bucketUsersByName), nameKey(u.Username), u.ID, "username"); err != nil {
		return err
	}
	if err := claim(tx.Bucket(bucketUsersByEmail), nameKey(u.Email), u.ID, "email"); err != nil {
		return err
	}
	return insert(tx.Bucket(bucketUsers), u.ID, u)
}

// User finds a user by id.
func (s *Store) User(ctx context.Context, id storage.ID) (storage.User, error) {
	var u storage.User
	err := s.view(ctx, "get user", func(tx *bbolt.Tx) (err error) {
		u, err = get[storage.User](tx.Bucket(bucketUsers), key(id))
		return err
	})
	return u, err
}

// UserByName finds a user by username, without regard to case.
func (s *Store) UserByName(ctx context.Context, username string) (storage.User, error) {
	var u storage.User
	err := s.view(ctx, "get user by name", func(tx *bbolt.Tx) error {
		id, err := lookup(tx.Bucket(bucketUsersByName), nameKey(username))
		if err != nil {
			return err
		}
		u, err = get[storage.User](tx.Bucket(bucketUsers), key(id))
		return err
	})
	return u, err
}

// UserByEmail finds a user by email address, without regard to case.
func (s *Store) UserByEmail(ctx context.Context, email string) (storage.User, error) {
	var u storage.User
	err := s.view(ctx, "get user by email", func(tx *bbolt.Tx) error {
		id, err := lookup(tx.Bucket(bucketUsersByEmail), nameKey(email))
		if err != nil {
			return err
		}
		u, err = get[storage.User](tx.Bucket(bucketUsers), key(id))
		return err
	})
	return u, err
}

// UsersByPrefix walks users_by_name from the folded prefix.
func (s *Store) UsersByPrefix(ctx context.Context, prefix string, limit int) ([]storage.User, error) {
	var out []storage.User
	err := s.view(ctx, "list users by prefix", func(tx *bbolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		p := []byte(strings.ToLower(storage.ValidUTF8(prefix)))
		out = make([]storage.User, 0)
		c := tx.Bucket(bucketUsersByName).Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p) && len(out) < limit; k, v = c.Next() {
			u, err := get[storage.User](users, v)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Users lists a page of users in id order and the total count. It steps
// over the first p.Offset records without decoding them.
func (s *Store) Users(ctx context.Context, p storage.Page) ([]storage.User, int, error) {
	var (
		users []storage.User
		total int
	)
	err := s.view(ctx, "list users", func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketUsers)
		total = b.Stats().KeyN
		users = make([]storage.User, 0)
		c := b.Cursor()
		k, data := c.First()
		for i := 0; k != nil && i < p.Offset; i++ {
			k, data = c.Next()
		}
		for ; k != nil && (p.Limit <= 0 || len(users) < p.Limit); k, data = c.Next() {
			var u storage.User
			if err := json.Unmarshal(data, &u); err != nil {
				return fmt.Errorf("decode record %x: %w", k, err)
			}
			users = append(users, u)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return users, total, nil
}

// UpdateUser applies p and returns the updated user. A new email that
// another user holds gives ErrDuplicate and changes nothing.
func (s *Store) UpdateUser(ctx context.Context, id storage.ID, p storage.UserPatch) (storage.User, error) {
	var out storage.User
	err := s.update(ctx, "update user", func(tx *bbolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		u, err := get[storage.User](users, key(id))
		if err != nil {
			return err
		}
		if p.Email != nil {
			if err := rename(tx.Bucket(bucketUsersByEmail), nameKey(u.Email), nameKey(*p.Email), id, "email"); err != nil {
				return err
			}
			u.Email = *p.Email
		}
		if p.PasswordHash != nil {
			u.PasswordHash = *p.PasswordHash
		}
		if p.IsSuperuser != nil {
			u.IsSuperuser = *p.IsSuperuser
		}
		if p.IsDisabled != nil {
			u.IsDisabled = *p.IsDisabled
		}
		if p.Avatar != nil {
			u.Avatar = *p.Avatar
		}
		if p.DisplayName != nil {
			u.DisplayName = *p.DisplayName
		}
		if p.Status != nil {
			u.Status = *p.Status
		}
		if p.HidePresence != nil {
			u.HidePresence = *p.HidePresence
		}
		if p.LastSeen != nil {
			u.LastSeen = *p.LastSeen
		}
		out = u
		return put(users, key(id), u)
	})
	return out, err
}

// DeleteUser removes a user with its sessions, tokens and memberships, and
// takes those memberships out of their rooms' Members.
func (s *Store) DeleteUser(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete user", func(tx *bbolt.Tx) error {
		users := tx.Bucket(bucketUsers)
		u, err := get[storage.User](users, key(id))
		if err != nil {
			return err
		}
		if err := users.Delete(key(id)); err != nil {
			return err
		}
		if err := release(tx.Bucket(bucketUsersByName), nameKey(u.Username), id); err != nil {
			return err
		}
		if err := release(tx.Bucket(bucketUsersByEmail), nameKey(u.Email), id); err != nil {
			return err
		}
		if _, err := deleteSessionsOf(tx, id); err != nil {
			return err
		}
		if _, err := deleteTokensOf(tx, id); err != nil {
			return err
		}
		if err := deleteInvitesOf(tx, id); err != nil {
			return err
		}
		if err := deleteReadStatesOf(tx, id); err != nil {
			return err
		}
		if err := deletePushOf(tx, id); err != nil {
			return err
		}
		return deleteMembershipsOf(tx, id)
	})
}

// CountAdmins counts superusers that are not disabled. It decodes only the
// two flags of each record.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.view(ctx, "count admins", func(tx *bbolt.Tx) error {
		n = 0
		c := tx.Bucket(bucketUsers).Cursor()
		for k, data := c.First(); k != nil; k, data = c.Next() {
			var flags struct {
				IsSuperuser bool `json:"is_superuser"`
				IsDisabled  bool `json:"is_disabled"`
			}
			if err := json.Unmarshal(data, &flags); err != nil {
				return fmt.Errorf("decode record %x: %w", k, err)
			}
			if flags.IsSuperuser && !flags.IsDisabled {
				n++
			}
		}
		return nil
	})
	return n, err
}
