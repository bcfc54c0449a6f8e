package appliance

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/chat"
	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/control"
)

// Three nodes with NATS inside them (nats_embedded), each given the same
// list of peers, as compose.cluster.yaml runs them: their servers join by
// routes, a message posted on one reaches a stream on another, and each
// node sees the other two.
func TestCluster_ThreeNodesWithNATSInside(t *testing.T) {
	ports := make([]string, 3)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		ports[i] = l.Addr().String()
		l.Close()
	}
	// compose.cluster.yaml's settings, on loopback: makechatN:6222 is
	// ports[N-1].
	compose := composeNodes(t)
	require.Len(t, compose, 3)
	onLoopback := func(addr string) string {
		var n int
		_, err := fmt.Sscanf(addr, "makechat%d:6222", &n)
		require.NoError(t, err, addr)
		return ports[n-1]
	}
	nodes := startCluster(t, 3, func(i int, c *config.Config) {
		c.NATSURL, c.NATSEmbedded = "", compose[i].NATSEmbedded
		c.NATSClusterListen = ports[i]
		c.NATSClusterPeers = nil
		for _, p := range compose[i].NATSClusterPeers {
			c.NATSClusterPeers = append(c.NATSClusterPeers, onLoopback(p))
		}
	})
	for _, n := range nodes {
		require.Eventually(t, func() bool { return n.app.nats.Routes() >= 2 }, 20*time.Second, 10*time.Millisecond, "routes to both others")
	}
	ctx := context.Background()
	admin, token := user(t, nodes[0].app, "admin", true)
	room, err := nodes[0].app.chat.CreateRoom(ctx, chat.Actor{User: admin}, chat.NewRoom{Name: "general"})
	require.NoError(t, err)

	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(nodes[2].url, "http")+"/api/stream?token="+token, nil)
	require.NoError(t, err)
	defer c.CloseNow()
	// Until the nodes have heard each other, the first events may wait
	// for a node's frontier; posting through A is answered at once.
	_, err = nodes[0].app.chat.Post(ctx, chat.Actor{User: admin}, chat.NewMessage{Room: room.ID, Text: "through routes"})
	require.NoError(t, err)
	for {
		_, data, err := c.Read(dctx)
		require.NoError(t, err, "the message posted on A reaches the stream on C")
		if strings.Contains(string(data), chat.EventMessageCreated) {
			assert.Contains(t, string(data), "through routes")
			break
		}
	}

	var info control.ClusterInfo
	require.Eventually(t, func() bool {
		require.NoError(t, control.Call(ctx, control.SocketPath(nodes[1].app.cfg.DataDir), control.OpCluster, nil, &info))
		return len(info.Nodes) == 3
	}, 20*time.Second, 100*time.Millisecond, fmt.Sprint(info))
}
