package chat

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/makechat/makechat/storage"
)

// Profiles: a user sets its own display name and status (storage.Status),
// which everyone sees beside its username. A status may expire: from
// then on it is shown nowhere (storage.Status.At, applied wherever a user
// is shown), and the next write of the user clears it, so no background
// job has to.

// ProfileChanges names what a user changes of its profile; nil fields
// stay as they are.
type ProfileChanges struct {
	// DisplayName is trimmed; "" removes it.
	DisplayName *string
	// Status replaces the status whole: its Text is trimmed, and ""
	// removes it (Expires then means nothing); a zero Expires is a
	// status that stays until changed.
	Status *storage.Status
}

// UpdateProfile changes the actor's own display name and status and
// tells everyone, as a new avatar does. Any user may, bots too (with
// their tokens).
func (s *Service) UpdateProfile(ctx context.Context, a Actor, c ProfileChanges) (storage.User, error) {
	if a.User.ID.IsZero() {
		return storage.User{}, ErrUnauthenticated
	}
	if c.DisplayName == nil && c.Status == nil {
		return storage.User{}, Missing("display_name")
	}
	now := s.clock()
	var p storage.UserPatch
	if c.DisplayName != nil {
		name, err := cleanDisplayName(*c.DisplayName)
		if err != nil {
			return storage.User{}, err
		}
		p.DisplayName = &name
	}
	if c.Status != nil {
		st, err := cleanStatus(*c.Status, now)
		if err != nil {
			return storage.User{}, err
		}
		p.Status = &st
	}
	clearExpired(&p, a.User, now)
	u, err := s.store.UpdateUser(ctx, a.User.ID, p)
	if err != nil {
		return storage.User{}, storeErr(err, "user")
	}
	s.userUpdated(u, now)
	return u, nil
}

// userUpdated tells everyone what they may see of u now (its avatar,
// display name and status), as the people directory shows it.
func (s *Service) userUpdated(u storage.User, now time.Time) {
	s.notify(Event{Name: EventUserUpdated, User: &u, Everyone: true, At: now})
}

// clearExpired adds to p, a write of user u, the removal of u's status
// if it has expired and p leaves it as it is: an expired status is
// shown nowhere, and goes with the user's next write.
func clearExpired(p *storage.UserPatch, u storage.User, now time.Time) {
	if p.Status == nil && u.Status.Text != "" && u.Status.At(now).Text == "" {
		p.Status = &storage.Status{}
	}
}

// cleanDisplayName trims a display name and checks it
// (storage.CheckDisplayName), naming what is wrong.
func cleanDisplayName(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case !utf8.ValidString(v) || hasControl(v):
		return "", ErrDisplayNameText
	case strings.ContainsFunc(v, isFormat):
		return "", ErrDisplayNameFormat
	case utf8.RuneCountInString(v) > storage.MaxDisplayNameChars:
		return "", ErrDisplayNameLong
	case storage.CheckDisplayName(v) != nil:
		return "", ErrDisplayNameText
	}
	return v, nil
}

// cleanStatus trims a status's text and checks it
// (storage.CheckStatusText) and its expiry, which must be after now; it
// returns the status to store, its expiry in UTC at the millisecond
// precision both stores keep.
func cleanStatus(st storage.Status, now time.Time) (storage.Status, error) {
	text := strings.TrimSpace(st.Text)
	switch {
	case text == "":
		return storage.Status{}, nil
	case !utf8.ValidString(text) || hasControl(text):
		return storage.Status{}, ErrStatusText
	case utf8.RuneCountInString(text) > storage.MaxStatusChars:
		return storage.Status{}, ErrStatusLong
	case storage.CheckStatusText(text) != nil:
		// What is left is a formatting character outside an emoji.
		return storage.Status{}, ErrStatusFormat
	}
	out := storage.Status{Text: text}
	if !st.Expires.IsZero() {
		out.Expires = st.Expires.UTC().Truncate(time.Millisecond)
		if !out.Expires.After(now) {
			return storage.Status{}, ErrStatusExpired
		}
	}
	return out, nil
}

// senderName is the display name of m's sender as it is now, for the
// events of m: "" for a webhook's message (shown under the name it was
// posted with), for a sender without one or since deleted, and when the
// store cannot say (the event goes out all the same, without it).
func (s *Service) senderName(ctx context.Context, m storage.Message) string {
	if !m.Hook.IsZero() {
		return ""
	}
	u, err := s.store.User(ctx, m.Sender)
	if err != nil {
		return ""
	}
	return u.DisplayName
}

// SenderNames maps the senders of msgs to their display names as they
// are now, for showing the messages; webhooks' messages and senders
// without a display name are left out. Each sender is read once.
func (s *Service) SenderNames(ctx context.Context, msgs []storage.Message) (map[storage.ID]string, error) {
	var ids []storage.ID
	for _, m := range msgs {
		if m.Hook.IsZero() {
			ids = append(ids, m.Sender)
		}
	}
	names, err := s.Usernames(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[storage.ID]string, len(names))
	for id, n := range names {
		if n.DisplayName != "" {
			out[id] = n.DisplayName
		}
	}
	return out, nil
}

// Now is the service's clock, at the millisecond precision the stores
// keep: what the API shows a status as of (storage.Status.At).
func (s *Service) Now() time.Time { return s.clock() }
