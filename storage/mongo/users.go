package mongo

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// CreateUser inserts u; the unique indexes on its username and email keys
// refuse a taken one.
func (s *Store) CreateUser(ctx context.Context, u storage.User) error {
	return s.do(ctx, "create user", func(ctx context.Context) error {
		_, err := s.users.InsertOne(ctx, newUserDoc(u))
		return err
	})
}

// User finds a user by id.
func (s *Store) User(ctx context.Context, id storage.ID) (storage.User, error) {
	var u storage.User
	err := s.do(ctx, "get user", func(ctx context.Context) error {
		d, err := findOne[userDoc](ctx, s.users, byID(id))
		u = d.model()
		return err
	})
	return u, err
}

// UserByName finds a user by its folded username key.
func (s *Store) UserByName(ctx context.Context, username string) (storage.User, error) {
	var u storage.User
	err := s.do(ctx, "get user by name", func(ctx context.Context) error {
		k, ok := lookupKey(username, true)
		if !ok {
			return storage.ErrNotFound
		}
		d, err := findOne[userDoc](ctx, s.users, bson.D{{Key: "username_key", Value: k}})
		u = d.model()
		return err
	})
	return u, err
}

// UserByEmail finds a user by its folded email key.
func (s *Store) UserByEmail(ctx context.Context, email string) (storage.User, error) {
	var u storage.User
	err := s.do(ctx, "get user by email", func(ctx context.Context) error {
		k, ok := lookupKey(email, true)
		if !ok {
			return storage.ErrNotFound
		}
		d, err := findOne[userDoc](ctx, s.users, bson.D{{Key: "email_key", Value: k}})
		u = d.model()
		return err
	})
	return u, err
}

