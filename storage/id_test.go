package storage

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIDGen_IdsStrictlyIncreaseWithAStoppedClock(t *testing.T) {
	g := NewIDGen()
	fixed := time.Unix(1_700_000_000, 0)
	g.now = func() time.Time { return fixed }
	prev := g.New()
	for range 10 {
		id := g.New()
		require.True(t, prev.Less(id), "%s !< %s", prev, id)
		prev = id
	}
	assert.Equal(t, fixed.UTC(), prev.Time())
}

func TestIDGen_IdsStrictlyIncreaseWhenTheClockStepsBack(t *testing.T) {
	g := NewIDGen()
	now := time.Unix(1_700_000_100, 0)
	g.now = func() time.Time { return now }
	a := g.New()
	now = now.Add(-time.Hour)
	b := g.New()
	assert.True(t, a.Less(b))
}

func TestIDGen_ObserveMovesPastAnotherProcessesIds(t *testing.T) {
	g := NewIDGen()
	var future ID
	for i := range future {
		future[i] = 0xee
	}
	g.Observe(future)
	assert.True(t, future.Less(g.New()))
}

// Two generators whose clocks agree interleave by time; one that heard of
// the other's id makes only greater ones, though its clock is behind.
func TestIDGen_IdsOfTwoGeneratorsSortByTime(t *testing.T) {
	a, b := NewIDGen(), NewIDGen()
	now := time.Unix(1_700_000_000, 0)
	a.now = func() time.Time { return now }
	b.now = func() time.Time { return now.Add(time.Millisecond) }
	x := a.New()
	y := b.New()
	now = now.Add(2 * time.Millisecond)
	z := a.New()
	assert.True(t, x.Less(y) && y.Less(z), "%s %s %s", x, y, z)

	late := NewIDGen()
	late.now = func() time.Time { return now.Add(-time.Minute) }
	late.Observe(z)
	assert.True(t, z.Less(late.New()))
}

// A floor is above every id made before it and below every id made after.
func TestIDGen_FloorSeparatesTheIdsBeforeAndAfterIt(t *testing.T) {
	g := NewIDGen()
	fixed := time.Unix(1_700_000_000, 0)
	g.now = func() time.Time { return fixed }
	before := g.New()
	floor := g.Floor()
	after := g.New()
	assert.True(t, before.Less(floor) && floor.Less(after), "%s %s %s", before, floor, after)
}

func TestID_ParseAndExtendedJSON(t *testing.T) {
	id, err := ParseID("5706dac4d55cfe00010944AD")
	require.NoError(t, err)
	assert.Equal(t, "5706dac4d55cfe00010944ad", id.Hex())
	b, err := json.Marshal(id)
	require.NoError(t, err)
	assert.Equal(t, `{"$oid":"5706dac4d55cfe00010944ad"}`, string(b))
	var back ID
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, id, back)
	require.NoError(t, json.Unmarshal([]byte(`"5706dac4d55cfe00010944ad"`), &back))
	for _, bad := range []string{"", "xyz", "5706dac4d55cfe00010944a", "5706dac4d55cfe00010944adX", "zz06dac4d55cfe00010944ad"} {
		_, err := ParseID(bad)
		assert.ErrorIs(t, err, ErrInvalidID, bad)
	}
	for _, bad := range []string{`{"$oid":"zz06dac4d55cfe00010944ad"}`, `{"$oid": 5}`, `{}`, `5`, `{"$oid": "nothex"}`, `[]`} {
		assert.Error(t, json.Unmarshal([]byte(bad), &back), bad)
	}
	assert.Equal(t, time.Unix(0x5706dac4, 0).UTC(), id.Time())
}

func TestFirstIDAt_BoundsTheIdsMadeBeforeAndFromATime(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Time
		want string
	}{
		{"a whole second", time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), "6ae7d2800000000000000000"},
		{"within a second, the next one", time.Date(2026, 11, 1, 23, 59, 59, 1, time.UTC), "6ae7d2800000000000000000"},
		{"the epoch", time.Unix(0, 0), "000000000000000000000000"},
		{"before the epoch", time.Date(1969, 7, 20, 0, 0, 0, 0, time.UTC), "000000000000000000000000"},
		{"the last second an id holds", time.Unix(1<<32-1, 0), "ffffffff0000000000000000"},
		{"past it", time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC), "ffffffffffffffffffffffff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, FirstIDAt(tc.at).Hex())
		})
	}
	g := NewIDGen()
	at := time.Unix(1_700_000_000, 0)
	g.now = func() time.Time { return at.Add(-time.Millisecond) }
	before := g.New()
	g.now = func() time.Time { return at }
	from := g.New()
	assert.True(t, before.Less(FirstIDAt(at)))
	assert.False(t, from.Less(FirstIDAt(at)))
}
