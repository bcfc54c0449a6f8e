package main

// epoll: own codec; after the handshake the socket is dup'd off Go's
// netpoller (the net.Conn is closed) and registered with our own epoll.
// Per idle stream: a small struct + map entry; no goroutine, no buffer.
// Reads go into one buffer per poller; a partial frame is copied aside.
// Writes are direct non-blocking write(2)s of one buffer with all
// frames; a remainder (EAGAIN) is kept and flushed on EPOLLOUT.
// Plain TCP only: a *tls.Conn cannot be driven this way.

import (
	"crypto/tls"
	"encoding/binary"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

type econn struct {
	fd       int
	p        *poller
	mu       sync.Mutex
	in       []byte // partial client frame, nil while idle
	out      []byte // unsent remainder, nil while idle
	closed   bool
	lastPong atomic.Int64
	lastPing int64
	tc       *tls.Conn // TLS: crypto/tls reads/writes, epoll only for readiness
	reading  atomic.Bool
}

type poller struct {
	epfd int
	mu   sync.RWMutex
	fds  map[int]*econn
}

type epollS struct {
	ps []*poller
	rr atomic.Uint32
}

const maxPending = 4 << 20

func newEpoll() *epollS {
	s := &epollS{}
	for i := 0; i < runtime.GOMAXPROCS(0); i++ {
		epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			panic(err)
		}
		p := &poller{epfd: epfd, fds: map[int]*econn{}}
		s.ps = append(s.ps, p)
		go p.loop()
	}
	go s.sweep()
	return s
}

func (s *epollS) serve(w http.ResponseWriter, r *http.Request) {
	c, extra, err := upgrade(w, r)
	if err != nil {
		return
	}
	if t, ok := c.(*tls.Conn); ok && len(extra) == 0 {
		s.addTLS(t)
		return
	}
	tc, ok := c.(*net.TCPConn)
	if !ok || len(extra) > 0 {
		c.Close() // TLS would need the gor path
		return
	}
	raw, _ := tc.SyscallConn()
	fd := -1
	raw.Control(func(f uintptr) { fd, err = unix.Dup(int(f)) })
	tc.Close()
	if err != nil || fd < 0 {
		return
	}
	unix.SetNonblock(fd, true)
	p := s.ps[int(s.rr.Add(1))%len(s.ps)]
	e := &econn{fd: fd, p: p}
	p.mu.Lock()
	p.fds[fd] = e
	p.mu.Unlock()
	nOpen.Add(1)
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}); err != nil {
		e.kill()
	}
	// The handler returns: net/http's goroutine ends.
}

// send queues frames; all go out in ONE write(2) when the socket can take them.
func (e *econn) send(op byte, msgs ...[]byte) error {
	var buf []byte
	for _, m := range msgs {
		buf = appendFrame(buf, op, m)
	}
	return e.sendRaw(buf)
}

func (e *econn) sendRaw(buf []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return net.ErrClosed
	}
	if e.tc != nil {
		e.tc.SetWriteDeadline(time.Now().Add(*pongTO))
		if _, err := e.tc.Write(buf); err != nil {
			e.killLocked()
			return err
		}
		return nil
	}
	if len(e.out) > 0 { // already waiting for EPOLLOUT
		if len(e.out)+len(buf) > maxPending {
			e.killLocked() // slow consumer (makechat: close 1008 via hub first)
			return net.ErrClosed
		}
		e.out = append(e.out, buf...)
		return nil
	}
	n, err := unix.Write(e.fd, buf)
	if err == unix.EAGAIN || err == unix.EINTR {
		n, err = 0, nil
	}
	if err != nil {
		e.killLocked()
		return err
	}
	if n < len(buf) {
		e.out = append([]byte(nil), buf[n:]...)
		unix.EpollCtl(e.p.epfd, unix.EPOLL_CTL_MOD, e.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLOUT, Fd: int32(e.fd)})
	}
	return nil
}

func (e *econn) flush() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed || len(e.out) == 0 {
		return
	}
	n, err := unix.Write(e.fd, e.out)
	if err == unix.EAGAIN {
		return
	}
	if err != nil {
		e.killLocked()
		return
	}
	if e.out = e.out[n:]; len(e.out) == 0 {
		e.out = nil
		unix.EpollCtl(e.p.epfd, unix.EPOLL_CTL_MOD, e.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(e.fd)})
	}
}

func (e *econn) closeWith(code uint16, reason string) {
	e.sendRaw(appendClose(nil, code, reason))
	e.mu.Lock()
	if !e.closed && len(e.out) == 0 {
		unix.Shutdown(e.fd, unix.SHUT_WR) // peer reads the close, then EOF
	}
	e.mu.Unlock()
	e.kill()
}

func (e *econn) kill() {
	e.mu.Lock()
	e.killLocked()
	e.mu.Unlock()
}

