package backup

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
			requireFileBytes(t, m)
			u, err := m.UserByName(ctx, "ALICE")
			require.NoError(t, err, "the restored indexes find users without regard to case")
			assert.Equal(t, aBcryptHash, u.PasswordHash)

			fromMongo, manifest, err := ToDir(ctx, m, t.TempDir(), Info{Version: "test", Source: "mongo"})
			require.NoError(t, err)
			assert.Equal(t, "mongo", manifest.Source)
			back := openStore(t)
			_, err = Restore(ctx, back, fromMongo, RestoreOptions{})
			require.NoError(t, err)
			assert.Equal(t, want, sortedDump(t, back), "bolt -> mongo -> bolt")
			requireFileBytes(t, back)
			rooms, err := back.Rooms(ctx)
			require.NoError(t, err)
			require.Len(t, rooms, 1)
			found, err := back.SearchMessages(ctx, storage.SearchQuery{Terms: storage.SearchTerms("ÜNÏCODE message 2999"), Conversations: []storage.Conversation{storage.RoomConversation(rooms[0].ID)}})
			require.NoError(t, err)
			require.Len(t, found.Messages, 1, "the search index was rebuilt on the way")
			assert.Contains(t, found.Messages[0].Text, "message 2999 ")
			for _, st := range []storage.Store{m, back} {
				alice, err := st.UserByName(ctx, "alice")
				require.NoError(t, err)
				psst, err := st.MessageByClientID(ctx, alice.ID, "web-psst-1")
				require.NoError(t, err, "the client id index was rebuilt on the way")
				assert.Equal(t, "psst", psst.Text)
				var reactions []string
				for _, r := range psst.Reactions {
					reactions = append(reactions, r.Emoji+" "+r.Username)
				}
				assert.Equal(t, []string{"👍🏽 bob", "🏴󠁧󠁢󠁳󠁣󠁴󠁿 alice"}, reactions, "the reactions came along")
				// And they change on from there.
				_, removed, err := st.RemoveReaction(ctx, psst.ID, "👍🏽", psst.Recipient)
				require.NoError(t, err)
				assert.True(t, removed)
			}
		})
	}
}

