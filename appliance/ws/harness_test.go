package ws_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/ws"
)

// echo is a stream that sends what it is given and keeps what it hears.
type echo struct {
	mu       sync.Mutex
	out      [][]byte
	conn     *ws.Conn
	ended    chan struct{}
	refuse   string // Receive's error text, if not ""
	received chan string
}

func newEcho() *echo { return &echo{ended: make(chan struct{}), received: make(chan string, 100)} }

func (e *echo) send(msgs ...string) {
	e.mu.Lock()
	for _, m := range msgs {
		e.out = append(e.out, []byte(m))
	}
	e.mu.Unlock()
	e.conn.Wake()
}

func (e *echo) Next() ([][]byte, int, string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.out
	e.out = nil
	return out, 0, ""
}

func (e *echo) Written() {}

func (e *echo) Receive(msg []byte) error {
	if e.refuse != "" {
		return errors.New(e.refuse)
	}
	e.received <- string(msg)
	return nil
}

func (e *echo) Ended() { close(e.ended) }

// server serves each WebSocket with a new echo, handed to the test.
type server struct {
	*httptest.Server
	ws      *ws.Server
	streams chan *echo
	refuse  string
}

func newServer(t *testing.T, o ws.Options) *server { return startServer(t, o, false) }

func startServer(t *testing.T, o ws.Options, overTLS bool) *server {
	s := &server{ws: ws.New(o), streams: make(chan *echo, 20000)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nc, early, err := ws.Upgrade(w, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/refused" {
			s.ws.Refuse(nc, early, ws.ClosePolicy, "too many streams")
			return
		}
		e := newEcho()
		e.refuse = s.refuse
		e.conn = s.ws.Serve(nc, early, e)
		s.streams <- e
	}))
	s.Listener = wrapped{s.Listener}
	if overTLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.ws.Shutdown(ctx)
		s.Close()
	})
	return s
}

func (s *server) dial(t testing.TB) (*websocket.Conn, *echo) {
	t.Helper()
	c, e := s.dialKept(t)
	t.Cleanup(func() { c.CloseNow() })
	return c, e
}

// dialKept is dial for a test that closes the client itself.
func (s *server) dialKept(t testing.TB) (*websocket.Conn, *echo) {
	t.Helper()
	c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(s.URL, "http"), nil)
	require.NoError(t, err)
	return c, <-s.streams
}

// wrapped accepts connections in a wrapper, as the server's connection
// limit does: the poller finds the socket through NetConn.
type wrapped struct{ net.Listener }

type wrappedConn struct{ net.Conn }

func (w wrappedConn) NetConn() net.Conn { return w.Conn }

func (l wrapped) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wrappedConn{c}, nil
}

// raw is a client that speaks the protocol byte by byte.
type raw struct {
	net.Conn
	r *bufio.Reader
}

func (s *server) dialRaw(t testing.TB, rcvbuf int) (*raw, *echo) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		if rcvbuf == 0 {
			return nil
		}
		return c.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf) })
	}}
	nc, err := d.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { nc.Close() })
	c := &raw{Conn: nc, r: bufio.NewReader(nc)}
	resp, err := handshake(c)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", resp.Header.Get("Sec-WebSocket-Accept"))
	return c, <-s.streams
}

// handshake asks c's server for a WebSocket and reads the answer.
func handshake(c *raw) (*http.Response, error) {
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"); err != nil {
		return nil, err
	}
	return http.ReadResponse(c.r, nil)
}

// tlsConfig is a client's configuration for a TLS server.
func (s *server) tlsConfig() *tls.Config {
	cfg := s.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.ServerName = "example.com" // httptest's certificate's name
	return cfg
}

// frame is a masked client frame.
func frame(op byte, p []byte) []byte { return fragment(true, op, p) }

// fragment is a masked client frame that may leave its message open.
func fragment(fin bool, op byte, p []byte) []byte {
	b := []byte{op}
	if fin {
		b[0] |= 0x80
	}
	switch {
	case len(p) < 126:
		b = append(b, 0x80|byte(len(p)))
	case len(p) <= 0xFFFF:
		b = append(b, 0x80|126, byte(len(p)>>8), byte(len(p)))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(len(p)))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	b = append(b, mask[:]...)
	for i, c := range p {
		b = append(b, c^mask[i&3])
	}
	return b
}

// next reads one server frame.
func (c *raw) next(t testing.TB) (op byte, p []byte) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var h [2]byte
	_, err := io.ReadFull(c.r, h[:])
	require.NoError(t, err)
	require.Zero(t, h[1]&0x80, "server frames are not masked")
	n := int(h[1] & 0x7F)
	switch n {
	case 126:
		var l [2]byte
		_, err = io.ReadFull(c.r, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		_, err = io.ReadFull(c.r, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	require.NoError(t, err)
	p = make([]byte, n)
	_, err = io.ReadFull(c.r, p)
	require.NoError(t, err)
	return h[0] & 0x0F, p
}

func closeCode(p []byte) int { return int(binary.BigEndian.Uint16(p)) }
