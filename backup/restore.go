package backup

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/makechat/makechat/storage"
)

// ErrNotEmpty is wrapped when Restore would write into a store that
// already holds data and Force is not set.
var ErrNotEmpty = errors.New("the store is not empty")

// Limits on what a restore holds, so that a hostile file cannot make it
// allocate without bound. (Each collection's longest record is in
// validate.go.)
const (
	maxManifest = 1 << 20
	// batchSize and batchBytes bound one Import: by count, and by the
	// records' size in the file, since 2000 records of the largest kind
	// would otherwise be gigabytes.
	batchSize  = 2000
	batchBytes = 4 << 20
	// maxKeptFindings bounds the legacy records a Manifest lists; its
	// LegacyCount counts them all.
	maxKeptFindings = 100
)

// Progress reports how far a restore has come.
type Progress struct {
	Collection  string
	Done, Total int // records restored so far and in all
}

// RestoreOptions tune Restore. The zero value refuses a non-empty store
// and reports nothing.
type RestoreOptions struct {
	// Force replaces whatever the store holds.
	Force bool
	// Progress, if not nil, is called after each batch of records.
	Progress func(Progress)
	// Begin, if not nil, is called once the file is verified and the
	// store found empty (or Force set), before anything is written; its
	// error stops the restore.
	Begin func() error
}

// Verify checks a backup file without restoring it: its format version
// and manifest, each collection file's zip entry, size, record count and
// checksum, and every record against the rules of storage/validate.go.
// It returns the manifest with the records that only an older makechat
// allowed listed in Legacy. A record that no makechat allowed gives a
// *RecordError naming it; other errors about the file wrap ErrCorrupt or
// ErrNewerFormat.
func Verify(path string) (Manifest, error) {
	zr, err := openArchive(path)
	if err != nil {
		return Manifest{}, err
	}
	defer zr.Close()
	return verify(context.Background(), &zr.Reader, path)
}

// openArchive opens a backup file as a zip archive.
func openArchive(path string) (*zip.ReadCloser, error) {
	zr, err := zip.OpenReader(path)
	if errors.Is(err, zip.ErrFormat) {
		return nil, fmt.Errorf("backup %s: %w (not a complete zip archive: truncated?)", path, ErrCorrupt)
	}
	return zr, err
}

// verify is Verify of an open archive; it stops when ctx ends.
func verify(ctx context.Context, zr *zip.Reader, path string) (Manifest, error) {
	m, err := readManifest(zr)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup %s: %w", path, err)
	}
	unique := newUniques()
	needed := blobNames{}
	for _, c := range m.Collections {
		err := eachRecord(zr, c, func(r record) error {
			needed.note(r.Record)
			if bad := unique.check(c.File, r); bad != "" {
				return &RecordError{Finding{File: c.File, Line: r.line, ID: r.ID(), What: bad}}
			}
			if len(r.legacy) > 0 {
				if len(m.Legacy) < maxKeptFindings {
					m.Legacy = append(m.Legacy, Finding{File: c.File, Line: r.line, ID: r.ID(), What: strings.Join(r.legacy, "; ")})
				}
				m.LegacyCount++
			}
			return ctx.Err()
		})
		if err != nil {
			return Manifest{}, fmt.Errorf("backup %s: %w", path, err)
		}
	}
	if m.FormatVersion >= 4 {
		if err := verifyBlobs(ctx, zr, m, needed); err != nil {
			return Manifest{}, fmt.Errorf("backup %s: %w", path, err)
		}
	}
	return m, nil
}

