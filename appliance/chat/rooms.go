package chat

import (
	"context"
	"errors"
	"slices"

	"github.com/makechat/makechat/storage"
)

// NewRoom is a room to create; nil flags default to true, as in the seed.
type NewRoom struct {
	Name      string
	IsOpen    *bool
	IsVisible *bool
	Topic     string
}

// RoomChanges names the fields of a room to change; nil fields stay.
type RoomChanges struct {
	Name      *string
	IsOpen    *bool
	IsVisible *bool
	Topic     *string
}

// MayCreateRooms reports whether the actor may create rooms:
// administrators, and every user when room_creation is users.
func (s *Service) MayCreateRooms(a Actor) bool {
	return a.IsAdmin() || s.opts.UsersCreateRooms && !a.User.ID.IsZero()
}

// CreateRoom makes a room: administrators may, and users when
// room_creation is users (MayCreateRooms). The creator becomes its owner
// (the system actor creates a room without members).
func (s *Service) CreateRoom(ctx context.Context, a Actor, n NewRoom) (storage.Room, error) {
	if !s.MayCreateRooms(a) {
		return storage.Room{}, ErrAdminRequired
	}
	name, err := cleanName("name", n.Name)
	if err != nil {
		return storage.Room{}, err
	}
	topic, err := cleanTopic(n.Topic)
	if err != nil {
		return storage.Room{}, err
	}
	now := s.clock()
	r := storage.Room{
		ID:        s.ids.New(),
		Name:      name,
		IsOpen:    n.IsOpen == nil || *n.IsOpen,
		IsVisible: n.IsVisible == nil || *n.IsVisible,
		Topic:     topic,
		Created:   now,
	}
	var owner storage.Member
	if !a.System {
		owner = storage.Member{ID: s.ids.New(), Room: r.ID, Profile: a.User.ID, Role: storage.RoleOwner, Created: now}
		r.Members = []storage.ID{owner.ID}
	}
	if err := s.store.CreateRoom(ctx, r, owner); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return storage.Room{}, errRoomNameTaken(name)
		}
		return storage.Room{}, storeErr(err, "room")
	}
	if r.Members == nil {
		r.Members = []storage.ID{}
	}
	s.notify(roomEvent(EventRoomCreated, r, r.IsVisible, a.User.ID))
	if !a.System {
		s.notify(Event{Name: EventMemberAdded, Member: &owner, ToRoom: r.ID, ToUsers: []storage.ID{owner.Profile}})
	}
	return r, nil
}

// roomEvent is a room event for the room's members, the administrators,
// and everyone when public (the room is, or was, visible).
func roomEvent(name string, r storage.Room, public bool, users ...storage.ID) Event {
	return Event{Name: name, Room: &r, ToRoom: r.ID, Everyone: public, Admins: true, ToUsers: users}
}

// Rooms lists the rooms the actor may see: administrators see every room;
// others the visible rooms and the rooms they belong to; group
// conversations are not among them. It returns one
// page of them and the total.
func (s *Service) Rooms(ctx context.Context, a Actor, p storage.Page) ([]storage.Room, int, error) {
	all, err := s.store.Rooms(ctx)
	if err != nil {
		return nil, 0, storeErr(err, "room")
	}
	seen := all
	if !a.IsAdmin() {
		mine, err := s.memberRooms(ctx, a)
		if err != nil {
			return nil, 0, err
		}
		seen = all[:0]
		for _, r := range all {
			if r.IsVisible || mine[r.ID] {
				seen = append(seen, r)
			}
		}
	}
	// Group conversations are listed with the direct ones (Directs).
	seen = slices.DeleteFunc(seen, storage.Room.IsGroup)
	return paginate(seen, p), len(seen), nil
}

// Room returns one room if the actor may see it; a hidden room the actor
// does not belong to is reported as not found, so its existence stays
// private.
func (s *Service) Room(ctx context.Context, a Actor, id storage.ID) (storage.Room, error) {
	r, err := s.store.Room(ctx, id)
	if err != nil {
		return storage.Room{}, storeErr(err, "room")
	}
	if a.IsAdmin() || r.IsVisible {
		return r, nil
	}
	if _, err := s.store.MemberOf(ctx, id, a.User.ID); err != nil {
		return storage.Room{}, storeErr(err, "room")
	}
	return r, nil
}

