package appliance

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/mongo/mongotest"
)

func TestOpenStore_MongoURIOpensMongoDBAndTwoProcessesShareIt(t *testing.T) {
	mongotest.SkipIfShort(t)
	f, err := mongotest.Start()
	require.NoError(t, err)
	t.Cleanup(f.Stop)
	cfg := testConfig(t)
	cfg.MongoURI, err = mongotest.WithDatabase(f.URI(), "appliance")
	require.NoError(t, err)

	// A server and a command line each open the store; neither locks
	// the other out, and each sees the other's writes.
	server, err := OpenStore(cfg, StoreOptions{LockWait: time.Second})
	require.NoError(t, err)
	defer server.Close()
	cli, err := OpenStore(cfg, StoreOptions{LockWait: time.Second})
	require.NoError(t, err)
	defer cli.Close()
	u := storage.User{ID: storage.NewIDGen().New(), Username: "admin", Email: "admin@example.com"}
	require.NoError(t, cli.CreateUser(context.Background(), u))
	got, err := server.UserByName(context.Background(), "ADMIN")
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
}

func TestOpenStore_AnUnreachableMongoDBFailsWithOneLine(t *testing.T) {
	mongotest.SkipIfShort(t) // the driver looks for the server for 5 s
	cfg := testConfig(t)
	cfg.MongoURI = "mongodb://127.0.0.1:1/makechat"
	st, err := OpenStore(cfg, StoreOptions{LockWait: time.Second})
	require.Nil(t, st, "no half-open store comes back")
	require.ErrorContains(t, err, "cannot reach MongoDB at 127.0.0.1:1")
	require.NotContains(t, err.Error(), "\n")
}