// readManifest reads and checks the manifest of an archive. Sizes that
// no real backup declares are refused here, before any file is inflated.
func readManifest(zr *zip.Reader) (Manifest, error) {
	var m Manifest
	f, err := entry(zr, manifestFile)
	if err != nil {
		return m, err
	}
	if f.UncompressedSize64 > maxManifest {
		return m, fmt.Errorf("%w: %s is larger than %d bytes", ErrCorrupt, manifestFile, maxManifest)
	}
	rc, err := f.Open()
	if err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrCorrupt, manifestFile, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxManifest+1))
	if err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrCorrupt, manifestFile, err)
	}
	if len(data) > maxManifest {
		return m, fmt.Errorf("%w: %s is larger than %d bytes", ErrCorrupt, manifestFile, maxManifest)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrCorrupt, manifestFile, err)
	}
	switch {
	case m.Format != Format:
		return m, fmt.Errorf("%w: its manifest does not say %q", ErrCorrupt, Format)
	case m.FormatVersion > FormatVersion:
		return m, fmt.Errorf("%w: format %d, written by makechat %s; this makechat reads format %d, so upgrade it first", ErrNewerFormat, m.FormatVersion, m.Version, FormatVersion)
	case m.FormatVersion < 1:
		return m, fmt.Errorf("%w: format version %d", ErrCorrupt, m.FormatVersion)
	}
	var names []string
	for _, c := range m.Collections {
		names = append(names, c.Name)
		if c.File != c.Name+".jsonl" || c.Count < 0 || c.Bytes < 0 {
			return m, fmt.Errorf("%w: manifest entry for %q is malformed", ErrCorrupt, c.Name)
		}
	}
	if want := formatCollections[m.FormatVersion]; !slices.Equal(names, want) {
		return m, fmt.Errorf("%w: manifest lists collections %v, want %v for format %d", ErrCorrupt, names, want, m.FormatVersion)
	}
	for _, c := range m.Collections {
		// Every record ends with a newline and is at most its
		// collection's longest; (Bytes-1)/most >= Count is Bytes >
		// Count*most without the overflow.
		if most := int64(maxRecord(c.Name)); int64(c.Count) > c.Bytes || c.Bytes > 0 && (c.Bytes-1)/most >= int64(c.Count) {
			return m, fmt.Errorf("%w: its manifest says %s holds %d records in %d bytes, which no backup can (a %s record takes 1 to %d bytes)", ErrCorrupt, c.File, c.Count, c.Bytes, c.Name, most)
		}
	}
	return m, nil
}

// entry is the archive's one file named name.
func entry(zr *zip.Reader, name string) (*zip.File, error) {
	var found *zip.File
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("%w: %s is in the archive twice", ErrCorrupt, name)
		}
		found = f
	}
	if found == nil {
		return nil, fmt.Errorf("%w: %s is missing", ErrCorrupt, name)
	}
	return found, nil
}

// A record is one line of a collection's file, decoded and checked.
type record struct {
	storage.Record
	line   int      // its line number, from 1
	size   int      // its bytes in the file, newline included
	legacy []string // what in it only an older makechat allowed
}

// eachRecord calls fn with each record of a collection's file. The file's
// zip entry must declare the size the manifest gives (checked before
// anything is inflated); each line must fit its collection's longest
// record, decode, pass storage's rules and not repeat a recent id; and
// the whole file must match its manifest's size, count and checksum and
// zip's CRC. The first fault stops it: a *RecordError for a record, an
// error wrapping ErrCorrupt for the file, or fn's error.
func eachRecord(zr *zip.Reader, c Collection, fn func(record) error) error {
	f, err := entry(zr, c.File)
	if err != nil {
		return err
	}
	if f.UncompressedSize64 != uint64(c.Bytes) {
		return fmt.Errorf("%w: %s's zip entry declares %d bytes, its manifest %d", ErrCorrupt, c.File, f.UncompressedSize64, c.Bytes)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, c.File, err)
	}
	defer rc.Close()
	sum := sha256.New()
	// Read one byte past the promised size, so that a file longer than
	// its manifest says is caught without reading it all.
	r := bufio.NewReaderSize(io.TeeReader(io.LimitReader(rc, c.Bytes+1), sum), 256<<10)
	most := maxRecord(c.Name)
	var recent recentIDs
	var n int
	var size int64
	for {
		line, err := readLine(r, most)
		if err == io.EOF {
			break
		}
		n++
		if errors.Is(err, errLineTooLong) {
			return &RecordError{Finding{File: c.File, Line: n, ID: leadingID(line),
				What: fmt.Sprintf("the record is longer than %d bytes, the limit for %s", most, c.Name)}}
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, c.File, err)
		}
		size += int64(len(line)) + 1
		if size > c.Bytes || n > c.Count {
			return fmt.Errorf("%w: %s holds more than its manifest says", ErrCorrupt, c.File)
		}
		rec, legacy, bad := check(c.Name, line)
		id := rec.ID()
		if bad == "" {
			if prev := recent.add(id, n); prev > 0 {
				bad = fmt.Sprintf("_id repeats that of line %d", prev)
			}
		}
		if bad != "" {
			if id.IsZero() {
				id = leadingID(line)
			}
			return &RecordError{Finding{File: c.File, Line: n, ID: id, What: bad}}
		}
		if err := fn(record{Record: rec, line: n, size: len(line) + 1, legacy: legacy}); err != nil {
			return err
		}
	}
	if n != c.Count || size != c.Bytes {
		return fmt.Errorf("%w: %s holds %d records in %d bytes, its manifest says %d in %d", ErrCorrupt, c.File, n, size, c.Count, c.Bytes)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != c.SHA256 {
		return fmt.Errorf("%w: %s checksum %s does not match its manifest's %s", ErrCorrupt, c.File, got, c.SHA256)
	}
	return nil
}

