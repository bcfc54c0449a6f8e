package chat

import (
	"context"
	"errors"
	"strings"

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
	User     storage.ID
	LastRead storage.ID
	Unread
}

// Directs lists the actor's direct conversations with their read state.
func (s *Service) Directs(ctx context.Context, a Actor) ([]Direct, error) {
	partners, err := s.store.DirectPartners(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "user")
	}
	marks, err := s.directMarks(ctx, a)
	if err != nil {
		return nil, err
	}
	mention := "@" + strings.ToLower(a.User.Username)
	out := make([]Direct, 0, len(partners))
	for _, p := range partners {
		if p == a.User.ID {
			continue
		}
		d := Direct{User: p, LastRead: marks[p]}
		if d.Unread, err = s.unreadIn(ctx, a, storage.DirectConversation(a.User.ID, p), d.LastRead, mention); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// directMarks maps the actor's partners to its read markers with them.
func (s *Service) directMarks(ctx context.Context, a Actor) (map[storage.ID]storage.ID, error) {
	states, err := s.store.ReadStates(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "user")
	}
	out := map[storage.ID]storage.ID{}
	for _, r := range states {
		if !r.Peer.IsZero() {
			out[r.Peer] = r.LastRead
		}
	}
	return out, nil
}

// MarkDirectRead moves the actor's read marker with peer forward to msg
// (a position: it need not exist) and returns the conversation's state.
func (s *Service) MarkDirectRead(ctx context.Context, a Actor, peer, msg storage.ID) (Direct, error) {
	if peer == a.User.ID {
		return Direct{}, ErrWithSelf
	}
	if _, err := s.store.User(ctx, peer); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return Direct{}, NotFound("user")
		}
		return Direct{}, storeErr(err, "user")
	}
	return s.markDirect(ctx, a, peer, msg)
}

func (s *Service) markDirect(ctx context.Context, a Actor, peer, msg storage.ID) (Direct, error) {
	k := storage.ReadKey{User: a.User.ID, Peer: peer}
	r, err := s.store.ChangeReadState(ctx, k, storage.ReadChange{LastRead: msg, NewID: s.ids.New(), At: s.clock()})
	if err != nil {
		return Direct{}, storeErr(err, "user")
	}
	d := Direct{User: peer, LastRead: r.LastRead}
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
			_, err = s.markDirect(ctx, a, d.User, last)
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
