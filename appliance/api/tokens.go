package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	ts, err := s.chat.Tokens(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(ts, viewToken))
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	return newToken(w, r, func(name string) (storage.Token, string, error) { return s.chat.CreateToken(r.Context(), a, name) })
}

// newToken reads {name}, makes a token with create and answers it with
// its value, shown this once.
func newToken(w http.ResponseWriter, r *http.Request, create func(name string) (storage.Token, string, error)) error {
	var in struct {
		Name *string `json:"name"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	t, value, err := create(deref(in.Name))
	if err != nil {
		return err
	}
	v := viewToken(t)
	v.Value = value
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "token")
	if err != nil {
		return err
	}
	if err := s.chat.DeleteToken(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
