package mongo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
)

// CreateRoom inserts the owner member first and then the room naming it:
// until the room exists, readers do not see the member (member reads skip
// members of rooms that do not exist), so the room appears with its owner
// in one step. A taken name removes the member again and gives
// ErrDuplicate. An owner with the nil id creates a room without members.
func (s *Store) CreateRoom(ctx context.Context, r storage.Room, owner storage.Member) error {
	r, owner, withOwner := storage.RoomWithOwner(r, owner)
	return s.do(ctx, "create room", func(ctx context.Context) error {
		if withOwner {
			if _, err := s.members.InsertOne(ctx, newMemberDoc(owner)); err != nil {
				return err
			}
		}
		_, err := s.rooms.InsertOne(ctx, newRoomDoc(r))
		if err != nil && withOwner {
			// Undo with a context of its own: ctx may be what failed.
			// After a network error or a cancelled context the insert
			// may still have been applied: undo only if the room is
			// not there (a taken name, or a write that never landed).
			ctx, cancel := cleanupContext()
			defer cancel()
			if found, ferr := exists(ctx, s.rooms, r.ID); ferr == nil && !found {
				_, _ = s.members.DeleteOne(ctx, byID(owner.ID))
			}
		}
		return err
	})
}

// Room finds a room by id.
func (s *Store) Room(ctx context.Context, id storage.ID) (storage.Room, error) {
	var r storage.Room
	err := s.do(ctx, "get room", func(ctx context.Context) error {
		d, err := findOne[roomDoc](ctx, s.rooms, byID(id))
		if err != nil {
			return err
		}
		members, err := ids(ctx, s.members, bson.D{{Key: "room", Value: oid(id)}})
		r = reconcile(d.model(), members)
		return err
	})
	return r, err
}

// Rooms lists every room in id order.
func (s *Store) Rooms(ctx context.Context) ([]storage.Room, error) {
	var out []storage.Room
	err := s.do(ctx, "list rooms", func(ctx context.Context) (err error) {
		out, err = s.allRooms(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// allRooms reads every room and reconciles it with the members
// collection, read once.
func (s *Store) allRooms(ctx context.Context) ([]storage.Room, error) {
	docs, err := findAll[roomDoc](ctx, s.rooms, bson.D{}, options.Find().SetSort(sortByID))
	if err != nil {
		return nil, err
	}
	members, err := findAll[memberDoc](ctx, s.members, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "room", Value: 1}}).SetSort(sortByID))
	if err != nil {
		return nil, err
	}
	byRoom := map[bson.ObjectID][]storage.ID{}
	for _, m := range members {
		byRoom[m.Room] = append(byRoom[m.Room], storage.ID(m.ID))
	}
	out := make([]storage.Room, len(docs))
	for i, d := range docs {
		out[i] = reconcile(d.model(), byRoom[d.ID])
	}
	return out, nil
}

// reconcile returns r with Members made to agree with members, the ids of
// the room's member documents in id order: ids that name no member are
// dropped, and members the list lacks are appended. The member documents
// are the truth; the stored list keeps the join order. The two are written
// one after the other (a member, then the list), so between the writes,
// or after a crash between them, they may differ for a moment; readers
// never see it.
func reconcile(r storage.Room, members []storage.ID) storage.Room {
	present := make(map[storage.ID]bool, len(members))
	for _, id := range members {
		present[id] = true
	}
	listed := make(map[storage.ID]bool, len(r.Members))
	out := make([]storage.ID, 0, len(members))
	for _, id := range r.Members {
		if present[id] && !listed[id] {
			listed[id] = true
			out = append(out, id)
		}
	}
	for _, id := range members {
		if !listed[id] {
			out = append(out, id)
		}
	}
	r.Members = out
	return r
}

// UpdateRoom applies p in one update and returns the room. A new name that
// another room holds gives ErrDuplicate and changes nothing.
func (s *Store) UpdateRoom(ctx context.Context, id storage.ID, p storage.RoomPatch) (storage.Room, error) {
	var r storage.Room
	err := s.do(ctx, "update room", func(ctx context.Context) error {
		set := bson.D{}
		if p.Name != nil {
			set = append(set, bson.E{Key: "name", Value: storage.ValidUTF8(*p.Name)}, bson.E{Key: "name_key", Value: nameKey(*p.Name, id)})
		}
		if p.IsOpen != nil {
			set = append(set, bson.E{Key: "is_open", Value: *p.IsOpen})
		}
		if p.IsVisible != nil {
			set = append(set, bson.E{Key: "is_visible", Value: *p.IsVisible})
		}
		if p.Topic != nil {
			set = append(set, bson.E{Key: "topic", Value: storage.ValidUTF8(*p.Topic)})
		}
		d, err := updateOne[roomDoc](ctx, s.rooms, byID(id), set)
		if err != nil {
			return err
		}
		members, err := ids(ctx, s.members, bson.D{{Key: "room", Value: oid(id)}})
		r = reconcile(d.model(), members)
		return err
	})
	return r, err
}

// DeleteRoom removes a room, then its members, messages and hooks. The
// room goes first, in one step, so that readers see it gone at once (and
// its members with it, since member reads skip members of missing rooms);
// a pending-deletion record written before lets Open finish the rest if
// a crash interrupts it.
func (s *Store) DeleteRoom(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete room", func(ctx context.Context) error {
		found, err := exists(ctx, s.rooms, id)
		if err != nil {
			return err
		}
		if !found {
			return storage.ErrNotFound
		}
		return s.finishDelete(ctx, pendingDoc{ID: oid(id), Kind: pendingRoom})
	})
}

