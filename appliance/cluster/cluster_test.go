package cluster_test

import (
	"context"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/makechat/makechat/appliance/cluster"
	"github.com/makechat/makechat/appliance/hub"
	"github.com/makechat/makechat/storage"
)

// startNATS runs a NATS server in the test, on port (-1: any).
func startNATS(t *testing.T, port int) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second), "NATS started")
	t.Cleanup(ns.Shutdown)
	return ns
}

// node is one makechat node as far as events go: its hub, its bus and
// its keys.
type node struct {
	hub   *hub.Hub
	bus   *cluster.Bus
	order *order
}

func newNode(t *testing.T, url string) node {
	t.Helper()
	h := hub.New(hub.Options{})
	o := &order{ids: storage.NewIDGen(), flight: map[storage.ID]bool{}}
	b, err := cluster.Connect(url, h, o, nil, zerolog.New(io.Discard))
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return node{hub: h, bus: b, order: o}
}

// order gives keys as the chat service does: a message's id is in flight
// while it is being stored (take, land), a stamp until its event is out.
type order struct {
	mu     sync.Mutex
	ids    *storage.IDGen
	flight map[storage.ID]bool
}

func (o *order) fly(next func() storage.ID) storage.ID {
	o.mu.Lock()
	defer o.mu.Unlock()
	k := next()
	o.flight[k] = true
	return k
}

func (o *order) take() storage.ID { return o.fly(o.ids.New) }

func (o *order) land(k storage.ID) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.flight, k)
}

func (o *order) Frontier() storage.ID {
	o.mu.Lock()
	defer o.mu.Unlock()
	f := o.ids.Floor()
	for k := range o.flight {
		if k.Less(f) {
			f = k
		}
	}
	return f
}

func (o *order) Stamp() (storage.ID, func()) {
	k := o.fly(o.ids.Floor)
	return k, func() { o.land(k) }
}

func (o *order) Observe(id storage.ID) { o.ids.Observe(id) }

// post publishes a message event from n, as the chat service does once
// the message with id k is stored.
func (n node) post(k storage.ID, text string, room storage.ID) {
	n.bus.Publish(hub.Event{Data: []byte(text), Room: room, Message: k})
	n.order.land(k)
}

// client registers a stream of user in rooms on n.
func (n node) client(t *testing.T, user storage.ID, rooms ...storage.ID) *hub.Client {
	c := hub.NewClient(hub.ClientInfo{User: user, Rooms: rooms})
	require.True(t, n.hub.Register(c, 0))
	return c
}

