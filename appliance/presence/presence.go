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
//
// On a cluster, each node shares its own users (Local) with the others
// (Heard): a user is online if it is online on any node, away if away on
// one and online on none. Each node flushes the merged view to its own
// streams, so every stream hears each change once.
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

	mu      sync.Mutex
	users   map[storage.ID]*state
	remotes map[string]*remote // other nodes' views, by node
}

// RemoteTTL is how long another node's view counts after it was heard:
// a node that stopped sharing (it died) has no one online after it.
const RemoteTTL = 15 * time.Second

// remote is another node's view: its users online or away.
type remote struct {
	at    time.Time
	users map[storage.ID]Change
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
	return &Tracker{awayAfter: awayAfter, now: now, users: map[storage.ID]*state{}, remotes: map[string]*remote{}}
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

// local is user's status from this node's streams alone.
func (t *Tracker) local(s *state, now time.Time) string {
	switch {
	case s.streams == 0:
		return Offline
	case now.Sub(s.active) >= t.awayAfter:
		return Away
	}
	return Online
}

// merged is user's status and last activity on every node; t.mu is held.
func (t *Tracker) merged(user storage.ID, s *state, now time.Time) (string, time.Time) {
	st, last := t.local(s, now), s.active
	for _, r := range t.remotes {
		if c, ok := r.users[user]; ok && now.Sub(r.at) < RemoteTTL {
			if rank(c.Status) > rank(st) {
				st = c.Status
			}
			if c.LastSeen.After(last) {
				last = c.LastSeen
			}
		}
	}
	return st, last
}

func rank(status string) int {
	switch status {
	case Online:
		return 2
	case Away:
		return 1
	}
	return 0
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
	return t.merged(user, s, t.now())
}

// Present lists the users online or away now.
func (t *Tracker) Present() []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var out []Change
	for u, s := range t.users {
		if st, last := t.merged(u, s, now); st != Offline {
			out = append(out, Change{u, st, last})
		}
	}
	return out
}

// Local lists the users online or away by this node's streams alone:
// what a cluster's node shares with the others.
func (t *Tracker) Local() []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var out []Change
	for u, s := range t.users {
		if st := t.local(s, now); st != Offline {
			out = append(out, Change{u, st, s.active})
		}
	}
	return out
}

// Heard takes another node's view (its Local). A user it no longer
// lists keeps, as its last activity, the last one that node gave.
func (t *Tracker) Heard(node string, users []Change) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	view := make(map[storage.ID]Change, len(users))
	for _, c := range users {
		view[c.User] = c
		t.get(c.User) // so that Flush sees it
	}
	if old := t.remotes[node]; old != nil {
		for u, c := range old.users {
			if _, still := view[u]; !still {
				s := t.get(u)
				if c.LastSeen.After(s.active) {
					s.active = c.LastSeen
				}
			}
		}
	}
	t.remotes[node] = &remote{at: now, users: view}
}

// Flush returns the users whose status differs from the one it last
// returned for them, and forgets users that are offline and published
// so, and nodes not heard of for RemoteTTL.
func (t *Tracker) Flush() []Change {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for node, r := range t.remotes {
		if now.Sub(r.at) >= RemoteTTL {
			for u, c := range r.users {
				if s := t.get(u); c.LastSeen.After(s.active) {
					s.active = c.LastSeen
				}
			}
			delete(t.remotes, node)
		}
	}
	var out []Change
	for u, s := range t.users {
		st, last := t.merged(u, s, now)
		if st != s.published && !(st == Offline && s.published == "") {
			out = append(out, Change{u, st, last})
			s.published = st
		}
		if st == Offline && s.published == Offline {
			delete(t.users, u)
		}
	}
	return out
}
