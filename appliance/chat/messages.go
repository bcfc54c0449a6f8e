package chat

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/makechat/makechat/storage"
)

// Limits on messages and their lists.
const (
	MaxTextChars  = 10_000
	DefaultLimit  = 25
	MaxLimit      = 100
	maxUnread     = 1000 // unread counts stop here ("999+" in a client)
	maxMentionRun = 200  // unread messages scanned for mentions
)

// NewMessage is a message to post: to a room, or to a user.
type NewMessage struct {
	Room      storage.ID
	Recipient storage.ID
	Text      string
	// ClientID, if set, makes the post idempotent: posting again with
	// the same one (a client resending what it is not sure was stored)
	// gives the message stored the first time.
	ClientID string
	// Attachments are cards (a command's answer posted in the room);
	// the API does not take them from users.
	Attachments []storage.Attachment
	// Files are uploads of the sender's (see Upload) that the message
	// carries; with them the text may be empty.
	Files []storage.ID
	// Thread makes the message a reply in the thread of that message
	// (see threads.go); Room and Recipient may then be left out. InRoom
	// also shows the reply in the conversation.
	Thread storage.ID
	InRoom bool
}

func checkText(text string) error {
	if text == "" {
		return Missing("text")
	}
	if !utf8.ValidString(text) {
		return ErrTextNotUTF8
	}
	if utf8.RuneCountInString(text) > MaxTextChars {
		return ErrTextTooLong
	}
	if strings.TrimFunc(text, unicode.IsSpace) == "" {
		return ErrTextBlank
	}
	return nil
}

// Post stores a message and announces it. The room's members, not its
// guests, may post in a room; any user may message another user. Once
// Post returns, the message is durable.
//
// With a ClientID the sender used before, Post stores nothing and returns
// that first message, whatever has changed since (the sender may have
// left the room), so that a resend gets the answer the first post would
// have had; if it was for another conversation or another text, the
// ClientID was reused by mistake, which is ErrClientIDReused.
func (s *Service) Post(ctx context.Context, a Actor, n NewMessage) (storage.Message, error) {
	if n.Text != "" || len(n.Files) == 0 {
		if err := checkText(n.Text); err != nil {
			return storage.Message{}, err
		}
	}
	if n.ClientID != "" {
		if err := checkClientID(n.ClientID); err != nil {
			return storage.Message{}, err
		}
	}
	var root storage.Message
	if !n.Thread.IsZero() {
		var err error
		if root, err = s.replyTarget(ctx, a, &n); err != nil {
			return storage.Message{}, err
		}
		n.Thread = root.ID
	}
	if n.ClientID != "" {
		if m, err := s.posted(ctx, a, n); !errors.Is(err, storage.ErrNotFound) {
			return m, err
		}
	}
	// The sender's name goes with the message, so that a client can name
	// a sender who has since left, or whom it knows from nowhere else.
	m := storage.Message{Text: n.Text, Sender: a.User.ID, Username: a.User.Username, ClientID: n.ClientID, Attachments: n.Attachments, Thread: n.Thread, InRoom: n.InRoom && !n.Thread.IsZero()}
	switch {
	case !n.Room.IsZero() && !n.Recipient.IsZero():
		return storage.Message{}, ErrRoomAndRecipient
	case !n.Room.IsZero():
		if err := s.mayWrite(ctx, a, n.Room); err != nil {
			return storage.Message{}, err
		}
		m.Room = n.Room
	case !n.Recipient.IsZero():
		if n.Recipient == a.User.ID {
			return storage.Message{}, ErrRecipientSelf
		}
		if _, err := s.store.User(ctx, n.Recipient); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return storage.Message{}, ErrNoSuchRecipient
			}
			return storage.Message{}, storeErr(err, "user")
		}
		m.Recipient = n.Recipient
	default:
		return storage.Message{}, Missing("room")
	}
	if len(n.Files) > 0 {
		files, err := s.attachable(ctx, a, n.Files)
		if err != nil {
			return storage.Message{}, err
		}
		m.Files = files
	}
	if err := s.takePost(a); err != nil {
		return storage.Message{}, err
	}
	stored, err := s.store1(ctx, m, a.User.DisplayName)
	if err == nil {
		s.previewLater(stored)
		if stored.IsReply() {
			if ferr := s.followReply(ctx, root, stored); ferr != nil && s.opts.Warn != nil {
				s.opts.Warn("following thread "+root.ID.Hex(), ferr)
			}
		}
	}
	if len(n.Files) > 0 && errors.Is(err, storage.ErrNotFound) {
		// A file taken by another post meanwhile, or the room deleted.
		if _, ferr := s.attachable(ctx, a, n.Files); ferr != nil {
			return storage.Message{}, ferr
		}
	}
	if n.ClientID != "" && errors.Is(err, storage.ErrDuplicate) {
		// Another post with this ClientID got there first.
		return s.posted(ctx, a, n)
	}
	return stored, err
}

