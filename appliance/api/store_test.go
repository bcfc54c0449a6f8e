package api_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/crypto/bcrypt"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/bolt"
	"github.com/makechat/makechat/storage/mongo"
	"github.com/makechat/makechat/storage/mongo/mongotest"
)

// envStore picks the store the API scenarios run on: "bolt" (the
// default) or "mongo" (FerretDB, embedded in this test binary).
// scripts/test runs this package once with each.
const envStore = "MAKECHAT_TEST_STORE"

func TestMain(m *testing.M) {
	if os.Getenv(envStore) == "mongo" {
		os.Exit(mongotest.Main(m))
	}
	os.Exit(m.Run())
}

// openTestStore opens a new, empty store of the kind envStore names.
func openTestStore(t testing.TB) storage.Store {
	t.Helper()
	switch kind := os.Getenv(envStore); kind {
	case "", "bolt":
		st, err := bolt.Open(filepath.Join(t.TempDir(), "makechat.db"), bolt.Options{})
		require.NoError(t, err)
		return st
	case "mongo":
		srv := mongotest.Server{Name: "ferretdb", URI: mongotest.FerretDBURI(t)}
		st, err := mongo.Open(context.Background(), srv.NewDatabase(t), mongo.Options{})
		require.NoError(t, err)
		return st
	default:
		t.Fatalf("%s=%q: want bolt or mongo", envStore, kind)
		return nil
	}
}

// TestMongoOutage_503sThenRecoversWithoutLosingWrites stops the MongoDB
// (FerretDB) under a running server: /healthz and the API answer 503 in
// the documented error shape, and once it is back the server serves
// again by itself, with every acknowledged write in place.
func TestMongoOutage_503sThenRecoversWithoutLosingWrites(t *testing.T) {
	mongotest.SkipIfShort(t)
	dir := t.TempDir()
	f, err := mongotest.StartIn(dir, "127.0.0.1:0", nil)
	require.NoError(t, err)
	u, err := url.Parse(f.URI())
	require.NoError(t, err)
	addr := u.Host
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			f.Stop()
		}
	})
	uri, err := mongotest.WithDatabase(f.URI(), "outage")
	require.NoError(t, err)
	e := newEnv(t, func(o *envConfig) {
		o.store = func(t testing.TB) storage.Store {
			st, err := mongo.Open(context.Background(), uri, mongo.Options{Timeout: 500 * time.Millisecond})
			require.NoError(t, err)
			return st
		}
	})
	room := e.createRoom("ops", "")
	first := e.post(e.adminToken, room, "before the outage")

	f.Stop()
	stopped = true
	health := e.do(request{method: "GET", path: "/healthz"})
	require.Equal(t, 503, health.status, health.body)
	r := e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.adminToken})
	require.Equal(t, 503, r.status, r.body)
	require.JSONEq(t, `{"title": "Service Unavailable", "description": "The database does not answer just now; try again shortly."}`, r.body)
	require.Equal(t, "5", r.header.Get("Retry-After"))
	r = e.do(request{method: "POST", path: "/api/messages", token: e.adminToken, body: `{"room": "` + room + `", "text": "during"}`})
	require.Equal(t, 503, r.status, r.body)

	f, err = mongotest.StartIn(dir, addr, nil)
	require.NoError(t, err)
	stopped = false
	require.Eventually(t, func() bool {
		r, err := e.send(request{method: "GET", path: "/healthz"})
		return err == nil && r.status == 200
	}, 30*time.Second, 50*time.Millisecond, "the server serves again once MongoDB is back")
	second := e.post(e.adminToken, room, "after the outage")
	r = e.do(request{method: "GET", path: "/api/messages?room=" + room, token: e.adminToken})
	require.Equal(t, 200, r.status, r.body)
	require.Contains(t, r.body, first)
	require.Contains(t, r.body, second)
	require.Contains(t, r.body, "before the outage")
	require.NotContains(t, r.body, `"during"`, "a write answered with 503 here never reached the server")
}

