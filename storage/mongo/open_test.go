package mongo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/mongo"
	"github.com/makechat/makechat/storage/mongo/mongotest"
)

// raw connects the plain driver to the database uri names, as another
// program would, for writing documents the store did not write.
func raw(t *testing.T, uri string) *driver.Database {
	t.Helper()
	c, err := driver.Connect(options.Client().ApplyURI(uri))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database(uri[strings.LastIndex(uri, "/")+1:])
}

func ferret(t *testing.T) mongotest.Server {
	return mongotest.Servers(t)[0]
}

func TestOpen_AnUnreachableServerFailsWithOneLineNamingIt(t *testing.T) {
	_, err := mongo.Open(context.Background(), "mongodb://127.0.0.1:1/makechat", mongo.Options{Timeout: 300 * time.Millisecond})
	require.Error(t, err)
	msg := err.Error()
	require.NotContains(t, msg, "\n")
	require.Contains(t, msg, "cannot reach MongoDB at 127.0.0.1:1")
	require.Contains(t, msg, "connection refused")
}

func TestOpen_ABadURIIsRefusedWithoutEchoingIt(t *testing.T) {
	for _, uri := range []string{"http://user:secret@example.com", "mongodb://user:secret@", "not a uri"} {
		_, err := mongo.Open(context.Background(), uri, mongo.Options{Timeout: 300 * time.Millisecond})
		require.Error(t, err, uri)
		require.NotContains(t, err.Error(), "secret")
		require.Contains(t, err.Error(), "not a valid MongoDB connection string")
	}
}

func TestOpen_TwoStoresShareOneDatabase(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	a, b := openURI(t, uri), openURI(t, uri)
	ids := storage.NewIDGen()
	u := storage.User{ID: ids.New(), Username: "Ann", Email: "ann@example.com", Created: time.Now()}
	require.NoError(t, a.CreateUser(context.Background(), u))
	got, err := b.UserByName(context.Background(), "ann")
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	err = b.CreateUser(context.Background(), storage.User{ID: ids.New(), Username: "ANN", Email: "x"})
	require.ErrorIs(t, err, storage.ErrDuplicate)
}

func TestOpen_ADocumentOfTheWrongShapeGivesAClearErrorNotAPanic(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	s := openURI(t, uri)
	db := raw(t, uri)
	ctx := context.Background()
	bad := bson.NewObjectID()
	_, err := db.Collection("users").InsertOne(ctx, bson.D{{Key: "_id", Value: bad}, {Key: "username", Value: 42}, {Key: "username_key", Value: "=42"}, {Key: "email_key", Value: "#x"}})
	require.NoError(t, err)
	_, err = s.User(ctx, storage.ID(bad))
	require.ErrorContains(t, err, bad.Hex())
	require.ErrorContains(t, err, "username")
	_, _, err = s.Users(ctx, storage.Page{})
	require.ErrorContains(t, err, bad.Hex())

	// A message whose room is a string, and one whose _id is not an
	// ObjectId: errors, not panics.
	room := bson.NewObjectID()
	_, err = db.Collection("messages").InsertOne(ctx, bson.D{{Key: "_id", Value: "not-an-oid"}, {Key: "text", Value: "x"}, {Key: "conv", Value: "r" + room.Hex()}})
	require.NoError(t, err)
	_, err = s.Messages(ctx, storage.RoomConversation(storage.ID(room)), storage.MessageQuery{})
	require.ErrorContains(t, err, "not-an-oid")
	require.NoError(t, s.Ping(ctx), "the store still works")
}

