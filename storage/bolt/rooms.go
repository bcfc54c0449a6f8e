package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// CreateRoom stores r together with owner, its first member, and sets
// r.Members to [owner.ID]. owner.Room is set to r.ID, since a member of
// another room would break the rule that a room's Members name its
// members. An owner with the nil id (such as the zero Member) creates a
// room without members.
func (s *Store) CreateRoom(ctx context.Context, r storage.Room, owner storage.Member) error {
	// Build the records before the transaction, so that a second run of
	// the function by the group commit starts from the same values.
	r, owner, withOwner := storage.RoomWithOwner(r, owner)
	return s.update(ctx, "create room", func(tx *bbolt.Tx) error {
		if err := insertRoom(tx, r); err != nil {
			return err
		}
		if withOwner {
			return insertMember(tx, owner)
		}
		return nil
	})
}

// insertRoom stores r and claims its name, leaving its members to the
// caller.
func insertRoom(tx *bbolt.Tx, r storage.Room) error {
	if err := claim(tx.Bucket(bucketRoomsByName), nameKey(r.Name), r.ID, "room name"); err != nil {
		return err
	}
	if err := claim(tx.Bucket(bucketRoomsByGroup), groupKey(r), r.ID, "group of users"); err != nil {
		return err
	}
	return insert(tx.Bucket(bucketRooms), r.ID, r)
}

// Room finds a room by id.
func (s *Store) Room(ctx context.Context, id storage.ID) (storage.Room, error) {
	var r storage.Room
	err := s.view(ctx, "get room", func(tx *bbolt.Tx) (err error) {
		r, err = get[storage.Room](tx.Bucket(bucketRooms), key(id))
		return err
	})
	return r, err
}

// Rooms lists every room in id order.
func (s *Store) Rooms(ctx context.Context) ([]storage.Room, error) {
	var rooms []storage.Room
	err := s.view(ctx, "list rooms", func(tx *bbolt.Tx) (err error) {
		rooms, err = all[storage.Room](tx.Bucket(bucketRooms))
		return err
	})
	return rooms, err
}

// UpdateRoom applies p and returns the updated room. A new name that
// another room holds gives ErrDuplicate and changes nothing.
func (s *Store) UpdateRoom(ctx context.Context, id storage.ID, p storage.RoomPatch) (storage.Room, error) {
	var out storage.Room
	err := s.update(ctx, "update room", func(tx *bbolt.Tx) error {
		rooms := tx.Bucket(bucketRooms)
		r, err := get[storage.Room](rooms, key(id))
		if err != nil {
			return err
		}
		if p.Name != nil {
			if err := rename(tx.Bucket(bucketRoomsByName), nameKey(r.Name), nameKey(*p.Name), id, "room name"); err != nil {
				return err
			}
			r.Name = *p.Name
		}
		if p.IsOpen != nil {
			r.IsOpen = *p.IsOpen
		}
		if p.IsVisible != nil {
			r.IsVisible = *p.IsVisible
		}
		if p.Topic != nil {
			r.Topic = *p.Topic
		}
		out = r
		return put(rooms, key(id), r)
	})
	return out, err
}

// DeleteRoom removes a room with its members, its messages (and their
// search postings) and its hooks, in one transaction: a room with a long
// history makes it a large one, which is acceptable for a rare action and
// keeps the cascade atomic.
func (s *Store) DeleteRoom(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete room", func(tx *bbolt.Tx) error {
		rooms := tx.Bucket(bucketRooms)
		r, err := get[storage.Room](rooms, key(id))
		if err != nil {
			return err
		}
		if err := rooms.Delete(key(id)); err != nil {
			return err
		}
		if err := release(tx.Bucket(bucketRoomsByName), nameKey(r.Name), id); err != nil {
			return err
		}
		if err := release(tx.Bucket(bucketRoomsByGroup), groupKey(r), id); err != nil {
			return err
		}
		members := tx.Bucket(bucketMembers)
		byRoom := tx.Bucket(bucketMembersByRoom)
		byUser := tx.Bucket(bucketMembersByUser)
		for _, e := range prefixed(byRoom, id) {
			user, err := toID(e.key[len(id):])
			if err != nil {
				return err
			}
			if err := members.Delete(e.value); err != nil {
				return err
			}
			if err := byUser.Delete(pair(user, key(id))); err != nil {
				return err
			}
			if err := byRoom.Delete(e.key); err != nil {
				return err
			}
		}
		if err := deleteConversation(tx, convKey(storage.RoomConversation(id))); err != nil {
			return err
		}
		if err := deleteRoomFiles(tx, id); err != nil {
			return err
		}
		return deleteHooksOf(tx, id)
	})
}

