package cli_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// cluster status asks the node on this machine: without one, or on a
// node of its own, it says so in one line.
func TestClusterStatus_SaysWhyItHasNothingToShow(t *testing.T) {
	s := newSite(t)
	r := s.run("cluster", "status")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no makechat server runs with data_dir")
	r = s.run("cluster", "status", "now")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "takes no arguments")

	s.serve()
	r = s.run("cluster", "status")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "not a cluster's node")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
}
