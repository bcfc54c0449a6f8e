package mongo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A flag set through one store is read through another on the same
// database; one never set is off.
func TestShared_AFlagIsOneForEveryStore(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	a, b := openURI(t, uri), openURI(t, uri)
	ctx := context.Background()
	on, err := b.Flag(ctx, "maintenance")
	require.NoError(t, err)
	assert.False(t, on)
	require.NoError(t, a.SetFlag(ctx, "maintenance", true))
	on, err = b.Flag(ctx, "maintenance")
	require.NoError(t, err)
	assert.True(t, on)
	require.NoError(t, b.SetFlag(ctx, "maintenance", false))
	on, err = a.Flag(ctx, "maintenance")
	require.NoError(t, err)
	assert.False(t, on)
}

// Three nodes claiming each turn at once: exactly one gets it, and no one
// gets it again.
func TestShared_EachTurnGoesToOneHolder(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	stores := []interface {
		Claim(context.Context, string, int64, string) (bool, error)
	}{openURI(t, uri), openURI(t, uri), openURI(t, uri)}
	ctx := context.Background()
	for turn := int64(1); turn <= 5; turn++ {
		var mu sync.Mutex
		var winners []string
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				won, err := s.Claim(ctx, "backup", turn, fmt.Sprint("node", i))
				assert.NoError(t, err)
				if won {
					mu.Lock()
					winners = append(winners, fmt.Sprint("node", i))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		assert.Len(t, winners, 1, "turn %d", turn)
		won, err := stores[0].Claim(ctx, "backup", turn, "late")
		require.NoError(t, err)
		assert.False(t, won, "the same turn again")
	}
	won, err := stores[2].Claim(ctx, "other", 1, "node2")
	require.NoError(t, err)
	assert.True(t, won, "names are independent")
}
