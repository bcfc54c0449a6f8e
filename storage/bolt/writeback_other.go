//go:build !linux

package bolt

import "os"

// startWriteback does nothing where sync_file_range is not available:
// the blob's final fsync writes all of it.
func startWriteback(*os.File, int64, int64) {}
