package mongo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readconcern"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/makechat/makechat/storage"
)

// Defaults for the zero Options.
const (
	// DefaultDatabase is used when the connection string names none.
	DefaultDatabase = "makechat"
	// DefaultTimeout bounds how long Open, and each call while MongoDB
	// is unreachable, waits for a server before giving up.
	DefaultTimeout = 5 * time.Second
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Timeout is the server selection and connect timeout. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Observe, if not nil, is told of every operation (for metrics).
	Observe storage.Observer
	// Log, if not nil, is told of each migration Open runs.
	Log func(msg string)
}

// Store is a storage.Store kept in a MongoDB database. It is safe for
// concurrent use.
type Store struct {
	observe storage.Observer // nil: none
	log     func(string)     // nil: none
	client  *mongo.Client
	db      *mongo.Database
	// snapshot: the server keeps snapshots (a replica set or a sharded
	// cluster), so Export reads in one snapshot session.
	snapshot bool

	users, sessions, tokens, rooms, members, messages, hooks, invites, commands, files *mongo.Collection
	partners, pending, meta, inviteUses, reactions, readStates, push, strikes          *mongo.Collection

	// reading takes the changes of each read state in turn (locks.go).
	reading keyLocks

	// strikesPruned is when old strikes were last removed (Unix ns).
	strikesPruned atomic.Int64

	// mu is held shared by every call and exclusively by Close, so that
	// Close waits for the calls in flight and later calls see closed.
	mu     sync.RWMutex
	closed bool
}

var _ storage.Store = (*Store)(nil)

// Collections besides the model ones; see the package documentation.
const (
	collPartners = "direct_partners"
	// collInviteUses holds one document per use of an invite (see
	// UseInvite). Those of an invite deleted with its maker stay until a
	// Clear; they count for nothing, since no invite has their id.
	collInviteUses = "invite_uses"
	collPending    = "pending_deletes"
	collMeta       = "makechat_meta"
	// collReactions holds the reactions to messages (see reactions.go).
	collReactions = "message_reactions"
	// collStrikes holds a cluster's failed logins (see cluster.go).
	collStrikes = "login_strikes"
)

// Open connects to the MongoDB that uri names, in the database the URI's
// path names (DefaultDatabase if none), checks that it answers, prepares
// its indexes, brings documents of an older layout (or of the original
// makechat) up to date and finishes deletions that a crash interrupted.
// An unreachable server fails within Options.Timeout with an error that
// names its hosts and says what failed.
func Open(ctx context.Context, uri string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	cs, err := connstring.ParseAndValidate(uri)
	if err != nil {
		// The driver's message may quote the URI, password included.
		return nil, errors.New("mongo: mongo_uri is not a valid MongoDB connection string (mongodb://host:port/database)")
	}
	where := strings.Join(cs.Hosts, ",")
	if cs.Scheme == connstring.SchemeMongoDBSRV {
		where = "SRV record of " + where
	}
	dbName := cs.Database
	if dbName == "" {
		dbName = DefaultDatabase
	}
	wc := writeconcern.Majority()
	journal := true
	wc.Journal = &journal
	copts := options.Client().ApplyURI(uri).
		SetServerSelectionTimeout(opts.Timeout).
		SetConnectTimeout(opts.Timeout).
		SetWriteConcern(wc).
		SetReadConcern(readconcern.Majority()).
		SetAppName("makechat")
	client, err := mongo.Connect(copts)
	if err != nil {
		return nil, fmt.Errorf("mongo: connect to %s: %w", where, err)
	}
	s := &Store{client: client, db: client.Database(dbName), observe: opts.Observe, log: opts.Log}
	for _, c := range []struct {
		c    **mongo.Collection
		name string
	}{
		{&s.users, storage.CollUsers}, {&s.sessions, storage.CollSessions}, {&s.tokens, storage.CollTokens},
		{&s.rooms, storage.CollRooms}, {&s.members, storage.CollMembers}, {&s.messages, storage.CollMessages},
		{&s.hooks, storage.CollHooks}, {&s.invites, storage.CollInvites}, {&s.commands, storage.CollCommands}, {&s.files, storage.CollFiles},
		{&s.partners, collPartners}, {&s.pending, collPending}, {&s.meta, collMeta}, {&s.inviteUses, collInviteUses},
		{&s.reactions, collReactions}, {&s.readStates, storage.CollReadStates}, {&s.push, storage.CollPushSubscriptions},
		{&s.strikes, collStrikes},
	} {
		*c.c = s.db.Collection(c.name)
	}
	fail := func(what string, err error) (*Store, error) {
		_ = client.Disconnect(context.Background())
		if unavailable(err) {
			return nil, fmt.Errorf("mongo: cannot reach MongoDB at %s within %s: %s", where, opts.Timeout, reason(err))
		}
		return nil, fmt.Errorf("mongo: %s at %s (database %s): %w", what, where, dbName, err)
	}
	pctx, cancel := context.WithTimeout(ctx, opts.Timeout+time.Second)
	defer cancel()
	var hello bson.M
	if err := s.db.RunCommand(pctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello); err != nil {
		return fail("connect", err)
	}
	_, isReplicaSet := hello["setName"]
	s.snapshot = isReplicaSet || hello["msg"] == "isdbgrid"
	if err := s.prepare(ctx); err != nil {
		return fail("prepare database", err)
	}
	return s, nil
}