// ReplaceRoom replaces a room's settings (PUT): name is required as it is
// for a new room, and a flag left out takes its default for a new room
// (open, visible), not its current value.
func (s *Service) ReplaceRoom(ctx context.Context, a Actor, id storage.ID, n NewRoom) (storage.Room, error) {
	if _, err := s.manageable(ctx, a, id); err != nil {
		return storage.Room{}, err
	}
	if n.Name == "" {
		return storage.Room{}, Missing("name")
	}
	open := n.IsOpen == nil || *n.IsOpen
	visible := n.IsVisible == nil || *n.IsVisible
	return s.UpdateRoom(ctx, a, id, RoomChanges{Name: &n.Name, IsOpen: &open, IsVisible: &visible, Topic: &n.Topic})
}

// UpdateRoom changes a room; its owners and administrators may.
func (s *Service) UpdateRoom(ctx context.Context, a Actor, id storage.ID, c RoomChanges) (storage.Room, error) {
	before, err := s.manageable(ctx, a, id)
	if err != nil {
		return storage.Room{}, err
	}
	p := storage.RoomPatch{IsOpen: c.IsOpen, IsVisible: c.IsVisible}
	if c.Name != nil {
		name, err := cleanName("name", *c.Name)
		if err != nil {
			return storage.Room{}, err
		}
		p.Name = &name
	}
	if c.Topic != nil {
		topic, err := cleanTopic(*c.Topic)
		if err != nil {
			return storage.Room{}, err
		}
		p.Topic = &topic
	}
	r, err := s.store.UpdateRoom(ctx, id, p)
	if errors.Is(err, storage.ErrDuplicate) {
		return storage.Room{}, errRoomNameTaken(*p.Name)
	}
	if err != nil {
		return storage.Room{}, storeErr(err, "room")
	}
	s.notify(roomEvent(EventRoomUpdated, r, before.IsVisible || r.IsVisible))
	return r, nil
}

// DeleteRoom removes a room and everything in it; its owners and
// administrators may.
func (s *Service) DeleteRoom(ctx context.Context, a Actor, id storage.ID) error {
	r, err := s.manageable(ctx, a, id)
	if err != nil {
		return err
	}
	hooks, err := s.store.Hooks(ctx, id)
	if err != nil {
		return storeErr(err, "hook")
	}
	if err := s.store.DeleteRoom(ctx, id); err != nil {
		return storeErr(err, "room")
	}
	s.notify(roomEvent(EventRoomDeleted, r, r.IsVisible))
	// The room's hooks went with it, and so do the bots made for them.
	// The room is gone whatever happens here: a bot left over by a
	// failing store is only a bot in the Bots tab, and may be deleted.
	for _, h := range hooks {
		_ = s.dropHookBot(ctx, h)
	}
	return nil
}

// mayManage checks that the actor may see room id (else not found) and
// manage it (else forbidden).
func (s *Service) mayManage(ctx context.Context, a Actor, id storage.ID) error {
	_, err := s.manageable(ctx, a, id)
	return err
}

// manageable returns room id if the actor may see it (else not found) and
// manage it (else forbidden). No one manages a group conversation: its
// settings, members and hooks are fixed.
func (s *Service) manageable(ctx context.Context, a Actor, id storage.ID) (storage.Room, error) {
	r, err := s.Room(ctx, a, id)
	if err != nil {
		return storage.Room{}, err
	}
	if r.IsGroup() {
		return storage.Room{}, ErrGroupFixed
	}
	if a.IsAdmin() {
		return r, nil
	}
	m, err := s.store.MemberOf(ctx, id, a.User.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return storage.Room{}, storeErr(err, "member")
	}
	if err != nil || m.Role != storage.RoleOwner {
		return storage.Room{}, ErrOwnerRequired
	}
	return r, nil
}

// memberRooms returns the set of rooms the actor belongs to.
func (s *Service) memberRooms(ctx context.Context, a Actor) (map[storage.ID]bool, error) {
	ms, err := s.store.MembershipsOf(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "member")
	}
	set := make(map[storage.ID]bool, len(ms))
	for _, m := range ms {
		set[m.Room] = true
	}
	return set, nil
}

func paginate[T any](items []T, p storage.Page) []T {
	if p.Offset >= len(items) {
		return []T{}
	}
	items = items[p.Offset:]
	if p.Limit > 0 && p.Limit < len(items) {
		items = items[:p.Limit]
	}
	return items
}
