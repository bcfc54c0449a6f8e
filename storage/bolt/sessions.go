package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// CreateSession stores a session under its key hash, which must be free.
func (s *Store) CreateSession(ctx context.Context, sess storage.Session) error {
	return s.update(ctx, "create session", func(tx *bbolt.Tx) error { return insertSession(tx, sess) })
}

// insertSession is CreateSession inside a transaction.
func insertSession(tx *bbolt.Tx, sess storage.Session) error {
	sessions := tx.Bucket(bucketSessions)
	k := hashKey(sess.KeyHash)
	if sessions.Get(k) != nil {
		return fmt.Errorf("%w session key", storage.ErrDuplicate)
	}
	if err := put(sessions, k, sess); err != nil {
		return err
	}
	if err := tx.Bucket(bucketSessionsByExp).Put(expiryKey(sess.Expires, k), []byte{}); err != nil {
		return err
	}
	return tx.Bucket(bucketSessionsByUser).Put(pair(sess.User, k), []byte{})
}

// expiryKey is a session's key in sessions_by_expiry: its expiry as 8
// big-endian bytes of Unix milliseconds (so the index is in expiry
// order), then its key hash.
func expiryKey(expires time.Time, k []byte) []byte {
	out := make([]byte, 8, 8+len(k))
	binary.BigEndian.PutUint64(out, uint64(max(expires.UnixMilli(), 0)))
	return append(out, k...)
}

// SessionByKey finds a session by the hash of its key.
func (s *Store) SessionByKey(ctx context.Context, keyHash string) (storage.Session, error) {
	var sess storage.Session
	err := s.view(ctx, "get session", func(tx *bbolt.Tx) (err error) {
		sess, err = getSession(tx, keyHash)
		return err
	})
	return sess, err
}

