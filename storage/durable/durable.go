// Package durable writes files that appear whole or not at all and stay
// after a crash: the data goes to a temporary file in the same
// directory, is fsynced, and only then takes its name, by a rename (which
// replaces) or a hard link (which never does), and the directory is
// fsynced so that the name survives too.
//
// Start from WriteFile for small files (the maintenance switch, the
// secret key, markers) and Create for streams (backups). Files are
// created with mode 0600.
package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a file being written under a temporary name in its final
// directory. Write to it, then Commit or CommitNew; Abort (safe to defer)
// removes it if neither happened.
type File struct {
	*os.File
	dir  string
	done bool
}

// Create starts a file in dir (made with mode 0700 if missing), under a
// temporary name made from pattern as os.CreateTemp makes it.
func Create(dir, pattern string) (*File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	return &File{File: f, dir: dir}, nil
}

// finish syncs and closes the temporary file.
func (f *File) finish() error {
	if err := f.Sync(); err != nil {
		f.File.Close()
		return err
	}
	return f.File.Close()
}

// Commit makes the file durable under path, replacing what was there.
func (f *File) Commit(path string) error {
	if err := f.finish(); err != nil {
		f.Abort()
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		f.Abort()
		return err
	}
	f.done = true
	return SyncDir(filepath.Dir(path))
}

// CommitNew makes the file durable under path only if no file has that
// name: otherwise it returns an error wrapping fs.ErrExist and the file
// stays uncommitted, so that the caller may try another name. The name
// is taken with a hard link, which fails when it exists; on a file
// system without hard links it is claimed by an exclusive create that a
// rename then replaces.
func (f *File) CommitNew(path string) error {
	if !f.done {
		if err := f.finish(); err != nil {
			f.Abort()
			return err
		}
		f.done = true // closed; the temporary name stays until published
	}
	err := os.Link(f.Name(), path)
	switch {
	case err == nil:
		os.Remove(f.Name())
	case errors.Is(err, fs.ErrExist):
		return err
	default:
		claim, cerr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if cerr != nil {
			if !errors.Is(cerr, fs.ErrExist) {
				os.Remove(f.Name())
			}
			return cerr
		}
		claim.Close()
		if err := os.Rename(f.Name(), path); err != nil {
			os.Remove(path)
			os.Remove(f.Name())
			return err
		}
	}
	return SyncDir(filepath.Dir(path))
}

// Abort removes the temporary file, unless it was committed.
func (f *File) Abort() {
	if f.done {
		// Closed by CommitNew but never published: drop it now.
		os.Remove(f.Name())
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
}

// WriteFile writes data to path durably, replacing what was there: a
// reader sees the old contents or the new, never a part.
func WriteFile(path string, data []byte) error {
	f, err := Create(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit(path)
}

// Remove removes path durably; a path that does not exist is not an
// error.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir makes the names in dir (a rename, a link, a removal) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
