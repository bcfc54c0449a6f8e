package backup

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
	"github.com/makechat/makechat/storage/durable"
)

var info = Info{Version: "test", Source: "bolt"}

// aBcryptHash is a password hash of the form makechat writes.
const aBcryptHash = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"

// keyHash is a hash of the form session keys, tokens and hook secrets
// are stored as (auth.HashKey's).
func keyHash(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// openStore opens a fresh embedded store in a temporary directory.
func openStore(t *testing.T) storage.Store {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "makechat.db"), bolt.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// fill puts users, a room with members, n messages in it, a direct
// message, a session, a token, hooks, a command and files (a message of
// an image with its thumbnail and a PDF, and an upload no message
// carries: see fileBytes) into st.
func fill(t *testing.T, st storage.Store, ids *storage.IDGen, n int) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond) // what every backend keeps
	alice := storage.User{ID: ids.New(), Username: "alice", Email: "a@example.com", PasswordHash: aBcryptHash, IsSuperuser: true, Created: now}
	bob := storage.User{ID: ids.New(), Username: "bob", Email: "b@example.com", Created: now}
	require.NoError(t, st.CreateUser(ctx, alice))
	require.NoError(t, st.CreateUser(ctx, bob))
	require.NoError(t, st.CreateSession(ctx, storage.Session{ID: ids.New(), KeyHash: keyHash("k"), User: alice.ID, Created: now, Expires: now.Add(time.Hour)}))
	require.NoError(t, st.CreateToken(ctx, storage.Token{ID: ids.New(), User: bob.ID, Name: "bot", Hash: keyHash("h"), Created: now}))
	room := storage.Room{ID: ids.New(), Name: "général", IsOpen: true, IsVisible: true, Created: now}
	require.NoError(t, st.CreateRoom(ctx, room, storage.Member{ID: ids.New(), Profile: alice.ID, Role: storage.RoleOwner, Created: now}))
	require.NoError(t, st.AddMember(ctx, storage.Member{ID: ids.New(), Room: room.ID, Profile: bob.ID, Role: storage.RoleMember, Created: now}))
	require.NoError(t, st.CreateHook(ctx, storage.Hook{ID: ids.New(), Room: room.ID, Creator: alice.ID, Name: "ci", SecretHash: keyHash("s"), Created: now}))
	require.NoError(t, st.CreateHook(ctx, storage.Hook{ID: ids.New(), Room: room.ID, Creator: alice.ID, Name: "bot", SecretHash: keyHash("o"), Created: now,
		Outgoing: &storage.Outgoing{URL: "https://bot.example.com/in", Triggers: []string{"!deploy"}, Secret: "0123456789abcdef0123"}}))
	require.NoError(t, st.CreateCommand(ctx, storage.Command{ID: ids.New(), Name: "weather", URL: "https://w.example.com/cmd", Help: "Weather", Token: "0123456789abcdefghij", Creator: alice.ID, Created: now}))
	require.NoError(t, st.CreateUser(ctx, storage.User{ID: ids.New(), Username: "ci-bot", IsBot: true, Owner: alice.ID, Created: now}))
	var recs []storage.Record
	for i := range n {
		recs = append(recs, storage.Record{Collection: storage.CollMessages, Value: storage.Message{ID: ids.New(), Room: room.ID, Sender: bob.ID, Text: fmt.Sprintf("message %d with <b>&\"quotes\"</b> and ünïcode 👍", i), Created: now}})
	}
	for len(recs) > 0 {
		k := min(len(recs), 5000)
		require.NoError(t, st.Import(ctx, recs[:k]))
		recs = recs[k:]
	}
	psst := storage.Message{ID: ids.New(), Sender: alice.ID, Recipient: bob.ID, Text: "psst", ClientID: "web-psst-1", Created: now}
	require.NoError(t, st.CreateMessage(ctx, psst))
	for _, r := range []storage.Reaction{{Emoji: "👍🏽", User: bob.ID, Username: "bob", At: now}, {Emoji: "🏴󠁧󠁢󠁳󠁣󠁴󠁿", User: alice.ID, Username: "alice", At: now}} {
		_, added, err := st.AddReaction(ctx, psst.ID, r)
		require.NoError(t, err)
		require.True(t, added)
	}
	blob := func(data string) storage.Blob {
		b, err := st.PutBlob(ctx, strings.NewReader(data), 1<<20)
		require.NoError(t, err)
		return b
	}
	photo, thumb, doc, loose := blob(fileBytes["photo.png"]), blob(fileBytes["thumb"]), blob(fileBytes["report.pdf"]), blob(fileBytes["loose.txt"])
	files := []storage.File{
		{FileInfo: storage.FileInfo{ID: ids.New(), Name: "photo.png", Size: photo.Size, ContentType: "image/png", SHA256: photo.SHA256, Width: 40, Height: 30, ThumbWidth: 40, ThumbHeight: 30},
			Thumb: thumb.SHA256, ThumbType: "image/jpeg", Owner: bob.ID, Created: now},
		{FileInfo: storage.FileInfo{ID: ids.New(), Name: "report.pdf", Size: doc.Size, ContentType: "application/pdf", SHA256: doc.SHA256}, Owner: bob.ID, Created: now},
		{FileInfo: storage.FileInfo{ID: ids.New(), Name: "loose.txt", Size: loose.Size, ContentType: "text/plain; charset=utf-8", SHA256: loose.SHA256}, Owner: bob.ID, Created: now},
	}
	for _, f := range files {
		require.NoError(t, st.CreateFile(ctx, f))
	}
	require.NoError(t, st.CreateMessage(ctx, storage.Message{ID: ids.New(), Sender: bob.ID, Room: room.ID, Created: now,
		Files: []storage.FileInfo{files[0].FileInfo, files[1].FileInfo}}))
	avatar := blob(fileBytes["avatar"]).SHA256
	name, status := "Bob Lévy", storage.Status{Text: "🏖️ Away", Expires: now.Add(time.Hour)}
	_, err := st.UpdateUser(ctx, bob.ID, storage.UserPatch{Avatar: &avatar, DisplayName: &name, Status: &status})
	require.NoError(t, err)
	require.NoError(t, st.CreateMessage(ctx, storage.Message{ID: ids.New(), Sender: alice.ID, Room: room.ID, Text: "**Build 7**", Hook: ids.New(), Username: "ci", Created: now,
		Attachments: []storage.Attachment{{Color: "#a30200", Title: "Build 7", TitleLink: "https://ci.example.com/7", Text: "<b>failed</b>",
			Fields: []storage.Field{{Title: "stage", Value: "test", Short: true}}, Footer: "CI", TS: 1764770400}}}))
}

