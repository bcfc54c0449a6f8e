package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/appliance/ws"
	"github.com/makechat/makechat/storage"
)

// Stream timings and limits.
const (
	writeTimeout  = 10 * time.Second
	replayPerConv = 1000 // messages replayed per conversation on ?since=
)

// frame is what the stream sends: {"event": ..., "data": ...}.
type frame struct {
	Event string `json:"event"`
	Data  any    `json:"data"`
}

// encodeFrame renders one event frame, spaced like every API answer.
func encodeFrame(event string, data any) []byte {
	b, err := json.Marshal(frame{event, data})
	if err != nil {
		// Only a programming error (an unencodable view) gets here.
		panic(err)
	}
	return pySpaced(b)
}

// HubEvent is what a domain event becomes for the streams: its frame,
// encoded once in the API's JSON shapes, with its audience and the
// changes to the streams it brings (memberships, endings, rights). The
// appliance feeds the chat service's events through it to the hub.
func HubEvent(e chat.Event) hub.Event {
	he := hub.Event{
		Room:     e.ToRoom,
		Users:    e.ToUsers,
		Everyone: e.Everyone,
		Admins:   e.Admins,
	}
	if end := e.End; end != nil {
		he.End = &hub.Ending{User: end.User, Session: end.Session, Token: end.Token, Reason: end.Reason}
	}
	if acc := e.Access; acc != nil {
		he.Access = &hub.Access{User: acc.User, Admin: acc.Admin}
	}
	switch {
	case e.Message != nil:
		v := viewMessage(*e.Message)
		v.DisplayName = e.DisplayName
		he.Data = encodeFrame(e.Name, v)
		if e.Name == chat.EventMessageCreated {
			he.Message, he.Sender = e.Message.ID, e.Message.Sender
		}
	case e.Room != nil:
		he.Data = encodeFrame(e.Name, viewRoom(*e.Room))
		he.Changed = &hub.Changed{Room: e.Room.ID}
		if e.Name == chat.EventRoomDeleted {
			he.DropRoom = e.Room.ID
		}
	case e.Member != nil:
		he.Data = encodeFrame(e.Name, viewMember(*e.Member))
		ms := &hub.Membership{User: e.Member.Profile, Room: e.Member.Room}
		he.Changed = &hub.Changed{Member: ms}
		switch e.Name {
		case chat.EventMemberAdded:
			he.Join = ms
		case chat.EventMemberRemoved:
			he.Leave = ms
		}
	case e.User != nil:
		he.Data = encodeFrame(e.Name, viewPersonAt(*e.User, e.At))
		he.Changed = &hub.Changed{User: e.User.ID}
	case e.Thread != nil:
		he.Data = encodeFrame(e.Name, viewThread(*e.Thread))
	case e.Presence != nil:
		he.Data = encodeFrame(e.Name, map[string]any{"changes": mapSlice(e.Presence, viewPresence)})
		he.Local = true // each node of a cluster flushes the merged view itself
	case e.Direct != nil:
		he.Data = encodeFrame(e.Name, viewDirect(*e.Direct, chat.Name{}))
	case e.Typing != nil:
		he.Data = encodeFrame(e.Name, typingView{Room: optID(e.Typing.Room), Recipient: optID(e.Typing.Recipient), User: e.Typing.User, Username: e.Typing.Username})
		he.SkipUser = e.SkipUser
	}
	return he
}

type typingView struct {
	Room      *storage.ID `json:"room,omitempty"`
	Recipient *storage.ID `json:"recipient,omitempty"`
	User      storage.ID  `json:"user"`
	Username  string      `json:"username"`
}

// streamAuth authenticates a stream: like any route, or by ?token= for
// clients that cannot set headers. A stream opened by cookie is a
// browser's: when it sends an Origin, that must be this server's own,
// scheme included (a page on http:// must not open the https:// site's
// stream with its cookie). A client that sends no Origin is no browser,
// so it cannot be a forged cross-site request.
func (s *Server) streamAuth(r *http.Request) (chat.Actor, error) {
	if tok := r.URL.Query().Get("token"); tok != "" {
		return s.chat.TokenActor(r.Context(), tok)
	}
	a, err := s.identify(r)
	if err != nil {
		return a, err
	}
	if bearer(r) == "" && r.Header.Get("Origin") != "" && !auth.SameOrigin(r, s.scheme(r)) {
		return chat.Actor{}, errCrossOrigin
	}
	return a, nil
}

