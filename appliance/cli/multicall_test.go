package cli

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMultiCall_NamesActAsTheirSubcommand(t *testing.T) {
	assert.Equal(t, []string{"makechat", "backup", "--out", "/x"}, multiCall([]string{"/usr/local/bin/backup", "--out", "/x"}))
	assert.Equal(t, []string{"makechat", "maintenance", "on"}, multiCall([]string{"maintenance", "on"}))
	assert.Equal(t, []string{"/bin/makechat", "serve"}, multiCall([]string{"/bin/makechat", "serve"}))
	assert.Equal(t, []string{"makechat"}, multiCall(nil))
}
