package api

import (
	"time"

	"github.com/makechat/makechat/storage"
)

// The JSON shapes of API.md. Stored models are never encoded directly, so
// a field such as a password hash can never leak into an answer.

type userView struct {
	ID          storage.ID `json:"_id"`
	Username    string     `json:"username"`
	Email       string     `json:"email"`
	IsSuperuser bool       `json:"is_superuser"`
	IsDisabled  bool       `json:"is_disabled"`
	Created     date       `json:"created"`
	// IsBot and Owner appear for bots only.
	IsBot bool        `json:"is_bot,omitempty"`
	Owner *storage.ID `json:"owner,omitempty"`
	// Avatar is where the user's avatar is, if it has one.
	Avatar string `json:"avatar,omitempty"`
	profileView
}

// viewUser is u as an administrator (or u itself) sees it now.
func (s *Server) viewUser(u storage.User) userView { return viewUserAt(u, s.chat.Now()) }

// viewUserAt is u with its status as shown at now.
func viewUserAt(u storage.User, now time.Time) userView {
	v := userView{u.ID, u.Username, u.Email, u.IsSuperuser, u.IsDisabled, date(u.Created), u.IsBot, nil, avatarURL(u.ID, u.Avatar), viewProfile(u.DisplayName, u.Status.At(now))}
	if u.IsBot {
		v.Owner = optID(u.Owner)
	}
	return v
}

// profileView is what a user says of itself, wherever it is shown
// (users, people, members, direct conversations, user.updated): its
// display name and its status, each only when it has one, the status
// only until it expires.
type profileView struct {
	DisplayName string      `json:"display_name,omitempty"`
	Status      *statusView `json:"status,omitempty"`
}

// statusView is a status: its text, and its expiry when it has one.
type statusView struct {
	Text    string `json:"text"`
	Expires *date  `json:"expires,omitempty"`
}

// viewProfile shows a display name and a status as it is shown now
// (storage.Status.At): the caller has applied the time.
func viewProfile(name string, shown storage.Status) profileView {
	v := profileView{DisplayName: name}
	if shown.Text != "" {
		v.Status = &statusView{Text: shown.Text, Expires: optDate(shown.Expires)}
	}
	return v
}

// roomView is the seed's room shape, plus created and the topic (when
// there is one); in the caller's own
// room list, also its unread count and the unread messages mentioning it.
type roomView struct {
	ID        storage.ID   `json:"_id"`
	Name      string       `json:"name"`
	Members   []storage.ID `json:"members"`
	IsOpen    bool         `json:"is_open"`
	IsVisible bool         `json:"is_visible"`
	Topic     string       `json:"topic,omitempty"`
	Created   date         `json:"created"`
	Unread    *int         `json:"unread,omitempty"`
	Mentions  *int         `json:"mentions,omitempty"`
	Muted     bool         `json:"muted,omitempty"`
	// Notify and MutedUntil are the caller's notification settings in a
	// room it belongs to, when set.
	Notify     string `json:"notify,omitempty"`
	MutedUntil *date  `json:"muted_until,omitempty"`
	// Group is a group conversation's users (see "Group conversations").
	Group []storage.ID `json:"group,omitempty"`
}

func viewRoom(r storage.Room) roomView {
	members := r.Members
	if members == nil {
		members = []storage.ID{}
	}
	return roomView{ID: r.ID, Name: r.Name, Members: members, IsOpen: r.IsOpen, IsVisible: r.IsVisible, Topic: r.Topic, Created: date(r.Created), Group: r.Group}
}

// tokenView never carries the value, except once, when the token is made.
type tokenView struct {
	ID       storage.ID `json:"_id"`
	Name     string     `json:"name"`
	Created  date       `json:"created"`
	LastUsed *date      `json:"last_used"`
	Value    string     `json:"value,omitempty"`
}

func viewToken(t storage.Token) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, Created: date(t.Created), LastUsed: optDate(t.LastUsed)}
}

// mapSlice converts a list for output; the result is never nil, so an
// empty list encodes as [] rather than null.
func mapSlice[T, V any](items []T, f func(T) V) []V {
	out := make([]V, len(items))
	for i, it := range items {
		out[i] = f(it)
	}
	return out
}
