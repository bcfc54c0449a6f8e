package cli_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var backupPath = regexp.MustCompile(`backup written: (\S+\.zip) \((\d+) records, (\d+) messages`)

// backupWhileServing starts a server with an admin, a room and some
// messages, takes a backup through the multi-call name "backup" while
// posters keep posting, and returns the backup's path and the texts of
// the messages acknowledged before the backup began.
func backupWhileServing(t *testing.T, s *site) (string, []string) {
	t.Helper()
	require.Equal(t, 0, s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	srv := s.serve()
	token := srv.loginToken(t, "admin", "admin_pass")
	code, body := srv.post(t, "/api/rooms", token, `{"name": "général"}`)
	require.Equal(t, 201, code, body)
	room := body[strings.Index(body, `"$oid": "`)+9:][:24]
	var before []string
	for i := range 30 {
		text := fmt.Sprintf("before %d", i)
		code, body := srv.post(t, "/api/messages", token, `{"room": "`+room+`", "text": "`+text+`"}`)
		require.Equal(t, 201, code, body)
		before = append(before, text)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for p := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("during %d-%d", p, i)
				code, body, err := srv.tryPost("/api/messages", token, `{"room": "`+room+`", "text": "`+text+`"}`)
				if err == nil && code != 201 {
					err = fmt.Errorf("post %q: %d %s", text, code, body)
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
			}
		})
	}
	link := filepath.Join(t.TempDir(), "backup")
	require.NoError(t, os.Symlink(binary, link))
	r := s.runAs(link, "--out", "out")
	close(stop)
	wg.Wait() // each post ends within the client's timeout
	require.NoError(t, errors.Join(errs...), "the server kept serving during the backup")
	require.Equal(t, 0, r.code, r.stderr)
	m := backupPath.FindStringSubmatch(r.stdout)
	require.NotNil(t, m, r.stdout)
	srv.signal(t, syscall.SIGTERM)
	return m[1], before
}

func TestBackup_WhileServingThenRestoreIntoANewDataDir(t *testing.T) {
	path, before := backupWhileServing(t, newSite(t))
	assert.FileExists(t, path)

	s := newSite(t)
	r := s.run("restore", path)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "restored ")
	assert.Contains(t, r.stderr, "(100%)")

	srv := s.serve()
	token := srv.loginToken(t, "admin", "admin_pass")
	code, body := srv.get(t, "/api/rooms", token)
	require.Equal(t, 200, code)
	room := body[strings.Index(body, `"$oid": "`)+9:][:24]
	code, body = srv.get(t, "/api/messages?room="+room+"&limit=100", token)
	require.Equal(t, 200, code)
	for _, text := range before {
		assert.Contains(t, body, `"`+text+`"`)
	}

	// Restoring again into the now non-empty store is refused.
	srv.signal(t, syscall.SIGTERM)
	r = s.run("restore", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "not empty")
	assert.Contains(t, r.stderr, "--force")
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), r.stderr)
	r = s.run("restore", path, "--force")
	assert.Equal(t, 0, r.code, r.stderr)
}

func TestBackup_WithoutAServerOpensTheStoreItself(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	r := s.run("backup")
	require.Equal(t, 0, r.code, r.stderr)
	m := backupPath.FindStringSubmatch(r.stdout)
	require.NotNil(t, m, r.stdout)
	assert.Equal(t, filepath.Join(s.dataDir, "backups"), filepath.Dir(m[1]), "backup_dir defaults to data_dir/backups")
	assert.Equal(t, "1", m[2])
}

