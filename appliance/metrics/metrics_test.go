package metrics

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(b)
}

func TestMetricsCountRequestsStoreCallsAndBackups(t *testing.T) {
	streams := 3
	var lastBackup time.Time
	failures := 0
	started := time.Now().Add(-time.Hour)
	m := New(started)
	m.WatchStreams(func() int { return streams })
	m.WatchBackups(func() (time.Time, int) { return lastBackup, failures })
	m.WatchPush(func() (int64, int64, int64) { return 7, 5, 2 })

	m.ObserveRequest("/api/rooms/{id}", "GET", 200, 3*time.Millisecond)
	m.ObserveRequest("/api/rooms/{id}", "GET", 200, time.Millisecond)
	m.ObserveRequest("/api/rooms/{id}", "BREW", 405, time.Millisecond)
	m.ObserveRequest("/api/stream", "GET", 101, time.Hour)
	m.MessagePosted()

	// The store reports its operations itself, through its options.
	st, err := bolt.Open(filepath.Join(t.TempDir(), "makechat.db"), bolt.Options{Observe: m.ObserveStore})
	require.NoError(t, err)
	ctx := context.Background()
	ids := storage.NewIDGen()
	require.NoError(t, st.CreateUser(ctx, storage.User{ID: ids.New(), Username: "a", Email: "a@x"}))
	_, err = st.User(ctx, ids.New())
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.ErrorIs(t, st.CreateUser(ctx, storage.User{ID: ids.New(), Username: "A", Email: "b@x"}), storage.ErrDuplicate)

	out := scrape(t, m)
	for _, want := range []string{
		`makechat_http_requests_total{code="101",method="GET",route="/api/stream"} 1`,
		`makechat_push_fanouts_total 7`,
		`makechat_push_sent_total 5`,
		`makechat_push_dropped_total 2`,
		`makechat_http_requests_total{code="200",method="GET",route="/api/rooms/{id}"} 2`,
		`makechat_http_requests_total{code="405",method="other",route="/api/rooms/{id}"} 1`,
		`makechat_http_request_duration_seconds_count{route="/api/rooms/{id}"} 3`,
		`makechat_streams_open 3`,
		`makechat_messages_posted_total 1`,
		`makechat_store_operation_duration_seconds_count{op="create user"} 2`,
		`makechat_store_operation_duration_seconds_count{op="get user"} 1`,
		`makechat_backup_last_success_timestamp_seconds 0`,
		`makechat_backup_failures_total 0`,
		`go_goroutines`,
	} {
		assert.True(t, strings.Contains(out, want), "the scrape lacks %s", want)
	}
	assert.False(t, strings.Contains(out, `duration_seconds_count{route="/api/stream"}`), "streams last for hours: no latency for them")
	assert.False(t, strings.Contains(out, "makechat_store_errors_total{"), "not found and duplicate are answers, not faults")
	age := metricValue(t, out, "makechat_backup_age_seconds")
	assert.InDelta(t, 3600, age, 60, "without a backup, the age counts from the start")

	lastBackup, failures = time.Now().Add(-time.Minute), 2
	require.NoError(t, st.Close())
	require.Error(t, st.Ping(ctx))
	out = scrape(t, m)
	assert.InDelta(t, 60, metricValue(t, out, "makechat_backup_age_seconds"), 30)
	assert.True(t, strings.Contains(out, "makechat_backup_failures_total 2"))
	assert.True(t, strings.Contains(out, `makechat_store_errors_total{op="ping"} 1`))
}

// metricValue finds the value of an unlabelled metric in a scrape.
func metricValue(t *testing.T, out, name string) float64 {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			_, err := fmt.Sscan(v, &f)
			require.NoError(t, err)
			return f
		}
	}
	t.Fatalf("no %s in the scrape", name)
	return 0
}
