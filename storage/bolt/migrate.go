package bolt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/makechat/makechat/storage"
)

// schemaVersion is the layout this code reads and writes: a file of an
// older version is brought to it by the migrations below as Open opens
// it, and a file of a newer one is refused.
const schemaVersion = 6

// A migration brings a file from version to-1 to version to. Each runs
// in one transaction together with the version it leaves in meta, so a
// migration interrupted by a crash or a kill leaves the file as it was,
// and the next Open runs it again from the start. It must still be
// idempotent (rerunnable on its own output), since it is written once
// and must never depend on that reasoning staying true.
type migration struct {
	to   int
	what string
	run  func(tx *bbolt.Tx) error
}

var migrations = []migration{
	{2, "index sessions by expiry, so that the sweep of expired sessions reads only those", indexSessionsByExpiry},
	// The buckets are made by prepare, as every migration's transaction
	// begins; the version says that a makechat that knows no invites
	// must not write this file (nor post with client ids it would not
	// keep unique).
	{3, "add invites and client message ids", func(*bbolt.Tx) error { return nil }},
	{4, "add custom slash commands", func(*bbolt.Tx) error { return nil }},
	{5, "add uploaded files", func(*bbolt.Tx) error { return nil }},
	// Reactions live in messages, which an older makechat would rewrite
	// without them; replies would show in its histories.
	{6, "add reactions, threads, read states and group conversations", func(*bbolt.Tx) error { return nil }},
}

// migrate brings the file to schemaVersion: a new file is created at it,
// an older one runs the migrations it lacks, each logged to log (if not
// nil), and a newer one is refused with one line.
func migrate(db *bbolt.DB, log func(string)) error {
	var v int
	err := db.View(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || meta.Get(keySchema) == nil {
			return nil
		}
		n, err := strconv.Atoi(string(meta.Get(keySchema)))
		if err != nil || n < 1 {
			return fmt.Errorf("schema version %q is not a version number", meta.Get(keySchema))
		}
		v = n
		return nil
	})
	switch {
	case err != nil:
		return err
	case v > schemaVersion:
		return fmt.Errorf("%w (schema version %d; this one reads up to %d): run that makechat, or restore a backup into a new data directory", storage.ErrNewerSchema, v, schemaVersion)
	case v == 0:
		// A new file: every bucket, at the current version.
		return db.Update(func(tx *bbolt.Tx) error {
			if err := prepare(tx); err != nil {
				return err
			}
			return setVersion(tx, schemaVersion)
		})
	}
	for _, m := range migrations {
		if m.to <= v {
			continue
		}
		if log != nil {
			log(fmt.Sprintf("migrating the store from schema version %d to %d: %s", m.to-1, m.to, m.what))
		}
		start := time.Now()
		err := db.Update(func(tx *bbolt.Tx) error {
			if err := prepare(tx); err != nil {
				return err
			}
			if err := m.run(tx); err != nil {
				return err
			}
			return setVersion(tx, m.to)
		})
		if err != nil {
			return fmt.Errorf("migrate to schema version %d (%s): %w", m.to, m.what, err)
		}
		if log != nil {
			log(fmt.Sprintf("migrated the store to schema version %d in %s", m.to, time.Since(start).Round(time.Millisecond)))
		}
	}
	return db.Update(prepare)
}

func setVersion(tx *bbolt.Tx, v int) error {
	return tx.Bucket(bucketMeta).Put(keySchema, []byte(strconv.Itoa(v)))
}

// indexSessionsByExpiry (version 2) fills sessions_by_expiry from the
// sessions, replacing whatever an interrupted run left in it.
func indexSessionsByExpiry(tx *bbolt.Tx) error {
	if err := tx.DeleteBucket(bucketSessionsByExp); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	index, err := tx.CreateBucket(bucketSessionsByExp)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketSessions).ForEach(func(k, data []byte) error {
		var sess storage.Session
		if err := json.Unmarshal(data, &sess); err != nil {
			return fmt.Errorf("decode session %x: %w", k, err)
		}
		return index.Put(expiryKey(sess.Expires, bytes.Clone(k)), []byte{})
	})
}
