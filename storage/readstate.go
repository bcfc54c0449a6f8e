package storage

import (
	"fmt"
	"time"
)

// ReadState is a user's place in a thread (Thread, the root's id) or in
// a direct conversation (Peer, the other user): the last message it has
// read, and for a thread whether it follows it. Rooms keep theirs in
// Member.LastRead. A user has at most one ReadState per thread and per
// peer; the stores make it on the first change (see ChangeReadState).
type ReadState struct {
	ID        ID   `json:"_id"`
	User      ID   `json:"user"`
	Thread    ID   `json:"thread,omitzero"`
	Peer      ID   `json:"peer,omitzero"`
	LastRead  ID   `json:"last_read"`
	Following bool `json:"following,omitempty"`
	// FollowSet says Following was set, by the user or automatically:
	// until then an automatic follow applies (see ReadChange.OnlyIfNew).
	FollowSet bool      `json:"follow_set,omitempty"`
	Updated   time.Time `json:"updated"`
	// Notify and MutedUntil, for a direct conversation, are the user's
	// notification level and mute there, as Member's for a room.
	Notify     string    `json:"notify,omitempty"`
	MutedUntil time.Time `json:"muted_until,omitzero"`
}

// Notification levels of a conversation: every message, only those that
// mention the user, or none. "" is the conversation's default.
const (
	NotifyAll      = "all"
	NotifyMentions = "mentions"
	NotifyNone     = "none"
)

// NotifyLevels are the levels a user may choose ("" resets).
var NotifyLevels = []string{"", NotifyAll, NotifyMentions, NotifyNone}

// ReadKey names one of a user's ReadStates: exactly one of Thread and
// Peer is set.
type ReadKey struct {
	User, Thread, Peer ID
}

// Key is the ReadKey of r.
func (r ReadState) Key() ReadKey { return ReadKey{User: r.User, Thread: r.Thread, Peer: r.Peer} }

// ReadChange is a change of a ReadState. LastRead, if set, moves the
// marker forward (never back). Follow, if set, says whether the user
// follows the thread; with OnlyIfNew it applies only to a ReadState made
// by this change, so that following automatically never undoes a user's
// own "unfollow". NewID is the id of a ReadState this change makes, At
// the time it is made.
type ReadChange struct {
	LastRead  ID
	Follow    *bool
	OnlyIfNew bool
	NewID     ID
	At        time.Time
	// Notify and MutedUntil, if set, replace the ReadState's.
	Notify     *string
	MutedUntil *time.Time
}

// Apply is what a store keeps after c: r changed, or a new ReadState if
// r is nil.
func (c ReadChange) Apply(r *ReadState, k ReadKey) ReadState {
	isNew := r == nil
	out := ReadState{ID: c.NewID, User: k.User, Thread: k.Thread, Peer: k.Peer}
	if !isNew {
		out = *r
	}
	if out.LastRead.Less(c.LastRead) {
		out.LastRead = c.LastRead
	}
	if c.Follow != nil && (isNew || !out.FollowSet || !c.OnlyIfNew) {
		out.Following, out.FollowSet = *c.Follow, true
	}
	if c.Notify != nil {
		out.Notify = *c.Notify
	}
	if c.MutedUntil != nil {
		out.MutedUntil = *c.MutedUntil
	}
	out.Updated = c.At
	return out
}

// CheckReadKey states the rule for a ReadKey: a user and exactly one of
// Thread and Peer.
func CheckReadKey(k ReadKey) error {
	switch {
	case k.User.IsZero():
		return fmt.Errorf("names no user")
	case k.Thread.IsZero() == k.Peer.IsZero():
		return fmt.Errorf("must name one thread or one peer")
	}
	return nil
}
