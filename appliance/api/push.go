package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/webpush"
	"github.com/makechat/makechat/storage"
)

// Viewer is told what each stream's browser shows (the push sender leaves
// out users who see the conversation already).
type Viewer interface {
	Viewing(user storage.ID, stream uint64, key string, visible bool)
	Closed(user storage.ID, stream uint64)
	// Subscribed is told a browser subscribed.
	Subscribed()
}

// pushSubView is one of the caller's push subscriptions.
type pushSubView struct {
	ID        storage.ID `json:"_id"`
	Endpoint  string     `json:"endpoint"`
	UserAgent string     `json:"user_agent,omitempty"`
	Created   date       `json:"created"`
}

func viewPushSub(p storage.PushSubscription) pushSubView {
	return pushSubView{ID: p.ID, Endpoint: p.Endpoint, UserAgent: p.UserAgent, Created: date(p.Created)}
}

// getPush serves the server's VAPID public key (a browser subscribes to
// it) and the caller's subscriptions.
func (s *Server) getPush(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	if s.pushKey == "" {
		return errPushOff
	}
	ps, err := s.chat.PushSubscriptions(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"public_key": s.pushKey, "subscriptions": mapSlice(ps, viewPushSub)})
	return nil
}

// subscribePush keeps a browser's subscription (PushSubscription.toJSON()).
func (s *Server) subscribePush(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	if s.pushKey == "" {
		return errPushOff
	}
	var in webpush.Subscription
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Endpoint == "" {
		return chat.Missing("endpoint")
	}
	p, err := s.chat.SubscribePush(r.Context(), a, in, r.UserAgent())
	if err != nil {
		return err
	}
	if s.viewer != nil {
		s.viewer.Subscribed()
	}
	writeJSON(w, http.StatusCreated, viewPushSub(p))
	return nil
}

// unsubscribePush removes one of the caller's subscriptions.
func (s *Server) unsubscribePush(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "subscription")
	if err != nil {
		return err
	}
	if err := s.chat.UnsubscribePush(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var errPushOff = chat.NotFound("push service (Web Push is off on this server)")
