package mongo

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// The cluster's shared state lives in makechat_meta, beside the schema
// version: {_id: "flag:<name>", on} and {_id: "claim:<name>:<turn>",
// holder}.

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
