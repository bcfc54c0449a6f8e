package bolt

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// Blobs live in a directory beside the database file (Options.FilesDir),
// each in a file named by its SHA-256 under a directory of its first two
// hex digits; bytes being written go to tmp/ first, are fsynced, and are
// renamed into place (then the directory is fsynced), so a blob that has
// a name is whole. A blob's modification time is when it was last
// stored: DeleteUnusedBlobs spares the recent ones.

// blobTmp is the directory, inside the files directory, of bytes being
// written.
const blobTmp = "tmp"

// blobPath is where the blob named sha lives.
func (s *Store) blobPath(sha string) string {
	return filepath.Join(s.files, sha[:2], sha)
}

// PutBlob writes r's bytes to a temporary file, hashing them, and moves
// the file to its name (or drops it, if those bytes are stored already).
func (s *Store) PutBlob(ctx context.Context, r io.Reader, max int64) (b storage.Blob, err error) {
	err = s.run(ctx, "put blob", func(fn func(*bbolt.Tx) error) error { return fn(nil) }, func(*bbolt.Tx) error {
		b, err = s.putBlob(r, max)
		return err
	})
	return b, err
}

func (s *Store) putBlob(r io.Reader, max int64) (storage.Blob, error) {
	tmpDir := filepath.Join(s.files, blobTmp)
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return storage.Blob{}, err
	}
	f, err := os.CreateTemp(tmpDir, "blob-*")
	if err != nil {
		return storage.Blob{}, err
	}
	kept := false
	defer func() {
		if !kept {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	// Bodies arrive in small reads (a multipart part gives 4 KiB at a
	// time): gathered into chunks, they cost one write each.
	w := bufio.NewWriterSize(&writeback{f: f}, writebackChunk)
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(r, max+1))
	if err == nil {
		err = w.Flush()
	}
	switch {
	case err != nil:
		return storage.Blob{}, err
	case n > max:
		return storage.Blob{}, fmt.Errorf("%w: more than %d bytes", storage.ErrTooLarge, max)
	}
	if err := f.Sync(); err != nil {
		return storage.Blob{}, err
	}
	if err := f.Close(); err != nil {
		return storage.Blob{}, err
	}
	b := storage.Blob{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	dest := s.blobPath(b.SHA256)
	if _, err := os.Stat(dest); err == nil {
		// Stored already: the blob is now as recent as this upload, so
		// that a sweep does not take it before its file is made.
		now := time.Now()
		return b, os.Chtimes(dest, now, now)
	}
	dir := filepath.Dir(dest)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return storage.Blob{}, err
	}
	if err := os.Rename(f.Name(), dest); err != nil {
		return storage.Blob{}, err
	}
	kept = true
	// The first blob of a directory in this process also syncs the
	// directories above it, whose entries may be new (made by this upload
	// or by one still on its way to that sync).
	for _, d := range []string{s.files, dir} {
		if _, known := s.known.Load(d); !known {
			if err := s.dirs.sync(filepath.Dir(d)); err != nil {
				return storage.Blob{}, err
			}
			s.known.Store(d, true)
		}
	}
	return b, s.dirs.sync(dir)
}

// writebackChunk is how many bytes of a blob are written before the
// kernel is asked to start writing them to disk (startWriteback).
const writebackChunk = 256 << 10

// writeback writes to f, starting each chunk's writeback once written
// and then waiting for the chunk before it to reach the disk: so the
// final fsync has little left, and one upload never has more than two
// chunks queued at the disk, where the store's commits (which share the
// disk and its journal) would wait behind them.
type writeback struct {
	f           *os.File
	off, queued int64 // bytes written; of those, handed to writeback
	prev        int64 // where the chunk before the last one queued starts
}

func (w *writeback) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.queued >= writebackChunk {
		startWriteback(w.f, w.queued, w.off-w.queued)
		if w.queued > 0 {
			waitWriteback(w.f, w.prev, w.queued-w.prev)
		}
		w.prev, w.queued = w.queued, w.off
	}
	return n, err
}

// OpenBlob opens the blob's file.
func (s *Store) OpenBlob(ctx context.Context, sha string) (r storage.BlobReader, err error) {
	err = s.run(ctx, "open blob", func(fn func(*bbolt.Tx) error) error { return fn(nil) }, func(*bbolt.Tx) error {
		if !storage.IsBlobName(sha) {
			return fmt.Errorf("%w blob %q", storage.ErrNotFound, sha)
		}
		f, err := os.Open(s.blobPath(sha))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w blob %s", storage.ErrNotFound, sha)
		}
		r = f
		return err
	})
	return r, err
}

