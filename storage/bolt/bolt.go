package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/makechat/makechat/storage"
)

// Defaults for the zero Options.
const (
	// DefaultTimeout is long enough to ride out a server that is just
	// shutting down, short enough for a command line to answer promptly.
	DefaultTimeout = time.Second
)

// initialMmapSize is the address space Open maps on 64-bit systems
// (it shows in the process's virtual size, not in its memory use).
const initialMmapSize = 16 << 30

// ErrLocked is wrapped by Open's error when another process (or another
// Store in this one) holds the file open.
var ErrLocked = errors.New("in use by another process")

// Options tune Open. The zero value is ready to use.
type Options struct {
	// Timeout is how long Open waits for the file lock before it gives up
	// with ErrLocked. Zero means DefaultTimeout.
	Timeout time.Duration
	// Log, if not nil, is told of each migration Open runs (see
	// migrate.go), one line as it starts and one as it ends.
	Log func(msg string)
	// Observe, if not nil, is told of every operation (for metrics).
	Observe storage.Observer
	// FilesDir is the directory of the blobs (the bytes of uploaded
	// files); "" means "files" beside the database file.
	FilesDir string
}

// Store is a storage.Store kept in one bbolt file. It is safe for
// concurrent use.
type Store struct {
	db      *bbolt.DB
	commit  *committer
	observe storage.Observer // nil: none
	files   string           // the blobs' directory
	dirs    dirSyncer        // fsyncs the blobs' directories in rounds
	known   sync.Map         // directories of blobs whose own entry is durable

	// mu is held shared by every call and exclusively by Close, so that
	// Close waits for the calls in flight (including their batched
	// commits) and later calls see closed.
	mu     sync.RWMutex
	closed bool
}

var _ storage.Store = (*Store)(nil)

// Bucket names; see the package documentation for what each holds.
var (
	bucketMeta               = []byte("meta")
	bucketUsers              = []byte("users")
	bucketUsersByName        = []byte("users_by_name")
	bucketUsersByEmail       = []byte("users_by_email")
	bucketSessions           = []byte("sessions")
	bucketSessionsByUser     = []byte("sessions_by_user")
	bucketSessionsByExp      = []byte("sessions_by_expiry")
	bucketTokens             = []byte("tokens")
	bucketTokensByHash       = []byte("tokens_by_hash")
	bucketTokensByUser       = []byte("tokens_by_user")
	bucketRooms              = []byte("rooms")
	bucketRoomsByName        = []byte("rooms_by_name")
	bucketMembers            = []byte("members")
	bucketMembersByRoom      = []byte("members_by_room")
	bucketMembersByUser      = []byte("members_by_user")
	bucketMessages           = []byte("messages")
	bucketMessageConv        = []byte("message_conv")
	bucketMessagesByClient   = []byte("messages_by_client")
	bucketDirectPartners     = []byte("direct_partners")
	bucketSearch             = []byte("search")
	bucketHooks              = []byte("hooks")
	bucketHooksBySecret      = []byte("hooks_by_secret")
	bucketHooksByRoom        = []byte("hooks_by_room")
	bucketInvites            = []byte("invites")
	bucketInvitesBySecret    = []byte("invites_by_secret")
	bucketInvitesByUser      = []byte("invites_by_user")
	bucketCommands           = []byte("commands")
	bucketCommandsByName     = []byte("commands_by_name")
	bucketFiles              = []byte("files")
	bucketFilesByOwner       = []byte("files_by_owner")
	bucketFilesByRoom        = []byte("files_by_room")
	bucketFilesUnattached    = []byte("files_unattached")
	bucketThreadReplies      = []byte("thread_replies")
	bucketReadStates         = []byte("read_states")
	bucketReadStatesByKey    = []byte("read_states_by_key")
	bucketRoomsByGroup       = []byte("rooms_by_group")
	bucketReadStatesByThread = []byte("read_states_by_thread")
	bucketPush               = []byte("push_subscriptions")
	bucketPushByEndpoint     = []byte("push_by_endpoint")
	bucketPushByUser         = []byte("push_by_user")
)

