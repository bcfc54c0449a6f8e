package chat

import (
	"context"
	"errors"

	"github.com/makechat/makechat/storage"
)

// MemberChanges names what to change in a membership: its role (owners
// and administrators) or its read marker (the member itself).
type MemberChanges struct {
	Role     *string
	LastRead *storage.ID
	Muted    *bool
	// Notify changes the member's own notification level and mute.
	Notify NotifyChange
}

func checkRole(field, role string) error {
	switch role {
	case storage.RoleOwner, storage.RoleMember, storage.RoleGuest:
		return nil
	case "":
		return Missing(field)
	}
	return Invalid(field, "must be 'owner', 'member' or 'guest'")
}

// Members lists a room's members for its members and administrators.
func (s *Service) Members(ctx context.Context, a Actor, room storage.ID) ([]storage.Member, error) {
	if room.IsZero() {
		return nil, Missing("room")
	}
	if _, err := s.Room(ctx, a, room); err != nil {
		return nil, err
	}
	if !a.IsAdmin() {
		if _, err := s.store.MemberOf(ctx, room, a.User.ID); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return nil, ErrMembersListOnly
			}
			return nil, storeErr(err, "member")
		}
	}
	ms, err := s.store.Members(ctx, room)
	return ms, storeErr(err, "member")
}

// AddMember puts a user into a room. With user zero or the actor itself
// it is a join: anyone may join an open room (as member), administrators
// any room. Inviting someone else takes the room's owner or an
// administrator, and may give any role.
func (s *Service) AddMember(ctx context.Context, a Actor, room, user storage.ID, role string) (storage.Member, error) {
	if room.IsZero() {
		return storage.Member{}, Missing("room")
	}
	r, err := s.Room(ctx, a, room)
	if err != nil {
		return storage.Member{}, err
	}
	if r.IsGroup() {
		return storage.Member{}, ErrGroupFixed
	}
	join := user.IsZero() || user == a.User.ID
	if join {
		user = a.User.ID
		if role == "" {
			role = storage.RoleMember
		}
		if !a.IsAdmin() {
			if !r.IsOpen {
				return storage.Member{}, ErrRoomClosed
			}
			if role != storage.RoleMember {
				return storage.Member{}, ErrJoinAsMember
			}
		}
	} else {
		if err := s.mayManage(ctx, a, room); err != nil {
			return storage.Member{}, err
		}
		if role == "" {
			role = storage.RoleMember
		}
		if _, err := s.store.User(ctx, user); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return storage.Member{}, ErrNoSuchUserToAdd
			}
			return storage.Member{}, storeErr(err, "user")
		}
	}
	if err := checkRole("role", role); err != nil {
		return storage.Member{}, err
	}
	return s.addMember(ctx, room, user, role)
}

// addMember stores a membership. Its read marker starts at the room's
// newest message: a newcomer has read nothing, but is not greeted by
// the room's whole history as unread.
func (s *Service) addMember(ctx context.Context, room, user storage.ID, role string) (storage.Member, error) {
	last, err := s.store.Messages(ctx, storage.RoomConversation(room), storage.MessageQuery{Limit: 1})
	if err != nil {
		return storage.Member{}, storeErr(err, "room")
	}
	m := storage.Member{ID: s.ids.New(), Room: room, Profile: user, Role: role, Created: s.clock()}
	if len(last) > 0 {
		m.LastRead = last[0].ID
	}
	if err := s.store.AddMember(ctx, m); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return storage.Member{}, ErrAlreadyMember
		}
		return storage.Member{}, storeErr(err, "room")
	}
	s.notify(Event{Name: EventMemberAdded, Member: &m, ToRoom: room, ToUsers: []storage.ID{user}})
	return m, nil
}

