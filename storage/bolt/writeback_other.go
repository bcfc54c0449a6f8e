//go:build !linux

package bolt

import "os"

// startWriteback and waitWriteback do nothing where sync_file_range is
// not available: the blob's final fsync writes all of it.
func startWriteback(*os.File, int64, int64) {}

func waitWriteback(*os.File, int64, int64) {}
