package mongo

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// Reactions live apart from their messages, one document each in
// message_reactions, whose _id ("<message id>/<user id>/<emoji>") makes a
// second of the same user and emoji a duplicate. Adding one is then one
// insert and removing one is one delete: each atomic on every server,
// FerretDB included (whose updates read a document and write it back
// whole, so a guarded $push into the message would lose concurrent adds).
// Every read of messages attaches their reactions with one more query,
// in the order (at, seq) they were made.
//
// The limits are checked after the insert, against every reaction then
// stored: a reaction that would pass one is deleted again. Two made at
// the same moment at a limit may then refuse each other; the later one
// in order (see storage.WithReaction) tries again after a short pause, so
// one of them gets in and no limit is ever passed.

// reactionDoc is one user's reaction with one emoji on one message. Conv
// is the message's conversation, for deleting a room's. Seq orders the
// reactions made in one millisecond (at is stored to the millisecond).
type reactionDoc struct {
	ID       string        `bson:"_id"`
	Message  bson.ObjectID `bson:"message"`
	Conv     string        `bson:"conv"`
	Emoji    string        `bson:"emoji"`
	User     bson.ObjectID `bson:"user"`
	Username string        `bson:"username"`
	At       time.Time     `bson:"at"`
	Seq      bson.ObjectID `bson:"seq"`
}

func newReactionDoc(msg storage.ID, conv string, r storage.Reaction) reactionDoc {
	emoji := storage.ValidUTF8(r.Emoji)
	return reactionDoc{
		ID: reactionKey(msg, r.User, emoji), Message: oid(msg), Conv: conv, Emoji: emoji,
		User: oid(r.User), Username: storage.ValidUTF8(r.Username), At: r.At, Seq: bson.NewObjectID(),
	}
}

func (d reactionDoc) model() storage.Reaction {
	return storage.Reaction{Emoji: d.Emoji, User: storage.ID(d.User), Username: d.Username, At: d.At}
}

func reactionKey(msg, user storage.ID, emoji string) string {
	return msg.Hex() + "/" + user.Hex() + "/" + emoji
}

// reactionOrder sorts reactions by message, then as they were made.
var reactionOrder = bson.D{{Key: "message", Value: 1}, {Key: "at", Value: 1}, {Key: "seq", Value: 1}}

// allReactionsOf selects every reaction of a message.
func allReactionsOf(msg storage.ID) bson.D { return bson.D{{Key: "message", Value: oid(msg)}} }

// reactionRounds is how many times AddReaction tries when reactions made
// at the same moment refuse each other at a limit.
const reactionRounds = 5

// AddReaction inserts r; see the top of this file.
func (s *Store) AddReaction(ctx context.Context, id storage.ID, r storage.Reaction) (m storage.Message, added bool, err error) {
	err = s.do(ctx, "add reaction", func(ctx context.Context) error {
		d, err := findOne[messageDoc](ctx, s.messages, byID(id))
		if err != nil {
			return err
		}
		// Made once: the same place in order in every round.
		rd := newReactionDoc(id, d.Conv, r)
		for round := 1; ; round++ {
			if _, err := s.reactions.InsertOne(ctx, rd); duplicateKey(err) {
				m, err = s.messageWithReactions(ctx, id)
				return err
			} else if err != nil {
				return err
			}
			m, err = s.messageWithReactions(ctx, id)
			contended := false
			if err == nil {
				mine := func(x storage.Reaction) bool { return x.User == r.User && x.Emoji == rd.Emoji }
				i := slices.IndexFunc(m.Reactions, mine)
				others := slices.DeleteFunc(slices.Clone(m.Reactions), mine)
				if _, _, err = storage.WithReaction(others, r); err != nil {
					// Refused by reactions made after it: they were
					// racing, and it may fit once they have settled.
					_, _, early := storage.WithReaction(others[:max(i, 0)], r)
					contended = early == nil && round < reactionRounds
					m.Reactions = others
				}
			}
			if err == nil {
				added = true
				return nil
			}
			// Over a limit, or the message deleted meanwhile: take it back.
			if _, derr := s.reactions.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: rd.ID}}); derr != nil {
				return errors.Join(err, derr)
			}
			if !contended {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(rand.IntN(20*round)+1) * time.Millisecond):
			}
		}
	})
	return m, added, err
}

