package mongo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/storage/mongo"
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

// Strikes recorded through one store are counted through another, newest
// first, within the window asked for; cleared, they are gone.
func TestShared_StrikesAreCountedForEveryStore(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	a, b := openURI(t, uri), openURI(t, uri)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 5 {
		require.NoError(t, a.Strike(ctx, "p\x00203.0.113.9\x00ann", now.Add(time.Duration(i-4)*time.Minute)))
	}
	require.NoError(t, b.Strike(ctx, "p\x00203.0.113.9\x00bob", now))
	got, err := b.Strikes(ctx, "p\x00203.0.113.9\x00ann", now.Add(-150*time.Second), 10)
	require.NoError(t, err)
	assert.Equal(t, []time.Time{now, now.Add(-time.Minute), now.Add(-2 * time.Minute)}, utc(got))
	got, err = b.Strikes(ctx, "p\x00203.0.113.9\x00ann", time.Time{}, 2)
	require.NoError(t, err)
	assert.Len(t, got, 2, "at most limit")
	require.NoError(t, a.ClearStrikes(ctx, "p\x00203.0.113.9\x00ann"))
	got, err = b.Strikes(ctx, "p\x00203.0.113.9\x00ann", time.Time{}, 10)
	require.NoError(t, err)
	assert.Empty(t, got)
	got, err = a.Strikes(ctx, "p\x00203.0.113.9\x00bob", time.Time{}, 10)
	require.NoError(t, err)
	assert.Len(t, got, 1, "other keys stay")
}

func utc(ts []time.Time) []time.Time {
	for i := range ts {
		ts[i] = ts[i].UTC()
	}
	return ts
}

// Of several stores keeping their own value under one name, all get the
// first one's.
func TestShared_TheFirstValueKeptIsEveryones(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([][]byte, 3)
	for i := range got {
		s := openURI(t, uri)
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.Keep(ctx, "secret_key", []byte(fmt.Sprint("secret of node ", i)))
			assert.NoError(t, err)
			got[i] = v
		}()
	}
	wg.Wait()
	assert.Equal(t, got[0], got[1])
	assert.Equal(t, got[0], got[2])
	assert.Contains(t, string(got[0]), "secret of node ")
}

// The nodes of a cluster start at once on a new database: every one opens
// it (each prepares the schema, the indexes and the version).
func TestShared_SeveralStoresOpenANewDatabaseAtOnce(t *testing.T) {
	uri := ferret(t).NewDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := mongo.Open(context.Background(), uri, mongo.Options{Timeout: testTimeout})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		assert.NoError(t, err)
	}
}