// reason is the gist of a connection failure, without the driver's
// description of the whole topology.
func reason(err error) string {
	var sse topology.ServerSelectionError
	if errors.As(err, &sse) {
		for _, srv := range sse.Desc.Servers {
			if srv.LastError != nil {
				return srv.LastError.Error()
			}
		}
		return "no server answered"
	}
	return err.Error()
}

// Close waits for the calls in flight and disconnects. Later calls, Close
// included, give storage.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.ErrClosed
	}
	s.closed = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.client.Disconnect(ctx); err != nil {
		return fmt.Errorf("mongo: close: %w", err)
	}
	return nil
}

// Ping checks that the primary answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.do(ctx, "ping", func(ctx context.Context) error {
		return s.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
	})
}

// do runs fn on behalf of the method op: it honours a cancelled ctx,
// refuses a closed store and maps the driver's errors to the storage
// sentinels (see mapErr).
func (s *Store) do(ctx context.Context, op string, fn func(ctx context.Context) error) (err error) {
	if s.observe != nil {
		defer func(start time.Time) { s.observe(op, time.Since(start), err) }(time.Now())
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.ErrClosed
	}
	return mapErr(ctx, op, fn(ctx))
}

// mapErr wraps err with op. A duplicate key becomes storage.ErrDuplicate,
// an unreachable server storage.ErrUnavailable; the storage sentinels
// and context errors stay reachable through errors.Is.
func mapErr(ctx context.Context, op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound), errors.Is(err, storage.ErrDuplicate), errors.Is(err, storage.ErrClosed):
		return fmt.Errorf("mongo: %s: %w", op, err)
	case ctx.Err() != nil:
		return fmt.Errorf("mongo: %s: %w", op, ctx.Err())
	case duplicateKey(err):
		return fmt.Errorf("mongo: %s: %w (%v)", op, storage.ErrDuplicate, err)
	case unavailable(err):
		return fmt.Errorf("mongo: %s: %w: %s", op, storage.ErrUnavailable, reason(err))
	}
	return fmt.Errorf("mongo: %s: %w", op, err)
}

// duplicateKey reports whether err is a unique index refusing a write.
// MongoDB says so with code 11000. FerretDB (1.24, sqlite) does too for
// inserts, but reports an update that breaks a unique index as an
// InternalError carrying SQLite's message, which is recognised here.
func duplicateKey(err error) bool {
	if mongo.IsDuplicateKeyError(err) {
		return true
	}
	var ce mongo.CommandError
	return errors.As(err, &ce) && ce.Name == "InternalError" && strings.Contains(ce.Message, "UNIQUE constraint failed")
}

