// Package backup writes and reads makechat's portable backups: one file
// that holds a whole store, whichever backend it came from, and restores
// into either.
//
// A backup is a zip archive (readable with any unzip) of one JSON Lines
// file per collection, in storage.Collections order, and a manifest.json
// written last:
//
//	users.jsonl  sessions.jsonl  tokens.jsonl  rooms.jsonl
//	members.jsonl  messages.jsonl  hooks.jsonl  invites.jsonl
//	commands.jsonl  files.jsonl  blobs/<sha256>...  manifest.json
//
// The blobs are the bytes of the uploaded files (blobs.go).
//
// Each line is one document with the original makechat field names (the
// storage models' JSON): ids as Extended JSON {"$oid": "..."}, times as
// RFC 3339 strings. The manifest gives the format version, the makechat
// version and store that wrote it, and each file's record count, size and
// SHA-256. Zip's own CRC and central directory catch a truncated or
// damaged file; the checksums catch the rest.
//
// Write streams the store's Export (one consistent moment; see
// storage.Store) into an archive. ToDir writes to a temporary name in the
// target directory, syncs it and renames it into place, so a failed or
// interrupted backup (a full disk, a kill) never leaves a partial file
// under a backup's name.
//
// # Restoring: a backup is not trusted
//
// Restore (and Verify, which it runs first) read a file as if it were
// hostile, in bounded memory whatever it holds, and write nothing until
// all of it has been checked, so that a restore --force never clears a
// store for a file that fails these checks:
//
//   - Sizes before inflating: each collection file's zip entry must
//     declare the size its manifest gives, and the manifest must not
//     declare more bytes than its record count allows (each collection
//     has a longest record, maxRecord in validate.go). A zip bomb is
//     refused here, or, if its sizes are honest, at its first repeated
//     record; a file that inflates past its declared size is refused
//     one byte after it.
//
//   - Records one at a time: a line longer than its collection's longest
//     record is refused without being held whole; imports are batched by
//     count and by bytes.
//
//   - Every record is checked against the rules of storage/validate.go,
//     in two tiers. A value that no makechat ever stored, or that the
//     stores cannot work with, refuses the whole file with a
//     *RecordError naming the first such record (file, line, _id, field,
//     why): JSON of the wrong types, a missing id or reference, a record
//     too large, text over 10,000 characters or not UTF-8, an email
//     without '@', a username with markup, whitespace or control
//     characters, an unknown role, a session or hook hash that is not a
//     hex SHA-256, a repeated _id. A value that today's rules refuse but
//     an older makechat (or the original Python one) stored is kept as it
//     is and listed in the returned Manifest's Legacy: a username outside
//     [a-zA-Z0-9_-]{1,120} made only of letters, digits and ".@+-_" (at
//     most 150 characters, Django's rule), an email that net/mail does
//     not read back unchanged but has the shape local@domain, a room,
//     token or hook name with invisible formatting characters (Unicode
//     Cf: bidirectional controls, zero-width characters), a password
//     hash that is not bcrypt, a token without a hash (the original's),
//     a record without its creation time.
//
//   - No value the stores keep unique repeats: ids, usernames, emails,
//     room names, session, token and hook hashes, a user's membership of
//     a room. The check keeps a 64-bit hash of each such value of the
//     small collections (about 40 bytes each; users, sessions, tokens,
//     rooms, members and hooks) and, for messages, which every makechat
//     backup writes in id order, only the last id. So a restore --force
//     never clears a store for a file whose import would then fail.
//
// Restore then imports in batches, reporting progress.
package backup

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/durable"
)

// Format names the archive kind in its manifest; FormatVersion is the
// layout this code writes and the newest it reads. Every older format
// stays readable (see formatCollections).
const (
	Format        = "makechat-backup"
	FormatVersion = 5
	manifestFile  = "manifest.json"
	// filePrefix and fileSuffix frame the names ToDir gives backups.
	filePrefix = "makechat-backup-"
	fileSuffix = ".zip"
	// nameTime is the timestamp in a backup's name: sortable, and safe
	// in file names on every system.
	nameTime = "20060102T150405.000Z"
	// staleAfter is how long a temporary file must lie unchanged before
	// Prune takes it for the remains of an interrupted backup.
	staleAfter = 10 * time.Minute
)

