package ws_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"slices"
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
					tc := tls.Client(nc, s.tlsConfig())
					require.NoError(t, tc.Handshake())
					nc = tc
				}
				resp, err := handshake(&raw{Conn: nc, r: bufio.NewReader(nc)})
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
			c := &raw{Conn: nc, r: bufio.NewReaderSize(nc, 256)}
			if _, err := handshake(c); err != nil {
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

func TestServer_ARefusedStreamReadsNothingTheClientSentAndSaysWhy(t *testing.T) {
	s := newServer(t, ws.Options{})
	nc, err := net.Dial("tcp", s.Listener.Addr().String())
	require.NoError(t, err)
	defer nc.Close()
	// The request and a message in one write: the server has both at once.
	_, err = nc.Write(slices.Concat([]byte("GET /refused HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"), frame(1, []byte(`{"event": "viewing"}`))))
	require.NoError(t, err)
	c := &raw{Conn: nc, r: bufio.NewReader(nc)}
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	op, p := c.next(t)
	require.Equal(t, byte(8), op)
	assert.Equal(t, ws.ClosePolicy, closeCode(p))
	assert.Equal(t, "too many streams", string(p[2:]))
	_, _ = c.Write(frame(8, p[:2]))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = c.r.ReadByte()
	assert.Error(t, err, "closed after the close handshake")
	assert.Empty(t, s.streams, "no stream was served")
}

func TestServer_StreamsArrivingDuringShutdownAreClosedToo(t *testing.T) {
	s := newServer(t, ws.Options{})
	var dialers sync.WaitGroup
	var served atomic.Int64
	stop := make(chan struct{})
	for range 4 {
		dialers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, _, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(s.URL, "http"), nil)
				if err != nil {
					continue
				}
				served.Add(1)
				_, _, err = c.Read(context.Background())
				assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "every stream, early or late, is told the server is going away")
				c.CloseNow()
			}
		})
	}
	for s.ws.Count() < 4 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.ws.Shutdown(ctx) // while streams keep coming
	close(stop)
	dialers.Wait()
	require.NoError(t, ctx.Err(), "the shutdown ended with its streams, not its deadline")
	for len(s.streams) > 0 {
		<-s.streams
	}
	t.Logf("%d streams served around the shutdown", served.Load())
}

// A connection on its way to Serve (Expect) holds Shutdown until it is
// served — and then closed with 1001 — or abandoned.
func TestServer_ShutdownWaitsForAConnectionOnItsWay(t *testing.T) {
	srv := ws.New(ws.Options{})
	done := srv.Expect()
	shut := make(chan struct{})
	go func() {
		srv.Shutdown(context.Background())
		close(shut)
	}()
	select {
	case <-shut:
		t.Fatal("Shutdown returned while a connection was on its way")
	case <-time.After(100 * time.Millisecond):
	}
	done()
	done() // once only
	select {
	case <-shut:
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return once the connection was abandoned")
	}
}