// UsersByPrefix finds users through the username_key index: a range
// from the folded prefix to just past it.
func (s *Store) UsersByPrefix(ctx context.Context, prefix string, limit int) ([]storage.User, error) {
	var out []storage.User
	err := s.do(ctx, "list users by prefix", func(ctx context.Context) error {
		lo := "=" + strings.ToLower(storage.ValidUTF8(prefix))
		filter := bson.D{{Key: "username_key", Value: bson.D{{Key: "$gte", Value: lo}, {Key: "$lt", Value: lo + "\U0010FFFF"}}}}
		docs, err := findAll[userDoc](ctx, s.users, filter, options.Find().SetSort(bson.D{{Key: "username_key", Value: 1}}).SetLimit(int64(limit)))
		out = models(docs, userDoc.model)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Users lists a page of users in id order and the total count.
func (s *Store) Users(ctx context.Context, p storage.Page) ([]storage.User, int, error) {
	var (
		out   []storage.User
		total int64
	)
	err := s.do(ctx, "list users", func(ctx context.Context) (err error) {
		total, err = s.users.CountDocuments(ctx, bson.D{})
		if err != nil {
			return err
		}
		opts := options.Find().SetSort(sortByID).SetSkip(int64(max(p.Offset, 0)))
		if p.Limit > 0 {
			opts.SetLimit(int64(p.Limit))
		}
		docs, err := findAll[userDoc](ctx, s.users, bson.D{}, opts)
		out = models(docs, userDoc.model)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, int(total), nil
}

// UpdateUser applies p in one update of the user's document and returns
// the result. A new email that another user holds gives ErrDuplicate and
// changes nothing.
func (s *Store) UpdateUser(ctx context.Context, id storage.ID, p storage.UserPatch) (storage.User, error) {
	var u storage.User
	err := s.do(ctx, "update user", func(ctx context.Context) error {
		set := bson.D{}
		if p.Email != nil {
			set = append(set, bson.E{Key: "email", Value: storage.ValidUTF8(*p.Email)}, bson.E{Key: "email_key", Value: nameKey(*p.Email, id)})
		}
		if p.PasswordHash != nil {
			set = append(set, bson.E{Key: "password", Value: storage.ValidUTF8(*p.PasswordHash)})
		}
		if p.IsSuperuser != nil {
			set = append(set, bson.E{Key: "is_superuser", Value: *p.IsSuperuser})
		}
		if p.IsDisabled != nil {
			set = append(set, bson.E{Key: "is_disabled", Value: *p.IsDisabled})
		}
		if p.Avatar != nil {
			set = append(set, bson.E{Key: "avatar", Value: *p.Avatar})
		}
		if p.DisplayName != nil {
			set = append(set, bson.E{Key: "display_name", Value: storage.ValidUTF8(*p.DisplayName)})
		}
		if p.Status != nil {
			set = append(set, bson.E{Key: "status", Value: newStatusDoc(*p.Status)})
		}
		if p.HidePresence != nil {
			set = append(set, bson.E{Key: "hide_presence", Value: *p.HidePresence})
		}
		if p.LastSeen != nil {
			set = append(set, bson.E{Key: "last_seen", Value: *p.LastSeen})
		}
		d, err := updateOne[userDoc](ctx, s.users, byID(id), set)
		u = d.model()
		return err
	})
	return u, err
}

// DeleteUser removes a user with its sessions, tokens and memberships.
// Without transactions it goes in steps that each leave a valid state:
// a pending-deletion record first (so that Open finishes a deletion a
// crash interrupted), then the memberships, sessions and tokens, then the
// user itself, then those again (in case one was added meanwhile), and
// last the record.
func (s *Store) DeleteUser(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete user", func(ctx context.Context) error {
		found, err := exists(ctx, s.users, id)
		if err != nil {
			return err
		}
		if !found {
			return storage.ErrNotFound
		}
		return s.finishDelete(ctx, pendingDoc{ID: oid(id), Kind: pendingUser})
	})
}

// deleteUserCascade runs the steps of DeleteUser after the pending record
// is written. Every step is idempotent.
func (s *Store) deleteUserCascade(ctx context.Context, id storage.ID) error {
	dependents := func() error {
		if err := s.deleteMembershipsOf(ctx, id); err != nil {
			return err
		}
		if _, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "user", Value: oid(id)}}); err != nil {
			return err
		}
		if _, err := s.invites.DeleteMany(ctx, bson.D{{Key: "created_by", Value: oid(id)}}); err != nil {
			return err
		}
		if _, err := s.readStates.DeleteMany(ctx, bson.D{{Key: "user", Value: oid(id)}}); err != nil {
			return err
		}
		if _, err := s.push.DeleteMany(ctx, bson.D{{Key: "user", Value: oid(id)}}); err != nil {
			return err
		}
		_, err := s.tokens.DeleteMany(ctx, bson.D{{Key: "user", Value: oid(id)}})
		return err
	}
	if err := dependents(); err != nil {
		return err
	}
	if _, err := s.users.DeleteOne(ctx, byID(id)); err != nil {
		return err
	}
	return dependents()
}

// CountAdmins counts superusers that are not disabled.
func (s *Store) CountAdmins(ctx context.Context) (int, error) {
	var n int64
	err := s.do(ctx, "count admins", func(ctx context.Context) (err error) {
		n, err = s.users.CountDocuments(ctx, bson.D{{Key: "is_superuser", Value: true}, {Key: "is_disabled", Value: bson.D{{Key: "$ne", Value: true}}}})
		return err
	})
	return int(n), err
}

// updateOne applies $set to the document filter selects and returns it
// as updated, in one findAndModify; an empty set just reads it. No
// document gives ErrNotFound.
func updateOne[D any](ctx context.Context, c *mongo.Collection, filter bson.D, set bson.D) (D, error) {
	if len(set) == 0 {
		return findOne[D](ctx, c, filter)
	}
	var d D
	raw, err := c.FindOneAndUpdate(ctx, filter, bson.D{{Key: "$set", Value: set}}, options.FindOneAndUpdate().SetReturnDocument(options.After)).Raw()
	if err != nil {
		return d, noDocument(err)
	}
	return decode[D](c.Name(), raw)
}

// models converts documents to model values.
func models[D, T any](docs []D, model func(D) T) []T {
	out := make([]T, len(docs))
	for i, d := range docs {
		out[i] = model(d)
	}
	return out
}
