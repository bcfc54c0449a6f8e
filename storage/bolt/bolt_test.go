package bolt_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
	"github.com/makechat/makechat/storage/storagetest"
)

// open opens a store in a new file under t's temporary directory and
// closes it when the test ends.
func open(t testing.TB) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "makechat.db"), bolt.Options{})
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
			t.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return open(t) })
}

func TestOpen_ASecondOpenOfTheSameFileGivesErrLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "makechat.db")
	s, err := bolt.Open(path, bolt.Options{})
	require.NoError(t, err)
	defer s.Close()

	_, err = bolt.Open(path, bolt.Options{Timeout: 100 * time.Millisecond})
	require.ErrorIs(t, err, bolt.ErrLocked)
	require.ErrorContains(t, err, path)
	require.ErrorContains(t, err, "in use by another process")

	// The lock goes with the first store.
	require.NoError(t, s.Close())
	s2, err := bolt.Open(path, bolt.Options{Timeout: 100 * time.Millisecond})
	require.NoError(t, err)
	require.NoError(t, s2.Close())
}

func TestOpen_CreatesAPrivateDirectoryAndFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "makechat")
	path := filepath.Join(dir, "makechat.db")
	s, err := bolt.Open(path, bolt.Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())

	info, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	info, err = os.Stat(path)
	require.NoError(t, err)
	require.Zero(t, info.Mode().Perm()&0o077, "the store is readable by its owner only, not %v", info.Mode())
}

func TestOpen_RefusesANewerSchemaInOneLineAndLeavesTheFileAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "makechat.db")
	s, err := bolt.Open(path, bolt.Options{})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	setSchema(t, path, "99")

	_, err = bolt.Open(path, bolt.Options{})
	require.ErrorIs(t, err, storage.ErrNewerSchema)
	assert.Contains(t, err.Error(), "schema version 99; this one reads up to 6")
	assert.NotContains(t, err.Error(), "\n")
	assert.Equal(t, "99", schemaOf(t, path), "a refused file is not touched")

	setSchema(t, path, "two")
	_, err = bolt.Open(path, bolt.Options{})
	require.ErrorContains(t, err, `schema version "two" is not a version number`)
}

// fixture copies the v1 upgrade fixture's store (testdata/upgrade) into a
// new directory and returns its path.
func fixture(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "upgrade", "v1", "makechat.db.gz"))
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "makechat.db")
	out, err := os.Create(path)
	require.NoError(t, err)
	_, err = io.Copy(out, zr)
	require.NoError(t, err)
	require.NoError(t, out.Close())
	return path
}

func TestOpen_MigratesTheV1Fixture(t *testing.T) {
	path := fixture(t)
	require.Equal(t, "1", schemaOf(t, path))
	var log []string
	s, err := bolt.Open(path, bolt.Options{Log: func(msg string) { log = append(log, msg) }})
	require.NoError(t, err)
	defer s.Close()
	require.Len(t, log, 10, "five migrations, each logged as it starts and ends")
	assert.Contains(t, log[0], "migrating the store from schema version 1 to 2")
	assert.Contains(t, log[1], "migrated the store to schema version 2")
	assert.Contains(t, log[2], "migrating the store from schema version 2 to 3: add invites and client message ids")
	assert.Contains(t, log[3], "migrated the store to schema version 3")
	assert.Contains(t, log[4], "migrating the store from schema version 3 to 4: add custom slash commands")
	assert.Contains(t, log[5], "migrated the store to schema version 4")
	assert.Contains(t, log[6], "migrating the store from schema version 4 to 5: add uploaded files")
	assert.Contains(t, log[7], "migrated the store to schema version 5")
	assert.Contains(t, log[8], "migrating the store from schema version 5 to 6: add reactions, threads, read states and group conversations")
	assert.Contains(t, log[9], "migrated the store to schema version 6")

	ctx := t.Context()
	counts, err := s.Counts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"users": 2, "sessions": 2, "tokens": 1, "rooms": 3, "members": 5, "messages": 36, "hooks": 1, "invites": 0, "commands": 0, "files": 0, "read_states": 0, "push_subscriptions": 0}, counts)
	// The new index serves the sweep: no session of the fixture has
	// expired, and all of them have a year from now.
	n, err := s.DeleteExpiredSessions(ctx, time.Now())
	require.NoError(t, err)
	assert.Zero(t, n)
	n, err = s.DeleteExpiredSessions(ctx, time.Now().Add(2*365*24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	require.NoError(t, s.Close())
	assert.Equal(t, "6", schemaOf(t, path))

	// A second open has nothing to migrate.
	log = nil
	s, err = bolt.Open(path, bolt.Options{Log: func(msg string) { log = append(log, msg) }})
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Empty(t, log)
}

func TestOpen_AnInterruptedMigrationRunsAgainFromItsStart(t *testing.T) {
	path := fixture(t)
	// What a migration killed half-way would leave, had it not run in one
	// transaction: an index bucket with a stray entry, the version still 1.
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("sessions_by_expiry"))
		if err != nil {
			return err
		}
		return b.Put([]byte("\x00\x00\x00\x00\x00\x00\x00\x01stray"), []byte{})
	}))
	require.NoError(t, db.Close())

	s, err := bolt.Open(path, bolt.Options{})
	require.NoError(t, err)
	defer s.Close()
	n, err := s.DeleteExpiredSessions(t.Context(), time.Now().Add(2*365*24*time.Hour))
	require.NoError(t, err, "the stray entry is gone with the rebuilt index")
	assert.Equal(t, 2, n)
}

