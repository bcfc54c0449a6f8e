// Package presence tells who is online: a user with an open stream is
// online, away when none of its streams has shown activity (any frame
// from the client: typing, what it views, or an explicit "active") for
// the away time, and offline with no stream at all.
//
// Changes are not sent as they happen: Flush, which the server calls
// every few seconds, compares each user's status with the one last
// published and returns only the differences, so a user who reconnects a
// hundred times between two flushes, or types all day, costs at most one
// change per flush, and none if it ends where it started.
package presence

import (
	"sync"
	"time"

	"github.com/makechat/makechat/storage"
)

// Statuses.
const (
	Online  = "online"
	Away    = "away"
	Offline = "offline"
)

// Change is a user's new status; LastSeen is when it was last active (for
// a user going offline, when its last stream closed).
type Change struct {
	User     storage.ID
	Status   string
	LastSeen time.Time
}

// Tracker keeps the streams and activity of every user.
type Tracker struct {
	awayAfter time.Duration
	now       func() time.Time

	mu    sync.Mutex
	users map[storage.ID]*state
}

type state struct {
	streams   int
	active    time.Time // last activity (or stream opened or closed)
	published string    // the status last returned by Flush ("" for none)
}

// New returns a tracker: a user is away after awayAfter without activity.
// now is the clock (time.Now if nil).
func New(awayAfter time.Duration, now func() time.Time) *Tracker {
	if now == nil {
		now = time.Now
	}
	return &Tracker{awayAfter: awayAfter, now: now, users: map[storage.ID]*state{}}
}

func (t *Tracker) get(user storage.ID) *state {
	s := t.users[user]
	if s == nil {
		s = &state{}
		t.users[user] = s
	}
	return s
}

// Connected records a stream of user opening, which counts as activity.
func (t *Tracker) Connected(user storage.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.get(user)
	s.streams++
	s.active = t.now()
}

// Disconnected records a stream of user closing.
func (t *Tracker) Disconnected(user storage.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.get(user)
	if s.streams > 0 {
		s.streams--
	}
	if s.streams == 0 {
		s.active = t.now()
	}
}

// Active records activity of user in one of its streams.
func (t *Tracker) Active(user storage.ID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.users[user]; s != nil && s.streams > 0 {
		s.active = t.now()
	}
}

func (t *Tracker) status(s *state, now time.Time) string {
	switch {
	case s.streams == 0:
		return Offline
	case now.Sub(s.active) >= t.awayAfter:
		return Away
	}
	return Online
}

// Status is user's status now and when it was last active (zero if this
// process has not seen it).
func (t *Tracker) Status(user storage.ID) (string, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.users[user]
	if s == nil {
		return Offline, time.Time{}
	}
	return t.status(s, t.now()), s.active
}

// Present lists the users online or away now.
func (t *Tracker) Present() []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var out []Change
	for u, s := range t.users {
		if st := t.status(s, now); st != Offline {
			out = append(out, Change{u, st, s.active})
		}
	}
	return out
}

// Flush returns the users whose status differs from the one it last
// returned for them, and forgets users that are offline and published
// so.
func (t *Tracker) Flush() []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var out []Change
	for u, s := range t.users {
		st := t.status(s, now)
		if st != s.published && !(st == Offline && s.published == "") {
			out = append(out, Change{u, st, s.active})
			s.published = st
		}
		if st == Offline && s.published == Offline {
			delete(t.users, u)
		}
	}
	return out
}
