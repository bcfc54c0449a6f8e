package bolt

import (
	"context"
	"sort"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// CreateCommand stores c and claims its name: a taken name gives
// ErrDuplicate.
func (s *Store) CreateCommand(ctx context.Context, c storage.Command) error {
	return s.update(ctx, "create command", func(tx *bbolt.Tx) error { return insertCommand(tx, c) })
}

func insertCommand(tx *bbolt.Tx, c storage.Command) error {
	if err := claim(tx.Bucket(bucketCommandsByName), nameKey(c.Name), c.ID, "command name"); err != nil {
		return err
	}
	return insert(tx.Bucket(bucketCommands), c.ID, c)
}

// Commands lists the custom commands in name order.
func (s *Store) Commands(ctx context.Context) ([]storage.Command, error) {
	out := []storage.Command{}
	err := s.view(ctx, "list commands", func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCommands).ForEach(func(k, _ []byte) error {
			c, err := get[storage.Command](tx.Bucket(bucketCommands), k)
			out = append(out, c)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// CommandByName finds a command by name, without regard to case.
func (s *Store) CommandByName(ctx context.Context, name string) (storage.Command, error) {
	var c storage.Command
	err := s.view(ctx, "get command by name", func(tx *bbolt.Tx) error {
		id, err := lookup(tx.Bucket(bucketCommandsByName), nameKey(name))
		if err != nil {
			return err
		}
		c, err = get[storage.Command](tx.Bucket(bucketCommands), key(id))
		return err
	})
	return c, err
}

// DeleteCommand removes a command and frees its name.
func (s *Store) DeleteCommand(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete command", func(tx *bbolt.Tx) error {
		c, err := get[storage.Command](tx.Bucket(bucketCommands), key(id))
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketCommands).Delete(key(id)); err != nil {
			return err
		}
		return release(tx.Bucket(bucketCommandsByName), nameKey(c.Name), id)
	})
}
