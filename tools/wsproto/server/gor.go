package main

// gor: own codec; the handler goroutine becomes the only per-stream
// goroutine and blocks reading a frame header into a 14-byte array (no
// buffer while idle; a payload buffer only while a frame is read).
// Writes (events, pings, close) are done by the caller - the hub's
// publisher or a shared sweeper - under the conn's mutex with a write
// deadline: all queued frames are appended into one buffer, one Write.
// Works the same for *net.TCPConn and *tls.Conn.

import (
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

type gconn struct {
	c        net.Conn
	wmu      sync.Mutex
	closed   bool
	lastPong atomic.Int64
	lastPing int64 // sweeper only
}

// send writes frames (already encoded texts) as one buffer: one write(2)
// on TCP, one TLS record (<=16 KiB) per write(2) on TLS.
func (g *gconn) send(op byte, msgs ...[]byte) error {
	var buf []byte
	for _, m := range msgs {
		buf = appendFrame(buf, op, m)
	}
	return g.sendRaw(buf)
}

func (g *gconn) sendRaw(buf []byte) error {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	if g.closed {
		return net.ErrClosed
	}
	g.c.SetWriteDeadline(time.Now().Add(*pongTO))
	_, err := g.c.Write(buf)
	return err
}

func (g *gconn) closeWith(code uint16, reason string) {
	g.wmu.Lock()
	if !g.closed {
		g.c.SetWriteDeadline(time.Now().Add(time.Second))
		g.c.Write(appendClose(nil, code, reason))
		g.closed = true
		// The reader sees the peer's close or EOF; don't wait for it.
		g.c.SetReadDeadline(time.Now().Add(time.Second))
	}
	g.wmu.Unlock()
}

type gorS struct {
	mu    sync.Mutex
	conns map[*gconn]struct{}
}

func newGor() *gorS {
	s := &gorS{conns: map[*gconn]struct{}{}}
	go s.sweep()
	return s
}

// sweep pings every stream each interval; one that has not answered the
// previous ping is dead (half-open).
func (s *gorS) sweep() {
	for range time.Tick(*pingIv) {
		s.mu.Lock()
		list := make([]*gconn, 0, len(s.conns))
		for g := range s.conns {
			list = append(list, g)
		}
		s.mu.Unlock()
		now := time.Now().UnixNano()
		for _, g := range list {
			if g.lastPing != 0 && g.lastPong.Load() < g.lastPing {
				g.c.Close()
				continue
			}
			g.lastPing = now
			if g.send(opPing, nil) != nil {
				g.c.Close()
			}
		}
	}
}

func (s *gorS) serve(w http.ResponseWriter, r *http.Request) {
	c, extra, err := upgrade(w, r)
	if err != nil {
		return
	}
	if len(extra) > 0 { // clients don't pipeline before the 101
		c.Close()
		return
	}
	g := &gconn{c: c}
	s.mu.Lock()
	s.conns[g] = struct{}{}
	s.mu.Unlock()
	nOpen.Add(1)
	done := func() {
		s.mu.Lock()
		delete(s.conns, g)
		s.mu.Unlock()
		nOpen.Add(-1)
		c.Close()
	}
	if *mode == "gorh" {
		// The handler goroutine reads: net/http's per-conn state
		// (bufio reader, response writer, request) stays reachable.
		defer done()
		s.read(g)
		return
	}
	// A fresh goroutine with a small stack reads; the handler returns so
	// net/http frees everything it held for the connection.
	go func() {
		defer done()
		s.read(g)
	}()
}

func (s *gorS) read(g *gconn) {
	var h [14]byte
	for {
		if _, err := io.ReadFull(g.c, h[:2]); err != nil {
			return
		}
		n, _, _, perr := parseFrame(h[:2]) // validates byte 0/1
		_ = n
		if perr != nil && perr != errTooBig {
			g.closeWith(1002, "protocol error")
			return
		}
		l, hl := int(h[1]&0x7F), 2
		if l == 126 {
			if _, err := io.ReadFull(g.c, h[2:4]); err != nil {
				return
			}
			l, hl = int(binary.BigEndian.Uint16(h[2:4])), 4
		}
		if l > maxClientFrame || h[1]&0x7F == 127 {
			g.closeWith(1009, "frame too big")
			return
		}
		if _, err := io.ReadFull(g.c, h[hl:hl+4]); err != nil {
			return
		}
		p := make([]byte, l)
		if _, err := io.ReadFull(g.c, p); err != nil {
			return
		}
		mask := h[hl : hl+4]
		for i := range p {
			p[i] ^= mask[i&3]
		}
		switch op := h[0] & 0x0F; op {
		case opText:
			// handle typing/viewing JSON here
		case opPing:
			g.send(opPong, p)
		case opPong:
			g.lastPong.Store(time.Now().UnixNano())
		case opClose:
			code := uint16(1000)
			if len(p) >= 2 {
				code = binary.BigEndian.Uint16(p)
			}
			_ = code
			g.closeWith(1000, "")
			return
		default:
			g.closeWith(1003, "frames must be JSON events")
			return
		}
	}
}

func (s *gorS) shutdown() {
	s.mu.Lock()
	list := make([]*gconn, 0, len(s.conns))
	for g := range s.conns {
		list = append(list, g)
	}
	s.mu.Unlock()
	for _, g := range list {
		g.closeWith(1001, "server shutting down")
		g.c.Close()
	}
}