func setSchema(t *testing.T, path, v string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte(v))
	}))
	require.NoError(t, db.Close())
}

func schemaOf(t *testing.T, path string) string {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	require.NoError(t, err)
	defer db.Close()
	var v string
	require.NoError(t, db.View(func(tx *bbolt.Tx) error {
		v = string(tx.Bucket([]byte("meta")).Get([]byte("schema")))
		return nil
	}))
	return v
}

func TestReopen_KeepsEverythingAtFullPrecision(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "makechat.db")
	ids := storage.NewIDGen()
	// time.Now has nanoseconds and a monotonic reading; the store must keep
	// the former and may drop the latter.
	now := time.Now()
	u := storage.User{ID: ids.New(), Username: "alice", Email: "alice@example.com", PasswordHash: "h", IsSuperuser: true, Created: now}
	sess := storage.Session{ID: ids.New(), KeyHash: "k", User: u.ID, Created: now, Expires: now.Add(time.Hour)}
	tok := storage.Token{ID: ids.New(), User: u.ID, Name: "ci", Hash: "t", Created: now, LastUsed: now}
	r := storage.Room{ID: ids.New(), Name: "lobby", IsOpen: true, Created: now}
	m := storage.Member{ID: ids.New(), Room: r.ID, Profile: u.ID, Role: storage.RoleOwner, Created: now}

	s, err := bolt.Open(path, bolt.Options{})
	require.NoError(t, err)
	require.NoError(t, s.CreateUser(ctx, u))
	require.NoError(t, s.CreateSession(ctx, sess))
	require.NoError(t, s.CreateToken(ctx, tok))
	require.NoError(t, s.CreateRoom(ctx, r, m))
	require.NoError(t, s.Close())

	s, err = bolt.Open(path, bolt.Options{})
	require.NoError(t, err)
	defer s.Close()
	gotUser, err := s.UserByName(ctx, "alice")
	require.NoError(t, err)
	require.True(t, now.Equal(gotUser.Created), "created %v, read back %v", now, gotUser.Created)
	gotUser.Created = u.Created
	require.Equal(t, u, gotUser)
	gotSess, err := s.SessionByKey(ctx, "k")
	require.NoError(t, err)
	require.True(t, sess.Expires.Equal(gotSess.Expires))
	gotTok, err := s.TokenByHash(ctx, "t")
	require.NoError(t, err)
	require.True(t, now.Equal(gotTok.LastUsed))
	gotRoom, err := s.Room(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, []storage.ID{m.ID}, gotRoom.Members)
	gotMember, err := s.MemberOf(ctx, r.ID, u.ID)
	require.NoError(t, err)
	require.Equal(t, m.ID, gotMember.ID)
	require.True(t, now.Equal(gotMember.Created))
}

// crashStoreEnv, when set, makes TestCrash_HelperProcess the child of
// TestCrash_AcknowledgedWritesSurviveSIGKILL, writing to the store it names.
const crashStoreEnv = "MAKECHAT_BOLT_CRASH_STORE"

// ackPrefix starts each line on which the child reports a user whose
// CreateUser has returned nil.
const ackPrefix = "acked "

func TestCrash_AcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "makechat.db")
	// A child that stalls is killed after a minute, which ends the
	// reading of its output below.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrash_HelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashStoreEnv+"="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	killed := false
	kill := func() {
		if !killed {
			killed = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	defer kill()

	// Kill the child while its writers are mid-batch: after it has
	// acknowledged enough writes to be well under way.
	const enough = 300
	var acked []storage.ID
	lines := bufio.NewScanner(stdout)
	for len(acked) < enough && lines.Scan() {
		hex, ok := strings.CutPrefix(lines.Text(), ackPrefix)
		if !ok {
			continue
		}
		id, err := storage.ParseID(hex)
		require.NoError(t, err)
		acked = append(acked, id)
	}
	kill()
	require.Len(t, acked, enough, "the child stopped early; its stderr:\n%s", stderr.String())

	s, err := bolt.Open(path, bolt.Options{})
	require.NoError(t, err)
	defer s.Close()
	for _, id := range acked {
		_, err := s.User(t.Context(), id)
		require.NoError(t, err, "acknowledged user %s is lost", id)
	}
	_, total, err := s.Users(t.Context(), storage.Page{Limit: 1})
	require.NoError(t, err)
	require.GreaterOrEqual(t, total, enough)
}

// TestCrash_HelperProcess is the child process of the crash test: it
// writes users from several goroutines until it is killed, reporting each
// on stdout once CreateUser has returned.
func TestCrash_HelperProcess(t *testing.T) {
	path := os.Getenv(crashStoreEnv)
	if path == "" {
		t.Skip("runs only as the child of TestCrash_AcknowledgedWritesSurviveSIGKILL")
	}
	s, err := bolt.Open(path, bolt.Options{})
	require.NoError(t, err)
	ids := storage.NewIDGen()
	var out sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10000 {
				id := ids.New()
				u := storage.User{ID: id, Username: id.Hex(), Email: id.Hex() + "@example.com", Created: time.Now()}
				if err := s.CreateUser(t.Context(), u); err != nil {
					t.Error(err)
					return
				}
				out.Lock()
				fmt.Fprintln(os.Stdout, ackPrefix+id.Hex())
				out.Unlock()
			}
		})
	}
	wg.Wait()
}

