package api

import (
	"context"
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// reactionView is one emoji's reactions on a message: how many, and
// who, in the order they reacted. A message lists its emoji in the order
// of their first reactions in the store's list, which is the order each
// was first used (storage.WithoutReaction keeps an emoji's place).
type reactionView struct {
	Emoji string        `json:"emoji"`
	Count int           `json:"count"`
	Users []reactorView `json:"users"`
}

// reactorView is who reacted, under the name it had then.
type reactorView struct {
	ID       storage.ID `json:"_id"`
	Username string     `json:"username"`
}

// viewReactions groups a message's reactions by emoji; nil for none, so
// that a message without reactions has no "reactions" field.
func viewReactions(rs []storage.Reaction) []reactionView {
	if len(rs) == 0 {
		return nil
	}
	var out []reactionView
	at := map[string]int{}
	for _, r := range rs {
		i, ok := at[r.Emoji]
		if !ok {
			i = len(out)
			at[r.Emoji] = i
			out = append(out, reactionView{Emoji: r.Emoji})
		}
		out[i].Count++
		out[i].Users = append(out[i].Users, reactorView{ID: r.User, Username: r.Username})
	}
	return out
}

// react adds the caller's reaction: PUT /api/messages/{id}/reactions/{emoji}.
func (s *Server) react(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	return s.changeReaction(w, r, a, s.chat.React)
}

// unreact removes it: DELETE on the same path.
func (s *Server) unreact(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	return s.changeReaction(w, r, a, s.chat.Unreact)
}

// changeReaction answers either route with the message as it now is.
// The emoji is the path's last part, percent-decoded by the router.
func (s *Server) changeReaction(w http.ResponseWriter, r *http.Request, a chat.Actor, change func(ctx context.Context, a chat.Actor, id storage.ID, emoji string) (storage.Message, error)) error {
	id, err := pathID(r, "message")
	if err != nil {
		return err
	}
	m, err := change(r.Context(), a, id, r.PathValue("emoji"))
	if err != nil {
		return err
	}
	return s.writeMessage(r.Context(), w, http.StatusOK, a, m)
}
