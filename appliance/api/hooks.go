package api

import (
	"errors"
	"mime"
	"net/http"
	"slices"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/outgoing"
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
	// Outgoing is where an outgoing hook sends the room's messages;
	// SigningSecret, which signs them, is shown only when it is made.
	Outgoing      *outgoingView `json:"outgoing,omitempty"`
	SigningSecret string        `json:"signing_secret,omitempty"`
	// Bot is the bot the hook posts as, if any.
	Bot *storage.ID `json:"bot,omitempty"`
}

type outgoingView struct {
	URL      string   `json:"url"`
	Triggers []string `json:"triggers"`
}

func viewHook(h storage.Hook) hookView {
	v := hookView{ID: h.ID, Room: h.Room, Name: h.Name, Creator: h.Creator, Created: date(h.Created), Bot: optID(h.Bot)}
	if o := h.Outgoing; o != nil {
		v.Outgoing = &outgoingView{URL: o.URL, Triggers: append([]string{}, o.Triggers...)}
	}
	return v
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
		Name        *string  `json:"name"`
		OutgoingURL *string  `json:"outgoing_url"`
		Triggers    []string `json:"triggers"`
		Bot         idInput  `json:"bot"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	bot, err := in.Bot.get("bot")
	if err != nil {
		return err
	}
	h, err := s.chat.CreateHook(r.Context(), a, room, chat.NewHook{Name: deref(in.Name), OutgoingURL: deref(in.OutgoingURL), Triggers: in.Triggers, Bot: bot})
	if err != nil {
		return err
	}
	v := viewHook(h.Hook)
	v.URL = "/api/hooks/" + h.Secret
	v.SigningSecret = h.SigningSecret
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

// deliveryView is one message sent to an outgoing hook.
type deliveryView struct {
	Message  storage.ID  `json:"message"`
	Started  date        `json:"started"`
	Attempts int         `json:"attempts"`
	Status   int         `json:"status,omitempty"`
	Error    string      `json:"error,omitempty"`
	State    string      `json:"state"`
	Reply    *storage.ID `json:"reply,omitempty"`
}

// listDeliveries shows an outgoing hook's recent deliveries, newest
// first, to the room's owners and administrators.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	room, err := pathID(r, "room")
	if err != nil {
		return err
	}
	id, err := storage.ParseID(r.PathValue("hook"))
	if err != nil {
		return chat.ErrNoSuchHook
	}
	hs, err := s.chat.Hooks(r.Context(), a, room)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(hs, func(h chat.HookInfo) bool { return h.ID == id }) {
		return chat.ErrNoSuchHook
	}
	var list []outgoing.Delivery
	if s.deliveries != nil {
		list = s.deliveries(id)
	}
	writeJSON(w, http.StatusOK, mapSlice(list, func(d outgoing.Delivery) deliveryView {
		return deliveryView{Message: d.Message, Started: date(d.Started), Attempts: d.Attempts, Status: d.Status,
			Error: d.Error, State: d.State, Reply: optID(d.Reply)}
	}))
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
	m, err := s.chat.PostByHook(r.Context(), r.PathValue("secret"), chat.HookPost{Text: post.Text, Attachments: post.Attachments})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewMessage(m))
	return nil
}