// TestMongo_AnOriginalMakechatDatabaseCarriesOver points the server at
// documents shaped like the Python makechat's, written with the plain
// driver: users log in with their old bcrypt hashes (Python's "$2b$"
// form), and rooms, members and messages read back, found by search.
func TestMongo_AnOriginalMakechatDatabaseCarriesOver(t *testing.T) {
	mongotest.SkipIfShort(t)
	f, err := mongotest.Start()
	require.NoError(t, err)
	t.Cleanup(f.Stop)
	uri, err := mongotest.WithDatabase(f.URI(), "makechat")
	require.NoError(t, err)

	hash, err := bcrypt.GenerateFromPassword([]byte("old_pass"), bcrypt.MinCost)
	require.NoError(t, err)
	pyHash := "$2b$" + strings.TrimPrefix(string(hash), "$2a$")
	olga, ivan, room := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	owner, member, said := bson.NewObjectID(), bson.NewObjectID(), bson.NewObjectID()
	created := time.Date(2016, 5, 1, 12, 0, 0, 0, time.UTC)
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	require.NoError(t, err)
	defer client.Disconnect(context.Background())
	db := client.Database("makechat")
	ctx := context.Background()
	for coll, docs := range map[string][]any{
		"users": {
			bson.D{{Key: "_id", Value: olga}, {Key: "username", Value: "Olga"}, {Key: "email", Value: "olga@example.com"}, {Key: "password", Value: pyHash}, {Key: "is_superuser", Value: true}},
			// Fields the original did not always write are missing.
			bson.D{{Key: "_id", Value: ivan}, {Key: "username", Value: "ivan"}, {Key: "email", Value: "ivan@example.com"}, {Key: "password", Value: pyHash}},
		},
		"rooms": {bson.D{{Key: "_id", Value: room}, {Key: "name", Value: "General"}, {Key: "members", Value: bson.A{owner, member}}, {Key: "is_open", Value: true}, {Key: "is_visible", Value: true}}},
		"members": {
			bson.D{{Key: "_id", Value: owner}, {Key: "profile", Value: olga}, {Key: "room", Value: room}, {Key: "role", Value: "owner"}},
			bson.D{{Key: "_id", Value: member}, {Key: "profile", Value: ivan}, {Key: "room", Value: room}, {Key: "role", Value: "member"}},
		},
		"messages": {bson.D{{Key: "_id", Value: said}, {Key: "text", Value: "Привет из Zürich"}, {Key: "sender", Value: olga}, {Key: "room", Value: room}, {Key: "created", Value: created}}},
		// A session of the original, which this program cannot use.
		"sessions": {bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "session", Value: "abc"}, {Key: "user", Value: olga}}},
	} {
		_, err := db.Collection(coll).InsertMany(ctx, docs)
		require.NoError(t, err, coll)
	}

	e := newEnv(t, func(o *envConfig) {
		o.store = func(t testing.TB) storage.Store {
			st, err := mongo.Open(context.Background(), uri, mongo.Options{})
			require.NoError(t, err)
			return st
		}
	})
	c := e.browser("OLGA", "old_pass")
	r := e.do(request{method: "GET", path: "/api/rooms", client: c, headers: e.origin()})
	require.Equal(t, 200, r.status, r.body)
	require.Contains(t, r.body, `"General"`)
	r = e.do(request{method: "GET", path: "/api/messages?room=" + room.Hex(), client: c, headers: e.origin()})
	require.Equal(t, 200, r.status, r.body)
	require.Contains(t, r.body, "Привет из Zürich")
	e.browser("ivan", "old_pass")

	got, err := e.store.Room(ctx, storage.ID(room))
	require.NoError(t, err)
	require.Equal(t, []storage.ID{storage.ID(owner), storage.ID(member)}, got.Members)
	found, err := e.store.SearchMessages(ctx, storage.SearchQuery{Terms: storage.SearchTerms("zurich привет"), Conversations: []storage.Conversation{storage.RoomConversation(storage.ID(room))}})
	require.NoError(t, err)
	require.Len(t, found.Messages, 1)
	require.Equal(t, created, found.Messages[0].Created.UTC())
	n, err := db.Collection("sessions").CountDocuments(ctx, bson.D{{Key: "session", Value: "abc"}})
	require.NoError(t, err)
	require.Zero(t, n, "the original's sessions are dropped: their users log in again")
	// The unique indexes now hold for the old names too.
	err = e.store.CreateUser(ctx, storage.User{ID: storage.NewIDGen().New(), Username: "OLGA", Email: "x@example.com"})
	require.ErrorIs(t, err, storage.ErrDuplicate)
}
