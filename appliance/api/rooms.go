package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

func (s *Server) listRooms(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	rooms, total, err := s.chat.Rooms(r.Context(), a, p)
	if err != nil {
		return err
	}
	unread, err := s.chat.Unread(r.Context(), a, rooms)
	if err != nil {
		return err
	}
	views := mapSlice(rooms, viewRoom)
	for i := range views {
		if u, ok := unread[views[i].ID]; ok {
			views[i].withUnread(u)
		}
	}
	setPaging(w, r, p, total)
	writeJSON(w, http.StatusOK, views)
	return nil
}

// withUnread adds the caller's unread state and settings in the room.
func (v *roomView) withUnread(u chat.Unread) {
	v.Unread, v.Mentions, v.Muted = &u.Count, &u.Mentions, u.Muted
	v.Notify, v.MutedUntil = u.Notify, optDate(u.MutedUntil)
}

// roomInput is the body of POST, PUT and PATCH on rooms.
type roomInput struct {
	Name      *string `json:"name"`
	IsOpen    *bool   `json:"is_open"`
	IsVisible *bool   `json:"is_visible"`
	Topic     *string `json:"topic"`
}

func (s *Server) createRoom(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	// Who may comes before the body, as in the seed: one who may not
	// learns only that, not what it got wrong.
	if !s.chat.MayCreateRooms(a) {
		return chat.ErrAdminRequired
	}
	var in roomInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	room, err := s.chat.CreateRoom(r.Context(), a, chat.NewRoom{Name: deref(in.Name), IsOpen: in.IsOpen, IsVisible: in.IsVisible, Topic: deref(in.Topic)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewRoom(room))
	return nil
}

func (s *Server) getRoom(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "room")
	if err != nil {
		return err
	}
	room, err := s.chat.Room(r.Context(), a, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewRoom(room))
	return nil
}

// updateRoom serves PUT and PATCH alike: both change the fields given.
func (s *Server) updateRoom(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "room")
	if err != nil {
		return err
	}
	var in roomInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var room storage.Room
	if r.Method == http.MethodPut {
		// PUT replaces: the name is required, as for a new room.
		room, err = s.chat.ReplaceRoom(r.Context(), a, id, chat.NewRoom{Name: deref(in.Name), IsOpen: in.IsOpen, IsVisible: in.IsVisible, Topic: deref(in.Topic)})
	} else {
		room, err = s.chat.UpdateRoom(r.Context(), a, id, chat.RoomChanges(in))
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewRoom(room))
	return nil
}

func (s *Server) deleteRoom(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "room")
	if err != nil {
		return err
	}
	if err := s.chat.DeleteRoom(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