// deleteRoomCascade runs the steps of DeleteRoom after the pending record
// is written. Every step is idempotent.
func (s *Store) deleteRoomCascade(ctx context.Context, id storage.ID) error {
	if _, err := s.rooms.DeleteOne(ctx, byID(id)); err != nil {
		return err
	}
	inRoom := bson.D{{Key: "room", Value: oid(id)}}
	if _, err := s.members.DeleteMany(ctx, inRoom); err != nil {
		return err
	}
	conv := bson.D{{Key: "conv", Value: convKey(storage.RoomConversation(id))}}
	if _, err := s.messages.DeleteMany(ctx, conv); err != nil {
		return err
	}
	if _, err := s.reactions.DeleteMany(ctx, conv); err != nil {
		return err
	}
	if _, err := s.files.DeleteMany(ctx, inRoom); err != nil {
		return err
	}
	_, err := s.hooks.DeleteMany(ctx, inRoom)
	return err
}

// cascadeTimeout bounds a deletion's cascade once it is recorded.
const cascadeTimeout = 10 * time.Minute

// finishDelete records the deletion p, runs its cascade and drops the
// record. Open calls it again for records left by a crash.
func (s *Store) finishDelete(ctx context.Context, p pendingDoc) error {
	if _, err := s.pending.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.ID}}, p, options.Replace().SetUpsert(true)); err != nil {
		return err
	}
	// Once recorded, the deletion runs to its end even if the caller
	// goes away: half of it would otherwise wait for the next Open.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cascadeTimeout)
	defer cancel()
	var err error
	switch p.Kind {
	case pendingUser:
		err = s.deleteUserCascade(ctx, storage.ID(p.ID))
	case pendingRoom:
		err = s.deleteRoomCascade(ctx, storage.ID(p.ID))
	default:
		err = fmt.Errorf("unknown pending deletion of a %q", p.Kind)
	}
	if err != nil {
		return err
	}
	_, err = s.pending.DeleteOne(ctx, bson.D{{Key: "_id", Value: p.ID}})
	return err
}