// dump is everything st exports, encoded, for comparing two stores.
// fileBytes are the bytes of fill's files.
var fileBytes = map[string]string{"photo.png": "\x89PNG photo", "thumb": "a thumbnail", "report.pdf": "%PDF-1.4 report", "loose.txt": "not sent yet", "avatar": "bob's face"}

// blobName is the name of a blob of data.
func blobName(data string) string {
	sum := sha256.Sum256([]byte(data))
	return hex.EncodeToString(sum[:])
}

// requireFileBytes checks that st holds the bytes of every file fill made.
func requireFileBytes(t *testing.T, st storage.Store) {
	t.Helper()
	for name, data := range fileBytes {
		r, err := st.OpenBlob(context.Background(), blobName(data))
		require.NoError(t, err, name)
		got, err := io.ReadAll(r)
		r.Close()
		require.NoError(t, err)
		require.Equal(t, data, string(got), name)
	}
}

func dump(t *testing.T, st storage.Store) []string {
	t.Helper()
	var out []string
	require.NoError(t, st.Export(context.Background(), func(r storage.Record) error {
		b, err := json.Marshal(r.Value)
		out = append(out, r.Collection+" "+string(b))
		return err
	}))
	return out
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	src := openStore(t)
	fill(t, src, storage.NewIDGen(), 5000)
	dir := t.TempDir()
	path, m, err := ToDir(context.Background(), src, dir, info)
	require.NoError(t, err)
	assert.Regexp(t, `makechat-backup-\d{8}T\d{6}\.\d{3}Z\.zip$`, path)
	assert.Equal(t, 5003, m.Count(storage.CollMessages)) // 5000, a direct message, a hook's card and files
	assert.Equal(t, 3, m.Count(storage.CollFiles))
	var all int64
	for _, data := range fileBytes {
		all += int64(len(data))
	}
	assert.Equal(t, &Blobs{Count: len(fileBytes), Bytes: all}, m.Blobs, "the files' and the avatar's")
	assert.Equal(t, 2, m.Count(storage.CollMembers))

	verified, err := Verify(path)
	require.NoError(t, err)
	assert.Equal(t, m.Collections, verified.Collections)

	dst := openStore(t)
	var last Progress
	restored, err := Restore(context.Background(), dst, path, RestoreOptions{Progress: func(p Progress) { last = p }})
	require.NoError(t, err)
	assert.Equal(t, m.Total(), restored.Total())
	assert.Empty(t, restored.Legacy, "a store of today's makechat holds nothing legacy")
	assert.Equal(t, Progress{Collection: storage.CollFiles, Done: m.Total(), Total: m.Total()}, last)
	assert.Equal(t, dump(t, src), dump(t, dst))
	requireFileBytes(t, dst)

	u, err := dst.UserByName(context.Background(), "ALICE")
	require.NoError(t, err)
	assert.Equal(t, aBcryptHash, u.PasswordHash)
}

