package api

import (
	"net"
	"net/http"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

const (
	sessionCookie = "session"
	// deviceCookie marks a browser that logged in before, so that failed
	// logins from its address do not lock it out (auth.Devices). Only
	// /api/login and /api/me/password read it.
	deviceCookie = "device"
)

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
	res, err := s.chat.Login(r.Context(), deref(in.Username), deref(in.Password), s.client(r))
	if err != nil {
		return err
	}
	s.setSession(w, r, res)
	writeJSON(w, http.StatusOK, s.viewUser(res.User))
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
	res, err := s.chat.Register(r.Context(), chat.Registration{
		Username:  deref(in.Username),
		Email:     deref(in.Email),
		Password1: deref(in.Password1),
		Password2: deref(in.Password2),
	}, s.client(r))
	if err != nil {
		return err
	}
	s.setSession(w, r, res)
	writeJSON(w, http.StatusCreated, s.viewUser(res.User))
	return nil
}

// logout ends the session server-side and clears the cookie. It answers
// 204 whether or not there was a session, so it is safe to repeat. With
// a session cookie it is a cookie-authenticated write like any other:
// POST must carry this server's Origin, and the GET kept for old scripts
// is refused when the browser says another site sent it (a link or an
// image on a foreign page would otherwise log the user out).
func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if r.Method == http.MethodGet {
			if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
				return errCrossOrigin
			}
		} else if !auth.SameOrigin(r, s.scheme(r)) {
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

// setSession sets the session cookie of a new login, and the device
// cookie if the login made one.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, res chat.LoginResult) {
	secure := s.scheme(r) == "https"
	http.SetCookie(w, &http.Cookie{
		Name:     sessionCookie,
		Value:    res.Key,
		Path:     "/",
		Expires:  res.Expires,
		MaxAge:   int(s.chat.SessionTTL().Seconds()),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	})
	if res.Device != "" {
		http.SetCookie(w, &http.Cookie{
			Name:     deviceCookie,
			Value:    res.Device,
			Path:     "/api/",
			MaxAge:   int(s.chat.DeviceLifetime().Seconds()),
			HttpOnly: true,
			Secure:   secure,
			SameSite: http.SameSiteStrictMode,
		})
	}
}

// client describes where a login comes from.
func (s *Server) client(r *http.Request) chat.Client {
	c := chat.Client{Addr: clientAddr(r), Agent: r.UserAgent()}
	if d, err := r.Cookie(deviceCookie); err == nil {
		c.Device = d.Value
	}
	return c
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

// changePassword sets the caller's own password (POST /api/me/password).
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Current *string `json:"current_password"`
		New     *string `json:"new_password"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.chat.ChangePassword(r.Context(), a, deref(in.Current), deref(in.New), s.client(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// sessionView is one of the caller's sessions; Current marks the one
// the request came with.
type sessionView struct {
	ID      storage.ID `json:"_id"`
	Created date       `json:"created"`
	Expires date       `json:"expires"`
	Address string     `json:"address"`
	Agent   string     `json:"user_agent"`
	Current bool       `json:"current"`
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	sessions, err := s.chat.Sessions(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(sessions, func(sess storage.Session) sessionView {
		return sessionView{ID: sess.ID, Created: date(sess.Created), Expires: date(sess.Expires), Address: sess.Address, Agent: sess.Agent, Current: sess.ID == a.Session}
	}))
	return nil
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "session")
	if err != nil {
		return err
	}
	if err := s.chat.EndSession(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
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