// formatCollections lists the collections of each format version, in
// order: version 1 (makechat 1) had no invites, version 2 no commands,
// version 3 no files (nor their bytes, which version 4 adds: blobs.go),
// version 4 no read states (threads followed, direct conversations read).
var formatCollections = map[int][]string{
	1: {storage.CollUsers, storage.CollSessions, storage.CollTokens, storage.CollRooms, storage.CollMembers, storage.CollMessages, storage.CollHooks},
	2: {storage.CollUsers, storage.CollSessions, storage.CollTokens, storage.CollRooms, storage.CollMembers, storage.CollMessages, storage.CollHooks, storage.CollInvites},
	3: {storage.CollUsers, storage.CollSessions, storage.CollTokens, storage.CollRooms, storage.CollMembers, storage.CollMessages, storage.CollHooks, storage.CollInvites, storage.CollCommands},
	4: {storage.CollUsers, storage.CollSessions, storage.CollTokens, storage.CollRooms, storage.CollMembers, storage.CollMessages, storage.CollHooks, storage.CollInvites, storage.CollCommands, storage.CollFiles},
	5: storage.Collections,
}

// ErrCorrupt is wrapped by the errors of a backup file that is damaged,
// truncated, or not a makechat backup.
var ErrCorrupt = errors.New("backup file is damaged or not a makechat backup")

// ErrNewerFormat is wrapped when a backup was written by a newer makechat
// in a format this one cannot read.
var ErrNewerFormat = errors.New("backup format is newer than this makechat reads")

// Manifest describes a backup; it is the archive's manifest.json.
type Manifest struct {
	Format        string       `json:"format"`
	FormatVersion int          `json:"format_version"`
	Version       string       `json:"makechat_version"`
	Source        string       `json:"source"`
	Created       time.Time    `json:"created"`
	Collections   []Collection `json:"collections"`
	// Blobs describes the files' bytes (format 4 on).
	Blobs *Blobs `json:"blobs,omitempty"`
	// PushKeys is the server's Web Push (VAPID) key pair, which its
	// browsers' subscriptions are made to (format 5 on, when the server
	// has one): a restore puts it back in data_dir.
	PushKeys json.RawMessage `json:"push_keys,omitempty"`

	// Legacy lists the first records (at most 100) that today's rules
	// refuse but an older makechat allowed, which a restore keeps;
	// LegacyCount counts them all. Verify and Restore fill them; they are
	// not part of the file.
	Legacy      []Finding `json:"-"`
	LegacyCount int       `json:"-"`
}

