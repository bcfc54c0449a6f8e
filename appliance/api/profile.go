package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// me answers the caller's own account (decided, docs/api.md): /api/ping
// keeps the seed's three fields, and a web client also needs its id and
// what it may do beyond a member's rights.
func (s *Server) me(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	p, err := s.chat.Profile(r.Context(), a)
	if err != nil {
		return err
	}
	canInvite, err := s.chat.CanInvite(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		userView
		CanCreateRooms bool `json:"can_create_rooms"`
		CanInvite      bool `json:"can_invite"`
		CanCreateBots  bool `json:"can_create_bots"`
		HidePresence   bool `json:"hide_presence"`
	}{s.viewUser(p.User), s.chat.MayCreateRooms(a), canInvite, s.chat.MayCreateBots(a), p.User.HidePresence})
	return nil
}

// updateProfile sets the caller's display name and status (PATCH
// /api/me) and answers as GET /api/me does. A field left out stays as
// it is; null or "" removes it.
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		DisplayName  rawField `json:"display_name"`
		Status       rawField `json:"status"`
		HidePresence *bool    `json:"hide_presence"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.HidePresence != nil {
		if err := s.chat.SetHidePresence(r.Context(), a, *in.HidePresence, s.livePresence); err != nil {
			return err
		}
		a.User.HidePresence = *in.HidePresence
	}
	var c chat.ProfileChanges
	if in.DisplayName.set {
		name, err := in.DisplayName.text("display_name")
		if err != nil {
			return err
		}
		c.DisplayName = &name
	}
	if in.Status.set {
		st, err := statusInput(in.Status)
		if err != nil {
			return err
		}
		c.Status = &st
	}
	if in.HidePresence != nil && c.DisplayName == nil && c.Status == nil {
		return s.me(w, r, a)
	}
	u, err := s.chat.UpdateProfile(r.Context(), a, c)
	if err != nil {
		return err
	}
	a.User = u
	return s.me(w, r, a)
}

// rawField is a field of a JSON body kept as it came, so that a handler
// can tell a field left out (set false) from one sent as null, and name
// the field when its value has the wrong type.
type rawField struct {
	set bool
	raw json.RawMessage
}

func (f *rawField) UnmarshalJSON(b []byte) error {
	f.set, f.raw = true, append(json.RawMessage(nil), b...)
	return nil
}

func (f rawField) isNull() bool { return !f.set || bytes.Equal(f.raw, []byte("null")) }

// text reads a string field; null is "".
func (f rawField) text(field string) (string, error) {
	var v string
	if f.isNull() {
		return "", nil
	}
	if json.Unmarshal(f.raw, &v) != nil {
		return "", chat.Invalid(field, "must be a string")
	}
	return v, nil
}

// statusInput reads a status: null, or {"text": "…", "expires": <an
// RFC 3339 time, {"$date": …} as the API writes it, or null>}; unknown
// fields are ignored, as everywhere.
func statusInput(f rawField) (storage.Status, error) {
	if f.isNull() {
		return storage.Status{}, nil
	}
	if f.raw[0] != '{' {
		return storage.Status{}, chat.Invalid("status", `must be an object such as {"text": "In a meeting", "expires": null}, or null`)
	}
	var in struct {
		Text    rawField `json:"text"`
		Expires rawField `json:"expires"`
	}
	if err := json.Unmarshal(f.raw, &in); err != nil {
		return storage.Status{}, malformed("The request body could not be decoded: " + err.Error() + ".")
	}
	text, err := in.Text.text("status.text")
	if err != nil {
		return storage.Status{}, err
	}
	expires, err := timeInput(in.Expires, "status.expires")
	if err != nil {
		return storage.Status{}, err
	}
	return storage.Status{Text: text, Expires: expires}, nil
}

// timeInput reads a time given as an RFC 3339 string or as Extended
// JSON's {"$date": "…"}; null is the zero time.
func timeInput(f rawField, field string) (time.Time, error) {
	if f.isNull() {
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(f.raw, &s); err != nil {
		var d struct {
			Date *string `json:"$date"`
		}
		if err := json.Unmarshal(f.raw, &d); err != nil || d.Date == nil {
			return time.Time{}, errTimeInput(field)
		}
		s = *d.Date
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errTimeInput(field)
	}
	return t, nil
}

func errTimeInput(field string) error {
	return chat.Invalid(field, `must be a time such as "2026-12-04T18:00:00Z" (RFC 3339), or null`)
}
