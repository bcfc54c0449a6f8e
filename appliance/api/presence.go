package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/presence"
	"github.com/makechat/makechat/storage"
)

// presenceView is one user's presence; last_seen only for those offline
// whose time is known.
type presenceView struct {
	User     storage.ID `json:"user"`
	Status   string     `json:"status"`
	LastSeen *date      `json:"last_seen,omitempty"`
}

func viewPresence(p chat.Presence) presenceView {
	v := presenceView{User: p.User, Status: p.Status}
	if p.Status == presence.Offline {
		v.LastSeen = optDate(p.LastSeen)
	}
	return v
}

// livePresence is what this server's streams say of user.
func (s *Server) livePresence(user storage.ID) (string, time.Time) {
	if s.presence == nil {
		return presence.Offline, time.Time{}
	}
	return s.presence.Status(user)
}

// maxPresenceUsers bounds ?users=.
const maxPresenceUsers = 200

// getPresence serves ?users=id,id,… (each one's presence, with the last
// time an offline user was seen), or without it everyone online or away.
func (s *Server) getPresence(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var ids []storage.ID
	if q := r.URL.Query().Get("users"); q != "" {
		parts := strings.Split(q, ",")
		if len(parts) > maxPresenceUsers {
			return chat.Invalid("users", "must name at most 200 users")
		}
		for _, p := range parts {
			id, err := storage.ParseID(strings.TrimSpace(p))
			if err != nil {
				return chat.Invalid("users", "must be user ids separated by commas")
			}
			ids = append(ids, id)
		}
	} else if s.presence != nil {
		for _, p := range s.presence.Present() {
			ids = append(ids, p.User)
		}
	}
	ps, err := s.chat.PresenceOf(r.Context(), ids, s.livePresence)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("users") == "" {
		var present []chat.Presence
		for _, p := range ps {
			if p.Status != presence.Offline {
				present = append(present, p)
			}
		}
		ps = present
	}
	writeJSON(w, http.StatusOK, mapSlice(ps, viewPresence))
	return nil
}