// RemoveReaction deletes user's reaction with emoji.
func (s *Store) RemoveReaction(ctx context.Context, id storage.ID, emoji string, user storage.ID) (m storage.Message, removed bool, err error) {
	err = s.do(ctx, "remove reaction", func(ctx context.Context) error {
		res, err := s.reactions.DeleteOne(ctx, bson.D{{Key: "_id", Value: reactionKey(id, user, storage.ValidUTF8(emoji))}})
		if err != nil {
			return err
		}
		removed = res.DeletedCount > 0
		m, err = s.messageWithReactions(ctx, id)
		return err
	})
	return m, removed, err
}

// messageWithReactions reads a message and its reactions.
func (s *Store) messageWithReactions(ctx context.Context, id storage.ID) (storage.Message, error) {
	d, err := findOne[messageDoc](ctx, s.messages, byID(id))
	if err != nil {
		return storage.Message{}, err
	}
	return s.withReactions(ctx, d)
}

// withReactions is d's message with its reactions and replies.
func (s *Store) withReactions(ctx context.Context, d messageDoc) (storage.Message, error) {
	ms := []storage.Message{d.model()}
	err := s.complete(ctx, ms)
	return ms[0], err
}

// complete adds to ms what is kept apart from their documents: their
// reactions and, for roots, the summary of their replies.
func (s *Store) complete(ctx context.Context, ms []storage.Message) error {
	if err := s.attachReactions(ctx, ms); err != nil {
		return err
	}
	return s.attachThreads(ctx, ms)
}

// attachReactions sets the Reactions of ms with one query.
func (s *Store) attachReactions(ctx context.Context, ms []storage.Message) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]storage.ID, len(ms))
	at := make(map[storage.ID]int, len(ms))
	for i, m := range ms {
		ids[i], at[m.ID] = m.ID, i
		ms[i].Reactions = nil
	}
	filter := bson.D{{Key: "message", Value: bson.D{{Key: "$in", Value: oids(ids)}}}}
	docs, err := findAll[reactionDoc](ctx, s.reactions, filter, options.Find().SetSort(reactionOrder))
	for _, d := range docs {
		if i, ok := at[storage.ID(d.Message)]; ok {
			ms[i].Reactions = append(ms[i].Reactions, d.model())
		}
	}
	return err
}

// importReactions stores the reactions a message carries as it is
// created or restored.
func (s *Store) importReactions(ctx context.Context, m storage.Message, conv string) error {
	if len(m.Reactions) == 0 {
		return nil
	}
	docs := make([]any, len(m.Reactions))
	for i, r := range m.Reactions {
		docs[i] = newReactionDoc(m.ID, conv, r)
	}
	_, err := s.reactions.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	return err
}

// reactionWalk reads every reaction in message order alongside Export's
// walk through the messages in id order, so that an export reads each
// reaction once, whatever the number of messages.
type reactionWalk struct {
	cur  *mongo.Cursor
	next *reactionDoc
}

func (s *Store) walkReactions(ctx context.Context) (*reactionWalk, error) {
	cur, err := s.reactions.Find(ctx, bson.D{}, options.Find().SetSort(reactionOrder))
	if err != nil {
		return nil, err
	}
	return &reactionWalk{cur: cur}, nil
}

// of returns the reactions of msg, skipping those of messages before it
// (which Export left out or which are gone). Calls go in id order.
func (w *reactionWalk) of(ctx context.Context, msg bson.ObjectID) ([]storage.Reaction, error) {
	var out []storage.Reaction
	for {
		if w.next == nil {
			if !w.cur.Next(ctx) {
				return out, w.cur.Err()
			}
			d, err := decode[reactionDoc](collReactions, w.cur.Current)
			if err != nil {
				return nil, err
			}
			w.next = &d
		}
		switch c := bytes.Compare(w.next.Message[:], msg[:]); {
		case c > 0:
			return out, nil
		case c == 0:
			out = append(out, w.next.model())
		}
		w.next = nil
	}
}

func (w *reactionWalk) close() { w.cur.Close(context.Background()) }