// AddMember stores m and appends its id to its room's Members.
func (s *Store) AddMember(ctx context.Context, m storage.Member) error {
	return s.update(ctx, "add member", func(tx *bbolt.Tx) error {
		rooms := tx.Bucket(bucketRooms)
		r, err := get[storage.Room](rooms, key(m.Room))
		if err != nil {
			return err
		}
		if tx.Bucket(bucketUsers).Get(key(m.Profile)) == nil {
			return storage.ErrNotFound
		}
		if err := insertMember(tx, m); err != nil {
			return err
		}
		r.Members = append(r.Members, m.ID)
		return put(rooms, key(r.ID), r)
	})
}

// insertMember stores m and its index entries, leaving the room's Members
// to the caller.
func insertMember(tx *bbolt.Tx, m storage.Member) error {
	byRoom := tx.Bucket(bucketMembersByRoom)
	roomKey := pair(m.Room, key(m.Profile))
	if byRoom.Get(roomKey) != nil {
		return fmt.Errorf("%w membership", storage.ErrDuplicate)
	}
	if err := insert(tx.Bucket(bucketMembers), m.ID, m); err != nil {
		return err
	}
	if err := byRoom.Put(roomKey, key(m.ID)); err != nil {
		return err
	}
	return tx.Bucket(bucketMembersByUser).Put(pair(m.Profile, key(m.Room)), key(m.ID))
}

// Member finds a member by id.
func (s *Store) Member(ctx context.Context, id storage.ID) (storage.Member, error) {
	var m storage.Member
	err := s.view(ctx, "get member", func(tx *bbolt.Tx) (err error) {
		m, err = get[storage.Member](tx.Bucket(bucketMembers), key(id))
		return err
	})
	return m, err
}

// MemberOf finds the membership of user in room.
func (s *Store) MemberOf(ctx context.Context, room, user storage.ID) (storage.Member, error) {
	var m storage.Member
	err := s.view(ctx, "get membership", func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketMembersByRoom).Get(pair(room, key(user)))
		if v == nil {
			return storage.ErrNotFound
		}
		var err error
		m, err = get[storage.Member](tx.Bucket(bucketMembers), v)
		return err
	})
	return m, err
}

// Members lists a room's members in id order.
func (s *Store) Members(ctx context.Context, room storage.ID) ([]storage.Member, error) {
	return s.membersBy(ctx, "list members", bucketMembersByRoom, room)
}

// MembershipsOf lists a user's memberships in id order.
func (s *Store) MembershipsOf(ctx context.Context, user storage.ID) ([]storage.Member, error) {
	return s.membersBy(ctx, "list memberships", bucketMembersByUser, user)
}

