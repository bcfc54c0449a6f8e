package ws_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/ws"
)

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
	nc := tls.Client(halves{tcp}, s.tlsConfig())
	defer nc.Close()
	resp, err := handshake(&raw{Conn: nc, r: bufio.NewReader(nc)})
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

func TestConn_AMessageInFragmentsIsWhole(t *testing.T) {
	s := newServer(t, ws.Options{})
	c, e := s.dialRaw(t, 0)
	// A character split across fragments, a ping between them.
	msg := []byte(`{"event": "typing", "text": "é"}`)
	cut := bytes.IndexByte(msg, 0xA9)
	send := slices.Concat(fragment(false, 1, msg[:5]), frame(9, []byte("p")), fragment(false, 0, msg[5:cut]), frame(0, msg[cut:]))
	_, err := c.Write(send)
	require.NoError(t, err)
	assert.Equal(t, string(msg), <-e.received)
	op, p := c.next(t)
	assert.Equal(t, byte(0xA), op)
	assert.Equal(t, "p", string(p))
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
		{"a continuation of nothing", frame(0, []byte("x")), ws.CloseProtocol},
		{"a new message inside a fragmented one", append(fragment(false, 1, []byte("a")), frame(1, []byte("b"))...), ws.CloseProtocol},
		{"a fragmented ping", fragment(false, 9, nil), ws.CloseProtocol},
		{"fragments over 4 KiB in all", append(fragment(false, 1, make([]byte, 3000)), frame(0, make([]byte, 3000))...), ws.CloseTooBig},
		{"text that is not UTF-8", frame(1, []byte{'a', 0xff}), ws.CloseInvalidData},
		{"text fragmented in the middle of a character, then not UTF-8", append(fragment(false, 1, []byte("é")[:1]), frame(0, []byte{0xff})...), ws.CloseInvalidData},
		{"a close with one byte", frame(8, []byte{3}), ws.CloseProtocol},
		{"a close with a reserved code", frame(8, []byte{0x03, 0xED}), ws.CloseProtocol},
		{"a close with a reason not UTF-8", frame(8, []byte{0x03, 0xE8, 0xff}), ws.CloseInvalidData},
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
