package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// directView is one of the caller's direct conversations: the other user,
// and the caller's read state there.
type directView struct {
	User     storage.ID `json:"user"`
	Username string     `json:"username"`
	IsBot    bool       `json:"is_bot,omitempty"`
	Avatar   string     `json:"avatar,omitempty"`
	profileView
	LastRead *storage.ID `json:"last_read"`
	Unread   int         `json:"unread"`
	Mentions int         `json:"mentions"`
	// Notify and MutedUntil are the caller's notification settings with
	// that user, when set.
	Notify     string `json:"notify,omitempty"`
	MutedUntil *date  `json:"muted_until,omitempty"`
}

func viewDirect(d chat.Direct, n chat.Name) directView {
	return directView{
		User: d.User, Username: n.Username, IsBot: n.IsBot, Avatar: avatarURL(d.User, n.Avatar),
		profileView: viewProfile(n.DisplayName, n.Status),
		LastRead:    optID(d.LastRead), Unread: d.Count, Mentions: d.Mentions,
		Notify: d.Notify, MutedUntil: optDate(d.MutedUntil),
	}
}

// listDirects answers GET /api/directs: the users the caller has direct
// conversations with, so that a client can list them after a reload
// (API.md has no such list; decided in docs/api.md).
func (s *Server) listDirects(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	directs, err := s.chat.Directs(r.Context(), a)
	if err != nil {
		return err
	}
	ids := make([]storage.ID, len(directs))
	for i, d := range directs {
		ids[i] = d.User
	}
	names, err := s.chat.Usernames(r.Context(), ids)
	if err != nil {
		return err
	}
	out := make([]directView, 0, len(directs))
	for _, d := range directs {
		if n := names[d.User]; n.Username != "" { // a deleted user's conversation is gone
			out = append(out, viewDirect(d, n))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// markDirect moves the caller's read marker with a user, or changes its
// notification settings there.
func (s *Server) markDirect(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	peer, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in struct {
		LastRead idInput `json:"last_read"`
		notifyInput
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	last, err := in.LastRead.get("last_read")
	if err != nil {
		return err
	}
	notify, err := in.change()
	if err != nil {
		return err
	}
	if last.IsZero() && notify.Level == nil && notify.MutedUntil == nil {
		return chat.Missing("last_read")
	}
	d, err := s.chat.ChangeDirect(r.Context(), a, peer, chat.DirectChange{LastRead: last, Notify: notify})
	if err != nil {
		return err
	}
	names, err := s.chat.Usernames(r.Context(), []storage.ID{peer})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewDirect(d, names[peer]))
	return nil
}

// readAll marks everything the caller has not read as read.
func (s *Server) readAll(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	n, err := s.chat.ReadAll(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"rooms": n.Rooms, "directs": n.Directs, "threads": n.Threads})
	return nil
}
