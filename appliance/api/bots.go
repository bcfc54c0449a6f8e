package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// botID reads the bot's id from the path; a malformed one is no bot.
func botID(r *http.Request) (storage.ID, error) {
	id, err := storage.ParseID(r.PathValue("bot"))
	if err != nil {
		return id, chat.ErrNoSuchBot
	}
	return id, nil
}

func (s *Server) listBots(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	bs, err := s.chat.Bots(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(bs, s.viewUser))
	return nil
}

func (s *Server) createBot(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Username *string `json:"username"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Username == nil || *in.Username == "" {
		return chat.Missing("username")
	}
	b, err := s.chat.CreateBot(r.Context(), a, *in.Username)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.viewUser(b))
	return nil
}

func (s *Server) deleteBot(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := botID(r)
	if err != nil {
		return err
	}
	if err := s.chat.DeleteBot(r.Context(), a, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listBotTokens(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := botID(r)
	if err != nil {
		return err
	}
	ts, err := s.chat.BotTokens(r.Context(), a, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(ts, viewToken))
	return nil
}

func (s *Server) createBotToken(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := botID(r)
	if err != nil {
		return err
	}
	return newToken(w, r, func(name string) (storage.Token, string, error) {
		return s.chat.CreateBotToken(r.Context(), a, id, name)
	})
}

func (s *Server) deleteBotToken(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := botID(r)
	if err != nil {
		return err
	}
	token, err := storage.ParseID(r.PathValue("token"))
	if err != nil {
		return chat.ErrNoSuchToken
	}
	if err := s.chat.DeleteBotToken(r.Context(), a, id, token); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