// membersBy lists the members that an index holds under id. The index is
// ordered by the other party's id, so the result is sorted by member id.
func (s *Store) membersBy(ctx context.Context, op string, index []byte, id storage.ID) ([]storage.Member, error) {
	var out []storage.Member
	err := s.view(ctx, op, func(tx *bbolt.Tx) error {
		members := tx.Bucket(bucketMembers)
		out = make([]storage.Member, 0)
		for _, e := range prefixed(tx.Bucket(index), id) {
			m, err := get[storage.Member](members, e.value)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b storage.Member) int { return bytes.Compare(a.ID[:], b.ID[:]) })
	return out, nil
}

// SetMemberRole changes a member's role and returns the member.
func (s *Store) SetMemberRole(ctx context.Context, id storage.ID, role string) (storage.Member, error) {
	var out storage.Member
	err := s.update(ctx, "set member role", func(tx *bbolt.Tx) error {
		members := tx.Bucket(bucketMembers)
		m, err := get[storage.Member](members, key(id))
		if err != nil {
			return err
		}
		m.Role = role
		out = m
		return put(members, key(id), m)
	})
	return out, err
}

// SetMemberMuted sets a member's Muted and returns the member.
func (s *Store) SetMemberMuted(ctx context.Context, id storage.ID, muted bool) (storage.Member, error) {
	var out storage.Member
	err := s.update(ctx, "set member muted", func(tx *bbolt.Tx) error {
		members := tx.Bucket(bucketMembers)
		m, err := get[storage.Member](members, key(id))
		if err != nil {
			return err
		}
		m.Muted = muted
		out = m
		return put(members, key(id), m)
	})
	return out, err
}

// SetMemberNotify rewrites the member with its notification settings.
func (s *Store) SetMemberNotify(ctx context.Context, id storage.ID, level string, mutedUntil time.Time) (storage.Member, error) {
	var out storage.Member
	err := s.update(ctx, "set member notify", func(tx *bbolt.Tx) error {
		members := tx.Bucket(bucketMembers)
		m, err := get[storage.Member](members, key(id))
		if err != nil {
			return err
		}
		m.Notify, m.MutedUntil = level, mutedUntil
		out = m
		return put(members, key(id), m)
	})
	return out, err
}

// DeleteMember removes a member and its id from its room's Members.
func (s *Store) DeleteMember(ctx context.Context, id storage.ID) error {
	return s.update(ctx, "delete member", func(tx *bbolt.Tx) error {
		m, err := get[storage.Member](tx.Bucket(bucketMembers), key(id))
		if err != nil {
			return err
		}
		return removeMember(tx, m)
	})
}

// SetReadMarker moves a member's LastRead forward to msg; a marker that
// is not newer than the stored one leaves the member as it is, so that a
// late request from a slow tab cannot mark messages unread again.
func (s *Store) SetReadMarker(ctx context.Context, member storage.ID, msg storage.ID) (storage.Member, error) {
	var out storage.Member
	err := s.update(ctx, "set read marker", func(tx *bbolt.Tx) error {
		members := tx.Bucket(bucketMembers)
		m, err := get[storage.Member](members, key(member))
		if err != nil {
			return err
		}
		out = m
		if !m.LastRead.Less(msg) {
			return nil
		}
		m.LastRead = msg
		out = m
		return put(members, key(member), m)
	})
	return out, err
}

// removeMember deletes m with its index entries and takes it out of its
// room's Members.
func removeMember(tx *bbolt.Tx, m storage.Member) error {
	if err := tx.Bucket(bucketMembers).Delete(key(m.ID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketMembersByRoom).Delete(pair(m.Room, key(m.Profile))); err != nil {
		return err
	}
	if err := tx.Bucket(bucketMembersByUser).Delete(pair(m.Profile, key(m.Room))); err != nil {
		return err
	}
	rooms := tx.Bucket(bucketRooms)
	r, err := get[storage.Room](rooms, key(m.Room))
	if errors.Is(err, storage.ErrNotFound) {
		// The cascades keep a member from outliving its room; should one
		// have, there is no list to take it out of.
		return nil
	}
	if err != nil {
		return err
	}
	r.Members = slices.DeleteFunc(r.Members, func(id storage.ID) bool { return id == m.ID })
	return put(rooms, key(r.ID), r)
}

// deleteMembershipsOf removes every membership of user, for DeleteUser.
func deleteMembershipsOf(tx *bbolt.Tx, user storage.ID) error {
	members := tx.Bucket(bucketMembers)
	for _, e := range prefixed(tx.Bucket(bucketMembersByUser), user) {
		m, err := get[storage.Member](members, e.value)
		if err != nil {
			return err
		}
		if err := removeMember(tx, m); err != nil {
			return err
		}
	}
	return nil
}