func TestOpen_FinishesADeletionThatACrashInterrupted(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	s := openURI(t, uri)
	ctx := context.Background()
	ids := storage.NewIDGen()
	u := storage.User{ID: ids.New(), Username: "u", Email: "u@example.com"}
	require.NoError(t, s.CreateUser(ctx, u))
	r := storage.Room{ID: ids.New(), Name: "doomed"}
	m := storage.Member{ID: ids.New(), Room: r.ID, Profile: u.ID, Role: storage.RoleOwner}
	require.NoError(t, s.CreateRoom(ctx, r, m))
	msg := storage.Message{ID: ids.New(), Room: r.ID, Sender: u.ID, Text: "hello"}
	require.NoError(t, s.CreateMessage(ctx, msg))

	// A DeleteRoom that stopped after deleting the room: its record and
	// its members and messages are left.
	db := raw(t, uri)
	_, err := db.Collection("pending_deletes").InsertOne(ctx, bson.D{{Key: "_id", Value: bson.ObjectID(r.ID)}, {Key: "kind", Value: "room"}})
	require.NoError(t, err)
	_, err = db.Collection("rooms").DeleteOne(ctx, bson.D{{Key: "_id", Value: bson.ObjectID(r.ID)}})
	require.NoError(t, err)
	// Readers already do not see the members of the deleted room.
	_, err = s.MemberOf(ctx, r.ID, u.ID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	mine, err := s.MembershipsOf(ctx, u.ID)
	require.NoError(t, err)
	require.Empty(t, mine)

	// The next Open finishes the cascade.
	openURI(t, uri)
	for coll, filter := range map[string]bson.D{
		"members":         {{Key: "room", Value: bson.ObjectID(r.ID)}},
		"messages":        {{Key: "_id", Value: bson.ObjectID(msg.ID)}},
		"pending_deletes": {},
	} {
		n, err := db.Collection(coll).CountDocuments(ctx, filter)
		require.NoError(t, err)
		require.Zero(t, n, coll)
	}
}

func TestOpen_RemovesOldMembersOfRoomsThatNeverCameToBe(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	s := openURI(t, uri)
	ctx := context.Background()
	// What a crash inside CreateRoom leaves: the owner member, written
	// first, without its room. One is old, one is recent (another
	// process may be creating its room right now).
	db := raw(t, uri)
	old := bson.NewObjectIDFromTimestamp(time.Now().Add(-time.Hour))
	recent := bson.NewObjectID()
	for _, id := range []bson.ObjectID{old, recent} {
		_, err := db.Collection("members").InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "room", Value: bson.NewObjectID()}, {Key: "profile", Value: bson.NewObjectID()}, {Key: "role", Value: "owner"}})
		require.NoError(t, err)
	}
	_, err := s.Member(ctx, storage.ID(recent))
	require.ErrorIs(t, err, storage.ErrNotFound, "a member of a missing room is hidden")
	openURI(t, uri)
	n, err := db.Collection("members").CountDocuments(ctx, bson.D{{Key: "_id", Value: old}})
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = db.Collection("members").CountDocuments(ctx, bson.D{{Key: "_id", Value: recent}})
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
}

func TestOpen_ReconcilesARoomListWithItsMembers(t *testing.T) {
	// AddMember writes the member, then the room's list; DeleteMember
	// the other way round. Whatever a crash leaves between the two,
	// readers see the room and its members agree.
	uri := ferret(t).NewDatabase(t)
	s := openURI(t, uri)
	ctx := context.Background()
	ids := storage.NewIDGen()
	u := storage.User{ID: ids.New(), Username: "u", Email: "u@example.com"}
	v := storage.User{ID: ids.New(), Username: "v", Email: "v@example.com"}
	require.NoError(t, s.CreateUser(ctx, u))
	require.NoError(t, s.CreateUser(ctx, v))
	r := storage.Room{ID: ids.New(), Name: "r"}
	owner := storage.Member{ID: ids.New(), Room: r.ID, Profile: u.ID, Role: storage.RoleOwner}
	require.NoError(t, s.CreateRoom(ctx, r, owner))
	db := raw(t, uri)
	joined := ids.New()
	_, err := db.Collection("members").InsertOne(ctx, bson.D{{Key: "_id", Value: bson.ObjectID(joined)}, {Key: "room", Value: bson.ObjectID(r.ID)}, {Key: "profile", Value: bson.ObjectID(v.ID)}, {Key: "role", Value: "member"}})
	require.NoError(t, err)
	stale := ids.New()
	_, err = db.Collection("rooms").UpdateOne(ctx, bson.D{{Key: "_id", Value: bson.ObjectID(r.ID)}}, bson.D{{Key: "$push", Value: bson.D{{Key: "members", Value: bson.ObjectID(stale)}}}})
	require.NoError(t, err)

	got, err := s.Room(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, []storage.ID{owner.ID, joined}, got.Members)
	rooms, err := s.Rooms(ctx)
	require.NoError(t, err)
	require.Equal(t, []storage.ID{owner.ID, joined}, rooms[0].Members)
}