// reportThroughput adds the operations per second of the whole run.
func reportThroughput(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkCreateUser measures durable user creation from many concurrent
// writers, the case that group commit exists for.
func BenchmarkCreateUser(b *testing.B) {
	s := open(b)
	ids := storage.NewIDGen()
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := ids.New()
			u := storage.User{ID: id, Username: id.Hex(), Email: id.Hex() + "@example.com", Created: time.Now()}
			if err := s.CreateUser(b.Context(), u); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportThroughput(b)
}

// BenchmarkUserByName measures the login lookup: an index read and a
// record decode, from concurrent readers.
func BenchmarkUserByName(b *testing.B) {
	s := open(b)
	ids := storage.NewIDGen()
	names := make([]string, 1000)
	var wg sync.WaitGroup
	for i := range names {
		names[i] = fmt.Sprintf("User%04d", i)
		wg.Go(func() {
			id := ids.New()
			u := storage.User{ID: id, Username: names[i], Email: names[i] + "@example.com", Created: time.Now()}
			if err := s.CreateUser(b.Context(), u); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			name := strings.ToLower(names[i%len(names)])
			if _, err := s.UserByName(b.Context(), name); err != nil {
				b.Error(err)
				return
			}
			i += 7
		}
	})
	reportThroughput(b)
}

// TestDeleteRoom_RemovesAHistoryLongerThanOneSlice covers what the suite's
// short histories do not: a room whose messages DeleteRoom removes in
// several slices.
func TestDeleteRoom_RemovesAHistoryLongerThanOneSlice(t *testing.T) {
	ctx := t.Context()
	s := open(t)
	ids := storage.NewIDGen()
	alice := storage.User{ID: ids.New(), Username: "alice", Email: "alice@example.com"}
	require.NoError(t, s.CreateUser(ctx, alice))
	gone := storage.Room{ID: ids.New(), Name: "gone"}
	kept := storage.Room{ID: ids.New(), Name: "kept"}
	require.NoError(t, s.CreateRoom(ctx, gone, storage.Member{}))
	require.NoError(t, s.CreateRoom(ctx, kept, storage.Member{}))
	keptMsg := storage.Message{ID: ids.New(), Text: "common words", Sender: alice.ID, Room: kept.ID}
	require.NoError(t, s.CreateMessage(ctx, keptMsg))
	const n = 25_000
	msgs := make([]storage.Message, n)
	for i := range msgs {
		msgs[i] = storage.Message{ID: ids.New(), Text: fmt.Sprintf("common words %d", i), Sender: alice.ID, Room: gone.ID}
	}
	// Small transactions keep the index's pages small (see buildHistory).
	for chunk := range slices.Chunk(msgs, 1000) {
		require.NoError(t, s.FillMessages(ctx, chunk))
	}

	require.NoError(t, s.DeleteRoom(ctx, gone.ID))
	count, err := s.CountMessagesAfter(ctx, storage.RoomConversation(gone.ID), storage.NilID, 0)
	require.NoError(t, err)
	require.Zero(t, count)
	for _, m := range []storage.Message{msgs[0], msgs[n/2], msgs[n-1]} {
		_, err := s.Message(ctx, m.ID)
		require.ErrorIs(t, err, storage.ErrNotFound)
	}
	convs := []storage.Conversation{storage.RoomConversation(gone.ID), storage.RoomConversation(kept.ID)}
	found, err := s.SearchMessages(ctx, storage.SearchQuery{Terms: []string{"common", "words"}, Conversations: convs})
	require.NoError(t, err)
	require.Len(t, found.Messages, 1)
	require.Equal(t, keptMsg.ID, found.Messages[0].ID)
	last, err := s.LastMessageID(ctx)
	require.NoError(t, err)
	require.Equal(t, keptMsg.ID, last)
}
