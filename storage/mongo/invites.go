package mongo

import (
	"context"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// CreateInvite inserts in; its secret key is unique.
func (s *Store) CreateInvite(ctx context.Context, in storage.Invite) error {
	return s.do(ctx, "create invite", func(ctx context.Context) error {
		return s.insertInvite(ctx, in)
	})
}

// insertInvite inserts in and a use document for each of its uses (an
// imported invite may have some).
func (s *Store) insertInvite(ctx context.Context, in storage.Invite) error {
	if _, err := s.invites.InsertOne(ctx, newInviteDoc(in)); err != nil {
		return err
	}
	for n := 1; n <= in.Uses; n++ {
		if _, err := s.inviteUses.InsertOne(ctx, bson.D{{Key: "_id", Value: useKey(in.ID, n)}}); err != nil && !duplicateKey(err) {
			return err
		}
	}
	return nil
}

// counted is d as a model, its Uses counted from its use documents,
// which, unlike a counter field, no race can get wrong.
func (s *Store) counted(ctx context.Context, d inviteDoc) (storage.Invite, error) {
	in := d.model()
	n, err := s.inviteUses.CountDocuments(ctx, usesOf(in.ID))
	in.Uses = int(n)
	return in, err
}

// Invite finds an invite by id.
func (s *Store) Invite(ctx context.Context, id storage.ID) (storage.Invite, error) {
	return s.oneInvite(ctx, "get invite", byID(id))
}

// InviteBySecret finds an invite by the hash of its secret.
func (s *Store) InviteBySecret(ctx context.Context, secretHash string) (storage.Invite, error) {
	k, ok := lookupKey(secretHash, false)
	if !ok {
		k = "" // no key is empty: finds nothing
	}
	return s.oneInvite(ctx, "get invite by secret", bson.D{{Key: "secret_key", Value: k}})
}

func (s *Store) oneInvite(ctx context.Context, op string, filter bson.D) (storage.Invite, error) {
	var in storage.Invite
	err := s.do(ctx, op, func(ctx context.Context) error {
		d, err := findOne[inviteDoc](ctx, s.invites, filter)
		if err != nil {
			return err
		}
		in, err = s.counted(ctx, d)
		return err
	})
	return in, err
}

// Invites lists the invites createdBy made (all of them for NilID), in
// id order.
func (s *Store) Invites(ctx context.Context, createdBy storage.ID) ([]storage.Invite, error) {
	var out []storage.Invite
	err := s.do(ctx, "list invites", func(ctx context.Context) error {
		filter := bson.D{}
		if !createdBy.IsZero() {
			filter = bson.D{{Key: "created_by", Value: oid(createdBy)}}
		}
		docs, err := findAll[inviteDoc](ctx, s.invites, filter, options.Find().SetSort(sortByID))
		if err != nil {
			return err
		}
		out = make([]storage.Invite, 0, len(docs))
		for _, d := range docs {
			in, err := s.counted(ctx, d)
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

// DeleteInvite removes an invite, and then the record of its uses.
func (s *Store) DeleteInvite(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete invite", func(ctx context.Context) error {
		res, err := s.invites.DeleteOne(ctx, byID(id))
		if err == nil && res.DeletedCount == 0 {
			return storage.ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = s.inviteUses.DeleteMany(ctx, usesOf(id))
		return err
	})
}

// usesOf selects the use documents of one invite: their _id starts with
// its id (a range, which every server can use the _id index for).
func usesOf(id storage.ID) bson.D {
	return bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: id.Hex() + ":"}, {Key: "$lt", Value: id.Hex() + ";"}}}}
}

// UseInvite counts one use of a usable invite. Uses are numbered
// documents of invite_uses ("<id>:1", "<id>:2", ...), whose unique _id
// lets only one claimant have each number: no more than MaxUses are ever
// given out, even by a server (such as FerretDB) whose single-document
// updates are not atomic, and the count read back is always right.
func (s *Store) UseInvite(ctx context.Context, id storage.ID, now time.Time) (storage.Invite, error) {
	var in storage.Invite
	err := s.do(ctx, "use invite", func(ctx context.Context) error {
		d, err := findOne[inviteDoc](ctx, s.invites, byID(id))
		if err != nil {
			return err
		}
		if in, err = s.counted(ctx, d); err != nil {
			return err
		}
		for n := in.Uses + 1; ; n++ {
			in.Uses = n - 1
			if !in.Usable(now) {
				return storage.ErrNotFound
			}
			_, err := s.inviteUses.InsertOne(ctx, bson.D{{Key: "_id", Value: useKey(id, n)}})
			if duplicateKey(err) {
				continue
			}
			if err != nil {
				return err
			}
			in.Uses = n
			return nil
		}
	})
	if err != nil {
		return storage.Invite{}, err
	}
	return in, nil
}

// useKey is the _id of a limited invite's n-th use.
func useKey(id storage.ID, n int) string { return id.Hex() + ":" + strconv.Itoa(n) }

// ReturnInvite gives back one use: the highest numbered.
func (s *Store) ReturnInvite(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "return invite", func(ctx context.Context) error {
		d, err := findOne[inviteDoc](ctx, s.invites, byID(id))
		if err != nil {
			return err
		}
		in, err := s.counted(ctx, d)
		if err != nil || in.Uses == 0 {
			return err
		}
		_, err = s.inviteUses.DeleteOne(ctx, bson.D{{Key: "_id", Value: useKey(id, in.Uses)}})
		return err
	})
}