func TestOpen_ReopensADatabaseWithoutAnyMember(t *testing.T) {
	// A room without members (its last owner deleted, or restored so)
	// once made the next Open fail: {$in: null} in the repair step.
	uri := ferret(t).NewDatabase(t)
	ids := storage.NewIDGen()
	a := openURI(t, uri)
	room := storage.Room{ID: ids.New(), Name: "empty", Created: time.Now()}
	require.NoError(t, a.CreateRoom(context.Background(), room, storage.Member{}))
	require.NoError(t, a.Close())
	b := openURI(t, uri)
	got, err := b.Room(context.Background(), room.ID)
	require.NoError(t, err)
	require.Equal(t, "empty", got.Name)
}

func TestOpen_ADatabaseOfANewerMakechatIsRefusedInOneLine(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	openURI(t, uri).Close()
	db := raw(t, uri)
	res, err := db.Collection("makechat_meta").UpdateOne(context.Background(), bson.D{{Key: "_id", Value: "schema"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 99}}}})
	require.NoError(t, err)
	require.EqualValues(t, 1, res.MatchedCount)

	_, err = mongo.Open(context.Background(), uri, mongo.Options{})
	require.ErrorIs(t, err, storage.ErrNewerSchema)
	require.Contains(t, err.Error(), "schema version 99; this one reads up to 5")
	require.NotContains(t, err.Error(), "\n")
}

func TestOpen_ObservesEveryOperation(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	var ops []string
	st, err := mongo.Open(context.Background(), uri, mongo.Options{Observe: func(op string, took time.Duration, err error) {
		ops = append(ops, op)
	}})
	require.NoError(t, err)
	defer st.Close()
	ops = nil
	_, err = st.UserByName(context.Background(), "nobody")
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.Equal(t, []string{"get user by name"}, ops)
}

func TestOpen_AVersion1DatabaseIsMigratedAndLogged(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	ctx := context.Background()
	// A version 1 database: messages without client_key, and no index
	// on it.
	st := openURI(t, uri)
	ids := storage.NewIDGen()
	u := storage.User{ID: ids.New(), Username: "ann", Email: "ann@example.com", Created: time.Now()}
	require.NoError(t, st.CreateUser(ctx, u))
	r := storage.Room{ID: ids.New(), Name: "lobby", Created: time.Now()}
	require.NoError(t, st.CreateRoom(ctx, r, storage.Member{ID: ids.New(), Profile: u.ID, Role: storage.RoleOwner}))
	var msgs []storage.ID
	for range 3 {
		m := storage.Message{ID: ids.New(), Text: "old", Sender: u.ID, Room: r.ID, Created: time.Now()}
		require.NoError(t, st.CreateMessage(ctx, m))
		msgs = append(msgs, m.ID)
	}
	st.Close()
	db := raw(t, uri)
	_, err := db.Collection("messages").UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "client_key", Value: ""}}}})
	require.NoError(t, err)
	require.NoError(t, db.Collection("messages").Indexes().DropOne(ctx, "client_key"))
	_, err = db.Collection("makechat_meta").UpdateOne(ctx, bson.D{{Key: "_id", Value: "schema"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: 1}}}})
	require.NoError(t, err)

	var log []string
	st, err = mongo.Open(ctx, uri, mongo.Options{Log: func(msg string) { log = append(log, msg) }})
	require.NoError(t, err)
	defer st.Close()
	require.Equal(t, []string{"migrating the database from schema version 1 to 2: add invites and client message ids", "migrating the database from schema version 2 to 3: add custom slash commands",
		"migrating the database from schema version 3 to 4: add uploaded files", "migrating the database from schema version 4 to 5: add reactions, threads, read states and group conversations"}, log)
	var meta struct {
		Version int `bson:"version"`
	}
	require.NoError(t, db.Collection("makechat_meta").FindOne(ctx, bson.D{{Key: "_id", Value: "schema"}}).Decode(&meta))
	require.Equal(t, 5, meta.Version)
	for _, id := range msgs {
		var d struct {
			ClientKey string `bson:"client_key"`
		}
		require.NoError(t, db.Collection("messages").FindOne(ctx, bson.D{{Key: "_id", Value: bson.ObjectID(id)}}).Decode(&d))
		require.Equal(t, "#"+id.Hex(), d.ClientKey)
	}
	// The unique index is there again.
	m := storage.Message{ID: ids.New(), Text: "new", Sender: u.ID, Room: r.ID, ClientID: "c1"}
	require.NoError(t, st.CreateMessage(ctx, m))
	m.ID = ids.New()
	require.ErrorIs(t, st.CreateMessage(ctx, m), storage.ErrDuplicate)
}
