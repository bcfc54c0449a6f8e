package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/slack"
	"github.com/makechat/makechat/storage"
)

// messageView is a message as API.md shows it: room or recipient, and
// edited only once edited. Messages posted by a webhook carry its id and
// the name they were posted under, and their cards.
type messageView struct {
	ID        storage.ID  `json:"_id"`
	Text      string      `json:"text"`
	Sender    storage.ID  `json:"sender"`
	Room      *storage.ID `json:"room,omitempty"`
	Recipient *storage.ID `json:"recipient,omitempty"`
	Created   date        `json:"created"`
	Edited    *date       `json:"edited,omitempty"`
	Hook      *storage.ID `json:"hook,omitempty"`
	Username  string      `json:"username,omitempty"`
	// DisplayName is the sender's display name as it is now (see
	// viewMessages); a webhook's message has none.
	DisplayName string `json:"display_name,omitempty"`
	ClientID    string `json:"client_id,omitempty"`
	// Attachments are cards (storage.Attachment's shape, Slack's names);
	// Lead, with them, is the part of Text before the cards' plain
	// rendering: what a client that draws the cards shows as text.
	Attachments []storage.Attachment `json:"attachments,omitempty"`
	Lead        *string              `json:"lead,omitempty"`
	// Files are the uploads the message carries.
	Files []fileView `json:"files,omitempty"`
	// Preview is its first link's preview (not one its sender removed).
	Preview *storage.LinkPreview `json:"preview,omitempty"`
	// Reactions are its emoji, each with who put it on.
	Reactions []reactionView `json:"reactions,omitempty"`
	// Thread is the root of the thread a reply belongs to, InRoom says
	// it is also shown in its conversation, and Replies sums up a root's
	// replies.
	Thread  *storage.ID `json:"thread,omitempty"`
	InRoom  bool        `json:"in_room,omitempty"`
	Replies *replyView  `json:"replies,omitempty"`
}

func optID(id storage.ID) *storage.ID {
	if id.IsZero() {
		return nil
	}
	return &id
}

func viewMessage(m storage.Message) messageView {
	v := messageView{
		ID: m.ID, Text: m.Text, Sender: m.Sender,
		Room: optID(m.Room), Recipient: optID(m.Recipient),
		Created: date(m.Created), Edited: optDate(m.Edited),
		Hook: optID(m.Hook), Username: m.Username, ClientID: m.ClientID,
		Attachments: m.Attachments, Files: mapSlice(m.Files, viewFile),
		Reactions: viewReactions(m.Reactions),
		Thread:    optID(m.Thread), InRoom: m.InRoom, Replies: optReplies(m.Replies),
	}
	if m.Preview != nil && !m.Preview.Removed {
		v.Preview = m.Preview
	}
	if len(m.Attachments) > 0 {
		lead, _ := slack.Lead(m.Text, m.Attachments)
		v.Lead = &lead
	}
	return v
}

// viewMessages renders msgs with their senders' display names as they
// are now. The name is read when a message is shown, not stored with it:
// a user who changes its name changes it on everything it wrote, at the
// cost of one read per sender of a page; the caller's own is known.
func (s *Server) viewMessages(ctx context.Context, a chat.Actor, msgs []storage.Message) ([]messageView, error) {
	var others []storage.Message
	for _, m := range msgs {
		if m.Sender != a.User.ID {
			others = append(others, m)
		}
	}
	names, err := s.chat.SenderNames(ctx, others)
	if err != nil {
		return nil, err
	}
	if a.User.DisplayName != "" {
		names[a.User.ID] = a.User.DisplayName
	}
	out := make([]messageView, len(msgs))
	for i, m := range msgs {
		out[i] = viewMessage(m)
		if m.Hook.IsZero() {
			out[i].DisplayName = names[m.Sender]
		}
	}
	return out, nil
}

// writeMessage answers one message, as viewMessages shows it.
func (s *Server) writeMessage(ctx context.Context, w http.ResponseWriter, status int, a chat.Actor, m storage.Message) error {
	vs, err := s.viewMessages(ctx, a, []storage.Message{m})
	if err != nil {
		return err
	}
	writeJSON(w, status, vs[0])
	return nil
}

// writeMessages answers a list of messages, as viewMessages shows them.
func (s *Server) writeMessages(ctx context.Context, w http.ResponseWriter, a chat.Actor, msgs []storage.Message) error {
	vs, err := s.viewMessages(ctx, a, msgs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, vs)
	return nil
}

// idInput reads an id given in a JSON body as {"$oid": "..."} or as a
// plain string; anything else is an invalid parameter.
type idInput struct {
	set   bool
	valid bool
	id    storage.ID
}

func (in *idInput) UnmarshalJSON(b []byte) error {
	in.set = string(b) != "null"
	if !in.set {
		return nil
	}
	in.valid = in.id.UnmarshalJSON(b) == nil
	return nil
}

// get returns the id, or an error naming field if it was given badly.
func (in idInput) get(field string) (storage.ID, error) {
	if in.set && !in.valid {
		return storage.ID{}, chat.Invalid(field, "must be an ObjectId")
	}
	return in.id, nil
}

