package ws

import (
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"
)

// Conn is one served connection.
type Conn struct {
	s       *Server
	nc      net.Conn
	st      Stream
	fd      int             // in the poller (-1: read by a goroutine of its own)
	rc      syscall.RawConn // its socket, when in the poller
	tcp     *net.TCPConn    // the TCP connection under nc (nil: none)
	overTLS bool

	// The reader's alone: a frame begun but not yet whole, and a
	// message begun in fragments (its opcode; 0: none).
	in    []byte
	msg   []byte
	msgOp byte

	mu          sync.Mutex
	ctl         []byte // control frames to send before anything else
	pong        []byte // the answer to the client's latest ping
	pongDue     bool
	dirty       bool // something may be waiting: the writer must look
	writing     bool // the writer goroutine runs
	reading     bool // a reader goroutine runs
	closeCode   int  // a close to send (0: none)
	closeReason string
	closeSent   bool
	peerClosed  bool // the client's close frame has come
	closed      bool
	pingAt      time.Time    // when the unanswered ping went (zero: none)
	writeSince  atomic.Int64 // when the write under way began (UnixNano; 0: none)
	quietSince  time.Time    // since when nothing was heard
	linger      *time.Timer
}

func newConn(s *Server, nc net.Conn, st Stream) *Conn {
	c := &Conn{s: s, nc: nc, st: st, fd: -1, quietSince: time.Now()}
	c.tcp, c.overTLS = underneath(nc)
	return c
}

// underneath is the TCP connection under nc (nil if there is none),
// found through any wrappers that say what they wrap with NetConn as
// tls.Conn does, and whether one of them is TLS.
func underneath(nc net.Conn) (tcp *net.TCPConn, overTLS bool) {
	for {
		if _, ok := nc.(*tls.Conn); ok {
			overTLS = true
		}
		w, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		nc = w.NetConn()
	}
	tcp, _ = nc.(*net.TCPConn)
	return tcp, overTLS
}

// Wake says that the stream may have messages waiting: the writer asks
// its Next. It never blocks.
func (c *Conn) Wake() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wakeLocked()
}

func (c *Conn) wakeLocked() {
	if c.closed || c.closeSent {
		return
	}
	c.dirty = true
	if !c.writing {
		c.writing = true
		go c.write()
	}
}

// Close sends the client a close frame with code and reason, after the
// control frames waiting but before any message, then waits CloseWait
// for the client's answer. The first close asked for is the one sent.
func (c *Conn) Close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeCode == 0 {
		c.closeCode, c.closeReason = code, reason
	}
	c.wakeLocked()
}

type due int

const (
	notDue due = iota
	pingDue
	overdue // a pong or a write: the client is gone
)

// due says whether c must be pinged, or is gone, at now; it queues the
// ping.
func (c *Conn) due(now time.Time) due {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch since := c.writeSince.Load(); {
	case c.closed:
		return notDue
	case since != 0 && now.UnixNano()-since > int64(c.s.o.WriteWait):
		return overdue // the client stopped reading
	case c.closeSent:
		return notDue
	case !c.pingAt.IsZero():
		if now.Sub(c.pingAt) > c.s.o.PongWait {
			return overdue
		}
	case now.Sub(c.quietSince) >= c.s.o.PingEvery:
		c.pingAt = now
		c.ctl = appendFrame(c.ctl, opPing, nil)
		return pingDue
	}
	return notDue
}

var writeBufs = sync.Pool{New: func() any { return new([]byte) }}

// write sends what is waiting until nothing is; it runs in its own
// goroutine, one at a time.
func (c *Conn) write() {
	bp := writeBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			writeBufs.Put(bp)
		}
	}()
	for {
		c.mu.Lock()
		if c.closed || c.closeSent || !c.dirty {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.dirty = false
		buf := append((*bp)[:0], c.ctl...)
		c.ctl = c.ctl[:0]
		if c.pongDue {
			buf = appendFrame(buf, opPong, c.pong)
			c.pongDue = false
		}
		code, reason := c.closeCode, c.closeReason
		c.mu.Unlock()

		var msgs [][]byte
		asked := code == 0
		if asked {
			msgs, code, reason = c.st.Next()
		}
		more := 2 + 125 // a close frame
		for _, m := range msgs {
			more += frameSize(m)
		}
		buf = slices.Grow(buf, more)
		for _, m := range msgs {
			buf = appendFrame(buf, opText, m)
		}
		if code != 0 {
			buf = appendClose(buf, code, reason)
		}
		*bp = buf
		var err error
		if len(buf) > 0 {
			// The sweeper cuts a write that takes longer than
			// WriteWait: cheaper than a deadline on every write.
			c.writeSince.Store(time.Now().UnixNano())
			_, err = c.nc.Write(buf)
			c.writeSince.Store(0)
		}
		if asked {
			c.st.Written()
		}
		if err != nil {
			c.kill() // no close frame could get through either
			return
		}
		if code != 0 {
			c.sentClose(code, reason)
			return
		}
	}
}

