package ws

import (
	"errors"
	"net"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// poller watches every connection's socket for something to read, with
// one epoll set beside the runtime's own: a socket is armed once
// (EPOLLONESHOT), a goroutine reads it when it fires, then arms it
// again. The connection stays a net.Conn on the runtime's poller, which
// writes and closes it.
type poller struct {
	epfd  int
	mu    sync.Mutex
	conns map[int32]*Conn
}

// newPoller starts the poller; nil if the system will not have one.
func newPoller() *poller {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil
	}
	p := &poller{epfd: epfd, conns: map[int32]*Conn{}}
	go p.loop()
	return p
}

const armed = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func (p *poller) loop() {
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		p.mu.Lock()
		for _, ev := range events[:n] {
			if c := p.conns[ev.Fd]; c != nil {
				go c.readReady()
			}
		}
		p.mu.Unlock()
	}
}

// watch starts reading c: by the poller when there is one and c is a
// socket, else by a goroutine of its own.
func (c *Conn) watch() {
	p := c.s.poll
	var rc syscall.RawConn
	if c.tcp != nil {
		rc, _ = c.tcp.SyscallConn()
	}
	if p == nil || rc == nil {
		go c.readLoop()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	fd := -1
	if rc.Control(func(s uintptr) { fd = int(s) }) != nil || fd < 0 {
		go c.readLoop() // closed already: the read ends it
		return
	}
	p.mu.Lock()
	p.conns[int32(fd)] = c
	p.mu.Unlock()
	c.fd, c.rc = fd, rc
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: armed, Fd: int32(fd)}); err != nil {
		c.unwatchLocked()
		go c.readLoop()
		return
	}
	if c.overTLS {
		// crypto/tls may hold what it read past the request, which the
		// socket will not signal again: read once now.
		go c.readReady()
	}
}

// rearmLocked watches c again after a read; c.mu is held.
func (c *Conn) rearmLocked() {
	if c.fd < 0 {
		return
	}
	_ = unix.EpollCtl(c.s.poll.epfd, unix.EPOLL_CTL_MOD, c.fd, &unix.EpollEvent{Events: armed, Fd: int32(c.fd)})
}

// unwatchLocked takes c out of the poller before its socket closes (a
// new socket may get its number); c.mu is held.
func (c *Conn) unwatchLocked() {
	if c.fd < 0 {
		return
	}
	p := c.s.poll
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	p.mu.Lock()
	if p.conns[int32(c.fd)] == c {
		delete(p.conns, int32(c.fd))
	}
	p.mu.Unlock()
	c.fd = -1
}

var errWouldBlock = errors.New("nothing to read")

// readNow reads what the socket holds without waiting: through the
// runtime's own descriptor, so that a close cannot hand the number to
// another socket meanwhile.
func (c *Conn) readNow(buf []byte) (int, error) {
	var n int
	var rerr error
	err := c.rc.Read(func(fd uintptr) bool {
		n, rerr = unix.Read(int(fd), buf)
		return true
	})
	switch {
	case err != nil:
		return 0, err
	case errors.Is(rerr, unix.EAGAIN) || errors.Is(rerr, unix.EINTR):
		return 0, errWouldBlock
	case rerr != nil:
		return 0, rerr
	case n == 0:
		return 0, net.ErrClosed // the client closed its side
	}
	return n, nil
}
