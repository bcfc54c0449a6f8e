package bolt

import (
	"context"

	"go.etcd.io/bbolt"

	"github.com/makechat/makechat/storage"
)

// FillMessages stores msgs in one plain read-write transaction, with the
// code that CreateMessage runs, for benchmarks that need a long history
// quickly: group commit would cut it into many small transactions.
func (s *Store) FillMessages(ctx context.Context, msgs []storage.Message) error {
	return s.run(ctx, "fill messages", s.db.Update, func(tx *bbolt.Tx) error {
		for _, m := range msgs {
			if err := createMessage(tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}
