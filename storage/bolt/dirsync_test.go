package bolt

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDirSyncer_EveryCallerGetsItsOwnDirectorysAnswer syncs many
// directories at once (so that rounds carry several): each caller
// returns, with nil for a real directory and its own error for one that
// is gone, which does not fail the others of its round.
func TestDirSyncer_EveryCallerGetsItsOwnDirectorysAnswer(t *testing.T) {
	root := t.TempDir()
	var d dirSyncer
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		dir := filepath.Join(root, fmt.Sprint(i%8))
		if i%8 != 7 {
			require.NoError(t, os.MkdirAll(dir, 0o700))
		}
		wg.Go(func() { errs[i] = d.sync(dir) })
	}
	wg.Wait()
	for i, err := range errs {
		if i%8 == 7 {
			require.ErrorIs(t, err, fs.ErrNotExist, "call %d", i)
		} else {
			require.NoError(t, err, "call %d", i)
		}
	}
	require.NoError(t, d.sync(root), "a call after the rounds are over starts a new one")
}