// Collection describes one collection's file in a backup.
type Collection struct {
	Name   string `json:"name"`
	File   string `json:"file"`
	Count  int    `json:"count"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Count is the number of records of the named collection.
func (m Manifest) Count(name string) int {
	for _, c := range m.Collections {
		if c.Name == name {
			return c.Count
		}
	}
	return 0
}

// Total is the number of records in the backup.
func (m Manifest) Total() int {
	n := 0
	for _, c := range m.Collections {
		n += c.Count
	}
	return n
}

// Info is what a backup records about where it came from.
type Info struct {
	Version string // makechat's version
	Source  string // the backend: "bolt" or "mongo"
	// PushKeys is the server's VAPID key pair as kept in data_dir (nil
	// for none); it goes into the manifest.
	PushKeys json.RawMessage
}

// Write writes a backup of st to w.
func Write(ctx context.Context, st storage.Store, w io.Writer, info Info) (Manifest, error) {
	m := Manifest{Format: Format, FormatVersion: FormatVersion, Version: info.Version, Source: info.Source, Created: time.Now().UTC()}
	if json.Valid(info.PushKeys) {
		m.PushKeys = info.PushKeys
	}
	zw := zip.NewWriter(w)
	// Backups are written while the server serves: favour speed.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	cw := &collectionWriter{zip: zw, created: m.Created}
	blobs := blobNames{}
	err := st.Export(ctx, func(r storage.Record) error {
		blobs.note(r)
		return cw.write(r)
	})
	if err == nil {
		err = cw.finish()
	}
	if err == nil {
		m.Blobs, err = writeBlobs(ctx, zw, st, blobs, m.Created)
	}
	if err != nil {
		return Manifest{}, err
	}
	m.Collections = cw.done
	if err := writeManifest(zw, m); err != nil {
		return Manifest{}, err
	}
	if err := zw.Close(); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// collectionWriter writes Export's records into one archive file per
// collection, opening each in Collections order (so that an empty
// collection has its empty file too).
type collectionWriter struct {
	zip     *zip.Writer
	created time.Time
	next    int // index in storage.Collections of the next file to open
	cur     *Collection
	out     *bufio.Writer
	sum     hash.Hash
	done    []Collection
}

func (c *collectionWriter) write(r storage.Record) error {
	for c.cur == nil || c.cur.Name != r.Collection {
		if err := c.open(); err != nil {
			return fmt.Errorf("backup: record of collection %q out of order: %w", r.Collection, err)
		}
	}
	line, err := json.Marshal(r.Value)
	if err != nil {
		return fmt.Errorf("backup: encode %s record: %w", r.Collection, err)
	}
	line = append(line, '\n')
	c.cur.Count++
	c.cur.Bytes += int64(len(line))
	c.sum.Write(line)
	_, err = c.out.Write(line)
	return err
}

// open closes the current file and opens the next collection's.
func (c *collectionWriter) open() error {
	if err := c.close(); err != nil {
		return err
	}
	if c.next == len(storage.Collections) {
		return errors.New("no collection left")
	}
	name := storage.Collections[c.next]
	c.next++
	f, err := c.zip.CreateHeader(&zip.FileHeader{Name: name + ".jsonl", Method: zip.Deflate, Modified: c.created})
	if err != nil {
		return err
	}
	c.cur = &Collection{Name: name, File: name + ".jsonl"}
	c.out = bufio.NewWriterSize(f, 64<<10)
	c.sum = sha256.New()
	return nil
}

func (c *collectionWriter) close() error {
	if c.cur == nil {
		return nil
	}
	if err := c.out.Flush(); err != nil {
		return err
	}
	c.cur.SHA256 = hex.EncodeToString(c.sum.Sum(nil))
	c.done = append(c.done, *c.cur)
	c.cur = nil
	return nil
}

// finish opens and closes the files of the collections that had no
// records at the end.
func (c *collectionWriter) finish() error {
	for c.next < len(storage.Collections) {
		if err := c.open(); err != nil {
			return err
		}
	}
	return c.close()
}

func writeManifest(zw *zip.Writer, m Manifest) error {
	f, err := zw.CreateHeader(&zip.FileHeader{Name: manifestFile, Method: zip.Deflate, Modified: m.Created})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// ToDir writes a backup of st into dir (created if missing) under a name
// with the time, such as makechat-backup-20261125T153000.123Z.zip, and
// returns its path. The file appears under that name only once it is
// complete and on disk.
func ToDir(ctx context.Context, st storage.Store, dir string, info Info) (string, Manifest, error) {
	return toDir(ctx, st, dir, info, nil)
}

// toDir is ToDir; wrap, if not nil, wraps the file's writer (tests use
// it to fail writes as a full disk does).
func toDir(ctx context.Context, st storage.Store, dir string, info Info, wrap func(io.Writer) io.Writer) (string, Manifest, error) {
	f, err := durable.Create(dir, ".makechat-backup-*.partial")
	if err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer f.Abort()
	var w io.Writer = f
	if wrap != nil {
		w = wrap(w)
	}
	buf := bufio.NewWriterSize(w, 1<<20)
	m, err := Write(ctx, st, buf, info)
	if err == nil {
		err = buf.Flush()
	}
	if err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	path, err := publish(f, filepath.Join(dir, filePrefix+m.Created.Format(nameTime)))
	if err != nil {
		return "", Manifest{}, fmt.Errorf("backup: %w", err)
	}
	return path, m, nil
}

// publish gives the finished file its name, base+".zip", or, when
// another backup took that name in the same millisecond, base+"_2.zip"
// and so on (which List sorts after it). The name is taken exclusively
// (durable.File.CommitNew), so two backups never overwrite each other.
func publish(f *durable.File, base string) (string, error) {
	for n := 1; n <= 100; n++ {
		path := base + fileSuffix
		if n > 1 {
			path = fmt.Sprintf("%s_%d%s", base, n, fileSuffix)
		}
		err := f.CommitNew(path)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return path, nil
	}
	return "", fmt.Errorf("%s%s and 99 more names are taken", base, fileSuffix)
}

// List returns the backups ToDir wrote in dir, oldest first. A missing
// dir has none.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, filePrefix) && strings.HasSuffix(n, fileSuffix) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	sort.Strings(out) // names hold the time, so name order is age order
	return out, nil
}

// Prune deletes the oldest backups in dir until keep remain (keep <= 0
// keeps all) and returns the paths it deleted. It also removes temporary
// files that an interrupted backup left behind.
func Prune(dir string, keep int) ([]string, error) {
	stale, _ := filepath.Glob(filepath.Join(dir, ".makechat-backup-*.partial"))
	for _, p := range stale {
		// A backup in progress writes its file all the time; one left
		// alone this long was interrupted.
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > staleAfter {
			os.Remove(p)
		}
	}
	all, err := List(dir)
	if err != nil || keep <= 0 || len(all) <= keep {
		return nil, err
	}
	var removed []string
	for _, p := range all[:len(all)-keep] {
		if err := os.Remove(p); err != nil {
			return removed, err
		}
		removed = append(removed, p)
	}
	return removed, nil
}