// posted finds the message the actor posted with n.ClientID: it is
// storage.ErrNotFound (bare) when there is none, ErrClientIDReused when
// it is not n's.
func (s *Service) posted(ctx context.Context, a Actor, n NewMessage) (storage.Message, error) {
	m, err := s.store.MessageByClientID(ctx, a.User.ID, n.ClientID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.Message{}, storage.ErrNotFound
	case err != nil:
		return storage.Message{}, storeErr(err, "message")
	case m.Room != n.Room || m.Recipient != n.Recipient || m.Thread != n.Thread || m.Text != n.Text && m.Edited.IsZero():
		return storage.Message{}, ErrClientIDReused
	}
	return m, nil
}

// ChargePost spends one of user's posts for a message it posted on
// another node of the cluster, so that posting through several nodes
// gets no more than through one.
func (s *Service) ChargePost(user storage.ID) { s.posts.Charge(user.Hex()) }

// takePost spends one of the actor's posts (posts_per_second and
// post_burst); administrators, and with them their bots and the load
// tool, are exempt.
func (s *Service) takePost(a Actor) error {
	if a.IsAdmin() {
		return nil
	}
	if ok, wait := s.posts.Take(a.User.ID.Hex()); !ok {
		return retryAfter(ErrPostingTooFast, wait)
	}
	return nil
}

// store1 gives m its id and place in line, stores it, and releases its
// event in order; displayName is its sender's (see Event.DisplayName).
func (s *Service) store1(ctx context.Context, m storage.Message, displayName string) (storage.Message, error) {
	conv := m.Conversation()
	id, slot := s.seq.take(conv, true)
	m.ID, m.Created = id, s.clock()
	if err := s.store.CreateMessage(ctx, m); err != nil {
		s.seq.finish(conv, slot)
		if m.ClientID != "" && errors.Is(err, storage.ErrDuplicate) {
			return storage.Message{}, err // for Post, which finds the first
		}
		if m.IsReply() && errors.Is(err, storage.ErrNotFound) {
			return storage.Message{}, ErrNoSuchMessage // the root, deleted meanwhile
		}
		return storage.Message{}, storeErr(err, "room")
	}
	s.seq.finish(conv, slot, s.messageEvent(EventMessageCreated, m, displayName))
	return m, nil
}

// messageEvent is the event name of m, whose sender's display name is
// displayName; a caller that must read it does so before it takes its
// place in line, so that the line waits for no read.
// CreatedEvent is the message.created event of a stored message, as its
// post emitted it: a cluster's node gives it to its streams when the node
// that stored it died before sending it.
func (s *Service) CreatedEvent(ctx context.Context, m storage.Message) Event {
	name := ""
	if m.Hook.IsZero() {
		if u, err := s.store.User(ctx, m.Sender); err == nil {
			name = u.DisplayName
		}
	}
	return s.messageEvent(EventMessageCreated, m, name)
}

func (s *Service) messageEvent(name string, m storage.Message, displayName string) Event {
	if !m.Hook.IsZero() {
		displayName = ""
	}
	e := Event{Name: name, Message: &m, DisplayName: displayName}
	if m.Room.IsZero() {
		e.ToUsers = []storage.ID{m.Sender, m.Recipient}
	} else {
		e.ToRoom = m.Room
	}
	return e
}

