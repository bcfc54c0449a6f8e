package bolt

import (
	"bytes"
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// collectionBuckets maps each collection to the bucket that holds its
// records; every other bucket is derived from these and rebuilt by Import.
var collectionBuckets = map[string][]byte{
	storage.CollUsers:             bucketUsers,
	storage.CollSessions:          bucketSessions,
	storage.CollTokens:            bucketTokens,
	storage.CollRooms:             bucketRooms,
	storage.CollMembers:           bucketMembers,
	storage.CollMessages:          bucketMessages,
	storage.CollHooks:             bucketHooks,
	storage.CollInvites:           bucketInvites,
	storage.CollCommands:          bucketCommands,
	storage.CollFiles:             bucketFiles,
	storage.CollReadStates:        bucketReadStates,
	storage.CollPushSubscriptions: bucketPush,
}

// Export calls fn with every record, collection by collection, inside one
// read-only transaction: bbolt's readers see one moment and do not block
// writers, so the server goes on committing while an export runs. (A
// writer waits for readers only when the file outgrows its memory map,
// which Open sizes generously; see the package documentation.) Messages
// come in id order.
func (s *Store) Export(ctx context.Context, fn func(storage.Record) error) error {
	return s.view(ctx, "export", func(tx *bbolt.Tx) error {
		for _, coll := range storage.Collections {
			// fn is wrapped to notice a cancelled ctx (a shutdown) every
			// thousand records, not only between collections.
			n := 0
			each := func(r storage.Record) error {
				if n++; n%1000 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				return fn(r)
			}
			var err error
			if coll == storage.CollMessages {
				err = exportMessages(tx, each)
			} else {
				err = exportBucket(tx, coll, each)
			}
			if err != nil {
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
}

// exportBucket exports a collection kept in one bucket, in key order
// (messages go through exportMessages).
func exportBucket(tx *bbolt.Tx, coll string, fn func(storage.Record) error) error {
	c := tx.Bucket(collectionBuckets[coll]).Cursor()
	for k, data := c.First(); k != nil; k, data = c.Next() {
		rec, err := storage.DecodeRecord(coll, data)
		if err != nil {
			return fmt.Errorf("decode record %x: %w", k, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// exportMessages exports messages in id order, walking message_conv and
// looking each message up in its conversation. The messages bucket
// itself is in conversation order; id order lets a restore append every
// search posting at the end of its word's run instead of inserting into
// the middle of it, which makes restores several times faster.
func exportMessages(tx *bbolt.Tx, fn func(storage.Record) error) error {
	messages := tx.Bucket(bucketMessages)
	c := tx.Bucket(bucketMessageConv).Cursor()
	for id, conv := c.First(); id != nil; id, conv = c.Next() {
		k := append(bytes.Clone(conv), id...)
		data := messages.Get(k)
		if data == nil {
			return fmt.Errorf("message %x is indexed but missing", id)
		}
		m, err := decodeMessage(k, data)
		if err != nil {
			return err
		}
		if err := fn(storage.Record{Collection: storage.CollMessages, Value: m}); err != nil {
			return err
		}
	}
	return nil
}

// Import stores recs and their index entries in one transaction (one
// fsync), without the reference checks of the Create methods: a restore
// brings direct messages of deleted users, for example.
func (s *Store) Import(ctx context.Context, recs []storage.Record) error {
	return s.run(ctx, "import", s.db.Update, func(tx *bbolt.Tx) error {
		for _, r := range recs {
			if err := importRecord(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// importRecord stores one record as its collection's insert does.
func importRecord(tx *bbolt.Tx, r storage.Record) error {
	var err error
	switch v := r.Value.(type) {
	case storage.User:
		err = insertUser(tx, v)
	case storage.Session:
		err = insertSession(tx, v)
	case storage.Token:
		err = insertToken(tx, v)
	case storage.Room:
		if v.Members == nil {
			v.Members = []storage.ID{}
		}
		err = insertRoom(tx, v)
	case storage.Member:
		err = insertMember(tx, v)
	case storage.Message:
		// A reply whose root is not in the copy (deleted while a
		// MongoDB export ran) comes back as a message of its
		// conversation rather than not at all.
		if v.IsReply() && tx.Bucket(bucketMessageConv).Get(key(v.Thread)) == nil {
			v.Thread, v.InRoom = storage.NilID, false
		}
		err = insertMessage(tx, v)
	case storage.Hook:
		err = insertHook(tx, v)
	case storage.Invite:
		err = insertInvite(tx, v)
	case storage.Command:
		err = insertCommand(tx, v)
	case storage.ReadState:
		err = insertReadState(tx, v)
	case storage.PushSubscription:
		err = insertPush(tx, v)
	case storage.File:
		err = insertFile(tx, v)
	default:
		return fmt.Errorf("import: %T is not a record of %q", r.Value, r.Collection)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", r.Collection, err)
	}
	return nil
}

// Counts counts each collection's records. Messages are counted in the
// message_conv index, whose small values make it the cheapest to walk.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	out := make(map[string]int, len(storage.Collections))
	err := s.view(ctx, "count", func(tx *bbolt.Tx) error {
		for _, coll := range storage.Collections {
			b := collectionBuckets[coll]
			if coll == storage.CollMessages {
				b = bucketMessageConv
			}
			out[coll] = tx.Bucket(b).Stats().KeyN
		}
		return nil
	})
	return out, err
}

// Clear deletes every bucket but meta and creates them empty again, in one
// transaction.
func (s *Store) Clear(ctx context.Context) error {
	return s.run(ctx, "clear", s.db.Update, func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if string(name) == string(bucketMeta) {
				continue
			}
			if err := tx.DeleteBucket(name); err != nil {
				return fmt.Errorf("delete bucket %s: %w", name, err)
			}
		}
		return prepare(tx)
	})
}
