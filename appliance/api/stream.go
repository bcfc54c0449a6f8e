package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/coder/websocket"
	"github.com/makechat/makechat/appliance/auth"
	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/storage"
)

// Stream timings and limits.
const (
	pingEvery      = 30 * time.Second
	writeTimeout   = 10 * time.Second
	maxClientFrame = 4 << 10 // clients send only small typing events
	replayPerConv  = 1000    // messages replayed per conversation on ?since=
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
			he.Message = e.Message.ID
		}
	case e.Room != nil:
		he.Data = encodeFrame(e.Name, viewRoom(*e.Room))
		if e.Name == chat.EventRoomDeleted {
			he.DropRoom = e.Room.ID
		}
	case e.Member != nil:
		he.Data = encodeFrame(e.Name, viewMember(*e.Member))
		ms := &hub.Membership{User: e.Member.Profile, Room: e.Member.Room}
		switch e.Name {
		case chat.EventMemberAdded:
			he.Join = ms
		case chat.EventMemberRemoved:
			he.Leave = ms
		}
	case e.User != nil:
		he.Data = encodeFrame(e.Name, viewPersonAt(*e.User, e.At))
	case e.Thread != nil:
		he.Data = encodeFrame(e.Name, viewThread(*e.Thread))
	case e.Presence != nil:
		he.Data = encodeFrame(e.Name, map[string]any{"changes": mapSlice(e.Presence, viewPresence)})
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

// isUpgrade reports whether r asks for a WebSocket (RFC 6455: Connection
// holds the token "upgrade", Upgrade the token "websocket").
func isUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// closeStream ends an accepted stream with a policy close (1008) saying
// why: the server does not want it, and a reconnect needs a new reason.
func closeStream(conn *websocket.Conn, reason string) {
	conn.Close(websocket.StatusPolicyViolation, reason)
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
	if !isUpgrade(r) {
		// The library would answer in plain text; the API answers JSON.
		return errUpgradeRequired
	}
	rooms, err := s.streamRooms(r.Context(), a)
	if err != nil {
		return err
	}
	// The client is registered before the handshake completes, so that
	// once the peer sees the upgrade it misses no event published after.
	client := hub.NewClient(hub.ClientInfo{
		User: a.User.ID, Session: a.Session, Token: a.Token,
		Admin: a.IsAdmin(), Rooms: rooms, Hold: !since.IsZero(),
	})
	perUser := s.maxStreams
	if a.IsAdmin() {
		perUser = 0
	}
	registered := s.hub.Register(client, perUser)
	if registered {
		defer s.hub.Unregister(client)
		// A credential ended, an account disabled, or a membership or
		// role changed between the reads above and the registration
		// reached no client of ours: read again now that the hub applies
		// such events to this client.
		fresh, err := s.chat.Reauthenticate(r.Context(), a)
		if err != nil {
			return err
		}
		if fresh.IsAdmin() != a.IsAdmin() {
			s.hub.SetAdmin(client, fresh.IsAdmin())
		}
		a = fresh
		if rooms, err = s.streamRooms(r.Context(), a); err != nil {
			return err
		}
		s.hub.Resubscribe(client, rooms)
	}

	// The Origin was checked by streamAuth, with the scheme, which the
	// library's own check leaves out.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		// Accept has answered the request itself.
		return nil
	}
	s.streams.Add(1)
	defer s.streams.Done()
	if !registered {
		closeStream(conn, fmt.Sprintf("too many streams: at most %d per user", s.maxStreams))
		return nil
	}
	conn.SetReadLimit(maxClientFrame)

	ctx := r.Context()
	if !since.IsZero() {
		if err := s.replay(ctx, conn, client, a, since); err != nil {
			logFor(r, s.log).Debug().Err(err).Msg("stream replay ended")
			if errors.Is(err, errFellBehind) {
				closeStream(conn, hub.ReasonSlow)
			} else {
				conn.CloseNow()
			}
			return nil
		}
	}
	// The library closes a connection at once when a Read's context ends;
	// the reader must outlive the server's shutdown signal so that the
	// writer can still send a proper "going away" close.
	readCtx, stopReading := context.WithCancel(context.WithoutCancel(ctx))
	defer stopReading()
	readDone := make(chan error, 1)
	stream := s.streamSeq.Add(1)
	if s.viewer != nil {
		defer s.viewer.Closed(a.User.ID, stream)
	}
	if s.presence != nil {
		s.presence.Connected(a.User.ID)
		defer s.presence.Disconnected(a.User.ID)
	}
	go func() { readDone <- s.readStream(readCtx, conn, a, stream) }()
	s.writeStream(ctx, conn, client, a.SessionExpires, readDone)
	return nil
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
func (s *Server) replay(ctx context.Context, conn *websocket.Conn, client *hub.Client, a chat.Actor, since storage.ID) error {
	missed, err := s.chat.Replay(ctx, a, since, replayPerConv)
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
	for _, v := range views {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := conn.Write(wctx, websocket.MessageText, encodeFrame(chat.EventMessageCreated, v))
		cancel()
		if err != nil {
			return err
		}
	}
	if !s.hub.Release(client, sent) {
		return errFellBehind
	}
	return nil
}

