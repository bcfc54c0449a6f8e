package hub

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ids = storage.NewIDGen()

// clock is a time that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// drain takes what waits for c, as its stream's writer does.
func drain(c *Client) [][]byte {
	select {
	case <-c.Ready():
	default:
	}
	out := c.Next()
	c.Written()
	return out
}

func client(user storage.ID, admin bool, rooms ...storage.ID) *Client {
	return NewClient(ClientInfo{User: user, Admin: admin, Rooms: rooms})
}

func register(t *testing.T, h *Hub, cs ...*Client) {
	t.Helper()
	for _, c := range cs {
		require.True(t, h.Register(c, 0))
	}
}

func gone(c *Client) bool {
	select {
	case <-c.Gone():
		return true
	default:
		return false
	}
}

func TestPublish_ReachesRoomMembersUsersAndAdminsOnce(t *testing.T) {
	h := New(Options{})
	room, alice, bob, carol := ids.New(), ids.New(), ids.New(), ids.New()
	a := client(alice, false, room)
	b := client(bob, false)
	c := client(carol, true, room)
	register(t, h, a, b, c)
	h.Publish(Event{Data: []byte("1"), Room: room, Users: []storage.ID{alice}, Admins: true})
	assert.Len(t, drain(a), 1, "a member named twice gets it once")
	assert.Empty(t, drain(b))
	assert.Len(t, drain(c), 1)
	h.Publish(Event{Data: []byte("2"), Everyone: true})
	assert.Len(t, drain(b), 1)
}

func TestPublish_JoinBeforeLeaveAfterDelivery(t *testing.T) {
	h := New(Options{})
	room, alice := ids.New(), ids.New()
	a := client(alice, false)
	register(t, h, a)
	h.Publish(Event{Data: []byte("added"), Room: room, Join: &Membership{alice, room}})
	require.Len(t, drain(a), 1, "the joining member gets its own join")
	h.Publish(Event{Data: []byte("msg"), Room: room})
	require.Len(t, drain(a), 1)
	h.Publish(Event{Data: []byte("deleted"), Room: room, DropRoom: room})
	require.Len(t, drain(a), 1, "members learn of a deletion")
	h.Publish(Event{Data: []byte("later"), Room: room})
	assert.Empty(t, drain(a))
}

// TestPublish_ABurstDoesNotCutOffAReader is the load run's finding: 256
// posts at once dropped every subscriber, however fast it read, because
// a queue of 256 events was full. A burst far larger is fine as long as
// the backlog stays young and small.
func TestPublish_ABurstDoesNotCutOffAReader(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	var dropped []*Client
	h := New(Options{Now: clk.now, Dropped: func(c *Client) { dropped = append(dropped, c) }})
	room := ids.New()
	reader := client(ids.New(), false, room)
	register(t, h, reader)
	data := make([]byte, 300)
	for range 2000 {
		h.Publish(Event{Data: data, Room: room})
	}
	assert.False(t, gone(reader), "2000 events of 300 bytes at once: 600 KB, within the backlog")
	assert.Len(t, drain(reader), 2000)
	assert.Empty(t, dropped)
}

func TestPublish_AClientBehindByTimeIsCutOffAndOthersGetEverything(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	var dropped []*Client
	h := New(Options{Now: clk.now, MaxLag: 5 * time.Second, Dropped: func(c *Client) { dropped = append(dropped, c) }})
	room := ids.New()
	slow := client(ids.New(), false, room)
	fast := client(ids.New(), false, room)
	register(t, h, slow, fast)
	got := 0
	for i := range 60 {
		h.Publish(Event{Data: fmt.Appendf(nil, "%d", i), Room: room})
		got += len(drain(fast))
		clk.advance(100 * time.Millisecond)
	}
	assert.Equal(t, 60, got)
	require.True(t, gone(slow), "its oldest event is 6 s old")
	assert.Equal(t, ReasonSlow, slow.Reason())
	assert.False(t, gone(fast))
	assert.Equal(t, []*Client{slow}, dropped)
}

func TestPublish_AClientBehindByBytesIsCutOff(t *testing.T) {
	h := New(Options{MaxBacklog: 64 << 10})
	room := ids.New()
	c := client(ids.New(), false, room)
	register(t, h, c)
	for range 64 {
		h.Publish(Event{Data: make([]byte, 1000), Room: room})
	}
	require.False(t, gone(c), "64,000 bytes fit in 64 KiB")
	h.Publish(Event{Data: make([]byte, 2000), Room: room})
	assert.True(t, gone(c))
}

func TestPublish_WhatIsBeingWrittenStillCounts(t *testing.T) {
	clk := &clock{t: time.Unix(1000, 0)}
	h := New(Options{Now: clk.now, MaxLag: 5 * time.Second})
	room := ids.New()
	c := client(ids.New(), false, room)
	register(t, h, c)
	h.Publish(Event{Data: []byte("1"), Room: room})
	require.Len(t, c.Next(), 1, "the writer takes the event and is stuck writing it")
	clk.advance(6 * time.Second)
	h.Publish(Event{Data: []byte("2"), Room: room})
	assert.True(t, gone(c), "an event stuck in a write for 6 s makes the client too slow")
}

