package appliance

import (
	"context"
	"errors"
	"fmt"
	"github.com/makechat/makechat/appliance/push"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/control"
	"github.com/makechat/makechat/backup"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/durable"
	"github.com/rs/zerolog"
)

// RestoreMarker is the file in data_dir that marks a restore in progress:
// while it exists the store may hold half a backup, and serve refuses to
// start.
const RestoreMarker = "restore-incomplete"

// Backups takes backups of a store, one at a time, on demand (the backup
// command) and on a schedule (backup_interval), and remembers how the
// last ones went for /healthz and /metrics.
type Backups struct {
	cfg     config.Config
	store   storage.Store
	version string
	log     zerolog.Logger

	run sync.Mutex // held while a backup runs: one at a time

	// On a cluster, each scheduled backup is a turn (the number of its
	// interval since 1970) that one node claims: claims nil means one
	// node, which takes them all; node names this one.
	claims storage.Shared
	node   string

	mu     sync.Mutex
	status BackupStatus
}

// BackupStatus is how the latest backups went.
type BackupStatus struct {
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastPath    string    `json:"last_path,omitempty"`
	LastFailure time.Time `json:"last_failure,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Failures    int       `json:"failures"`
}

// NewBackups returns the backup taker of st; version is recorded in each
// backup's manifest.
func NewBackups(cfg config.Config, st storage.Store, version string, log zerolog.Logger) *Backups {
	return &Backups{cfg: cfg, store: st, version: version, log: log}
}

// source names the configured backend, as a backup's manifest records it.
func source(cfg config.Config) string {
	if cfg.MongoURI != "" {
		return "mongo"
	}
	return "bolt"
}

// Backup writes a backup into dir, or backup_dir when dir is "".
func (b *Backups) Backup(ctx context.Context, dir string) (control.BackupInfo, error) {
	if dir == "" {
		dir = b.cfg.BackupDir
	}
	b.run.Lock()
	defer b.run.Unlock()
	start := time.Now()
	// The server's Web Push keys go with its data (nil if it has none).
	keys, _ := os.ReadFile(filepath.Join(b.cfg.DataDir, push.KeysFile))
	path, m, err := backup.ToDir(ctx, b.store, dir, backup.Info{Version: b.version, Source: source(b.cfg), PushKeys: keys})
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil && ctx.Err() != nil {
		return control.BackupInfo{}, err // stopped, not failed: the server is shutting down
	}
	if err != nil {
		b.status.LastFailure, b.status.LastError = time.Now(), err.Error()
		b.status.Failures++
		return control.BackupInfo{}, err
	}
	b.status.LastSuccess, b.status.LastPath, b.status.LastError = time.Now(), path, ""
	info := control.BackupInfo{Path: path, Records: m.Total(), Messages: m.Count(storage.CollMessages), Seconds: time.Since(start).Seconds()}
	if fi, err := os.Stat(path); err == nil {
		info.Bytes = fi.Size()
	}
	return info, nil
}

// Status is how the latest backups went.
func (b *Backups) Status() BackupStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// Schedule takes a backup every backup_interval into backup_dir, keeping
// the newest backup_keep, until ctx ends. Without an interval it returns
// at once.
func (b *Backups) Schedule(ctx context.Context) {
	if b.cfg.BackupInterval <= 0 {
		return
	}
	b.log.Info().Str("dir", b.cfg.BackupDir).Dur("interval", b.cfg.BackupInterval).Int("keep", b.cfg.BackupKeep).Msg("scheduled backups on")
	t := time.NewTicker(b.cfg.BackupInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.scheduled(ctx)
		}
	}
}

// shareWith makes the scheduled backups of a cluster's node turns that
// one node takes each: the first whose timer fires in that interval.
// If it dies, the next interval's turn goes to another.
func (b *Backups) shareWith(claims storage.Shared, node string) {
	b.claims, b.node = claims, node
}

// scheduled takes one scheduled backup, unless another node of the
// cluster took this interval's, and prunes the old ones.
func (b *Backups) scheduled(ctx context.Context) {
	if b.claims != nil {
		turn := time.Now().UnixNano() / int64(b.cfg.BackupInterval)
		won, err := b.claims.Claim(ctx, "backup", turn, b.node)
		if err != nil {
			b.log.Warn().Err(err).Msg("scheduled backup skipped: could not claim it in the store")
			return
		}
		if !won {
			b.log.Debug().Int64("turn", turn).Msg("scheduled backup taken by another node")
			return
		}
	}
	info, err := b.Backup(ctx, "")
	if err != nil && ctx.Err() != nil {
		return // stopped by a shutdown, not failed
	}
	if err != nil {
		b.log.Error().Err(err).Str("dir", b.cfg.BackupDir).Msg("scheduled backup failed")
		return
	}
	b.log.Info().Str("path", info.Path).Int("records", info.Records).Int64("bytes", info.Bytes).
		Float64("seconds", info.Seconds).Msg("scheduled backup written")
	removed, err := backup.Prune(b.cfg.BackupDir, b.cfg.BackupKeep)
	for _, p := range removed {
		b.log.Info().Str("path", p).Msg("old backup removed")
	}
	if err != nil {
		b.log.Warn().Err(err).Msg("removing old backups")
	}
}

// healthDetail is the backup state /healthz reports: nil when backups
// are not scheduled and none failed.
func (b *Backups) healthDetail() any {
	s := b.Status()
	if b.cfg.BackupInterval <= 0 && s.Failures == 0 {
		return nil
	}
	return s
}

// Restore restores the backup at path into the configured store, which
// must not be in use by a server. A marker file in data_dir makes a
// restore that stops half-way visible: serve refuses to start, and
// restore to go on without --force, until a restore completes.
func Restore(ctx context.Context, cfg config.Config, path string, opts backup.RestoreOptions) (backup.Manifest, error) {
	marker := filepath.Join(cfg.DataDir, RestoreMarker)
	if _, err := os.Stat(marker); err == nil && !opts.Force {
		return backup.Manifest{}, errors.New("an earlier restore into this store was interrupted; run the restore again with --force to replace what it left")
	}
	st, err := OpenStore(cfg, StoreOptions{LockWait: 2 * time.Second})
	if err != nil {
		return backup.Manifest{}, err
	}
	defer st.Close()
	opts.Begin = func() error { return durable.WriteFile(marker, []byte(path+"\n")) }
	m, err := backup.Restore(ctx, st, path, opts)
	if err != nil {
		return m, err
	}
	if len(m.PushKeys) > 0 {
		// The restored subscriptions were made to these keys.
		if err := durable.WriteFile(filepath.Join(cfg.DataDir, push.KeysFile), m.PushKeys); err != nil {
			return m, err
		}
	}
	return m, os.Remove(marker)
}

// checkRestoreMarker refuses to serve a store that a restore left half
// written.
func checkRestoreMarker(cfg config.Config) error {
	if _, err := os.Stat(filepath.Join(cfg.DataDir, RestoreMarker)); err == nil {
		return fmt.Errorf("a restore into this store was interrupted (%s exists): run 'makechat restore FILE --force' again before serving", filepath.Join(cfg.DataDir, RestoreMarker))
	}
	return nil
}
