package appliance

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/control"
)

// Maintenance switched on one node is on for every node: the admin's
// switch on B makes A answer 503; the CLI (the control socket) on A
// switches it off for B.
func TestCluster_MaintenanceIsOneForEveryNode(t *testing.T) {
	nodes := startCluster(t, 2, nil)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	admin, err := a.app.chat.CreateUser(ctx, chat.SystemActor, chat.NewUser{Username: "admin", Email: "admin@example.com", Password: "a long password", IsSuperuser: true})
	require.NoError(t, err)
	_, token, err := a.app.chat.CreateToken(ctx, chat.Actor{User: admin}, "bot")
	require.NoError(t, err)
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
	nodes := startCluster(t, 3, func(c *config.Config) {
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