// mayWrite checks that the actor may post in a room: it must see the
// room (else not found) and be a member that is not a guest.
func (s *Service) mayWrite(ctx context.Context, a Actor, room storage.ID) error {
	if _, err := s.Room(ctx, a, room); err != nil {
		return err
	}
	m, err := s.store.MemberOf(ctx, room, a.User.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrJoinToPost
	}
	if err != nil {
		return storeErr(err, "member")
	}
	if m.Role == storage.RoleGuest {
		return ErrGuestsCannotPost
	}
	return nil
}

// mayRead checks that the actor may read a room: its members (guests
// too), administrators, and anyone for a room that is both open and
// visible. Others get not found for hidden rooms, forbidden otherwise.
func (s *Service) mayRead(ctx context.Context, a Actor, room storage.ID) error {
	r, err := s.Room(ctx, a, room)
	if err != nil {
		return err
	}
	if a.IsAdmin() || r.IsOpen && r.IsVisible {
		return nil
	}
	if _, err := s.store.MemberOf(ctx, room, a.User.ID); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return ErrMembersReadOnly
		}
		return storeErr(err, "member")
	}
	return nil
}

// HistoryQuery selects messages of a room or of the actor's direct
// conversation With another user.
//
// With Thread, the replies of that message's thread (or, if it is a
// reply, of its root's), whatever Room and With say.
type HistoryQuery struct {
	Room   storage.ID
	With   storage.ID
	Thread storage.ID
	Before storage.ID
	After  storage.ID
	Limit  int
}

// History returns messages oldest first, as q selects.
func (s *Service) History(ctx context.Context, a Actor, q HistoryQuery) ([]storage.Message, error) {
	var conv storage.Conversation
	switch {
	case !q.Thread.IsZero():
		root, err := s.threadRoot(ctx, a, q.Thread)
		if err != nil {
			return nil, err
		}
		conv, q.Thread = root.Conversation(), root.ID
	case !q.Room.IsZero():
		if err := s.mayRead(ctx, a, q.Room); err != nil {
			return nil, err
		}
		conv = storage.RoomConversation(q.Room)
	case !q.With.IsZero():
		if q.With == a.User.ID {
			return nil, ErrWithSelf
		}
		conv = storage.DirectConversation(a.User.ID, q.With)
	default:
		return nil, Missing("room")
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	msgs, err := s.store.Messages(ctx, conv, storage.MessageQuery{Before: q.Before, After: q.After, Limit: q.Limit, Thread: q.Thread})
	return msgs, storeErr(err, "message")
}

// Edit changes the text of one's own message and announces it.
func (s *Service) Edit(ctx context.Context, a Actor, id storage.ID, text string) (storage.Message, error) {
	if err := checkText(text); err != nil {
		return storage.Message{}, err
	}
	m, err := s.readableMessage(ctx, a, id)
	if err != nil {
		return storage.Message{}, err
	}
	if m.Sender != a.User.ID || !m.Hook.IsZero() {
		return storage.Message{}, ErrSenderEditsOnly
	}
	conv := m.Conversation()
	_, slot := s.seq.take(conv, false)
	m, err = s.store.EditMessage(ctx, id, text, s.clock())
	if err != nil {
		s.seq.finish(conv, slot)
		return storage.Message{}, storeErr(err, "message")
	}
	s.seq.finish(conv, slot, s.messageEvent(EventMessageUpdated, m, a.User.DisplayName))
	return m, nil
}

// Delete removes a message: its sender, its room's owners and the
// administrators may.
func (s *Service) Delete(ctx context.Context, a Actor, id storage.ID) (storage.Message, error) {
	m, err := s.readableMessage(ctx, a, id)
	if err != nil {
		return storage.Message{}, err
	}
	if m.Sender != a.User.ID || !m.Hook.IsZero() {
		if m.Room.IsZero() && !a.IsAdmin() {
			return storage.Message{}, ErrDirectDeleteDenied
		}
		if !m.Room.IsZero() {
			if err := s.mayManage(ctx, a, m.Room); err != nil {
				return storage.Message{}, ErrRoomDeleteDenied
			}
		}
	}
	name := s.senderName(ctx, m)
	conv := m.Conversation()
	_, slot := s.seq.take(conv, false)
	if err := s.store.DeleteMessage(ctx, id); err != nil {
		s.seq.finish(conv, slot)
		return storage.Message{}, storeErr(err, "message")
	}
	s.seq.finish(conv, slot, s.messageEvent(EventMessageDeleted, m, name))
	return m, nil
}

// readableMessage finds a message the actor may read; others are not
// found.
func (s *Service) readableMessage(ctx context.Context, a Actor, id storage.ID) (storage.Message, error) {
	m, err := s.store.Message(ctx, id)
	if err != nil {
		return storage.Message{}, storeErr(err, "message")
	}
	if err := s.mayReadMessage(ctx, a, m); err != nil {
		return storage.Message{}, err
	}
	return m, nil
}

// mayReadMessage checks that the actor may read m: a direct message's
// two users and the administrators, or whoever may read m's room.
func (s *Service) mayReadMessage(ctx context.Context, a Actor, m storage.Message) error {
	if m.Room.IsZero() {
		if m.Sender != a.User.ID && m.Recipient != a.User.ID && !a.IsAdmin() {
			return ErrNoSuchMessage
		}
		return nil
	}
	if err := s.mayRead(ctx, a, m.Room); err != nil {
		return ErrNoSuchMessage
	}
	return nil
}

// Readable lists the conversations the actor follows: its rooms and its
// direct conversations. Search and stream replay cover these.
func (s *Service) Readable(ctx context.Context, a Actor) ([]storage.Conversation, error) {
	ms, err := s.store.MembershipsOf(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "member")
	}
	partners, err := s.store.DirectPartners(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "message")
	}
	convs := make([]storage.Conversation, 0, len(ms)+len(partners))
	for _, m := range ms {
		convs = append(convs, storage.RoomConversation(m.Room))
	}
	for _, p := range partners {
		convs = append(convs, storage.DirectConversation(a.User.ID, p))
	}
	return convs, nil
}

