package appliance

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
)

// shedAfter is how long a connection must have been waiting on its
// client (nothing received: idle between requests, or a header or body
// that stalled) before a connection at the cap may close it to get in.
const shedAfter = 5 * time.Second

// connLimit caps the connections open at once across every listener of
// a server, so that a flood of stalled clients cannot reach the
// open-file limit ("too many open files" would also stop the store,
// backups and certificates from opening theirs).
//
// At the cap, a new connection closes the one that has waited longest on
// its client, if that has waited at least shedAfter: a client that sends
// headers and one byte of body holds nothing for long. Streams (upgraded
// connections) are never shed; their own per-user cap and pings bound
// them. With nothing to shed, Accept waits until a connection closes.
type connLimit struct {
	max int
	log zerolog.Logger
	now func() time.Time

	mu    sync.Mutex
	conns map[*limitedConn]struct{}
	freed chan struct{} // signalled when a connection closes at the cap
	// warned is set when the cap is reached and logged, and cleared once
	// the count falls back below nine tenths of it, so that a sustained
	// flood logs one line, not one per connection.
	warned bool
}

// newConnLimit returns a limit of max connections; max <= 0 means none.
func newConnLimit(max int, log zerolog.Logger) *connLimit {
	return &connLimit{max: max, log: log, now: time.Now, conns: map[*limitedConn]struct{}{}, freed: make(chan struct{}, 1)}
}

// Open is the number of connections open now.
func (l *connLimit) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// wrap returns ln with Accept held to the limit (ln itself for a nil
// limit).
func (l *connLimit) wrap(ln net.Listener) net.Listener {
	if l == nil {
		return ln
	}
	return &limitListener{Listener: ln, limit: l, done: make(chan struct{})}
}

// connState is the http.Server hook that marks upgraded connections, so
// that they are never shed.
func (l *connLimit) connState(c net.Conn, state http.ConnState) {
	if state != http.StateHijacked {
		return
	}
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if lc, ok := c.(*limitedConn); ok {
		lc.upgraded.Store(true)
	}
}

// admit makes room for one more connection, waiting while there is none
// and nothing can be shed; false if done closes first.
func (l *connLimit) admit(done <-chan struct{}) bool {
	for {
		l.mu.Lock()
		if l.max <= 0 || len(l.conns) < l.max {
			l.mu.Unlock()
			return true
		}
		l.reached()
		victim := l.stalest()
		l.mu.Unlock()
		if victim != nil {
			// Closing removes it from conns; the loop then finds room.
			victim.Close()
			continue
		}
		// A connection may close, or one may come to have waited long
		// enough to be shed: look again at either.
		t := time.NewTimer(time.Second)
		select {
		case <-l.freed:
		case <-t.C:
		case <-done:
			t.Stop()
			return false
		}
		t.Stop()
	}
}

// stalest returns the connection that has waited longest on its client,
// if it has waited at least shedAfter; l.mu is held.
func (l *connLimit) stalest() *limitedConn {
	var oldest *limitedConn
	var oldestAt int64
	for c := range l.conns {
		if c.upgraded.Load() {
			continue
		}
		if at := c.lastRead.Load(); oldest == nil || at < oldestAt {
			oldest, oldestAt = c, at
		}
	}
	if oldest == nil || l.now().Sub(time.Unix(0, oldestAt)) < shedAfter {
		return nil
	}
	return oldest
}

func (l *connLimit) add(c *limitedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.conns[c] = struct{}{}
}

func (l *connLimit) remove(c *limitedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.conns, c)
	if l.max <= 0 {
		return
	}
	if len(l.conns) < l.max*9/10 {
		l.warned = false
	}
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// reached logs the first time the cap is met; l.mu is held.
func (l *connLimit) reached() {
	if l.warned {
		return
	}
	l.warned = true
	l.log.Warn().Int("max_connections", l.max).
		Msg("max_connections reached: connections stalled on their clients are closed to make room, else new ones wait (raise max_connections or the open-file limit if this is real traffic)")
}

type limitListener struct {
	net.Listener
	limit     *connLimit
	done      chan struct{}
	closeOnce sync.Once
}

func (ln *limitListener) Accept() (net.Conn, error) {
	if !ln.limit.admit(ln.done) {
		return nil, net.ErrClosed
	}
	c, err := ln.Listener.Accept()
	if err != nil {
		return nil, err
	}
	lc := &limitedConn{Conn: c, limit: ln.limit}
	lc.lastRead.Store(ln.limit.now().UnixNano())
	ln.limit.add(lc)
	return lc, nil
}

func (ln *limitListener) Close() error {
	ln.closeOnce.Do(func() { close(ln.done) })
	return ln.Listener.Close()
}

// limitedConn is an accepted connection that counts against the limit
// until its first Close, and remembers when it last received anything.
type limitedConn struct {
	net.Conn
	limit    *connLimit
	lastRead atomic.Int64 // unix nanoseconds
	upgraded atomic.Bool
	once     sync.Once
}

func (c *limitedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.lastRead.Store(c.limit.now().UnixNano())
	}
	return n, err
}

// NetConn returns the connection c counts, for those that reach past
// wrappers (the streams' poller watches its socket).
func (c *limitedConn) NetConn() net.Conn { return c.Conn }

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.limit.remove(c) })
	return err
}

// DefaultMaxConnections sizes the cap from the process's open-file limit
// (which Go raises to its hard limit at start): nine tenths of it, and at
// least 64 fewer, leaves room for the store, backups, certificates and a
// MongoDB pool. It is 0 (no cap) when the limit cannot be read.
func DefaultMaxConnections() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 0
	}
	n := min(rl.Cur, 1<<30)
	reserve := max(n/10, 64)
	if n <= reserve+16 {
		return 16
	}
	return int(n - reserve)
}
