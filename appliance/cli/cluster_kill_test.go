package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage/mongo/mongotest"
)

// Two makechat processes on one MongoDB and one NATS; the node a client
// streams from is killed with SIGKILL while posts go on through both.
// The client resumes on the other node with ?since= and ends with every
// acknowledged message exactly once; so does a client that stayed on the
// other node all along (a message A answered 201 but died before sending
// reaches it from the store).
func TestCluster_AClientOfAKilledNodeResumesOnAnotherAndLosesNothing(t *testing.T) {
	a, b := newSite(t), newSite(t)
	f, err := mongotest.Start()
	require.NoError(t, err)
	t.Cleanup(f.Stop)
	uri, err := mongotest.WithDatabase(f.URI(), "kill")
	require.NoError(t, err)
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(ns.Shutdown)
	for _, s := range []*site{a, b} {
		s.env = append(s.env, "MAKECHAT_MONGO_URI="+uri, "MAKECHAT_NATS_URL="+ns.ClientURL())
	}
	require.Equal(t, 0, a.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	srvA, srvB := a.serve(), b.serve()
	token := srvA.loginToken(t, "admin", "admin_pass")
	code, body := srvA.post(t, "/api/rooms", token, `{"name": "general"}`)
	require.Equal(t, 201, code, body)
	room := body[strings.Index(body, `"$oid": "`)+9:][:24]

	// The client that stays on B, from before the first post.
	stayed := map[string]int{}
	var stayedMu sync.Mutex
	bctx, bcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer bcancel()
	onB, _, err := websocket.Dial(bctx, "ws"+strings.TrimPrefix(srvB.url, "http")+"/api/stream?token="+token, nil)
	require.NoError(t, err)
	defer onB.CloseNow()
	go func() {
		for {
			_, data, err := onB.Read(bctx)
			if err != nil {
				return
			}
			if id, ok := createdID(data); ok {
				stayedMu.Lock()
				stayed[id]++
				stayedMu.Unlock()
			}
		}
	}()

	// The client on A, from before the first post too.
	actx, acancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer acancel()
	onA, _, err := websocket.Dial(actx, "ws"+strings.TrimPrefix(srvA.url, "http")+"/api/stream?token="+token, nil)
	require.NoError(t, err)

	// Posters through both nodes; those through A fail once it is dead.
	var mu sync.Mutex
	acked := map[string]bool{}
	via := map[string]string{}
	var wg sync.WaitGroup
	for p, srv := range []*server{srvA, srvB, srvB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				code, body, err := srv.tryPost("/api/messages", token, fmt.Sprintf(`{"room": %q, "text": "poster %d message %d"}`, room, p, i))
				if err == nil && code == 201 {
					mu.Lock()
					id := body[strings.Index(body, `"$oid": "`)+9:][:24]
					acked[id] = true
					via[id] = []string{"A", "B", "B"}[p]
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}

	seen := map[string]int{}
	var since string
	read := func(ctx context.Context, c *websocket.Conn, until func() bool) {
		defer c.CloseNow()
		for !until() {
			_, data, err := c.Read(ctx)
			if err != nil {
				return // the node died
			}
			if id, ok := createdID(data); ok {
				seen[id]++
				since = max(since, id)
			}
		}
	}
	killed := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		srvA.signal(t, syscall.SIGKILL)
		close(killed)
	}()
	read(actx, onA, func() bool { return false }) // until A dies
	<-killed
	fromA := len(seen)
	t.Logf("resuming on B with since=%s", since)
	wg.Wait()
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	resumed, _, err := websocket.Dial(rctx, "ws"+strings.TrimPrefix(srvB.url, "http")+"/api/stream?token="+token+"&since="+since, nil)
	require.NoError(t, err)
	read(rctx, resumed, func() bool {
		mu.Lock()
		defer mu.Unlock()
		for id := range acked {
			if seen[id] == 0 {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d messages acknowledged; the client had %d of them from A before it was killed", len(acked), fromA)
	_, hz := srvB.get(t, "/healthz", "")
	t.Log("B: ", hz)
	for id := range acked {
		assert.Equal(t, 1, seen[id], "message %s (posted through %s)", id, via[id])
	}
	require.Eventually(t, func() bool {
		stayedMu.Lock()
		defer stayedMu.Unlock()
		for id := range acked {
			if stayed[id] == 0 {
				return false
			}
		}
		return true
	}, 30*time.Second, 10*time.Millisecond, "the client that stayed on B gets every acknowledged message")
	stayedMu.Lock()
	defer stayedMu.Unlock()
	for id := range acked {
		assert.Equal(t, 1, stayed[id], "message %s (posted through %s) on the client that stayed", id, via[id])
	}
}

// createdID is the id of a message.created frame's message.
func createdID(frame []byte) (string, bool) {
	var ev struct {
		Event string `json:"event"`
		Data  struct {
			ID struct {
				OID string `json:"$oid"`
			} `json:"_id"`
		} `json:"data"`
	}
	if json.Unmarshal(frame, &ev) != nil || ev.Event != "message.created" {
		return "", false
	}
	return ev.Data.ID.OID, true
}
