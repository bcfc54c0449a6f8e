package bolt

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// Group conversations are rooms; rooms_by_group maps storage.GroupKey of
// a group's users to its room, so that a set of users has one.

// groupKey is the rooms_by_group key of r, nil for a room that is no
// group.
func groupKey(r storage.Room) []byte {
	if !r.IsGroup() {
		return nil
	}
	return []byte(storage.GroupKey(r.Group))
}

// CreateGroup stores r and its members in one transaction.
func (s *Store) CreateGroup(ctx context.Context, r storage.Room, members []storage.Member) error {
	if err := storage.CheckGroup(r.Group); err != nil {
		return fmt.Errorf("group %w", err)
	}
	r.Members = make([]storage.ID, len(members))
	for i := range members {
		members[i].Room = r.ID
		r.Members[i] = members[i].ID
	}
	return s.update(ctx, "create group", func(tx *bbolt.Tx) error {
		if err := insertRoom(tx, r); err != nil {
			return err
		}
		for _, m := range members {
			if err := insertMember(tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}

// GroupRoom finds the group of users through rooms_by_group.
func (s *Store) GroupRoom(ctx context.Context, users []storage.ID) (storage.Room, error) {
	var r storage.Room
	err := s.view(ctx, "get group", func(tx *bbolt.Tx) error {
		id := tx.Bucket(bucketRoomsByGroup).Get([]byte(storage.GroupKey(users)))
		if id == nil || len(users) == 0 {
			return storage.ErrNotFound
		}
		var err error
		r, err = get[storage.Room](tx.Bucket(bucketRooms), id)
		return err
	})
	return r, err
}
