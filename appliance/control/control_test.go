package control

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowBackups is a backup that runs until it is let go, and then reports
// whether it had seen its context end.
type slowBackups struct {
	started, release chan struct{}
	sawCancel        bool
}

func (b *slowBackups) Backup(ctx context.Context, dir string) (BackupInfo, error) {
	close(b.started)
	<-b.release
	b.sawCancel = ctx.Err() != nil
	return BackupInfo{Path: "done"}, nil
}

func TestServe_ReturnsOnlyAfterTheRequestsItTookAreAnswered(t *testing.T) {
	path := filepath.Join(t.TempDir(), SocketName)
	ln, err := Listen(path)
	require.NoError(t, err)
	backups := &slowBackups{started: make(chan struct{}), release: make(chan struct{})}
	defer func() {
		// Let a failed test end the backup, and so Serve, rather than
		// leave them blocked.
		select {
		case <-backups.release:
		default:
			close(backups.release)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		Serve(ctx, ln, NewOps(nil, nil, backups), zerolog.New(io.Discard))
		close(served)
	}()
	called := make(chan error, 1)
	go func() {
		callCtx, done := context.WithTimeout(context.Background(), 20*time.Second)
		defer done()
		called <- Call(callCtx, path, OpBackup, BackupArgs{}, nil)
	}()
	select {
	case <-backups.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the backup did not start")
	}

	cancel() // the server shuts down while the backup runs
	select {
	case <-served:
		t.Fatal("Serve returned under a running backup: the store would close beneath it")
	case <-time.After(200 * time.Millisecond):
	}
	close(backups.release)
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return once the backup ended")
	}
	assert.True(t, backups.sawCancel, "the backup saw the shutdown")
	select {
	case err := <-called:
		assert.NoError(t, err, "the caller got its answer")
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
}