func TestRestoreRefusesANonEmptyStoreUnlessForced(t *testing.T) {
	ids := storage.NewIDGen()
	src := openStore(t)
	fill(t, src, ids, 10)
	path, _, err := ToDir(context.Background(), src, t.TempDir(), info)
	require.NoError(t, err)

	dst := openStore(t)
	require.NoError(t, dst.CreateUser(context.Background(), storage.User{ID: ids.New(), Username: "carol", Email: "c@example.com"}))
	before := dump(t, dst)
	_, err = Restore(context.Background(), dst, path, RestoreOptions{})
	require.ErrorIs(t, err, ErrNotEmpty)
	assert.Contains(t, err.Error(), "1 users")
	assert.Equal(t, before, dump(t, dst), "a refused restore changed the store")

	_, err = Restore(context.Background(), dst, path, RestoreOptions{Force: true})
	require.NoError(t, err)
	assert.Equal(t, dump(t, src), dump(t, dst))
}

func TestRestoreInterruptedHalfWayCanBeRedoneWithForce(t *testing.T) {
	src := openStore(t)
	fill(t, src, storage.NewIDGen(), 3*batchSize)
	path, _, err := ToDir(context.Background(), src, t.TempDir(), info)
	require.NoError(t, err)

	dst := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Restore(ctx, dst, path, RestoreOptions{Progress: func(p Progress) {
		if p.Collection == storage.CollMessages {
			cancel()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	_, err = Restore(context.Background(), dst, path, RestoreOptions{})
	require.ErrorIs(t, err, ErrNotEmpty, "a half-restored store looked empty")
	_, err = Restore(context.Background(), dst, path, RestoreOptions{Force: true})
	require.NoError(t, err)
	assert.Equal(t, dump(t, src), dump(t, dst))
}

// failAfter fails writes with ENOSPC, as a full disk does, once n bytes
// have been written.
type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, &os.PathError{Op: "write", Path: "backup", Err: syscall.ENOSPC}
	}
	f.n -= len(p)
	return f.w.Write(p)
}

func TestBackupOnAFullDiskLeavesNoFile(t *testing.T) {
	src := openStore(t)
	fill(t, src, storage.NewIDGen(), 20000)
	full, _, err := ToDir(context.Background(), src, t.TempDir(), info)
	require.NoError(t, err)
	fi, err := os.Stat(full)
	require.NoError(t, err)
	size := int(fi.Size())

	dir := t.TempDir()
	// size - 100 fails in the central directory, at the very end (sizes
	// vary by a few bytes between backups: the manifest holds the time).
	for _, n := range []int{0, 100, size / 2, size - 100} {
		_, _, err := toDir(context.Background(), src, dir, info, func(w io.Writer) io.Writer { return &failAfter{w: w, n: n} })
		require.ErrorIs(t, err, syscall.ENOSPC, "after %d of %d bytes", n, size)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "after %d of %d bytes", n, size)
	}
	// The same store still backs up once there is room.
	_, _, err = ToDir(context.Background(), src, dir, info)
	require.NoError(t, err)
}

func TestBackupUnderConcurrentWritesRestoresEveryAcknowledgedWrite(t *testing.T) {
	ids := storage.NewIDGen()
	src := openStore(t)
	fill(t, src, ids, 2000)
	rooms, err := src.Rooms(context.Background())
	require.NoError(t, err)
	users, _, err := src.Users(context.Background(), storage.Page{})
	require.NoError(t, err)

	var (
		mu      sync.Mutex
		acked   = map[storage.ID]time.Time{}
		stop    atomic.Bool
		writers sync.WaitGroup
	)
	for range 4 {
		writers.Go(func() {
			for !stop.Load() {
				m := storage.Message{ID: ids.New(), Room: rooms[0].ID, Sender: users[1].ID, Text: "during the backup", Created: time.Now()}
				if err := src.CreateMessage(context.Background(), m); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked[m.ID] = time.Now()
				mu.Unlock()
			}
		})
	}
	ackedCount := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(acked)
	}
	require.Eventually(t, func() bool { return ackedCount() >= 20 }, 10*time.Second, time.Millisecond, "writes are acknowledged before the backup")
	start := time.Now()
	path, m, err := ToDir(context.Background(), src, t.TempDir(), info)
	require.NoError(t, err)
	n := ackedCount()
	require.Eventually(t, func() bool { return ackedCount() >= n+20 }, 10*time.Second, time.Millisecond, "writes go on after the backup")
	stop.Store(true)
	writers.Wait()

	dst := openStore(t)
	_, err = Restore(context.Background(), dst, path, RestoreOptions{})
	require.NoError(t, err)
	got := map[storage.ID]bool{}
	require.NoError(t, dst.Export(context.Background(), func(r storage.Record) error {
		if msg, ok := r.Value.(storage.Message); ok {
			got[msg.ID] = true
		}
		return nil
	}))
	mu.Lock()
	defer mu.Unlock()
	var before, after int
	for id, at := range acked {
		if at.Before(start) {
			before++
			require.True(t, got[id], "message acknowledged before the backup began is missing")
		} else {
			after++
		}
	}
	require.Positive(t, before)
	require.Positive(t, after, "no write landed during or after the backup")
	assert.Equal(t, m.Count(storage.CollMessages), len(got))
	assert.Less(t, len(got), 2001+len(acked)+1)
	t.Logf("%d writes acknowledged before the backup, %d during or after it; the backup holds %d messages", before, after, len(got))
}

