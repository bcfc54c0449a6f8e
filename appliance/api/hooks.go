package api

import (
	"errors"
	"mime"
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/slack"
	"github.com/makechat/makechat/storage"
)

// hookView is an incoming webhook; URL is shown only when it is made.
// In a list, creator_username and active tell the room's owners who made
// each hook and whether it still posts (its maker may still write).
type hookView struct {
	ID          storage.ID `json:"_id"`
	Room        storage.ID `json:"room"`
	Name        string     `json:"name"`
	Creator     storage.ID `json:"creator"`
	CreatorName *string    `json:"creator_username,omitempty"`
	Active      *bool      `json:"active,omitempty"`
	Created     date       `json:"created"`
	URL         string     `json:"url,omitempty"`
}

func viewHook(h storage.Hook) hookView {
	return hookView{ID: h.ID, Room: h.Room, Name: h.Name, Creator: h.Creator, Created: date(h.Created)}
}

// viewHookInfo is a listed hook: who made it, and whether it still posts.
func viewHookInfo(h chat.HookInfo) hookView {
	v := viewHook(h.Hook)
	v.CreatorName = &h.Maker
	v.Active = &h.MakerCanPost
	return v
}

func (s *Server) createHook(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	room, err := pathID(r, "room")
	if err != nil {
		return err
	}
	var in struct {
		Name *string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	h, secret, err := s.chat.CreateHook(r.Context(), a, room, deref(in.Name))
	if err != nil {
		return err
	}
	v := viewHook(h)
	v.URL = "/api/hooks/" + secret
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) listHooks(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	room, err := pathID(r, "room")
	if err != nil {
		return err
	}
	hs, err := s.chat.Hooks(r.Context(), a, room)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(hs, viewHookInfo))
	return nil
}

func (s *Server) deleteHook(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	room, err := pathID(r, "room")
	if err != nil {
		return err
	}
	id, err := storage.ParseID(r.PathValue("hook"))
	if err != nil {
		return chat.NotFound("hook")
	}
	if err := s.chat.DeleteHook(r.Context(), a, room, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// postByHook takes a Slack- or Mattermost-style post (appliance/slack
// reads it): a JSON body, or a form with a "payload" field holding the
// JSON, as Slack also accepts. It answers 200 (Slack's clients expect
// it) with the message.
func (s *Server) postByHook(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	var in slack.Payload
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return errTooLargeOr(err)
		}
		payload := r.PostForm.Get("payload")
		if payload == "" {
			return chat.Missing("payload")
		}
		if err := decodeBytes([]byte(payload), &in); err != nil {
			if he, ok := err.(*httpError); ok && he.title == "Malformed JSON" {
				return malformed("The 'payload' field is not a JSON object.")
			}
			return err
		}
	} else if err := decode(w, r, &in); err != nil {
		return err
	}
	post, err := in.Message()
	var bad *slack.Error
	switch {
	case err == slack.ErrNothing:
		return chat.Missing("text") // the seed's answer to a post without text
	case errors.As(err, &bad):
		return &chat.Error{Kind: chat.KindInvalid, Field: bad.Field, Msg: bad.Msg}
	}
	m, err := s.chat.PostByHook(r.Context(), r.PathValue("secret"), chat.HookPost{Text: post.Text, Username: post.Username, Attachments: post.Attachments})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewMessage(m))
	return nil
}
