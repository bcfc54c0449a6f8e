package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	users, total, err := s.chat.Users(r.Context(), a, p)
	if err != nil {
		return err
	}
	setPaging(w, r, p, total)
	writeJSON(w, http.StatusOK, mapSlice(users, s.viewUser))
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Username    *string `json:"username"`
		Email       *string `json:"email"`
		Password    *string `json:"password"`
		IsSuperuser *bool   `json:"is_superuser"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.chat.CreateUser(r.Context(), a, chat.NewUser{
		Username:    deref(in.Username),
		Email:       deref(in.Email),
		Password:    deref(in.Password),
		IsSuperuser: deref(in.IsSuperuser),
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.viewUser(u))
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	u, err := s.chat.User(r.Context(), a, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.viewUser(u))
	return nil
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in struct {
		Email        *string `json:"email"`
		Password     *string `json:"password"`
		IsSuperuser  *bool   `json:"is_superuser"`
		IsDisabled   *bool   `json:"is_disabled"`
		RevokeTokens *bool   `json:"revoke_tokens"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	u, err := s.chat.UpdateUser(r.Context(), a, id, chat.UserChanges(in))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.viewUser(u))
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := s.chat.DeleteUser(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
