package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A node runs NATS inside it or uses NATS servers, not both; peers are
// those of the embedded server.
func TestLoad_ClusterOptionsThatContradictEachOther(t *testing.T) {
	_, err := loadT(t, "", map[string]string{"MAKECHAT_NATS_EMBEDDED": "true", "MAKECHAT_NATS_URL": "nats://a:4222"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nats_embedded")
	assert.Contains(t, err.Error(), "not both")
	_, err = loadT(t, "", map[string]string{"MAKECHAT_NATS_CLUSTER_PEERS": "10.0.0.2:6222"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "needs nats_embedded = true")
	c, err := loadT(t, "", map[string]string{"MAKECHAT_NATS_EMBEDDED": "on", "MAKECHAT_NATS_CLUSTER_PEERS": "10.0.0.1:6222, 10.0.0.2:6222,,"}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.1:6222", "10.0.0.2:6222"}, c.NATSClusterPeers)
	assert.Equal(t, "0.0.0.0:6222", c.NATSClusterListen)
}

func TestLoad_ClusterOptionsAreChecked(t *testing.T) {
	for _, c := range []struct{ key, value, want string }{
		{"nats_embedded", "maybe", "not a boolean"},
		{"nats_cluster_listen", "6222", "not host:port"},
		{"nats_cluster_listen", ":99999", "from 1 to 65535"},
		{"nats_cluster_peers", "10.0.0.2:6222, nope", `"nope": not host:port`},
	} {
		_, err := loadT(t, "", map[string]string{"MAKECHAT_" + strings.ToUpper(c.key): c.value}, nil)
		require.Error(t, err, c.key)
		assert.Contains(t, err.Error(), c.want)
		assert.Contains(t, err.Error(), c.key)
	}
	c, err := loadT(t, "", map[string]string{"MAKECHAT_NATS_EMBEDDED": "yes", "MAKECHAT_NATS_CLUSTER_LISTEN": "10.0.0.1:7222"}, nil)
	require.NoError(t, err)
	assert.True(t, c.NATSEmbedded && c.Clustered())
	assert.Equal(t, "10.0.0.1:7222", c.NATSClusterListen)
}
