package hub

import (
	"fmt"
	"sync"
	"testing"

	"github.com/makechat/makechat/storage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ids = storage.NewIDGen()

func drain(c *Client) [][]byte {
	var out [][]byte
	for {
		select {
		case b := <-c.Queue():
			out = append(out, b)
		default:
			return out
		}
	}
}

func TestPublish_ReachesRoomMembersUsersAndAdminsOnce(t *testing.T) {
	h := New(nil)
	room, alice, bob, carol := ids.New(), ids.New(), ids.New(), ids.New()
	a := NewClient(alice, false, []storage.ID{room}, false)
	b := NewClient(bob, false, nil, false)
	c := NewClient(carol, true, []storage.ID{room}, false)
	for _, cl := range []*Client{a, b, c} {
		h.Register(cl)
	}
	h.Publish(Event{Data: []byte("1"), Room: room, Users: []storage.ID{alice}, Admins: true})
	assert.Len(t, drain(a), 1, "a member named twice gets it once")
	assert.Empty(t, drain(b))
	assert.Len(t, drain(c), 1)
	h.Publish(Event{Data: []byte("2"), Everyone: true})
	assert.Len(t, drain(b), 1)
}

func TestPublish_JoinBeforeLeaveAfterDelivery(t *testing.T) {
	h := New(nil)
	room, alice := ids.New(), ids.New()
	a := NewClient(alice, false, nil, false)
	h.Register(a)
	h.Publish(Event{Data: []byte("added"), Room: room, Join: &Membership{alice, room}})
	require.Len(t, drain(a), 1, "the joining member gets its own join")
	h.Publish(Event{Data: []byte("msg"), Room: room})
	require.Len(t, drain(a), 1)
	h.Publish(Event{Data: []byte("deleted"), Room: room, DropRoom: room})
	require.Len(t, drain(a), 1, "members learn of a deletion")
	h.Publish(Event{Data: []byte("later"), Room: room})
	assert.Empty(t, drain(a))
}

func TestPublish_ASlowClientIsCutOffAndOthersGetEverything(t *testing.T) {
	var dropped []*Client
	h := New(func(c *Client) { dropped = append(dropped, c) })
	room := ids.New()
	slow := NewClient(ids.New(), false, []storage.ID{room}, false)
	fast := NewClient(ids.New(), false, []storage.ID{room}, false)
	h.Register(slow)
	h.Register(fast)
	got := 0
	for i := range QueueSize + 10 {
		h.Publish(Event{Data: fmt.Appendf(nil, "%d", i), Room: room})
		got += len(drain(fast))
	}
	assert.Equal(t, QueueSize+10, got)
	select {
	case <-slow.Gone():
	default:
		t.Fatal("the slow client was not cut off")
	}
	assert.Equal(t, []*Client{slow}, dropped)
}

func TestRelease_SkipsWhatTheReplaySent(t *testing.T) {
	h := New(nil)
	room := ids.New()
	c := NewClient(ids.New(), false, []storage.ID{room}, true)
	h.Register(c)
	m1, m2, m3 := ids.New(), ids.New(), ids.New()
	h.Publish(Event{Data: []byte("m1"), Room: room, Message: m1})
	h.Publish(Event{Data: []byte("m2"), Room: room, Message: m2})
	h.Publish(Event{Data: []byte("m3"), Room: room, Message: m3})
	assert.Empty(t, drain(c), "nothing flows while holding")
	// The replay read m2 (committed) but not m1, which took its id first
	// and committed later: m1 must still arrive.
	require.True(t, c.Release(map[storage.ID]struct{}{m2: {}}))
	assert.Equal(t, [][]byte{[]byte("m1"), []byte("m3")}, drain(c))
	h.Publish(Event{Data: []byte("m4"), Room: room})
	assert.Len(t, drain(c), 1)
}

func TestCloseUser_CutsOffItsClients(t *testing.T) {
	h := New(nil)
	u := ids.New()
	c := NewClient(u, false, nil, false)
	h.Register(c)
	h.Publish(Event{CloseUser: u})
	<-c.Gone()
}

func TestHub_ConcurrentUse(t *testing.T) {
	h := New(nil)
	room := ids.New()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c := NewClient(ids.New(), false, []storage.ID{room}, false)
				h.Register(c)
				h.Publish(Event{Data: []byte("x"), Room: room})
				h.Unregister(c)
			}
		})
	}
	wg.Wait()
	assert.Zero(t, h.Count())
}

func BenchmarkPublish_1000Subscribers(b *testing.B) {
	h := New(nil)
	room := ids.New()
	clients := make([]*Client, 1000)
	for i := range clients {
		clients[i] = NewClient(ids.New(), false, []storage.ID{room}, false)
		h.Register(clients[i])
	}
	data := []byte(`{"event": "message.created", "data": {}}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.Publish(Event{Data: data, Room: room})
		if i%(QueueSize/2) == 0 {
			for _, c := range clients {
				drain(c)
			}
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "deliveries/s")
}
