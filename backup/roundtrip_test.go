package backup

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/mongo"
	"github.com/makechat/makechat/storage/mongo/mongotest"
)

// TestMain starts FerretDB, so that backups can cross to the MongoDB
// backend through the real driver.
func TestMain(m *testing.M) { os.Exit(mongotest.Main(m)) }

// sortedDump is dump in an order that does not depend on the backend.
func sortedDump(t *testing.T, st storage.Store) []string {
	t.Helper()
	out := dump(t, st)
	slices.Sort(out)
	return out
}

func TestBackupCrossesBackends_BoltToMongoToBolt(t *testing.T) {
	for _, srv := range mongotest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			ctx := context.Background()
			src := openStore(t)
			fill(t, src, storage.NewIDGen(), 3000)
			want := sortedDump(t, src)
			fromBolt, _, err := ToDir(ctx, src, t.TempDir(), Info{Version: "test", Source: "bolt"})
			require.NoError(t, err)

			m, err := mongo.Open(ctx, srv.NewDatabase(t), mongo.Options{})
			require.NoError(t, err)
			defer m.Close()
			_, err = Restore(ctx, m, fromBolt, RestoreOptions{})
			require.NoError(t, err)
			assert.Equal(t, want, sortedDump(t, m), "bolt -> mongo")
			u, err := m.UserByName(ctx, "ALICE")
			require.NoError(t, err, "the restored indexes find users without regard to case")
			assert.Equal(t, "$2a$10$hash", u.PasswordHash)

			fromMongo, manifest, err := ToDir(ctx, m, t.TempDir(), Info{Version: "test", Source: "mongo"})
			require.NoError(t, err)
			assert.Equal(t, "mongo", manifest.Source)
			back := openStore(t)
			_, err = Restore(ctx, back, fromMongo, RestoreOptions{})
			require.NoError(t, err)
			assert.Equal(t, want, sortedDump(t, back), "bolt -> mongo -> bolt")
			rooms, err := back.Rooms(ctx)
			require.NoError(t, err)
			require.Len(t, rooms, 1)
			found, err := back.SearchMessages(ctx, storage.SearchQuery{Terms: storage.SearchTerms("ÜNÏCODE message 2999"), Conversations: []storage.Conversation{storage.RoomConversation(rooms[0].ID)}})
			require.NoError(t, err)
			require.Len(t, found, 1, "the search index was rebuilt on the way")
			assert.Contains(t, found[0].Text, "message 2999 ")
		})
	}
}