// archive writes a zip of files, in order, to a temporary file.
func archive(t *testing.T, files ...[2]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crafted.zip")
	f, err := os.Create(path)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	for _, file := range files {
		w, err := zw.Create(file[0])
		require.NoError(t, err)
		_, err = w.Write([]byte(file[1]))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
	return path
}

// crafted returns a manifest and files for collections holding the given
// lines (by collection name), with correct counts and checksums.
func crafted(lines map[string]string) (Manifest, [][2]string) {
	m := Manifest{Format: Format, FormatVersion: FormatVersion, Version: "test", Source: "bolt", Created: time.Now()}
	var files [][2]string
	for _, c := range storage.Collections {
		body := lines[c]
		sum := sha256.Sum256([]byte(body))
		m.Collections = append(m.Collections, Collection{Name: c, File: c + ".jsonl", Count: strings.Count(body, "\n"), Bytes: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
		files = append(files, [2]string{c + ".jsonl", body})
	}
	return m, files
}

func withManifest(t *testing.T, m Manifest, files [][2]string) string {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return archive(t, append(files, [2]string{manifestFile, string(b)})...)
}

func TestRestoreRefusesBadFilesAndWritesNothing(t *testing.T) {
	src := openStore(t)
	fill(t, src, storage.NewIDGen(), 3000)
	good, _, err := ToDir(context.Background(), src, t.TempDir(), info)
	require.NoError(t, err)
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	write := func(b []byte) string {
		p := filepath.Join(t.TempDir(), "bad.zip")
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	user := `{"_id":{"$oid":"5f0000000000000000000001"},"username":"u","email":"u@x"}` + "\n"
	cases := []struct {
		name string
		path func() string
		want error
	}{
		{"an empty file", func() string { return write(nil) }, ErrCorrupt},
		{"not a zip", func() string { return write([]byte("hello, this is not a backup")) }, ErrCorrupt},
		{"truncated to half", func() string { return write(data[:len(data)/2]) }, ErrCorrupt},
		{"truncated by one byte", func() string { return write(data[:len(data)-1]) }, ErrCorrupt},
		{"a byte flipped in the middle", func() string {
			b := append([]byte(nil), data...)
			b[len(b)/3] ^= 0xff
			return write(b)
		}, ErrCorrupt},
		{"no manifest", func() string { _, f := crafted(nil); return archive(t, f...) }, ErrCorrupt},
		{"a manifest that is not JSON", func() string {
			_, f := crafted(nil)
			return archive(t, append(f, [2]string{manifestFile, "{nope"})...)
		}, ErrCorrupt},
		{"a newer format", func() string {
			m, f := crafted(nil)
			m.FormatVersion = FormatVersion + 1
			return withManifest(t, m, f)
		}, ErrNewerFormat},
		{"another kind of archive", func() string {
			m, f := crafted(nil)
			m.Format = "something-else"
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"a missing collection", func() string {
			m, f := crafted(nil)
			m.Collections = m.Collections[1:]
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"an unknown collection", func() string {
			m, f := crafted(nil)
			m.Collections[0].Name, m.Collections[0].File = "../etc", "../etc.jsonl"
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"a checksum that does not match", func() string {
			m, f := crafted(map[string]string{storage.CollUsers: user})
			m.Collections[0].SHA256 = strings.Repeat("0", 64)
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"more records than the manifest says", func() string {
			m, f := crafted(map[string]string{storage.CollUsers: user})
			m.Collections[0].Count = 0
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"a file far larger than its manifest says", func() string {
			m, f := crafted(map[string]string{storage.CollUsers: user})
			f[0][1] = user + strings.Repeat(user, 100000)
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"a last line without newline", func() string {
			m, f := crafted(map[string]string{storage.CollUsers: user})
			f[0][1] = strings.TrimSuffix(user, "\n") + " "
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"a line that is not JSON", func() string {
			m, _ := crafted(nil)
			m2, f := crafted(map[string]string{storage.CollRooms: "{not json}\n"})
			m.Collections = m2.Collections
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"a record without an id", func() string {
			_, f := crafted(map[string]string{storage.CollUsers: `{"username":"x"}` + "\n"})
			m, _ := crafted(map[string]string{storage.CollUsers: `{"username":"x"}` + "\n"})
			return withManifest(t, m, f)
		}, ErrCorrupt},
		{"a field of the wrong type", func() string {
			body := `{"_id":{"$oid":"5f0000000000000000000001"},"username":42}` + "\n"
			m, f := crafted(map[string]string{storage.CollUsers: body})
			return withManifest(t, m, f)
		}, ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := openStore(t)
			_, err := Restore(context.Background(), dst, c.path(), RestoreOptions{})
			require.ErrorIs(t, err, c.want)
			assert.NotContains(t, err.Error(), "\n")
			counts, err := dst.Counts(context.Background())
			require.NoError(t, err)
			assert.Empty(t, describe(counts), "a refused restore wrote something")
		})
	}
	t.Run("a missing file", func(t *testing.T) {
		_, err := Restore(context.Background(), openStore(t), filepath.Join(t.TempDir(), "nope.zip"), RestoreOptions{})
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestPruneKeepsTheNewest(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t)
	var made []string
	for range 4 {
		p, _, err := ToDir(context.Background(), st, dir, info)
		require.NoError(t, err)
		made = append(made, p)
		time.Sleep(2 * time.Millisecond) // names differ by the millisecond
	}
	other := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(other, []byte("mine"), 0o600))
	stale := filepath.Join(dir, ".makechat-backup-1.partial")
	fresh := filepath.Join(dir, ".makechat-backup-2.partial")
	require.NoError(t, os.WriteFile(stale, nil, 0o600))
	require.NoError(t, os.WriteFile(fresh, nil, 0o600))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))

	removed, err := Prune(dir, 2)
	require.NoError(t, err)
	assert.Equal(t, made[:2], removed)
	left, err := List(dir)
	require.NoError(t, err)
	assert.Equal(t, made[2:], left)
	assert.FileExists(t, other)
	assert.FileExists(t, fresh, "a backup in progress was removed")
	assert.NoFileExists(t, stale)

	removed, err = Prune(dir, 0)
	require.NoError(t, err)
	assert.Empty(t, removed)
	none, err := List(filepath.Join(dir, "missing"))
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestWriteStopsOnAFailingStore(t *testing.T) {
	st := openStore(t)
	fill(t, st, storage.NewIDGen(), 10)
	require.NoError(t, st.Close())
	_, _, err := ToDir(context.Background(), st, t.TempDir(), info)
	require.True(t, errors.Is(err, storage.ErrClosed), "%v", err)
}

func TestRestoreForceNeverClearsForAFileItCannotRead(t *testing.T) {
	// Checksums that match, but a record that does not decode.
	m, f := crafted(map[string]string{storage.CollUsers: `{"_id":{"$oid":"5f0000000000000000000001"},"username":42}` + "\n"})
	bad := withManifest(t, m, f)
	dst := openStore(t)
	fill(t, dst, storage.NewIDGen(), 10)
	before := dump(t, dst)
	_, err := Restore(context.Background(), dst, bad, RestoreOptions{Force: true})
	require.ErrorIs(t, err, ErrCorrupt)
	assert.Equal(t, before, dump(t, dst), "the store was cleared for a file that cannot be restored")
}

func TestExportStopsSoonAfterItsContextEnds(t *testing.T) {
	st := openStore(t)
	fill(t, st, storage.NewIDGen(), 5000)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := st.Export(ctx, func(r storage.Record) error {
		if n++; n == 10 {
			cancel()
		}
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, n, 1100, "records exported after the cancel")
}

func TestPublish_TwoBackupsOfOneMillisecondGetTwoNames(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, filePrefix+time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC).Format(nameTime))
	var paths []string
	for i := range 3 {
		f, err := durable.Create(dir, ".partial-*")
		require.NoError(t, err)
		_, err = f.WriteString(fmt.Sprint("backup ", i))
		require.NoError(t, err)
		path, err := publish(f, base)
		require.NoError(t, err)
		f.Abort()
		paths = append(paths, path)
	}
	assert.Equal(t, []string{base + ".zip", base + "_2.zip", base + "_3.zip"}, paths)
	for i, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint("backup ", i), string(data), "nothing was overwritten")
	}
	listed, err := List(dir)
	require.NoError(t, err)
	assert.Equal(t, paths, listed, "List sorts them in the order they were taken")
}
