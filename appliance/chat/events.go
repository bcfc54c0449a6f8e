package chat

import (
	"sync"
	"time"

	"github.com/makechat/makechat/storage"
)

// Event names (API.md).
const (
	EventMessageCreated = "message.created"
	EventMessageUpdated = "message.updated"
	EventMessageDeleted = "message.deleted"
	EventRoomCreated    = "room.created"
	EventRoomUpdated    = "room.updated"
	EventRoomDeleted    = "room.deleted"
	EventMemberAdded    = "member.added"
	EventMemberUpdated  = "member.updated"
	EventMemberRemoved  = "member.removed"
	EventTyping         = "typing"
	EventUserUpdated    = "user.updated"
)

// Event is something that happened, with who may learn of it. Exactly one
// of Message, Room, Member, Typing and User is set.
type Event struct {
	Name    string
	Message *storage.Message
	Room    *storage.Room
	Member  *storage.Member
	Typing  *Typing
	User    *storage.User // what everyone may see of a user changed (its avatar, display name or status)
	Thread  *Thread       // a user's state in a thread (to that user)
	Direct  *Direct       // a user's read state with a partner (to that user)
	// Presence is a batch of presence changes (to everyone).
	Presence []Presence

	// DisplayName is, with a message event, the display name of
	// Message's sender as it is now ("" for none, and for a webhook's
	// message, which is shown under its own name).
	DisplayName string
	// At is when the event happened, by the service's clock: a User's
	// status is shown as it was then (none once expired).
	At time.Time

	// Audience: the members of Room's room (ToRoom), the users in ToUsers,
	// everyone, and/or the administrators.
	ToRoom   storage.ID
	ToUsers  []storage.ID
	Everyone bool
	Admins   bool
	// SkipUser is left out (a typist does not hear its own typing).
	SkipUser storage.ID

	// End names streams that must end now (what authorised them has
	// ended); Access gives a user's open streams its rights as they are
	// now. Either may come alone, without a named event.
	End    *Ending
	Access *Access
}

// Ending ends every stream of User, or only those opened with Session or
// with Token when one is set.
type Ending struct {
	User, Session, Token storage.ID
	Reason               string
}

// Access is a user's administrator flag after a change.
type Access struct {
	User  storage.ID
	Admin bool
}

// Why streams end: the close frame's reason (code 1008).
const (
	ReasonLoggedOut       = "logged out"
	ReasonSessionEnded    = "session ended"
	ReasonSessionExpired  = "session expired"
	ReasonTokenRevoked    = "token revoked"
	ReasonDisabled        = "account disabled"
	ReasonDeleted         = "account deleted"
	ReasonPasswordChanged = "password changed"
)

// Typing says that User is typing in Room, or to Recipient.
type Typing struct {
	Room      storage.ID
	Recipient storage.ID
	User      storage.ID
	Username  string
}

// Notifier receives events. It is called in the order events must reach
// clients (message events of one conversation in id order) and must not
// block.
type Notifier func(Event)

// sequencer releases message events in id order per conversation. A post
// takes its id and its place in line together; its event waits until
// every earlier post in that conversation has been stored (or failed), so
// clients see messages in id order even though concurrent posts commit in
// one batch and return in any order.
//
// It also knows which keys are in flight — a new message's id, or a stamp
// for another event, taken but whose event has not been handed to notify
// yet — so that it can say below which key this node will send nothing
// more (frontier): a cluster merges its nodes' events in key order.
type sequencer struct {
	mu     sync.Mutex
	ids    *storage.IDGen
	lines  map[storage.Conversation][]*slot
	notify Notifier

	flightMu sync.Mutex
	flight   []*ticket // in key order: keys are taken under flightMu
}

type slot struct {
	done   bool
	events []Event
	ticket *ticket // a new message's id, until its event is out
}

// ticket is a key in flight.
type ticket struct {
	key storage.ID
	out bool
}

// take returns a new message id (zero if newID is false: an edit or a
// deletion only needs its place) and the slot holding its place.
func (q *sequencer) take(c storage.Conversation, newID bool) (storage.ID, *slot) {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := &slot{}
	if newID {
		s.ticket = q.fly(q.ids.New)
	}
	q.lines[c] = append(q.lines[c], s)
	if s.ticket != nil {
		return s.ticket.key, s
	}
	return storage.NilID, s
}

// finish marks s done with its events (none if the write failed) and
// releases every finished slot at the head of the line.
func (q *sequencer) finish(c storage.Conversation, s *slot, events ...Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	s.done, s.events = true, events
	line := q.lines[c]
	for len(line) > 0 && line[0].done {
		for _, e := range line[0].events {
			q.notify(e)
		}
		if t := line[0].ticket; t != nil {
			q.land(t)
		}
		line[0] = nil
		line = line[1:]
	}
	if len(line) == 0 {
		delete(q.lines, c)
	} else {
		q.lines[c] = line
	}
}

// fly takes a key from next and counts it in flight until land.
func (q *sequencer) fly(next func() storage.ID) *ticket {
	q.flightMu.Lock()
	defer q.flightMu.Unlock()
	t := &ticket{key: next()}
	q.flight = append(q.flight, t)
	return t
}

// land says t's event has been handed on (or will never be).
func (q *sequencer) land(t *ticket) {
	q.flightMu.Lock()
	defer q.flightMu.Unlock()
	t.out = true
	for len(q.flight) > 0 && q.flight[0].out {
		q.flight[0] = nil
		q.flight = q.flight[1:]
	}
}

// stamp returns a key for an event that is not a new message, counted in
// flight until done is called, once the event has been handed on. It is
// an id like a message's, with this node's bytes: two nodes' stamps never
// tie, so every node orders their events alike.
func (q *sequencer) stamp() (key storage.ID, done func()) {
	t := q.fly(q.ids.New)
	return t.key, func() { q.land(t) }
}

// frontier returns a key below every key whose event this node has not
// handed on yet and every key it will take from now on.
func (q *sequencer) frontier() storage.ID {
	q.flightMu.Lock()
	defer q.flightMu.Unlock()
	if len(q.flight) > 0 {
		return q.flight[0].key
	}
	return q.ids.Floor()
}
