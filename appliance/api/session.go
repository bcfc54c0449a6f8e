package api

import (
	"net"
	"net/http"
	"time"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/chat"
)

const sessionCookie = "session"

func (s *Server) login(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	var in struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	// A login form posted from another site must not log the browser in
	// as someone else (login CSRF); scripts send no Origin and pass.
	if r.Header.Get("Origin") != "" && !auth.SameOrigin(r, s.scheme(r)) {
		return errCrossOrigin
	}
	u, key, expires, err := s.chat.Login(r.Context(), deref(in.Username), deref(in.Password), clientAddr(r))
	if err != nil {
		return err
	}
	s.setSession(w, r, key, expires)
	writeJSON(w, http.StatusOK, viewUser(u))
	return nil
}

func (s *Server) register(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	var in struct {
		Username  *string `json:"username"`
		Email     *string `json:"email"`
		Password1 *string `json:"password1"`
		Password2 *string `json:"password2"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if r.Header.Get("Origin") != "" && !auth.SameOrigin(r, s.scheme(r)) {
		return errCrossOrigin
	}
	u, key, expires, err := s.chat.Register(r.Context(), chat.Registration{
		Username:  deref(in.Username),
		Email:     deref(in.Email),
		Password1: deref(in.Password1),
		Password2: deref(in.Password2),
	})
	if err != nil {
		return err
	}
	s.setSession(w, r, key, expires)
	writeJSON(w, http.StatusCreated, viewUser(u))
	return nil
}

// logout ends the session server-side and clears the cookie. It answers
// 204 whether or not there was a session, so it is safe to repeat.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if r.Method != http.MethodGet && r.Header.Get("Origin") != "" && !auth.SameOrigin(r, s.scheme(r)) {
			return errCrossOrigin
		}
		if err := s.chat.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.scheme(r) == "https", SameSite: http.SameSiteLaxMode,
	})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, key string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    key,
		Path:     "/",
		Expires:  expires,
		MaxAge:   int(s.chat.SessionTTL().Seconds()),
		HttpOnly: true,
		Secure:   s.scheme(r) == "https",
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) ping(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	p, err := s.chat.Profile(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Username    string `json:"username"`
		IsSuperuser bool   `json:"is_superuser"`
		HaveRooms   bool   `json:"have_rooms"`
	}{p.User.Username, p.User.IsSuperuser, p.HasRooms})
	return nil
}

// me answers the caller's own account (decided, docs/api.md): /api/ping
// keeps the seed's three fields, and a web client also needs its id.
func (s *Server) me(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	p, err := s.chat.Profile(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(p.User))
	return nil
}

// clientAddr is the address failed logins are counted against.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
