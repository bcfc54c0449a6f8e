package push

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/makechat/makechat/appliance/webpush"
	"github.com/makechat/makechat/storage/durable"
)

// KeysFile is the name, inside the data directory, of the server's VAPID
// key pair; backups carry it.
const KeysFile = "vapid.json"

// LoadOrCreateKeys reads the VAPID keys kept in dir, or generates a pair
// and keeps it there (mode 0600) on first start. Every subscription is
// made to the public key, so a server that lost it would have to ask
// every browser to subscribe again.
func LoadOrCreateKeys(dir string) (*webpush.Keys, error) {
	path := filepath.Join(dir, KeysFile)
	k, err := readKeys(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	k, err = webpush.GenerateKeys()
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(k)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("push keys: %w", err)
	}
	f, err := durable.Create(dir, ".vapid-*")
	if err != nil {
		return nil, fmt.Errorf("push keys: %w", err)
	}
	defer f.Abort()
	if _, err := f.Write(append(data, '\n')); err != nil {
		return nil, fmt.Errorf("push keys: %w", err)
	}
	// CommitNew never replaces: of two processes starting at once, both
	// keep the pair of the first.
	if err := f.CommitNew(path); errors.Is(err, fs.ErrExist) {
		return readKeys(path)
	} else if err != nil {
		return nil, fmt.Errorf("push keys: %w", err)
	}
	return k, nil
}

func readKeys(path string) (*webpush.Keys, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("push keys: %w", err)
	}
	var k webpush.Keys
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("push keys: %s: %w (delete it to have a new pair made; browsers then subscribe again)", path, err)
	}
	return &k, nil
}

// ShareKeys makes the keys kept in dir those of a cluster: keep stores
// the given pair for the cluster unless it has one, and returns the
// cluster's. This node's pair is replaced by the cluster's when they
// differ, so that every node signs for the same subscriptions and its
// backups carry the pair in use. It reports whether it replaced them.
func ShareKeys(dir string, keep func([]byte) ([]byte, error)) (bool, error) {
	path := filepath.Join(dir, KeysFile)
	if _, err := LoadOrCreateKeys(dir); err != nil {
		return false, err
	}
	mine, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("push keys: %w", err)
	}
	theirs, err := keep(mine)
	if err != nil {
		return false, fmt.Errorf("push keys: %w", err)
	}
	if string(theirs) == string(mine) {
		return false, nil
	}
	var k webpush.Keys
	if err := json.Unmarshal(theirs, &k); err != nil {
		return false, fmt.Errorf("push keys: the cluster's: %w", err)
	}
	if err := durable.WriteFile(path, theirs); err != nil {
		return false, fmt.Errorf("push keys: %w", err)
	}
	return true, nil
}
