package mongo

import (
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// SearchMessages finds the messages whose terms hold every one of q.Terms
// in one of q.Conversations, newest first, through the multikey index on
// (terms, _id): the server walks the postings of one term, newest first,
// and checks the others in the documents it reaches.
func (s *Store) SearchMessages(ctx context.Context, q storage.SearchQuery) ([]storage.Message, error) {
	limit := storage.LimitOr(q.Limit)
	var out []storage.Message
	err := s.do(ctx, "search messages", func(ctx context.Context) error {
		out = []storage.Message{}
		if len(q.Terms) == 0 || len(q.Conversations) == 0 {
			return nil
		}
		words := bson.A{}
		for _, t := range slices.Compact(slices.Sorted(slices.Values(q.Terms))) {
			words = append(words, t)
		}
		convs := bson.A{}
		for _, c := range q.Conversations {
			convs = append(convs, convKey(c))
		}
		filter := bson.D{
			{Key: "terms", Value: bson.D{{Key: "$all", Value: words}}},
			{Key: "conv", Value: bson.D{{Key: "$in", Value: convs}}},
		}
		if !q.Before.IsZero() {
			filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: oid(q.Before)}}})
		}
		docs, err := findAll[messageDoc](ctx, s.messages, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)))
		if err != nil {
			return err
		}
		out = models(docs, messageDoc.model)
		return s.attachReactions(ctx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
