package appliance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
)

// A client that switches node on every reconnect, resuming with
// ?since=<the greatest id it received>, while posters write on every node
// at once, ends with every acknowledged message exactly once, and each
// stream gives them in id order.
func TestCluster_AClientAlternatingNodesGetsEveryMessageOnce(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	ctx := context.Background()
	_, token := user(t, nodes[0].app, "admin", true)
	post := func(base, path, body string) (string, error) {
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		var out struct {
			ID struct {
				OID string `json:"$oid"`
			} `json:"_id"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode >= 300 {
			return "", fmt.Errorf("%s: %d %v", path, resp.StatusCode, err)
		}
		return out.ID.OID, nil
	}
	var rooms []string
	for _, name := range []string{"general", "random"} {
		id, err := post(nodes[0].url, "/api/rooms", `{"name": "`+name+`"}`)
		require.NoError(t, err)
		rooms = append(rooms, id)
	}

	// Posters on every node, in both rooms.
	const posters, each = 4, 40
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for p := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				base := nodes[(p+i)%len(nodes)].url
				id, err := post(base, "/api/messages", fmt.Sprintf(`{"room": %q, "text": "poster %d message %d"}`, rooms[(p+i/3)%len(rooms)], p, i))
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				acked[id] = true
				mu.Unlock()
			}
		}()
	}
	posting := make(chan struct{})
	go func() { wg.Wait(); close(posting) }()

	// The client: a few messages from a node, then the other node.
	seen := map[string]int{}
	var since string
	done := func() bool {
		select {
		case <-posting:
		default:
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		for id := range acked {
			if seen[id] == 0 {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(60 * time.Second)
	k := 0
	for ; !done() && time.Now().Before(deadline); k++ {
		url := "ws" + strings.TrimPrefix(nodes[k%len(nodes)].url, "http") + "/api/stream?token=" + token
		if since != "" {
			url += "&since=" + since
		}
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, _, err := websocket.Dial(dctx, url, nil)
		cancel()
		require.NoError(t, err)
		last := ""
		for got := 0; got < 5; {
			rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			_, data, err := c.Read(rctx)
			cancel()
			if err != nil {
				break // quiet: try the other node
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
			if ev.Event != chat.EventMessageCreated {
				continue
			}
			id := ev.Data.ID.OID
			assert.Greater(t, id, last, "a stream gives messages in id order")
			last = id
			seen[id]++
			if id > since {
				since = id
			}
			got++
		}
		c.CloseNow()
	}
	<-posting
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, acked, posters*each)
	t.Logf("%d messages over %d connections", len(acked), k)
	for i, n := range nodes {
		t.Logf("node %d: %+v", i, n.app.bus.Stats())
	}
	var missing, twice []string
	for id := range acked {
		if seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id, n := range seen {
		if n > 1 {
			twice = append(twice, id)
		}
	}
	assert.Empty(t, missing, "acknowledged messages the client never got")
	assert.Empty(t, twice, "messages the client got more than once")
}
