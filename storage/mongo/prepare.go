package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// schemaVersion is the layout this code reads and writes: version 1 has
// the derived fields and indexes of the package documentation, version 2
// the invites collection and messages' client_key, version 3 the
// commands collection, version 4 the files collection and the blobs
// GridFS bucket, version 5 message_reactions, read_states and replies'
// thread index. A database without a version (a new one, or
// the original makechat's) is brought to it by backfill; one of an older
// version by the migrations it lacks (see migrate), each of which
// writes the version it leaves only once it is done, so that one cut
// short runs again at the next Open. Every step is idempotent.
const schemaVersion = 5

// migrations[i] brings a database from version i+1 to i+2.
var migrations = []struct {
	what string
	run  func(s *Store, ctx context.Context) error
}{
	// The invites collection and the indexes are made by createIndexes,
	// which every Open runs after the migrations; the version says that
	// a makechat that knows neither must not write this database.
	{"add invites and client message ids", (*Store).fillClientKeys},
	// The commands collection and its index are made by createIndexes.
	{"add custom slash commands", func(*Store, context.Context) error { return nil }},
	// The files collection and its indexes are made by createIndexes,
	// the blobs bucket and its indexes by GridFS at its first write.
	{"add uploaded files", func(*Store, context.Context) error { return nil }},
	// The collections and indexes are made by createIndexes; rooms get
	// the group_key their new unique index needs. The version says that
	// a makechat that knows no threads must not serve this database (it
	// would show replies in histories).
	{"add reactions, threads, read states and group conversations", (*Store).fillGroupKeys},
}

// fillClientKeys gives every message that lacks one its client_key, which
// the unique index on it needs.
func (s *Store) fillClientKeys(ctx context.Context) error {
	return fill(ctx, s.messages, bson.D{{Key: "client_key", Value: bson.D{{Key: "$exists", Value: false}}}}, func(d messageDoc) bson.D {
		return bson.D{{Key: "client_key", Value: clientKey(d.model())}}
	})
}

// fillGroupKeys gives every room that lacks one its group_key, which the
// unique index on it needs.
func (s *Store) fillGroupKeys(ctx context.Context) error {
	return fill(ctx, s.rooms, bson.D{{Key: "group_key", Value: bson.D{{Key: "$exists", Value: false}}}}, func(d roomDoc) bson.D {
		return bson.D{{Key: "group_key", Value: groupKey(d.model().Group, storage.ID(d.ID))}}
	})
}

// orphanAge is how old a member of a missing room must be before Open
// removes it: younger ones may belong to a CreateRoom in progress in
// another process.
const orphanAge = 10 * time.Minute

// prepare brings the database to schemaVersion, creates the indexes and
// finishes what a crash may have left half done. Every step is
// idempotent, so two processes may open one database at once.
func (s *Store) prepare(ctx context.Context) error {
	var meta struct {
		Version int `bson:"version"`
	}
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: "schema"}}).Decode(&meta)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		if err := s.backfill(ctx); err != nil {
			return err
		}
		if err := s.setVersion(ctx, schemaVersion); err != nil {
			return err
		}
		meta.Version = schemaVersion
	case err != nil:
		return fmt.Errorf("read schema version: %w", err)
	case meta.Version > schemaVersion:
		return fmt.Errorf("%w (schema version %d; this one reads up to %d): run that makechat, or restore a backup into a new database", storage.ErrNewerSchema, meta.Version, schemaVersion)
	case meta.Version < 1:
		return fmt.Errorf("schema version %d is not a version number", meta.Version)
	}
	// Migrations before indexes: a migration may fill the field a new
	// unique index needs.
	for v := meta.Version; v < schemaVersion; v++ {
		m := migrations[v-1]
		if s.log != nil {
			s.log(fmt.Sprintf("migrating the database from schema version %d to %d: %s", v, v+1, m.what))
		}
		if err := m.run(s, ctx); err != nil {
			return fmt.Errorf("migrate to schema version %d (%s): %w", v+1, m.what, err)
		}
		if err := s.setVersion(ctx, v+1); err != nil {
			return err
		}
	}
	if err := s.createIndexesRetrying(ctx); err != nil {
		return err
	}
	return s.repair(ctx)
}

// createIndexesRetrying is createIndexes, tried again when the connection
// dropped: the nodes of a cluster start at once on a new database, and
// FerretDB drops a connection whose index creation races another's
// (MongoDB does not). Once the others are done, the indexes exist.
func (s *Store) createIndexesRetrying(ctx context.Context) error {
	var err error
	for attempt := range 5 {
		if err = s.createIndexes(ctx); err == nil || !mongo.IsNetworkError(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 100 * time.Millisecond):
		}
	}
	return err
}