// stream serves GET /api/stream: a WebSocket of events the caller may
// read, after a replay of what it missed since ?since=. The stream lives
// only as long as what authorised it: it ends when its session is logged
// out or expires, its token is revoked, or its account is disabled,
// deleted or given a new password; a change of the account's rights
// applies to it at once.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	a, err := s.streamAuth(r)
	if err != nil {
		return err
	}
	since, err := queryID(r.URL.Query(), "since")
	if err != nil {
		return err
	}
	if !ws.IsUpgrade(r) {
		return errUpgradeRequired
	}
	if ws.CheckHandshake(r) != nil {
		w.Header().Set("Sec-WebSocket-Version", "13")
		return errBadHandshake
	}
	rooms, err := s.streamRooms(r.Context(), a)
	if err != nil {
		return err
	}
	// The client is registered before the handshake completes, so that
	// once the peer sees the upgrade it misses no event published after.
	st := &stream{s: s, stream: s.streamSeq.Add(1)}
	client := hub.NewClient(hub.ClientInfo{
		User: a.User.ID, Session: a.Session, Token: a.Token,
		Admin: a.IsAdmin(), Rooms: rooms, Hold: !since.IsZero(), Wake: st.wake,
	})
	st.client = client
	perUser := s.maxStreams
	if a.IsAdmin() {
		perUser = 0
	}
	if !s.hub.Register(client, perUser) {
		if nc, early, err := ws.Upgrade(w, r); err == nil {
			s.ws.Refuse(nc, early, ws.ClosePolicy, fmt.Sprintf("too many streams: at most %d per user", s.maxStreams))
		}
		return nil
	}
	// A credential ended, an account disabled, or a membership or role
	// changed between the reads above and the registration reached no
	// client of ours: read again now that the hub applies such events to
	// this client.
	if a, err = s.streamAgain(r.Context(), client, a); err != nil {
		s.hub.Unregister(client)
		return err
	}
	st.actor = a
	s.serveStream(w, r, st, since)
	return nil
}

// serveStream upgrades r (its Origin was checked by streamAuth, with the
// scheme), replays what the client missed since since, and hands the
// stream to the WebSocket layer.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, st *stream, since storage.ID) {
	// A shutdown that begins meanwhile waits for this stream too, and
	// closes it with 1001 once served.
	defer s.ws.Expect()()
	client, a := st.client, st.actor
	nc, early, err := ws.Upgrade(w, r)
	if err != nil {
		s.hub.Unregister(client)
		logFor(r, s.log).Debug().Err(err).Msg("stream handshake failed")
		return
	}
	if !since.IsZero() {
		if err := s.replay(r.Context(), nc, client, a, since); err != nil {
			logFor(r, s.log).Debug().Err(err).Msg("stream replay ended")
			if !errors.Is(err, errFellBehind) {
				nc.Close()
				st.Ended()
				return
			}
			client.Cut(hub.ReasonSlow)
		}
	}
	if s.presence != nil {
		s.presence.Connected(a.User.ID)
	}
	st.served = true
	conn := s.ws.Serve(nc, early, st)
	st.conn.Store(conn)
	if !a.SessionExpires.IsZero() {
		st.mu.Lock()
		if !st.ended { // a session that expired meanwhile closes at once
			st.expiry = time.AfterFunc(time.Until(a.SessionExpires), func() { conn.Close(ws.ClosePolicy, chat.ReasonSessionExpired) })
		}
		st.mu.Unlock()
	}
	conn.Wake() // whatever came meanwhile
}

// streamAgain reads a's account, rights and rooms again once client is
// registered, and gives client what changed.
func (s *Server) streamAgain(ctx context.Context, client *hub.Client, a chat.Actor) (chat.Actor, error) {
	fresh, err := s.chat.Reauthenticate(ctx, a)
	if err != nil {
		return a, err
	}
	if fresh.IsAdmin() != a.IsAdmin() {
		s.hub.SetAdmin(client, fresh.IsAdmin())
	}
	rooms, err := s.streamRooms(ctx, fresh)
	if err != nil {
		return a, err
	}
	s.hub.Resubscribe(client, rooms)
	return fresh, nil
}

// streamRooms lists the rooms whose events a stream of a follows.
func (s *Server) streamRooms(ctx context.Context, a chat.Actor) ([]storage.ID, error) {
	convs, err := s.chat.Readable(ctx, a)
	if err != nil {
		return nil, err
	}
	var rooms []storage.ID
	for _, c := range convs {
		if !c.IsDirect() {
			rooms = append(rooms, c.Room)
		}
	}
	return rooms, nil
}

