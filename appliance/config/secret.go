package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/makechat/makechat/storage/durable"
)

// secretFile is the name, inside DataDir, of the generated secret key.
const secretFile = "secret_key"

// EnsureSecret makes sure SecretKey is set. When it is empty, it is read
// from <DataDir>/secret_key, or, when that file does not exist, 32 random
// bytes are generated, hex-encoded and kept there (file mode 0600, data
// directory created with mode 0700), so that what it signs survives a
// restart.
func (c *Config) EnsureSecret() error {
	if c.SecretKey != "" {
		return nil
	}
	if c.DataDir == "" {
		return errors.New("config: secret key: data_dir is empty")
	}
	path := filepath.Join(c.DataDir, secretFile)
	key, err := readSecret(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createSecret(c.DataDir, path)
	}
	if err != nil {
		return err
	}
	c.SecretKey = key
	return nil
}

// readSecret reads a secret key file and checks that it holds a key.
func readSecret(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("config: secret key: %w", err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" {
		// Making a new key here would log everyone out without saying
		// why; an empty file means someone should look.
		return "", fmt.Errorf("config: secret key: %s is empty; delete it to have a new key generated", path)
	}
	if err := checkValue(key); err != nil {
		return "", fmt.Errorf("config: secret key: %s: %w", path, err)
	}
	return key, nil
}

// createSecret generates a key and publishes it at path, or returns the
// key another process published there first.
func createSecret(dir, path string) (string, error) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("config: secret key: %w", err)
	}
	key := hex.EncodeToString(raw[:])
	f, err := durable.Create(dir, ".secret_key-*")
	if err != nil {
		return "", fmt.Errorf("config: secret key: %w", err)
	}
	defer f.Abort()
	if _, err := f.WriteString(key + "\n"); err != nil {
		return "", fmt.Errorf("config: secret key: %w", err)
	}
	// CommitNew never replaces: when two processes start at once, both
	// end up with the key of the one that got there first.
	err = f.CommitNew(path)
	if errors.Is(err, fs.ErrExist) {
		return readSecret(path)
	}
	if err != nil {
		return "", fmt.Errorf("config: secret key: %w", err)
	}
	return key, nil
}
