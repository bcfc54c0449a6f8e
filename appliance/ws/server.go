// Package ws serves WebSocket streams (RFC 6455) from the server to many
// clients at little cost per connection: an idle stream holds no
// goroutine and no buffer, only its socket and a small record.
//
// Upgrade answers the handshake and takes the connection from net/http;
// Server.Serve then owns it. Readiness to read is watched by one poller
// for every connection (epoll on Linux; elsewhere a goroutine per
// connection reads), and a short-lived goroutine reads what arrived.
// Writes are made by a goroutine that lives only while something is
// waiting: every message waiting goes out in one write, each still its
// own frame. A client that does not take a write within WriteWait, or
// does not answer a ping within PongWait, is gone.
package ws

import (
	"context"
	"net"
	"sync"
	"time"
)

// Stream is what a connection carries: the server's messages out and
// the client's in. Its methods are called from the connection's own
// goroutines, never two at once of Next/Written or of Receive.
type Stream interface {
	// Next returns the text messages waiting for the client, oldest
	// first, or, when the stream must end, the close code and reason to
	// send (messages then nil). Wake says when to ask again.
	Next() (msgs [][]byte, code int, reason string)
	// Written says that what Next returned has been written.
	Written()
	// Receive handles a text message from the client, which is only
	// valid during the call; an error closes the stream with 1003 and
	// the error's text.
	Receive(msg []byte) error
	// Ended is called once, when the connection has closed.
	Ended()
}

// Defaults of Options.
const (
	DefaultPingEvery = 30 * time.Second
	DefaultPongWait  = 10 * time.Second
	DefaultWriteWait = 10 * time.Second
	DefaultCloseWait = 2 * time.Second
)

// Options tune a Server.
type Options struct {
	// PingEvery is how long a connection may be quiet before it is
	// pinged, and PongWait how long the pong may take: a peer gone
	// without a word is found within their sum.
	PingEvery, PongWait time.Duration
	// WriteWait is how long one write may wait for the client.
	WriteWait time.Duration
	// CloseWait is how long a close handshake may take.
	CloseWait time.Duration
}

// Server holds the open connections.
type Server struct {
	o    Options
	poll *poller // nil: a goroutine per connection reads

	mu       sync.Mutex
	conns    map[*Conn]struct{}
	closing  bool
	sweeping bool
	expected int           // connections whose handshake is under way (Expect)
	emptied  chan struct{} // closed when the last connection goes (nil: no one waits)
}

// New returns a Server with no connections.
func New(o Options) *Server {
	if o.PingEvery <= 0 {
		o.PingEvery = DefaultPingEvery
	}
	if o.PongWait <= 0 {
		o.PongWait = DefaultPongWait
	}
	if o.WriteWait <= 0 {
		o.WriteWait = DefaultWriteWait
	}
	if o.CloseWait <= 0 {
		o.CloseWait = DefaultCloseWait
	}
	return &Server{o: o, poll: newPoller(), conns: map[*Conn]struct{}{}}
}

// Serve takes nc, upgraded by Upgrade with early the bytes that came
// after the handshake, and carries st on it until either side closes.
// During shutdown the connection is closed at once with 1001.
func (s *Server) Serve(nc net.Conn, early []byte, st Stream) *Conn {
	return s.serve(nc, early, st, 0, "")
}

// Expect says a connection is on its way to Serve or Refuse (its
// handshake, a replay, under way): Shutdown waits for it as for one
// served, so that it too is closed with 1001 before the process ends.
// Call done once it is served, or abandoned.
func (s *Server) Expect() (done func()) {
	s.mu.Lock()
	s.expected++
	s.mu.Unlock()
	return sync.OnceFunc(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.expected--
		s.signalEmpty()
	})
}

// Refuse takes nc like Serve but closes it at once with code and
// reason; what the client sends meanwhile is not read.
func (s *Server) Refuse(nc net.Conn, early []byte, code int, reason string) {
	s.serve(nc, early, refused{}, code, reason)
}

type refused struct{}

func (refused) Next() ([][]byte, int, string) { return nil, 0, "" }
func (refused) Written()                      {}
func (refused) Receive([]byte) error          { return nil }
func (refused) Ended()                        {}

func (s *Server) serve(nc net.Conn, early []byte, st Stream, code int, reason string) *Conn {
	_ = nc.SetDeadline(time.Time{})
	c := newConn(s, nc, st)
	s.mu.Lock()
	if s.closing && code == 0 {
		code, reason = CloseGoingAway, "server shutting down"
	}
	s.conns[c] = struct{}{}
	if !s.sweeping {
		s.sweeping = true
		go s.sweep()
	}
	s.mu.Unlock()
	if code != 0 {
		c.Close(code, reason) // before anything the client sent is read
	}
	if len(early) > 0 {
		c.received(early)
	}
	c.watch()
	return c
}

// Count returns the number of open connections.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Shutdown closes every connection with 1001 ("going away") and waits
// until their close handshakes end or ctx does, then drops the rest.
// Connections served meanwhile and afterwards are closed at once.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	s.closing = true
	list := s.list()
	s.mu.Unlock()
	for _, c := range list {
		c.Close(CloseGoingAway, "server shutting down")
	}
	for {
		s.mu.Lock()
		if len(s.conns) == 0 && s.expected == 0 {
			s.mu.Unlock()
			return
		}
		if s.emptied == nil {
			s.emptied = make(chan struct{})
		}
		emptied := s.emptied
		s.mu.Unlock()
		select {
		case <-emptied:
		case <-ctx.Done():
			s.mu.Lock()
			list = s.list()
			s.mu.Unlock()
			for _, c := range list {
				c.kill()
			}
			return
		}
	}
}

// list returns the open connections; s.mu is held.
func (s *Server) list() []*Conn {
	list := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		list = append(list, c)
	}
	return list
}

func (s *Server) forget(c *Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	s.signalEmpty()
}

// signalEmpty wakes Shutdown when no connection is left, served or
// expected; s.mu is held.
func (s *Server) signalEmpty() {
	if len(s.conns) == 0 && s.expected == 0 && s.emptied != nil {
		close(s.emptied)
		s.emptied = nil
	}
}

// sweep pings the connections that have been quiet for PingEvery and
// drops those whose pong is overdue or whose write has taken longer than
// WriteWait, while any are open.
func (s *Server) sweep() {
	tick := min(s.o.PingEvery, s.o.PongWait, s.o.WriteWait) / 4
	tick = max(10*time.Millisecond, min(tick, time.Second))
	t := time.NewTicker(tick)
	defer t.Stop()
	var dead, ping []*Conn
	for now := range t.C {
		dead, ping = dead[:0], ping[:0]
		s.mu.Lock()
		if len(s.conns) == 0 {
			s.sweeping = false
			s.mu.Unlock()
			return
		}
		for c := range s.conns {
			switch c.due(now) {
			case pingDue:
				ping = append(ping, c)
			case overdue:
				dead = append(dead, c)
			}
		}
		s.mu.Unlock()
		for _, c := range dead {
			c.kill()
		}
		for _, c := range ping {
			c.Wake()
		}
	}
}
