package appliance

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/mongo/mongotest"
)

func TestCluster_TheEmbeddedStoreRefusesNATSWithOneLine(t *testing.T) {
	cfg := testConfig(t)
	cfg.NATSURL = "nats://127.0.0.1:4222"
	a, err := New(cfg, zerolog.New(io.Discard), "test")
	require.Nil(t, a)
	require.EqualError(t, err, "nats_url needs mongo_uri: the embedded store belongs to one process, so several nodes cannot share it")
	cfg.NATSURL, cfg.NATSEmbedded = "", true
	a, err = New(cfg, zerolog.New(io.Discard), "test")
	require.Nil(t, a)
	require.EqualError(t, err, "nats_embedded needs mongo_uri: the embedded store belongs to one process, so several nodes cannot share it")
}

func TestCluster_AStreamOnOneNodeGetsWhatIsPostedOnAnother(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	a, urlA, b, urlB := nodes[0].app, nodes[0].url, nodes[1].app, nodes[1].url
	ctx := context.Background()
	_, token := user(t, a, "admin", true)
	call := func(base, path, body string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Less(t, resp.StatusCode, 300)
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return out
	}
	room := call(urlA, "/api/rooms", `{"name": "general"}`)["_id"].(map[string]any)["$oid"].(string)

	// A stream on B; a post on A.
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(urlB, "http")+"/api/stream?token="+token, nil)
	require.NoError(t, err)
	defer c.CloseNow()
	call(urlA, "/api/messages", `{"room": "`+room+`", "text": "hello from A"}`)
	for {
		_, data, err := c.Read(dctx)
		require.NoError(t, err, "the message posted on A reaches the stream on B")
		var ev struct {
			Event string `json:"event"`
			Data  struct {
				Text string `json:"text"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(data, &ev))
		if ev.Event == chat.EventMessageCreated {
			assert.Equal(t, "hello from A", ev.Data.Text)
			break
		}
	}
	stats := a.bus.Stats()
	assert.True(t, stats.Connected)
	assert.Positive(t, stats.Sent)
	req, _ := http.NewRequest(http.MethodGet, urlA+"/metrics", nil)
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(metrics), "makechat_cluster_nats_connected 1")
	assert.Contains(t, string(metrics), "makechat_cluster_peers 1")

	// Bob is disabled on A: once B has heard it, B refuses his token on
	// the very next request, though B's cache trusted it a moment ago.
	bob, bobToken := user(t, a, "bob", false)
	ping := func() int {
		req, _ := http.NewRequest(http.MethodGet, urlB+"/api/ping", nil)
		req.Header.Set("X-Auth-Token", bobToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, ping())
	heard := b.bus.Stats().Received
	req, _ = http.NewRequest(http.MethodPatch, urlA+"/api/users/"+bob.ID.Hex(), strings.NewReader(`{"is_disabled": true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Eventually(t, func() bool { return b.bus.Stats().Received > heard }, 10*time.Second, time.Millisecond)
	assert.Equal(t, http.StatusUnauthorized, ping())
}

// user makes an account through a's service (an administrator if admin
// is set) and an API token for it.
func user(t *testing.T, a *App, name string, admin bool) (storage.User, string) {
	t.Helper()
	u, err := a.chat.CreateUser(context.Background(), chat.SystemActor, chat.NewUser{Username: name, Email: name + "@example.com", Password: "a long password", IsSuperuser: admin})
	require.NoError(t, err)
	_, token, err := a.chat.CreateToken(context.Background(), chat.Actor{User: u}, "bot")
	require.NoError(t, err)
	return u, token
}

// node is one makechat process of a test cluster.
type node struct {
	app  *App
	url  string
	stop func() // stops it, as a shutdown does (idempotent)
}

// startCluster starts n nodes on one MongoDB (embedded FerretDB) and one
// in-process NATS server, each with its own data_dir, serving on
// loopback as the binary does (Run); tune, if not nil, changes each
// node's configuration first (i is the node's index).
func startCluster(t *testing.T, n int, tune func(i int, c *config.Config)) []node {
	t.Helper()
	mongotest.SkipIfShort(t)
	f, err := mongotest.Start()
	require.NoError(t, err)
	t.Cleanup(f.Stop)
	uri, err := mongotest.WithDatabase(f.URI(), "cluster")
	require.NoError(t, err)
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(ns.Shutdown)
	nodes := make([]node, n)
	for i := range nodes {
		cfg := testConfig(t)
		cfg.MongoURI, cfg.NATSURL = uri, ns.ClientURL()
		if tune != nil {
			tune(i, &cfg)
		}
		a, err := New(cfg, zerolog.New(io.Discard), "test")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		ready, done := make(chan string, 1), make(chan error, 1)
		go func() { done <- a.Run(ctx, func(url string) { ready <- url }) }()
		select {
		case url := <-ready:
			nodes[i] = node{app: a, url: url, stop: sync.OnceFunc(func() { cancel(); <-done })}
		case err := <-done:
			cancel()
			t.Fatalf("node %d did not start: %v", i, err)
		}
		t.Cleanup(nodes[i].stop)
	}
	return nodes
}