func TestBackupAndRestore_BadInput(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	garbage := filepath.Join(t.TempDir(), "garbage.zip")
	require.NoError(t, os.WriteFile(garbage, []byte("PK\x03\x04 not really"), 0o600))
	blocker := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"restore"}, 2, "one backup file"},
		{[]string{"restore", "a", "b"}, 2, "one backup file"},
		{[]string{"restore", filepath.Join(t.TempDir(), "missing.zip")}, 1, "no such file"},
		{[]string{"restore", garbage}, 1, "damaged or not a makechat backup"},
		{[]string{"restore", garbage, "--force"}, 1, "damaged or not a makechat backup"},
		{[]string{"backup", "extra"}, 2, "no arguments"},
		{[]string{"backup", "--out", blocker}, 1, "backup:"},
		{[]string{"backup", "--bogus"}, 2, "bogus"},
	}
	for _, c := range cases {
		r := s.run(c.args...)
		assert.Equal(t, c.code, r.code, "%v: %s", c.args, r.stderr)
		assert.Contains(t, r.stderr, c.want, c.args)
		assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "%v: %s", c.args, r.stderr)
	}
	// Nothing above touched the store.
	r := s.run("user", "list")
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "admin@example.com")
}

func TestRestore_RefusedWhileAServerRuns(t *testing.T) {
	path, _ := backupWhileServing(t, newSite(t))
	s := newSite(t)
	s.serve()
	r := s.run("restore", path, "--force")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "stop it before restoring")
}

func TestRestore_AnInterruptedRestoreBlocksServeUntilRedone(t *testing.T) {
	path, _ := backupWhileServing(t, newSite(t))
	s := newSite(t)
	// What a restore killed half-way leaves behind.
	require.NoError(t, os.MkdirAll(s.dataDir, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(s.dataDir, "restore-incomplete"), []byte(path), 0o600))
	r := s.run("serve")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "restore into this store was interrupted")
	r = s.run("restore", path)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "--force")
	r = s.run("restore", path, "--force")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NoFileExists(t, filepath.Join(s.dataDir, "restore-incomplete"))
	srv := s.serve()
	srv.loginToken(t, "admin", "admin_pass")
}

func TestHealth_AnswersForARunningServerOnly(t *testing.T) {
	s := newSite(t)
	r := s.run("health")
	assert.Equal(t, 1, r.code, "no server yet")
	assert.Contains(t, r.stderr, "no answer from http://127.0.0.1:")
	srv := s.serve()
	s.env = append(s.env, "MAKECHAT_LISTEN="+strings.TrimPrefix(srv.url, "http://"))
	r = s.run("health")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "/healthz: ok")
}

func TestServe_SIGTERMDuringABurstLosesNoAcknowledgedPost(t *testing.T) {
	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	srv := s.serve()
	token := srv.loginToken(t, "admin", "admin_pass")
	code, body := srv.post(t, "/api/rooms", token, `{"name": "burst"}`)
	require.Equal(t, 201, code, body)
	room := body[strings.Index(body, `"$oid": "`)+9:][:24]

	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for p := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				text := fmt.Sprintf("burst %d-%d", p, i)
				req, _ := http.NewRequest("POST", srv.url+"/api/messages", strings.NewReader(`{"room": "`+room+`", "text": "`+text+`"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Auth-Token", token)
				code, _, err := send(req)
				if err != nil {
					return // the server has gone
				}
				if code == 201 {
					mu.Lock()
					acked = append(acked, text)
					mu.Unlock()
				}
			}
		})
	}
	// SIGTERM once the burst is under way.
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 50
	}, 30*time.Second, 10*time.Millisecond, "posts are acknowledged")
	srv.signal(t, syscall.SIGTERM)
	wg.Wait() // each post ends within the client's timeout
	assert.NoError(t, srv.err, "exit status 0")
	require.NotEmpty(t, acked)

	srv = s.serve()
	token = srv.loginToken(t, "admin", "admin_pass")
	stored := map[string]bool{}
	for before := ""; ; {
		code, body := srv.get(t, "/api/messages?room="+room+"&limit=100"+before, token)
		require.Equal(t, 200, code, body)
		var page []struct {
			ID struct {
				OID string `json:"$oid"`
			} `json:"_id"`
			Text string `json:"text"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &page), body)
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			stored[m.Text] = true
		}
		before = "&before=" + page[0].ID.OID
	}
	for _, text := range acked {
		require.True(t, stored[text], "acknowledged %q is missing after SIGTERM", text)
	}
	t.Logf("%d posts acknowledged before SIGTERM, all stored", len(acked))
}
