package ws_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
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
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	c := &raw{Conn: nc, r: bufio.NewReader(nc)}
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	require.Equal(t, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", resp.Header.Get("Sec-WebSocket-Accept"))
	return c, <-s.streams
}

// frame is a masked client frame.
func frame(op byte, p []byte) []byte {
	b := []byte{0x80 | op}
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

func TestConn_SendsEachMessageAsItsOwnFrame(t *testing.T) {
	s := newServer(t, ws.Options{})
	c, e := s.dial(t)
	e.send("one", "two", strings.Repeat("3", 70_000))
	for _, want := range []string{"one", "two", strings.Repeat("3", 70_000)} {
		c.SetReadLimit(1 << 20)
		typ, got, err := c.Read(context.Background())
		require.NoError(t, err)
		assert.Equal(t, websocket.MessageText, typ)
		assert.Equal(t, want, string(got))
	}
	require.NoError(t, c.Write(context.Background(), websocket.MessageText, []byte(`{"event": "typing"}`)))
	assert.Equal(t, `{"event": "typing"}`, <-e.received)
}

func TestUpgrade_RefusesWhatIsNotAVersion13HandshakeWithAKey(t *testing.T) {
	s := newServer(t, ws.Options{})
	for name, h := range map[string]http.Header{
		"no key":      {"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}},
		"version 8":   {"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"8"}, "Sec-Websocket-Key": {"x"}},
		"no upgrade":  {"Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"x"}},
		"not GET but": {"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"x"}},
	} {
		method := http.MethodGet
		if name == "not GET but" {
			method = http.MethodPost
		}
		req, _ := http.NewRequest(method, s.URL, nil)
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, name)
	}
	assert.Equal(t, 0, s.ws.Count())
}

func TestConn_OverTLSMessagesFlowBothWaysAndAFrameInManyRecordsIsWhole(t *testing.T) {
	s := startServer(t, ws.Options{PingEvery: 50 * time.Millisecond, PongWait: time.Second}, true)
	c, _, err := websocket.Dial(context.Background(), "wss"+strings.TrimPrefix(s.URL, "https"), &websocket.DialOptions{HTTPClient: s.Client()})
	require.NoError(t, err)
	defer c.CloseNow()
	e := <-s.streams
	go func() { // the client's reader answers pings and takes messages
		for i := 0; ; i++ {
			_, got, err := c.Read(context.Background())
			if err != nil {
				return
			}
			e.received <- "got " + string(got)
		}
	}()
	for i := range 50 {
		e.send(fmt.Sprint(i))
		require.Equal(t, fmt.Sprint("got ", i), <-e.received)
		require.NoError(t, c.Write(context.Background(), websocket.MessageText, []byte(strings.Repeat("x", 3000))))
		require.Equal(t, strings.Repeat("x", 3000), <-e.received)
		time.Sleep(5 * time.Millisecond) // time for the server's pings
	}
	require.NoError(t, c.Close(websocket.StatusNormalClosure, ""))
	<-e.ended

	// A frame written a byte per TLS record, each record split across
	// TCP writes with pauses longer than the server's wait for more:
	// crypto/tls keeps what it has between the server's short reads.
	tcp, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "https://"))
	require.NoError(t, err)
	cfg := s.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	cfg.ServerName = "example.com" // httptest's certificate's name
	nc := tls.Client(halves{tcp}, cfg)
	defer nc.Close()
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	e = <-s.streams
	f := frame(1, []byte("byte by byte"))
	for i := range f {
		_, err := nc.Write(f[i : i+1])
		require.NoError(t, err)
	}
	assert.Equal(t, "byte by byte", <-e.received)
}

// halves writes each write in two, 3 ms apart.
type halves struct{ net.Conn }

func (h halves) Write(p []byte) (int, error) {
	n, err := h.Conn.Write(p[:len(p)/2])
	if err != nil {
		return n, err
	}
	time.Sleep(3 * time.Millisecond)
	m, err := h.Conn.Write(p[len(p)/2:])
	return n + m, err
}

func TestConn_AFrameSplitAcrossReadsIsWhole(t *testing.T) {
	s := newServer(t, ws.Options{})
	c, e := s.dialRaw(t, 0)
	msg := []byte(`{"event": "typing", "data": {"room": "` + strings.Repeat("r", 300) + `"}}`)
	both := append(frame(1, msg), frame(1, []byte("second"))...)
	for i := range both {
		_, err := c.Write(both[i : i+1])
		require.NoError(t, err)
		if i%50 == 0 {
			time.Sleep(time.Millisecond) // separate reads for the server
		}
	}
	assert.Equal(t, string(msg), <-e.received)
	assert.Equal(t, "second", <-e.received)
}

func TestConn_HostileFramesCloseWithTheirCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		send []byte
		code int
	}{
		{"binary", frame(2, []byte{1, 2, 3}), ws.CloseUnsupported},
		{"too big", frame(1, make([]byte, ws.MaxClientFrame+1)), ws.CloseTooBig},
		{"64-bit length", frame(1, make([]byte, 70_000)), ws.CloseTooBig},
		{"unmasked", []byte{0x81, 0x01, 'x'}, ws.CloseProtocol},
		{"a fragment", append([]byte{0x01, 0x81}, 0, 0, 0, 0, 'x'), ws.CloseProtocol},
		{"reserved bits", append([]byte{0xC1, 0x81}, 0, 0, 0, 0, 'x'), ws.CloseProtocol},
		{"unknown opcode", append([]byte{0x83, 0x81}, 0, 0, 0, 0, 'x'), ws.CloseProtocol},
		{"a long ping", frame(9, make([]byte, 126)), ws.CloseProtocol},
		{"refused by the stream", frame(1, []byte("nope")), ws.CloseUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, ws.Options{})
			if tc.name == "refused by the stream" {
				s.refuse = "frames must be JSON events"
			}
			c, e := s.dialRaw(t, 0)
			_, err := c.Write(tc.send)
			require.NoError(t, err)
			op, p := c.next(t)
			require.Equal(t, byte(8), op)
			assert.Equal(t, tc.code, closeCode(p))
			if tc.name == "refused by the stream" {
				assert.Equal(t, "frames must be JSON events", string(p[2:]))
			}
			_, _ = c.Write(frame(8, p[:2]))
			<-e.ended
		})
	}
}