// Sessions lists a user's sessions in id order.
func (s *Store) Sessions(ctx context.Context, user storage.ID) ([]storage.Session, error) {
	var out []storage.Session
	err := s.view(ctx, "list sessions", func(tx *bbolt.Tx) error {
		sessions := tx.Bucket(bucketSessions)
		out = make([]storage.Session, 0)
		for _, e := range prefixed(tx.Bucket(bucketSessionsByUser), user) {
			sess, err := get[storage.Session](sessions, e.key[len(user):])
			if err != nil {
				return err
			}
			out = append(out, sess)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The index is ordered by key hash; the contract promises id order.
	slices.SortFunc(out, func(a, b storage.Session) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	return out, nil
}

func getSession(tx *bbolt.Tx, keyHash string) (storage.Session, error) {
	k := hashKey(keyHash)
	if k == nil {
		return storage.Session{}, storage.ErrNotFound
	}
	return get[storage.Session](tx.Bucket(bucketSessions), k)
}

// DeleteSession removes the session with the given key hash.
func (s *Store) DeleteSession(ctx context.Context, keyHash string) error {
	return s.update(ctx, "delete session", func(tx *bbolt.Tx) error {
		sess, err := getSession(tx, keyHash)
		if err != nil {
			return err
		}
		return deleteSession(tx, sess, hashKey(keyHash))
	})
}

// deleteSession removes sess, stored under k, and its index entries.
func deleteSession(tx *bbolt.Tx, sess storage.Session, k []byte) error {
	if err := tx.Bucket(bucketSessions).Delete(k); err != nil {
		return err
	}
	if err := tx.Bucket(bucketSessionsByExp).Delete(expiryKey(sess.Expires, k)); err != nil {
		return err
	}
	return tx.Bucket(bucketSessionsByUser).Delete(pair(sess.User, k))
}

// DeleteExpiredSessions removes the sessions that expired before now,
// reading only those, through sessions_by_expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.update(ctx, "delete expired sessions", func(tx *bbolt.Tx) error {
		n = 0
		var gone [][]byte
		c := tx.Bucket(bucketSessionsByExp).Cursor()
		for k, _ := c.First(); k != nil && int64(binary.BigEndian.Uint64(k[:8])) < now.UnixMilli(); k, _ = c.Next() {
			gone = append(gone, bytes.Clone(k[8:]))
		}
		for _, k := range gone {
			sess, err := get[storage.Session](tx.Bucket(bucketSessions), k)
			if err != nil {
				return fmt.Errorf("session %x of the expiry index: %w", k, err)
			}
			if err := deleteSession(tx, sess, k); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// DeleteUserSessions removes every session of user.
func (s *Store) DeleteUserSessions(ctx context.Context, user storage.ID) (int, error) {
	var n int
	err := s.update(ctx, "delete user sessions", func(tx *bbolt.Tx) (err error) {
		n, err = deleteSessionsOf(tx, user)
		return err
	})
	return n, err
}

// deleteSessionsOf removes every session of user and counts them.
func deleteSessionsOf(tx *bbolt.Tx, user storage.ID) (int, error) {
	entries := prefixed(tx.Bucket(bucketSessionsByUser), user)
	for _, e := range entries {
		k := e.key[len(user):]
		sess, err := get[storage.Session](tx.Bucket(bucketSessions), k)
		if err != nil {
			return 0, fmt.Errorf("session %x of user %s: %w", k, user.Hex(), err)
		}
		if err := deleteSession(tx, sess, k); err != nil {
			return 0, err
		}
	}
	return len(entries), nil
}

// CreateToken stores t and claims its hash.
func (s *Store) CreateToken(ctx context.Context, t storage.Token) error {
	return s.update(ctx, "create token", func(tx *bbolt.Tx) error { return insertToken(tx, t) })
}

// insertToken is CreateToken inside a transaction.
func insertToken(tx *bbolt.Tx, t storage.Token) error {
	if err := claim(tx.Bucket(bucketTokensByHash), hashKey(t.Hash), t.ID, "token hash"); err != nil {
		return err
	}
	if err := insert(tx.Bucket(bucketTokens), t.ID, t); err != nil {
		return err
	}
	return tx.Bucket(bucketTokensByUser).Put(pair(t.User, key(t.ID)), []byte{})
}

// TokenByHash finds a token by the hash of its value, compared exactly.
func (s *Store) TokenByHash(ctx context.Context, hash string) (storage.Token, error) {
	var t storage.Token
	err := s.view(ctx, "get token by hash", func(tx *bbolt.Tx) error {
		id, err := lookup(tx.Bucket(bucketTokensByHash), hashKey(hash))
		if err != nil {
			return err
		}
		t, err = get[storage.Token](tx.Bucket(bucketTokens), key(id))
		return err
	})
	return t, err
}

// Tokens lists a user's tokens in id order, which is the order of the
// tokens_by_user keys.
func (s *Store) Tokens(ctx context.Context, user storage.ID) ([]storage.Token, error) {
	var out []storage.Token
	err := s.view(ctx, "list tokens", func(tx *bbolt.Tx) error {
		tokens := tx.Bucket(bucketTokens)
		out = make([]storage.Token, 0)
		for _, e := range prefixed(tx.Bucket(bucketTokensByUser), user) {
			t, err := get[storage.Token](tokens, e.key[len(user):])
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TouchToken sets a token's LastUsed.
func (s *Store) TouchToken(ctx context.Context, id storage.ID, at time.Time) error {
	return s.update(ctx, "touch token", func(tx *bbolt.Tx) error {
		tokens := tx.Bucket(bucketTokens)
		t, err := get[storage.Token](tokens, key(id))
		if err != nil {
			return err
		}
		t.LastUsed = at
		return put(tokens, key(id), t)
	})
}

// DeleteToken removes a token and frees its hash.
func (s *Store) DeleteToken(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete token", func(tx *bbolt.Tx) error {
		t, err := get[storage.Token](tx.Bucket(bucketTokens), key(id))
		if err != nil {
			return err
		}
		return deleteToken(tx, t)
	})
}

func deleteToken(tx *bbolt.Tx, t storage.Token) error {
	if err := tx.Bucket(bucketTokens).Delete(key(t.ID)); err != nil {
		return err
	}
	if err := release(tx.Bucket(bucketTokensByHash), hashKey(t.Hash), t.ID); err != nil {
		return err
	}
	return tx.Bucket(bucketTokensByUser).Delete(pair(t.User, key(t.ID)))
}

// DeleteUserTokens removes every token of user.
func (s *Store) DeleteUserTokens(ctx context.Context, user storage.ID) (int, error) {
	var n int
	err := s.update(ctx, "delete user tokens", func(tx *bbolt.Tx) (err error) {
		n, err = deleteTokensOf(tx, user)
		return err
	})
	return n, err
}

// deleteTokensOf removes every token of user and counts them.
func deleteTokensOf(tx *bbolt.Tx, user storage.ID) (int, error) {
	tokens := tx.Bucket(bucketTokens)
	entries := prefixed(tx.Bucket(bucketTokensByUser), user)
	for _, e := range entries {
		t, err := get[storage.Token](tokens, e.key[len(user):])
		if err != nil {
			return 0, err
		}
		if err := deleteToken(tx, t); err != nil {
			return 0, err
		}
	}
	return len(entries), nil
}
