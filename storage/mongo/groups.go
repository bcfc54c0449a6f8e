package mongo

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/makechat/makechat/storage"
)

// CreateGroup inserts the members, then the room, whose unique group_key
// refuses a second conversation of the same users; the members are
// removed again if the room is refused (as CreateRoom does its owner).
func (s *Store) CreateGroup(ctx context.Context, r storage.Room, members []storage.Member) error {
	if err := storage.CheckGroup(r.Group); err != nil {
		return fmt.Errorf("group %w", err)
	}
	r.Members = make([]storage.ID, len(members))
	docs := make([]any, len(members))
	for i := range members {
		members[i].Room = r.ID
		r.Members[i] = members[i].ID
		docs[i] = newMemberDoc(members[i])
	}
	return s.do(ctx, "create group", func(ctx context.Context) error {
		if _, err := s.members.InsertMany(ctx, docs); err != nil {
			return err
		}
		_, err := s.rooms.InsertOne(ctx, newRoomDoc(r))
		if err != nil {
			ctx, cancel := cleanupContext()
			defer cancel()
			if found, ferr := exists(ctx, s.rooms, r.ID); ferr == nil && !found {
				_, _ = s.members.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: oids(r.Members)}}}})
			}
		}
		return err
	})
}

// GroupRoom finds the group of users by its group_key.
func (s *Store) GroupRoom(ctx context.Context, users []storage.ID) (storage.Room, error) {
	var r storage.Room
	err := s.do(ctx, "get group", func(ctx context.Context) error {
		if len(users) == 0 {
			return storage.ErrNotFound
		}
		d, err := findOne[roomDoc](ctx, s.rooms, bson.D{{Key: "group_key", Value: groupKey(users, storage.NilID)}})
		if err != nil {
			return err
		}
		members, err := ids(ctx, s.members, bson.D{{Key: "room", Value: d.ID}})
		r = reconcile(d.model(), members)
		return err
	})
	return r, err
}
