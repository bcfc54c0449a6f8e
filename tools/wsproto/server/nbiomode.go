package main

// nbio: the std net/http server upgrades with nbio's Upgrader, which
// dups the hijacked *net.TCPConn's fd onto nbio's pollers
// (UpgradeAndTransferConnToPoller). A std *crypto/tls.Conn is NOT
// transferred: it falls into nbio's blocking mode (a goroutine per conn).

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"
)

type nbS struct {
	engine *nbhttp.Engine
	up     *websocket.Upgrader
	mu     sync.Mutex
	conns  map[*websocket.Conn]*nbState
}

type nbState struct {
	lastPong atomic.Int64
	lastPing int64
}

func newNbio() *nbS {
	s := &nbS{conns: map[*websocket.Conn]*nbState{}}
	s.engine = nbhttp.NewEngine(nbhttp.Config{Name: "ws", NPoller: 2, ReleaseWebsocketPayload: true, ReadLimit: maxClientFrame})
	if err := s.engine.Start(); err != nil {
		panic(err)
	}
	u := websocket.NewUpgrader()
	u.Engine = s.engine
	u.KeepaliveTime = 0 // we ping ourselves; no per-conn read deadline
	u.MessageLengthLimit = maxClientFrame
	u.CheckOrigin = func(*http.Request) bool { return true } // makechat checks with the scheme
	u.BlockingModTrasferConnToPoller = true
	u.OnMessage(func(c *websocket.Conn, t websocket.MessageType, data []byte) {
		// typing/viewing JSON
	})
	u.SetPongHandler(func(c *websocket.Conn, _ string) {
		if st, ok := c.Session().(*nbState); ok {
			st.lastPong.Store(time.Now().UnixNano())
		}
	})
	u.OnClose(func(c *websocket.Conn, err error) {
		s.mu.Lock()
		if _, ok := s.conns[c]; ok {
			delete(s.conns, c)
			nOpen.Add(-1)
		}
		s.mu.Unlock()
	})
	s.up = u
	go s.sweep()
	return s
}

func (s *nbS) serve(w http.ResponseWriter, r *http.Request) {
	c, err := s.up.UpgradeAndTransferConnToPoller(w, r, nil)
	if err != nil {
		return
	}
	st := &nbState{}
	c.SetSession(st)
	s.mu.Lock()
	s.conns[c] = st
	s.mu.Unlock()
	nOpen.Add(1)
}

// sendBatch: nbio's WriteMessage writes one frame per call; for one
// write(2) encode the frames yourself and write them to the nbio.Conn
// underneath (c.Conn, which also offers Writev).
func (s *nbS) sendBatch(c *websocket.Conn, msgs [][]byte) error {
	var buf []byte
	for _, m := range msgs {
		buf = appendFrame(buf, opText, m)
	}
	_, err := c.Conn.Write(buf)
	return err
}

func (s *nbS) sweep() {
	for range time.Tick(*pingIv) {
		now := time.Now().UnixNano()
		s.mu.Lock()
		list := make([]*websocket.Conn, 0, len(s.conns))
		for c := range s.conns {
			list = append(list, c)
		}
		s.mu.Unlock()
		for _, c := range list {
			st := c.Session().(*nbState)
			if st.lastPing != 0 && st.lastPong.Load() < st.lastPing {
				c.Close()
				continue
			}
			st.lastPing = now
			c.WriteMessage(websocket.PingMessage, nil)
		}
	}
}

func (s *nbS) shutdown() {
	s.mu.Lock()
	list := make([]*websocket.Conn, 0, len(s.conns))
	for c := range s.conns {
		list = append(list, c)
	}
	s.mu.Unlock()
	for _, c := range list {
		c.WriteClose(1001, "server shutting down")
		c.Close()
	}
}
