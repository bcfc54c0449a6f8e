package backup

import (
	"archive/zip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
)

// rewrite copies the archive at src to a new file, passing each entry
// through change (which may rename it, change its bytes, or drop it by
// returning ""), then adds extra; it returns the new file's path.
func rewrite(t *testing.T, src string, change func(name string, data []byte) (string, []byte), extra map[string][]byte) string {
	t.Helper()
	zr, err := zip.OpenReader(src)
	require.NoError(t, err)
	defer zr.Close()
	dst := filepath.Join(t.TempDir(), "tampered.zip")
	out, err := os.Create(dst)
	require.NoError(t, err)
	zw := zip.NewWriter(out)
	put := func(name string, data []byte) {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		if name, data := change(f.Name, data); name != "" {
			put(name, data)
		}
	}
	for name, data := range extra {
		put(name, data)
	}
	require.NoError(t, zw.Close())
	require.NoError(t, out.Close())
	return dst
}

// editManifest applies edit to a manifest's blobs section.
func editManifest(t *testing.T, data []byte, edit func(b *Blobs)) []byte {
	t.Helper()
	var m Manifest
	require.NoError(t, json.Unmarshal(data, &m))
	edit(m.Blobs)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func TestRestore_RefusesFileBytesThatAreNotWhatTheirNamesSay(t *testing.T) {
	src := openStore(t)
	fill(t, src, storage.NewIDGen(), 10)
	path, m, err := ToDir(context.Background(), src, t.TempDir(), info)
	require.NoError(t, err)
	require.Equal(t, len(fileBytes), m.Blobs.Count)
	var aBlob string
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, blobDir) {
			aBlob = f.Name
			assert.Equal(t, zip.Store, f.Method, "file bytes are stored as they are")
		}
	}
	zr.Close()
	require.NotEmpty(t, aBlob)

	keep := func(name string, data []byte) (string, []byte) { return name, data }
	for _, tc := range []struct {
		name   string
		change func(string, []byte) (string, []byte)
		extra  map[string][]byte
		want   string
	}{
		{"bytes changed", func(name string, data []byte) (string, []byte) {
			if name == aBlob {
				data = append([]byte{}, data...)
				data[0] ^= 1
			}
			return name, data
		}, nil, "does not hash to its name"},
		{"bytes a file needs, gone and not listed missing", func(name string, data []byte) (string, []byte) {
			switch name {
			case aBlob:
				return "", nil
			case manifestFile:
				return name, editManifest(t, data, func(b *Blobs) {
					b.Count--
					b.Bytes -= int64(len(fileBytes["report.pdf"])) // any: the check below counts first
				})
			}
			return name, data
		}, nil, ""},
		{"an entry named as a path", keep, map[string][]byte{blobDir + "../../etc/passwd": []byte("x")}, "is not named by a SHA-256"},
		{"an extra entry the manifest does not count", keep, map[string][]byte{blobDir + strings.Repeat("0", 64): []byte("x")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := rewrite(t, path, tc.change, tc.extra)
			_, err := Verify(bad)
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), tc.want)

			// A forced restore refuses it before it clears anything.
			dst := openStore(t)
			fill(t, dst, storage.NewIDGen(), 3)
			before := dump(t, dst)
			_, err = Restore(context.Background(), dst, bad, RestoreOptions{Force: true})
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Equal(t, before, dump(t, dst), "the store is as it was")
		})
	}
}

func TestBackup_ListsBytesTheStoreLostAsMissingAndRestoresTheRest(t *testing.T) {
	src := openStore(t)
	fill(t, src, storage.NewIDGen(), 3)
	// The bytes of a file vanish between the export's moment and their
	// copy (their file was deleted meanwhile, and the sweep took them).
	pdf := blobName(fileBytes["report.pdf"])
	dir := t.TempDir()
	path, m, err := toDir(context.Background(), losing{Store: src, lost: pdf}, dir, info, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{pdf}, m.Blobs.Missing)
	dst := openStore(t)
	_, err = Restore(context.Background(), dst, path, RestoreOptions{})
	require.NoError(t, err)
	_, err = dst.OpenBlob(context.Background(), pdf)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	r, err := dst.OpenBlob(context.Background(), blobName(fileBytes["photo.png"]))
	require.NoError(t, err)
	r.Close()
}

// losing is a store that has lost one blob.
type losing struct {
	storage.Store
	lost string
}

func (l losing) OpenBlob(ctx context.Context, name string) (storage.BlobReader, error) {
	if name == l.lost {
		return nil, storage.ErrNotFound
	}
	return l.Store.OpenBlob(ctx, name)
}
