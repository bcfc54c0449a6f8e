package mongo_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/mongo"
	"github.com/makechat/makechat/storage/mongo/mongotest"
	"github.com/makechat/makechat/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(mongotest.Main(m)) }

// open opens a store on a new database of srv and closes it when the
// test ends.
func open(t testing.TB, srv mongotest.Server) *mongo.Store {
	t.Helper()
	return openURI(t, srv.NewDatabase(t))
}

// testTimeout is the stores' timeout in tests: the contract suite's 200
// concurrent posts wait for the driver's 100 connections, and FerretDB
// on a loaded 2-core CI machine under -race can keep them past the
// default 5 s (then the store rightly says it is unavailable).
const testTimeout = 30 * time.Second

func openURI(t testing.TB, uri string) *mongo.Store {
	t.Helper()
	s, err := mongo.Open(context.Background(), uri, mongo.Options{Timeout: testTimeout})
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, storage.ErrClosed) {
			t.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	for _, srv := range mongotest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) storage.Store { return open(t, srv) })
		})
	}
}
