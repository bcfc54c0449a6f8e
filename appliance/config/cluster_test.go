package config

import (
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
