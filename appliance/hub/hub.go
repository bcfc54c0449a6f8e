// Package hub fans real-time events out to the open streams that may see
// them. Start from Hub: Publish hands it an encoded event with its
// audience; Register adds a stream's Client.
//
// Each event is encoded once by the publisher and the same bytes are
// queued to every recipient. A client's queue is bounded: when it is full
// the client is cut off (its Gone channel closes) rather than slowing
// the publisher or anyone else.
package hub

import (
	"sync"

	"github.com/makechat/makechat/storage"
)

// Event is one encoded event and who may receive it. A Join is applied
// before delivery, so a new member receives the event that adds it; Leave
// and DropRoom after, so the room's members learn of a removal or a
// deletion before they stop following the room.
type Event struct {
	Data []byte

	Room     storage.ID   // members of this room
	Users    []storage.ID // these users
	Everyone bool         // every client
	Admins   bool         // every administrator

	// SkipUser's clients do not receive the event (its own typing).
	SkipUser storage.ID

	// message.created events carry the message's id, so a client
	// replaying history can skip what it already replayed.
	Message storage.ID

	Join, Leave *Membership
	DropRoom    storage.ID // a deleted room: forget it everywhere
	CloseUser   storage.ID // a disabled or deleted user: cut its clients off
}

// Membership is a user's place in a room.
type Membership struct {
	User, Room storage.ID
}

// Hub routes events to clients. The zero value is not ready; use New.
type Hub struct {
	mu      sync.RWMutex
	byUser  map[storage.ID]map[*Client]struct{}
	byRoom  map[storage.ID]map[*Client]struct{}
	all     map[*Client]struct{}
	dropped func(*Client) // called when a slow client is cut off (metrics, logs)
}

// New returns an empty hub. dropped, if not nil, is told of every client
// cut off for not keeping up.
func New(dropped func(*Client)) *Hub {
	return &Hub{
		byUser:  map[storage.ID]map[*Client]struct{}{},
		byRoom:  map[storage.ID]map[*Client]struct{}{},
		all:     map[*Client]struct{}{},
		dropped: dropped,
	}
}

// Register adds c, subscribed to the rooms it belongs to.
func (h *Hub) Register(c *Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all[c] = struct{}{}
	add(h.byUser, c.User, c)
	for room := range c.rooms {
		add(h.byRoom, room, c)
	}
}

// Unregister removes c; it receives nothing more.
func (h *Hub) Unregister(c *Client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.all, c)
	remove(h.byUser, c.User, c)
	for room := range c.rooms {
		remove(h.byRoom, room, c)
	}
}

// Resubscribe sets the rooms c follows, from a fresh read of its
// memberships.
func (h *Hub) Resubscribe(c *Client, rooms []storage.ID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for room := range c.rooms {
		remove(h.byRoom, room, c)
	}
	c.rooms = make(map[storage.ID]struct{}, len(rooms))
	for _, room := range rooms {
		c.rooms[room] = struct{}{}
		add(h.byRoom, room, c)
	}
}

// Count returns the number of registered clients.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.all)
}

// Publish delivers e to its audience. It never blocks on a client.
func (h *Hub) Publish(e Event) {
	if e.Join != nil {
		h.apply(Event{Join: e.Join})
	}
	if e.Leave != nil || !e.DropRoom.IsZero() || !e.CloseUser.IsZero() {
		defer h.apply(Event{Leave: e.Leave, DropRoom: e.DropRoom, CloseUser: e.CloseUser})
	}
	if e.Data == nil {
		return
	}
	var slow []*Client
	h.mu.RLock()
	deliver := func(c *Client) {
		if (e.SkipUser.IsZero() || c.User != e.SkipUser) && !c.offer(e) {
			slow = append(slow, c)
		}
	}
	switch {
	case e.Everyone:
		for c := range h.all {
			deliver(c)
		}
	case len(e.Users) == 0 && !e.Admins:
		// The common case, a room's message: no one can be reached twice.
		for c := range h.byRoom[e.Room] {
			deliver(c)
		}
	default:
		seen := map[*Client]bool{}
		once := func(c *Client) {
			if !seen[c] {
				seen[c] = true
				deliver(c)
			}
		}
		if !e.Room.IsZero() {
			for c := range h.byRoom[e.Room] {
				once(c)
			}
		}
		for _, u := range e.Users {
			for c := range h.byUser[u] {
				once(c)
			}
		}
		if e.Admins {
			for c := range h.all {
				if c.Admin {
					once(c)
				}
			}
		}
	}
	h.mu.RUnlock()
	for _, c := range slow {
		if c.cut() && h.dropped != nil {
			h.dropped(c)
		}
	}
}

// apply makes an event's membership changes.
func (h *Hub) apply(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if j := e.Join; j != nil {
		for c := range h.byUser[j.User] {
			c.rooms[j.Room] = struct{}{}
			add(h.byRoom, j.Room, c)
		}
	}
	if l := e.Leave; l != nil {
		for c := range h.byUser[l.User] {
			delete(c.rooms, l.Room)
			remove(h.byRoom, l.Room, c)
		}
	}
	if !e.DropRoom.IsZero() {
		for c := range h.byRoom[e.DropRoom] {
			delete(c.rooms, e.DropRoom)
		}
		delete(h.byRoom, e.DropRoom)
	}
	if !e.CloseUser.IsZero() {
		for c := range h.byUser[e.CloseUser] {
			c.cut()
		}
	}
}

func add(m map[storage.ID]map[*Client]struct{}, k storage.ID, c *Client) {
	set := m[k]
	if set == nil {
		set = map[*Client]struct{}{}
		m[k] = set
	}
	set[c] = struct{}{}
}

func remove(m map[storage.ID]map[*Client]struct{}, k storage.ID, c *Client) {
	if set := m[k]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(m, k)
		}
	}
}