// unavailable reports whether err says that no server could be reached
// or that the connection broke, as opposed to a refused command.
func unavailable(err error) bool {
	var sse topology.ServerSelectionError
	return errors.As(err, &sse) || mongo.IsNetworkError(err) || mongo.IsTimeout(err) ||
		errors.Is(err, mongo.ErrClientDisconnected)
}

// oid is the ObjectId of an id; the two are the same 12 bytes.
func oid(id storage.ID) bson.ObjectID { return bson.ObjectID(id) }

// Keys of unique values. A name key is "=" + the name folded with
// strings.ToLower (compared without regard to case); a hash key is "=" +
// the hash. The empty value, which is never looked up, gets "#" + the
// object's id instead, so that it never collides; no "=" key can equal a
// "#" one.
func nameKey(name string, id storage.ID) string {
	if name == "" {
		return "#" + id.Hex()
	}
	return "=" + strings.ToLower(storage.ValidUTF8(name))
}

func hashKey(hash string, id storage.ID) string {
	if hash == "" {
		return "#" + id.Hex()
	}
	return "=" + storage.ValidUTF8(hash)
}

// lookupKey is the key to look a name or hash up by; ok is false for the
// empty string, which names nothing.
func lookupKey(s string, fold bool) (string, bool) {
	if s == "" {
		return "", false
	}
	if fold {
		return "=" + strings.ToLower(storage.ValidUTF8(s)), true
	}
	return "=" + storage.ValidUTF8(s), true
}

// byID is the filter of one document.
func byID(id storage.ID) bson.D { return bson.D{{Key: "_id", Value: oid(id)}} }

// sortByID orders a find by _id.
var sortByID = bson.D{{Key: "_id", Value: 1}}

// findOne decodes the one document filter selects, or gives ErrNotFound.
func findOne[D any](ctx context.Context, c *mongo.Collection, filter any, opts ...options.Lister[options.FindOneOptions]) (D, error) {
	var d D
	raw, err := c.FindOne(ctx, filter, opts...).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, storage.ErrNotFound
	}
	if err != nil {
		return d, err
	}
	return decode[D](c.Name(), raw)
}

// findAll decodes every document filter selects.
func findAll[D any](ctx context.Context, c *mongo.Collection, filter any, opts ...options.Lister[options.FindOptions]) ([]D, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	out := make([]D, 0)
	for cur.Next(ctx) {
		d, err := decode[D](c.Name(), cur.Current)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, cur.Err()
}

// decode decodes one document, naming it in the error: a document that
// another program wrote with a field of the wrong type gives a clear
// error for that document, never a panic. Missing fields decode as zero
// values.
func decode[D any](coll string, raw bson.Raw) (D, error) {
	var d D
	if err := bson.Unmarshal(raw, &d); err != nil {
		id := "without _id"
		if v, lerr := raw.LookupErr("_id"); lerr == nil {
			id = v.String()
		}
		return d, fmt.Errorf("document %s of %s cannot be read: %w", id, coll, err)
	}
	return d, nil
}

// ids lists the _id of every document filter selects, in id order.
func ids(ctx context.Context, c *mongo.Collection, filter any) ([]storage.ID, error) {
	docs, err := findAll[idDoc](ctx, c, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetSort(sortByID))
	if err != nil {
		return nil, err
	}
	out := make([]storage.ID, len(docs))
	for i, d := range docs {
		out[i] = storage.ID(d.ID)
	}
	return out, nil
}

// exists reports whether a document with id is in c.
func exists(ctx context.Context, c *mongo.Collection, id storage.ID) (bool, error) {
	err := c.FindOne(ctx, byID(id), options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// idDoc decodes only the _id of a document.
type idDoc struct {
	ID bson.ObjectID `bson:"_id"`
}

// oids converts ids for an $in filter.
func oids(ids []storage.ID) bson.A {
	out := make(bson.A, len(ids))
	for i, id := range ids {
		out[i] = oid(id)
	}
	return out
}

// cleanupContext is for undoing a step after a failure: the caller's
// context may be what failed, so it has its own deadline.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), DefaultTimeout)
}

// noDocument turns the driver's "no document" into ErrNotFound.
func noDocument(err error) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return storage.ErrNotFound
	}
	return err
}
