package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig_PrintsEachValueWithItsSourceAndMasksSecrets(t *testing.T) {
	s := newSite(t)
	file := filepath.Join(t.TempDir(), "makechat.conf")
	require.NoError(t, os.WriteFile(file, []byte("[DEFAULT]\nsecret_key = do-not-show-me\nsession_ttl = 7200\nold_key = 1\n"), 0o600))
	s.env = append(s.env, "MAKECHAT_MONGO_URI=mongodb://bob:hunter2@db.example:27017/chat")
	r := s.run("--config", file, "config", "--posts-per-second", "2.5")
	require.Equal(t, 0, r.code, r.stderr)
	lines := map[string]string{}
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines[f[0]] = l
		}
	}
	assert.Contains(t, r.stdout, "config file: "+file)
	assert.Regexp(t, `^session_ttl\s+7200\s+`+file+`:3$`, lines["session_ttl"])
	assert.Regexp(t, `^posts_per_second\s+2\.5\s+--posts-per-second$`, lines["posts_per_second"])
	assert.Regexp(t, `^listen\s+127\.0\.0\.1:0\s+MAKECHAT_LISTEN$`, lines["listen"])
	assert.Regexp(t, `^secret_key\s+\*\*\*\*\s+`, lines["secret_key"])
	assert.Contains(t, lines["mongo_uri"], "mongodb://bob:****@db.example:27017/chat")
	assert.NotContains(t, r.stdout, "hunter2")
	assert.NotContains(t, r.stdout, "do-not-show-me")
	assert.Contains(t, r.stdout, `unknown key "old_key"`)

	// Bad input is one line and a non-zero status, as everywhere.
	r = s.run("config", "--stream-max-lag", "forever")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(r.stderr), "\n")+1, r.stderr)
	assert.Contains(t, r.stderr, "stream_max_lag")
	r = s.run("config", "--no-such-option", "1")
	assert.Equal(t, 2, r.code)
	r = s.run("--config", filepath.Join(t.TempDir(), "missing.conf"), "config")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "missing.conf")
}