var allBuckets = [][]byte{
	bucketMeta,
	bucketUsers, bucketUsersByName, bucketUsersByEmail,
	bucketSessions, bucketSessionsByUser, bucketSessionsByExp,
	bucketTokens, bucketTokensByHash, bucketTokensByUser,
	bucketRooms, bucketRoomsByName, bucketRoomsByGroup,
	bucketMembers, bucketMembersByRoom, bucketMembersByUser,
	bucketMessages, bucketMessageConv, bucketMessagesByClient, bucketDirectPartners, bucketSearch, bucketThreadReplies,
	bucketHooks, bucketHooksBySecret, bucketHooksByRoom,
	bucketInvites, bucketInvitesBySecret, bucketInvitesByUser,
	bucketCommands, bucketCommandsByName,
	bucketFiles, bucketFilesByOwner, bucketFilesByRoom, bucketFilesUnattached,
	bucketReadStates, bucketReadStatesByKey, bucketReadStatesByThread,
	bucketPush, bucketPushByEndpoint, bucketPushByUser,
}

var keySchema = []byte("schema")

// Open opens the store at path, creating the file (mode 0600) and its
// parent directory (mode 0700) if they do not exist.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	bopts := *bbolt.DefaultOptions
	bopts.Timeout = opts.Timeout
	if strconv.IntSize == 64 {
		// A commit that outgrows the memory map must remap the file,
		// and a remap waits until every reader has finished. An Export
		// (a backup) is a reader that lasts seconds, so a remap during
		// one held writes up to the backup's end (6.5 s in the backup
		// benchmark, on a store just past 1 GiB). As etcd does, map far
		// more address space than the file needs from the start: the
		// file does not grow with it, no memory is used for it, and
		// remaps, now 1 GiB steps past it, stay out of the way.
		bopts.InitialMmapSize = initialMmapSize
	}
	db, err := bbolt.Open(path, 0o600, &bopts)
	if errors.Is(err, syscall.ENOMEM) && bopts.InitialMmapSize > 0 {
		// Address space is limited (ulimit -v): map only what is needed.
		bopts.InitialMmapSize = 0
		db, err = bbolt.Open(path, 0o600, &bopts)
	}
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: store %s is %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	if err := migrate(db, opts.Log); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	if opts.FilesDir == "" {
		opts.FilesDir = filepath.Join(filepath.Dir(path), "files")
	}
	return &Store{db: db, commit: newCommitter(db), observe: opts.Observe, files: opts.FilesDir}, nil
}

// prepare creates the buckets that do not exist yet.
func prepare(tx *bbolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// Close waits for the calls in flight, then closes the file and releases
// its lock. Later calls, Close included, give storage.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.ErrClosed
	}
	s.closed = true
	s.commit.stop()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt: close: %w", err)
	}
	return nil
}

// Ping checks that the store is open and can start a transaction.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, "ping", func(*bbolt.Tx) error { return nil })
}

// view runs fn in a read-only transaction on behalf of the method op.
func (s *Store) view(ctx context.Context, op string, fn func(*bbolt.Tx) error) error {
	return s.run(ctx, op, s.db.View, fn)
}

// update runs fn in a batched read-write transaction on behalf of the
// method op; fn must be idempotent (see the package documentation).
func (s *Store) update(ctx context.Context, op string, fn func(*bbolt.Tx) error) error {
	return s.run(ctx, op, s.commit.do, fn)
}

// run is what view and update share: it honours a cancelled ctx, refuses
// a closed store, runs fn through begin (View or the committer) and wraps the
// error with op. The storage sentinels stay reachable through errors.Is.
func (s *Store) run(ctx context.Context, op string, begin func(func(*bbolt.Tx) error) error, fn func(*bbolt.Tx) error) (err error) {
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
	err = begin(fn)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, berrors.ErrDatabaseNotOpen):
		// mu makes this unreachable through the Store; keep the mapping so
		// that a bbolt change cannot leak its own error to callers.
		return storage.ErrClosed
	}
	return fmt.Errorf("bolt: %s: %w", op, err)
}

// key is the bucket key of an id: its raw bytes, so that byte order is id
// order. Each call returns a new slice, because bbolt keeps the values it
// is given until the transaction ends.
func key(id storage.ID) []byte { return id[:] }

