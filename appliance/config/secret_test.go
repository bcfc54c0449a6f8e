package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnsureSecret_GeneratesOnceAndReuses(t *testing.T) {
	t.Parallel()
	dataDir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"MAKECHAT_DATA_DIR": dataDir}

	c1, err := loadT(t, "", env, nil)
	require.NoError(t, err)
	require.NoError(t, c1.EnsureSecret())
	assert.Regexp(t, "^[0-9a-f]{64}$", c1.SecretKey)

	info, err := os.Stat(filepath.Join(dataDir, "secret_key"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), info.Mode().Perm())
	info, err = os.Stat(dataDir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), info.Mode().Perm())

	// A second call on the same Config and a fresh load both keep it.
	first := c1.SecretKey
	require.NoError(t, c1.EnsureSecret())
	assert.Equal(t, first, c1.SecretKey)
	c2, err := loadT(t, "", env, nil)
	require.NoError(t, err)
	require.NoError(t, c2.EnsureSecret())
	assert.Equal(t, first, c2.SecretKey)

	// No temporary files are left behind.
	names, err := os.ReadDir(dataDir)
	require.NoError(t, err)
	require.Len(t, names, 1)
}

func TestEnsureSecret_KeepsConfiguredKey(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	c, err := loadT(t, "", map[string]string{"MAKECHAT_DATA_DIR": dataDir, "MAKECHAT_SECRET_KEY": "configured"}, nil)
	require.NoError(t, err)
	require.NoError(t, c.EnsureSecret())
	assert.Equal(t, "configured", c.SecretKey)
	_, err = os.Stat(filepath.Join(dataDir, "secret_key"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestEnsureSecret_ConcurrentCallsAgree(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	keys := make([]string, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			c := Config{DataDir: dataDir}
			assert.NoError(t, c.EnsureSecret())
			keys[i] = c.SecretKey
		})
	}
	wg.Wait()
	for _, k := range keys {
		assert.Equal(t, keys[0], k)
	}
	assert.NotEmpty(t, keys[0])
}

func TestEnsureSecret_EmptyFileIsError(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "secret_key"), []byte("\n"), 0o600))
	c := Config{DataDir: dataDir}
	err := c.EnsureSecret()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is empty")
	assert.Empty(t, c.SecretKey)
}

func TestEnsureSecret_ReadsExistingFile(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dataDir, "secret_key"), []byte("from-file\n"), 0o600))
	c := Config{DataDir: dataDir}
	require.NoError(t, c.EnsureSecret())
	assert.Equal(t, "from-file", c.SecretKey)
}