// AddMember inserts m and appends its id to its room's list. The room and
// the user must exist before and still exist after: if either went away
// meanwhile (a concurrent DeleteRoom or DeleteUser), the member is removed
// again and the answer is ErrNotFound, so that no member outlives them.
func (s *Store) AddMember(ctx context.Context, m storage.Member) error {
	return s.do(ctx, "add member", func(ctx context.Context) error {
		if err := s.requireRoomAndUser(ctx, m); err != nil {
			return err
		}
		if _, err := s.members.InsertOne(ctx, newMemberDoc(m)); err != nil {
			return err
		}
		res, err := s.rooms.UpdateOne(ctx, byID(m.Room), bson.D{{Key: "$push", Value: bson.D{{Key: "members", Value: oid(m.ID)}}}})
		if err == nil && res.MatchedCount == 1 {
			err = s.requireRoomAndUser(ctx, m)
			if err == nil {
				return nil
			}
		} else if err == nil {
			err = fmt.Errorf("%w: room %s", storage.ErrNotFound, m.Room)
		}
		ctx, cancel := cleanupContext()
		defer cancel()
		if uerr := s.removeMember(ctx, m.ID, m.Room); uerr != nil {
			return errors.Join(err, uerr)
		}
		return err
	})
}

// requireRoomAndUser gives ErrNotFound unless m's room and user exist.
func (s *Store) requireRoomAndUser(ctx context.Context, m storage.Member) error {
	if ok, err := exists(ctx, s.rooms, m.Room); err != nil || !ok {
		return notFoundUnless(err, "room", m.Room)
	}
	if ok, err := exists(ctx, s.users, m.Profile); err != nil || !ok {
		return notFoundUnless(err, "user", m.Profile)
	}
	return nil
}

// notFoundUnless is err, or ErrNotFound naming what if err is nil.
func notFoundUnless(err error, what string, id storage.ID) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s %s", storage.ErrNotFound, what, id)
}

// Member finds a member by id; a member of a room that no longer exists
// is not found.
func (s *Store) Member(ctx context.Context, id storage.ID) (storage.Member, error) {
	return s.oneMember(ctx, "get member", byID(id))
}

// MemberOf finds the membership of user in room.
func (s *Store) MemberOf(ctx context.Context, room, user storage.ID) (storage.Member, error) {
	return s.oneMember(ctx, "get membership", bson.D{{Key: "room", Value: oid(room)}, {Key: "profile", Value: oid(user)}})
}

func (s *Store) oneMember(ctx context.Context, op string, filter bson.D) (storage.Member, error) {
	var m storage.Member
	err := s.do(ctx, op, func(ctx context.Context) error {
		d, err := findOne[memberDoc](ctx, s.members, filter)
		if err != nil {
			return err
		}
		m = d.model()
		return s.requireRoom(ctx, m.Room)
	})
	return m, err
}

// requireRoom gives ErrNotFound unless room exists.
func (s *Store) requireRoom(ctx context.Context, room storage.ID) error {
	ok, err := exists(ctx, s.rooms, room)
	if err != nil || !ok {
		return notFoundUnless(err, "room", room)
	}
	return nil
}