// replay sends the messages created after since, then lets the live
// events held meanwhile through, minus those the replay already sent.
// It writes on nc itself, before the stream is served.
//
// In a cluster the hub gets events in key order, and every message below
// the key delivered so far is stored: the replay reads up to that key and
// the live events give the rest, in order. The client got every message
// up to since on the node it came from, so those the hub delivers here
// only now are not given again.
func (s *Server) replay(ctx context.Context, nc net.Conn, client *hub.Client, a chat.Actor, since storage.ID) error {
	var upTo, seen storage.ID
	if s.delivered != nil {
		upTo, seen = s.delivered(), since
		if upTo.IsZero() {
			// Nothing delivered yet (the bus just started): nothing to
			// replay; a zero bound would mean none.
			upTo = storage.ID{11: 1}
		}
	}
	missed, err := s.chat.Replay(ctx, a, since, upTo, replayPerConv)
	if err != nil {
		return err
	}
	var all []storage.Message
	sent := map[storage.ID]struct{}{}
	for _, msgs := range missed {
		all = append(all, msgs...)
		for _, m := range msgs {
			sent[m.ID] = struct{}{}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID.Less(all[j].ID) })
	views, err := s.viewMessages(ctx, a, all)
	if err != nil {
		return err
	}
	var buf []byte
	for i, v := range views {
		buf = ws.AppendText(buf, encodeFrame(chat.EventMessageCreated, v))
		if len(buf) >= 64<<10 || i == len(views)-1 {
			_ = nc.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := nc.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if !s.hub.Release(client, sent, seen) {
		return errFellBehind
	}
	return nil
}

// errFellBehind ends a replay whose live events outgrew the backlog.
var errFellBehind = errors.New("too many live events while replaying")

var errBadFrame = errors.New("frames must be JSON events")

// stream is one open stream: the hub's client on a WebSocket.
type stream struct {
	s      *Server
	client *hub.Client
	actor  chat.Actor
	stream uint64 // its number, for the viewer
	served bool   // past its replay: presence and the viewer know it
	conn   atomic.Pointer[ws.Conn]

	// mu orders the end of the stream with what its client says and
	// with its session's expiry timer: nothing reaches the viewer after
	// Ended has told it the stream closed.
	mu     sync.Mutex
	ended  bool
	expiry *time.Timer
}

func (st *stream) wake() {
	if c := st.conn.Load(); c != nil {
		c.Wake()
	}
}

// Next gives the WebSocket the events waiting, or the policy close of a
// client the hub cut off.
func (st *stream) Next() ([][]byte, int, string) {
	select {
	case <-st.client.Gone():
		return nil, ws.ClosePolicy, st.client.Reason()
	default:
		return st.client.Next(), 0, ""
	}
}

func (st *stream) Written() { st.client.Written() }

// Ended forgets the stream everywhere.
func (st *stream) Ended() {
	s := st.s
	s.hub.Unregister(st.client)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.ended = true
	if st.expiry != nil {
		st.expiry.Stop()
	}
	if !st.served {
		return // ended during its replay
	}
	if s.viewer != nil {
		s.viewer.Closed(st.actor.User.ID, st.stream)
	}
	if s.presence != nil {
		s.presence.Disconnected(st.actor.User.ID)
	}
}

// Receive reads what the client sends: typing events, and what its page
// shows (viewing: {"room" or "recipient", "visible"}), which the push
// sender reads. Anything that is not a JSON object ends the stream;
// unknown events are ignored so that newer clients do not break older
// servers.
func (st *stream) Receive(data []byte) error {
	s, a := st.s, st.actor
	var in struct {
		Event string `json:"event"`
		Data  struct {
			Room      idInput `json:"room"`
			Recipient idInput `json:"recipient"`
			Visible   bool    `json:"visible"`
		} `json:"data"`
	}
	if json.Unmarshal(data, &in) != nil {
		return errBadFrame
	}
	room, _ := in.Data.Room.get("room")
	recipient, _ := in.Data.Recipient.get("recipient")
	if s.presence != nil && (in.Event != eventViewing || in.Data.Visible) {
		s.presence.Active(a.User.ID) // any frame is activity, but a page being hidden
	}
	switch in.Event {
	case chat.EventTyping:
		// A typing event the user may not send, or sends too often, is
		// dropped: typing is a hint, not worth closing a stream over.
		_ = s.chat.Typing(context.Background(), a, room, recipient)
	case eventViewing:
		st.mu.Lock()
		if s.viewer != nil && !st.ended {
			s.viewer.Viewing(a.User.ID, st.stream, viewingKey(room, recipient), in.Data.Visible)
		}
		st.mu.Unlock()
	}
	return nil
}

// eventViewing is what a client sends when its page shows another
// conversation, or is shown or hidden.
const eventViewing = "viewing"

// viewingKey is push.ConversationKey of what a client says it shows.
func viewingKey(room, recipient storage.ID) string {
	switch {
	case !room.IsZero():
		return "r" + room.Hex()
	case !recipient.IsZero():
		return "d" + recipient.Hex()
	}
	return ""
}