func TestConn_PingsAreAnsweredAndAClientThatIsSilentIsDropped(t *testing.T) {
	s := newServer(t, ws.Options{PingEvery: 100 * time.Millisecond, PongWait: 100 * time.Millisecond})
	// The client's ping gets its pong.
	c, e := s.dialRaw(t, 0)
	_, err := c.Write(frame(9, []byte("hi")))
	require.NoError(t, err)
	op, p := c.next(t)
	assert.Equal(t, byte(0xA), op)
	assert.Equal(t, "hi", string(p))

	// The server pings a quiet client; answered, it stays.
	for range 3 {
		op, p = c.next(t)
		require.Equal(t, byte(9), op)
		_, err = c.Write(frame(0xA, p))
		require.NoError(t, err)
	}
	select {
	case <-e.ended:
		t.Fatal("a client that answers its pings is kept")
	default:
	}
	// Unanswered, it is dropped: no close frame, the socket closes.
	op, _ = c.next(t)
	require.Equal(t, byte(9), op)
	<-e.ended
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = c.r.ReadByte()
	assert.Error(t, err)
}

// blackhole relays between a client and the server until cut, then
// swallows everything and sends nothing, closing nothing: a peer gone
// without a FIN, as when its machine loses power.
type blackhole struct {
	net.Listener
	cut atomic.Bool
}

func newBlackhole(t *testing.T, target string) *blackhole {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	b := &blackhole{Listener: ln}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				return
			}
			t.Cleanup(func() { in.Close(); out.Close() })
			pipe := func(dst, src net.Conn) {
				buf := make([]byte, 4096)
				for {
					n, err := src.Read(buf)
					if err != nil {
						return
					}
					if !b.cut.Load() {
						_, _ = dst.Write(buf[:n])
					}
				}
			}
			go pipe(in, out)
			go pipe(out, in)
		}
	}()
	return b
}

func TestConn_AHalfOpenConnectionIsFoundWithinPingAndPongWait(t *testing.T) {
	const every, wait = 200 * time.Millisecond, 200 * time.Millisecond
	s := newServer(t, ws.Options{PingEvery: every, PongWait: wait})
	hole := newBlackhole(t, strings.TrimPrefix(s.URL, "http://"))
	c, _, err := websocket.Dial(context.Background(), "ws://"+hole.Addr().String(), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	e := <-s.streams
	go func() { _, _, _ = c.Read(context.Background()) }() // answers pings until cut
	time.Sleep(3 * every)
	select {
	case <-e.ended:
		t.Fatal("a connected client answering pings was dropped")
	default:
	}
	hole.cut.Store(true)
	start := time.Now()
	<-e.ended
	t.Logf("half-open connection dropped %v after the peer vanished (ping every %v, pong wait %v)", time.Since(start), every, wait)
	assert.Equal(t, 0, s.ws.Count())
}

func TestConn_AClientReadingOneBytePerSecondIsDroppedAndOthersAreNot(t *testing.T) {
	s := newServer(t, ws.Options{WriteWait: 300 * time.Millisecond})
	slow, slowStream := s.dialRaw(t, 4096)
	fast, fastStream := s.dial(t)
	fast.SetReadLimit(1 << 20)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte a second
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
				_ = slow.SetReadDeadline(time.Now().Add(time.Second))
				_, _ = slow.r.ReadByte()
			}
		}
	}()
	msg := strings.Repeat("m", 64<<10) // past the socket buffers in a few dozen
	for i := range 2000 {
		slowStream.send(msg)
		fastStream.send(fmt.Sprint(i))
		_, got, err := fast.Read(context.Background())
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint(i), string(got), "the fast client gets every message, in order")
		select {
		case <-slowStream.ended:
			return
		default:
		}
	}
	<-slowStream.ended
}