// next waits for c's next events.
func next(t *testing.T, c *hub.Client) []string {
	t.Helper()
	select {
	case <-c.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	var got []string
	for _, d := range c.Next() {
		got = append(got, string(d))
	}
	c.Written()
	return got
}

// collect waits for c's next n events, however they are batched.
func collect(t *testing.T, c *hub.Client, n int) []string {
	t.Helper()
	var got []string
	for len(got) < n {
		got = append(got, next(t, c)...)
	}
	return got
}

// quiet checks that c gets nothing for a while.
func quiet(t *testing.T, c *hub.Client) {
	t.Helper()
	select {
	case <-c.Ready():
		t.Fatalf("unexpected events: %q", c.Next())
	case <-time.After(200 * time.Millisecond):
	}
}

func TestBus_AnEventReachesEveryNodeOnceWithItsAudience(t *testing.T) {
	ns := startNATS(t, -1)
	a, b := newNode(t, ns.ClientURL()), newNode(t, ns.ClientURL())
	ids := storage.NewIDGen()
	room, other := ids.New(), ids.New()
	alice, bob, carol := ids.New(), ids.New(), ids.New()
	onA := a.client(t, alice, room)
	onB := b.client(t, bob, room)
	elsewhere := b.client(t, carol, other)
	require.Eventually(t, func() bool { return a.bus.Stats().Connected && b.bus.Stats().Connected }, 10*time.Second, 10*time.Millisecond)

	a.post(a.order.take(), "hello", room)
	assert.Equal(t, []string{"hello"}, next(t, onB), "the other node's member")
	assert.Equal(t, []string{"hello"}, next(t, onA), "this node's member, once")
	quiet(t, onA)
	quiet(t, elsewhere)

	// Addressed to a user, and to everyone.
	b.bus.Publish(hub.Event{Data: []byte("to carol"), Users: []storage.ID{carol}})
	b.bus.Publish(hub.Event{Data: []byte("to all"), Everyone: true})
	assert.Equal(t, []string{"to carol", "to all"}, collect(t, elsewhere, 2))
	assert.Equal(t, []string{"to all"}, next(t, onA))
}

func TestBus_AMembershipChangeOnOneNodeAppliesOnTheOthers(t *testing.T) {
	ns := startNATS(t, -1)
	a, b := newNode(t, ns.ClientURL()), newNode(t, ns.ClientURL())
	ids := storage.NewIDGen()
	room := ids.New()
	bob := ids.New()
	onB := b.client(t, bob)

	// Bob joins on A: his stream on B follows the room from the event
	// that adds him.
	a.bus.Publish(hub.Event{Data: []byte("bob joined"), Room: room, Join: &hub.Membership{User: bob, Room: room}})
	assert.Equal(t, []string{"bob joined"}, next(t, onB))
	a.bus.Publish(hub.Event{Data: []byte("posted"), Room: room})
	assert.Equal(t, []string{"posted"}, next(t, onB))

	// Removed on A: he learns it, then gets nothing more of the room.
	a.bus.Publish(hub.Event{Data: []byte("bob removed"), Room: room, Leave: &hub.Membership{User: bob, Room: room}})
	assert.Equal(t, []string{"bob removed"}, next(t, onB))
	a.bus.Publish(hub.Event{Data: []byte("secret"), Room: room})
	quiet(t, onB)

	// His token revoked on A ends his stream on B.
	a.bus.Publish(hub.Event{End: &hub.Ending{User: bob, Reason: "token revoked"}})
	select {
	case <-onB.Gone():
		assert.Equal(t, "token revoked", onB.Reason())
	case <-time.After(10 * time.Second):
		t.Fatal("the stream on B was not ended")
	}
}

func TestBus_EventsSentWhileNATSIsDownArriveOnceWhenItIsBack(t *testing.T) {
	ns := startNATS(t, -1)
	url := ns.ClientURL()
	a, b := newNode(t, url), newNode(t, url)
	ids := storage.NewIDGen()
	room := ids.New()
	onB := b.client(t, ids.New(), room)
	a.bus.Publish(hub.Event{Data: []byte("before"), Room: room})
	assert.Equal(t, []string{"before"}, next(t, onB))
	// C starts after "before": sent again, it would be a duplicate for
	// C's clients, who replayed it.
	c := newNode(t, url)
	onC := c.client(t, ids.New(), room)

	addr := ns.Addr().String()
	ns.Shutdown()
	require.Eventually(t, func() bool {
		return !a.bus.Stats().Connected && !b.bus.Stats().Connected && !c.bus.Stats().Connected
	}, 10*time.Second, 10*time.Millisecond)
	a.bus.Publish(hub.Event{Data: []byte("while down"), Room: room}) // posts go on: the store is the truth
	assert.Equal(t, uint64(0), a.bus.Stats().Dropped, "kept to send on reconnect")

	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	startNATS(t, n) // the same address: the nodes find it again
	require.Eventually(t, func() bool {
		return a.bus.Stats().Connected && b.bus.Stats().Connected && c.bus.Stats().Connected
	}, 20*time.Second, 50*time.Millisecond)
	a.bus.Publish(hub.Event{Data: []byte("after"), Room: room})
	// What was sent while NATS was away reaches B and C once: flushed by
	// A's connection if they had subscribed again first, else sent again
	// when they asked (they came back) — and if both, the second is
	// dropped. Sent again for B, it is not C's.
	for _, client := range []*hub.Client{onB, onC} {
		var got []string
		for !slices.Contains(got, "after") || !slices.Contains(got, "while down") {
			got = append(got, next(t, client)...)
		}
		quiet(t, client)
		slices.Sort(got)
		assert.Equal(t, []string{"after", "while down"}, got)
	}
}

// Events reach every node in key order: a message that took its id first
// and is still being stored on A holds back a later one sent by B, on
// both nodes, until A sends it.
func TestBus_EveryNodeDeliversInKeyOrder(t *testing.T) {
	ns := startNATS(t, -1)
	a, b := newNode(t, ns.ClientURL()), newNode(t, ns.ClientURL())
	ids := storage.NewIDGen()
	room := ids.New()
	onA, onB := a.client(t, ids.New(), room), b.client(t, ids.New(), room)
	require.Eventually(t, func() bool { return a.bus.Stats().Peers == 1 && b.bus.Stats().Peers == 1 }, 10*time.Second, 10*time.Millisecond)

	first := a.order.take() // being stored on A
	b.order.Observe(first)
	second := b.order.take()
	b.post(second, "second", room)
	quiet(t, onA)
	quiet(t, onB)
	a.post(first, "first", room)
	for _, c := range []*hub.Client{onA, onB} {
		assert.Equal(t, []string{"first", "second"}, collect(t, c, 2))
	}
}

// A node that stops sending (it died, or lost NATS) is no longer waited
// for after a second: the others deliver what it held back.
func TestBus_ASilentNodeIsNoLongerWaitedFor(t *testing.T) {
	ns := startNATS(t, -1)
	a, b := newNode(t, ns.ClientURL()), newNode(t, ns.ClientURL())
	ids := storage.NewIDGen()
	room := ids.New()
	onB := b.client(t, ids.New(), room)
	require.Eventually(t, func() bool { return a.bus.Stats().Peers == 1 && b.bus.Stats().Peers == 1 }, 10*time.Second, 10*time.Millisecond)

	stuck := a.order.take() // A dies while storing it
	b.order.Observe(stuck)
	b.post(b.order.take(), "after", room)
	quiet(t, onB)
	require.NoError(t, a.bus.Close())
	assert.Equal(t, []string{"after"}, next(t, onB))
	assert.Equal(t, 0, b.bus.Stats().Peers)
}

// A node that dies between storing a message (and answering 201) and
// sending its event: once it is no longer waited for, the others read
// what it stored from its last frontier on and deliver what they never
// received, once.
func TestBus_WhatASilentNodeStoredButNeverSentIsDelivered(t *testing.T) {
	ns := startNATS(t, -1)
	a, b := newNode(t, ns.ClientURL()), newNode(t, ns.ClientURL())
	ids := storage.NewIDGen()
	room := ids.New()
	onB := b.client(t, ids.New(), room)
	require.Eventually(t, func() bool { return b.bus.Stats().Peers == 1 }, 10*time.Second, 10*time.Millisecond)
	sent := a.order.take()
	a.post(sent, "sent", room)
	assert.Equal(t, []string{"sent"}, next(t, onB))

	stored := a.order.take() // stored, answered, never sent: A dies
	var asked []storage.ID
	b.bus.RecoverWith(func(_ context.Context, from storage.ID) ([]hub.Event, error) {
		asked = append(asked, from)
		return []hub.Event{
			{Data: []byte("sent"), Room: room, Message: sent}, // had it
			{Data: []byte("stored"), Room: room, Message: stored},
		}, nil
	})
	require.NoError(t, a.bus.Close())
	assert.Equal(t, []string{"stored"}, next(t, onB))
	quiet(t, onB)
	assert.Equal(t, uint64(1), b.bus.Stats().Late)
	require.Len(t, asked, 1)
	assert.False(t, stored.Less(asked[0]), "read from A's last frontier, which the stored message was not past")
}
