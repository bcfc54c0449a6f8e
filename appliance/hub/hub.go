// Package hub fans real-time events out to the open streams that may see
// them. Start from Hub: Publish hands it an encoded event with its
// audience; Register adds a stream's Client.
//
// Each event is encoded once by the publisher and the same bytes are
// queued to every recipient. A client's backlog is bounded by age and
// bytes (Options): a client that falls behind is cut off (its Gone
// channel closes) rather than slowing the publisher or anyone else.
//
// The hub also ends streams whose authority has ended (Ending: a logout,
// a revoked token, a disabled account) and applies a user's new rights
// to its open streams at once (Access).
package hub

import (
	"sync"
	"time"

	"github.com/makechat/makechat/storage"
)

// Defaults of Options.
const (
	DefaultMaxLag     = 5 * time.Second
	DefaultMaxBacklog = 4 << 20
)

// Options tune a hub.
type Options struct {
	// MaxLag is how old a client's oldest undelivered event may grow
	// before the client counts as too slow (DefaultMaxLag if 0).
	MaxLag time.Duration
	// MaxBacklog is how many bytes of events may wait for one client
	// (DefaultMaxBacklog if 0).
	MaxBacklog int
	// Dropped, if not nil, is told of every client cut off for being
	// too slow (for metrics and logs).
	Dropped func(*Client)
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

type limits struct {
	lag     time.Duration
	backlog int
}

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
	// replaying history can skip what it already replayed, and its
	// sender, whose post limit a cluster's other nodes charge.
	Message storage.ID
	Sender  storage.ID `json:",omitzero"`

	// Local events are for this node's streams only: on a cluster, each
	// node sends its own (presence, merged from every node's view).
	Local bool `json:"-"`

	Join, Leave *Membership
	DropRoom    storage.ID // a deleted room: forget it everywhere

	// Changed says what the event changed in the store, for the caches
	// of a cluster's other nodes (the hub itself ignores it).
	Changed *Changed `json:",omitempty"`
	End     *Ending  // streams to end
	Access  *Access  // a user's new rights
}

// Ending ends every stream of User, or only those opened with Session or
// with Token when one is set, saying Reason.
type Ending struct {
	User, Session, Token storage.ID
	Reason               string
}

// Access gives a user's open streams its administrator flag as it is now.
type Access struct {
	User  storage.ID
	Admin bool
}

// Changed names what an event changed: a user (its profile, rights),
// a room (its settings), a member (its role, its notifications).
type Changed struct {
	User, Room storage.ID  `json:",omitzero"`
	Member     *Membership `json:",omitempty"`
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
	lim     limits
	now     func() time.Time
	dropped func(*Client)
}

// New returns an empty hub.
func New(o Options) *Hub {
	if o.MaxLag <= 0 {
		o.MaxLag = DefaultMaxLag
	}
	if o.MaxBacklog <= 0 {
		o.MaxBacklog = DefaultMaxBacklog
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Hub{
		byUser:  map[storage.ID]map[*Client]struct{}{},
		byRoom:  map[storage.ID]map[*Client]struct{}{},
		all:     map[*Client]struct{}{},
		lim:     limits{lag: o.MaxLag, backlog: o.MaxBacklog},
		now:     o.Now,
		dropped: o.Dropped,
	}
}

// Register adds c, subscribed to the rooms it belongs to, unless its
// user already has perUser clients (0: no cap); false means it was not
// added.
func (h *Hub) Register(c *Client, perUser int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if perUser > 0 && len(h.byUser[c.User]) >= perUser {
		return false
	}
	h.all[c] = struct{}{}
	add(h.byUser, c.User, c)
	for room := range c.rooms {
		add(h.byRoom, room, c)
	}
	return true
}

// MaxLag is how far behind a client may fall before it is too slow; a
// stream whose write has stalled for as long is too slow as well.
func (h *Hub) MaxLag() time.Duration { return h.lim.lag }

// Release ends c's holding (see ClientInfo.Hold): the events held back
// meanwhile are queued, minus the messages in replayed, which the
// stream has sent already, and those with ids up to seen (NilID: none),
// which its client had. False means c fell too far behind meanwhile.
func (h *Hub) Release(c *Client, replayed map[storage.ID]struct{}, seen storage.ID) bool {
	return c.release(replayed, seen, h.now(), h.lim)
}

// SetAdmin sets c's administrator flag, after the stream found the
// user's rights changed while it registered.
func (h *Hub) SetAdmin(c *Client, admin bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.admin = admin
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
	if e.Leave != nil || !e.DropRoom.IsZero() || e.End != nil || e.Access != nil {
		defer h.apply(Event{Leave: e.Leave, DropRoom: e.DropRoom, End: e.End, Access: e.Access})
	}
	if e.Data == nil {
		return
	}
	now := h.now()
	var slow []*Client
	h.mu.RLock()
	deliver := func(c *Client) {
		if (e.SkipUser.IsZero() || c.User != e.SkipUser) && !c.offer(e, now, h.lim) {
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
				if c.admin {
					once(c)
				}
			}
		}
	}
	h.mu.RUnlock()
	for _, c := range slow {
		if c.Cut(ReasonSlow) && h.dropped != nil {
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
	if end := e.End; end != nil {
		for c := range h.byUser[end.User] {
			switch {
			case !end.Session.IsZero() && c.Session != end.Session:
			case !end.Token.IsZero() && c.Token != end.Token:
			default:
				c.Cut(end.Reason)
			}
		}
	}
	if acc := e.Access; acc != nil {
		for c := range h.byUser[acc.User] {
			c.admin = acc.Admin
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
