package chat

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/makechat/makechat/storage"
)

// Read state in direct conversations: each user has its own marker per
// partner (a storage.ReadState with Peer), kept in the store like a
// room member's, and unread and mention counts like a room's. Moving it
// tells the user's own streams (direct.updated), so every open browser
// agrees. ReadAll marks everything read at once.

// EventDirectUpdated tells a user its read state with a partner changed.
const EventDirectUpdated = "direct.updated"

// Direct is one of the actor's direct conversations: the partner, where
// the actor has read to, and what it has not read.
type Direct struct {
	User       storage.ID
	LastRead   storage.ID
	Notify     string
	MutedUntil time.Time
	Unread
}

// Directs lists the actor's direct conversations with their read state.
func (s *Service) Directs(ctx context.Context, a Actor) ([]Direct, error) {
	partners, err := s.store.DirectPartners(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "user")
	}
	states, err := s.store.ReadStates(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "user")
	}
	marks := map[storage.ID]storage.ReadState{}
	for _, r := range states {
		if !r.Peer.IsZero() {
			marks[r.Peer] = r
		}
	}
	mention := "@" + strings.ToLower(a.User.Username)
	out := make([]Direct, 0, len(partners))
	for _, p := range partners {
		if p == a.User.ID {
			continue
		}
		r := marks[p]
		d := Direct{User: p, LastRead: r.LastRead, Notify: r.Notify, MutedUntil: r.MutedUntil}
		if d.Unread, err = s.unreadIn(ctx, a, storage.DirectConversation(a.User.ID, p), d.LastRead, mention); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DirectChange is a change of the actor's state in a direct
// conversation: its read marker (forward only) and notification settings.
type DirectChange struct {
	LastRead storage.ID
	Notify   NotifyChange
}

// ChangeDirect changes the actor's state in its conversation with peer
// and returns it.
func (s *Service) ChangeDirect(ctx context.Context, a Actor, peer storage.ID, c DirectChange) (Direct, error) {
	if peer == a.User.ID {
		return Direct{}, ErrWithSelf
	}
	if err := c.Notify.check(s.clock()); err != nil {
		return Direct{}, err
	}
	if _, err := s.store.User(ctx, peer); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return Direct{}, NotFound("user")
		}
		return Direct{}, storeErr(err, "user")
	}
	return s.changeDirect(ctx, a, peer, c)
}

func (s *Service) changeDirect(ctx context.Context, a Actor, peer storage.ID, c DirectChange) (Direct, error) {
	k := storage.ReadKey{User: a.User.ID, Peer: peer}
	r, err := s.store.ChangeReadState(ctx, k, storage.ReadChange{LastRead: c.LastRead, Notify: c.Notify.Level, MutedUntil: c.Notify.MutedUntil, NewID: s.ids.New(), At: s.clock()})
	if err != nil {
		return Direct{}, storeErr(err, "user")
	}
	d := Direct{User: peer, LastRead: r.LastRead, Notify: r.Notify, MutedUntil: r.MutedUntil}
	mention := "@" + strings.ToLower(a.User.Username)
	if d.Unread, err = s.unreadIn(ctx, a, storage.DirectConversation(a.User.ID, peer), r.LastRead, mention); err != nil {
		return Direct{}, err
	}
	s.notify(Event{Name: EventDirectUpdated, Direct: &d, ToUsers: []storage.ID{a.User.ID}})
	return d, nil
}

// ReadCounts says how many conversations ReadAll marked read.
type ReadCounts struct {
	Rooms, Directs, Threads int
}

// ReadAll moves the actor's read markers to the newest message of every
// room (group conversations included) and direct conversation it has
// unread messages in, and of every thread it follows with unread
// replies.
func (s *Service) ReadAll(ctx context.Context, a Actor) (ReadCounts, error) {
	var n ReadCounts
	ms, err := s.store.MembershipsOf(ctx, a.User.ID)
	if err != nil {
		return n, storeErr(err, "member")
	}
	for _, m := range ms {
		last, err := s.newest(ctx, storage.RoomConversation(m.Room), storage.MessageQuery{})
		if err != nil || !m.LastRead.Less(last) {
			if err != nil {
				return n, err
			}
			continue
		}
		if _, err := s.store.SetReadMarker(ctx, m.ID, last); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return n, storeErr(err, "member")
		}
		n.Rooms++
	}
	directs, err := s.Directs(ctx, a)
	if err != nil {
		return n, err
	}
	for _, d := range directs {
		if d.Count == 0 {
			continue
		}
		last, err := s.newest(ctx, storage.DirectConversation(a.User.ID, d.User), storage.MessageQuery{})
		if err == nil {
			_, err = s.changeDirect(ctx, a, d.User, DirectChange{LastRead: last})
		}
		if err != nil {
			return n, err
		}
		n.Directs++
	}
	threads, err := s.Threads(ctx, a)
	if err != nil {
		return n, err
	}
	for _, t := range threads {
		if t.Unread == 0 || t.Root.Replies == nil {
			continue
		}
		if _, err := s.ChangeThread(ctx, a, t.Root.ID, ThreadChange{LastRead: t.Root.Replies.LastID}); err != nil {
			return n, err
		}
		n.Threads++
	}
	return n, nil
}

// newest is the id of conv's newest message as q selects (NilID if none).
func (s *Service) newest(ctx context.Context, conv storage.Conversation, q storage.MessageQuery) (storage.ID, error) {
	q.Limit = 1
	msgs, err := s.store.Messages(ctx, conv, q)
	if err != nil {
		return storage.NilID, storeErr(err, "message")
	}
	if len(msgs) == 0 {
		return storage.NilID, nil
	}
	return msgs[0].ID, nil
}
