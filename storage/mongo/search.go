package mongo

import (
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// searchBatch is how many documents one round trip of a filtered search
// brings: their ids, senders and file lists only.
const searchBatch = 500

// SearchMessages finds the messages of q.Conversations that q selects,
// newest first, examining at most q.Scan of them (see storage.SearchQuery).
//
// The terms and id bounds are a query: with terms, the server walks the
// multikey index on (terms, _id) from the newest end and checks the other
// terms and the conversation in the documents it reaches; without terms,
// it merges the ranges of the index on (conv, _id). Sender and HasFile
// are checked here, with storage.SearchQuery.Admits as the embedded store
// does, on at most Scan documents read newest first with only the fields
// they need; the messages found are then read whole, by id. So both
// stores examine the same messages and stop at the same one.
func (s *Store) SearchMessages(ctx context.Context, q storage.SearchQuery) (storage.SearchResult, error) {
	limit, scan := storage.LimitOr(q.Limit), storage.ScanOr(q.Scan)
	var res storage.SearchResult
	err := s.do(ctx, "search messages", func(ctx context.Context) error {
		res = storage.SearchResult{Messages: []storage.Message{}}
		if len(q.Conversations) == 0 {
			return nil
		}
		filter := searchFilter(q)
		newestFirst := bson.D{{Key: "_id", Value: -1}}
		if !q.Filters() {
			// Every message examined is found: one query reads them.
			n := min(limit, scan)
			docs, err := findAll[messageDoc](ctx, s.messages, filter, options.Find().SetSort(newestFirst).SetLimit(int64(n)))
			if err != nil {
				return err
			}
			if len(docs) == n {
				res.Next = storage.ID(docs[n-1].ID)
			}
			res.Messages = models(docs, messageDoc.model)
			return s.complete(ctx, res.Messages)
		}
		found, next, err := s.examine(ctx, q, filter, limit, scan)
		if err != nil || len(found) == 0 {
			res.Next = next
			return err
		}
		byID := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: found}}}}
		docs, err := findAll[messageDoc](ctx, s.messages, byID, options.Find().SetSort(newestFirst))
		if err != nil {
			return err
		}
		res.Messages, res.Next = models(docs, messageDoc.model), next
		return s.complete(ctx, res.Messages)
	})
	if err != nil {
		return storage.SearchResult{}, err
	}
	return res, nil
}

// searchFilter selects the messages a search examines: in q's
// conversations, holding its terms, between its id bounds.
func searchFilter(q storage.SearchQuery) bson.D {
	convs := bson.A{}
	for _, c := range q.Conversations {
		convs = append(convs, convKey(c))
	}
	filter := bson.D{{Key: "conv", Value: bson.D{{Key: "$in", Value: convs}}}}
	if len(q.Terms) > 0 {
		words := bson.A{}
		for _, t := range slices.Compact(slices.Sorted(slices.Values(q.Terms))) {
			words = append(words, t)
		}
		filter = append(bson.D{{Key: "terms", Value: bson.D{{Key: "$all", Value: words}}}}, filter...)
	}
	ids := bson.D{}
	if !q.Before.IsZero() {
		ids = append(ids, bson.E{Key: "$lt", Value: oid(q.Before)})
	}
	if !q.Since.IsZero() {
		ids = append(ids, bson.E{Key: "$gte", Value: oid(q.Since)})
	}
	if len(ids) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: ids})
	}
	return filter
}

// examine reads, newest first, at most scan of the messages filter
// selects, with only their sender and files, and returns the ids of
// those q admits (at most limit) and where the search stopped (see
// storage.SearchResult.Next).
func (s *Store) examine(ctx context.Context, q storage.SearchQuery, filter bson.D, limit, scan int) (bson.A, storage.ID, error) {
	opts := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(scan)).
		SetBatchSize(int32(min(scan, searchBatch))).
		SetProjection(bson.D{{Key: "sender", Value: 1}, {Key: "files", Value: 1}})
	cur, err := s.messages.Find(ctx, filter, opts)
	if err != nil {
		return nil, storage.NilID, err
	}
	defer cur.Close(ctx)
	found := bson.A{}
	for examined := 1; cur.Next(ctx); examined++ {
		var d struct {
			ID     bson.ObjectID `bson:"_id"`
			Sender bson.ObjectID `bson:"sender"`
			Files  []bson.Raw    `bson:"files"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, storage.NilID, err
		}
		if q.Admits(storage.ID(d.Sender), len(d.Files) > 0) {
			found = append(found, d.ID)
		}
		if len(found) == limit || examined == scan {
			return found, storage.ID(d.ID), nil
		}
	}
	return found, storage.NilID, cur.Err()
}
