package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

type commandView struct {
	Name   string `json:"name"`
	Usage  string `json:"usage,omitempty"`
	Help   string `json:"help"`
	Custom bool   `json:"custom,omitempty"`
}

// listCommands lists the slash commands, built in and custom, for the
// composer's completion.
func (s *Server) listCommands(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	custom, err := s.chat.CustomCommands(r.Context())
	if err != nil {
		return err
	}
	out := mapSlice(chat.Commands, func(c chat.Command) commandView { return commandView{Name: c.Name, Usage: c.Usage, Help: c.Help} })
	for _, c := range custom {
		out = append(out, commandView{Name: c.Name, Usage: "text", Help: c.Help, Custom: true})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// customCommandView is a custom command as administrators see it; the
// token only when it is made.
type customCommandView struct {
	ID      storage.ID `json:"_id"`
	Name    string     `json:"name"`
	URL     string     `json:"url"`
	Help    string     `json:"help"`
	Creator storage.ID `json:"creator"`
	Created date       `json:"created"`
	Token   string     `json:"token,omitempty"`
}

func viewCustomCommand(c storage.Command) customCommandView {
	return customCommandView{ID: c.ID, Name: c.Name, URL: c.URL, Help: c.Help, Creator: c.Creator, Created: date(c.Created)}
}

func (s *Server) listCustomCommands(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	cs, err := s.chat.CustomCommands(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(cs, viewCustomCommand))
	return nil
}

func (s *Server) createCustomCommand(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Name *string `json:"name"`
		URL  *string `json:"url"`
		Help *string `json:"help"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	c, err := s.chat.CreateCommand(r.Context(), a, chat.NewCommand{Name: deref(in.Name), URL: deref(in.URL), Help: deref(in.Help)})
	if err != nil {
		return err
	}
	v := viewCustomCommand(c)
	v.Token = c.Token
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) deleteCustomCommand(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return chat.ErrNoSuchCommand
	}
	if err := s.chat.DeleteCommand(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// runCommand runs a slash command in a room: {room, text} → 200 with
// what it says to the caller alone ("text") and the message it posted,
// if any ("message").
func (s *Server) runCommand(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Room idInput `json:"room"`
		Text *string `json:"text"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if !in.Room.set {
		return chat.Missing("room")
	}
	room, err := in.Room.get("room")
	if err != nil {
		return err
	}
	res, err := s.chat.RunCommand(r.Context(), a, room, deref(in.Text))
	if err != nil {
		return err
	}
	out := struct {
		Text    string       `json:"text,omitempty"`
		Message *messageView `json:"message,omitempty"`
	}{Text: res.Text}
	if res.Message != nil {
		vs, err := s.viewMessages(r.Context(), a, []storage.Message{*res.Message})
		if err != nil {
			return err
		}
		out.Message = &vs[0]
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
