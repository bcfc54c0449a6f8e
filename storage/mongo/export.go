package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// Export calls fn with every object, collection by collection in the
// order of storage.Collections, each collection in id order.
//
// On a replica set or a sharded cluster every read happens in one
// snapshot session, so the export is one moment. A standalone server (and
// FerretDB) has no snapshots: the collections are then read one after the
// other, and Export makes the result consistent by references instead:
// sessions and tokens of users it did not export, and members, room
// messages and hooks of rooms it did not export, are left out, and each
// room's Members is reconciled with the members exported (so a room and
// its members always agree). A write that lands during the export may
// then be in it or not, collection by collection. In both cases writes go
// on while Export runs.
func (s *Store) Export(ctx context.Context, fn func(storage.Record) error) error {
	return s.do(ctx, "export", func(ctx context.Context) error {
		if s.snapshot {
			sess, err := s.client.StartSession(options.Session().SetSnapshot(true))
			if err != nil {
				return err
			}
			defer sess.EndSession(context.Background())
			ctx = mongo.NewSessionContext(ctx, sess)
		}
		return s.export(ctx, fn)
	})
}

func (s *Store) export(ctx context.Context, fn func(storage.Record) error) error {
	users := map[bson.ObjectID]bool{}
	err := each(ctx, s.users, bson.D{}, func(d userDoc) error {
		users[d.ID] = true
		return fn(storage.Record{Collection: storage.CollUsers, Value: d.model()})
	})
	if err != nil {
		return err
	}
	err = each(ctx, s.sessions, bson.D{}, func(d sessionDoc) error {
		if !users[d.User] {
			return nil
		}
		return fn(storage.Record{Collection: storage.CollSessions, Value: d.model()})
	})
	if err != nil {
		return err
	}
	err = each(ctx, s.tokens, bson.D{}, func(d tokenDoc) error {
		if !users[d.User] {
			return nil
		}
		return fn(storage.Record{Collection: storage.CollTokens, Value: d.model()})
	})
	if err != nil {
		return err
	}
	rooms, err := findAll[roomDoc](ctx, s.rooms, bson.D{}, options.Find().SetSort(sortByID))
	if err != nil {
		return err
	}
	exported := make(map[bson.ObjectID]bool, len(rooms))
	for _, r := range rooms {
		exported[r.ID] = true
	}
	var members []storage.Member
	byRoom := map[storage.ID][]storage.ID{}
	err = each(ctx, s.members, bson.D{}, func(d memberDoc) error {
		// A member of a user who registered after the users were read
		// is left out with its user.
		if exported[d.Room] && users[d.Profile] {
			m := d.model()
			members = append(members, m)
			byRoom[m.Room] = append(byRoom[m.Room], m.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range rooms {
		room := reconcile(r.model(), byRoom[storage.ID(r.ID)])
		if err := fn(storage.Record{Collection: storage.CollRooms, Value: room}); err != nil {
			return err
		}
	}
	for _, m := range members {
		if err := fn(storage.Record{Collection: storage.CollMembers, Value: m}); err != nil {
			return err
		}
	}
	reactions, err := s.walkReactions(ctx)
	if err != nil {
		return err
	}
	defer reactions.close()
	err = each(ctx, s.messages, bson.D{}, func(d messageDoc) error {
		if !d.Room.IsZero() && !exported[d.Room] {
			return nil
		}
		m := d.model()
		var err error
		if m.Reactions, err = reactions.of(ctx, d.ID); err != nil {
			return err
		}
		return fn(storage.Record{Collection: storage.CollMessages, Value: m})
	})
	if err != nil {
		return err
	}
	err = each(ctx, s.hooks, bson.D{}, func(d hookDoc) error {
		if !exported[d.Room] {
			return nil
		}
		return fn(storage.Record{Collection: storage.CollHooks, Value: d.model()})
	})
	if err != nil {
		return err
	}
	err = each(ctx, s.invites, bson.D{}, func(d inviteDoc) error {
		// An invite of a user deleted meanwhile goes with its maker.
		if !users[d.CreatedBy] {
			return nil
		}
		in, err := s.counted(ctx, d)
		if err != nil {
			return err
		}
		return fn(storage.Record{Collection: storage.CollInvites, Value: in})
	})
	if err != nil {
		return err
	}
	err = each(ctx, s.commands, bson.D{}, func(d commandDoc) error {
		return fn(storage.Record{Collection: storage.CollCommands, Value: d.model()})
	})
	if err != nil {
		return err
	}
	err = each(ctx, s.files, bson.D{}, func(d fileDoc) error {
		// The files of a room deleted meanwhile went with it.
		if !d.Room.IsZero() && !exported[d.Room] {
			return nil
		}
		return fn(storage.Record{Collection: storage.CollFiles, Value: d.model()})
	})
	if err != nil {
		return err
	}
	err = each(ctx, s.readStates, bson.D{}, func(d readStateDoc) error {
		if !users[d.User] {
			return nil
		}
		return fn(storage.Record{Collection: storage.CollReadStates, Value: d.model()})
	})
	if err != nil {
		return err
	}
	return each(ctx, s.push, bson.D{}, func(d pushDoc) error {
		if !users[d.User] {
			return nil
		}
		return fn(storage.Record{Collection: storage.CollPushSubscriptions, Value: d.model()})
	})
}

// each decodes the documents filter selects in id order and calls fn
// with each, stopping at its first error.
func each[D any](ctx context.Context, c *mongo.Collection, filter any, fn func(D) error) error {
	cur, err := c.Find(ctx, filter, options.Find().SetSort(sortByID))
	if err != nil {
		return err
	}
	defer cur.Close(context.Background())
	for cur.Next(ctx) {
		d, err := decode[D](c.Name(), cur.Current)
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return cur.Err()
}

// importBatch is how many documents Import sends in one insert.
const importBatch = 1000

// Import inserts recs, in batches of consecutive records of one
// collection, with their derived fields (keys, conversation, terms,
// direct partners) and without the reference checks of the Create
// methods. Rooms keep their Members lists as given.
func (s *Store) Import(ctx context.Context, recs []storage.Record) error {
	return s.do(ctx, "import", func(ctx context.Context) error {
		var (
			batch []any
			coll  *mongo.Collection
			roots = map[storage.ID]bool{}
		)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			_, err := coll.InsertMany(ctx, batch, options.InsertMany().SetOrdered(true))
			batch = batch[:0]
			if err != nil {
				return fmt.Errorf("%s: %w", coll.Name(), err)
			}
			return nil
		}
		for _, r := range recs {
			if m, ok := r.Value.(storage.Message); ok {
				r.Value = s.orphanReply(ctx, m, roots)
			}
			c, doc, err := s.importDoc(ctx, r)
			if err != nil {
				return err
			}
			if c != coll || len(batch) == importBatch {
				if err := flush(); err != nil {
					return err
				}
				coll = c
			}
			batch = append(batch, doc)
		}
		return flush()
	})
}

// orphanReply is m, or, if m is a reply whose root is neither among the
// roots imported so far in this call nor stored, m as a message of its
// conversation (a root deleted while a MongoDB export ran), rather than a
// reply nothing shows. roots remembers both answers, so a thread costs
// at most one query per call however many replies it has.
func (s *Store) orphanReply(ctx context.Context, m storage.Message, roots map[storage.ID]bool) storage.Message {
	if !m.IsReply() {
		roots[m.ID] = true
		return m
	}
	found, known := roots[m.Thread]
	if !known {
		ok, err := exists(ctx, s.messages, m.Thread)
		found = err != nil || ok // on an error, keep the reply as it came
		if err == nil {
			roots[m.Thread] = found
		}
	}
	if found {
		return m
	}
	m.Thread, m.InRoom = storage.NilID, false
	return m
}

// importDoc returns the collection and document of one record.
func (s *Store) importDoc(ctx context.Context, r storage.Record) (*mongo.Collection, any, error) {
	switch v := r.Value.(type) {
	case storage.User:
		return s.users, newUserDoc(v), nil
	case storage.Session:
		return s.sessions, newSessionDoc(v), nil
	case storage.Token:
		return s.tokens, newTokenDoc(v), nil
	case storage.Room:
		return s.rooms, newRoomDoc(v), nil
	case storage.Member:
		return s.members, newMemberDoc(v), nil
	case storage.Message:
		if c := v.Conversation(); c.IsDirect() {
			if err := s.addPartners(ctx, c); err != nil {
				return nil, nil, err
			}
		}
		d := newMessageDoc(v)
		if err := s.importReactions(ctx, v, d.Conv); err != nil {
			return nil, nil, err
		}
		return s.messages, d, nil
	case storage.Hook:
		return s.hooks, newHookDoc(v), nil
	case storage.Invite:
		for n := 1; n <= v.Uses; n++ {
			if _, err := s.inviteUses.InsertOne(ctx, bson.D{{Key: "_id", Value: useKey(v.ID, n)}}); err != nil && !duplicateKey(err) {
				return nil, nil, err
			}
		}
		return s.invites, newInviteDoc(v), nil
	case storage.Command:
		return s.commands, newCommandDoc(v), nil
	case storage.File:
		return s.files, newFileDoc(v), nil
	case storage.ReadState:
		return s.readStates, newReadStateDoc(v), nil
	case storage.PushSubscription:
		return s.push, newPushDoc(v), nil
	}
	return nil, nil, fmt.Errorf("%T is not a record of %q", r.Value, r.Collection)
}

// modelCollections are the collections of storage.Collections.
func (s *Store) modelCollections() map[string]*mongo.Collection {
	return map[string]*mongo.Collection{
		storage.CollUsers: s.users, storage.CollSessions: s.sessions, storage.CollTokens: s.tokens,
		storage.CollRooms: s.rooms, storage.CollMembers: s.members, storage.CollMessages: s.messages,
		storage.CollHooks: s.hooks, storage.CollInvites: s.invites, storage.CollCommands: s.commands,
		storage.CollFiles: s.files, storage.CollReadStates: s.readStates, storage.CollPushSubscriptions: s.push,
	}
}

// Counts counts each collection's documents.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	out := make(map[string]int, len(storage.Collections))
	err := s.do(ctx, "count", func(ctx context.Context) error {
		colls := s.modelCollections()
		for _, name := range storage.Collections {
			n, err := colls[name].CountDocuments(ctx, bson.D{})
			if err != nil {
				return err
			}
			out[name] = int(n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Clear deletes every document of every collection but the schema
// record, keeping the indexes. Without transactions it is not atomic: an
// interrupted Clear leaves part of the data, and running it again
// finishes it. Rooms and users go first, so that what depends on them is
// hidden from readers (as during a DeleteRoom) until it is deleted too.
func (s *Store) Clear(ctx context.Context) error {
	return s.do(ctx, "clear", func(ctx context.Context) error {
		for _, c := range []*mongo.Collection{s.rooms, s.users, s.hooks, s.invites, s.inviteUses, s.commands, s.messages, s.reactions, s.readStates, s.push, s.files, s.partners, s.members, s.tokens, s.sessions, s.pending} {
			if _, err := c.DeleteMany(ctx, bson.D{}); err != nil {
				return fmt.Errorf("%s: %w", c.Name(), err)
			}
		}
		return nil
	})
}