// Search finds the messages that q asks for (words and filters, see
// searchquery.go) in the actor's rooms and direct conversations, or in
// the one conversation its in: names, newest first; before pages back.
// The result's Next is the before of the next page, if there may be one:
// a search with filters examines a bounded number of messages per call
// (storage.DefaultScan), so a page may hold fewer than limit messages,
// even none, and still be followed by another.
func (s *Service) Search(ctx context.Context, a Actor, q string, before storage.ID, limit int) (storage.SearchResult, error) {
	none := storage.SearchResult{Messages: []storage.Message{}}
	if strings.TrimSpace(q) == "" {
		return none, Missing("q")
	}
	if len(q) > 1000 || !utf8.ValidString(q) {
		return none, ErrQueryTooLong
	}
	p, err := parseSearch(q)
	if err != nil {
		return none, err
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	sq, ok, err := s.storeQuery(ctx, a, p, before, limit)
	if err != nil || !ok {
		return none, err
	}
	res, err := s.store.SearchMessages(ctx, sq)
	return res, storeErr(err, "message")
}

// Replay returns, per conversation the actor follows, the messages
// created after since (at most perConv each, oldest first), for a stream
// that reconnects.
func (s *Service) Replay(ctx context.Context, a Actor, since, before storage.ID, perConv int) (map[storage.Conversation][]storage.Message, error) {
	convs, err := s.Readable(ctx, a)
	if err != nil {
		return nil, err
	}
	out := map[storage.Conversation][]storage.Message{}
	for _, c := range convs {
		msgs, err := s.store.Messages(ctx, c, storage.MessageQuery{After: since, Before: before, Limit: perConv, AllReplies: true})
		if err != nil {
			return nil, storeErr(err, "message")
		}
		if len(msgs) > 0 {
			out[c] = msgs
		}
	}
	return out, nil
}

// Unread is a member's unread state in one room.
type Unread struct {
	Count    int
	Mentions int
	Muted    bool // the actor muted the room
	// Notify and MutedUntil are the actor's notification settings there
	// (Notify "" for the default).
	Notify     string
	MutedUntil time.Time
}

// Unread counts the messages after the actor's read marker in each of
// the given rooms it belongs to, and those among them that mention it,
// and says which of them it muted, and its notification settings there.
func (s *Service) Unread(ctx context.Context, a Actor, rooms []storage.Room) (map[storage.ID]Unread, error) {
	out := map[storage.ID]Unread{}
	mention := "@" + strings.ToLower(a.User.Username)
	// One read of the actor's memberships serves every room of the page.
	ms, err := s.store.MembershipsOf(ctx, a.User.ID)
	if err != nil {
		return nil, storeErr(err, "member")
	}
	byRoom := make(map[storage.ID]storage.Member, len(ms))
	for _, m := range ms {
		byRoom[m.Room] = m
	}
	for _, r := range rooms {
		m, ok := byRoom[r.ID]
		if !ok {
			continue
		}
		u, err := s.unreadIn(ctx, a, storage.RoomConversation(r.ID), m.LastRead, mention)
		if err != nil {
			return nil, err
		}
		u.Muted, u.Notify, u.MutedUntil = m.Muted, m.Notify, m.MutedUntil
		out[r.ID] = u
	}
	return out, nil
}

// unreadIn counts the messages others wrote in conv after lastRead, and
// those among them that mention the actor. The actor's own messages are
// not unread to it: they are left out of the count when there are at
// most maxMentionRun, which are read anyway for the mentions (past that,
// the count is of every message, which is what "999+" needs).
func (s *Service) unreadIn(ctx context.Context, a Actor, conv storage.Conversation, lastRead storage.ID, mention string) (Unread, error) {
	n, err := s.store.CountMessagesAfter(ctx, conv, lastRead, maxUnread)
	if err != nil {
		return Unread{}, storeErr(err, "message")
	}
	u := Unread{Count: n}
	if n == 0 {
		return u, nil
	}
	msgs, err := s.store.Messages(ctx, conv, storage.MessageQuery{After: lastRead, Limit: maxMentionRun})
	if err != nil {
		return Unread{}, storeErr(err, "message")
	}
	for _, msg := range msgs {
		switch {
		case msg.Sender == a.User.ID && msg.Hook.IsZero():
			if n <= maxMentionRun {
				u.Count--
			}
		case mentions(msg.Text, mention):
			u.Mentions++
		}
	}
	return u, nil
}

// mentions reports whether text names the user: "@name" not followed by
// another username character.
func mentions(text, at string) bool {
	lower := strings.ToLower(text)
	for i := strings.Index(lower, at); i >= 0; {
		end := i + len(at)
		if end == len(lower) || !isUsernameByte(lower[end]) {
			return true
		}
		next := strings.Index(lower[end:], at)
		if next < 0 {
			return false
		}
		i = end + next
	}
	return false
}

func isUsernameByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// Typing announces that the actor is typing in a room it may write in, or
// to another user. A user's typing events are limited across all its
// streams (typing_per_second); administrators are exempt.
func (s *Service) Typing(ctx context.Context, a Actor, room, recipient storage.ID) error {
	if !a.IsAdmin() {
		if ok, wait := s.typing.Take(a.User.ID.Hex()); !ok {
			return retryAfter(ErrTypingTooOften, wait)
		}
	}
	t := &Typing{Room: room, Recipient: recipient, User: a.User.ID, Username: a.User.Username}
	e := Event{Name: EventTyping, Typing: t, SkipUser: a.User.ID}
	switch {
	case !room.IsZero():
		if err := s.mayWrite(ctx, a, room); err != nil {
			return err
		}
		e.ToRoom = room
	case !recipient.IsZero() && recipient != a.User.ID:
		e.ToUsers = []storage.ID{recipient}
	default:
		return Missing("room")
	}
	s.notify(e)
	return nil
}
