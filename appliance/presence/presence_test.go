package presence_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/makechat/makechat/appliance/presence"
	"github.com/makechat/makechat/storage"
)

func TestTracker_OnlineAwayOfflineAndOnlyChangesAreFlushed(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	tr := presence.New(5*time.Minute, func() time.Time { return now })
	ids := storage.NewIDGen()
	alice, bob := ids.New(), ids.New()

	assert.Empty(t, tr.Flush())
	tr.Connected(alice)
	tr.Connected(alice) // a second tab
	assert.Equal(t, []presence.Change{{alice, presence.Online, now}}, tr.Flush())
	assert.Empty(t, tr.Flush(), "nothing new")

	now = now.Add(4 * time.Minute)
	tr.Active(alice)
	now = now.Add(4 * time.Minute)
	assert.Empty(t, tr.Flush(), "active four minutes ago")
	now = now.Add(2 * time.Minute)
	assert.Equal(t, []presence.Change{{alice, presence.Away, now.Add(-6 * time.Minute)}}, tr.Flush())
	tr.Active(alice)
	assert.Equal(t, presence.Online, tr.Flush()[0].Status)

	tr.Disconnected(alice)
	assert.Empty(t, tr.Flush(), "one tab is still open")
	tr.Disconnected(alice)
	st, seen := tr.Status(alice)
	assert.Equal(t, presence.Offline, st)
	assert.Equal(t, now, seen)
	assert.Equal(t, []presence.Change{{alice, presence.Offline, now}}, tr.Flush())
	assert.Empty(t, tr.Present())

	// A hundred reconnects between two flushes: one change, or none.
	for range 100 {
		tr.Connected(bob)
		tr.Disconnected(bob)
	}
	assert.Empty(t, tr.Flush(), "never published online, ends offline: nothing")
	tr.Connected(bob)
	assert.Len(t, tr.Flush(), 1)
	for range 100 {
		tr.Disconnected(bob)
		tr.Connected(bob)
	}
	assert.Empty(t, tr.Flush(), "online before and after")
	tr.Active(storage.NilID) // an unknown user: nothing
	tr.Disconnected(alice)   // more closes than opens: no harm
	assert.Equal(t, []presence.Change{{bob, presence.Online, now}}, tr.Present())
}

// On a cluster: a user online on node A is online on B once B heard A's
// view; it stays online while it moves from A to B; it goes offline on
// B when it left A and B has no stream of it, or when A falls silent.
func TestTracker_AClustersNodesMergeTheirViews(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, b := presence.New(5*time.Minute, clock), presence.New(5*time.Minute, clock)
	ids := storage.NewIDGen()
	alice, bob := ids.New(), ids.New()

	a.Connected(alice)
	b.Heard("A", a.Local())
	st, _ := b.Status(alice)
	assert.Equal(t, presence.Online, st)
	assert.Equal(t, []presence.Change{{alice, presence.Online, now}}, b.Flush())

	// Alice moves to B: no change on B.
	now = now.Add(time.Second)
	a.Disconnected(alice)
	b.Connected(alice)
	b.Heard("A", a.Local())
	assert.Empty(t, b.Flush())

	// She leaves B too: offline there, seen when she left.
	now = now.Add(time.Second)
	b.Disconnected(alice)
	assert.Equal(t, []presence.Change{{alice, presence.Offline, now}}, b.Flush())

	// Bob is on A, which then falls silent: offline on B after RemoteTTL.
	a.Connected(bob)
	b.Heard("A", a.Local())
	assert.Equal(t, []presence.Change{{bob, presence.Online, now}}, b.Flush())
	heard := now
	now = now.Add(presence.RemoteTTL)
	assert.Equal(t, []presence.Change{{bob, presence.Offline, heard}}, b.Flush())
}
