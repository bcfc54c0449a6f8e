package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// ReadStates are documents of read_states with the model's fields and
// key, "<user id>t<root id>" or "<user id>d<peer id>", unique. A change
// reads the document and replaces it only if it is still what was read
// (or inserts it, if there was none): of two changes at once, the second
// reads again and applies itself to the first's result. Within a process
// the changes of one read state also take turns (see keyLocks: FerretDB's
// conditional replace is not atomic).

// readStateDoc is a ReadState as read_states holds it.
type readStateDoc struct {
	ID         bson.ObjectID `bson:"_id"`
	User       bson.ObjectID `bson:"user"`
	Thread     bson.ObjectID `bson:"thread,omitempty"`
	Peer       bson.ObjectID `bson:"peer,omitempty"`
	LastRead   bson.ObjectID `bson:"last_read"`
	Following  bool          `bson:"following"`
	FollowSet  bool          `bson:"follow_set,omitempty"`
	Updated    time.Time     `bson:"updated"`
	Key        string        `bson:"key"`
	Notify     string        `bson:"notify,omitempty"`
	MutedUntil time.Time     `bson:"muted_until,omitempty"`
}

func newReadStateDoc(r storage.ReadState) readStateDoc {
	return readStateDoc{
		ID: oid(r.ID), User: oid(r.User), Thread: oid(r.Thread), Peer: oid(r.Peer),
		LastRead: oid(r.LastRead), Following: r.Following, FollowSet: r.FollowSet, Updated: r.Updated, Key: readKey(r.Key()),
		Notify: storage.ValidUTF8(r.Notify), MutedUntil: r.MutedUntil,
	}
}

func (d readStateDoc) model() storage.ReadState {
	return storage.ReadState{
		ID: storage.ID(d.ID), User: storage.ID(d.User), Thread: storage.ID(d.Thread), Peer: storage.ID(d.Peer),
		LastRead: storage.ID(d.LastRead), Following: d.Following, FollowSet: d.FollowSet, Updated: d.Updated,
		Notify: d.Notify, MutedUntil: d.MutedUntil,
	}
}

func readKey(k storage.ReadKey) string {
	if k.Thread.IsZero() {
		return k.User.Hex() + "d" + k.Peer.Hex()
	}
	return k.User.Hex() + "t" + k.Thread.Hex()
}

// readStateRounds bounds how often a change reads again after losing a
// race.
const readStateRounds = 10

// ChangeReadState applies c; see the top of this file.
func (s *Store) ChangeReadState(ctx context.Context, k storage.ReadKey, c storage.ReadChange) (out storage.ReadState, err error) {
	if err := storage.CheckReadKey(k); err != nil {
		return out, fmt.Errorf("read state %w", err)
	}
	err = s.do(ctx, "change read state", func(ctx context.Context) error {
		if ok, err := exists(ctx, s.users, k.User); err != nil || !ok {
			return notFoundUnless(err, "user", k.User)
		}
		defer s.reading.lock(readKey(k))()
		byKey := bson.D{{Key: "key", Value: readKey(k)}}
		for range readStateRounds {
			d, err := findOne[readStateDoc](ctx, s.readStates, byKey)
			switch {
			case errors.Is(err, storage.ErrNotFound):
				out = c.Apply(nil, k)
				_, err = s.readStates.InsertOne(ctx, newReadStateDoc(out))
				if duplicateKey(err) {
					continue
				}
				return err
			case err != nil:
				return err
			}
			was := d.model()
			out = c.Apply(&was, k)
			still := bson.D{{Key: "_id", Value: d.ID}, {Key: "last_read", Value: d.LastRead}, {Key: "following", Value: d.Following}, {Key: "updated", Value: d.Updated}}
			res, err := s.readStates.ReplaceOne(ctx, still, newReadStateDoc(out))
			if err != nil || res.MatchedCount == 1 {
				return err
			}
		}
		return fmt.Errorf("read state %s: changed by others %d times in a row", readKey(k), readStateRounds)
	})
	return out, err
}

// ReadStates lists a user's ReadStates.
func (s *Store) ReadStates(ctx context.Context, user storage.ID) ([]storage.ReadState, error) {
	var out []storage.ReadState
	err := s.do(ctx, "list read states", func(ctx context.Context) error {
		docs, err := findAll[readStateDoc](ctx, s.readStates, bson.D{{Key: "user", Value: oid(user)}})
		out = models(docs, readStateDoc.model)
		return err
	})
	return out, err
}

// CountReplies counts root's replies after after, through the index on
// (thread, _id).
func (s *Store) CountReplies(ctx context.Context, c storage.Conversation, root, after storage.ID, limit int) (int, error) {
	var n int64
	err := s.do(ctx, "count replies", func(ctx context.Context) (err error) {
		filter := bson.D{{Key: "thread", Value: oid(root)}, {Key: "conv", Value: convKey(c)}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: oid(after)}}}}
		opts := options.Count()
		if limit > 0 {
			opts.SetLimit(int64(limit))
		}
		n, err = s.messages.CountDocuments(ctx, filter, opts)
		return err
	})
	return int(n), err
}

// ThreadFollowers lists the users following root's thread, through the
// index on thread.
func (s *Store) ThreadFollowers(ctx context.Context, root storage.ID) ([]storage.ID, error) {
	out := []storage.ID{}
	err := s.do(ctx, "list thread followers", func(ctx context.Context) error {
		docs, err := findAll[readStateDoc](ctx, s.readStates, bson.D{{Key: "thread", Value: oid(root)}, {Key: "following", Value: true}})
		for _, d := range docs {
			out = append(out, storage.ID(d.User))
		}
		return err
	})
	return out, err
}
