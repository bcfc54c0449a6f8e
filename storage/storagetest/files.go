package storagetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// putBlob stores data and checks the name and size the store gives.
func (e *env) putBlob(data []byte) storage.Blob {
	e.Helper()
	b, err := e.s.PutBlob(e.ctx(), bytes.NewReader(data), int64(len(data))+1)
	require.NoError(e, err)
	sum := sha256.Sum256(data)
	require.Equal(e, storage.Blob{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}, b)
	return b
}

// readBlob reads a whole blob.
func (e *env) readBlob(sha string) []byte {
	e.Helper()
	r, err := e.s.OpenBlob(e.ctx(), sha)
	require.NoError(e, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	require.NoError(e, err)
	return data
}

// newFile uploads data as a file of owner, carried by no message.
func (e *env) newFile(owner storage.User, name string, data []byte) storage.File {
	e.Helper()
	b := e.putBlob(data)
	f := storage.File{
		FileInfo: storage.FileInfo{ID: e.ids.New(), Name: name, Size: b.Size, ContentType: "text/plain; charset=utf-8", SHA256: b.SHA256},
		Owner:    owner.ID, Created: time.Now(),
	}
	require.NoError(e, e.s.CreateFile(e.ctx(), f))
	return f
}

// sayWithFiles posts text in room r as from, carrying files.
func (e *env) sayWithFiles(r storage.Room, from storage.User, text string, files ...storage.File) (storage.Message, error) {
	m := storage.Message{ID: e.ids.New(), Text: text, Sender: from.ID, Room: r.ID, Created: time.Now()}
	for _, f := range files {
		m.Files = append(m.Files, f.FileInfo)
	}
	return m, e.s.CreateMessage(e.ctx(), m)
}

// future is a time after everything a scenario stores.
func future() time.Time { return time.Now().Add(time.Hour) }

var fileScenarios = []scenario{
	{"PutBlob names bytes by their SHA-256; OpenBlob reads and seeks them, across chunks", func(e *env) {
		small := e.putBlob([]byte("hello, files"))
		require.Equal(e, "hello, files", string(e.readBlob(small.SHA256)))
		// 3 MiB: more than one chunk of any backend that cuts blobs up.
		big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16)
		for i := range big {
			big[i] ^= byte(i / 4096)
		}
		b := e.putBlob(big)
		require.True(e, bytes.Equal(big, e.readBlob(b.SHA256)))
		r, err := e.s.OpenBlob(e.ctx(), b.SHA256)
		require.NoError(e, err)
		defer r.Close()
		for _, off := range []int64{0, 255*1024 - 3, 1 << 20, int64(len(big)) - 10} {
			pos, err := r.Seek(off, io.SeekStart)
			require.NoError(e, err)
			require.Equal(e, off, pos)
			part := make([]byte, 10)
			_, err = io.ReadFull(r, part)
			require.NoError(e, err)
			require.Equal(e, big[off:off+10], part, "at %d", off)
		}
		end, err := r.Seek(0, io.SeekEnd)
		require.NoError(e, err)
		require.Equal(e, int64(len(big)), end, "seeking to the end gives the size, as http.ServeContent needs")
		n, err := r.Read(make([]byte, 1))
		require.Zero(e, n)
		require.ErrorIs(e, err, io.EOF)
	}},
	{"PutBlob of an empty reader stores the empty blob", func(e *env) {
		b := e.putBlob(nil)
		require.Empty(e, e.readBlob(b.SHA256))
	}},
	{"PutBlob past its limit gives ErrTooLarge and keeps nothing", func(e *env) {
		data := bytes.Repeat([]byte("x"), 1000)
		_, err := e.s.PutBlob(e.ctx(), bytes.NewReader(data), 999)
		require.ErrorIs(e, err, storage.ErrTooLarge)
		sum := sha256.Sum256(data)
		_, err = e.s.OpenBlob(e.ctx(), hex.EncodeToString(sum[:]))
		require.ErrorIs(e, err, storage.ErrNotFound)
		removed, err := e.s.DeleteUnusedBlobs(e.ctx(), future())
		require.NoError(e, err)
		require.Zero(e, removed, "not even a partial blob to remove")
		// Exactly the limit is fine.
		_, err = e.s.PutBlob(e.ctx(), bytes.NewReader(data), 1000)
		require.NoError(e, err)
	}},
	{"PutBlob whose reader fails keeps nothing and says why", func(e *env) {
		broken := io.MultiReader(strings.NewReader("half of it"), iotestErrReader{})
		_, err := e.s.PutBlob(e.ctx(), broken, 1<<20)
		require.ErrorIs(e, err, errBrokenReader)
		removed, err := e.s.DeleteUnusedBlobs(e.ctx(), future())
		require.NoError(e, err)
		require.Zero(e, removed)
	}},
	{"OpenBlob of a name that is not a blob's gives ErrNotFound", func(e *env) {
		e.putBlob([]byte("x"))
		for _, name := range []string{"", "../../../etc/passwd", "..", strings.Repeat("A", 64), strings.Repeat("0", 63), strings.Repeat("0", 64), "tmp", "ab/cd"} {
			_, err := e.s.OpenBlob(e.ctx(), name)
			require.ErrorIs(e, err, storage.ErrNotFound, "%q", name)
		}
	}},
	{"The same bytes are stored once; DeleteUnusedBlobs removes blobs no file uses, sparing recent ones", func(e *env) {
		alice := e.newUser("alice")
		unused := e.putBlob([]byte("nobody's"))
		e.putBlob([]byte("nobody's"))
		used := e.newFile(alice, "used.txt", []byte("in a file"))
		thumb := e.putBlob([]byte("a thumbnail"))
		withThumb := e.newFile(alice, "photo.jpg", []byte("a photo"))
		// A file naming a thumbnail: stored with its thumbnail set.
		require.NoError(e, e.s.DeleteFile(e.ctx(), withThumb.ID))
		withThumb.ID, withThumb.Thumb, withThumb.ThumbType = e.ids.New(), thumb.SHA256, "image/jpeg"
		require.NoError(e, e.s.CreateFile(e.ctx(), withThumb))

		removed, err := e.s.DeleteUnusedBlobs(e.ctx(), time.Now().Add(-time.Hour))
		require.NoError(e, err)
		require.Zero(e, removed, "all are recent")
		removed, err = e.s.DeleteUnusedBlobs(e.ctx(), future())
		require.NoError(e, err)
		require.Equal(e, 1, removed, "the unused bytes, stored once")
		_, err = e.s.OpenBlob(e.ctx(), unused.SHA256)
		require.ErrorIs(e, err, storage.ErrNotFound)
		require.Equal(e, "in a file", string(e.readBlob(used.SHA256)))
		require.Equal(e, "a thumbnail", string(e.readBlob(thumb.SHA256)))
		require.Equal(e, "a photo", string(e.readBlob(withThumb.SHA256)))

		require.NoError(e, e.s.DeleteFile(e.ctx(), used.ID))
		removed, err = e.s.DeleteUnusedBlobs(e.ctx(), future())
		require.NoError(e, err)
		require.Equal(e, 1, removed)
		_, err = e.s.OpenBlob(e.ctx(), used.SHA256)
		require.ErrorIs(e, err, storage.ErrNotFound)
	}},
	{"A user's avatar is a blob in use until the user drops it", func(e *env) {
		alice := e.newUser("alice")
		pic := e.putBlob([]byte("a square picture"))
		avatar := pic.SHA256
		u, err := e.s.UpdateUser(e.ctx(), alice.ID, storage.UserPatch{Avatar: &avatar})
		require.NoError(e, err)
		require.Equal(e, avatar, u.Avatar)
		got, err := e.s.User(e.ctx(), alice.ID)
		require.NoError(e, err)
		require.Equal(e, avatar, got.Avatar)
		removed, err := e.s.DeleteUnusedBlobs(e.ctx(), future())
		require.NoError(e, err)
		require.Zero(e, removed)
		require.Equal(e, "a square picture", string(e.readBlob(avatar)))
		none := ""
		u, err = e.s.UpdateUser(e.ctx(), alice.ID, storage.UserPatch{Avatar: &none})
		require.NoError(e, err)
		require.Empty(e, u.Avatar)
		removed, err = e.s.DeleteUnusedBlobs(e.ctx(), future())
		require.NoError(e, err)
		require.Equal(e, 1, removed)
	}},
	{"CreateFile stores every field; File finds it; FilesSize adds up an owner's", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		f := storage.File{
			FileInfo: storage.FileInfo{ID: e.ids.New(), Name: "report \x00../../x.pdf", Size: 12345, ContentType: "application/pdf", SHA256: strings.Repeat("ab", 32),
				Width: 4000, Height: 3000, ThumbWidth: 400, ThumbHeight: 300},
			Thumb: strings.Repeat("cd", 32), ThumbType: "image/jpeg", Owner: alice.ID, Created: time.Now(),
			Message: e.ids.New(), Room: e.ids.New(),
		}
		require.NoError(e, e.s.CreateFile(e.ctx(), f))
		got, err := e.s.File(e.ctx(), f.ID)
		require.NoError(e, err)
		f.Message, f.Room = storage.NilID, storage.NilID
		same(e, f, got, "a new file is carried by no message, whatever it says")
		require.ErrorIs(e, e.s.CreateFile(e.ctx(), f), storage.ErrDuplicate)
		e.newFile(alice, "a.txt", []byte("12345"))
		e.newFile(bob, "b.txt", []byte("123"))
		size, err := e.s.FilesSize(e.ctx(), alice.ID)
		require.NoError(e, err)
		require.Equal(e, int64(12345+5), size)
		size, err = e.s.FilesSize(e.ctx(), e.ids.New())
		require.NoError(e, err)
		require.Zero(e, size)
		_, err = e.s.File(e.ctx(), e.ids.New())
		require.ErrorIs(e, err, storage.ErrNotFound)
		require.ErrorIs(e, e.s.DeleteFile(e.ctx(), e.ids.New()), storage.ErrNotFound)
	}},
	{"UnattachedFiles lists files no message carries, made before a time, oldest first, at most limit", func(e *env) {
		alice := e.newUser("alice")
		r, _ := e.newRoom("lobby", alice)
		a := e.newFile(alice, "a", []byte("a"))
		b := e.newFile(alice, "b", []byte("b"))
		c := e.newFile(alice, "c", []byte("c"))
		_, err := e.sayWithFiles(r, alice, "with b", b)
		require.NoError(e, err)
		list, err := e.s.UnattachedFiles(e.ctx(), future(), 10)
		require.NoError(e, err)
		require.Equal(e, []storage.ID{a.ID, c.ID}, fileIDs(list))
		list, err = e.s.UnattachedFiles(e.ctx(), future(), 1)
		require.NoError(e, err)
		require.Equal(e, []storage.ID{a.ID}, fileIDs(list))
		list, err = e.s.UnattachedFiles(e.ctx(), a.ID.Time().Add(-time.Second), 10)
		require.NoError(e, err)
		require.Empty(e, list, "none made before then")
	}},
	{"CreateMessage attaches its files, and keeps their stored descriptions", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		a := e.newFile(alice, "a.txt", []byte("aaa"))
		b := e.newFile(alice, "b.txt", []byte("bbbb"))
		claimed := a
		claimed.Name = "not what the file says"
		m := storage.Message{ID: e.ids.New(), Text: "", Sender: alice.ID, Room: r.ID, Created: time.Now(),
			Files: []storage.FileInfo{claimed.FileInfo, b.FileInfo}}
		require.NoError(e, e.s.CreateMessage(e.ctx(), m))
		got, err := e.s.Message(e.ctx(), m.ID)
		require.NoError(e, err)
		sameList(e, []storage.FileInfo{a.FileInfo, b.FileInfo}, got.Files, "in order, as stored")
		require.Empty(e, got.Text, "a message may be files only")
		stored, err := e.s.File(e.ctx(), a.ID)
		require.NoError(e, err)
		require.Equal(e, m.ID, stored.Message)
		require.Equal(e, r.ID, stored.Room)
		hist := e.history(storage.RoomConversation(r.ID), storage.MessageQuery{})
		require.Len(e, hist, 1)
		sameList(e, []storage.FileInfo{a.FileInfo, b.FileInfo}, hist[0].Files)

		// In a direct message too.
		c := e.newFile(bob, "c.txt", []byte("c"))
		dm := storage.Message{ID: e.ids.New(), Text: "see", Sender: bob.ID, Recipient: alice.ID, Created: time.Now(), Files: []storage.FileInfo{c.FileInfo}}
		require.NoError(e, e.s.CreateMessage(e.ctx(), dm))
		stored, err = e.s.File(e.ctx(), c.ID)
		require.NoError(e, err)
		require.Equal(e, dm.ID, stored.Message)
		require.True(e, stored.Room.IsZero())
	}},
	{"CreateMessage with a file that is missing, another's or carried already gives ErrNotFound and writes nothing", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		mine := e.newFile(alice, "mine", []byte("mine"))
		theirs := e.newFile(bob, "theirs", []byte("theirs"))
		carried := e.newFile(alice, "carried", []byte("carried"))
		first, err := e.sayWithFiles(r, alice, "first", carried)
		require.NoError(e, err)
		missing := storage.File{FileInfo: storage.FileInfo{ID: e.ids.New()}}
		for _, bad := range []storage.File{theirs, carried, missing} {
			m, err := e.sayWithFiles(r, alice, "again", mine, bad)
			require.ErrorIs(e, err, storage.ErrNotFound, bad.Name)
			_, err = e.s.Message(e.ctx(), m.ID)
			require.ErrorIs(e, err, storage.ErrNotFound, "the message is not stored")
			got, err := e.s.File(e.ctx(), mine.ID)
			require.NoError(e, err)
			require.True(e, got.Message.IsZero(), "the good file is still free")
		}
		got, err := e.s.File(e.ctx(), carried.ID)
		require.NoError(e, err)
		require.Equal(e, first.ID, got.Message, "a carried file stays with its message")
		_, err = e.sayWithFiles(r, alice, "at last", mine)
		require.NoError(e, err)
	}},
	{"Deleting a message or its room deletes its files; others stay", func(e *env) {
		alice, bob := e.newUser("alice"), e.newUser("bob")
		r, _ := e.newRoom("lobby", alice)
		other, _ := e.newRoom("other", alice)
		a := e.newFile(alice, "a", []byte("a"))
		b := e.newFile(alice, "b", []byte("b"))
		c := e.newFile(alice, "c", []byte("c"))
		d := e.newFile(alice, "d", []byte("d"))
		loose := e.newFile(alice, "loose", []byte("loose"))
		ma, err := e.sayWithFiles(r, alice, "a", a)
		require.NoError(e, err)
		_, err = e.sayWithFiles(r, alice, "b", b)
		require.NoError(e, err)
		_, err = e.sayWithFiles(other, alice, "c", c)
		require.NoError(e, err)
		dm := storage.Message{ID: e.ids.New(), Text: "d", Sender: alice.ID, Recipient: bob.ID, Created: time.Now(), Files: []storage.FileInfo{d.FileInfo}}
		require.NoError(e, e.s.CreateMessage(e.ctx(), dm))

		require.NoError(e, e.s.DeleteMessage(e.ctx(), ma.ID))
		e.requireFiles(map[storage.ID]bool{a.ID: false, b.ID: true, c.ID: true, d.ID: true, loose.ID: true})
		require.NoError(e, e.s.DeleteRoom(e.ctx(), r.ID))
		e.requireFiles(map[storage.ID]bool{b.ID: false, c.ID: true, d.ID: true, loose.ID: true})
		require.NoError(e, e.s.DeleteMessage(e.ctx(), dm.ID))
		e.requireFiles(map[storage.ID]bool{c.ID: true, d.ID: false, loose.ID: true})
		require.NoError(e, e.s.DeleteUser(e.ctx(), alice.ID))
		e.requireFiles(map[storage.ID]bool{c.ID: true, loose.ID: true})
	}},
}

// requireFiles checks which files exist.
func (e *env) requireFiles(want map[storage.ID]bool) {
	e.Helper()
	for id, exists := range want {
		_, err := e.s.File(e.ctx(), id)
		if exists {
			require.NoError(e, err, "file %s", id)
		} else {
			require.ErrorIs(e, err, storage.ErrNotFound, "file %s", id)
		}
	}
}

func fileIDs(fs []storage.File) []storage.ID {
	out := make([]storage.ID, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

var errBrokenReader = errors.New("the upload broke off")

// iotestErrReader fails every read, as a client that goes away does.
type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errBrokenReader }
