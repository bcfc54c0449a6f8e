package maintenance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSwitch_IsTheFileAndTheFlag(t *testing.T) {
	dir := t.TempDir()
	s := Open(dir)
	assert.False(t, s.On())
	require.NoError(t, s.Set(true))
	assert.True(t, s.On())
	assert.FileExists(t, filepath.Join(dir, File))
	assert.True(t, Open(dir).On(), "a restart (a new Open) finds it on")

	require.NoError(t, s.Set(false))
	assert.False(t, s.On())
	assert.NoFileExists(t, filepath.Join(dir, File))
	require.NoError(t, s.Set(false), "off twice is fine")
	assert.False(t, Open(dir).On())
}

func TestSwitch_AFailedSetChangesNothing(t *testing.T) {
	parent := t.TempDir()
	blocker := filepath.Join(parent, "not-a-dir")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	s := Open(blocker) // its "directory" is a file: the switch cannot be written
	require.Error(t, s.Set(true))
	assert.False(t, s.On(), "the flag follows the file, never ahead of it")
}
