package durable

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFile_ReplacesWholeAndLeavesNoTemporaryFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "switch")
	require.NoError(t, WriteFile(path, []byte("on\n")))
	require.NoError(t, WriteFile(path, []byte("second\n")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "second\n", string(data))
	assert.Equal(t, []string{"switch"}, names(t, dir))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	info, err = os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())

	require.NoError(t, Remove(path))
	require.NoError(t, Remove(path), "removing what is not there is fine")
	assert.Empty(t, names(t, dir))
}

func TestCommitNew_NeverReplacesAndLetsTheCallerTryAnotherName(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "a")
	require.NoError(t, os.WriteFile(first, []byte("first"), 0o600))
	f, err := Create(dir, ".tmp-*")
	require.NoError(t, err)
	defer f.Abort()
	_, err = f.WriteString("second")
	require.NoError(t, err)
	require.ErrorIs(t, f.CommitNew(first), fs.ErrExist)
	data, _ := os.ReadFile(first)
	assert.Equal(t, "first", string(data), "the taken name keeps its file")
	require.NoError(t, f.CommitNew(filepath.Join(dir, "b")))
	data, _ = os.ReadFile(filepath.Join(dir, "b"))
	assert.Equal(t, "second", string(data))
	f.Abort()
	assert.Equal(t, []string{"a", "b"}, names(t, dir), "no temporary file is left")
}

func TestAbort_RemovesTheTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(dir, ".tmp-*")
	require.NoError(t, err)
	_, err = f.WriteString("half")
	require.NoError(t, err)
	f.Abort()
	f.Abort()
	assert.Empty(t, names(t, dir))
}
