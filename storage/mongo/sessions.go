package mongo

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// CreateSession inserts a session; its id and key hash are unique.
func (s *Store) CreateSession(ctx context.Context, sess storage.Session) error {
	return s.do(ctx, "create session", func(ctx context.Context) error {
		_, err := s.sessions.InsertOne(ctx, newSessionDoc(sess))
		return err
	})
}

// SessionByKey finds a session by the hash of its key.
func (s *Store) SessionByKey(ctx context.Context, keyHash string) (storage.Session, error) {
	var sess storage.Session
	err := s.do(ctx, "get session", func(ctx context.Context) error {
		if keyHash == "" {
			return storage.ErrNotFound
		}
		d, err := findOne[sessionDoc](ctx, s.sessions, bson.D{{Key: "key_hash", Value: storage.ValidUTF8(keyHash)}})
		sess = d.model()
		return err
	})
	return sess, err
}

// Sessions lists a user's sessions in id order.
func (s *Store) Sessions(ctx context.Context, user storage.ID) ([]storage.Session, error) {
	var out []storage.Session
	err := s.do(ctx, "list sessions", func(ctx context.Context) error {
		docs, err := findAll[sessionDoc](ctx, s.sessions, bson.D{{Key: "user", Value: oid(user)}}, options.Find().SetSort(sortByID))
		out = models(docs, sessionDoc.model)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSession removes the session with the given key hash.
func (s *Store) DeleteSession(ctx context.Context, keyHash string) error {
	return s.do(ctx, "delete session", func(ctx context.Context) error {
		if keyHash == "" {
			return storage.ErrNotFound
		}
		res, err := s.sessions.DeleteOne(ctx, bson.D{{Key: "key_hash", Value: storage.ValidUTF8(keyHash)}})
		if err == nil && res.DeletedCount == 0 {
			return storage.ErrNotFound
		}
		return err
	})
}

// DeleteUserSessions removes every session of user.
func (s *Store) DeleteUserSessions(ctx context.Context, user storage.ID) (int, error) {
	return s.deleteSessions(ctx, "delete user sessions", bson.D{{Key: "user", Value: oid(user)}})
}

// DeleteExpiredSessions removes the sessions that expired before now,
// through the index on expires.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	return s.deleteSessions(ctx, "delete expired sessions", bson.D{{Key: "expires", Value: bson.D{{Key: "$lt", Value: now}}}})
}

func (s *Store) deleteSessions(ctx context.Context, op string, filter bson.D) (int, error) {
	var n int64
	err := s.do(ctx, op, func(ctx context.Context) error {
		res, err := s.sessions.DeleteMany(ctx, filter)
		if err == nil {
			n = res.DeletedCount
		}
		return err
	})
	return int(n), err
}

// CreateToken inserts t; its hash key is unique.
func (s *Store) CreateToken(ctx context.Context, t storage.Token) error {
	return s.do(ctx, "create token", func(ctx context.Context) error {
		_, err := s.tokens.InsertOne(ctx, newTokenDoc(t))
		return err
	})
}

// TokenByHash finds a token by the hash of its value, compared exactly.
func (s *Store) TokenByHash(ctx context.Context, hash string) (storage.Token, error) {
	var t storage.Token
	err := s.do(ctx, "get token by hash", func(ctx context.Context) error {
		k, ok := lookupKey(hash, false)
		if !ok {
			return storage.ErrNotFound
		}
		d, err := findOne[tokenDoc](ctx, s.tokens, bson.D{{Key: "hash_key", Value: k}})
		t = d.model()
		return err
	})
	return t, err
}

// Tokens lists a user's tokens in id order.
func (s *Store) Tokens(ctx context.Context, user storage.ID) ([]storage.Token, error) {
	var out []storage.Token
	err := s.do(ctx, "list tokens", func(ctx context.Context) error {
		docs, err := findAll[tokenDoc](ctx, s.tokens, bson.D{{Key: "user", Value: oid(user)}}, options.Find().SetSort(sortByID))
		out = models(docs, tokenDoc.model)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TouchToken sets a token's LastUsed.
func (s *Store) TouchToken(ctx context.Context, id storage.ID, at time.Time) error {
	return s.do(ctx, "touch token", func(ctx context.Context) error {
		res, err := s.tokens.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "last_used", Value: at}}}})
		if err == nil && res.MatchedCount == 0 {
			return storage.ErrNotFound
		}
		return err
	})
}

// DeleteUserTokens removes every token of user.
func (s *Store) DeleteUserTokens(ctx context.Context, user storage.ID) (int, error) {
	var n int64
	err := s.do(ctx, "delete user tokens", func(ctx context.Context) error {
		res, err := s.tokens.DeleteMany(ctx, bson.D{{Key: "user", Value: oid(user)}})
		if err == nil {
			n = res.DeletedCount
		}
		return err
	})
	return int(n), err
}

// DeleteToken removes a token.
func (s *Store) DeleteToken(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete token", func(ctx context.Context) error {
		res, err := s.tokens.DeleteOne(ctx, byID(id))
		if err == nil && res.DeletedCount == 0 {
			return storage.ErrNotFound
		}
		return err
	})
}
