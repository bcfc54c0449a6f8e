package mongo_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/mongo/mongotest"
)

// TestFiles_TwoServersOnOneDatabaseShareFiles opens two stores (two
// clients, as two makechat servers have) on one database: a file one
// of them stores, the other attaches to a message and reads, whole and
// from an offset; the same bytes stored by both at once stay readable;
// and a sweep on either spares what the other's files use.
func TestFiles_TwoServersOnOneDatabaseShareFiles(t *testing.T) {
	for _, srv := range mongotest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			uri := srv.NewDatabase(t)
			a, b := openURI(t, uri), openURI(t, uri)
			ctx := context.Background()
			ids := storage.NewIDGen()

			alice := storage.User{ID: ids.New(), Username: "alice", Email: "alice@example.com", PasswordHash: "x", Created: time.Now()}
			require.NoError(t, a.CreateUser(ctx, alice))
			room := storage.Room{ID: ids.New(), Name: "shared", IsOpen: true, IsVisible: true, Created: time.Now()}
			require.NoError(t, a.CreateRoom(ctx, room, storage.Member{ID: ids.New(), Room: room.ID, Profile: alice.ID, Role: storage.RoleOwner, Created: time.Now()}))

			data := make([]byte, 600<<10) // more than one GridFS chunk
			_, _ = rand.Read(data)
			blob, err := a.PutBlob(ctx, bytes.NewReader(data), 1<<20)
			require.NoError(t, err)
			f := storage.File{FileInfo: storage.FileInfo{ID: ids.New(), Name: "report.bin", Size: blob.Size, ContentType: "application/octet-stream", SHA256: blob.SHA256}, Owner: alice.ID, Created: time.Now()}
			require.NoError(t, a.CreateFile(ctx, f))

			// Server b attaches the upload server a took, and reads it.
			m := storage.Message{ID: ids.New(), Text: "see attached", Sender: alice.ID, Room: room.ID, Created: time.Now(), Files: []storage.FileInfo{f.FileInfo}}
			require.NoError(t, b.CreateMessage(ctx, m))
			got, err := b.File(ctx, f.ID)
			require.NoError(t, err)
			require.Equal(t, m.ID, got.Message)
			r, err := b.OpenBlob(ctx, blob.SHA256)
			require.NoError(t, err)
			_, err = r.Seek(300<<10, io.SeekStart)
			require.NoError(t, err)
			tail, err := io.ReadAll(r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			require.True(t, bytes.Equal(data[300<<10:], tail), "server b reads from an offset what server a stored")

			// The same new bytes from both servers at once: both are
			// told the same name, and the bytes read back whole.
			same := make([]byte, 300<<10)
			_, _ = rand.Read(same)
			var wg sync.WaitGroup
			var names [2]string
			for i, st := range []storage.Store{a, b} {
				wg.Go(func() {
					bl, err := st.PutBlob(ctx, bytes.NewReader(same), 1<<20)
					require.NoError(t, err)
					names[i] = bl.SHA256
				})
			}
			wg.Wait()
			require.Equal(t, names[0], names[1])
			for _, st := range []storage.Store{a, b} {
				r, err := st.OpenBlob(ctx, names[0])
				require.NoError(t, err)
				got, err := io.ReadAll(r)
				require.NoError(t, err)
				require.NoError(t, r.Close())
				require.True(t, bytes.Equal(same, got))
			}

			// A sweep on b, however late its cut-off, keeps the blob of
			// the file a made (the other bytes no file uses may go).
			_, err = b.DeleteUnusedBlobs(ctx, time.Now().Add(time.Hour))
			require.NoError(t, err)
			r, err = a.OpenBlob(ctx, blob.SHA256)
			require.NoError(t, err)
			whole, err := io.ReadAll(r)
			require.NoError(t, err)
			require.NoError(t, r.Close())
			require.True(t, bytes.Equal(data, whole))
			_, err = a.OpenBlob(ctx, names[0])
			require.ErrorIs(t, err, storage.ErrNotFound, "bytes no file uses are swept")
		})
	}
}
