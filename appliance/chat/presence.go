package chat

import (
	"context"
	"time"

	"github.com/makechat/makechat/storage"
)

// Presence: the streams say who is online, away or offline (see
// appliance/presence); the service publishes the changes, batched, to
// everyone as one presence event, keeps each user's last-seen time, and
// hides the users who chose to: they are always offline to others,
// without a last-seen time.

// EventPresence carries a batch of presence changes.
const EventPresence = "presence"

// Presence is one user's presence.
type Presence struct {
	User     storage.ID
	Status   string // "online", "away" or "offline"
	LastSeen time.Time
}

// PresenceChanged publishes changes of presence: users who hide theirs
// are left out, and the last-seen time of those who went offline is
// kept in the store.
func (s *Service) PresenceChanged(ctx context.Context, changes []Presence) error {
	var out []Presence
	for _, c := range changes {
		u, err := s.store.User(ctx, c.User)
		if err != nil || u.HidePresence {
			continue
		}
		if c.Status == "offline" && !c.LastSeen.IsZero() {
			seen := c.LastSeen.UTC().Truncate(time.Millisecond)
			if _, err := s.store.UpdateUser(ctx, c.User, storage.UserPatch{LastSeen: &seen}); err != nil {
				return storeErr(err, "user")
			}
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		s.notify(Event{Name: EventPresence, Presence: out, Everyone: true})
	}
	return nil
}

// PresenceOf is how others see the presence of users, from live (what
// the streams say now): a user who hides it is offline without a time;
// an offline user shows the last-seen time the store kept.
func (s *Service) PresenceOf(ctx context.Context, users []storage.ID, live func(storage.ID) (string, time.Time)) ([]Presence, error) {
	out := make([]Presence, 0, len(users))
	for _, id := range users {
		u, err := s.store.User(ctx, id)
		if err != nil {
			continue // unknown or deleted: left out
		}
		p := Presence{User: id, Status: "offline"}
		if !u.HidePresence {
			p.Status, p.LastSeen = live(id)
			if p.Status == "offline" && (p.LastSeen.IsZero() || u.LastSeen.After(p.LastSeen)) {
				p.LastSeen = u.LastSeen
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// SetHidePresence changes whether the actor hides its presence; others
// see it go offline (or come back) at once.
func (s *Service) SetHidePresence(ctx context.Context, a Actor, hide bool, live func(storage.ID) (string, time.Time)) error {
	if _, err := s.store.UpdateUser(ctx, a.User.ID, storage.UserPatch{HidePresence: &hide}); err != nil {
		return storeErr(err, "user")
	}
	p := Presence{User: a.User.ID, Status: "offline"}
	if !hide {
		p.Status, p.LastSeen = live(a.User.ID)
	}
	s.notify(Event{Name: EventPresence, Presence: []Presence{p}, Everyone: true})
	return nil
}