func (e *econn) killLocked() {
	if e.closed {
		return
	}
	e.closed = true
	e.out, e.in = nil, nil
	p := e.p
	p.mu.Lock()
	delete(p.fds, e.fd)
	p.mu.Unlock()
	if e.tc != nil {
		unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, e.fd, nil)
		e.tc.Close()
	} else {
		unix.Close(e.fd) // also removes it from the epoll set
	}
	nOpen.Add(-1)
}

func (p *poller) loop() {
	events := make([]unix.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			panic(err)
		}
		for i := 0; i < n; i++ {
			ev := events[i]
			p.mu.RLock()
			e := p.fds[int(ev.Fd)]
			p.mu.RUnlock()
			if e == nil {
				continue
			}
			if ev.Events&unix.EPOLLOUT != 0 {
				e.flush()
			}
			if e.tc != nil {
				go e.onReadableTLS() // one-shot: re-armed when crypto/tls has drained
			} else if ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
				e.onReadable(buf)
			}
		}
	}
}

func (e *econn) onReadable(buf []byte) {
	n, err := unix.Read(e.fd, buf)
	if err == unix.EAGAIN {
		return
	}
	if n <= 0 || err != nil {
		e.kill()
		return
	}
	e.parse(buf[:n])
}

// addTLS keeps the *tls.Conn (and its fd on Go's netpoller) but parks no
// goroutine in Read: a dup of the fd sits in our epoll (one-shot) and a
// short-lived worker reads through crypto/tls when it becomes readable.
// A timeout is not fatal to a tls.Conn: a partial record stays buffered.
func (s *epollS) addTLS(t *tls.Conn) {
	tc, ok := t.NetConn().(*net.TCPConn)
	if !ok {
		t.Close()
		return
	}
	raw, _ := tc.SyscallConn()
	fd := -1
	// No dup (that would cost a 2nd fd per stream): the same socket is
	// added to our epoll set too; it is removed before the tls.Conn closes.
	raw.Control(func(f uintptr) { fd = int(f) })
	p := s.ps[int(s.rr.Add(1))%len(s.ps)]
	e := &econn{fd: fd, p: p, tc: t}
	p.mu.Lock()
	p.fds[fd] = e
	p.mu.Unlock()
	nOpen.Add(1)
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT, Fd: int32(fd)}); err != nil {
		e.kill()
	}
}

var tlsBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

func (e *econn) onReadableTLS() {
	bp := tlsBufs.Get().(*[]byte)
	defer tlsBufs.Put(bp)
	for {
		e.tc.SetReadDeadline(time.Now().Add(2 * time.Millisecond))
		n, err := e.tc.Read(*bp)
		if n > 0 {
			e.parse((*bp)[:n])
		}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			break // drained (a partial record stays inside crypto/tls)
		}
		if err != nil {
			e.kill()
			return
		}
	}
	e.mu.Lock()
	if !e.closed {
		unix.EpollCtl(e.p.epfd, unix.EPOLL_CTL_MOD, e.fd, &unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT, Fd: int32(e.fd)})
	}
	e.mu.Unlock()
}

func (e *econn) parse(data []byte) {
	if e.in != nil {
		e.in = append(e.in, data...)
		data = e.in
	}
	for len(data) > 0 {
		m, op, p, err := parseFrame(data)
		if err == errTooBig {
			e.closeWith(1009, "frame too big")
			return
		}
		if err != nil {
			e.closeWith(1002, "protocol error")
			return
		}
		if m == 0 {
			break
		}
		data = data[m:]
		switch op {
		case opText:
			// handle typing/viewing JSON (p is valid until the next read)
		case opPing:
			e.send(opPong, p)
		case opPong:
			e.lastPong.Store(time.Now().UnixNano())
		case opClose:
			e.closeWith(1000, "")
			return
		default:
			e.closeWith(1003, "frames must be JSON events")
			return
		}
	}
	if len(data) > 0 {
		e.in = append([]byte(nil), data...) // keep only the partial frame
	} else {
		e.in = nil
	}
}

func (s *epollS) all() []*econn {
	var list []*econn
	for _, p := range s.ps {
		p.mu.RLock()
		for _, e := range p.fds {
			list = append(list, e)
		}
		p.mu.RUnlock()
	}
	return list
}

func (s *epollS) sweep() {
	ping := appendFrame(nil, opPing, nil)
	for range time.Tick(*pingIv) {
		now := time.Now().UnixNano()
		for _, e := range s.all() {
			if e.lastPing != 0 && e.lastPong.Load() < e.lastPing {
				e.kill() // half-open: no pong to the last ping
				continue
			}
			e.lastPing = now
			e.sendRaw(ping)
		}
	}
}

func (s *epollS) shutdown() {
	for _, e := range s.all() {
		e.closeWith(1001, "server shutting down")
	}
}

var _ = binary.BigEndian