// UpdateMember changes a member's role (owners and administrators), or
// moves its read marker or mutes the room (the member itself).
func (s *Service) UpdateMember(ctx context.Context, a Actor, id storage.ID, c MemberChanges) (storage.Member, error) {
	m, err := s.visibleMember(ctx, a, id)
	if err != nil {
		return storage.Member{}, err
	}
	// Every check comes before any write, so a request is applied whole
	// or not at all.
	if c.Role != nil {
		if err := checkRole("role", *c.Role); err != nil {
			return storage.Member{}, err
		}
		if err := s.mayManage(ctx, a, m.Room); err != nil {
			return storage.Member{}, err
		}
	}
	if c.LastRead != nil && m.Profile != a.User.ID {
		return storage.Member{}, ErrOwnReadMarkerOnly
	}
	if (c.Muted != nil || !c.Notify.empty()) && m.Profile != a.User.ID {
		return storage.Member{}, ErrOwnMuteOnly
	}
	if err := c.Notify.check(s.clock()); err != nil {
		return storage.Member{}, err
	}
	if c.Role != nil {
		if m, err = s.store.SetMemberRole(ctx, id, *c.Role); err != nil {
			return storage.Member{}, storeErr(err, "member")
		}
		s.notify(Event{Name: EventMemberUpdated, Member: &m, ToRoom: m.Room})
	}
	if c.LastRead != nil {
		if m, err = s.store.SetReadMarker(ctx, id, *c.LastRead); err != nil {
			return storage.Member{}, storeErr(err, "member")
		}
	}
	if c.Muted != nil {
		if m, err = s.store.SetMemberMuted(ctx, id, *c.Muted); err != nil {
			return storage.Member{}, storeErr(err, "member")
		}
	}
	if !c.Notify.empty() {
		level, until := m.Notify, m.MutedUntil
		if c.Notify.Level != nil {
			level = *c.Notify.Level
		}
		if c.Notify.MutedUntil != nil {
			until = *c.Notify.MutedUntil
		}
		if m, err = s.store.SetMemberNotify(ctx, id, level, until); err != nil {
			return storage.Member{}, storeErr(err, "member")
		}
	}
	return m, nil
}

// RemoveMember takes a member out of its room: its owners and
// administrators may, and any member may leave.
func (s *Service) RemoveMember(ctx context.Context, a Actor, id storage.ID) (storage.Member, error) {
	m, err := s.visibleMember(ctx, a, id)
	if err != nil {
		return storage.Member{}, err
	}
	if m.Profile != a.User.ID {
		if err := s.mayManage(ctx, a, m.Room); err != nil {
			return storage.Member{}, err
		}
	} else if r, err := s.store.Room(ctx, m.Room); err == nil && r.IsGroup() {
		return storage.Member{}, ErrGroupFixed
	}
	if err := s.store.DeleteMember(ctx, id); err != nil {
		return storage.Member{}, storeErr(err, "member")
	}
	s.notify(Event{Name: EventMemberRemoved, Member: &m, ToRoom: m.Room, ToUsers: []storage.ID{m.Profile}})
	return m, nil
}

// visibleMember finds a membership the actor may see: its own, or one in
// a room the actor may see.
func (s *Service) visibleMember(ctx context.Context, a Actor, id storage.ID) (storage.Member, error) {
	m, err := s.store.Member(ctx, id)
	if err != nil {
		return storage.Member{}, storeErr(err, "member")
	}
	if m.Profile == a.User.ID || a.IsAdmin() {
		return m, nil
	}
	if _, err := s.Room(ctx, a, m.Room); err != nil {
		return storage.Member{}, ErrNoSuchMember
	}
	return m, nil
}

// Usernames maps user ids to usernames, for lists that show names.
func (s *Service) Usernames(ctx context.Context, ids []storage.ID) (map[storage.ID]Name, error) {
	names := make(map[storage.ID]Name, len(ids))
	now := s.clock()
	for _, id := range ids {
		if _, ok := names[id]; ok {
			continue
		}
		u, err := s.store.User(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			names[id] = Name{}
			continue
		}
		if err != nil {
			return nil, storeErr(err, "user")
		}
		names[id] = Name{Username: u.Username, IsBot: u.IsBot, Avatar: u.Avatar, DisplayName: u.DisplayName, Status: u.Status.At(now)}
	}
	return names, nil
}

// Name is how a user is shown beside what it wrote: its username,
// whether it is a bot, its avatar, and its profile.
type Name struct {
	Username    string
	IsBot       bool
	Avatar      string // the blob of its avatar, "" for none
	DisplayName string
	Status      storage.Status // as shown now: none once expired
}