// goroutines waits for the goroutine count to fall to at most n, and
// returns it.
func goroutines(n int) int {
	for range 200 {
		if g := runtime.NumGoroutine(); g <= n {
			return g
		}
		time.Sleep(10 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

func TestServer_AThousandStreamsComeAndGoWhileMessagesFlowAndNothingIsLeft(t *testing.T) {
	s := newServer(t, ws.Options{})
	base := runtime.NumGoroutine()
	heap := heapInUse()
	var live sync.Map
	stop := make(chan struct{})
	var flow sync.WaitGroup
	flow.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			live.Range(func(k, _ any) bool {
				k.(*echo).send(`{"event": "message.created"}`)
				return true
			})
			time.Sleep(time.Millisecond)
		}
	})
	var clients sync.WaitGroup
	for i := range 1000 {
		c, e := s.dialKept(t)
		live.Store(e, true)
		clients.Go(func() {
			defer live.Delete(e)
			for range 1 + i%5 {
				if _, _, err := c.Read(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
			if i%2 == 0 {
				c.Close(websocket.StatusNormalClosure, "")
			} else {
				c.CloseNow()
			}
			<-e.ended
		})
	}
	clients.Wait()
	close(stop)
	flow.Wait()
	assert.Equal(t, 0, s.ws.Count())
	// The clients' own goroutines end too; a few of the runtime's may
	// come and go.
	assert.LessOrEqual(t, goroutines(base+5), base+5, "every stream's goroutines ended")
	after := heapInUse()
	t.Logf("heap in use %d KiB before, %d KiB after 1,000 streams came and went", heap>>10, after>>10)
	assert.Less(t, after, heap+1<<20, "a stream left behind would hold more than a KiB")
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC() // and what pools kept
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func TestServer_AnIdleStreamHoldsNoGoroutine(t *testing.T) {
	for _, overTLS := range []bool{false, true} {
		t.Run(fmt.Sprint("TLS ", overTLS), func(t *testing.T) {
			s := startServer(t, ws.Options{}, overTLS)
			base := goroutines(runtime.NumGoroutine())
			const n = 200
			for range n {
				nc, err := net.Dial("tcp", s.Listener.Addr().String())
				require.NoError(t, err)
				t.Cleanup(func() { nc.Close() })
				if overTLS {
					cfg := s.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
					cfg.ServerName = "example.com"
					tc := tls.Client(nc, cfg)
					require.NoError(t, tc.Handshake())
					nc = tc
				}
				fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
				resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
				require.NoError(t, err)
				require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
				<-s.streams
			}
			// The poller and the sweeper, and net/http's goroutines for
			// connections in the middle of closing.
			got := goroutines(base + 5)
			t.Logf("%d goroutines before, %d with %d idle streams", base, got, n)
			assert.LessOrEqual(t, got, base+5)
		})
	}
}

func TestServer_ShutdownSendsEveryStreamGoingAway(t *testing.T) {
	n := 10_000
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))
	lim.Cur = lim.Max
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	if most := int(lim.Cur-300) / 2; most < n { // a client's and a server's end each
		t.Logf("%d streams, as many as this process may open (RLIMIT_NOFILE %d)", most, lim.Cur)
		n = most
	}
	if testing.Short() {
		n = 500
	}
	s := newServer(t, ws.Options{})
	addr := strings.TrimPrefix(s.URL, "http://")
	clients := make([]*raw, n)
	var dial sync.WaitGroup
	errs := make(chan error, n)
	for i := range clients {
		dial.Go(func() {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
			c := &raw{Conn: nc, r: bufio.NewReaderSize(nc, 256)}
			if _, err := http.ReadResponse(c.r, nil); err != nil {
				errs <- err
				return
			}
			clients[i] = c
		})
		if i%100 == 99 {
			dial.Wait()
		}
	}
	dial.Wait()
	close(errs)
	require.NoError(t, <-errs)
	for range n {
		<-s.streams
	}
	require.Equal(t, n, s.ws.Count())

	start := time.Now()
	var got sync.WaitGroup
	var last atomic.Int64
	codes := make(chan int, n)
	for _, c := range clients {
		got.Go(func() {
			op, p := c.next(t)
			if op == 8 {
				codes <- closeCode(p)
			}
			last.Store(int64(time.Since(start)))
			c.Close()
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.ws.Shutdown(ctx)
	got.Wait()
	close(codes)
	count := 0
	for code := range codes {
		require.Equal(t, ws.CloseGoingAway, code)
		count++
	}
	assert.Equal(t, n, count, "every stream got 1001")
	t.Logf("%d streams got 1001 within %v of the shutdown", n, time.Duration(last.Load()))
}
