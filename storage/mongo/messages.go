package mongo

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// CreateMessage inserts m with its conversation key, search terms and
// client key (a ClientID the sender used before is refused by the
// unique index).
// A room message is inserted first and its room checked after: if the
// room is gone by then (a DeleteRoom ran meanwhile, whose cascade may
// have missed it), the message is removed again and the answer is
// ErrNotFound, so that no message outlives its room. A direct message
// needs both users to exist; it also records them as partners.
func (s *Store) CreateMessage(ctx context.Context, m storage.Message) error {
	return s.do(ctx, "create message", func(ctx context.Context) error {
		c := m.Conversation()
		if c.IsDirect() {
			for _, u := range []storage.ID{c.A, c.B} {
				if ok, err := exists(ctx, s.users, u); err != nil || !ok {
					return notFoundUnless(err, "user", u)
				}
			}
			if err := s.addPartners(ctx, c); err != nil {
				return err
			}
		}
		if err := s.attachFiles(ctx, &m); err != nil {
			return err
		}
		if m.IsReply() {
			if err := s.checkRoot(ctx, m); err != nil {
				return err
			}
		}
		d := newMessageDoc(m)
		if err := s.importReactions(ctx, m, d.Conv); err != nil {
			return err
		}
		if _, err := s.messages.InsertOne(ctx, d); err != nil {
			s.detachFiles(m.ID)
			return err
		}
		// After the write as well: a DeleteRoom or a DeleteMessage of
		// the root that ran meanwhile may have missed it.
		var err error
		if m.IsReply() {
			err = s.checkRoot(ctx, m)
		}
		if err == nil && !c.IsDirect() {
			err = s.requireRoom(ctx, m.Room)
		}
		if err != nil {
			ctx, cancel := cleanupContext()
			defer cancel()
			_, _ = s.messages.DeleteOne(ctx, byID(m.ID))
			_, _ = s.files.DeleteMany(ctx, bson.D{{Key: "message", Value: oid(m.ID)}})
		}
		return err
	})
}

// addPartners records the users of a direct conversation as partners,
// both ways; it is idempotent.
func (s *Store) addPartners(ctx context.Context, c storage.Conversation) error {
	for _, p := range [][2]storage.ID{{c.A, c.B}, {c.B, c.A}} {
		d := partnerDoc{ID: p[0].Hex() + p[1].Hex(), User: oid(p[0]), Partner: oid(p[1])}
		if _, err := s.partners.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, d, options.Replace().SetUpsert(true)); err != nil {
			return err
		}
	}
	return nil
}

// Message finds a message by id.
func (s *Store) Message(ctx context.Context, id storage.ID) (storage.Message, error) {
	var m storage.Message
	err := s.do(ctx, "get message", func(ctx context.Context) error {
		var err error
		m, err = s.messageWithReactions(ctx, id)
		return err
	})
	return m, err
}

// MessageByClientID finds the message sender posted with clientID,
// through the unique index on client_key.
func (s *Store) MessageByClientID(ctx context.Context, sender storage.ID, clientID string) (storage.Message, error) {
	var m storage.Message
	err := s.do(ctx, "get message by client id", func(ctx context.Context) error {
		if clientID == "" {
			return storage.ErrNotFound
		}
		key := clientKey(storage.Message{Sender: sender, ClientID: clientID})
		d, err := findOne[messageDoc](ctx, s.messages, bson.D{{Key: "client_key", Value: key}})
		if err != nil {
			return err
		}
		m, err = s.withReactions(ctx, d)
		return err
	})
	return m, err
}

// Messages returns a slice of one conversation's history, oldest first,
// through the index on (conv, _id): with neither Before nor After the
// newest Limit, with Before the Limit just before it, with After the
// Limit just after it (and before Before, if both are set).
func (s *Store) Messages(ctx context.Context, c storage.Conversation, q storage.MessageQuery) ([]storage.Message, error) {
	limit := storage.LimitOr(q.Limit)
	filter := append(bson.D{{Key: "conv", Value: convKey(c)}}, shownFilter(q)...)
	idRange := bson.D{}
	if !q.After.IsZero() {
		idRange = append(idRange, bson.E{Key: "$gt", Value: oid(q.After)})
	}
	if !q.Before.IsZero() {
		idRange = append(idRange, bson.E{Key: "$lt", Value: oid(q.Before)})
	}
	if len(idRange) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: idRange})
	}
	newestFirst := q.After.IsZero()
	order := 1
	if newestFirst {
		order = -1
	}
	var out []storage.Message
	err := s.do(ctx, "list messages", func(ctx context.Context) error {
		docs, err := findAll[messageDoc](ctx, s.messages, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: order}}).SetLimit(int64(limit)))
		if err != nil {
			return err
		}
		out = models(docs, messageDoc.model)
		return s.complete(ctx, out)
	})
	if err != nil {
		return nil, err
	}
	if newestFirst {
		slices.Reverse(out)
	}
	return out, nil
}

