package bolt

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to begin writing a range of f to disk
// now, without waiting for it, so that the fsync at the end of a large
// blob has little left to flush. An error only loses the head start, so
// it is ignored.
func startWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// waitWriteback waits until a range of f whose writeback was started is
// on disk, which paces a blob's writing to the disk's speed (issue 15's
// "a 25 MB upload does not move the p99 of posts"). An error is left for
// the final fsync to report.
func waitWriteback(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
}