// queryID reads an optional id from the query string.
func queryID(q url.Values, name string) (storage.ID, error) {
	if !q.Has(name) {
		return storage.ID{}, nil
	}
	id, err := storage.ParseID(q.Get(name))
	if err != nil {
		return id, chat.Invalid(name, "must be an ObjectId")
	}
	return id, nil
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	var in struct {
		Room      idInput   `json:"room"`
		Recipient idInput   `json:"recipient"`
		Text      *string   `json:"text"`
		ClientID  *string   `json:"client_id"`
		Files     []idInput `json:"files"`
		Thread    idInput   `json:"thread"`
		InRoom    *bool     `json:"in_room"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.ClientID != nil && *in.ClientID == "" {
		return chat.Invalid("client_id", "must be 1 to 64 ASCII letters, digits, '-' or '_'")
	}
	room, err := in.Room.get("room")
	if err != nil {
		return err
	}
	recipient, err := in.Recipient.get("recipient")
	if err != nil {
		return err
	}
	files := make([]storage.ID, len(in.Files))
	for i, f := range in.Files {
		if files[i], err = f.get("files"); err != nil || files[i].IsZero() {
			return chat.Invalid("files", "must be a list of file ids")
		}
	}
	thread, err := in.Thread.get("thread")
	if err != nil {
		return err
	}
	n := chat.NewMessage{Room: room, Recipient: recipient, Text: deref(in.Text), ClientID: deref(in.ClientID), Files: files, Thread: thread, InRoom: deref(in.InRoom)}
	m, err := s.chat.Post(r.Context(), a, n)
	if err != nil {
		return err
	}
	return s.writeMessage(r.Context(), w, http.StatusCreated, a, m)
}

// removePreview takes the link preview off one's message.
func (s *Server) removePreview(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := storage.ParseID(r.PathValue("id"))
	if err != nil {
		return chat.ErrNoSuchMessage
	}
	m, err := s.chat.RemovePreview(r.Context(), a, id)
	if err != nil {
		return err
	}
	return s.writeMessage(r.Context(), w, http.StatusOK, a, m)
}

// listMessages serves a room's history (?room=), a direct conversation
// (?with=), a thread's replies (?thread=), or a search (?q=).
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	q := r.URL.Query()
	limit, before, err := backPage(q)
	if err != nil {
		return err
	}
	if q.Has("q") {
		// The next page may follow one that is not full (see chat.Search).
		found, err := s.chat.Search(r.Context(), a, q.Get("q"), before, limit)
		if err != nil {
			return err
		}
		return s.writeNewestFirst(w, r, a, found.Messages, found.Next, limit)
	}
	after, err := queryID(q, "after")
	if err != nil {
		return err
	}
	room, err := queryID(q, "room")
	if err != nil {
		return err
	}
	with, err := queryID(q, "with")
	if err != nil {
		return err
	}
	thread, err := queryID(q, "thread")
	if err != nil {
		return err
	}
	msgs, err := s.chat.History(r.Context(), a, chat.HistoryQuery{Room: room, With: with, Thread: thread, Before: before, After: after, Limit: limit})
	if err != nil {
		return err
	}
	if len(msgs) > 0 {
		// Oldest first: "prev" pages back in time, "next" forward.
		w.Header().Add("Link", cursorLink(r, "before", msgs[0].ID, limit, "prev"))
		if !after.IsZero() || !before.IsZero() {
			w.Header().Add("Link", cursorLink(r, "after", msgs[len(msgs)-1].ID, limit, "next"))
		}
	}
	return s.writeMessages(r.Context(), w, a, msgs)
}

// backPage reads the limit and the before cursor of a list.
func backPage(q url.Values) (limit int, before storage.ID, err error) {
	if limit, err = intParam(q, "limit", defaultLimit, 1, maxLimit); err != nil {
		return 0, storage.ID{}, err
	}
	before, err = queryID(q, "before")
	return limit, before, err
}

// writeNewestFirst writes a page of a list that goes back in time (search,
// mentions), with a Link to the older page from next when there is one.
func (s *Server) writeNewestFirst(w http.ResponseWriter, r *http.Request, a chat.Actor, msgs []storage.Message, next storage.ID, limit int) error {
	if !next.IsZero() {
		w.Header().Add("Link", cursorLink(r, "before", next, limit, "next"))
	}
	return s.writeMessages(r.Context(), w, a, msgs)
}

// cursorLink is a Link header entry for the same list from a cursor.
func cursorLink(r *http.Request, cursor string, id storage.ID, limit int, rel string) string {
	q := r.URL.Query()
	q.Del("before")
	q.Del("after")
	q.Del("offset")
	q.Set(cursor, id.Hex())
	q.Set("limit", strconv.Itoa(limit))
	return "<" + r.URL.Path + "?" + q.Encode() + `>; rel="` + rel + `"`
}

func (s *Server) editMessage(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "message")
	if err != nil {
		return err
	}
	var in struct {
		Text *string `json:"text"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m, err := s.chat.Edit(r.Context(), a, id, deref(in.Text))
	if err != nil {
		return err
	}
	return s.writeMessage(r.Context(), w, http.StatusOK, a, m)
}

// deleteMessage answers 200 with the deleted message (API.md).
func (s *Server) deleteMessage(w http.ResponseWriter, r *http.Request, a chat.Actor) error {
	id, err := pathID(r, "message")
	if err != nil {
		return err
	}
	m, err := s.chat.Delete(r.Context(), a, id)
	if err != nil {
		return err
	}
	return s.writeMessage(r.Context(), w, http.StatusOK, a, m)
}
