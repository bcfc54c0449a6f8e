package cli_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/backup"
	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
)

// backupOf writes a backup of a store holding users, imported as they
// are (Import applies no rules), and returns its path.
func backupOf(t *testing.T, users ...storage.User) string {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "source.db"), bolt.Options{})
	require.NoError(t, err)
	defer st.Close()
	var recs []storage.Record
	for _, u := range users {
		recs = append(recs, storage.Record{Collection: storage.CollUsers, Value: u})
	}
	require.NoError(t, st.Import(context.Background(), recs))
	path, _, err := backup.ToDir(context.Background(), st, t.TempDir(), backup.Info{Version: "old", Source: "bolt"})
	require.NoError(t, err)
	return path
}

func TestRestore_ListsTwentyLegacyRecordsAndCountsTheRest(t *testing.T) {
	ids := storage.NewIDGen()
	var users []storage.User
	for i := range 25 {
		// A username of the original's Django rule, which today's refuses.
		users = append(users, storage.User{ID: ids.New(), Username: fmt.Sprintf("user.%02d", i), Email: fmt.Sprintf("u%d@example.com", i), Created: time.Now()})
	}
	path := backupOf(t, users...)

	r := newSite(t).run("restore", path)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 1+1+20+1, r.stdout)
	assert.Contains(t, lines[0], "restored 25 records")
	assert.Equal(t, "kept 25 records that today's rules refuse but an older makechat allowed:", lines[1])
	assert.Equal(t, fmt.Sprintf(`  users.jsonl line 1 (_id %s): username "user.00" is not 1 to 120 of a-z, A-Z, 0-9, '_' and '-' (allowed by an older makechat)`, users[0].ID), lines[2])
	assert.Contains(t, lines[21], `username "user.19"`)
	assert.Equal(t, "  and 5 more", lines[22])
}

func TestRestore_RefusesABadRecordInOneLineNamingIt(t *testing.T) {
	bad := storage.User{ID: storage.NewIDGen().New(), Username: "bob", Email: "x", Created: time.Now()}
	path := backupOf(t, bad)

	s := newSite(t)
	require.Equal(t, 0, s.run("user", "create", "-u", "admin", "-p", "admin_pass", "-e", "admin@example.com", "-admin").code)
	r := s.run("restore", path, "--force")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, fmt.Sprintf("makechat: backup %s: users.jsonl line 1 (_id %s): email \"x\" has no '@'\n", path, bad.ID), r.stderr)
	r = s.run("user", "list")
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "admin@example.com", "the refused restore --force left the store as it was")
}

func TestRestore_ABackupOfARunningServerHoldsNothingLegacy(t *testing.T) {
	path, _ := backupWhileServing(t, newSite(t))
	r := newSite(t).run("restore", path)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "restored ")
	assert.NotContains(t, r.stdout, "kept", "what today's makechat writes passes today's rules")
}