// setVersion records the schema version. Of two processes opening a new
// database at once, both upsert the document and one may fail with a
// duplicate key (the other inserted it first): it tries again, and then
// replaces it.
func (s *Store) setVersion(ctx context.Context, v int) error {
	var err error
	for range 3 {
		_, err = s.meta.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "schema"}}, bson.D{{Key: "_id", Value: "schema"}, {Key: "version", Value: v}}, options.Replace().SetUpsert(true))
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("write schema version: %w", err)
	}
	return nil
}

// indexes lists each collection's indexes; see the package documentation
// for the query each serves.
func (s *Store) indexes() map[*mongo.Collection][]mongo.IndexModel {
	asc := func(keys ...string) bson.D {
		d := bson.D{}
		for _, k := range keys {
			d = append(d, bson.E{Key: k, Value: 1})
		}
		return d
	}
	unique := func(name string, keys bson.D) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name).SetUnique(true)}
	}
	plain := func(name string, keys bson.D) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
	}
	return map[*mongo.Collection][]mongo.IndexModel{
		s.users:    {unique("username_key", asc("username_key")), unique("email_key", asc("email_key")), plain("avatar", asc("avatar"))},
		s.sessions: {unique("key_hash", asc("key_hash")), plain("user", asc("user")), plain("expires", asc("expires"))},
		s.tokens:   {unique("hash_key", asc("hash_key")), plain("user_id", asc("user", "_id"))},
		s.rooms:    {unique("name_key", asc("name_key")), unique("group_key", asc("group_key"))},
		s.members:  {unique("room_profile", asc("room", "profile")), plain("profile_id", asc("profile", "_id"))},
		s.messages: {
			plain("conv_id", asc("conv", "_id")),
			plain("terms_id", bson.D{{Key: "terms", Value: 1}, {Key: "_id", Value: -1}}),
			unique("client_key", asc("client_key")),
			plain("thread_id", asc("thread", "_id")),
		},
		s.hooks:      {unique("secret_key", asc("secret_key")), plain("room_id", asc("room", "_id"))},
		s.invites:    {unique("secret_key", asc("secret_key")), plain("created_by_id", asc("created_by", "_id"))},
		s.partners:   {plain("user", asc("user"))},
		s.reactions:  {plain("message_at_seq", asc("message", "at", "seq")), plain("conv", asc("conv"))},
		s.commands:   {unique("name_key", asc("name_key"))},
		s.readStates: {unique("key", asc("key")), plain("user", asc("user")), plain("thread", asc("thread"))},
		s.push:       {unique("endpoint_key", asc("endpoint_key")), plain("user_id", asc("user", "_id"))},
		s.strikes:    {plain("key_at", bson.D{{Key: "key", Value: 1}, {Key: "at", Value: -1}}), plain("at", asc("at"))},
		s.files: {
			plain("owner", asc("owner")), plain("message_id", asc("message", "_id")), plain("room", asc("room")),
			plain("sha256", asc("sha256")), plain("thumb", asc("thumb")),
		},
	}
}

// createIndexes creates the indexes that do not exist yet. (It asks
// first rather than relying on createIndexes being idempotent: FerretDB
// 1.24 drops the connection when asked to create an index that exists.)
func (s *Store) createIndexes(ctx context.Context) error {
	for c, models := range s.indexes() {
		specs, err := c.Indexes().ListSpecifications(ctx)
		var ce mongo.CommandError
		if errors.As(err, &ce) && ce.Code == 26 { // NamespaceNotFound
			err = nil
		}
		if err != nil {
			return fmt.Errorf("list the indexes of %s: %w", c.Name(), err)
		}
		have := map[string]bool{}
		for _, spec := range specs {
			have[spec.Name] = true
		}
		models = slices.DeleteFunc(models, func(m mongo.IndexModel) bool {
			return have[*indexName(m)]
		})
		if len(models) == 0 {
			continue
		}
		if _, err := c.Indexes().CreateMany(ctx, models); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				return fmt.Errorf("create the unique indexes of %s: two documents hold the same value (for users and rooms, names that differ only in case); make them differ and start again: %w", c.Name(), err)
			}
			return fmt.Errorf("create the indexes of %s: %w", c.Name(), err)
		}
	}
	return nil
}