// sentClose ends the writing side: the connection closes when the
// client answers, or after CloseWait.
func (c *Conn) sentClose(code int, reason string) {
	c.mu.Lock()
	c.closeSent, c.writing = true, false
	if c.closeCode == 0 {
		c.closeCode, c.closeReason = code, reason
	}
	answered := c.peerClosed
	if !answered && !c.closed {
		c.linger = time.AfterFunc(c.s.o.CloseWait, c.kill)
	}
	c.mu.Unlock()
	if answered {
		c.kill()
		return
	}
	if c.tcp != nil && !c.overTLS {
		_ = c.tcp.CloseWrite()
	}
}

// received handles bytes read from the client.
func (c *Conn) received(data []byte) {
	if len(c.in) > 0 {
		c.in = append(c.in, data...)
		data = c.in
	}
	c.mu.Lock()
	c.quietSince, c.pingAt = time.Now(), time.Time{}
	c.mu.Unlock()
	for len(data) > 0 {
		n, fin, op, p, err := parseFrame(data)
		if err != nil {
			// What follows cannot be framed: it is dropped until the
			// client's FIN, or CloseWait, ends the connection. (Closing
			// at once would reset it, and the client could lose the
			// close frame that says why.)
			c.in = nil
			if errors.Is(err, errTooBig) {
				c.Close(CloseTooBig, "frame too big")
			} else {
				c.Close(CloseProtocol, "protocol error")
			}
			return
		}
		if n == 0 {
			break
		}
		data = data[n:]
		if !c.frame(fin, op, p) {
			c.in = nil
			return
		}
	}
	if len(data) > 0 {
		c.in = append([]byte(nil), data...)
	} else {
		c.in = nil
	}
}

// frame handles one client frame; false when nothing after it is read.
func (c *Conn) frame(fin bool, op byte, p []byte) bool {
	switch op {
	case opPing:
		// Only the latest ping is answered (RFC 6455 §5.5.3): a client
		// that pings and does not read queues one pong.
		c.mu.Lock()
		c.pong, c.pongDue = append(c.pong[:0], p...), true
		c.wakeLocked()
		c.mu.Unlock()
		return true
	case opPong:
		return true
	case opClose:
		c.mu.Lock()
		c.peerClosed = true
		sent := c.closeSent
		c.mu.Unlock()
		switch code := checkClose(p); {
		case sent:
			c.kill()
		case code != 0:
			c.Close(code, "bad close frame")
		default:
			c.Close(CloseNormal, "")
		}
		return false
	}
	// A message, whole or in fragments.
	switch {
	case op == opContinue && c.msgOp == 0, op != opContinue && c.msgOp != 0:
		c.Close(CloseProtocol, "protocol error")
		return false
	case op != opContinue && fin:
		return c.message(op, p)
	case len(c.msg)+len(p) > MaxClientFrame:
		c.Close(CloseTooBig, "message too big")
		return false
	case op != opContinue:
		c.msgOp, c.msg = op, append(c.msg[:0], p...)
		return true
	}
	c.msg = append(c.msg, p...)
	if !fin {
		return true
	}
	op, p = c.msgOp, c.msg
	c.msgOp, c.msg = 0, nil
	return c.message(op, p)
}

// message hands a whole client message to the stream while the
// connection is open and not closing (after that, messages are dropped
// while the reader waits for the client's close frame); false when the
// message closes the connection.
func (c *Conn) message(op byte, p []byte) bool {
	c.mu.Lock()
	open := !c.closed && c.closeCode == 0
	c.mu.Unlock()
	switch {
	case !open:
		return true
	case op == opBinary:
		c.Close(CloseUnsupported, "binary frames are not accepted")
	case !utf8.Valid(p):
		c.Close(CloseInvalidData, "text must be UTF-8")
	default:
		if err := c.st.Receive(p); err != nil {
			c.Close(CloseUnsupported, err.Error())
		}
	}
	return true
}

// kill closes the connection at once, without a close frame.
func (c *Conn) kill() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.ctl = nil
	if c.linger != nil {
		c.linger.Stop()
	}
	c.unwatchLocked()
	c.mu.Unlock()
	c.nc.Close()
	c.s.forget(c)
	c.st.Ended()
}

// readLoop reads in a goroutine of its own: where there is no poller.
func (c *Conn) readLoop() {
	buf := make([]byte, 16<<10)
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			c.received(buf[:n])
		}
		if err != nil {
			c.kill()
			return
		}
	}
}

var readBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// tlsDrain is how long a read through crypto/tls waits once the socket
// is drained: a record that arrived in part stays buffered in the
// tls.Conn, and a timeout does not break it.
const tlsDrain = 2 * time.Millisecond

// readReady reads what the poller saw arrive, then asks it to watch
// again; it runs in a short-lived goroutine of its own.
func (c *Conn) readReady() {
	c.mu.Lock()
	busy := c.reading || c.closed
	c.reading = true
	c.mu.Unlock()
	if busy {
		return // a stale event: the reader at work arms again
	}
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	for {
		var n int
		var err error
		if c.overTLS {
			_ = c.nc.SetReadDeadline(time.Now().Add(tlsDrain))
			n, err = c.nc.Read(*bp)
		} else {
			n, err = c.readNow(*bp)
		}
		if n > 0 {
			c.received((*bp)[:n])
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errWouldBlock) {
			break
		}
		if err != nil {
			c.kill()
			return
		}
		if !c.overTLS && n < len(*bp) {
			break
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reading = false
	if !c.closed {
		c.rearmLocked()
	}
}
