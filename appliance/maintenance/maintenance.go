// Package maintenance owns maintenance mode, in one place: a flag that a
// running server reads on every request, backed by a file in data_dir, so
// that the mode survives restarts and the command line can switch it
// while no server runs. The API's gate, the web pages, the admin's switch
// and the control socket all take the same *Switch.
//
// Start from Open. (When several nodes share one MongoDB, the mode will
// have to be cluster-wide; this package is where that goes.)
package maintenance

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/makechat/makechat/storage/durable"
)

// File is the switch's file name inside data_dir: present means on.
const File = "maintenance"

// Switch is the maintenance mode of one data directory.
type Switch struct {
	path string
	on   atomic.Bool
	mu   sync.Mutex // orders Sets, so the file and the flag agree
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
// removed and its directory synced), then for the requests that follow.
// When it fails, nothing changed.
func (s *Switch) Set(on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if on {
		err = durable.WriteFile(s.path, []byte("on\n"))
	} else {
		err = durable.Remove(s.path)
	}
	if err != nil {
		return fmt.Errorf("maintenance: %w", err)
	}
	s.on.Store(on)
	return nil
}
