package appliance

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/config"
)

// composeNodes reads the makechat nodes of compose.cluster.yaml: each
// one's MAKECHAT_* settings, loaded as the binary loads them.
func composeNodes(t *testing.T) []config.Config {
	t.Helper()
	data, err := os.ReadFile("../compose.cluster.yaml")
	require.NoError(t, err)
	service := regexp.MustCompile(`^  (makechat\d+):$`)
	setting := regexp.MustCompile(`^\s+(MAKECHAT_[A-Z_]+): (.*?)(\s+#.*)?$`)
	var nodes []map[string]string
	var current map[string]string // the node whose lines these are (nil: another service)
	for _, line := range strings.Split(string(data), "\n") {
		switch m := setting.FindStringSubmatch(line); {
		case service.MatchString(line):
			current = map[string]string{"MAKECHAT_DATA_DIR": t.TempDir()}
			nodes = append(nodes, current)
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   "):
			current = nil
		case m != nil && current != nil:
			current[m[1]] = strings.Trim(m[2], `"`)
		}
	}
	var out []config.Config
	for _, env := range nodes {
		c, err := config.Load("", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)
		require.NoError(t, err)
		out = append(out, c)
	}
	return out
}

// The compose example is three nodes with NATS inside them, each given
// every node as a peer, on one replica set, behind a load balancer that
// checks /healthz: the settings TestCluster_ThreeNodesWithNATSInside runs.
func TestCluster_TheComposeExampleIsWhatTheTestsRun(t *testing.T) {
	nodes := composeNodes(t)
	require.Len(t, nodes, 3)
	for _, c := range nodes {
		assert.True(t, c.Clustered() && c.NATSEmbedded)
		assert.Equal(t, "0.0.0.0:6222", c.NATSClusterListen)
		assert.Equal(t, []string{"makechat1:6222", "makechat2:6222", "makechat3:6222"}, c.NATSClusterPeers)
		assert.Contains(t, c.MongoURI, "replicaSet=rs0")
		assert.NotEmpty(t, c.TrustedProxies, "the load balancer's X-Forwarded-For is believed")
	}
	lb, err := os.ReadFile("../packaging/cluster/haproxy.cfg")
	require.NoError(t, err)
	for _, want := range []string{"option httpchk GET /healthz", "server makechat1 makechat1:8080", "server makechat2 makechat2:8080", "server makechat3 makechat3:8080", "timeout tunnel"} {
		assert.Contains(t, string(lb), want)
	}
}
