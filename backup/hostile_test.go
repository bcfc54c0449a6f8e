package backup

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// Ids of the crafted records below.
const (
	idAlice   = "5f0000000000000000000001"
	idRoom    = "5f0000000000000000000002"
	idMember  = "5f0000000000000000000003"
	idMessage = "5f0000000000000000000004"
	idSession = "5f0000000000000000000005"
	idToken   = "5f0000000000000000000006"
	idHook    = "5f0000000000000000000007"
	idBob     = "5f0000000000000000000008"
)

const aTime = "2024-01-01T12:00:00Z"

func oid(hex string) map[string]string { return map[string]string{"$oid": hex} }

// line is one record as a backup holds it: JSON of its fields and _id
// (first, as maps marshal in key order), and a newline.
func line(id string, fields map[string]any) string {
	doc := map[string]any{"_id": oid(id)}
	maps.Copy(doc, fields)
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return string(b) + "\n"
}

// with is fields with some changed; a nil change removes the field.
func with(fields map[string]any, changes map[string]any) map[string]any {
	out := maps.Clone(fields)
	for k, v := range changes {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// Fields of well-formed records, which rows change one field of.
var (
	userFields    = map[string]any{"username": "alice", "email": "a@example.com", "password": aBcryptHash, "created": aTime}
	sessionFields = map[string]any{"key_hash": strings.Repeat("ab", 32), "user": oid(idAlice), "created": aTime, "expires": aTime}
	tokenFields   = map[string]any{"user": oid(idAlice), "name": "bot", "hash": strings.Repeat("cd", 32), "created": aTime}
	roomFields    = map[string]any{"name": "général", "members": []any{oid(idMember)}, "is_open": true, "created": aTime}
	memberFields  = map[string]any{"room": oid(idRoom), "profile": oid(idAlice), "role": "owner", "created": aTime}
	messageFields = map[string]any{"text": "hello", "sender": oid(idAlice), "room": oid(idRoom), "created": aTime}
	hookFields    = map[string]any{"room": oid(idRoom), "creator": oid(idAlice), "name": "ci", "secret_hash": strings.Repeat("ef", 32), "created": aTime}
)

// wellFormed is a small backup's lines by collection, each of which
// passes every check.
func wellFormed() map[string]string {
	return map[string]string{
		storage.CollUsers:    line(idAlice, userFields),
		storage.CollSessions: line(idSession, sessionFields),
		storage.CollTokens:   line(idToken, tokenFields),
		storage.CollRooms:    line(idRoom, roomFields),
		storage.CollMembers:  line(idMember, memberFields),
		storage.CollMessages: line(idMessage, messageFields),
		storage.CollHooks:    line(idHook, hookFields),
	}
}

// withLines is wellFormed with some collections' lines replaced.
func withLines(changes map[string]string) map[string]string {
	out := wellFormed()
	maps.Copy(out, changes)
	return out
}

func TestRestore_AWellFormedCraftedFileRestores(t *testing.T) {
	m, files := crafted(wellFormed())
	_, err := Restore(context.Background(), openStore(t), withManifest(t, m, files), RestoreOptions{})
	require.NoError(t, err, "the rows below must fail for what they change, not for the rest")
}

// manyMessages is wellFormed with n messages, the one on line bad
// changed.
func manyMessages(n, bad int, changes map[string]any) map[string]string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fields := messageFields
		if i == bad {
			fields = with(messageFields, changes)
		}
		b.WriteString(line(fmt.Sprintf("5f00000000000000001%05d", i), fields))
	}
	return withLines(map[string]string{storage.CollMessages: b.String()})
}

// manyUsers is n distinct users, one per line, with ids that follow
// idAlice's.
func manyUsers(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString(line(fmt.Sprintf("5f00000000000000002%05d", i), with(userFields, map[string]any{"username": fmt.Sprint("user", i), "email": fmt.Sprintf("u%d@example.com", i)})))
	}
	return b.String()
}