// backfill fills in the derived fields of documents that lack them, as
// those of the original makechat do: the folded keys of users, rooms,
// tokens and hooks, and the conversation and search terms of messages
// (with the direct partners they imply). Sessions without a key hash,
// which this program cannot match to a cookie, are deleted: their users
// log in again. A document that cannot be read stops it with an error
// naming the document.
func (s *Store) backfill(ctx context.Context) error {
	missing := func(field string) bson.D {
		return bson.D{{Key: field, Value: bson.D{{Key: "$exists", Value: false}}}}
	}
	steps := []func() error{
		func() error {
			return fill(ctx, s.users, missing("username_key"), func(d userDoc) bson.D {
				u := d.model()
				return bson.D{{Key: "username_key", Value: nameKey(u.Username, u.ID)}, {Key: "email_key", Value: nameKey(u.Email, u.ID)}}
			})
		},
		func() error {
			return fill(ctx, s.rooms, missing("name_key"), func(d roomDoc) bson.D {
				set := bson.D{{Key: "name_key", Value: nameKey(d.Name, storage.ID(d.ID))}}
				if d.Members == nil {
					set = append(set, bson.E{Key: "members", Value: bson.A{}})
				}
				return set
			})
		},
		func() error { return s.fillGroupKeys(ctx) },
		func() error {
			return fill(ctx, s.tokens, missing("hash_key"), func(d tokenDoc) bson.D {
				return bson.D{{Key: "hash_key", Value: hashKey(d.Hash, storage.ID(d.ID))}}
			})
		},
		func() error {
			return fill(ctx, s.hooks, missing("secret_key"), func(d hookDoc) bson.D {
				return bson.D{{Key: "secret_key", Value: hashKey(d.SecretHash, storage.ID(d.ID))}}
			})
		},
		func() error {
			return fill(ctx, s.messages, missing("conv"), func(d messageDoc) bson.D {
				m := d.model()
				return bson.D{{Key: "conv", Value: convKey(m.Conversation())}, {Key: "terms", Value: terms(storage.ValidUTF8(m.Text))}}
			})
		},
		func() error {
			return each(ctx, s.messages, bson.D{{Key: "recipient", Value: bson.D{{Key: "$exists", Value: true}}}, {Key: "room", Value: bson.D{{Key: "$exists", Value: false}}}}, func(d messageDoc) error {
				return s.addPartners(ctx, d.model().Conversation())
			})
		},
		func() error { return s.fillClientKeys(ctx) },
		func() error {
			_, err := s.sessions.DeleteMany(ctx, bson.D{{Key: "key_hash", Value: bson.D{{Key: "$not", Value: bson.D{{Key: "$type", Value: "string"}}}}}})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("bring older documents up to date: %w", err)
		}
	}
	return nil
}

// fill sets the fields that set computes on each document filter selects,
// in batches.
func fill[D any](ctx context.Context, c *mongo.Collection, filter bson.D, set func(D) bson.D) error {
	var batch []mongo.WriteModel
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := c.BulkWrite(ctx, batch)
		batch = batch[:0]
		return err
	}
	err := each(ctx, c, filter, func(d D) error {
		raw, err := bson.Marshal(d)
		if err != nil {
			return err
		}
		id := bson.Raw(raw).Lookup("_id")
		batch = append(batch, mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetUpdate(bson.D{{Key: "$set", Value: set(d)}}))
		if len(batch) == importBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// repair finishes the deletions that a crash interrupted and removes
// members of rooms that do not exist and are older than orphanAge (what
// a crash inside CreateRoom leaves). Readers never see either; this only
// reclaims the space and frees the names.
func (s *Store) repair(ctx context.Context) error {
	pending, err := findAll[pendingDoc](ctx, s.pending, bson.D{})
	if err != nil {
		return fmt.Errorf("read pending deletions: %w", err)
	}
	for _, p := range pending {
		if err := s.finishDelete(ctx, p); err != nil {
			return fmt.Errorf("finish the deletion of %s %s: %w", p.Kind, p.ID.Hex(), err)
		}
	}
	var values []any
	if err := s.members.Distinct(ctx, "room", bson.D{}).Decode(&values); err != nil {
		return fmt.Errorf("list the rooms of members: %w", err)
	}
	rooms := []bson.ObjectID{} // never nil: {$in: null} is an error
	for _, v := range values {
		if id, ok := v.(bson.ObjectID); ok {
			rooms = append(rooms, id)
		}
	}
	if len(rooms) == 0 {
		return nil
	}
	live, err := ids(ctx, s.rooms, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: rooms}}}})
	if err != nil {
		return err
	}
	gone := bson.A{}
	for _, r := range rooms {
		if !containsID(live, storage.ID(r)) {
			gone = append(gone, r)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	cutoff := bson.NewObjectIDFromTimestamp(time.Now().Add(-orphanAge))
	_, err = s.members.DeleteMany(ctx, bson.D{{Key: "room", Value: bson.D{{Key: "$in", Value: gone}}}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: cutoff}}}})
	return err
}

func containsID(ids []storage.ID, id storage.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// indexName is the name an index model was given.
func indexName(m mongo.IndexModel) *string {
	var o options.IndexOptions
	for _, set := range m.Options.List() {
		_ = set(&o)
	}
	return o.Name
}
