package mongo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage"
	"github.com/makechat/makechat/storage/mongo/mongotest"
	"github.com/makechat/makechat/storage/storagetest"
)

// TestReactions_TwoServersOnOneDatabaseLoseNoneAndPassNoLimit has two
// stores (two servers) change one message's reactions at once: within a
// store the changes of a message take turns, so only the numbered
// changes keep the two from losing each other's (the contract suite,
// with one store, does not race them).
func TestReactions_TwoServersOnOneDatabaseLoseNoneAndPassNoLimit(t *testing.T) {
	for _, srv := range mongotest.Servers(t) {
		t.Run(srv.Name, func(t *testing.T) {
			uri := srv.NewDatabase(t)
			stores := []storage.Store{openURI(t, uri), openURI(t, uri)}
			ctx := context.Background()
			ids := storage.NewIDGen()
			alice := storage.User{ID: ids.New(), Username: "alice", Email: "alice@example.com", Created: time.Now()}
			require.NoError(t, stores[0].CreateUser(ctx, alice))
			room := storage.Room{ID: ids.New(), Name: "shared", IsOpen: true, IsVisible: true, Created: time.Now()}
			require.NoError(t, stores[0].CreateRoom(ctx, room, storage.Member{ID: ids.New(), Profile: alice.ID, Role: storage.RoleOwner, Created: time.Now()}))
			msg := storage.Message{ID: ids.New(), Room: room.ID, Sender: alice.ID, Text: "lunch?", Created: time.Now()}
			require.NoError(t, stores[0].CreateMessage(ctx, msg))

			const n = 30
			users := make([]storage.ID, n)
			for i := range users {
				users[i] = ids.New()
			}
			emoji := func(i int) string { return []string{"👍", "🍕"}[i%2] }
			require.NoError(t, errors.Join(storagetest.Together(n, func(i int) error {
				r := storage.Reaction{Emoji: emoji(i), User: users[i], Username: fmt.Sprintf("u%02d", i), At: time.Now()}
				_, added, err := stores[i%2].AddReaction(ctx, msg.ID, r)
				if err == nil && !added {
					err = fmt.Errorf("u%02d's %s was not added", i, emoji(i))
				}
				return err
			})...))
			for _, st := range stores {
				got, err := st.Message(ctx, msg.ID)
				require.NoError(t, err)
				seen := map[string]bool{}
				for _, r := range got.Reactions {
					seen[r.Emoji+" "+r.Username] = true
				}
				require.Len(t, got.Reactions, n)
				for i := range n {
					assert.True(t, seen[fmt.Sprintf("%s u%02d", emoji(i), i)], "u%02d", i)
				}
			}

			// Half take theirs back, from either store.
			require.NoError(t, errors.Join(storagetest.Together(n/2, func(i int) error {
				_, removed, err := stores[(i+1)%2].RemoveReaction(ctx, msg.ID, emoji(2*i), users[2*i])
				if err == nil && !removed {
					err = fmt.Errorf("u%02d's %s was not removed", 2*i, emoji(2*i))
				}
				return err
			})...))
			got, err := stores[1].Message(ctx, msg.ID)
			require.NoError(t, err)
			require.Len(t, got.Reactions, n/2)
			for _, r := range got.Reactions {
				assert.Equal(t, "🍕", r.Emoji)
			}

			// With 40 different emoji less one, ten new ones at once from
			// both stores: exactly one gets in.
			for i := range storage.MaxReactionEmoji - 2 {
				_, _, err := stores[i%2].AddReaction(ctx, msg.ID, storage.Reaction{Emoji: string(rune(0x1F600 + i)), User: ids.New(), Username: "early", At: time.Now()})
				require.NoError(t, err)
			}
			won := 0
			for i, err := range storagetest.Together(10, func(i int) error {
				r := storage.Reaction{Emoji: string(rune(0x1F680 + i)), User: ids.New(), Username: "late", At: time.Now()}
				_, _, err := stores[i%2].AddReaction(ctx, msg.ID, r)
				return err
			}) {
				if err == nil {
					won++
					continue
				}
				require.ErrorIs(t, err, storage.ErrTooManyEmoji, "late %d", i)
			}
			assert.Equal(t, 1, won)
			got, err = stores[0].Message(ctx, msg.ID)
			require.NoError(t, err)
			distinct := map[string]bool{}
			for _, r := range got.Reactions {
				distinct[r.Emoji] = true
			}
			assert.Len(t, distinct, storage.MaxReactionEmoji)
		})
	}
}
