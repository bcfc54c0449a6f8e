package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"time"

	"github.com/coder/websocket"
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
	typingEvery    = time.Second
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

// Publish encodes a domain event once and hands it to the hub with its
// audience. The appliance passes it to chat as its Notifier.
func (s *Server) Publish(e chat.Event) {
	he := hub.Event{
		Room:      e.ToRoom,
		Users:     e.ToUsers,
		Everyone:  e.Everyone,
		Admins:    e.Admins,
		CloseUser: e.CloseUser,
	}
	switch {
	case e.Message != nil:
		he.Data = encodeFrame(e.Name, viewMessage(*e.Message))
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
	case e.Typing != nil:
		he.Data = encodeFrame(e.Name, typingView{Room: optID(e.Typing.Room), Recipient: optID(e.Typing.Recipient), User: e.Typing.User, Username: e.Typing.Username})
		he.SkipUser = e.SkipUser
	}
	s.hub.Publish(he)
}

type typingView struct {
	Room      *storage.ID `json:"room,omitempty"`
	Recipient *storage.ID `json:"recipient,omitempty"`
	User      storage.ID  `json:"user"`
	Username  string      `json:"username"`
}

// streamAuth authenticates a stream: like any route, or by ?token= for
// clients that cannot set headers. It reports whether a cookie was used.
func (s *Server) streamAuth(r *http.Request) (chat.Actor, bool, error) {
	if tok := r.URL.Query().Get("token"); tok != "" {
		a, err := s.chat.TokenActor(r.Context(), tok)
		return a, false, err
	}
	if bearer(r) != "" {
		a, err := s.authenticate(r)
		return a, false, err
	}
	a, err := s.authenticate(r)
	return a, err == nil, err
}

// stream serves GET /api/stream: a WebSocket of events the caller may
// read, after a replay of what it missed since ?since=.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, _ chat.Actor) error {
	a, byCookie, err := s.streamAuth(r)
	if err != nil {
		return err
	}
	since, err := queryID(r.URL.Query(), "since")
	if err != nil {
		return err
	}
	rooms, err := s.streamRooms(r.Context(), a)
	if err != nil {
		return err
	}
	// The client is registered before the handshake completes, so that
	// once the peer sees the upgrade it misses no event published after.
	client := hub.NewClient(a.User.ID, a.IsAdmin(), rooms, !since.IsZero())
	s.hub.Register(client)
	defer s.hub.Unregister(client)
	// A user disabled, or a membership changed, between the reads above
	// and the registration announced it to no client of ours: read again
	// now that the hub applies such events to this client.
	if a, err = s.chat.Reauthenticate(r.Context(), a); err != nil {
		return err
	}
	if rooms, err = s.streamRooms(r.Context(), a); err != nil {
		return err
	}
	s.hub.Resubscribe(client, rooms)

	// A browser's cookie must come from our own pages (the library checks
	// Origin against Host); a token is no ambient credential, so any
	// origin may use one.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: !byCookie,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		// Accept has answered the request itself.
		return nil
	}
	s.streams.Add(1)
	defer s.streams.Done()
	conn.SetReadLimit(maxClientFrame)

	ctx := r.Context()
	if !since.IsZero() {
		if err := s.replay(ctx, conn, client, a, since); err != nil {
			logFor(r, s.log).Debug().Err(err).Msg("stream replay ended")
			conn.CloseNow()
			return nil
		}
	}
	// The library closes a connection at once when a Read's context ends;
	// the reader must outlive the server's shutdown signal so that the
	// writer can still send a proper "going away" close.
	readCtx, stopReading := context.WithCancel(context.WithoutCancel(ctx))
	defer stopReading()
	readDone := make(chan error, 1)
	go func() { readDone <- s.readStream(readCtx, conn, a) }()
	s.writeStream(ctx, conn, client, readDone)
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
	for _, m := range all {
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := conn.Write(wctx, websocket.MessageText, encodeFrame(chat.EventMessageCreated, viewMessage(m)))
		cancel()
		if err != nil {
			return err
		}
	}
	if !client.Release(sent) {
		return errors.New("too many events while replaying")
	}
	return nil
}

// writeStream sends queued events and pings until the client goes, is cut
// off, or the server shuts down.
func (s *Server) writeStream(ctx context.Context, conn *websocket.Conn, client *hub.Client, readDone <-chan error) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case data := <-client.Queue():
			if err := writeQueued(ctx, conn, client, data); err != nil {
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
			conn.Close(websocket.StatusPolicyViolation, "stream closed by the server (too slow, or the account was disabled)")
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

// writeQueued writes data and then whatever else is already queued, under
// one write deadline, so that a busy stream does not pay for a timer per
// event. It stops at an empty queue, or after a queue's worth of events
// so that pings and closes still get their turn.
func writeQueued(ctx context.Context, conn *websocket.Conn, client *hub.Client, data []byte) error {
	wctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	for n := 1; ; n++ {
		if err := conn.Write(wctx, websocket.MessageText, data); err != nil {
			return err
		}
		if n == hub.QueueSize {
			return nil
		}
		select {
		case data = <-client.Queue():
		default:
			return nil
		}
	}
}

var errBadFrame = errors.New("bad frame")

// readStream reads what the client sends: typing events. Anything that is
// not a JSON object, or is binary, ends the stream; unknown events are
// ignored so that newer clients do not break older servers.
func (s *Server) readStream(ctx context.Context, conn *websocket.Conn, a chat.Actor) error {
	var lastTyping time.Time
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
			} `json:"data"`
		}
		if typ != websocket.MessageText || json.Unmarshal(data, &in) != nil {
			return errBadFrame
		}
		if in.Event != chat.EventTyping || time.Since(lastTyping) < typingEvery {
			continue
		}
		lastTyping = time.Now()
		room, _ := in.Data.Room.get("room")
		recipient, _ := in.Data.Recipient.get("recipient")
		// A typing event the user may not send is dropped: typing is a
		// hint, not worth closing a stream over.
		_ = s.chat.Typing(ctx, a, room, recipient)
	}
}
