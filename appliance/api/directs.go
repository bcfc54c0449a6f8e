package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// directView is one of the caller's direct conversations: the other user.
type directView struct {
	User     storage.ID `json:"user"`
	Username string     `json:"username"`
	IsBot    bool       `json:"is_bot,omitempty"`
	Avatar   string     `json:"avatar,omitempty"`
	profileView
}

// listDirects answers GET /api/directs: the users the caller has direct
// conversations with, so that a client can list them after a reload
// (API.md has no such list; decided in docs/api.md).
func (s *Server) listDirects(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	convs, err := s.chat.Readable(r.Context(), a)
	if err != nil {
		return err
	}
	var ids []storage.ID
	for _, c := range convs {
		if !c.Room.IsZero() {
			continue
		}
		other := c.A
		if other == a.User.ID {
			other = c.B
		}
		ids = append(ids, other)
	}
	names, err := s.chat.Usernames(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]directView, 0, len(ids))
	for _, id := range ids {
		if n := names[id]; n.Username != "" { // a deleted user's conversation is gone
			out = append(out, directView{id, n.Username, n.IsBot, avatarURL(id, n.Avatar), viewProfile(n.DisplayName, n.Status)})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
