package cli_test

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The upgrade fixtures (testdata/upgrade) hold a store and a backup that
// an older makechat wrote. Every build must open, migrate and serve
// them: these tests run the built binary on them.

const fixtureDir = "../../testdata/upgrade/v1"

// fixtureData is testdata/upgrade/v1/fixture.json.
type fixtureData struct {
	AdminUser     string            `json:"admin_user"`
	AdminPassword string            `json:"admin_password"`
	AdminToken    string            `json:"admin_token"`
	HookURL       string            `json:"hook_url"`
	Session       string            `json:"session"`
	Rooms         map[string]string `json:"rooms"`
	Messages      map[string]int    `json:"messages"`
	DirectTexts   []string          `json:"direct_texts"`
}

func readFixture(t *testing.T) fixtureData {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "fixture.json"))
	require.NoError(t, err)
	var f fixtureData
	require.NoError(t, json.Unmarshal(b, &f))
	return f
}

// installFixtureStore puts the fixture's store into the site's data_dir.
func installFixtureStore(t *testing.T, s *site) {
	t.Helper()
	in, err := os.Open(filepath.Join(fixtureDir, "makechat.db.gz"))
	require.NoError(t, err)
	defer in.Close()
	zr, err := gzip.NewReader(in)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(s.dataDir, 0o700))
	out, err := os.OpenFile(filepath.Join(s.dataDir, "makechat.db"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	require.NoError(t, err)
	_, err = io.Copy(out, zr)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}

// checkFixtureServed checks that a server holds the fixture's data (and
// the messages posted by earlier checks, posted more than the fixture's
// in each room) and takes its credentials; then it posts through the
// fixture's webhook and token.
func checkFixtureServed(t *testing.T, srv *server, f fixtureData, posted int) {
	t.Helper()
	code, body := srv.post(t, "/api/login", "", fmt.Sprintf(`{"username": %q, "password": %q}`, f.AdminUser, f.AdminPassword))
	require.Equal(t, 200, code, "the old password logs in: %s", body)

	code, body = srv.get(t, "/api/rooms", f.AdminToken)
	require.Equal(t, 200, code, "the old token works: %s", body)
	for name, id := range f.Rooms {
		assert.Contains(t, body, id, "room %s", name)
		code, body := srv.get(t, "/api/messages?limit=100&room="+id, f.AdminToken)
		require.Equal(t, 200, code, body)
		var msgs []json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(body), &msgs))
		want := f.Messages[name]
		if name == "general" || name == "secret plans" {
			want += posted
		}
		assert.Equal(t, want, len(msgs), "messages of %s", name)
	}
	code, body = srv.get(t, "/api/messages?q=direct", f.AdminToken)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, f.DirectTexts[0], "the search index came through")

	{
		req, _ := http.NewRequest("GET", srv.url+"/api/ping", nil)
		req.AddCookie(&http.Cookie{Name: "session", Value: f.Session})
		resp, err := quick.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, "bob's year-long session still holds: %s", b)
		assert.Contains(t, string(b), `"username": "bob"`)
	}

	code, body = srv.post(t, f.HookURL, "", `{"text": "after the upgrade", "username": "admin"}`)
	assert.Equal(t, 200, code, "the old webhook posts: %s", body)
	assert.Contains(t, body, `"username": "CI"`, "a hook made before bots posts under its own name, not the payload's")
	code, body = srv.post(t, "/api/messages", f.AdminToken, fmt.Sprintf(`{"room": %q, "text": "new on the upgraded store"}`, f.Rooms["general"]))
	assert.Equal(t, 201, code, body)
}

func TestUpgrade_TheV1StoreIsMigratedAndServed(t *testing.T) {
	f := readFixture(t)
	s := newSite(t)
	installFixtureStore(t, s)
	srv := s.serve()
	// The store opens, and migrates, before the server says it is ready.
	assert.Contains(t, srv.log(), "migrating the store from schema version 1 to 2")
	assert.Contains(t, srv.log(), "migrated the store to schema version 2")
	checkFixtureServed(t, srv, f, 0)

	// Restarted, the store is current: nothing more to migrate, and
	// nothing lost.
	srv.signal(t, syscall.SIGTERM)
	srv = s.serve()
	checkFixtureServed(t, srv, f, 1)
	assert.NotContains(t, srv.log(), "migrating")
}

func TestUpgrade_TheV1BackupRestoresAndServes(t *testing.T) {
	f := readFixture(t)
	s := newSite(t)
	backupPath, err := filepath.Abs(filepath.Join(fixtureDir, "backup.zip"))
	require.NoError(t, err)
	r := s.run("restore", backupPath)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "restored")
	assert.NotContains(t, r.stdout, "kept", "a v1 backup holds nothing that today's rules refuse")
	srv := s.serve()
	checkFixtureServed(t, srv, f, 0)
}
