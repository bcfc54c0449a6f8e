package mongo

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/mongo/mongotest"
)

// TestExport_TheSnapshotPathGivesWhatThePlainPathGives runs Export once
// as on a standalone server and once through a snapshot session, as on a
// replica set. FerretDB accepts snapshot sessions but keeps no snapshots,
// so this checks the session's plumbing, not the snapshot itself, which
// only a real replica set can show (MAKECHAT_TEST_MONGO_URI).
func TestExport_TheSnapshotPathGivesWhatThePlainPathGives(t *testing.T) {
	srv := mongotest.Servers(t)[0]
	s, err := Open(context.Background(), srv.NewDatabase(t), Options{})
	require.NoError(t, err)
	defer s.Close()
	ctx := context.Background()
	ids := storage.NewIDGen()
	u := storage.User{ID: ids.New(), Username: "u", Email: "u@example.com", Created: time.Now()}
	require.NoError(t, s.CreateUser(ctx, u))
	r := storage.Room{ID: ids.New(), Name: "r", Created: time.Now()}
	require.NoError(t, s.CreateRoom(ctx, r, storage.Member{ID: ids.New(), Profile: u.ID, Role: storage.RoleOwner}))
	require.NoError(t, s.CreateMessage(ctx, storage.Message{ID: ids.New(), Room: r.ID, Sender: u.ID, Text: "hi", Created: time.Now()}))

	export := func() []storage.Record {
		var recs []storage.Record
		require.NoError(t, s.Export(ctx, func(rec storage.Record) error {
			recs = append(recs, rec)
			return nil
		}))
		return recs
	}
	s.snapshot = false
	plain := export()
	s.snapshot = true
	snap := export()
	require.Len(t, plain, 4)
	require.Equal(t, plain, snap)
}