// pair is the key of a two-part index entry, such as user id + room id.
func pair(a storage.ID, b []byte) []byte {
	k := make([]byte, 0, len(a)+len(b))
	return append(append(k, a[:]...), b...)
}

// toID reads an id stored as a value or a key suffix.
func toID(b []byte) (storage.ID, error) {
	var id storage.ID
	if len(b) != len(id) {
		return id, fmt.Errorf("corrupt id %x", b)
	}
	copy(id[:], b)
	return id, nil
}

// nameKey is the index key of a unique name (username, email, room name),
// folded with strings.ToLower so that names are compared without regard to
// case. The empty name has no key (nil) and is not indexed.
func nameKey(name string) []byte {
	if name == "" {
		return nil
	}
	return []byte(strings.ToLower(storage.ValidUTF8(name)))
}

// hashKey is the key of a session or token hash, compared exactly. The
// empty hash has no key (nil).
func hashKey(hash string) []byte {
	if hash == "" {
		return nil
	}
	return []byte(storage.ValidUTF8(hash))
}

// claim points k in index at id. Another id holding k gives ErrDuplicate,
// naming what (such as "username"). A nil k is not indexed.
func claim(index *bbolt.Bucket, k []byte, id storage.ID, what string) error {
	if k == nil {
		return nil
	}
	if v := index.Get(k); v != nil && !bytes.Equal(v, id[:]) {
		return fmt.Errorf("%w %s", storage.ErrDuplicate, what)
	}
	return index.Put(k, key(id))
}

// release frees k in index if id holds it.
func release(index *bbolt.Bucket, k []byte, id storage.ID) error {
	if k != nil && bytes.Equal(index.Get(k), id[:]) {
		return index.Delete(k)
	}
	return nil
}

// rename moves id's claim in index from old to k, unless they are the same
// key (as for a change of case only).
func rename(index *bbolt.Bucket, old, k []byte, id storage.ID, what string) error {
	if bytes.Equal(old, k) {
		return nil
	}
	if err := claim(index, k, id, what); err != nil {
		return err
	}
	return release(index, old, id)
}

// lookup finds the id that holds k in index.
func lookup(index *bbolt.Bucket, k []byte) (storage.ID, error) {
	if k == nil {
		return storage.NilID, storage.ErrNotFound
	}
	v := index.Get(k)
	if v == nil {
		return storage.NilID, storage.ErrNotFound
	}
	return toID(v)
}

// get decodes the record at k in b.
func get[T any](b *bbolt.Bucket, k []byte) (T, error) {
	var v T
	data := b.Get(k)
	if data == nil {
		return v, storage.ErrNotFound
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("decode record %x: %w", k, err)
	}
	return v, nil
}

// put encodes v and stores it at k in b.
func put(b *bbolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(k, data)
}

// insert stores v at the key of id, which must be free.
func insert(b *bbolt.Bucket, id storage.ID, v any) error {
	k := key(id)
	if b.Get(k) != nil {
		return fmt.Errorf("%w id %s", storage.ErrDuplicate, id)
	}
	return put(b, k, v)
}

// entry is one key/value pair of an index, copied out of the transaction's
// memory so that it stays valid while the index is changed.
type entry struct {
	key, value []byte
}

// prefixed lists the entries of index whose key starts with id, in key
// order. Callers collect before they delete, because deleting under a
// bbolt cursor makes it skip entries.
func prefixed(index *bbolt.Bucket, id storage.ID) []entry {
	var out []entry
	c := index.Cursor()
	for k, v := c.Seek(id[:]); k != nil && bytes.HasPrefix(k, id[:]); k, v = c.Next() {
		out = append(out, entry{bytes.Clone(k), bytes.Clone(v)})
	}
	return out
}

// all decodes every record of b in key order.
func all[T any](b *bbolt.Bucket) ([]T, error) {
	out := make([]T, 0)
	c := b.Cursor()
	for k, data := c.First(); k != nil; k, data = c.Next() {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("decode record %x: %w", k, err)
		}
		out = append(out, v)
	}
	return out, nil
}
