package api

import (
	"net/http"
	"time"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// inviteView is an invite; URL is shown only when it is made.
type inviteView struct {
	ID        storage.ID   `json:"_id"`
	URL       string       `json:"url,omitempty"`
	Rooms     []storage.ID `json:"rooms"`
	MaxUses   int          `json:"max_uses"`
	Uses      int          `json:"uses"`
	Expires   *date        `json:"expires"`
	CreatedBy storage.ID   `json:"created_by"`
	Created   date         `json:"created"`
}

func viewInvite(in storage.Invite) inviteView {
	rooms := in.Rooms
	if rooms == nil {
		rooms = []storage.ID{}
	}
	return inviteView{ID: in.ID, Rooms: rooms, MaxUses: in.MaxUses, Uses: in.Uses, Expires: optDate(in.Expires), CreatedBy: in.CreatedBy, Created: date(in.Created)}
}

func (s *Server) createInvite(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Rooms     []idInput `json:"rooms"`
		MaxUses   *int      `json:"max_uses"`
		ExpiresIn *int64    `json:"expires_in"` // seconds; 0: never
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	n := chat.NewInvite{MaxUses: deref(in.MaxUses)}
	for _, id := range in.Rooms {
		room, err := id.get("rooms")
		if err != nil || room.IsZero() {
			return chat.Invalid("rooms", "must be a list of room ids")
		}
		n.Rooms = append(n.Rooms, room)
	}
	if in.ExpiresIn != nil {
		if *in.ExpiresIn < 0 || *in.ExpiresIn > int64(366*24*time.Hour/time.Second) {
			return chat.ErrInviteExpiry
		}
		d := time.Duration(*in.ExpiresIn) * time.Second
		n.ExpiresIn = &d
	}
	invite, secret, err := s.chat.CreateInvite(r.Context(), a, n)
	if err != nil {
		return err
	}
	v := viewInvite(invite)
	v.URL = "/invite/" + secret
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) listInvites(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	ins, err := s.chat.Invites(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(ins, viewInvite))
	return nil
}

func (s *Server) deleteInvite(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "invite")
	if err != nil {
		return err
	}
	if err := s.chat.DeleteInvite(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// previewInvite answers GET /api/invites/{secret}/accept: what accepting
// the invite does (the rooms it joins, who made it, when it expires), so
// that the page the link opens can say so. Unknown, used-up, expired and
// revoked invites are 404.
func (s *Server) previewInvite(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	p, err := s.chat.PreviewInvite(r.Context(), r.PathValue("secret"))
	if err != nil {
		return err
	}
	names := p.RoomNames
	if names == nil {
		names = []string{}
	}
	writeJSON(w, http.StatusOK, struct {
		Rooms   []string `json:"rooms"`
		Inviter string   `json:"inviter"`
		Expires *date    `json:"expires"`
	}{names, p.Inviter, optDate(p.Invite.Expires)})
	return nil
}

// acceptInvite makes an account from an invite and logs it in.
func (s *Server) acceptInvite(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	var in struct {
		Username *string `json:"username"`
		Email    *string `json:"email"`
		Password *string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	// As for login and registration: a form posted from another site
	// must not log the browser in as someone else.
	if r.Header.Get("Origin") != "" && !auth.SameOrigin(r, s.scheme(r)) {
		return errCrossOrigin
	}
	res, err := s.chat.AcceptInvite(r.Context(), r.PathValue("secret"),
		chat.NewUser{Username: deref(in.Username), Email: deref(in.Email), Password: deref(in.Password)}, s.client(r))
	if err != nil {
		return err
	}
	s.setSession(w, r, res)
	writeJSON(w, http.StatusCreated, s.viewUser(res.User))
	return nil
}

// personView is a user as the people directory shows it: never an email.
type personView struct {
	ID       storage.ID `json:"_id"`
	Username string     `json:"username"`
	IsBot    bool       `json:"is_bot,omitempty"`
	Avatar   string     `json:"avatar,omitempty"`
	profileView
}

// viewPerson is u as everyone sees it now.
func (s *Server) viewPerson(u storage.User) personView { return viewPersonAt(u, s.chat.Now()) }

// viewPersonAt is u with its status as shown at now.
func viewPersonAt(u storage.User, now time.Time) personView {
	return personView{u.ID, u.Username, u.IsBot, avatarURL(u.ID, u.Avatar), viewProfile(u.DisplayName, u.Status.At(now))}
}

func (s *Server) people(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	q := r.URL.Query()
	limit, err := intParam(q, "limit", 20, 1, 50)
	if err != nil {
		return err
	}
	us, err := s.chat.People(r.Context(), a, q.Get("q"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(us, s.viewPerson))
	return nil
}

// registration answers GET /api/register: whether anyone may register,
// so that the login page offers "Create an account" only when it works.
func (s *Server) registration(w http.ResponseWriter, _ *http.Request, _ chat.Actor) error {
	writeJSON(w, http.StatusOK, struct {
		AllowRegistration bool `json:"allow_registration"`
	}{s.chat.RegistrationOpen()})
	return nil
}
