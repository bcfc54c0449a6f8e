package backup

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/makechat/makechat/storage"
)

// Since format 4 a backup carries the bytes of the uploaded files its
// files.jsonl names: each blob as the archive entry blobs/<sha256>,
// stored as it is (files are mostly compressed already), after the
// collections. The entry's name is its checksum: Verify hashes every
// entry and refuses one whose bytes do not match it, and a file record
// whose bytes are neither in the archive nor listed as missing.

// blobDir is the archive directory of the blobs.
const blobDir = "blobs/"

// Blobs describes a backup's blobs in its manifest.
type Blobs struct {
	Count int   `json:"count"`
	Bytes int64 `json:"bytes"`
	// Missing lists blobs that a file named but the store no longer had
	// when they were copied: the file was deleted after the moment the
	// backup shows. A restore leaves those files without bytes (they
	// answer 404), as the server had them an instant later.
	Missing []string `json:"missing,omitempty"`
}

// blobNames gathers the blobs that the exported files name.
type blobNames map[string]bool

func (b blobNames) note(r storage.Record) {
	switch v := r.Value.(type) {
	case storage.File:
		b[v.SHA256] = true
		if v.Thumb != "" {
			b[v.Thumb] = true
		}
	case storage.User:
		if v.Avatar != "" {
			b[v.Avatar] = true
		}
	}
}

// writeBlobs copies the named blobs into the archive, in name order.
func writeBlobs(ctx context.Context, zw *zip.Writer, st storage.Store, names blobNames, created time.Time) (*Blobs, error) {
	out := &Blobs{}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	slices.Sort(sorted)
	for _, name := range sorted {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := copyBlob(ctx, zw, st, name, created)
		if errors.Is(err, storage.ErrNotFound) {
			out.Missing = append(out.Missing, name)
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Count++
		out.Bytes += n
	}
	return out, nil
}

func copyBlob(ctx context.Context, zw *zip.Writer, st storage.Store, name string, created time.Time) (int64, error) {
	r, err := st.OpenBlob(ctx, name)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: blobDir + name, Method: zip.Store, Modified: created})
	if err != nil {
		return 0, err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, sum), r)
	if err != nil {
		return n, fmt.Errorf("backup: copy file bytes %s: %w", name, err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != name {
		return n, fmt.Errorf("backup: the store's file bytes %s are damaged (their SHA-256 is %s)", name, got)
	}
	return n, nil
}

// blobEntries lists the archive's blob entries, checking their names.
func blobEntries(zr *zip.Reader) ([]*zip.File, error) {
	var out []*zip.File
	seen := map[string]bool{}
	for _, f := range zr.File {
		name, ok := strings.CutPrefix(f.Name, blobDir)
		if !ok {
			continue
		}
		if !storage.IsBlobName(name) {
			return nil, fmt.Errorf("%w: %s is not named by a SHA-256", ErrCorrupt, f.Name)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: %s is in the archive twice", ErrCorrupt, f.Name)
		}
		seen[name] = true
		out = append(out, f)
	}
	return out, nil
}

// verifyBlobs checks a format-4 archive's blobs against its manifest
// and the files that need them: every entry hashes to its name, count
// and bytes match, and each needed blob is there or listed missing.
func verifyBlobs(ctx context.Context, zr *zip.Reader, m Manifest, needed blobNames) error {
	want := Blobs{}
	if m.Blobs != nil {
		want = *m.Blobs // none said is none held
	}
	entries, err := blobEntries(zr)
	if err != nil {
		return err
	}
	var bytes int64
	have := map[string]bool{}
	for _, f := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := strings.TrimPrefix(f.Name, blobDir)
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, f.Name, err)
		}
		sum := sha256.New()
		n, err := io.Copy(sum, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, f.Name, err)
		}
		if hex.EncodeToString(sum.Sum(nil)) != name {
			return fmt.Errorf("%w: %s does not hash to its name", ErrCorrupt, f.Name)
		}
		bytes += n
		have[name] = true
	}
	if len(entries) != want.Count || bytes != want.Bytes {
		return fmt.Errorf("%w: the archive holds %d file blobs in %d bytes, its manifest says %d in %d", ErrCorrupt, len(entries), bytes, want.Count, want.Bytes)
	}
	for _, name := range want.Missing {
		have[name] = true
	}
	for name := range needed {
		if !have[name] {
			return fmt.Errorf("%w: a file or avatar names the bytes %s, which the archive neither holds nor lists as missing", ErrCorrupt, name)
		}
	}
	return nil
}

// restoreBlobs puts the archive's blobs into the store.
func restoreBlobs(ctx context.Context, zr *zip.Reader, st storage.Store) error {
	entries, err := blobEntries(zr)
	if err != nil {
		return err
	}
	for _, f := range entries {
		name := strings.TrimPrefix(f.Name, blobDir)
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, f.Name, err)
		}
		b, err := st.PutBlob(ctx, rc, int64(f.UncompressedSize64))
		rc.Close()
		if err != nil {
			return fmt.Errorf("restore %s: %w", f.Name, err)
		}
		if b.SHA256 != name {
			return fmt.Errorf("%w: %s changed since it was checked", ErrCorrupt, f.Name)
		}
	}
	return nil
}
