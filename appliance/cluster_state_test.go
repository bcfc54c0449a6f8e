package appliance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/control"
	"github.com/makechat/makechat/storage"
)

// Maintenance switched on one node is on for every node: the admin's
// switch on B makes A answer 503; the CLI (the control socket) on A
// switches it off for B.
func TestCluster_MaintenanceIsOneForEveryNode(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	_, token := user(t, a.app, "admin", true)
	status := func(base string) int {
		resp, err := http.Get(base + "/api/ping")
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusUnauthorized, status(a.url), "no maintenance: the API answers")

	req, _ := http.NewRequest(http.MethodPut, b.url+"/api/maintenance", strings.NewReader(`{"maintenance": true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	switched := time.Now()
	assert.Equal(t, http.StatusServiceUnavailable, status(b.url), "at once on the node switched")
	require.Eventually(t, func() bool { return status(a.url) == http.StatusServiceUnavailable }, 10*time.Second, 10*time.Millisecond)
	t.Logf("maintenance on B reached A after %v", time.Since(switched).Round(time.Millisecond))
	_, err = os.Stat(a.app.cfg.DataDir + "/maintenance")
	assert.ErrorIs(t, err, os.ErrNotExist, "a cluster's mode is not a node's file")

	off := false
	var info control.MaintenanceInfo
	require.NoError(t, control.Call(ctx, control.SocketPath(a.app.cfg.DataDir), control.OpMaintenance, control.MaintenanceArgs{On: &off}, &info))
	assert.False(t, info.On)
	require.Eventually(t, func() bool { return status(b.url) == http.StatusUnauthorized }, 10*time.Second, 10*time.Millisecond)
}

// Scheduled backups: each interval's goes to one node of three; when
// the node that took the latest stops, the others go on.
func TestCluster_EachScheduledBackupIsTakenByOneNode(t *testing.T) {
	const interval = 300 * time.Millisecond
	nodes := startCluster(t, 3, func(_ int, c *config.Config) {
		c.BackupInterval, c.BackupKeep = interval, 1000
	})
	turn := func() int64 { return time.Now().UnixNano() / int64(interval) }
	count := func(n node) int {
		entries, _ := os.ReadDir(n.app.cfg.BackupDir)
		return len(entries)
	}
	first := turn()
	time.Sleep(8 * interval)
	last := turn()
	total, latest := 0, -1
	var latestAt time.Time
	for i, n := range nodes {
		total += count(n)
		if s := n.app.backups.Status(); s.LastSuccess.After(latestAt) {
			latest, latestAt = i, s.LastSuccess
		}
	}
	t.Logf("%d backups in %d intervals by 3 nodes", total, last-first+1)
	assert.LessOrEqual(t, int64(total), last-first+1, "at most one backup per interval")
	require.Positive(t, total)

	nodes[latest].stop()
	var before int
	for i, n := range nodes {
		if i != latest {
			before += count(n)
		}
	}
	require.Eventually(t, func() bool {
		after := 0
		for i, n := range nodes {
			if i != latest {
				after += count(n)
			}
		}
		return after > before
	}, 10*time.Second, 10*time.Millisecond, "the others take the next backups")
}

// Failed logins count for the cluster: ten wrong passwords spread over
// two nodes lock that username out from that address on both, as ten on
// one node would.
func TestCluster_FailedLoginsCountOnEveryNode(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	_, err := nodes[0].app.chat.CreateUser(context.Background(), chat.SystemActor, chat.NewUser{Username: "alice", Email: "alice@example.com", Password: "the right password"})
	require.NoError(t, err)
	login := func(n node, password string) int {
		resp, err := http.Post(n.url+"/api/login", "application/json", strings.NewReader(`{"username": "alice", "password": "`+password+`"}`))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 10 {
		require.Equal(t, http.StatusUnauthorized, login(nodes[i%2], "wrong"), "try %d", i+1)
	}
	assert.Equal(t, http.StatusTooManyRequests, login(nodes[0], "the right password"))
	assert.Equal(t, http.StatusTooManyRequests, login(nodes[1], "the right password"))
}

// A user's post limit counts for the cluster: the burst spent half on A
// and half on B leaves nothing on either.
func TestCluster_APostLimitCountsOnEveryNode(t *testing.T) {
	nodes := startCluster(t, 2, func(_ int, c *config.Config) { c.PostsPerSecond, c.PostBurst = 0.01, 6 })
	room, _, _, token := roomWithBob(t, nodes[0].app)
	post := func(n node) int {
		req, _ := http.NewRequest(http.MethodPost, n.url+"/api/messages", strings.NewReader(`{"room": "`+room.ID.Hex()+`", "text": "hi"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 6 {
		other := nodes[(i+1)%2].app.bus
		heard := other.Stats().Received
		require.Equal(t, http.StatusCreated, post(nodes[i%2]), "post %d", i+1)
		// The next post goes to the other node once it heard of this one.
		require.Eventually(t, func() bool { return other.Stats().Received > heard }, 10*time.Second, time.Millisecond)
	}
	assert.Equal(t, http.StatusTooManyRequests, post(nodes[0]))
	assert.Equal(t, http.StatusTooManyRequests, post(nodes[1]))
}

// Every node uses the first node's secret key and Web Push keys: a
// device cookie or a push subscription made through one node holds on
// the others, and every node's backups carry the keys in use.
func TestCluster_EveryNodeUsesTheSameSecrets(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	a, b := nodes[0].app, nodes[1].app
	assert.Equal(t, a.cfg.SecretKey, b.cfg.SecretKey)
	own, err := os.ReadFile(b.cfg.DataDir + "/secret_key")
	require.NoError(t, err)
	assert.NotEqual(t, b.cfg.SecretKey, strings.TrimSpace(string(own)), "B made its own, and uses the cluster's")
	keysA, err := os.ReadFile(a.cfg.DataDir + "/vapid.json")
	require.NoError(t, err)
	keysB, err := os.ReadFile(b.cfg.DataDir + "/vapid.json")
	require.NoError(t, err)
	assert.Equal(t, string(keysA), string(keysB))
}

// Each node knows the others (cluster status) and who is online on any
// of them: a user with a stream on A is online for B's API.
func TestCluster_NodesKnowEachOtherAndWhoIsOnline(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	alice, token := user(t, a.app, "alice", false)
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(a.url, "http")+"/api/stream?token="+token, nil)
	require.NoError(t, err)
	defer c.CloseNow()

	statusOnB := func() string {
		req, _ := http.NewRequest(http.MethodGet, b.url+"/api/presence?users="+alice.ID.Hex(), nil)
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out []struct {
			Status string `json:"status"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		if len(out) == 0 {
			return ""
		}
		return out[0].Status
	}
	require.Eventually(t, func() bool { return statusOnB() == "online" }, 20*time.Second, 100*time.Millisecond)

	var info control.ClusterInfo
	require.Eventually(t, func() bool {
		require.NoError(t, control.Call(ctx, control.SocketPath(b.app.cfg.DataDir), control.OpCluster, nil, &info))
		return len(info.Nodes) == 2
	}, 20*time.Second, 100*time.Millisecond)
	assert.True(t, info.NATSConnected)
	assert.True(t, info.Nodes[0].Self)
	assert.Equal(t, b.app.bus.Node(), info.Nodes[0].Node)
	assert.Equal(t, a.app.bus.Node(), info.Nodes[1].Node)
	assert.Equal(t, "test", info.Nodes[1].Version)
	assert.Equal(t, 1, info.Nodes[1].Streams, "alice's stream on A")
}

// A member made a guest on A may no longer post through B, on the very
// next request once B heard of it, though B's cache had the membership.
func TestCluster_ARoleChangedOnOneNodeHoldsOnTheOthersAtOnce(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	room, member, adminToken, bobToken := roomWithBob(t, nodes[0].app)
	call := func(method, url, token, body string) int {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	post := `{"room": "` + room.ID.Hex() + `", "text": "hi"}`
	require.Equal(t, http.StatusCreated, call(http.MethodPost, nodes[1].url+"/api/messages", bobToken, post), "B caches bob's membership")

	heard := nodes[1].app.bus.Stats().Received
	require.Equal(t, http.StatusOK, call(http.MethodPatch, nodes[0].url+"/api/members/"+member.ID.Hex(), adminToken, `{"role": "guest"}`))
	require.Eventually(t, func() bool { return nodes[1].app.bus.Stats().Received > heard }, 10*time.Second, time.Millisecond)
	assert.Equal(t, http.StatusForbidden, call(http.MethodPost, nodes[1].url+"/api/messages", bobToken, post))
}

// Registrations from one address count for the cluster: 20 spread over
// two nodes, then the next is refused on both.
func TestCluster_RegistrationsFromOneAddressCountOnEveryNode(t *testing.T) {
	nodes := startCluster(t, 2, func(_ int, c *config.Config) { c.AllowRegistration = true })
	register := func(n node, i int) int {
		body := fmt.Sprintf(`{"username": "user%d", "email": "user%d@example.com", "password1": "a long password", "password2": "a long password"}`, i, i)
		resp, err := http.Post(n.url+"/api/register", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 20 {
		require.Equal(t, http.StatusCreated, register(nodes[i%2], i), "registration %d", i+1)
	}
	assert.Equal(t, http.StatusTooManyRequests, register(nodes[0], 20))
	assert.Equal(t, http.StatusTooManyRequests, register(nodes[1], 21))
}

// roomWithBob makes through a an administrator, a room of its, and bob,
// a member of that room; it returns the room, bob's membership and the
// two users' tokens.
func roomWithBob(t *testing.T, a *App) (storage.Room, storage.Member, string, string) {
	t.Helper()
	admin, adminToken := user(t, a, "admin", true)
	bob, bobToken := user(t, a, "bob", false)
	ctx := context.Background()
	room, err := a.chat.CreateRoom(ctx, chat.Actor{User: admin}, chat.NewRoom{Name: "general"})
	require.NoError(t, err)
	member, err := a.chat.AddMember(ctx, chat.Actor{User: admin}, room.ID, bob.ID, "")
	require.NoError(t, err)
	return room, member, adminToken, bobToken
}