// CountMessagesAfter counts a conversation's messages newer than after,
// stopping at limit (limit <= 0 counts them all).
func (s *Store) CountMessagesAfter(ctx context.Context, c storage.Conversation, after storage.ID, limit int) (int, error) {
	var n int64
	err := s.do(ctx, "count messages", func(ctx context.Context) (err error) {
		filter := bson.D{{Key: "conv", Value: convKey(c)}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: oid(after)}}}}
		filter = append(filter, shownFilter(storage.MessageQuery{})...)
		opts := options.Count()
		if limit > 0 {
			opts.SetLimit(int64(limit))
		}
		n, err = s.messages.CountDocuments(ctx, filter, opts)
		return err
	})
	return int(n), err
}

// EditMessage replaces a message's text and terms and sets Edited, in one
// update.
func (s *Store) EditMessage(ctx context.Context, id storage.ID, text string, edited time.Time) (storage.Message, error) {
	var m storage.Message
	err := s.do(ctx, "edit message", func(ctx context.Context) error {
		text := storage.ValidUTF8(text)
		set := bson.D{{Key: "text", Value: text}, {Key: "terms", Value: terms(text)}, {Key: "edited", Value: edited}}
		d, err := updateOne[messageDoc](ctx, s.messages, byID(id), set)
		if err != nil {
			return err
		}
		m, err = s.withReactions(ctx, d)
		return err
	})
	return m, err
}

// SetPreview sets the preview, with onlyFirst only where there is none.
func (s *Store) SetPreview(ctx context.Context, id storage.ID, p storage.LinkPreview, onlyFirst bool) (m storage.Message, set bool, err error) {
	err = s.do(ctx, "set preview", func(ctx context.Context) error {
		filter := byID(id)
		if onlyFirst {
			filter = append(filter, bson.E{Key: "preview", Value: bson.D{{Key: "$exists", Value: false}}})
		}
		d, err := updateOne[messageDoc](ctx, s.messages, filter, bson.D{{Key: "preview", Value: newPreviewDoc(p)}})
		if errors.Is(err, storage.ErrNotFound) && onlyFirst {
			m, err = s.messageWithReactions(ctx, id)
			return err
		}
		if err != nil {
			return err
		}
		set = true
		m, err = s.withReactions(ctx, d)
		return err
	})
	return m, set, err
}

// DeleteMessage removes a message; its terms, reactions and replies go
// with it.
func (s *Store) DeleteMessage(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete message", func(ctx context.Context) error {
		// The files first: a crash between the two leaves a message to
		// delete again, never files that nothing would find.
		if _, err := s.files.DeleteMany(ctx, bson.D{{Key: "message", Value: oid(id)}}); err != nil {
			return err
		}
		res, err := s.messages.DeleteOne(ctx, byID(id))
		if err == nil && res.DeletedCount == 0 {
			return storage.ErrNotFound
		}
		if err != nil {
			return err
		}
		// Its reactions and replies after it: a reaction or reply that
		// lands after this finds no message and takes itself back.
		if _, err = s.reactions.DeleteMany(ctx, allReactionsOf(id)); err != nil {
			return err
		}
		return s.deleteReplies(ctx, id)
	})
}

// DirectPartners lists the users that user has exchanged direct messages
// with, from the direct_partners collection, which keeps a partner when
// the messages are deleted.
func (s *Store) DirectPartners(ctx context.Context, user storage.ID) ([]storage.ID, error) {
	var out []storage.ID
	err := s.do(ctx, "list direct partners", func(ctx context.Context) error {
		docs, err := findAll[partnerDoc](ctx, s.partners, bson.D{{Key: "user", Value: oid(user)}})
		out = make([]storage.ID, len(docs))
		for i, d := range docs {
			out[i] = storage.ID(d.Partner)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// LastMessageID is the greatest message id, from the _id index.
func (s *Store) LastMessageID(ctx context.Context) (storage.ID, error) {
	var id storage.ID
	err := s.do(ctx, "last message id", func(ctx context.Context) error {
		d, err := findOne[idDoc](ctx, s.messages, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}}).SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err == nil {
			id = storage.ID(d.ID)
		}
		return noneIsNil(err)
	})
	return id, err
}

// noneIsNil turns ErrNotFound into nil, for queries that may find nothing.
func noneIsNil(err error) error {
	if err == storage.ErrNotFound {
		return nil
	}
	return err
}
