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

// Limits on what Verify reads, so that a hostile file cannot make it
// allocate without bound.
const (
	maxManifest = 1 << 20
	maxLine     = 16 << 20
	batchSize   = 2000
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

// Verify checks a backup file without restoring it: its format version,
// its manifest, and the size, record count and checksum of every
// collection file. Errors about the file wrap ErrCorrupt or
// ErrNewerFormat.
func Verify(path string) (Manifest, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		if errors.Is(err, zip.ErrFormat) {
			return Manifest{}, fmt.Errorf("%s: %w (not a complete zip archive: truncated?)", path, ErrCorrupt)
		}
		return Manifest{}, err
	}
	defer zr.Close()
	m, err := readManifest(&zr.Reader)
	if err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", path, err)
	}
	for _, c := range m.Collections {
		// Every record is decoded too, so that a restore --force never
		// clears a store for a file it then cannot read.
		decodes := func(line []byte) error { _, err := decodeRecord(c.Name, line); return err }
		if err := eachLine(&zr.Reader, c, decodes); err != nil {
			return Manifest{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	return m, nil
}

// readManifest reads and checks the manifest of an archive.
func readManifest(zr *zip.Reader) (Manifest, error) {
	var m Manifest
	f, err := zr.Open(manifestFile)
	if err != nil {
		return m, fmt.Errorf("%w: no %s", ErrCorrupt, manifestFile)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifest+1))
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
	if !slices.Equal(names, storage.Collections) {
		return m, fmt.Errorf("%w: manifest lists collections %v, want %v", ErrCorrupt, names, storage.Collections)
	}
	return m, nil
}

// eachLine calls fn with each line of a collection's file (without its
// newline), then checks the file against the manifest: size, count and
// checksum, and zip's CRC.
func eachLine(zr *zip.Reader, c Collection, fn func(line []byte) error) error {
	f, err := zr.Open(c.File)
	if err != nil {
		return fmt.Errorf("%w: %s is missing", ErrCorrupt, c.File)
	}
	defer f.Close()
	sum := sha256.New()
	// Read one byte past the promised size, so that a file longer than
	// its manifest says is caught without reading it all.
	r := bufio.NewReaderSize(io.TeeReader(io.LimitReader(f, c.Bytes+1), sum), 256<<10)
	var n int
	var size int64
	for {
		line, err := readLine(r)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrCorrupt, c.File, err)
		}
		n++
		size += int64(len(line)) + 1
		if size > c.Bytes || n > c.Count {
			return fmt.Errorf("%w: %s holds more than its manifest says", ErrCorrupt, c.File)
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("%s line %d: %w", c.File, n, err)
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

// readLine reads one newline-terminated line of at most maxLine bytes.
// The returned slice is valid until the next call.
func readLine(r *bufio.Reader) ([]byte, error) {
	var long []byte
	for {
		chunk, err := r.ReadSlice('\n')
		switch {
		case err == nil:
			if long != nil {
				return append(long, chunk[:len(chunk)-1]...), nil
			}
			return chunk[:len(chunk)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			long = append(long, chunk...)
			if len(long) > maxLine {
				return nil, fmt.Errorf("a line longer than %d bytes", maxLine)
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

// Restore verifies the backup at path, then writes it into st. A store
// that holds anything is refused with ErrNotEmpty unless opts.Force is
// set, in which case it is cleared first. Records are imported in
// batches; if Restore stops half-way, the store holds part of the
// backup, and a second Restore needs Force.
func Restore(ctx context.Context, st storage.Store, path string, opts RestoreOptions) (Manifest, error) {
	m, err := Verify(path)
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
	zr, err := zip.OpenReader(path)
	if err != nil {
		return m, err
	}
	defer zr.Close()
	p := Progress{Total: m.Total()}
	batch := make([]storage.Record, 0, batchSize)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := st.Import(ctx, batch); err != nil {
			return err
		}
		p.Done += len(batch)
		batch = batch[:0]
		if opts.Progress != nil {
			opts.Progress(p)
		}
		return nil
	}
	for _, c := range m.Collections {
		p.Collection = c.Name
		err := eachLine(&zr.Reader, c, func(line []byte) error {
			rec, err := decodeRecord(c.Name, line)
			if err != nil {
				return err
			}
			batch = append(batch, rec)
			if len(batch) == batchSize {
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

// decodeRecord decodes one line of a collection's file into its record.
func decodeRecord(coll string, line []byte) (storage.Record, error) {
	rec, err := storage.DecodeRecord(coll, line)
	if err != nil {
		return rec, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if rec.ID().IsZero() {
		return rec, fmt.Errorf("%w: a record without an _id", ErrCorrupt)
	}
	return rec, nil
}