func TestRelease_SkipsWhatTheReplaySent(t *testing.T) {
	h := New(Options{})
	room := ids.New()
	c := NewClient(ClientInfo{User: ids.New(), Rooms: []storage.ID{room}, Hold: true})
	register(t, h, c)
	m1, m2, m3 := ids.New(), ids.New(), ids.New()
	h.Publish(Event{Data: []byte("m1"), Room: room, Message: m1})
	h.Publish(Event{Data: []byte("m2"), Room: room, Message: m2})
	h.Publish(Event{Data: []byte("m3"), Room: room, Message: m3})
	assert.Empty(t, drain(c), "nothing flows while holding")
	// The replay read m2 (committed) but not m1, which took its id first
	// and committed later: m1 must still arrive.
	require.True(t, h.Release(c, map[storage.ID]struct{}{m2: {}}, storage.NilID))
	assert.Equal(t, [][]byte{[]byte("m1"), []byte("m3")}, drain(c))
	h.Publish(Event{Data: []byte("m4"), Room: room})
	assert.Len(t, drain(c), 1)
}

// In a cluster, a client that resumes on this node had every message up
// to the id it resumes from: those this node's hub gets only now are
// skipped; other events are not.
func TestRelease_SkipsTheMessagesTheClientHadOnAnotherNode(t *testing.T) {
	h := New(Options{})
	room := ids.New()
	c := NewClient(ClientInfo{User: ids.New(), Rooms: []storage.ID{room}, Hold: true})
	register(t, h, c)
	m1, m2, m3 := ids.New(), ids.New(), ids.New()
	h.Publish(Event{Data: []byte("m1"), Room: room, Message: m1})
	h.Publish(Event{Data: []byte("typing"), Room: room})
	h.Publish(Event{Data: []byte("m2"), Room: room, Message: m2})
	h.Publish(Event{Data: []byte("m3"), Room: room, Message: m3})
	require.True(t, h.Release(c, nil, m2))
	assert.Equal(t, [][]byte{[]byte("typing"), []byte("m3")}, drain(c))
}

func TestEnd_CutsOffTheStreamsOfAUserASessionOrAToken(t *testing.T) {
	h := New(Options{})
	alice, bob := ids.New(), ids.New()
	s1, s2, tok := ids.New(), ids.New(), ids.New()
	bySession1 := NewClient(ClientInfo{User: alice, Session: s1})
	bySession2 := NewClient(ClientInfo{User: alice, Session: s2})
	byToken := NewClient(ClientInfo{User: alice, Token: tok})
	bobs := NewClient(ClientInfo{User: bob, Session: s1})
	register(t, h, bySession1, bySession2, byToken, bobs)

	h.Publish(Event{End: &Ending{User: alice, Session: s1, Reason: "logged out"}})
	assert.True(t, gone(bySession1))
	assert.Equal(t, "logged out", bySession1.Reason())
	assert.False(t, gone(bySession2) || gone(byToken) || gone(bobs), "only that session's stream")

	h.Publish(Event{End: &Ending{User: alice, Token: tok, Reason: "token revoked"}})
	assert.True(t, gone(byToken))
	assert.False(t, gone(bySession2))

	h.Publish(Event{End: &Ending{User: alice, Reason: "account disabled"}})
	assert.True(t, gone(bySession2))
	assert.Equal(t, "account disabled", bySession2.Reason())
	assert.False(t, gone(bobs))
}

func TestAccess_ChangesWhatOpenStreamsReceiveAtOnce(t *testing.T) {
	h := New(Options{})
	alice := ids.New()
	c := client(alice, true)
	register(t, h, c)
	h.Publish(Event{Data: []byte("hidden room created"), Admins: true})
	require.Len(t, drain(c), 1)
	h.Publish(Event{Access: &Access{User: alice, Admin: false}})
	h.Publish(Event{Data: []byte("another hidden room"), Admins: true})
	assert.Empty(t, drain(c), "a demoted administrator's stream gets no admin events")
	assert.False(t, gone(c), "the stream itself stays")
	h.Publish(Event{Access: &Access{User: alice, Admin: true}})
	h.Publish(Event{Data: []byte("third"), Admins: true})
	assert.Len(t, drain(c), 1)
}

func TestRegister_HoldsAUserToItsCap(t *testing.T) {
	h := New(Options{})
	alice, bob := ids.New(), ids.New()
	for i := range 3 {
		require.True(t, h.Register(client(alice, false), 3), "stream %d", i)
	}
	extra := client(alice, false)
	assert.False(t, h.Register(extra, 3))
	assert.True(t, h.Register(client(bob, false), 3), "the cap is per user")
	assert.True(t, h.Register(extra, 0), "0 is no cap")
	assert.Equal(t, 5, h.Count())
}

func TestHub_ConcurrentUse(t *testing.T) {
	h := New(Options{})
	room := ids.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c := client(ids.New(), false, room)
				h.Register(c, 0)
				h.Publish(Event{Data: []byte("x"), Room: room})
				drain(c)
				h.Unregister(c)
			}
		})
	}
	wg.Wait()
	assert.Zero(t, h.Count())
}

func BenchmarkPublish_1000Subscribers(b *testing.B) {
	h := New(Options{})
	room := ids.New()
	clients := make([]*Client, 1000)
	for i := range clients {
		clients[i] = client(ids.New(), false, room)
		h.Register(clients[i], 0)
	}
	data := []byte(`{"event": "message.created", "data": {}}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Publish(Event{Data: data, Room: room})
		if i%128 == 0 {
			for _, c := range clients {
				drain(c)
			}
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "deliveries/s")
}