// errLineTooLong is readLine's error for a line over its limit.
var errLineTooLong = errors.New("line too long")

// readLine reads one newline-terminated line of at most most bytes,
// newline included, and returns it without its newline; the slice is
// valid until the next call. A longer line gives errLineTooLong and the
// line's start, having read at most most bytes and one buffer of it.
func readLine(r *bufio.Reader, most int) ([]byte, error) {
	var long []byte
	for {
		chunk, err := r.ReadSlice('\n')
		switch {
		case err == nil:
			if long != nil {
				chunk = append(long, chunk...)
			}
			if len(chunk) > most {
				return chunk, errLineTooLong
			}
			return chunk[:len(chunk)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			long = append(long, chunk...)
			if len(long) > most {
				return long, errLineTooLong
			}
		case err == io.EOF && len(chunk)+len(long) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, errors.New("the last line has no newline (truncated?)")
		default:
			return nil, err
		}
	}
}

// Restore verifies the backup at path (as Verify does, every record
// included), then writes it into st. A store that holds anything is
// refused with ErrNotEmpty unless opts.Force is set, in which case it is
// cleared first: never for a file that is then refused. Records are
// imported in batches; if Restore stops half-way, the store holds part of
// the backup, and a second Restore needs Force. The manifest returned
// lists the records kept that only an older makechat allowed.
func Restore(ctx context.Context, st storage.Store, path string, opts RestoreOptions) (Manifest, error) {
	zr, err := openArchive(path)
	if err != nil {
		return Manifest{}, err
	}
	defer zr.Close()
	m, err := verify(ctx, &zr.Reader, path)
	if err != nil {
		return m, err
	}
	counts, err := st.Counts(ctx)
	if err != nil {
		return m, err
	}
	if held := describe(counts); held != "" && !opts.Force {
		return m, fmt.Errorf("%w (it holds %s): restore into an empty store, or force it to replace everything", ErrNotEmpty, held)
	}
	if opts.Begin != nil {
		if err := opts.Begin(); err != nil {
			return m, err
		}
	}
	if opts.Force {
		if err := st.Clear(ctx); err != nil {
			return m, err
		}
	}
	p := Progress{Total: m.Total()}
	batch := make([]storage.Record, 0, batchSize)
	held := 0 // bytes of the batch's records in the file
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := st.Import(ctx, batch); err != nil {
			return err
		}
		p.Done += len(batch)
		clear(batch) // let the imported records go
		batch, held = batch[:0], 0
		if opts.Progress != nil {
			opts.Progress(p)
		}
		return nil
	}
	for _, c := range m.Collections {
		p.Collection = c.Name
		// The file is read and checked again as it is imported, so that
		// nothing unchecked is written even if it changed since.
		err := eachRecord(&zr.Reader, c, func(r record) error {
			batch = append(batch, r.Record)
			held += r.size
			if len(batch) == batchSize || held >= batchBytes {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return m, fmt.Errorf("restore %s: %w", c.Name, err)
		}
	}
	if m.FormatVersion >= 4 {
		if err := restoreBlobs(ctx, &zr.Reader, st); err != nil {
			return m, err
		}
	}
	return m, nil
}

// describe says what counts hold, such as "3 users, 10 messages"; "" for
// an empty store.
func describe(counts map[string]int) string {
	var parts []string
	for _, c := range storage.Collections {
		if n := counts[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	return strings.Join(parts, ", ")
}