// Members lists a room's members in id order; a room that does not exist
// has none.
func (s *Store) Members(ctx context.Context, room storage.ID) ([]storage.Member, error) {
	var out []storage.Member
	err := s.do(ctx, "list members", func(ctx context.Context) error {
		ok, err := exists(ctx, s.rooms, room)
		if err != nil || !ok {
			out = []storage.Member{}
			return err
		}
		docs, err := findAll[memberDoc](ctx, s.members, bson.D{{Key: "room", Value: oid(room)}}, options.Find().SetSort(sortByID))
		out = models(docs, memberDoc.model)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MembershipsOf lists a user's memberships in id order, leaving out those
// of rooms that no longer exist.
func (s *Store) MembershipsOf(ctx context.Context, user storage.ID) ([]storage.Member, error) {
	var out []storage.Member
	err := s.do(ctx, "list memberships", func(ctx context.Context) error {
		docs, err := findAll[memberDoc](ctx, s.members, bson.D{{Key: "profile", Value: oid(user)}}, options.Find().SetSort(sortByID))
		if err != nil {
			return err
		}
		all := models(docs, memberDoc.model)
		rooms := make([]storage.ID, len(all))
		for i, m := range all {
			rooms[i] = m.Room
		}
		live, err := ids(ctx, s.rooms, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: oids(rooms)}}}})
		if err != nil {
			return err
		}
		out = slices.DeleteFunc(all, func(m storage.Member) bool { return !slices.Contains(live, m.Room) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetMemberRole changes a member's role and returns the member.
func (s *Store) SetMemberRole(ctx context.Context, id storage.ID, role string) (storage.Member, error) {
	var m storage.Member
	err := s.do(ctx, "set member role", func(ctx context.Context) error {
		d, err := updateOne[memberDoc](ctx, s.members, byID(id), bson.D{{Key: "role", Value: storage.ValidUTF8(role)}})
		m = d.model()
		return err
	})
	return m, err
}

// SetMemberMuted sets a member's Muted and returns the member.
func (s *Store) SetMemberMuted(ctx context.Context, id storage.ID, muted bool) (storage.Member, error) {
	var m storage.Member
	err := s.do(ctx, "set member muted", func(ctx context.Context) error {
		d, err := updateOne[memberDoc](ctx, s.members, byID(id), bson.D{{Key: "muted", Value: muted}})
		m = d.model()
		return err
	})
	return m, err
}

// SetMemberNotify sets the member's notification settings in one update.
func (s *Store) SetMemberNotify(ctx context.Context, id storage.ID, level string, mutedUntil time.Time) (storage.Member, error) {
	var m storage.Member
	err := s.do(ctx, "set member notify", func(ctx context.Context) error {
		d, err := updateOne[memberDoc](ctx, s.members, byID(id), bson.D{{Key: "notify", Value: storage.ValidUTF8(level)}, {Key: "muted_until", Value: mutedUntil}})
		m = d.model()
		return err
	})
	return m, err
}

// DeleteMember removes a member, then its id from its room's list.
func (s *Store) DeleteMember(ctx context.Context, id storage.ID) error {
	return s.do(ctx, "delete member", func(ctx context.Context) error {
		d, err := findOne[memberDoc](ctx, s.members, byID(id))
		if err != nil {
			return err
		}
		return s.removeMember(ctx, id, storage.ID(d.Room))
	})
}

// removeMember deletes member id of room, then pulls it from the room's
// list; both steps are idempotent.
func (s *Store) removeMember(ctx context.Context, id, room storage.ID) error {
	if _, err := s.members.DeleteOne(ctx, byID(id)); err != nil {
		return err
	}
	_, err := s.rooms.UpdateOne(ctx, byID(room), bson.D{{Key: "$pull", Value: bson.D{{Key: "members", Value: oid(id)}}}})
	return err
}

// deleteMembershipsOf removes every membership of user, for DeleteUser.
func (s *Store) deleteMembershipsOf(ctx context.Context, user storage.ID) error {
	docs, err := findAll[memberDoc](ctx, s.members, bson.D{{Key: "profile", Value: oid(user)}}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "room", Value: 1}}))
	if err != nil {
		return err
	}
	for _, d := range docs {
		if err := s.removeMember(ctx, storage.ID(d.ID), storage.ID(d.Room)); err != nil {
			return err
		}
	}
	return nil
}

// SetReadMarker moves a member's LastRead forward to msg with $max, so
// that a late request cannot move it back, and returns the member.
func (s *Store) SetReadMarker(ctx context.Context, member storage.ID, msg storage.ID) (storage.Member, error) {
	var m storage.Member
	err := s.do(ctx, "set read marker", func(ctx context.Context) error {
		raw, err := s.members.FindOneAndUpdate(ctx, byID(member),
			bson.D{{Key: "$max", Value: bson.D{{Key: "last_read", Value: oid(msg)}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Raw()
		if err != nil {
			return noDocument(err)
		}
		d, err := decode[memberDoc](s.members.Name(), raw)
		m = d.model()
		return err
	})
	return m, err
}
