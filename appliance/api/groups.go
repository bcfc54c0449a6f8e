package api

import (
	"net/http"
	"strings"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// groupView is one of the caller's group conversations: the room (whose
// messages, members and read marker are a room's), its users with their
// names, and the caller's unread state.
type groupView struct {
	roomView
	Users []personView `json:"users"`
}

// viewGroups renders groups with their users' names and the caller's
// unread counts.
func (s *Server) viewGroups(r *http.Request, a chat.Actor, groups []storage.Room) ([]groupView, error) {
	var ids []storage.ID
	for _, g := range groups {
		ids = append(ids, g.Group...)
	}
	names, err := s.chat.Usernames(r.Context(), ids)
	if err != nil {
		return nil, err
	}
	unread, err := s.chat.Unread(r.Context(), a, groups)
	if err != nil {
		return nil, err
	}
	out := make([]groupView, len(groups))
	for i, g := range groups {
		out[i] = groupView{roomView: viewRoom(g), Users: []personView{}}
		if u, ok := unread[g.ID]; ok {
			out[i].withUnread(u)
		}
		for _, id := range g.Group {
			n := names[id]
			if n.Username == "" {
				continue // deleted since
			}
			out[i].Users = append(out[i].Users, personView{ID: id, Username: n.Username, IsBot: n.IsBot, Avatar: avatarURL(id, n.Avatar)})
		}
	}
	return out, nil
}

// listGroups serves the caller's group conversations.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	groups, err := s.chat.Groups(r.Context(), a)
	if err != nil {
		return err
	}
	views, err := s.viewGroups(r, a, groups)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, views)
	return nil
}

// openGroup finds or makes the group conversation of the caller and the
// users given: 201 when made, 200 when it existed.
func (s *Server) openGroup(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Users []idInput `json:"users"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Users == nil {
		return chat.Missing("users")
	}
	if len(in.Users) > storage.MaxGroup {
		return chat.ErrGroupSize
	}
	users := make([]storage.ID, len(in.Users))
	for i, u := range in.Users {
		id, err := u.get("users")
		if err != nil || id.IsZero() {
			return chat.Invalid("users", "must be a list of user ids")
		}
		users[i] = id
	}
	g, made, err := s.chat.OpenGroup(r.Context(), a, users)
	if err != nil {
		return err
	}
	views, err := s.viewGroups(r, a, []storage.Room{g})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if made {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/rooms/"+strings.ToLower(g.ID.Hex()))
	}
	writeJSON(w, status, views[0])
	return nil
}
