package api

import (
	"net/http"
	"strconv"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// memberView is API.md's member, with the member's username (and its
// display name and status) for lists and its read marker.
type memberView struct {
	ID       storage.ID `json:"_id"`
	Room     storage.ID `json:"room"`
	Profile  storage.ID `json:"profile"`
	Role     string     `json:"role"`
	Created  date       `json:"created"`
	Username string     `json:"username,omitempty"`
	IsBot    bool       `json:"is_bot,omitempty"`
	Avatar   string     `json:"avatar,omitempty"`
	profileView
	LastRead *storage.ID `json:"last_read,omitempty"`
	// Muted is shown to the member itself only (which rooms bore it is
	// nobody else's business), and only when true; so are its
	// notification level and the end of its mute.
	Muted      bool   `json:"muted,omitempty"`
	Notify     string `json:"notify,omitempty"`
	MutedUntil *date  `json:"muted_until,omitempty"`
}

// viewOwnMember is a member as the member itself sees it.
func viewOwnMember(m storage.Member) memberView {
	v := viewMember(m)
	v.Muted, v.Notify, v.MutedUntil = m.Muted, m.Notify, optDate(m.MutedUntil)
	return v
}

func viewMember(m storage.Member) memberView {
	return memberView{ID: m.ID, Room: m.Room, Profile: m.Profile, Role: m.Role, Created: date(m.Created), LastRead: optID(m.LastRead)}
}

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	room, err := queryID(r.URL.Query(), "room")
	if err != nil {
		return err
	}
	ms, err := s.chat.Members(r.Context(), a, room)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.Profile
	}
	names, err := s.chat.Usernames(r.Context(), ids)
	if err != nil {
		return err
	}
	views := mapSlice(ms, viewMember)
	for i := range views {
		if ms[i].Profile == a.User.ID {
			views[i] = viewOwnMember(ms[i])
		}
		n := names[views[i].Profile]
		views[i].Username, views[i].IsBot, views[i].Avatar = n.Username, n.IsBot, avatarURL(views[i].Profile, n.Avatar)
		views[i].profileView = viewProfile(n.DisplayName, n.Status)
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(len(views)))
	writeJSON(w, http.StatusOK, views)
	return nil
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Room idInput `json:"room"`
		User idInput `json:"user"`
		Role *string `json:"role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	room, err := in.Room.get("room")
	if err != nil {
		return err
	}
	user, err := in.User.get("user")
	if err != nil {
		return err
	}
	m, err := s.chat.AddMember(r.Context(), a, room, user, deref(in.Role))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewMember(m))
	return nil
}

func (s *Server) updateMember(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "member")
	if err != nil {
		return err
	}
	var in struct {
		Role     *string `json:"role"`
		LastRead idInput `json:"last_read"`
		Muted    *bool   `json:"muted"`
		notifyInput
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	notify, err := in.change()
	if err != nil {
		return err
	}
	c := chat.MemberChanges{Role: in.Role, Muted: in.Muted, Notify: notify}
	if in.LastRead.set {
		lr, err := in.LastRead.get("last_read")
		if err != nil {
			return err
		}
		c.LastRead = &lr
	}
	if c.Role == nil && c.LastRead == nil && c.Muted == nil && notify.Level == nil && notify.MutedUntil == nil {
		return chat.Missing("role")
	}
	m, err := s.chat.UpdateMember(r.Context(), a, id, c)
	if err != nil {
		return err
	}
	v := viewMember(m)
	if m.Profile == a.User.ID {
		v = viewOwnMember(m)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// removeMember answers 200 with the removed member (API.md).
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "member")
	if err != nil {
		return err
	}
	m, err := s.chat.RemoveMember(r.Context(), a, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewMember(m))
	return nil
}
