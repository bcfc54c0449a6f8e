// Package maintenance owns maintenance mode, in one place: a flag that a
// running server reads on every request, backed by a file in data_dir, so
// that the mode survives restarts and the command line can switch it
// while no server runs. The API's gate, the web pages, the admin's switch
// and the control socket all take the same *Switch.
//
// Start from Open. The nodes of a cluster share one mode instead
// (OpenShared): a flag in the store that each node follows.
package maintenance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/makechat/makechat/storage/durable"
)

// File is the switch's file name inside data_dir: present means on.
const File = "maintenance"

// Switch is the maintenance mode of one data directory, or of a cluster.
type Switch struct {
	path   string
	shared Flags // the cluster's flag (nil: the file at path)
	on     atomic.Bool
	mu     sync.Mutex // orders Sets (and a cluster's reads), so the store and the flag agree
}

// Flags is where a cluster keeps its mode (storage.Shared has them).
type Flags interface {
	Flag(ctx context.Context, name string) (bool, error)
	SetFlag(ctx context.Context, name string, on bool) error
}

// FlagName is the name of a cluster's maintenance flag.
const FlagName = "maintenance"

// flagTimeout bounds one read or write of a cluster's flag.
const flagTimeout = 10 * time.Second

// OpenShared returns the switch of a cluster's node: the mode is the
// flag in flags, the same for every node. Follow keeps it up to date.
func OpenShared(ctx context.Context, flags Flags) (*Switch, error) {
	s := &Switch{shared: flags}
	ctx, cancel := context.WithTimeout(ctx, flagTimeout)
	defer cancel()
	on, err := flags.Flag(ctx, FlagName)
	if err != nil {
		return nil, fmt.Errorf("maintenance: %w", err)
	}
	s.on.Store(on)
	return s, nil
}

// Follow reads a cluster's flag every interval until ctx ends, so that
// a switch made on another node applies here within that time; changed
// is told of each change seen. A switch of one node has nothing to follow.
func (s *Switch) Follow(ctx context.Context, every time.Duration, changed func(on bool)) {
	if s.shared == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.mu.Lock()
		rctx, cancel := context.WithTimeout(ctx, every)
		on, err := s.shared.Flag(rctx, FlagName)
		cancel()
		was := s.on.Load()
		if err == nil {
			s.on.Store(on)
		}
		s.mu.Unlock()
		if err == nil && on != was && changed != nil {
			changed(on)
		}
	}
}

// Open returns the switch of dataDir, on if its file exists.
func Open(dataDir string) *Switch {
	s := &Switch{path: filepath.Join(dataDir, File)}
	_, err := os.Stat(s.path)
	s.on.Store(err == nil)
	return s
}

// On reports whether maintenance mode is on. It is read on every request,
// so it reads the flag, not the file.
func (s *Switch) On() bool { return s.on.Load() }

// Set turns the mode on or off: durably first (the file is written or
// removed and its directory synced; a cluster's flag is written), then
// for the requests that follow. When it fails, nothing changed.
func (s *Switch) Set(on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	switch {
	case s.shared != nil:
		ctx, cancel := context.WithTimeout(context.Background(), flagTimeout)
		defer cancel()
		err = s.shared.SetFlag(ctx, FlagName, on)
	case on:
		err = durable.WriteFile(s.path, []byte("on\n"))
	default:
		err = durable.Remove(s.path)
	}
	if err != nil {
		return fmt.Errorf("maintenance: %w", err)
	}
	s.on.Store(on)
	return nil
}
