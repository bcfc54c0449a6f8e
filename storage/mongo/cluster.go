package mongo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// The cluster's shared state lives in makechat_meta, beside the schema
// version: {_id: "flag:<name>", on}, {_id: "claim:<name>:<turn>",
// holder} and {_id: "kept:<name>", value}. Failed logins are in login_strikes, {key, at}; a strike
// removes those older than two hours, at most once a minute per store
// (FerretDB has no TTL indexes).

var _ storage.Shared = (*Store)(nil)

// Flag reads a named flag; one never set is off.
func (s *Store) Flag(ctx context.Context, name string) (bool, error) {
	var on bool
	err := s.do(ctx, "read flag", func(ctx context.Context) error {
		var d struct {
			On bool `bson:"on"`
		}
		err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: "flag:" + name}}).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return nil
		}
		on = d.On
		return err
	})
	return on, err
}

// SetFlag sets a named flag for every node.
func (s *Store) SetFlag(ctx context.Context, name string, on bool) error {
	return s.do(ctx, "set flag", func(ctx context.Context) error {
		_, err := s.meta.UpdateOne(ctx, bson.D{{Key: "_id", Value: "flag:" + name}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "on", Value: on}}}}, options.UpdateOne().SetUpsert(true))
		return err
	})
}

// Claim gives turn of name to holder unless it was claimed: the turn is
// a document of its own, and of several inserts of one _id only the
// first succeeds (an update's filter would not do: FerretDB's updates
// read, then write). The winner forgets the turn two before.
func (s *Store) Claim(ctx context.Context, name string, turn int64, holder string) (bool, error) {
	var won bool
	err := s.do(ctx, "claim", func(ctx context.Context) error {
		key := func(turn int64) string { return fmt.Sprintf("claim:%s:%d", name, turn) }
		_, err := s.meta.InsertOne(ctx, bson.D{{Key: "_id", Value: key(turn)}, {Key: "holder", Value: holder}})
		if mongo.IsDuplicateKeyError(err) {
			return nil
		}
		if err != nil {
			return err
		}
		won = true
		_, err = s.meta.DeleteOne(ctx, bson.D{{Key: "_id", Value: key(turn - 2)}})
		return err
	})
	return won, err
}

// Keep stores value under name unless one is stored there: an insert of
// {_id: "kept:<name>", value}, which fails for all but the first.
func (s *Store) Keep(ctx context.Context, name string, value []byte) ([]byte, error) {
	var kept []byte
	err := s.do(ctx, "keep", func(ctx context.Context) error {
		id := bson.D{{Key: "_id", Value: "kept:" + name}}
		_, err := s.meta.InsertOne(ctx, append(id, bson.E{Key: "value", Value: value}))
		if err == nil {
			kept = value
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return err
		}
		var d struct {
			Value []byte `bson:"value"`
		}
		err = s.meta.FindOne(ctx, id).Decode(&d)
		kept = d.Value
		return err
	})
	return kept, err
}

// strikesKept is how long a strike is kept: longer than the longest
// window counted (an hour).
const strikesKept = 2 * time.Hour

// Strike records a failure under key at a time.
func (s *Store) Strike(ctx context.Context, key string, at time.Time) error {
	return s.do(ctx, "strike", func(ctx context.Context) error {
		if _, err := s.strikes.InsertOne(ctx, bson.D{{Key: "key", Value: key}, {Key: "at", Value: at}}); err != nil {
			return err
		}
		if last := s.strikesPruned.Load(); last != 0 && at.Sub(time.Unix(0, last)) < time.Minute {
			return nil
		}
		s.strikesPruned.Store(at.UnixNano())
		_, err := s.strikes.DeleteMany(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: at.Add(-strikesKept)}}}})
		return err
	})
}

// Strikes returns key's failures at or after since, newest first.
func (s *Store) Strikes(ctx context.Context, key string, since time.Time, limit int) ([]time.Time, error) {
	var out []time.Time
	err := s.do(ctx, "read strikes", func(ctx context.Context) error {
		cur, err := s.strikes.Find(ctx, bson.D{{Key: "key", Value: key}, {Key: "at", Value: bson.D{{Key: "$gte", Value: since}}}},
			options.Find().SetSort(bson.D{{Key: "at", Value: -1}}).SetLimit(int64(limit)).SetProjection(bson.D{{Key: "at", Value: 1}}))
		if err != nil {
			return err
		}
		var docs []struct {
			At time.Time `bson:"at"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			return err
		}
		for _, d := range docs {
			out = append(out, d.At)
		}
		return nil
	})
	return out, err
}

// ClearStrikes forgets key's failures.
func (s *Store) ClearStrikes(ctx context.Context, key string) error {
	return s.do(ctx, "clear strikes", func(ctx context.Context) error {
		_, err := s.strikes.DeleteMany(ctx, bson.D{{Key: "key", Value: key}})
		return err
	})
}

// MessagesFrom returns up to limit messages with ids from from on, in id
// order, of every conversation (through the _id index).
func (s *Store) MessagesFrom(ctx context.Context, from storage.ID, limit int) ([]storage.Message, error) {
	var out []storage.Message
	err := s.do(ctx, "messages from", func(ctx context.Context) error {
		docs, err := findAll[messageDoc](ctx, s.messages, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: oid(from)}}}},
			options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(storage.LimitOr(limit))))
		if err != nil {
			return err
		}
		out = models(docs, messageDoc.model)
		return s.complete(ctx, out)
	})
	return out, err
}
