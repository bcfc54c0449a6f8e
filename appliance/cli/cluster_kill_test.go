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
// acknowledged message exactly once.
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

	// Posters through both nodes; those through A fail once it is dead.
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for p, srv := range []*server{srvA, srvB, srvB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				code, body, err := srv.tryPost("/api/messages", token, fmt.Sprintf(`{"room": %q, "text": "poster %d message %d"}`, room, p, i))
				if err == nil && code == 201 {
					mu.Lock()
					acked[body[strings.Index(body, `"$oid": "`)+9:][:24]] = true
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}

	seen := map[string]int{}
	var since string
	read := func(base string, until func() bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		url := "ws" + strings.TrimPrefix(base, "http") + "/api/stream?token=" + token
		if since != "" {
			url += "&since=" + since
		}
		c, _, err := websocket.Dial(ctx, url, nil)
		require.NoError(t, err)
		defer c.CloseNow()
		for !until() {
			_, data, err := c.Read(ctx)
			if err != nil {
				return // the node died
			}
			var ev struct {
				Event string `json:"event"`
				Data  struct {
					ID struct {
						OID string `json:"$oid"`
					} `json:"_id"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal(data, &ev))
			if ev.Event == "message.created" {
				seen[ev.Data.ID.OID]++
				since = max(since, ev.Data.ID.OID)
			}
		}
	}
	killed := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		srvA.signal(t, syscall.SIGKILL)
		close(killed)
	}()
	read(srvA.url, func() bool { return false }) // until A dies
	<-killed
	fromA := len(seen)
	wg.Wait()
	read(srvB.url, func() bool {
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
	for id := range acked {
		assert.Equal(t, 1, seen[id], "message %s", id)
	}
}
