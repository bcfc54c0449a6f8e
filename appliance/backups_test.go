package appliance

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/config"
	"github.com/makechat/makechat/appliance/maintenance"
	"github.com/makechat/makechat/appliance/push"
	"github.com/makechat/makechat/backup"
)

// testConfig is the configuration of a server on a fresh data_dir.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{"HOME": dir, "MAKECHAT_DATA_DIR": filepath.Join(dir, "data"), "MAKECHAT_LISTEN": "127.0.0.1:0"}
	cfg, err := config.Load("", func(k string) (string, bool) { v, ok := env[k]; return v, ok }, nil)
	require.NoError(t, err)
	return cfg
}

func health(t *testing.T, a *App) map[string]any {
	t.Helper()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/healthz")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return body
}

func TestScheduledBackupsKeepTheNewestAndReportInHealthz(t *testing.T) {
	cfg := testConfig(t)
	a, err := New(cfg, zerolog.New(io.Discard), "test")
	require.NoError(t, err)
	defer a.store.Close()
	assert.Equal(t, map[string]any{"status": "ok"}, health(t, a), "no backup detail while none are scheduled")

	// The option's setter refuses less than a minute; tests go faster.
	a.backups.cfg.BackupInterval = 20 * time.Millisecond
	a.backups.cfg.BackupKeep = 2
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.backups.Schedule(ctx); close(done) }()
	var firstTwo []string
	require.Eventually(t, func() bool {
		firstTwo, _ = backup.List(cfg.BackupDir)
		return a.backups.Status().LastSuccess.After(time.Time{}) && len(firstTwo) == 2 && a.backups.Status().LastPath == firstTwo[1]
	}, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		last := a.backups.Status().LastPath
		return last != "" && !slices.Contains(firstTwo, last)
	}, 10*time.Second, 10*time.Millisecond, "a third backup is taken")
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the schedule did not stop within 10 s of its context's end")
	}
	list, err := backup.List(cfg.BackupDir)
	require.NoError(t, err)
	assert.Len(t, list, 2, "backup_keep")
	detail := health(t, a)["backup"].(map[string]any)
	assert.NotEmpty(t, detail["last_success"])
	assert.Equal(t, float64(0), detail["failures"])

	// A backup_dir that cannot be written: the failure shows.
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	a.backups.cfg.BackupDir = blocker
	a.backups.scheduled(context.Background())
	detail = health(t, a)["backup"].(map[string]any)
	assert.Equal(t, float64(1), detail["failures"])
	assert.Contains(t, detail["last_error"], "backup:")
	assert.Equal(t, "ok", health(t, a)["status"], "a failed backup does not make the server unhealthy")
}

func TestMaintenancePage_CustomFileStaysInsideWebCustomDir(t *testing.T) {
	page := func(cfg config.Config) (int, string, string) {
		t.Helper()
		m := maintenance.Open(t.TempDir())
		require.NoError(t, m.Set(true))
		rec := httptest.NewRecorder()
		maintenancePage(cfg, m, func(*http.Request) bool { return false }, http.NotFoundHandler()).
			ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		return rec.Code, rec.Body.String(), rec.Header().Get("Content-Security-Policy")
	}
	cfg := testConfig(t)
	code, body, csp := page(cfg)
	assert.Equal(t, 503, code)
	assert.Contains(t, body, "Back in a few minutes")
	assert.Contains(t, csp, "default-src 'none'")

	cfg.WebCustomDir = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(cfg.WebCustomDir, "maintenance.html"), []byte("<p>Our own page</p>"), 0o644))
	_, body, _ = page(cfg)
	assert.Equal(t, "<p>Our own page</p>", body)

	// A link that leads out of the folder is not followed.
	secret := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(secret, []byte("not for visitors"), 0o600))
	cfg.WebCustomDir = t.TempDir()
	require.NoError(t, os.Symlink(secret, filepath.Join(cfg.WebCustomDir, "maintenance.html")))
	code, body, _ = page(cfg)
	assert.Equal(t, 503, code)
	assert.NotContains(t, body, "not for visitors")
	assert.Contains(t, body, "Back in a few minutes")
}

func TestBackups_CarryTheWebPushKeysBackToANewDataDir(t *testing.T) {
	cfg := testConfig(t)
	a, err := New(cfg, zerolog.New(io.Discard), "test")
	require.NoError(t, err)
	keys, err := os.ReadFile(filepath.Join(cfg.DataDir, push.KeysFile))
	require.NoError(t, err, "made at first start")
	info, err := a.backups.Backup(context.Background(), "")
	require.NoError(t, err)
	a.store.Close()

	fresh := testConfig(t)
	m, err := Restore(context.Background(), fresh, info.Path, backup.RestoreOptions{})
	require.NoError(t, err)
	assert.JSONEq(t, string(keys), string(m.PushKeys))
	got, err := os.ReadFile(filepath.Join(fresh.DataDir, push.KeysFile))
	require.NoError(t, err)
	assert.JSONEq(t, string(keys), string(got), "the restored subscriptions' keys")
	b, err := New(fresh, zerolog.New(io.Discard), "test")
	require.NoError(t, err)
	defer b.store.Close()
	again, err := os.ReadFile(filepath.Join(fresh.DataDir, push.KeysFile))
	require.NoError(t, err)
	assert.Equal(t, got, again, "kept, not made anew")
}