// DeleteUnusedBlobs reads the names the files use, then removes the
// other blobs (and temporary files) older than before.
func (s *Store) DeleteUnusedBlobs(ctx context.Context, before time.Time) (removed int, err error) {
	used := map[string]bool{}
	err = s.view(ctx, "delete unused blobs", func(tx *bbolt.Tx) error {
		err := tx.Bucket(bucketFiles).ForEach(func(k, data []byte) error {
			var f struct {
				SHA256 string `json:"sha256"`
				Thumb  string `json:"thumb"`
			}
			if err := json.Unmarshal(data, &f); err != nil {
				return fmt.Errorf("decode file %x: %w", k, err)
			}
			used[f.SHA256], used[f.Thumb] = true, true
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketUsers).ForEach(func(k, data []byte) error {
			var u struct {
				Avatar string `json:"avatar"`
			}
			if err := json.Unmarshal(data, &u); err != nil {
				return fmt.Errorf("decode user %x: %w", k, err)
			}
			used[u.Avatar] = true
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	dirs, err := os.ReadDir(s.files)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bolt: delete unused blobs: %w", err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.files, d.Name()))
		if err != nil {
			return removed, fmt.Errorf("bolt: delete unused blobs: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			if d.Name() != blobTmp && (!storage.IsBlobName(name) || name[:2] != d.Name() || used[name]) {
				continue
			}
			info, err := e.Info()
			if err != nil || !info.ModTime().Before(before) {
				continue
			}
			if err := os.Remove(filepath.Join(s.files, d.Name(), name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, fmt.Errorf("bolt: delete unused blobs: %w", err)
			}
			if d.Name() != blobTmp {
				removed++
			}
		}
	}
	return removed, nil
}

// CreateFile stores f, not attached, with its index entries.
func (s *Store) CreateFile(ctx context.Context, f storage.File) error {
	f.Message, f.Room = storage.NilID, storage.NilID
	return s.update(ctx, "create file", func(tx *bbolt.Tx) error { return insertFile(tx, f) })
}

// insertFile stores f and its index entries as they are.
func insertFile(tx *bbolt.Tx, f storage.File) error {
	if err := insert(tx.Bucket(bucketFiles), f.ID, f); err != nil {
		return err
	}
	if err := tx.Bucket(bucketFilesByOwner).Put(pair(f.Owner, key(f.ID)), []byte{}); err != nil {
		return err
	}
	switch {
	case f.Message.IsZero():
		return tx.Bucket(bucketFilesUnattached).Put(key(f.ID), []byte{})
	case !f.Room.IsZero():
		return tx.Bucket(bucketFilesByRoom).Put(pair(f.Room, key(f.ID)), []byte{})
	}
	return nil
}

// File finds a file by id.
func (s *Store) File(ctx context.Context, id storage.ID) (f storage.File, err error) {
	err = s.view(ctx, "get file", func(tx *bbolt.Tx) (err error) {
		f, err = get[storage.File](tx.Bucket(bucketFiles), key(id))
		return err
	})
	return f, err
}

// UnattachedFiles walks the index of unattached files, which is in id
// (so upload time) order.
func (s *Store) UnattachedFiles(ctx context.Context, before time.Time, limit int) (out []storage.File, err error) {
	err = s.view(ctx, "list unattached files", func(tx *bbolt.Tx) error {
		files := tx.Bucket(bucketFiles)
		c := tx.Bucket(bucketFilesUnattached).Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			id, err := toID(k)
			if err != nil {
				return err
			}
			if !id.Time().Before(before) {
				return nil
			}
			f, err := get[storage.File](files, k)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return nil
	})
	return out, err
}

// DeleteFile removes a file record and its index entries (its blob is
// DeleteUnusedBlobs's).
func (s *Store) DeleteFile(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete file", func(tx *bbolt.Tx) error { return deleteFile(tx, id) })
}

func deleteFile(tx *bbolt.Tx, id storage.ID) error {
	files := tx.Bucket(bucketFiles)
	f, err := get[storage.File](files, key(id))
	if err != nil {
		return err
	}
	if err := files.Delete(key(id)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketFilesByOwner).Delete(pair(f.Owner, key(id))); err != nil {
		return err
	}
	if err := tx.Bucket(bucketFilesUnattached).Delete(key(id)); err != nil {
		return err
	}
	return tx.Bucket(bucketFilesByRoom).Delete(pair(f.Room, key(id)))
}

// FilesSize adds up the sizes of the owner's files.
func (s *Store) FilesSize(ctx context.Context, owner storage.ID) (total int64, err error) {
	err = s.view(ctx, "files size", func(tx *bbolt.Tx) error {
		files := tx.Bucket(bucketFiles)
		for _, e := range prefixed(tx.Bucket(bucketFilesByOwner), owner) {
			f, err := get[storage.File](files, e.key[len(owner):])
			if err != nil {
				return err
			}
			total += f.Size
		}
		return nil
	})
	return total, err
}

// attachFiles marks m's files as carried by m (inside CreateMessage's
// transaction) and gives the message the stored description of each.
// A file that is missing, another user's or carried already is not
// found.
func attachFiles(tx *bbolt.Tx, m *storage.Message) error {
	if len(m.Files) == 0 {
		return nil
	}
	files := tx.Bucket(bucketFiles)
	infos := make([]storage.FileInfo, len(m.Files))
	for i, fi := range m.Files {
		f, err := get[storage.File](files, key(fi.ID))
		if err != nil || f.Owner != m.Sender || !f.Message.IsZero() {
			return fmt.Errorf("%w file %s", storage.ErrNotFound, fi.ID)
		}
		f.Message, f.Room = m.ID, m.Room
		if err := tx.Bucket(bucketFilesUnattached).Delete(key(f.ID)); err != nil {
			return err
		}
		if err := put(files, key(f.ID), f); err != nil {
			return err
		}
		if !f.Room.IsZero() {
			if err := tx.Bucket(bucketFilesByRoom).Put(pair(f.Room, key(f.ID)), []byte{}); err != nil {
				return err
			}
		}
		infos[i] = f.FileInfo
	}
	m.Files = infos
	return nil
}

// deleteFilesOf removes the files of a message being deleted.
func deleteFilesOf(tx *bbolt.Tx, m storage.Message) error {
	for _, f := range m.Files {
		if err := deleteFile(tx, f.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}

// deleteRoomFiles removes the files of a room being deleted.
func deleteRoomFiles(tx *bbolt.Tx, room storage.ID) error {
	for _, e := range prefixed(tx.Bucket(bucketFilesByRoom), room) {
		id, err := toID(e.key[len(room):])
		if err != nil {
			return err
		}
		if err := deleteFile(tx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
	}
	return nil
}
