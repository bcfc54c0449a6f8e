package api

import (
	"net/http"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/storage"
)

// replyView is a thread root's summary of its replies.
type replyView struct {
	Count int          `json:"count"`
	Last  date         `json:"last"`
	Users []storage.ID `json:"users"`
}

func optReplies(s *storage.ThreadSummary) *replyView {
	if s == nil {
		return nil
	}
	return &replyView{Count: s.Count, Last: date(s.Last), Users: s.Repliers}
}

// threadView is a user's view of a thread.
type threadView struct {
	Root      messageView `json:"root"`
	Following bool        `json:"following"`
	LastRead  *storage.ID `json:"last_read"`
	Unread    int         `json:"unread"`
}

func viewThread(t chat.Thread) threadView {
	return threadView{Root: viewMessage(t.Root), Following: t.Following, LastRead: optID(t.LastRead), Unread: t.Unread}
}

// listThreads serves the threads the caller follows.
func (s *Server) listThreads(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	ts, err := s.chat.Threads(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, mapSlice(ts, viewThread))
	return nil
}

// getThread serves the caller's view of one thread.
func (s *Server) getThread(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "message")
	if err != nil {
		return err
	}
	t, err := s.chat.ThreadOf(r.Context(), a, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewThread(t))
	return nil
}

// changeThread follows or unfollows a thread, or marks it read.
func (s *Server) changeThread(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "message")
	if err != nil {
		return err
	}
	var in struct {
		Following *bool   `json:"following"`
		LastRead  idInput `json:"last_read"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	lastRead, err := in.LastRead.get("last_read")
	if err != nil {
		return err
	}
	if in.Following == nil && lastRead.IsZero() {
		return chat.Missing("following")
	}
	t, err := s.chat.ChangeThread(r.Context(), a, id, chat.ThreadChange{Follow: in.Following, LastRead: lastRead})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewThread(t))
	return nil
}

// listMentions serves the messages that mention the caller, newest
// first, paged back with before=.
func (s *Server) listMentions(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	limit, before, err := backPage(r.URL.Query())
	if err != nil {
		return err
	}
	msgs, err := s.chat.Mentions(r.Context(), a, before, limit)
	if err != nil {
		return err
	}
	var next storage.ID
	if len(msgs) == limit {
		next = msgs[len(msgs)-1].ID
	}
	return s.writeNewestFirst(w, r, a, msgs, next, limit)
}
