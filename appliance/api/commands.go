package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
)

type commandView struct {
	Name  string `json:"name"`
	Usage string `json:"usage,omitempty"`
	Help  string `json:"help"`
}

// listCommands lists the slash commands, for the composer's completion.
func (s *Server) listCommands(w http.ResponseWriter, _ *http.Request, _ chat.Actor) error {
	writeJSON(w, http.StatusOK, mapSlice(chat.Commands, func(c chat.Command) commandView { return commandView(c) }))
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
		v := viewMessage(*res.Message)
		out.Message = &v
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