// errFellBehind ends a replay whose live events outgrew the backlog.
var errFellBehind = errors.New("too many live events while replaying")

// writeStream sends queued events and pings until the client goes, is cut
// off, its session expires (at expires, if not zero), or the server
// shuts down.
func (s *Server) writeStream(ctx context.Context, conn *websocket.Conn, client *hub.Client, expires time.Time, readDone <-chan error) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	var expired <-chan time.Time
	if !expires.IsZero() {
		t := time.NewTimer(time.Until(expires))
		defer t.Stop()
		expired = t.C
	}
	for {
		select {
		case <-client.Ready():
			err := writeBatch(ctx, conn, client.Next(), min(writeTimeout, s.hub.MaxLag()))
			client.Written()
			if err != nil {
				conn.CloseNow()
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				// No pong in time: the peer is gone.
				conn.CloseNow()
				return
			}
		case <-client.Gone():
			closeStream(conn, client.Reason())
			return
		case <-expired:
			closeStream(conn, chat.ReasonSessionExpired)
			return
		case err := <-readDone:
			switch websocket.CloseStatus(err) {
			case websocket.StatusNormalClosure, websocket.StatusGoingAway:
				conn.Close(websocket.StatusNormalClosure, "")
			case websocket.StatusMessageTooBig:
				// The library has already answered with its own close.
				conn.CloseNow()
			default:
				if errors.Is(err, errBadFrame) {
					conn.Close(websocket.StatusUnsupportedData, "frames must be JSON events")
				} else {
					conn.CloseNow()
				}
			}
			return
		case <-ctx.Done():
			conn.Close(websocket.StatusGoingAway, "server shutting down")
			return
		}
	}
}

// writeBatch writes a batch of frames under one write deadline, so that
// a busy stream does not pay for a timer per event. A client that has
// not taken a batch within the hub's MaxLag is too slow: its stream is
// cut (with no close frame, which could not get through either), and it
// resumes with ?since= like any dropped client.
func writeBatch(ctx context.Context, conn *websocket.Conn, batch [][]byte, deadline time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	for _, data := range batch {
		if err := conn.Write(wctx, websocket.MessageText, data); err != nil {
			return err
		}
	}
	return nil
}

var errBadFrame = errors.New("bad frame")

// readStream reads what the client sends: typing events, and what its
// page shows (viewing: {"room" or "recipient", "visible"}), which the
// push sender reads. Anything that is not a JSON object, or is binary,
// ends the stream; unknown events are ignored so that newer clients do
// not break older servers.
func (s *Server) readStream(ctx context.Context, conn *websocket.Conn, a chat.Actor, stream uint64) error {
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var in struct {
			Event string `json:"event"`
			Data  struct {
				Room      idInput `json:"room"`
				Recipient idInput `json:"recipient"`
				Visible   bool    `json:"visible"`
			} `json:"data"`
		}
		if typ != websocket.MessageText || json.Unmarshal(data, &in) != nil {
			return errBadFrame
		}
		room, _ := in.Data.Room.get("room")
		recipient, _ := in.Data.Recipient.get("recipient")
		if s.presence != nil && (in.Event != eventViewing || in.Data.Visible) {
			s.presence.Active(a.User.ID) // any frame is activity, but a page being hidden
		}
		switch in.Event {
		case chat.EventTyping:
			// A typing event the user may not send, or sends too
			// often, is dropped: typing is a hint, not worth closing a
			// stream over.
			_ = s.chat.Typing(ctx, a, room, recipient)
		case eventViewing:
			if s.viewer != nil {
				s.viewer.Viewing(a.User.ID, stream, viewingKey(room, recipient), in.Data.Visible)
			}
		}
	}
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
