package chat

import (
	"context"
	"errors"
	"slices"

	"github.com/makechat/makechat/storage"
)

// Group conversations (see storage/groups.go): a direct conversation
// among 3 to 8 users, who are its members, fixed. The same users always
// find the same conversation, whoever opens it; a different set is a
// different conversation. It is a room without a name, hidden and
// closed, whose members are all plain members: no one manages it
// (manageable refuses), no one joins or leaves, and it has no hooks or
// invites. It is listed with the direct conversations, not the rooms.

// OpenGroup returns the group conversation of the actor and users,
// making it if there is none (made says so). users are the others: 2 to
// 7 different users, existing and not disabled.
func (s *Service) OpenGroup(ctx context.Context, a Actor, users []storage.ID) (r storage.Room, made bool, err error) {
	if a.User.ID.IsZero() {
		return storage.Room{}, false, ErrAdminRequired
	}
	all := append(slices.Clone(users), a.User.ID)
	set := storage.SortedGroup(all)
	switch {
	case len(set) != len(all):
		return storage.Room{}, false, ErrGroupRepeats
	case len(set) < storage.MinGroup || len(set) > storage.MaxGroup:
		return storage.Room{}, false, ErrGroupSize
	}
	if r, err := s.store.GroupRoom(ctx, set); err == nil {
		return r, false, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return storage.Room{}, false, storeErr(err, "room")
	}
	for _, id := range set {
		u, err := s.store.User(ctx, id)
		if errors.Is(err, storage.ErrNotFound) || err == nil && u.IsDisabled {
			return storage.Room{}, false, ErrGroupUser
		}
		if err != nil {
			return storage.Room{}, false, storeErr(err, "user")
		}
	}
	now := s.clock()
	r = storage.Room{ID: s.ids.New(), Group: set, Created: now}
	members := make([]storage.Member, len(set))
	for i, u := range set {
		members[i] = storage.Member{ID: s.ids.New(), Profile: u, Role: storage.RoleMember, Created: now}
	}
	switch err := s.store.CreateGroup(ctx, r, members); {
	case errors.Is(err, storage.ErrDuplicate):
		// Opened by another of them at the same moment.
		r, err = s.store.GroupRoom(ctx, set)
		return r, false, storeErr(err, "room")
	case err != nil:
		return storage.Room{}, false, storeErr(err, "room")
	}
	r.Members = make([]storage.ID, len(members))
	for i := range members {
		members[i].Room = r.ID
		r.Members[i] = members[i].ID
	}
	// To its users only (not to every administrator, as other rooms'
	// events go): it is their conversation.
	s.notify(Event{Name: EventRoomCreated, Room: &r, ToUsers: set})
	for i := range members {
		s.notify(Event{Name: EventMemberAdded, Member: &members[i], ToRoom: r.ID, ToUsers: []storage.ID{members[i].Profile}})
	}
	return r, true, nil
}

// Groups lists the group conversations the actor belongs to.
func (s *Service) Groups(ctx context.Context, a Actor) ([]storage.Room, error) {
	ms, err := s.store.MembershipsOf(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "member")
	}
	out := []storage.Room{}
	for _, m := range ms {
		r, err := s.store.Room(ctx, m.Room)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, storeErr(err, "room")
		}
		if r.IsGroup() {
			out = append(out, r)
		}
	}
	return out, nil
}