// TestRestore_AnOriginalMakechatDatabaseCarriesOverThroughABackup takes
// documents shaped like the Python makechat's, written with the plain
// driver (no creation times, a token without a hash, a username and an
// email of the original's looser rules, a password hash of another
// kind), opens them as makechat does, backs them up and restores the
// backup into the embedded store: everything is kept, and what today's
// rules refuse is listed.
func TestRestore_AnOriginalMakechatDatabaseCarriesOverThroughABackup(t *testing.T) {
	ctx := context.Background()
	uri := mongotest.Servers(t)[0].NewDatabase(t)
	u, err := url.Parse(uri)
	require.NoError(t, err)
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	require.NoError(t, err)
	defer client.Disconnect(ctx)
	db := client.Database(strings.TrimPrefix(u.Path, "/"))
	olga, ivan, room := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	owner, member, said, token := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	sha256Hex := strings.Repeat("5e884898da28047151d0e56f8dc62927", 2)
	for coll, docs := range map[string][]any{
		"users": {
			bson.D{{Key: "_id", Value: olga}, {Key: "username", Value: "Olga"}, {Key: "email", Value: "olga@example.com"}, {Key: "password", Value: "$2b$" + aBcryptHash[4:]}, {Key: "is_superuser", Value: true}},
			bson.D{{Key: "_id", Value: ivan}, {Key: "username", Value: "ivan.petrov"}, {Key: "email", Value: "ivan..petrov@example.com"}, {Key: "password", Value: sha256Hex}},
		},
		"tokens": {bson.D{{Key: "_id", Value: token}, {Key: "user", Value: olga}, {Key: "name", Value: "deploy bot"}}},
		"rooms":  {bson.D{{Key: "_id", Value: room}, {Key: "name", Value: "General"}, {Key: "members", Value: bson.A{owner, member}}, {Key: "is_open", Value: true}, {Key: "is_visible", Value: true}}},
		"members": {
			bson.D{{Key: "_id", Value: owner}, {Key: "profile", Value: olga}, {Key: "room", Value: room}, {Key: "role", Value: "owner"}},
			bson.D{{Key: "_id", Value: member}, {Key: "profile", Value: ivan}, {Key: "room", Value: room}, {Key: "role", Value: "member"}},
		},
		"messages": {bson.D{{Key: "_id", Value: said}, {Key: "text", Value: "Привет из Zürich"}, {Key: "sender", Value: olga}, {Key: "room", Value: room}, {Key: "created", Value: time.Date(2016, 5, 1, 12, 0, 0, 0, time.UTC)}}},
	} {
		_, err := db.Collection(coll).InsertMany(ctx, docs)
		require.NoError(t, err, coll)
	}
	src, err := mongo.Open(ctx, uri, mongo.Options{})
	require.NoError(t, err)
	defer src.Close()
	want := sortedDump(t, src)
	path, _, err := ToDir(ctx, src, t.TempDir(), Info{Version: "test", Source: "mongo"})
	require.NoError(t, err)

	dst := openStore(t)
	m, err := Restore(ctx, dst, path, RestoreOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, sortedDump(t, dst))
	var listed []string
	for _, f := range m.Legacy {
		listed = append(listed, f.String())
	}
	assert.Len(t, listed, 6, "both users, the token, the room, both members")
	assert.Contains(t, listed, "users.jsonl line 2 (_id "+ivan.Hex()+`): username "ivan.petrov" is not 1 to 120 of a-z, A-Z, 0-9, '_' and '-' (allowed by an older makechat); `+
		`email "ivan..petrov@example.com" is not an address net/mail reads back unchanged in at most 254 bytes (allowed by an older makechat); `+
		"password is not a bcrypt hash: its user cannot log in until a new password is set (allowed by an older makechat); "+
		"created is missing (allowed by an older makechat)")
	assert.Contains(t, listed, "tokens.jsonl line 1 (_id "+token.Hex()+"): hash is empty: the token is listed but never accepted (allowed by an older makechat); "+
		"created is missing (allowed by an older makechat)")
	got, err := dst.UserByName(ctx, "IVAN.PETROV")
	require.NoError(t, err)
	assert.Equal(t, sha256Hex, got.PasswordHash)
}

// TestRestore_TheV1FixtureBackupRestoresIntoBothStores: a backup written
// by the v1 binary (testdata/upgrade) restores, whole, into the embedded
// store and into MongoDB, and the two hold the same.
func TestRestore_TheV1FixtureBackupRestoresIntoBothStores(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join("..", "testdata", "upgrade", "v1", "backup.zip")
	intoBolt := openStore(t)
	m, err := Restore(ctx, intoBolt, path, RestoreOptions{})
	require.NoError(t, err)
	assert.Equal(t, 1, m.FormatVersion)
	assert.Zero(t, m.LegacyCount, "v1 wrote nothing today's rules refuse")
	counts, err := intoBolt.Counts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"users": 2, "sessions": 2, "tokens": 1, "rooms": 3, "members": 5, "messages": 36, "hooks": 1, "invites": 0, "commands": 0, "files": 0, "read_states": 0, "push_subscriptions": 0}, counts)

	for _, srv := range mongotest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			intoMongo, err := mongo.Open(ctx, srv.NewDatabase(t), mongo.Options{})
			require.NoError(t, err)
			defer intoMongo.Close()
			_, err = Restore(ctx, intoMongo, path, RestoreOptions{})
			require.NoError(t, err)
			assert.Equal(t, sortedDump(t, intoBolt), sortedDump(t, intoMongo))
			u, err := intoMongo.UserByName(ctx, "ADMIN")
			require.NoError(t, err)
			assert.True(t, u.IsSuperuser)
		})
	}
}