func TestRestore_RefusesAHostileRecordNamingItAndLeavesTheStoreAlone(t *testing.T) {
	msg := func(changes map[string]any) map[string]string {
		return withLines(map[string]string{storage.CollMessages: line(idMessage, with(messageFields, changes))})
	}
	user := func(changes map[string]any) map[string]string {
		return withLines(map[string]string{storage.CollUsers: line(idAlice, userFields) + line(idBob, with(userFields, changes))})
	}
	cases := []struct {
		name  string
		lines map[string]string
		want  string // the error is exactly "backup FILE: " and this
	}{
		{"a 10 MB message among others", manyMessages(51, 12, map[string]any{"text": strings.Repeat("a", 10<<20)}),
			"messages.jsonl line 12 (_id 5f0000000000000000100012): the record is longer than 4194304 bytes, the limit for messages"},
		{"a message of 10,001 characters", msg(map[string]any{"text": strings.Repeat("é", 10_001)}),
			"messages.jsonl line 1 (_id " + idMessage + "): text is 10001 characters, at most 10000"},
		{"an empty message", msg(map[string]any{"text": ""}),
			"messages.jsonl line 1 (_id " + idMessage + "): text is empty"},
		{"a message without a sender", msg(map[string]any{"sender": nil}),
			"messages.jsonl line 1 (_id " + idMessage + "): sender is missing"},
		{"a sender that is not an ObjectId", msg(map[string]any{"sender": oid("not-an-id")}),
			"messages.jsonl line 1 (_id " + idMessage + "): the record does not decode: not an ObjectId"},
		{"a message from a zero sender", msg(map[string]any{"sender": oid("000000000000000000000000")}),
			"messages.jsonl line 1 (_id " + idMessage + "): sender is missing"},
		{"a message to a room and a user", msg(map[string]any{"recipient": oid(idBob)}),
			"messages.jsonl line 1 (_id " + idMessage + "): the message has both a room and a recipient"},
		{"a message to nobody", msg(map[string]any{"room": oid("000000000000000000000000")}),
			"messages.jsonl line 1 (_id " + idMessage + "): the message has neither a room nor a recipient"},
		{"a hook's message under a name with a newline", msg(map[string]any{"hook": oid(idHook), "username": "ci\nbot"}),
			"messages.jsonl line 1 (_id " + idMessage + `): username "ci\nbot" contains the control character U+000A`},
		{"a client id with a space", msg(map[string]any{"client_id": "tab 1"}),
			"messages.jsonl line 1 (_id " + idMessage + `): client_id "tab 1" may hold only ASCII letters, digits, '-' and '_'`},
		{"a client id of 65 characters", msg(map[string]any{"client_id": strings.Repeat("c", 65)}),
			"messages.jsonl line 1 (_id " + idMessage + `): client_id "` + strings.Repeat("c", 40) + `"… is 65 characters, at most 64`},
		{"a card with a script link", msg(map[string]any{"attachments": []any{map[string]any{"title": "x", "title_link": "javascript:alert(1)"}}}),
			"messages.jsonl line 1 (_id " + idMessage + `): attachments card 0 has a title_link that is not an http, https or mailto URL`},
		{"an empty card", msg(map[string]any{"attachments": []any{map[string]any{}}}),
			"messages.jsonl line 1 (_id " + idMessage + `): attachments card 0 is empty`},
		{"cards that are not a list", msg(map[string]any{"attachments": "x"}),
			"messages.jsonl line 1 (_id " + idMessage + "): attachments is a JSON string, not []storage.Attachment"},
		{"two messages of one sender with one client id", withLines(map[string]string{storage.CollMessages: line(idMessage, with(messageFields, map[string]any{"client_id": "c1"})) +
			line("5f0000000000000000000104", with(messageFields, map[string]any{"client_id": "c1", "text": "again"}))}),
			"messages.jsonl line 2 (_id 5f0000000000000000000104): sender and client_id repeats that of line 1, which must be unique"},
		{"an email x", user(map[string]any{"username": "bob", "email": "x"}),
			"users.jsonl line 2 (_id " + idBob + `): email "x" has no '@'`},
		{"markup in a username", user(map[string]any{"username": "<img src=x>"}),
			"users.jsonl line 2 (_id " + idBob + `): username "<img src=x>" contains '<', which no makechat allowed in a username`},
		{"a quote in a username", user(map[string]any{"username": `bob"`}),
			"users.jsonl line 2 (_id " + idBob + `): username "bob\"" contains '"', which no makechat allowed in a username`},
		{"a space in a username", user(map[string]any{"username": "bob smith"}),
			"users.jsonl line 2 (_id " + idBob + `): username "bob smith" contains whitespace`},
		{"a field of the wrong type", user(map[string]any{"is_superuser": "yes"}),
			"users.jsonl line 2 (_id " + idBob + "): is_superuser is a JSON string, not bool"},
		{"a username that is a number", user(map[string]any{"username": 42}),
			"users.jsonl line 2 (_id " + idBob + "): username is a JSON number, not string"},
		{"a display name that reads backwards", user(map[string]any{"username": "bob", "email": "b@example.com", "display_name": "\u202enimda"}),
			"users.jsonl line 2 (_id " + idBob + `): display_name "\u202enimda" contains the invisible formatting character U+202E`},
		{"a display name of 65 characters", user(map[string]any{"username": "bob", "email": "b@example.com", "display_name": strings.Repeat("d", 65)}),
			"users.jsonl line 2 (_id " + idBob + `): display_name "` + strings.Repeat("d", 40) + `"… is 65 characters, at most 64`},
		{"a status on two lines", user(map[string]any{"username": "bob", "email": "b@example.com", "status": map[string]any{"text": "one\ntwo"}}),
			"users.jsonl line 2 (_id " + idBob + `): status.text "one\ntwo" contains the control character U+000A`},
		{"a status with an expiry and no text", user(map[string]any{"username": "bob", "email": "b@example.com", "status": map[string]any{"text": "", "expires": aTime}}),
			"users.jsonl line 2 (_id " + idBob + "): status has an expiry but no text"},
		{"a status that is a string", user(map[string]any{"username": "bob", "email": "b@example.com", "status": "busy"}),
			"users.jsonl line 2 (_id " + idBob + "): status is a JSON string, not storage.Status"},
		{"a zero id", withLines(map[string]string{storage.CollUsers: line("000000000000000000000000", userFields)}),
			"users.jsonl line 1: _id is missing"},
		{"no id at all", withLines(map[string]string{storage.CollUsers: `{"username":"alice","email":"a@example.com"}` + "\n"}),
			"users.jsonl line 1: _id is missing"},
		{"a record over the limit of its collection", user(map[string]any{"email": strings.Repeat("a", 20<<10) + "@example.com"}),
			"users.jsonl line 2 (_id " + idBob + "): the record is longer than 16384 bytes, the limit for users"},
		{"a line that is not UTF-8", withLines(map[string]string{storage.CollRooms: strings.Replace(line(idRoom, roomFields), "général", "g\xe9n\xe9ral", 1)}),
			"rooms.jsonl line 1 (_id " + idRoom + "): the record is not valid UTF-8"},
		{"a room name of 121 characters", withLines(map[string]string{storage.CollRooms: line(idRoom, with(roomFields, map[string]any{"name": strings.Repeat("r", 121)}))}),
			"rooms.jsonl line 1 (_id " + idRoom + `): name "` + strings.Repeat("r", 40) + `"… is 121 characters, at most 120`},
		{"a room topic on two lines", withLines(map[string]string{storage.CollRooms: line(idRoom, with(roomFields, map[string]any{"topic": "one\ntwo"}))}),
			"rooms.jsonl line 1 (_id " + idRoom + `): topic "one\ntwo" contains the control character U+000A`},
		{"a zero id among a room's members", withLines(map[string]string{storage.CollRooms: line(idRoom, with(roomFields, map[string]any{"members": []any{oid(idMember), oid("000000000000000000000000")}}))}),
			"rooms.jsonl line 1 (_id " + idRoom + "): members[1] is missing"},
		{"an unknown role", withLines(map[string]string{storage.CollMembers: line(idMember, with(memberFields, map[string]any{"role": "admin"}))}),
			"members.jsonl line 1 (_id " + idMember + `): role "admin" is not "owner", "member" or "guest"`},
		{"a member of no room", withLines(map[string]string{storage.CollMembers: line(idMember, with(memberFields, map[string]any{"room": oid("000000000000000000000000")}))}),
			"members.jsonl line 1 (_id " + idMember + "): room is missing"},
		{"a session key that is not hashed", withLines(map[string]string{storage.CollSessions: line(idSession, with(sessionFields, map[string]any{"key_hash": "the-cookie-itself"}))}),
			"sessions.jsonl line 1 (_id " + idSession + "): key_hash is not a hex SHA-256 (64 lowercase hex digits)"},
		{"a token of no user", withLines(map[string]string{storage.CollTokens: line(idToken, with(tokenFields, map[string]any{"user": oid("000000000000000000000000")}))}),
			"tokens.jsonl line 1 (_id " + idToken + "): user is missing"},
		{"a hook with a control character in its name", withLines(map[string]string{storage.CollHooks: line(idHook, with(hookFields, map[string]any{"name": "ci\a"}))}),
			"hooks.jsonl line 1 (_id " + idHook + `): name "ci\a" contains the control character U+0007`},
		{"a command with a space in its name", withLines(map[string]string{storage.CollCommands: line("5f0000000000000000000009", map[string]any{"name": "two words", "url": "https://x.example", "token": "0123456789abcdef", "creator": oid(idAlice), "created": aTime})}),
			`commands.jsonl line 1 (_id 5f0000000000000000000009): name "two words" may hold only lower-case letters, digits, '-' and '_'`},
		{"a bot with a password", withLines(map[string]string{storage.CollUsers: line(idAlice, with(userFields, map[string]any{"is_bot": true, "email": ""}))}),
			"users.jsonl line 1 (_id " + idAlice + "): password is set, and a bot has none"},
		{"an outgoing hook to a file", withLines(map[string]string{storage.CollHooks: line(idHook, with(hookFields, map[string]any{"outgoing": map[string]any{"url": "file:///etc/passwd", "secret": "0123456789abcdef"}}))}),
			"hooks.jsonl line 1 (_id " + idHook + "): outgoing url is not an http or https URL"},
		{"an outgoing hook with a short secret", withLines(map[string]string{storage.CollHooks: line(idHook, with(hookFields, map[string]any{"outgoing": map[string]any{"url": "https://x.example", "secret": "short"}}))}),
			"hooks.jsonl line 1 (_id " + idHook + "): outgoing has a secret that is not 16 to 128 printable ASCII characters"},
		{"a record repeated", withLines(map[string]string{storage.CollUsers: line(idAlice, userFields) + line(idBob, with(userFields, map[string]any{"username": "bob", "email": "b@example.com"})) + line(idAlice, userFields)}),
			"users.jsonl line 3 (_id " + idAlice + "): _id repeats that of line 1"},
		// Unique values that only the store would have caught, after
		// --force had cleared it.
		{"two users with one username", user(map[string]any{"username": "ALICE", "email": "b@example.com"}),
			"users.jsonl line 2 (_id " + idBob + "): username repeats that of line 1, which must be unique"},
		{"two users with one email", user(map[string]any{"username": "bob", "email": "A@Example.com"}),
			"users.jsonl line 2 (_id " + idBob + "): email repeats that of line 1, which must be unique"},
		{"two rooms with one name", withLines(map[string]string{storage.CollRooms: line(idRoom, roomFields) + line("5f0000000000000000000099", roomFields)}),
			"rooms.jsonl line 2 (_id 5f0000000000000000000099): name repeats that of line 1, which must be unique"},
		{"a repeated id far apart", withLines(map[string]string{storage.CollUsers: line(idAlice, userFields) + manyUsers(2000) + line(idAlice, with(userFields, map[string]any{"username": "alice2", "email": "a2@example.com"}))}),
			"users.jsonl line 2002 (_id " + idAlice + "): _id repeats that of line 1, which must be unique"},
		{"messages out of id order", withLines(map[string]string{storage.CollMessages: line("5f0000000000000000100002", messageFields) + line("5f0000000000000000100001", messageFields)}),
			"messages.jsonl line 2 (_id 5f0000000000000000100001): _id is not after the previous message's: a makechat backup writes messages in id order, each once"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, files := crafted(c.lines)
			path := withManifest(t, m, files)
			dst := openStore(t)
			fill(t, dst, storage.NewIDGen(), 3)
			before := dump(t, dst)

			_, err := Restore(context.Background(), dst, path, RestoreOptions{Force: true})
			require.ErrorIs(t, err, ErrCorrupt)
			var re *RecordError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, "backup "+path+": "+c.want, err.Error())
			assert.Equal(t, before, dump(t, dst), "a refused restore --force changed the store")

			_, err = Verify(path)
			require.Error(t, err)
			assert.Equal(t, "backup "+path+": "+c.want, err.Error())
		})
	}
}

