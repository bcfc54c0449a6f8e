package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// Threads (see storage/threads.go): a reply's document names its root in
// thread (and in_room when it is also shown in the conversation). A
// root's summary is not stored: every read of messages sums up the
// replies of the roots it returns with one aggregation over the index on
// (thread, _id), so that no update of the root can be lost (FerretDB's
// updates are not atomic) and a deleted reply is simply not counted.

// shownFilter narrows a conversation's messages to those q selects.
func shownFilter(q storage.MessageQuery) bson.D {
	switch {
	case !q.Thread.IsZero():
		return bson.D{{Key: "thread", Value: oid(q.Thread)}}
	case q.AllReplies:
		return bson.D{}
	}
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "thread", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "in_room", Value: true}},
	}}}
}

// checkRoot gives ErrNotFound unless m's root exists in m's conversation
// and is no reply itself.
func (s *Store) checkRoot(ctx context.Context, m storage.Message) error {
	d, err := findOne[messageDoc](ctx, s.messages, byID(m.Thread))
	if err == nil && (d.Conv != convKey(m.Conversation()) || !d.Thread.IsZero()) {
		err = storage.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("thread root %s: %w", m.Thread, err)
	}
	return nil
}

// replyCount is the aggregation's answer for one root.
type replyCount struct {
	Root  bson.ObjectID `bson:"_id"`
	Count int           `bson:"count"`
}

// summaryReplies is how many of a thread's newest replies are read to
// name its latest repliers.
const summaryReplies = 20

// attachThreads sets the Replies of the roots among ms: one aggregation
// counts the replies of them all, then one query per root that has any
// reads its newest few. (FerretDB 1.24 has only $sum and $count of the
// accumulators: $first, $max, $push or $topN would have named the
// repliers in the same aggregation.)
func (s *Store) attachThreads(ctx context.Context, ms []storage.Message) error {
	var roots []storage.ID
	at := map[storage.ID]int{}
	for i, m := range ms {
		ms[i].Replies = nil
		if !m.IsReply() {
			roots = append(roots, m.ID)
			at[m.ID] = i
		}
	}
	if len(roots) == 0 {
		return nil
	}
	pipeline := mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "thread", Value: bson.D{{Key: "$in", Value: oids(roots)}}}}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$thread"}, {Key: "count", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	}
	cur, err := s.messages.Aggregate(ctx, pipeline)
	if err != nil {
		return err
	}
	counts, err := decodeAll[replyCount](ctx, cur)
	if err != nil {
		return err
	}
	newest := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(summaryReplies).
		SetProjection(bson.D{{Key: "sender", Value: 1}, {Key: "created", Value: 1}})
	for _, c := range counts {
		i, ok := at[storage.ID(c.Root)]
		if !ok || c.Count == 0 {
			continue
		}
		docs, err := findAll[messageDoc](ctx, s.messages, bson.D{{Key: "thread", Value: c.Root}}, newest)
		if err != nil {
			return err
		}
		ms[i].Replies = storage.SummarizeReplies(c.Count, models(docs, messageDoc.model))
	}
	return nil
}

// decodeAll decodes every document of cur and closes it.
func decodeAll[D any](ctx context.Context, cur *mongo.Cursor) ([]D, error) {
	defer cur.Close(context.Background())
	var out []D
	for cur.Next(ctx) {
		d, err := decode[D](storage.CollMessages, cur.Current)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, cur.Err()
}

// deleteReplies deletes the replies of root, their files and reactions.
func (s *Store) deleteReplies(ctx context.Context, root storage.ID) error {
	docs, err := findAll[messageDoc](ctx, s.messages, bson.D{{Key: "thread", Value: oid(root)}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil || len(docs) == 0 {
		return err
	}
	ids := make([]storage.ID, len(docs))
	for i, d := range docs {
		ids[i] = storage.ID(d.ID)
	}
	in := bson.D{{Key: "$in", Value: oids(ids)}}
	if _, err := s.files.DeleteMany(ctx, bson.D{{Key: "message", Value: in}}); err != nil {
		return err
	}
	if _, err := s.messages.DeleteMany(ctx, bson.D{{Key: "_id", Value: in}}); err != nil {
		return err
	}
	_, err = s.reactions.DeleteMany(ctx, bson.D{{Key: "message", Value: in}})
	return err
}