func TestRestore_RefusesSizesNoBackupHasBeforeReadingAFile(t *testing.T) {
	cases := []struct {
		name   string
		change func(m *Manifest, files [][2]string) [][2]string
		want   string
	}{
		{"a zip entry whose size disagrees with the manifest", func(m *Manifest, f [][2]string) [][2]string {
			m.Collections[0].Bytes++
			return f
		}, "users.jsonl's zip entry declares"},
		{"a manifest that declares more bytes than its records can take", func(m *Manifest, f [][2]string) [][2]string {
			m.Collections[0].Bytes = 1 << 30
			return f
		}, "which no backup can"},
		{"one message of 10 MB, declared as such", func(m *Manifest, f [][2]string) [][2]string {
			_, big := crafted(map[string]string{storage.CollMessages: line(idMessage, with(messageFields, map[string]any{"text": strings.Repeat("a", 10<<20)}))})
			m2, _ := crafted(map[string]string{storage.CollMessages: big[5][1]})
			m.Collections[5] = m2.Collections[5]
			f[5] = big[5]
			return f
		}, "its manifest says messages.jsonl holds 1 records in 10485935 bytes, which no backup can (a messages record takes 1 to 4194304 bytes)"},
		{"a manifest that declares more records than bytes", func(m *Manifest, f [][2]string) [][2]string {
			m.Collections[0].Count = 1000
			return f
		}, "which no backup can"},
		{"a collection file twice", func(m *Manifest, f [][2]string) [][2]string {
			return append(f, f[0])
		}, "users.jsonl is in the archive twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, files := crafted(wellFormed())
			files = c.change(&m, files)
			_, err := Restore(context.Background(), openStore(t), withManifest(t, m, files), RestoreOptions{})
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

// bomb is deflate data that inflates to n copies of chunk. It is made
// without compressing all of it: a chunk compressed with the chunk's own
// last 32 KiB as dictionary, and flushed to a byte boundary, may follow
// any copy of the chunk, so the stream is the first chunk compressed, the
// second one's compressed form repeated, and an empty final block.
func bomb(t *testing.T, chunk []byte, n int) (data []byte, crc uint32) {
	t.Helper()
	compress := func(dict []byte) []byte {
		var buf bytes.Buffer
		w, err := flate.NewWriterDict(&buf, flate.BestCompression, dict)
		require.NoError(t, err)
		_, err = w.Write(chunk)
		require.NoError(t, err)
		require.NoError(t, w.Flush())
		return buf.Bytes()
	}
	first, next := compress(nil), compress(chunk[len(chunk)-32<<10:])
	data = append(data, first...)
	for range n - 1 {
		data = append(data, next...)
	}
	data = append(data, 0x03, 0x00) // a final fixed-Huffman block with no symbols
	for range n {
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	return data, crc
}

// bombFile writes a backup whose messages.jsonl is the deflate data
// given, its zip entry declaring size bytes of it and its manifest
// count records in manifestSize bytes.
func bombFile(t *testing.T, data []byte, crc uint32, size, manifestSize int64, count int) string {
	t.Helper()
	m, _ := crafted(nil)
	path := filepath.Join(t.TempDir(), "bomb.zip")
	f, err := os.Create(path)
	require.NoError(t, err)
	zw := zip.NewWriter(f)
	for i, c := range storage.Collections {
		if c != storage.CollMessages {
			w, err := zw.Create(c + ".jsonl")
			require.NoError(t, err)
			_, err = w.Write(nil)
			require.NoError(t, err)
			continue
		}
		m.Collections[i].Count, m.Collections[i].Bytes = count, manifestSize
		w, err := zw.CreateRaw(&zip.FileHeader{Name: c + ".jsonl", Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(size)})
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	w, err := zw.Create(manifestFile)
	require.NoError(t, err)
	_, err = w.Write(b)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.NoError(t, f.Close())
	return path
}

func TestRestore_RefusesAZipBombEarlyInBoundedMemory(t *testing.T) {
	// The most a refused bomb may make a restore allocate in all, so
	// its heap cannot grow past it either.
	const bound = 64 << 20
	// A message of 10,000 characters, as much of one character as
	// deflate likes, repeated to 256 MiB (each copy is a new line).
	record := line(idMessage, with(messageFields, map[string]any{"text": strings.Repeat("a", 10_000)}))
	chunk := []byte(strings.Repeat(record, (1<<20)/len(record)))
	copies := (256 << 20) / len(chunk)
	inflated := int64(copies * len(chunk))
	data, crc := bomb(t, chunk, copies)
	require.Less(t, len(data), 1<<20, "a bomb is small")
	t.Logf("the bomb: %d KiB that inflate to %d MiB", len(data)>>10, inflated>>20)

	// Its first records are what they should be.
	head := make([]byte, 2*len(record))
	_, err := io.ReadFull(flate.NewReader(bytes.NewReader(data)), head)
	require.NoError(t, err)
	require.Equal(t, record+record, string(head))

	one := int64(len(record))
	cases := []struct {
		name         string
		entry, manif int64 // the sizes its zip entry and its manifest declare
		count        int   // the records its manifest declares
		want         string
	}{
		{"declared honestly: hundreds of MB of one record", inflated, inflated, copies * (len(chunk) / len(record)),
			"messages.jsonl line 2 (_id " + idMessage + "): _id repeats that of line 1"},
		{"declared as one record of hundreds of MB", inflated, inflated, 1, "which no backup can"},
		{"declared in the zip entry but not the manifest", inflated, one, 1, "messages.jsonl's zip entry declares"},
		{"declared small but inflating to hundreds of MB", one, one, 1, "messages.jsonl: zip: not a valid zip file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := bombFile(t, data, crc, c.entry, c.manif, c.count)
			dst := openStore(t)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Restore(context.Background(), dst, path, RestoreOptions{})
			runtime.ReadMemStats(&after)
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), c.want)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("refused having allocated %d KiB: %v", allocated>>10, err)
			assert.Less(t, allocated, uint64(bound))
			counts, err := dst.Counts(context.Background())
			require.NoError(t, err)
			assert.Empty(t, describe(counts))
		})
	}
}

func TestRestore_KeepsAndReportsWhatAnOlderMakechatAllowed(t *testing.T) {
	legacyHash := "pbkdf2_sha256$720000$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA=="
	lines := withLines(map[string]string{
		// Django's usernames, an address net/mail refuses, a hash of
		// another kind, no creation time (the original's).
		storage.CollUsers: line(idAlice, userFields) +
			line(idBob, map[string]any{"username": "jean.dupont+chat@corp", "email": "jean..dupont@example.com", "password": legacyHash}),
		// The original's tokens have no hash; makechat 1 let invisible
		// characters into names.
		storage.CollTokens:   line(idToken, with(tokenFields, map[string]any{"name": "bot\u200b", "hash": ""})),
		storage.CollRooms:    line(idRoom, with(roomFields, map[string]any{"name": "txt.exe\u202e"})),
		storage.CollMessages: line(idMessage, with(messageFields, map[string]any{"hook": oid(idHook), "username": "\u200fci"})),
		storage.CollHooks:    line(idHook, with(hookFields, map[string]any{"name": "\ufeffci"})),
	})
	m, files := crafted(lines)
	path := withManifest(t, m, files)
	want := []string{
		"users.jsonl line 2 (_id " + idBob + `): username "jean.dupont+chat@corp" is not 1 to 120 of a-z, A-Z, 0-9, '_' and '-' (allowed by an older makechat); ` +
			`email "jean..dupont@example.com" is not an address net/mail reads back unchanged in at most 254 bytes (allowed by an older makechat); ` +
			"password is not a bcrypt hash: its user cannot log in until a new password is set (allowed by an older makechat); " +
			"created is missing (allowed by an older makechat)",
		"tokens.jsonl line 1 (_id " + idToken + `): name "bot\u200b" contains the invisible formatting character U+200B (allowed by an older makechat); ` +
			"hash is empty: the token is listed but never accepted (allowed by an older makechat)",
		"rooms.jsonl line 1 (_id " + idRoom + `): name "txt.exe\u202e" contains the invisible formatting character U+202E (allowed by an older makechat)`,
		"messages.jsonl line 1 (_id " + idMessage + `): username "\u200fci" contains the invisible formatting character U+200F (allowed by an older makechat)`,
		"hooks.jsonl line 1 (_id " + idHook + `): name "\ufeffci" contains the invisible formatting character U+FEFF (allowed by an older makechat)`,
	}

	verified, err := Verify(path)
	require.NoError(t, err)
	dst := openStore(t)
	restored, err := Restore(context.Background(), dst, path, RestoreOptions{})
	require.NoError(t, err)
	for _, got := range []Manifest{verified, restored} {
		var lines []string
		for _, f := range got.Legacy {
			lines = append(lines, f.String())
		}
		assert.Equal(t, want, lines)
		assert.Equal(t, len(want), got.LegacyCount)
	}

	// The records are kept as they were.
	ctx := context.Background()
	u, err := dst.UserByName(ctx, "JEAN.DUPONT+CHAT@CORP")
	require.NoError(t, err)
	assert.Equal(t, "jean..dupont@example.com", u.Email)
	assert.Equal(t, legacyHash, u.PasswordHash)
	assert.True(t, u.Created.IsZero())
	rooms, err := dst.Rooms(ctx)
	require.NoError(t, err)
	require.Len(t, rooms, 1)
	assert.Equal(t, "txt.exe\u202e", rooms[0].Name)
	alice, err := storage.ParseID(idAlice)
	require.NoError(t, err)
	tokens, err := dst.Tokens(ctx, alice)
	require.NoError(t, err)
	require.Len(t, tokens, 1)
	assert.Empty(t, tokens[0].Hash)
}

func TestRestore_ListsTheFirst100LegacyRecordsAndCountsThemAll(t *testing.T) {
	var users strings.Builder
	for i := range 150 {
		users.WriteString(line(fmt.Sprintf("5f00000000000000000%05d", i+1), map[string]any{
			"username": fmt.Sprintf("user.%d", i), "email": fmt.Sprintf("u%d@example.com", i), "created": aTime}))
	}
	m, files := crafted(map[string]string{storage.CollUsers: users.String()})
	restored, err := Restore(context.Background(), openStore(t), withManifest(t, m, files), RestoreOptions{})
	require.NoError(t, err)
	assert.Equal(t, 150, restored.LegacyCount)
	require.Len(t, restored.Legacy, maxKeptFindings)
	assert.Equal(t, 100, restored.Legacy[99].Line)
}

func TestRestore_FlushesBatchesByBytesAsWellAsByCount(t *testing.T) {
	ids := storage.NewIDGen()
	src := openStore(t)
	ctx := context.Background()
	user := storage.User{ID: ids.New(), Username: "poster", Email: "p@example.com", Created: time.Now()}
	room := storage.Room{ID: ids.New(), Name: "long texts", Members: []storage.ID{}, Created: time.Now()}
	require.NoError(t, src.Import(ctx, []storage.Record{{Collection: storage.CollUsers, Value: user}, {Collection: storage.CollRooms, Value: room}}))
	// 300 messages of 10,000 four-byte characters: 12 MB, which a batch
	// of 2000 records would hold at once.
	text := strings.Repeat("👍", 10_000)
	var recs []storage.Record
	for range 300 {
		recs = append(recs, storage.Record{Collection: storage.CollMessages, Value: storage.Message{
			ID: ids.New(), Room: room.ID, Sender: user.ID, Text: text, Created: time.Now()}})
	}
	require.NoError(t, src.Import(ctx, recs))
	path, _, err := ToDir(ctx, src, t.TempDir(), info)
	require.NoError(t, err)

	dst := openStore(t)
	var batches []int
	last := 0
	_, err = Restore(ctx, dst, path, RestoreOptions{Progress: func(p Progress) {
		if p.Collection == storage.CollMessages {
			batches = append(batches, p.Done-last)
		}
		last = p.Done
	}})
	require.NoError(t, err)
	most := batchBytes/len(text) + 1
	t.Logf("messages imported in batches of %v", batches)
	require.GreaterOrEqual(t, len(batches), 300/most)
	for _, n := range batches {
		assert.LessOrEqual(t, n, most)
	}
	assert.Equal(t, dump(t, src), dump(t, dst))
}

func TestRecordError_IsCorruptAndOneLine(t *testing.T) {
	err := error(&RecordError{Finding{File: "users.jsonl", Line: 3, What: `email "x" has no '@'`}})
	assert.True(t, errors.Is(err, ErrCorrupt))
	assert.Equal(t, `users.jsonl line 3: email "x" has no '@'`, err.Error())
}
